"""API keys and the audit trail, in the store's SQLite file."""

from __future__ import annotations

from typing import Any

from kb.backends.sqlite.store import SqliteStore

_KEY_COLUMNS = ("id", "name", "role", "prefix", "created_at", "revoked_at", "key_hash")


class SqliteKeys:
    def __init__(self, store: SqliteStore) -> None:
        self.store = store

    def insert(self, *, name: str, role: str, prefix: str, key_hash: str, created_at: str) -> int:
        cursor = self.store.conn.execute(
            "INSERT INTO api_keys (name, role, prefix, key_hash, created_at) VALUES (?, ?, ?, ?, ?)",
            [name, role, prefix, key_hash, created_at],
        )
        return int(cursor.lastrowid or 0)

    def by_hash(self, key_hash: str) -> dict[str, Any] | None:
        row = self.store.conn.execute(
            f"SELECT {', '.join(_KEY_COLUMNS)} FROM api_keys WHERE key_hash = ?", [key_hash]
        ).fetchone()
        return dict(zip(_KEY_COLUMNS, row, strict=True)) if row else None

    def all(self) -> list[dict[str, Any]]:
        rows = self.store.conn.execute(
            f"SELECT {', '.join(_KEY_COLUMNS)} FROM api_keys ORDER BY id"
        ).fetchall()
        return [dict(zip(_KEY_COLUMNS, row, strict=True)) for row in rows]

    def revoke(self, key_id: int, at: str) -> bool:
        cursor = self.store.conn.execute(
            "UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", [at, key_id]
        )
        return cursor.rowcount > 0

    def any(self) -> bool:
        return self.store.conn.execute("SELECT 1 FROM api_keys LIMIT 1").fetchone() is not None


class SqliteAudit:
    def __init__(self, store: SqliteStore) -> None:
        self.store = store

    def insert(
        self, *, at: str, actor: str, action: str, target: str | None, detail: str | None
    ) -> None:
        self.store.conn.execute(
            "INSERT INTO audit (at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)",
            [at, actor, action, target, detail],
        )

    def entries(self, *, limit: int, actor: str | None) -> list[dict[str, Any]]:
        sql = "SELECT id, at, actor, action, target, detail FROM audit"
        params: list[Any] = []
        if actor:
            sql += " WHERE actor = ?"
            params.append(actor)
        sql += " ORDER BY id DESC LIMIT ?"
        params.append(limit)
        keys = ("id", "at", "actor", "action", "target", "detail")
        return [dict(zip(keys, row, strict=True)) for row in self.store.conn.execute(sql, params)]
