"""The small interfaces every storage backend implements: typed filters in, typed hits out.

Rules every backend keeps (the contract tests in tests/backends check them):
- the database is the source of truth; a vector index kept beside it is a cache rebuilt from it;
- a write lands whole or not at all, and writes made inside `transaction()` join it, so an audit
  entry recorded in the same block commits or rolls back with the write it describes;
- filters are applied before ranking, never after a top-k cut;
- scores are higher-is-better everywhere (BM25 and distances are turned round inside the backend).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, fields, replace
from typing import Any, Literal, Protocol

import numpy as np

RefKind = Literal["unit", "document"]


@dataclass(frozen=True)
class Ref:
    """What a vector or a keyword hit points at: a unit or a whole document."""

    kind: RefKind
    id: str

    @property
    def key(self) -> str:
        return f"{self.kind[0]}:{self.id}"


def _facet() -> Any:
    return field(default=(), metadata={"facet": True})


@dataclass(frozen=True)
class Filters:
    """What a search, a listing or a count is narrowed to; each backend translates it."""

    pattern: tuple[str, ...] = _facet()
    kind: tuple[str, ...] = _facet()
    phase: tuple[str, ...] = _facet()
    outcome: tuple[str, ...] = _facet()
    department: tuple[str, ...] = _facet()
    technique: tuple[str, ...] = _facet()
    since: str | None = None
    until: str | None = None
    include_superseded: bool = False

    def facets(self) -> dict[str, tuple[str, ...]]:
        """The facet filters that are set, by name."""
        return {name: getattr(self, name) for name in FACETS if getattr(self, name)}

    def without(self, facet: str) -> Filters:
        cleared: dict[str, Any] = {facet: ()}
        return replace(self, **cleared)

    @property
    def active(self) -> bool:
        return bool(self.facets() or self.since or self.until)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {name: list(values) for name, values in self.facets().items()}
        if self.since:
            out["since"] = self.since
        if self.until:
            out["until"] = self.until
        return out


FACETS: tuple[str, ...] = tuple(f.name for f in fields(Filters) if f.metadata.get("facet"))


@dataclass(frozen=True)
class PostgresOptions:
    """The PostgreSQL backend's knobs and their defaults (Settings fills them from KB_ variables;
    SQLite takes none)."""

    pool_size: int = 10  # most connections one process keeps open
    wait_seconds: float = 0.0  # how long opening waits for a database still starting
    timeout: float = 5.0  # how long a request waits for a connection (then: unavailable)
    ef_search: int = 200  # pgvector hnsw.ef_search
    hnsw_m: int = 16  # HNSW graph degree, at build time
    ef_construction: int = 200  # HNSW build candidate list


@dataclass(frozen=True)
class KeywordHit:
    ref: Ref
    score: float  # higher is better (BM25 turned round)


@dataclass(frozen=True)
class VectorHit:
    ref: Ref
    similarity: float  # cosine similarity, higher is better


@dataclass(frozen=True)
class VectorScope:
    """Which vectors a nearest-neighbour search may return, besides the filters."""

    target: Literal["any", "unit", "document"] = "any"
    unit_kinds: tuple[str, ...] = ()
    exclude_document: str | None = None


EVERYWHERE = VectorScope()


class DocumentStore(Protocol):
    """Documents, units, pattern tags, facets and stored vectors."""

    def transaction(self) -> AbstractContextManager[None]:
        """All or nothing; a nested call joins the outer one."""
        ...

    def after_commit(self, action: Callable[[], None]) -> None:
        """Run once the current outermost transaction commits (dropped on rollback)."""
        ...

    def generation(self) -> int:
        """How many writes have committed: it changes with every write any process or node makes,
        so a result computed at one value is still right while the value holds."""
        ...

    def find_by_hash(self, content_hash: str) -> dict[str, Any] | None: ...

    def current_version_at(self, source_key: str) -> dict[str, Any] | None: ...

    def insert_document(
        self,
        document: dict[str, Any],
        units: list[dict[str, Any]],
        tags: list[dict[str, Any]],
        facets: list[tuple[str, str]],
        *,
        supersedes: str | None = None,
        vectors: list[dict[str, Any]] | None = None,
        original: dict[str, Any] | None = None,
    ) -> None: ...

    def get_original(self, document_id: str) -> dict[str, Any] | None:
        """The file as submitted ({name, media_type, size, data}), when it was kept."""
        ...

    def original_sizes(self, document_ids: list[str]) -> dict[str, int]: ...

    def replace_document(
        self,
        document: dict[str, Any],
        units: list[dict[str, Any]],
        tags: list[dict[str, Any]],
        facets: list[tuple[str, str]],
        *,
        vectors: list[dict[str, Any]],
    ) -> None:
        """Swap a stored document's record, units, tags, facets and vectors (`kb reparse`)."""
        ...

    def delete_document(self, document_id: str) -> bool:
        """Delete it; a version it superseded becomes current again."""
        ...

    def relink_versions(self, source_key: str) -> None:
        """Make the newest version at a source key current and each older one superseded by the next."""
        ...

    def get_document(self, document_id: str) -> dict[str, Any] | None: ...

    def units_of(self, document_id: str) -> list[dict[str, Any]]: ...

    def tags_of(self, document_id: str) -> list[dict[str, Any]]: ...

    def facets_of(self, document_id: str) -> list[tuple[str, str]]: ...

    def get_unit(self, unit_id: str) -> dict[str, Any] | None:
        """A unit with its document's title and source and its pattern tags."""
        ...

    def unit_patterns(self, unit_ids: list[str]) -> dict[str, set[str]]: ...

    def describe(self, refs: list[Ref]) -> dict[Ref, dict[str, Any]]:
        """What a result list shows of each unit or document, in one query per kind."""
        ...

    def list_documents(
        self, filters: Filters, *, limit: int | None = None, offset: int = 0
    ) -> list[dict[str, Any]]: ...

    def count_documents(self, filters: Filters) -> int: ...

    def facet_counts(self, filters: Filters) -> dict[str, dict[str, int]]:
        """Documents per facet value, under every filter but the facet's own."""
        ...

    def facet_values(self, facet: str) -> list[str]: ...

    def pattern_documents(self) -> list[tuple[str, str, str, str]]:
        """(pattern, document id, department or 'unknown', year or '') of current documents."""
        ...

    def documents_by_month(self) -> list[tuple[str, str, list[str]]]:
        """(yyyy-mm or '', document id, patterns) of current documents."""
        ...

    def iter_documents(self) -> Iterator[dict[str, Any]]: ...

    def count(self, table: str) -> int: ...

    def vector_of(self, ref: Ref, model: str) -> np.ndarray | None: ...

    def vectors_of(self, document_id: str, model: str) -> dict[Ref, np.ndarray]: ...

    def vectors_for(self, refs: list[Ref], model: str) -> dict[Ref, np.ndarray]:
        """These units' and documents' vectors (those that have one), in one batch: hybrid search
        scores the keyword half's candidates by meaning too."""
        ...

    def stored_vectors(self, document_id: str) -> list[dict[str, Any]]:
        """Every model's vectors of a document, as insert_document takes them (`kb copy-store`)."""
        ...

    def close(self) -> None: ...


class KeywordIndex(Protocol):
    """Full-text search over units (text, section) and documents (title, summary), and over
    documents' whole text for the document signal of a hybrid search."""

    def search(self, terms: list[str], filters: Filters, n: int) -> list[KeywordHit]: ...

    def bodies(self, terms: list[str], filters: Filters, n: int) -> list[KeywordHit]:
        """The n best documents by BM25 over their whole text, best first."""
        ...

    def prepare(self) -> None:
        """Build whatever makes a long-lived process's searches fast (a server, before ready)."""
        ...


class VectorIndex(Protocol):
    """Nearest neighbours among the live vectors of one model."""

    model: str
    dim: int

    @property
    def count(self) -> int: ...

    def empty(self) -> bool:
        """No vectors of this model at all (cheaper than count on a large shared store)."""
        ...

    def search(
        self, vector: np.ndarray, n: int, filters: Filters, scope: VectorScope = EVERYWHERE
    ) -> list[VectorHit]: ...

    def refresh(self) -> None:
        """See every write committed anywhere (a no-op where the database is the index)."""
        ...

    def rebuild(self) -> int: ...

    def save(self) -> None: ...


class KeyStore(Protocol):
    def insert(
        self, *, name: str, role: str, prefix: str, key_hash: str, created_at: str
    ) -> int: ...

    def by_hash(self, key_hash: str) -> dict[str, Any] | None: ...

    def all(self) -> list[dict[str, Any]]: ...

    def revoke(self, key_id: int, at: str) -> bool: ...

    def any(self) -> bool: ...


class AuditStore(Protocol):
    def insert(
        self, *, at: str, actor: str, action: str, target: str | None, detail: str | None
    ) -> None: ...

    def entries(self, *, limit: int, actor: str | None) -> list[dict[str, Any]]: ...


ACTION_STATUSES = ("open", "done", "dropped")  # an action item's status, declared once
ACTION_COLUMNS: tuple[str, ...] = (
    "id", "document_id", "unit_id", "ord", "text", "owner", "due", "due_text", "status", "ticket",
    "section", "line_start", "line_end", "via", "warning", "edited_at", "edited_by",
)  # fmt: skip
EDITED = ("status", "owner", "edited_at", "edited_by")
VOTE_COLUMNS = (
    "at",
    "actor",
    "context",
    "query",
    "unit_id",
    "document_id",
    "vote",
    "comment",
)  # what a person changes; a re-read keeps it


@dataclass(frozen=True)
class ActionQuery:
    """Which action items a listing shows; the document filters narrow by pattern, department..."""

    status: tuple[str, ...] = ()  # empty: every status
    overdue_on: str | None = None  # only open items due before this ISO date
    owner: str | None = None  # case-insensitive, part of the name
    filters: Filters = Filters()
    limit: int = 500
    offset: int = 0


class ActionStore(Protocol):
    """Action items of current documents; each row as ACTION_COLUMNS plus its document's title,
    department and kind."""

    def replace(self, document_id: str, rows: list[dict[str, Any]]) -> None:
        """A document's items, newly read; an item already there (same id) keeps its edits."""
        ...

    def of_document(self, document_id: str) -> list[dict[str, Any]]: ...

    def query(self, q: ActionQuery, *, today: str) -> list[dict[str, Any]]:
        """Overdue items first (oldest due first), then by due date, undated last."""
        ...

    def get(self, action_id: str) -> dict[str, Any] | None: ...

    def update(self, action_id: str, changes: dict[str, Any]) -> bool: ...


class FeedbackStore(Protocol):
    def insert(
        self,
        *,
        at: str,
        actor: str,
        context: str,
        query: str | None,
        unit_id: str | None,
        document_id: str | None,
        vote: int,
        comment: str | None,
    ) -> int: ...

    def entries(self, *, since: str | None = None) -> list[dict[str, Any]]:
        """Oldest first."""
        ...


class Backend(Protocol):
    """One storage choice: the parts above, over one database."""

    @property
    def name(self) -> str: ...

    @property
    def errors(self) -> tuple[type[Exception], ...]:
        """What a failed database call raises."""
        ...

    @property
    def integrity_errors(self) -> tuple[type[Exception], ...]:
        """What writing a duplicate key raises."""
        ...

    @property
    def unavailable_errors(self) -> tuple[type[Exception], ...]:
        """What a call raises while the database is down or restarting (the service answers 503)."""
        ...

    @property
    def store(self) -> DocumentStore: ...

    @property
    def keywords(self) -> KeywordIndex: ...

    @property
    def keys(self) -> KeyStore: ...

    @property
    def audit(self) -> AuditStore: ...

    @property
    def actions(self) -> ActionStore: ...

    @property
    def feedback(self) -> FeedbackStore: ...

    def vector_index(self, *, model: str, dim: int) -> VectorIndex: ...

    def describe(self) -> dict[str, Any]:
        """For /ready and `kb stats`: which backend, where (no password)."""
        ...

    def ping(self) -> None:
        """Raise unless the database answers now (for /ready)."""
        ...

    def close(self) -> None: ...
