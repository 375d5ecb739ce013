"""API keys and the audit trail, in the shared PostgreSQL database."""

from __future__ import annotations

from typing import Any

from kb.backends.postgres.store import PostgresStore

_KEY_COLUMNS = "id, name, role, prefix, created_at, revoked_at, key_hash"


class PostgresKeys:
    def __init__(self, store: PostgresStore) -> None:
        self.store = store

    def insert(self, *, name: str, role: str, prefix: str, key_hash: str, created_at: str) -> int:
        row = self.store.one(
            "INSERT INTO api_keys (name, role, prefix, key_hash, created_at) "
            "VALUES (%s, %s, %s, %s, %s) RETURNING id",
            [name, role, prefix, key_hash, created_at],
        )
        assert row is not None
        return int(row["id"])

    def by_hash(self, key_hash: str) -> dict[str, Any] | None:
        return self.store.one(
            f"SELECT {_KEY_COLUMNS} FROM api_keys WHERE key_hash = %s", [key_hash]
        )

    def all(self) -> list[dict[str, Any]]:
        return self.store.rows(f"SELECT {_KEY_COLUMNS} FROM api_keys ORDER BY id")

    def revoke(self, key_id: int, at: str) -> bool:
        return (
            self.store.execute(
                "UPDATE api_keys SET revoked_at = %s WHERE id = %s AND revoked_at IS NULL",
                [at, key_id],
            )
            > 0
        )

    def any(self) -> bool:
        return self.store.one("SELECT 1 AS one FROM api_keys LIMIT 1") is not None


class PostgresAudit:
    def __init__(self, store: PostgresStore) -> None:
        self.store = store

    def insert(
        self, *, at: str, actor: str, action: str, target: str | None, detail: str | None
    ) -> None:
        self.store.execute(
            "INSERT INTO audit (at, actor, action, target, detail) VALUES (%s, %s, %s, %s, %s)",
            [at, actor, action, target, detail],
        )

    def entries(self, *, limit: int, actor: str | None) -> list[dict[str, Any]]:
        sql = "SELECT id, at, actor, action, target, detail FROM audit"
        params: list[Any] = []
        if actor:
            sql += " WHERE actor = %s"
            params.append(actor)
        sql += " ORDER BY id DESC LIMIT %s"
        params.append(limit)
        return self.store.rows(sql, params)
