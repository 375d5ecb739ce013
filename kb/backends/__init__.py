"""Storage backends behind small interfaces (base.py); `open_backend` picks one from `--db`."""

from __future__ import annotations

from pathlib import Path

from kb.backends.base import (
    ACTION_COLUMNS,
    FACETS,
    ActionQuery,
    ActionStore,
    Backend,
    DocumentStore,
    FeedbackStore,
    Filters,
    KeywordHit,
    KeywordIndex,
    PostgresOptions,
    Ref,
    VectorHit,
    VectorIndex,
    VectorScope,
)

SCHEMES = ("postgresql://", "postgres://")


class BackendError(ValueError):
    """A --db value that names no usable store; the message says what would."""


class DatabaseUnavailable(BackendError):
    """The database could not be reached in the time allowed; the message says where and why."""


def is_url(db: str | Path) -> bool:
    return "://" in str(db)


def check_store(db: str | Path) -> None:
    """Raise BackendError now for a --db value no backend can open (before a server starts)."""
    value = str(db)
    if value.startswith(SCHEMES):
        try:
            import pgvector.psycopg  # noqa: F401
            import psycopg  # noqa: F401
            import psycopg_pool  # noqa: F401
        except ImportError as exc:
            raise BackendError(
                f"{redact_url(value)}: the PostgreSQL backend needs the postgres extra "
                f"({exc.name} is not installed): pip install 'poc-lessons-kb[postgres]'"
            ) from exc
        return
    if is_url(value):
        scheme = value.split("://", 1)[0]
        raise BackendError(
            f"unknown store scheme {scheme!r} in --db / KB_DB; give a SQLite file path "
            "(e.g. team.db) or a postgresql://user@host/db URL"
        )


def open_backend(db: str | Path, options: PostgresOptions | None = None) -> Backend:
    """A file path is the embedded SQLite + FAISS backend; a postgresql:// URL the shared one,
    tuned by `options` (Settings.backend_options)."""
    check_store(db)
    if str(db).startswith(SCHEMES):
        from kb.backends.postgres import PostgresBackend

        return PostgresBackend(str(db), options or PostgresOptions())
    from kb.backends.sqlite import SqliteBackend

    return SqliteBackend(Path(str(db)))


def reason(exc: BaseException) -> str:
    """An error's first line (a driver's message can run to several), or its type's name."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def redact_url(url: str) -> str:
    """The URL with any password replaced, for messages and /ready."""
    if "://" not in url or "@" not in url:
        return url
    scheme, rest = url.split("://", 1)
    userinfo, host = rest.rsplit("@", 1)
    user = userinfo.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}" if ":" in userinfo else url


__all__ = [
    "ACTION_COLUMNS",
    "FACETS",
    "ActionQuery",
    "ActionStore",
    "Backend",
    "BackendError",
    "DatabaseUnavailable",
    "DocumentStore",
    "FeedbackStore",
    "Filters",
    "KeywordHit",
    "KeywordIndex",
    "PostgresOptions",
    "Ref",
    "VectorHit",
    "VectorIndex",
    "VectorScope",
    "check_store",
    "open_backend",
    "reason",
]
