"""API keys: shown once when made, kept only as a hash, each with a role."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from kb.backends.base import KeyStore as KeyRows

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
    """Keys: tokens are made and checked here; the backend keeps only their hashes."""

    def __init__(self, rows: KeyRows) -> None:
        self.rows = rows

    def create(self, *, role: str, name: str) -> tuple[Key, str]:
        """Make a key; the token is returned once and never stored."""
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}; valid: {', '.join(ROLES)}")
        token = PREFIX + secrets.token_urlsafe(32)
        now = datetime.now(UTC).isoformat(timespec="seconds")
        key_id = self.rows.insert(
            name=name, role=role, prefix=token[:10], key_hash=_hash(token), created_at=now
        )
        return Key(key_id, name, role, token[:10], now, None), token

    def verify(self, token: str) -> Key | None:
        digest = _hash(token)
        row = self.rows.by_hash(digest)
        if row is None or row["revoked_at"] is not None:
            return None
        if not hmac.compare_digest(row["key_hash"], digest):
            return None
        return _key(row)

    def list(self) -> list[Key]:
        return [_key(row) for row in self.rows.all()]

    def revoke(self, key_id: int) -> bool:
        return self.rows.revoke(key_id, datetime.now(UTC).isoformat(timespec="seconds"))

    def any(self) -> bool:
        return self.rows.any()


def _key(row: dict[str, Any]) -> Key:
    return Key(
        row["id"], row["name"], row["role"], row["prefix"], row["created_at"], row["revoked_at"]
    )
