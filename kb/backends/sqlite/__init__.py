"""The embedded backend: one SQLite file (records, FTS5, vectors) and a FAISS cache beside it."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from kb.backends.sqlite.access import SqliteAudit, SqliteKeys
from kb.backends.sqlite.follow import SqliteActions, SqliteFeedback
from kb.backends.sqlite.keyword import SqliteKeywords
from kb.backends.sqlite.store import SqliteStore
from kb.backends.sqlite.vectors import FaissVectors


class SqliteBackend:
    name = "sqlite"
    errors: tuple[type[Exception], ...] = (sqlite3.Error,)
    integrity_errors: tuple[type[Exception], ...] = (sqlite3.IntegrityError,)
    unavailable_errors: tuple[type[Exception], ...] = ()  # a local file is never "down"

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.store = SqliteStore(path)
        self.keywords = SqliteKeywords(self.store)
        self.keys = SqliteKeys(self.store)
        self.audit = SqliteAudit(self.store)
        self.actions = SqliteActions(self.store)
        self.feedback = SqliteFeedback(self.store)

    def vector_index(self, *, model: str, dim: int) -> FaissVectors:
        """The FAISS cache for this model, opened (and repaired against SQLite if needed)."""
        return FaissVectors(self.store, model=model, dim=dim)

    def describe(self) -> dict[str, Any]:
        return {"backend": self.name, "path": str(self.path)}

    def ping(self) -> None:
        self.store.conn.execute("SELECT 1")

    def close(self) -> None:
        self.keywords.close()
        self.store.close()


__all__ = ["FaissVectors", "SqliteBackend", "SqliteStore"]
