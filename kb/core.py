"""The KnowledgeBase facade: the one object the CLI and the API call."""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass
from typing import IO, TYPE_CHECKING, Any

import numpy as np

from kb import filters as flt
from kb.actions import store_actions
from kb.audit import AuditLog
from kb.backends import Backend, DocumentStore, Filters, Ref, VectorIndex, VectorScope, open_backend
from kb.config import Settings
from kb.embeddings import Embedder
from kb.files import expand
from kb.ingesting import Parsed, is_archive, parse_bytes, read_file
from kb.keys import KeyStore
from kb.recent import RecentResults
from kb.records import ParsedDocument
from kb.results import Report, Result
from kb.rows import facets_of, original_of, records_of
from kb.vectors import VectorCache, document_input, to_blob, unit_input

if TYPE_CHECKING:
    from kb.tagger import Tagger

BATCH_TEXTS = 512  # texts embedded per call during a bulk ingest
QUERY_CACHE = 1024  # query vectors kept in memory (a few MB)


@dataclass(frozen=True)
class Actor:
    """Who makes a write and how it came in; recorded in the audit trail with the write."""

    name: str = "cli"
    via: str = "cli"


def lower_priority(increment: int) -> None:
    """Lower the calling thread's scheduling priority (Linux threads have their own nice value);
    where the OS does not allow it, the thread keeps its priority."""
    if increment <= 0:
        return
    try:
        thread = threading.get_native_id()
        now = os.getpriority(os.PRIO_PROCESS, thread)
        os.setpriority(os.PRIO_PROCESS, thread, min(19, now + increment))
    except (AttributeError, OSError):
        return


class KnowledgeBase:
    """Owns the backend, the model and the tagger; front ends only parse and format."""

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        backend: Backend | None = None,
        tagger: Tagger | None = None,
        embedder: Embedder | None = None,
    ) -> None:
        self.settings = settings or Settings()
        self.backend: Backend = backend or open_backend(
            self.settings.store, self.settings.backend_options()
        )
        self.store: DocumentStore = self.backend.store
        self.keys = KeyStore(self.backend.keys)
        self.audit = AuditLog(self.backend.audit)
        self._tagger = tagger
        self._embedder: Embedder | None = embedder
        self._vectors: VectorIndex | None = None
        self._worker: ThreadPoolExecutor | None = None
        self._writer: ThreadPoolExecutor | None = None
        self._query_cache = VectorCache(QUERY_CACHE)
        self.recent_results = RecentResults(self.settings.result_cache)
        # writes are serialised (SQLite serialises other processes); lazy parts are made once
        self.write_lock = threading.RLock()
        self._init_lock = threading.RLock()

    def _once(self, attr: str, make: Callable[[], Any]) -> Any:
        """A lazy part, made once whichever thread asks first."""
        value = getattr(self, attr)
        if value is None:
            with self._init_lock:
                value = getattr(self, attr)
                if value is None:
                    value = make()
                    setattr(self, attr, value)
        return value

    @property
    def embedder(self) -> Embedder:
        """The embedding model, loaded on first use only."""
        from kb.embeddings import make_embedder

        return self._once(  # type: ignore[no-any-return]
            "_embedder",
            lambda: make_embedder(self.settings.embedder, cache_dir=self.settings.model_cache),
        )

    def query_vectors(self, queries: list[str]) -> np.ndarray:
        """Query vectors, several embedded in one call and the recent ones kept: the charter
        review asks a dozen searches at once, and a draft being typed asks the same ones again."""
        return self._query_cache.get(self.embedder, [q[:2000] for q in queries])

    @property
    def vectors(self) -> VectorIndex:
        """The backend's vector index for this model, opened (and repaired if needed) on first use."""
        return self._once(  # type: ignore[no-any-return]
            "_vectors",
            lambda: self.backend.vector_index(model=self.embedder.name, dim=self.embedder.dim),
        )

    def save_index(self) -> None:
        if self._vectors is not None:
            self._vectors.save()

    def reindex(self) -> int:
        """Rebuild the vector index from the stored vectors; returns how many it holds."""
        return self.vectors.rebuild()

    @property
    def tagger(self) -> Tagger:

        if self._tagger is None:
            from kb.tagger import make_tagger

            self._tagger = make_tagger(self.settings.tagger, lambda: self.embedder)
        return self._tagger

    @classmethod
    def open(
        cls, settings: Settings | None = None, *, embedder: Embedder | None = None
    ) -> KnowledgeBase:
        """Open the configured store; the default store is built from the shipped corpus on first use."""
        settings = settings or Settings()
        fresh = settings.uses_default_store and not settings.db_path.exists()
        kb = cls(settings, embedder=embedder)
        if fresh:
            kb.build_default()
        return kb

    def close(self) -> None:
        self.save_index()
        for pool in (self._worker, self._writer):
            if pool is not None:
                pool.shutdown()

        self.backend.close()

    def build_default(self, on_progress: Callable[[str], None] | None = None) -> Report:
        """Fill an empty store from the shipped corpus, so a new user can try the product at once."""
        corpus = self.settings.corpus
        if not corpus.is_dir():
            return Report()
        return self.ingest_paths(
            [str(corpus)], on_progress=on_progress, actor=Actor("kb", "default-corpus")
        )

    # --- ingest ----------------------------------------------------------------------------
    def ingest_paths(
        self,
        paths: Iterable[str],
        *,
        fmt: str | None = None,
        mapping: dict[str, str] | None = None,
        on_progress: Callable[[str], None] | None = None,
        on_start: Callable[[int], None] | None = None,
        actor: Actor = Actor(),
        action: str = "ingest",
    ) -> Report:
        """Ingest files, folders and globs; each document lands whole or not at all."""
        started = time.perf_counter()
        files, missing = expand(list(paths))
        report = Report([Result(name, "failed", reason=why) for name, why in missing])
        if on_start:
            on_start(len(files))
        batch: Parsed = []
        try:
            for path in files:
                data = read_file(
                    path,
                    max_bytes=self.settings.max_archive_bytes
                    if is_archive(path.name)
                    else self.settings.max_file_bytes,
                )
                if isinstance(data, Result):
                    report.results.append(data)
                else:
                    parsed, failed = parse_bytes(
                        data,
                        source=str(path),
                        source_key=str(path.resolve()),
                        max_bytes=self.settings.max_file_bytes,
                        fmt=fmt,
                        mapping=mapping,
                        limits=self.settings.limits(),
                    )
                    report.results.extend(failed)
                    batch.extend(parsed)
                if sum(len(d.units) + 1 for d, _ in batch) >= BATCH_TEXTS:
                    report.results.extend(self.add_many(batch, actor=actor, action=action))
                    batch = []
                if on_progress:
                    on_progress(str(path))
            report.results.extend(self.add_many(batch, actor=actor, action=action))
        finally:
            self.save_index()  # what was committed is indexed, even when interrupted
        report.seconds = time.perf_counter() - started
        return report

    def ingest_bytes(
        self,
        data: bytes,
        *,
        source: str,
        source_key: str | None = None,
        fmt: str | None = None,
        mapping: dict[str, str] | None = None,
        metadata: dict[str, str] | None = None,
        actor: Actor = Actor(),
        action: str = "ingest",
    ) -> list[Result]:
        """Parse and store one submission; bad input becomes a failed Result, never a half-write."""
        parsed, failed = parse_bytes(
            data,
            source=source,
            source_key=source_key,
            max_bytes=self.settings.max_file_bytes,
            fmt=fmt,
            mapping=mapping,
            metadata=metadata,
            limits=self.settings.limits(),
        )
        return failed + self.add_many(parsed, actor=actor, action=action)

    def submit(
        self,
        data: bytes,
        *,
        name: str,
        actor: str,
        fmt: str | None = None,
        metadata: dict[str, str] | None = None,
        via: str = "api",
    ) -> list[Result]:
        """One document from a person or a tool: a new version only when the same submitter sends
        the same file name again; whatever it changes goes into the audit trail."""
        meta = {**(metadata or {})}
        meta.setdefault("submitter", actor)
        key = f"api:{meta['submitter']}:{name}" if name else f"api:unnamed:{uuid.uuid4().hex}"
        return self.ingest_bytes(
            data,
            source=f"{via}:{name or 'submission'}",
            source_key=key,
            fmt=fmt,
            metadata=meta,
            actor=Actor(actor, via),
            action="submit",
        )

    def add_many(
        self, parsed: Parsed, *, actor: Actor = Actor(), action: str = "ingest"
    ) -> list[Result]:
        """Store parsed documents, embedding all new ones in one call (like lengths batch well)."""
        with self.write_lock:
            fresh = [d for d, _ in parsed if self.store.find_by_hash(d.content_hash) is None]
            vectors = dict(zip(map(id, fresh), self.embed_and_read(fresh), strict=True))
            return [
                self.add(
                    doc, source_key=key, vectors=vectors.get(id(doc)), actor=actor, action=action
                )
                for doc, key in parsed
            ]

    def _tag(self, doc: ParsedDocument, unit_vectors: Any) -> None:
        from kb.tagger import tag_document

        tag_document(doc, self.tagger, vectors=unit_vectors)

    def embed_and_read(self, docs: list[ParsedDocument]) -> list[Any]:
        """Each document's vectors (its units', then its own), read in between: the reading
        layer uses the unit vectors, and the document vector sees what it found."""
        if not docs:
            return []
        from kb.reading import read  # not imported by a search: a faster cold start

        unit_texts = [[unit_input(d.title, u) for u in d.units] for d in docs]
        flat = self.embedder.embed([t for group in unit_texts for t in group])
        per_doc, offset = [], 0
        for doc, group in zip(docs, unit_texts, strict=True):
            per_doc.append(flat[offset : offset + len(group)])
            offset += len(group)
            if self.settings.reader:
                read(doc, per_doc[-1], model=self.embedder.name)
        whole = self.embedder.embed([document_input(d) for d in docs])
        return [np.vstack([units, whole[i : i + 1]]) for i, units in enumerate(per_doc)]

    def add(
        self,
        doc: ParsedDocument,
        *,
        source_key: str,
        vectors: Any = None,
        actor: Actor = Actor(),
        action: str = "ingest",
    ) -> Result:
        """Store a parsed document: identical content is a no-op; new content at a known path is a
        version; the audit entry commits with it."""
        existing = self.store.find_by_hash(doc.content_hash)
        if existing:
            return Result(doc.source, "unchanged", existing["id"], existing["title"])
        self.vectors  # noqa: B018 - opened before the write, so the new rows are not taken for drift
        if vectors is None or len(vectors) != len(doc.units) + 1:
            vectors = self.embed_and_read([doc])[0]

        self._tag(doc, vectors[:-1])
        from kb.reading.actions import read_actions  # not imported by a search: a faster cold start

        read_actions(doc)
        previous = self.store.current_version_at(source_key)
        row, units, tags = records_of(doc, source_key=source_key, previous=previous)
        doc_id = row["id"]
        try:
            with self.store.transaction():
                self.store.insert_document(
                    row,
                    units,
                    tags,
                    facets_of(doc),
                    supersedes=previous["id"] if previous else None,
                    vectors=self._vector_rows(doc_id, [u["id"] for u in units], vectors),
                    original=original_of(doc),
                )
                store_actions(
                    self.backend, doc_id, doc.fields, previous=previous["id"] if previous else None
                )
                self.audit.record(
                    actor=actor.name,
                    action="new-version" if previous and action == "submit" else action,
                    target=doc_id,
                    detail={"source": doc.source, "redacted": doc.redacted, "via": actor.via},
                )
        except self.backend.integrity_errors:
            # another process stored the same content a moment ago: that is the no-op case
            existing = self.store.find_by_hash(doc.content_hash)
            if existing is None:
                raise
            return Result(doc.source, "unchanged", existing["id"], existing["title"])
        return Result(
            doc.source,
            "new-version" if previous else "added",
            doc_id,
            doc.title,
            len(units),
            doc.warnings,
            supersedes=previous["id"] if previous else None,
            redacted=doc.redacted,
        )

    def _vector_rows(self, doc_id: str, unit_ids: list[str], vectors: Any) -> list[dict[str, Any]]:
        model, dim = self.embedder.name, self.embedder.dim
        refs = [("unit", u) for u in unit_ids] + [("document", doc_id)]
        return [
            {"kind": kind, "ref_id": ref, "model": model, "dim": dim, "vector": to_blob(v)}
            for (kind, ref), v in zip(refs, vectors, strict=True)
        ]

    # --- reading ---------------------------------------------------------------------------
    def list_documents(
        self,
        *,
        filters: dict[str, list[str]] | None = None,
        include_superseded: bool = False,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[dict[str, Any]]:
        checked = flt.validate(filters or {}, self.store, include_superseded=include_superseded)
        return self.store.list_documents(checked, limit=limit, offset=offset)

    def get_document(self, document_id: str) -> dict[str, Any] | None:
        """The whole record: fields with their sources, units with their tags."""
        doc = self.store.get_document(document_id)
        if doc is None:
            return None
        tags = self.store.tags_of(doc["id"])
        by_unit: dict[str, list[dict[str, Any]]] = {}
        for tag in tags:
            by_unit.setdefault(tag["unit_id"], []).append(
                {"pattern": tag["pattern"], "evidence": tag["evidence"]}
            )
        units = self.store.units_of(doc["id"])
        for unit in units:
            unit["patterns"] = by_unit.get(unit["id"], [])
        doc["units"] = units
        first: dict[str, dict[str, Any]] = {}
        for tag in tags:
            first.setdefault(
                tag["pattern"],
                {"pattern": tag["pattern"], "evidence": tag["evidence"], "unit_id": tag["unit_id"]},
            )
        doc["patterns"] = list(first.values())
        original = self.store.original_sizes([doc["id"]]).get(doc["id"])
        doc["original"] = {"size": original} if original is not None else None
        return doc

    def get_original(self, document_id: str) -> dict[str, Any] | None:
        """The file as it was submitted ({name, media_type, size, data}), when it was kept."""
        doc = self.store.get_document(document_id)
        return self.store.get_original(doc["id"]) if doc else None

    def get_unit(self, unit_id: str) -> dict[str, Any] | None:
        return self.store.get_unit(unit_id)

    def delete_document(self, document_id: str, *, actor: Actor = Actor()) -> bool:
        """Delete a document (audited in the same transaction); a version it superseded is current again."""
        doc = self.store.get_document(document_id)
        if doc is None:
            return False
        with self.write_lock:
            self.vectors  # noqa: B018 - opened before the write
            with self.store.transaction():
                if not self.store.delete_document(doc["id"]):
                    return False
                self.audit.record(
                    actor=actor.name,
                    action="delete",
                    target=doc["id"],
                    detail={"title": doc["title"], "via": actor.via},
                )
            self.save_index()
        return True

    def create_key(self, *, role: str, name: str, actor: Actor = Actor()) -> tuple[Any, str]:
        """A new API key (its token returned once), audited in the same transaction."""
        with self.store.transaction():
            key, token = self.keys.create(role=role, name=name)
            self.audit.record(
                actor=actor.name,
                action="key-create",
                target=str(key.id),
                detail={"name": key.name, "role": role},
            )
        return key, token

    def revoke_key(self, key_id: int, *, actor: Actor = Actor()) -> bool:
        with self.store.transaction():
            if not self.keys.revoke(key_id):
                return False
            self.audit.record(actor=actor.name, action="key-revoke", target=str(key_id))
        return True

    def stats(self) -> dict[str, Any]:
        counts = self.store.facet_counts(Filters())
        return {
            "documents": self.store.count_documents(Filters()),
            "documents_including_superseded": self.store.count("documents"),
            "units": self.store.count("units"),
            "by_pattern": counts.get("pattern", {}),
            "by_phase": counts.get("phase", {}),
            "by_outcome": counts.get("outcome", {}),
            "by_department": counts.get("department", {}),
            "by_technique": counts.get("technique", {}),
            "by_kind": counts.get("kind", {}),
            "by_month": self._by_month(),
        }

    def _by_month(self) -> dict[str, dict[str, Any]]:
        """Documents and their failure patterns per month (the document's date, else when ingested)."""
        out: dict[str, dict[str, Any]] = {}
        for month, _, patterns in self.store.documents_by_month():
            key = month if month and month[:4].isdigit() else "undated"
            entry = out.setdefault(key, {"documents": 0, "patterns": {}})
            entry["documents"] += 1
            for p in patterns:
                if p:
                    entry["patterns"][p] = entry["patterns"].get(p, 0) + 1
        return dict(sorted(out.items()))

    def reparse(
        self, *, actor: Actor = Actor(), on_progress: Callable[[str], None] | None = None
    ) -> Report:
        """Re-read every stored document from its stored text; unchanged units keep their vectors."""
        from kb.reparse import reparse

        return reparse(self, actor=actor, on_progress=on_progress)

    # --- follow-through: action items, feedback, digests --------------------------------------
    def actions(self, **options: Any) -> list[dict[str, Any]]:
        """Action items of current documents, overdue first; see kb.actions.list_actions."""
        from kb.actions import list_actions

        filters = options.pop("filters", None)
        return list_actions(self, filters=flt.validate(filters or {}, self.store), **options)

    def get_action(self, action_id: str) -> dict[str, Any] | None:
        from kb.actions import shown, today

        row = self.backend.actions.get(action_id)
        return shown(row, on=today()) if row else None

    def update_action(
        self,
        action_id: str,
        *,
        status: str | None = None,
        owner: str | None = None,
        actor: Actor = Actor(),
    ) -> dict[str, Any] | None:
        """Change an item's status or owner (audited); None when there is no such item."""
        from kb.actions import update_action

        return update_action(self, action_id, status=status, owner=owner, actor=actor)

    def recurring_actions(self, **options: Any) -> list[dict[str, Any]]:
        """Action items asked for in several documents, grouped by meaning."""
        from kb.actions import recurring

        filters = options.pop("filters", None)
        return recurring(self, filters=flt.validate(filters or {}, self.store), **options)

    def pattern_documents(self, pattern: str, *, limit: int = 50) -> list[dict[str, Any]]:
        """Current documents showing a failure pattern, newest first, each with the sentence that
        shows it (for a feed of the pattern)."""
        checked = flt.validate({"pattern": [pattern]}, self.store)
        docs = self.store.list_documents(checked)
        docs.sort(key=lambda d: (str(d["ingested_at"]), d["id"]), reverse=True)
        out = []
        for doc in docs[:limit]:
            tag = next(
                (t for t in self.store.tags_of(doc["id"]) if t["pattern"] == checked.pattern[0]),
                None,
            )
            out.append(
                {
                    **doc,
                    "evidence": tag["evidence"] if tag else None,
                    "unit_id": tag["unit_id"] if tag else None,
                }
            )
        return out

    def digest(self, *, since: str) -> dict[str, Any]:
        """What was added since then, which patterns recurred, which action items fell overdue."""
        from kb.digest import digest, parse_since

        return digest(self, since=parse_since(since))

    def add_feedback(self, *, actor: Actor = Actor(), **vote: Any) -> dict[str, Any]:
        """A thumbs up or down on a result or suggestion; see kb.feedback.add."""
        from kb.feedback import add

        return add(self, actor=actor, **vote)

    def feedback_stats(self, *, since: str | None = None) -> dict[str, Any]:
        from kb.feedback import stats

        return stats(self, since=since)

    # --- export / import / copy ------------------------------------------------------------
    def copy_to(
        self,
        target: str,
        *,
        actor: Actor = Actor(),
        on_progress: Callable[[int, str], None] | None = None,
    ) -> dict[str, Any]:
        """Copy this store whole to another (a SQLite path or a postgresql:// URL), vectors included,
        without re-embedding; documents already there are skipped, so a cut-short copy resumes."""
        from kb.copying import copy_store

        if str(target) == self.settings.store:
            raise ValueError("the target is this store; give another path or URL")
        other = open_backend(target, self.settings.backend_options())
        to = other.describe()
        try:
            report = copy_store(self.backend, other, on_progress=on_progress)
            AuditLog(other.audit).record(
                actor=actor.name,
                action="copy-store",
                target=None,
                detail={"from": self.backend.describe(), **report.as_dict(), "via": actor.via},
            )
        finally:
            other.close()
        return {"from": self.backend.describe(), "to": to, **report.as_dict()}

    def export(self, out: IO[str]) -> int:
        """Write every document (superseded ones too) with units, tags and facets as JSON lines."""
        from kb.transfer import export

        return export(self, out)

    def import_export(
        self, lines: Iterable[str], *, source: str = "import", actor: Actor = Actor()
    ) -> Report:
        """Load a `kb export` file; documents already present (same content) are left alone."""
        from kb.transfer import import_lines

        return import_lines(self, lines, source=source, actor=actor)

    def in_background(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        """Run a submission's reading and embedding on the service's one writer thread, whose OS
        priority sits `submit_nice` below the searches': under load a search then waits less for
        the cores a submission would take (writes are serialised by `write_lock` anyway)."""
        pool = self._once(
            "_writer",
            lambda: ThreadPoolExecutor(
                max_workers=1,
                thread_name_prefix="kb-writer",
                initializer=lower_priority,
                initargs=(self.settings.submit_nice,),
            ),
        )
        return pool.submit(fn, *args, **kwargs)  # type: ignore[no-any-return]

    # --- search ----------------------------------------------------------------------------
    @property
    def worker(self) -> ThreadPoolExecutor:
        """One helper thread, so a hybrid query runs its keyword and vector halves at once."""
        return self._once(  # type: ignore[no-any-return]
            "_worker", lambda: ThreadPoolExecutor(max_workers=1, thread_name_prefix="kb-search")
        )

    def search(self, query: str, *, reuse: bool = False, **options: Any) -> dict[str, Any]:
        """Hybrid search; see kb.search.Searcher.search for the options. `reuse` answers from a
        result computed since the last write anywhere (the store's generation is read first)."""
        from kb.search import Searcher

        if not reuse or not self.recent_results.size:
            self.refresh_if_changed()
            return Searcher(self).search(query, **options)

        def search_now() -> dict[str, Any]:
            self.refresh_if_changed()
            return Searcher(self).search(query, **options)

        return self.recent_results.get(self.store.generation(), (query, options), search_now)

    def related(self, unit_id: str, *, limit: int = 10) -> dict[str, Any]:
        from kb.search import related

        self.refresh_if_changed()
        return related(self, unit_id, limit=limit)

    def refresh_if_changed(self) -> None:
        """Another process (a second worker, a CLI ingest) committed: bring the index in step."""
        if self._vectors is not None:  # opening the index syncs it anyway
            self._vectors.refresh()

    def prepare_search(self) -> None:
        """Everything a long-lived process's searches use, made ready now rather than on the
        first requests (the model's session, the vector index, the keyword postings)."""
        self.embedder.embed(["warm up the model"])  # a search of an empty store embeds nothing
        self.backend.keywords.prepare()
        self.search("warm up the search", limit=1)  # opens (and if needed repairs) the index

    def near_duplicates(
        self, document_id: str, *, threshold: float = 0.9, limit: int = 5
    ) -> list[dict[str, Any]]:
        """Other current documents whose whole-document vector is this close (cosine)."""
        found = self.store.vector_of(Ref("document", document_id), self.embedder.name)
        if found is None:
            return []
        return self._near(found, exclude=document_id, threshold=threshold, limit=limit)

    def _near(
        self, vector: Any, *, exclude: str, threshold: float, limit: int
    ) -> list[dict[str, Any]]:
        hits = self.vectors.search(
            vector, limit, Filters(), VectorScope(target="document", exclude_document=exclude)
        )
        hits = [h for h in hits if h.similarity >= threshold]
        described = self.store.describe([h.ref for h in hits])
        return [
            {
                "id": row["document_id"],
                "title": row["title"],
                "source": row["source"],
                "similarity": round(h.similarity, 4),
            }
            for h in hits
            if (row := described.get(h.ref))
        ]

    def preview(
        self,
        data: bytes,
        *,
        source: str,
        fmt: str | None = None,
        metadata: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """What storing this submission would give, stored nowhere: record, warnings, duplicates."""
        parsed, failed = parse_bytes(
            data,
            source=source,
            source_key=None,
            max_bytes=self.settings.max_file_bytes,
            fmt=fmt,
            metadata=metadata,
            limits=self.settings.limits(),
        )
        if failed and (not parsed or len(parsed) + len(failed) == 1):
            first = failed[0]
            reason = first.reason if first.source == source else f"{first.source}: {first.reason}"
            return {"status": "failed", "reason": reason}
        if len(parsed) + len(failed) > 1:
            return self._preview_parts(parsed, failed)
        doc, _ = parsed[0]
        vectors = self.embed_and_read([doc])[0]
        self._tag(doc, vectors[:-1])
        existing = self.store.find_by_hash(doc.content_hash)
        self.refresh_if_changed()
        near = self._near(
            vectors[-1], exclude=existing["id"] if existing else "", threshold=0.9, limit=5
        )
        kinds = Counter(u.kind for u in doc.units)
        return {
            "status": "duplicate" if existing else "new",
            "existing": {k: existing[k] for k in ("id", "title", "source")} if existing else None,
            "near_duplicates": near,
            "title": doc.title,
            "kind": doc.kind,
            "format": doc.format,
            "encoding": doc.encoding,
            "fields": doc.fields,
            "warnings": doc.warnings,
            "redacted": doc.redacted,
            "units": [asdict(u) for u in doc.units],
            "unit_kinds": dict(kinds.most_common()),
            "patterns": [asdict(p) for p in doc.patterns],
            "text": doc.text,
        }

    def _preview_parts(self, parsed: Parsed, failed: list[Result]) -> dict[str, Any]:
        """A zip or an e-mail with attachments: each document it would store, and each part that
        cannot be read, stored nowhere."""
        docs = [d for d, _ in parsed]
        for doc, vectors in zip(docs, self.embed_and_read(docs), strict=True):
            self._tag(doc, vectors[:-1])
        parts = [
            {
                "source": doc.source,
                "title": doc.title,
                "kind": doc.kind,
                "format": doc.format,
                "units": len(doc.units),
                "warnings": doc.warnings,
                "redacted": doc.redacted,
                "duplicate": self.store.find_by_hash(doc.content_hash) is not None,
                "patterns": sorted({t.pattern for t in doc.patterns}),
            }
            for doc in docs
        ]
        return {
            "status": "several",
            "parts": parts,
            "failed": [{"source": r.source, "reason": r.reason} for r in failed],
        }

    def facet_counts(
        self, filters: dict[str, list[str]] | None = None
    ) -> dict[str, dict[str, int]]:
        """Documents per facet value, under every selected filter but the facet's own."""
        return self.store.facet_counts(flt.validate(filters or {}, self.store))

    def pattern_breakdown(self) -> dict[str, Any]:
        from kb.browse import pattern_breakdown

        return pattern_breakdown(self)

    def document_related(self, document_id: str, *, limit: int = 8) -> list[dict[str, Any]]:
        from kb.browse import document_related

        self.refresh_if_changed()
        return document_related(self, document_id, limit=limit)
