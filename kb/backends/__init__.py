"""Storage backends behind small interfaces (base.py); `open_backend` picks one from `--db`."""

from __future__ import annotations

from pathlib import Path

from kb.backends.base import (
    FACETS,
    Backend,
    DocumentStore,
    Filters,
    KeywordHit,
    KeywordIndex,
    Ref,
    VectorHit,
    VectorIndex,
    VectorScope,
)

SCHEMES = ("postgresql://", "postgres://")


class BackendError(ValueError):
    """A --db value that names no usable store; the message says what would."""


def is_url(db: str | Path) -> bool:
    return "://" in str(db)


def check_store(db: str | Path) -> None:
    """Raise BackendError now for a --db value no backend can open (before a server starts)."""
    value = str(db)
    if value.startswith(SCHEMES):
        raise BackendError(
            f"{redact_url(value)}: the PostgreSQL backend is not available in this version; "
            "use a SQLite file path for --db / KB_DB"
        )
    if is_url(value):
        scheme = value.split("://", 1)[0]
        raise BackendError(
            f"unknown store scheme {scheme!r} in --db / KB_DB; give a SQLite file path "
            "(e.g. team.db) or a postgresql://user@host/db URL"
        )


def open_backend(db: str | Path) -> Backend:
    """A file path is the embedded SQLite + FAISS backend; a postgresql:// URL the shared one."""
    check_store(db)
    from kb.backends.sqlite import SqliteBackend

    return SqliteBackend(Path(str(db)))


def redact_url(url: str) -> str:
    """The URL with any password replaced, for messages and /ready."""
    if "://" not in url or "@" not in url:
        return url
    scheme, rest = url.split("://", 1)
    userinfo, host = rest.rsplit("@", 1)
    user = userinfo.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}" if ":" in userinfo else url


__all__ = [
    "FACETS",
    "Backend",
    "BackendError",
    "DocumentStore",
    "Filters",
    "KeywordHit",
    "KeywordIndex",
    "Ref",
    "VectorHit",
    "VectorIndex",
    "VectorScope",
    "check_store",
    "open_backend",
]
