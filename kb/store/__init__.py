"""Storage: SQLite is the source of truth for every record."""

from kb.store.base import Store
from kb.store.sqlite import SqliteStore

__all__ = ["SqliteStore", "Store"]
