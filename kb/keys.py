"""API keys: shown once when made, kept only as a hash, each with a role."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

ROLES = ("reader", "contributor", "admin")
_RANK = {role: i for i, role in enumerate(ROLES)}
PREFIX = "kb_"


@dataclass
class Key:
    id: int
    name: str
    role: str
    prefix: str
    created_at: str
    revoked_at: str | None


def role_allows(role: str, needed: str) -> bool:
    """reader < contributor < admin."""
    return _RANK[role] >= _RANK[needed]


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class KeyStore:
    """Keys in the store's SQLite file."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn

    def create(self, *, role: str, name: str) -> tuple[Key, str]:
        """Make a key; the token is returned once and never stored."""
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}; valid: {', '.join(ROLES)}")
        token = PREFIX + secrets.token_urlsafe(32)
        now = datetime.now(UTC).isoformat(timespec="seconds")
        cursor = self.conn.execute(
            "INSERT INTO api_keys (name, role, prefix, key_hash, created_at) VALUES (?, ?, ?, ?, ?)",
            [name, role, token[:10], _hash(token), now],
        )
        return Key(int(cursor.lastrowid), name, role, token[:10], now, None), token

    def verify(self, token: str) -> Key | None:
        digest = _hash(token)
        row = self.conn.execute(
            "SELECT id, name, role, prefix, created_at, revoked_at, key_hash FROM api_keys WHERE key_hash = ?",
            [digest],
        ).fetchone()
        if row is None or row[5] is not None or not hmac.compare_digest(row[6], digest):
            return None
        return Key(*row[:6])

    def list(self) -> list[Key]:
        rows = self.conn.execute(
            "SELECT id, name, role, prefix, created_at, revoked_at FROM api_keys ORDER BY id"
        ).fetchall()
        return [Key(*row) for row in rows]

    def revoke(self, key_id: int) -> bool:
        now = datetime.now(UTC).isoformat(timespec="seconds")
        cursor = self.conn.execute(
            "UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", [now, key_id]
        )
        return cursor.rowcount > 0

    def any(self) -> bool:
        return self.conn.execute("SELECT 1 FROM api_keys LIMIT 1").fetchone() is not None
