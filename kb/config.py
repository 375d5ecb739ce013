"""One Settings object for the whole product; every field can be set with a KB_ environment variable.

A plain dataclass rather than pydantic-settings: the command line reads it on every start, and
importing pydantic cost a cold `kb search` about 0.2 s.
"""

from __future__ import annotations

import os
from dataclasses import MISSING, dataclass, fields, replace
from dataclasses import field as _dataclass_field
from pathlib import Path
from typing import Any

from kb.backends.base import PostgresOptions

APP_NAME = "poc-lessons-kb"
ENV_PREFIX = "KB_"
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def default_db_path() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME, appauthor=False)) / "kb.db"


def shipped_corpus() -> Path:
    """The corpus/ folder beside the packages (an editable or source install)."""
    return Path(__file__).resolve().parent.parent / "corpus"


class SettingsError(ValueError):
    """A KB_ variable or a setting that cannot be read as its type or lies out of bounds."""


def Field(  # noqa: N802 - reads like the pydantic declaration it replaces
    *,
    description: str,
    default: Any = MISSING,
    default_factory: Any = MISSING,
    ge: float | None = None,
    le: float | None = None,
) -> Any:
    """A setting: its default, what it is for (the README documents it) and its bounds."""
    meta = {"description": description, "ge": ge, "le": le}
    if default_factory is not MISSING:
        return _dataclass_field(default_factory=default_factory, metadata=meta)
    return _dataclass_field(default=default, metadata=meta)


@dataclass(init=False)
class Settings:
    """Configuration; documented in README.md (a test checks every field is). A value given here
    wins over its KB_ variable, which wins over the default."""

    db: str | None = Field(
        default=None,
        description="the store: a SQLite file path (default: in the user data dir) "
        "or a postgresql:// URL",
    )
    db_pool_size: int = Field(
        default=PostgresOptions.pool_size,
        description="PostgreSQL: most connections one process keeps open",
    )
    db_timeout: float = Field(
        default=PostgresOptions.timeout,
        description="PostgreSQL: seconds a request waits for a connection before it is "
        "answered 503 (the database is down or restarting)",
    )
    db_wait: float = Field(
        default=PostgresOptions.wait_seconds,
        description="PostgreSQL: seconds the CLI waits for the database at start "
        "(`kb serve` waits as long as it takes, and /ready says why)",
    )
    hnsw_m: int = Field(
        default=PostgresOptions.hnsw_m,
        description="PostgreSQL: pgvector HNSW graph degree, used when the index is built",
    )
    hnsw_ef_construction: int = Field(
        default=PostgresOptions.ef_construction,
        description="PostgreSQL: pgvector HNSW build candidate list (higher: better recall, slower build)",
    )
    hnsw_ef_search: int = Field(
        default=PostgresOptions.ef_search,
        description="PostgreSQL: pgvector hnsw.ef_search (higher: better recall, slower search)",
    )
    max_file_bytes: int = Field(default=5_000_000, description="largest file accepted for ingest")
    max_archive_bytes: int = Field(
        default=200_000_000,
        description="largest zip accepted, and the most its members may unpack to in all",
    )
    max_archive_files: int = Field(default=2_000, description="most files a zip may hold")
    corpus: Path = Field(
        default_factory=shipped_corpus, description="folder the default store is built from"
    )
    embedder: str = Field(
        default="onnx", description="onnx, sentence-transformers (same vectors) or hashing (tests)"
    )
    max_body_bytes: int = Field(
        default=5_000_000, description="largest request body the service accepts"
    )
    host: str = Field(default="127.0.0.1", description="address `kb serve` binds to")
    port: int = Field(default=8000, description="port `kb serve` listens on")
    model_cache: Path | None = Field(
        default=None, description="folder for the exported ONNX model; default: the user cache dir"
    )

    reader: bool = Field(
        default=True,
        description="read each passage's role, the document kind and its facts by meaning "
        "(false: headings and rules only, as before the reading layer)",
    )
    recurring_similarity: float = Field(
        default=0.55,
        ge=0.0,
        le=1.0,
        description="how close in meaning (cosine) two action items must be to count as the same "
        "recurring action",
    )
    result_cache: int = Field(
        default=512,
        ge=0,
        description="search results the charter assistant reuses while the store is unchanged "
        "(a draft being typed asks the same searches again); 0 turns reuse off",
    )
    submit_nice: int = Field(
        default=10,
        ge=0,
        le=19,
        description="how far below searches `kb serve` runs a submitted document's reading and "
        "embedding (a Unix nice increment for the thread that does them; 0: the same priority)",
    )
    tagger: str = Field(
        default="hybrid", description="failure-pattern tagger: hybrid, cues or semantic"
    )

    def __init__(self, **given: Any) -> None:
        unknown = set(given) - {f.name for f in fields(Settings)}
        if unknown:
            raise SettingsError(f"unknown setting(s): {', '.join(sorted(unknown))}")
        for spec in fields(Settings):
            env = f"{ENV_PREFIX}{spec.name.upper()}"
            if spec.name in given:
                value, origin = given[spec.name], spec.name
            elif env in os.environ:
                value, origin = os.environ[env], env
            elif spec.default_factory is not MISSING:
                value, origin = spec.default_factory(), spec.name
            else:
                value, origin = spec.default, spec.name
            setattr(self, spec.name, _coerce(value, str(spec.type), spec.metadata, origin))

    @classmethod
    def describe(cls) -> dict[str, str]:
        """Each setting's name and what it is for."""
        return {f.name: f.metadata["description"] for f in fields(cls)}

    def with_changes(self, **changes: Any) -> Settings:
        """A copy with some settings changed (the others as they are, not read again)."""
        return replace(self, **changes)

    @property
    def store(self) -> str:
        """What `open_backend` is given: the --db / KB_DB value, or the default SQLite file."""
        return self.db if self.db is not None else str(default_db_path())

    def backend_options(self) -> PostgresOptions:
        """What `open_backend` takes besides the store (SQLite ignores it)."""
        return PostgresOptions(
            pool_size=self.db_pool_size,
            wait_seconds=self.db_wait,
            timeout=self.db_timeout,
            ef_search=self.hnsw_ef_search,
            hnsw_m=self.hnsw_m,
            ef_construction=self.hnsw_ef_construction,
        )

    @property
    def db_path(self) -> Path:
        """The SQLite file (for a URL store, a path that never exists)."""
        return Path(self.store)

    @property
    def uses_default_store(self) -> bool:
        return self.db is None

    def limits(self) -> Any:
        """The bounds on unpacking a zip export, from the settings."""
        from ingest import Limits

        return Limits(
            max_total_bytes=self.max_archive_bytes,
            max_files=self.max_archive_files,
            max_member_bytes=self.max_file_bytes,
        )


def _coerce(value: Any, kind: str, meta: Any, origin: str) -> Any:
    """A given or KB_ value as the field's declared type (the annotation's text); `db` is kept as
    text even when given a Path, so a URL's `//` is never collapsed into a folder name."""
    text = isinstance(value, str)
    optional = kind.endswith(" | None")
    base = kind.removesuffix(" | None")
    try:
        if value is None or (optional and text and value == ""):
            if not optional:
                raise ValueError("a value is required")
            return None
        if base == "bool":
            if isinstance(value, bool):
                return value
            word = str(value).strip().lower()
            if word in _TRUE | _FALSE:
                return word in _TRUE
            raise ValueError("not a yes/no value (use true or false)")
        if base == "int":
            if isinstance(value, bool):
                raise ValueError("not a whole number")
            number: Any = int(value)
        elif base == "float":
            number = float(value)
        elif base == "Path":
            return Path(value)
        else:
            return str(value)
    except (TypeError, ValueError) as exc:
        raise SettingsError(f"{origin}={value!r}: {exc}") from None
    if meta["ge"] is not None and number < meta["ge"]:
        raise SettingsError(f"{origin}={value!r}: must be at least {meta['ge']}")
    if meta["le"] is not None and number > meta["le"]:
        raise SettingsError(f"{origin}={value!r}: must be at most {meta['le']}")
    return number
