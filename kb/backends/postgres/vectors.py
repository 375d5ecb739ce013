"""Vector search on PostgreSQL: a pgvector HNSW index per model, the filters in the same query, and
iterative index scans so a filtered search still fills its limit. No cache to keep in step: what
one node writes, every node's next search sees."""

from __future__ import annotations

import hashlib
import time

import numpy as np
from psycopg import sql

from kb.backends.base import EVERYWHERE, Filters, PostgresOptions, Ref, VectorHit, VectorScope
from kb.backends.postgres.store import PostgresStore, state_where_sql

INDEX_LOCK = 727_302  # pg_advisory_lock key: one node builds a missing index


def index_name(model: str, dim: int) -> str:
    return "vectors_hnsw_" + hashlib.sha1(f"{model}:{dim}".encode()).hexdigest()[:12]


class PgVectors:
    """Nearest neighbours among a model's vectors, answered by the database itself."""

    def __init__(
        self,
        store: PostgresStore,
        *,
        model: str,
        dim: int,
        options: PostgresOptions,
    ) -> None:
        self.store = store
        self.options = options
        self.model = model
        self.dim = int(dim)
        self.ef_search = options.ef_search
        self.name = index_name(model, self.dim)
        self._seen = 0.0
        # the indexed expression and the partial-index predicate, as literals the planner matches
        self._expr = sql.SQL("(v.embedding::vector({dim}))").format(dim=sql.Literal(self.dim))
        self._model = sql.Literal(model)
        self.ensure_index()

    def ensure_index(self, *, again: bool = False) -> None:
        """Create this model's HNSW index if no node has yet (cosine distance); `again` drops it
        first, so a rebuild takes the current build settings."""
        ddl = sql.SQL(
            "CREATE INDEX IF NOT EXISTS {name} ON vectors USING hnsw "
            "((embedding::vector({dim})) vector_cosine_ops) "
            "WITH (m = {m}, ef_construction = {efc}) WHERE model = {model}"
        ).format(
            name=sql.Identifier(self.name),
            dim=sql.Literal(self.dim),
            m=sql.Literal(int(self.options.hnsw_m)),
            efc=sql.Literal(int(self.options.ef_construction)),
            model=self._model,
        )
        with self.store.pool.connection() as conn:
            conn.execute("SELECT pg_advisory_lock(%s)", [INDEX_LOCK])
            try:
                if again:
                    conn.execute(
                        sql.SQL("DROP INDEX IF EXISTS {}").format(sql.Identifier(self.name))
                    )
                conn.execute(ddl)
            finally:
                conn.execute("SELECT pg_advisory_unlock(%s)", [INDEX_LOCK])

    @property
    def count(self) -> int:
        row = self.store.one(
            "SELECT count(*) AS n FROM vectors v JOIN documents d ON d.id = v.document_id "
            "WHERE v.model = %s AND d.superseded_by IS NULL",
            [self.model],
        )
        return int(row["n"]) if row else 0

    def empty(self) -> bool:
        if time.monotonic() - self._seen < 30:  # vectors a moment ago: a search finds none if gone
            return False
        found = self.store.one(
            "SELECT 1 AS one FROM vectors WHERE model = %s LIMIT 1", [self.model]
        )
        if found is not None:
            self._seen = time.monotonic()
        return found is None

    def refresh(self) -> None:
        """Nothing to do: the database is the index."""

    def save(self) -> None:
        """Nothing to do: the database is the index."""

    def rebuild(self) -> int:
        """Build the HNSW index again, with the current KB_HNSW_M and KB_HNSW_EF_CONSTRUCTION."""
        self.ensure_index(again=True)
        return self.count

    def search(
        self, vector: np.ndarray, n: int, filters: Filters, scope: VectorScope = EVERYWHERE
    ) -> list[VectorHit]:
        where, params, dated = state_where_sql(filters, "v")
        clauses = [sql.SQL("v.model = {}").format(self._model), sql.SQL(where)]
        joins = [sql.SQL(" JOIN documents d ON d.id = v.document_id")] if dated else []
        if scope.target != "any":
            clauses.append(sql.SQL("v.kind = %s"))
            params.append(scope.target)
        if scope.unit_kinds:
            joins.append(sql.SQL(" JOIN units u ON u.id = v.ref_id"))
            clauses.append(sql.SQL("u.kind = ANY(%s)"))
            params.append(list(scope.unit_kinds))
        if scope.exclude_document:
            clauses.append(sql.SQL("v.document_id <> %s"))
            params.append(scope.exclude_document)
        query = sql.SQL(
            "SELECT v.kind, v.ref_id, {expr} <=> %s::vector({dim}) AS distance "
            "FROM vectors v{joins} "
            "WHERE {where} ORDER BY distance LIMIT %s"
        ).format(
            expr=self._expr,
            dim=sql.Literal(self.dim),
            joins=sql.SQL("").join(joins),
            where=sql.SQL(" AND ").join(clauses),
        )
        query_vector = np.asarray(vector, dtype=np.float32).reshape(-1)
        want = n
        if filters.active or scope != EVERYWHERE:
            # a filtered scan meets its matches thinly spread and in relaxed order: a short list
            # is asked for longer and cut (recall@10 at 100k with a 10% filter: 0.905 -> 0.964)
            n = max(n, 40)
        if n <= self.ef_search:  # the session's settings (relaxed order, ef_search) suffice
            rows = self.store.rows(query, [query_vector, *params, n])  # type: ignore[arg-type]
        else:
            with self.store.connection() as conn, conn.transaction():
                conn.execute(
                    sql.SQL("SET LOCAL hnsw.ef_search = {}").format(sql.Literal(min(1000, n)))
                )
                rows = conn.execute(query, [query_vector, *params, n]).fetchall()
        # relaxed order: the index may hand back near-ties slightly out of order
        hits = [VectorHit(Ref(r["kind"], r["ref_id"]), 1.0 - float(r["distance"])) for r in rows]
        return sorted(hits, key=lambda h: -h.similarity)[:want]
