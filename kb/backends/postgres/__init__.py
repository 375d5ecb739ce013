"""The shared backend: PostgreSQL with pgvector, for several nodes over one database."""

from __future__ import annotations

import time
from typing import Any

import psycopg
from pgvector.psycopg.vector import register_vector_info
from psycopg.rows import dict_row
from psycopg.types import TypeInfo
from psycopg_pool import ConnectionPool, PoolTimeout

from kb.backends import DatabaseUnavailable, PostgresOptions, reason, redact_url
from kb.backends.postgres import migrations
from kb.backends.postgres.access import PostgresAudit, PostgresKeys
from kb.backends.postgres.follow import PostgresActions, PostgresFeedback
from kb.backends.postgres.keyword import PostgresKeywords
from kb.backends.postgres.store import Conn, PostgresStore
from kb.backends.postgres.vectors import PgVectors

IDLE_CHECK_SECONDS = 1.0


class PostgresBackend:
    name = "postgres"
    errors: tuple[type[Exception], ...] = (psycopg.Error, PoolTimeout)
    integrity_errors: tuple[type[Exception], ...] = (psycopg.errors.UniqueViolation,)
    # what a request meets while the database restarts or is down: a 503 and a retry, not a 500
    unavailable_errors: tuple[type[Exception], ...] = (psycopg.OperationalError, PoolTimeout)

    def __init__(
        self,
        url: str,
        options: PostgresOptions,
    ) -> None:
        self.url = url
        self.options = options
        info = self._migrate(options.wait_seconds)

        returned: dict[int, float] = {}  # id(connection) -> when it was last given back

        def configure(conn: Conn) -> None:
            register_vector_info(conn, info)
            # session settings every search relies on (fewer round trips than SET LOCAL each time)
            conn.execute("SET hnsw.iterative_scan = relaxed_order")
            conn.execute(f"SET hnsw.ef_search = {min(1000, max(1, int(options.ef_search)))}")
            conn.execute("SET max_parallel_workers_per_gather = 0")  # small OLTP queries

        def reset(conn: Conn) -> None:
            returned[id(conn)] = time.monotonic()

        def check(conn: Conn) -> None:
            """Ping a connection that sat idle (a restarted server leaves dead ones behind);
            one in use a moment ago is lent without the extra round trip."""
            if time.monotonic() - returned.get(id(conn), 0.0) > IDLE_CHECK_SECONDS:
                ConnectionPool.check_connection(conn)

        pool: ConnectionPool[Conn] = ConnectionPool(
            url,
            min_size=1,
            max_size=max(1, options.pool_size),
            kwargs={"autocommit": True, "row_factory": dict_row},
            configure=configure,
            reset=reset,
            check=check,
            timeout=options.timeout,
            open=False,
            name="kb",
        )
        pool.open(wait=False)
        self.pool = pool
        self.store = PostgresStore(pool)
        self.keywords = PostgresKeywords(self.store)
        self.keys = PostgresKeys(self.store)
        self.audit = PostgresAudit(self.store)
        self.actions = PostgresActions(self.store)
        self.feedback = PostgresFeedback(self.store)

    def _migrate(self, wait_seconds: float) -> TypeInfo:
        """Connect (waiting up to wait_seconds for a server still starting), migrate, and return
        the vector type the pool's connections are taught."""
        deadline = time.monotonic() + wait_seconds
        while True:
            try:
                with psycopg.connect(self.url, autocommit=True, connect_timeout=5) as conn:
                    migrations.apply(conn)
                    info = TypeInfo.fetch(conn, "vector")
                    assert info is not None
                    return info
            except psycopg.OperationalError as exc:
                if time.monotonic() >= deadline:
                    raise DatabaseUnavailable(
                        f"cannot reach the database at {redact_url(self.url)}: {reason(exc)}"
                    ) from exc
                time.sleep(1.0)

    def vector_index(self, *, model: str, dim: int) -> PgVectors:
        return PgVectors(self.store, model=model, dim=dim, options=self.options)

    def ping(self) -> None:
        """Raise one of unavailable_errors unless the database answers now."""
        self.store.one("SELECT 1 AS one")

    def describe(self) -> dict[str, Any]:
        return {"backend": self.name, "url": redact_url(self.url)}

    def close(self) -> None:
        self.pool.close()


__all__ = ["DatabaseUnavailable", "PostgresBackend"]
