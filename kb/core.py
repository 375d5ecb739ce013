"""The KnowledgeBase facade: the one object the CLI and the API call."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from datetime import UTC, datetime
from typing import IO, Any

from kb import filters as flt
from kb.config import Settings
from kb.embeddings import Embedder
from kb.files import expand
from kb.ingesting import Parsed, parse_bytes, read_file
from kb.records import ParsedDocument
from kb.results import Report, Result
from kb.secrets import redact_tree
from kb.store import SqliteStore, Store
from kb.tagger import Tagger, make_tagger, tag_document
from kb.vectors import IndexKeeper, document_input, to_blob, unit_input

EXPORT_VERSION = 1
BATCH_TEXTS = 512  # texts embedded per call during a bulk ingest


DOCUMENT_COLUMNS = (
    "id",
    "kind",
    "title",
    "project",
    "department",
    "use_case",
    "phase_reached",
    "outcome",
    "source",
    "source_key",
    "format",
    "encoding",
    "content_hash",
    "version",
    "superseded_by",
    "ingested_at",
    "start_date",
    "end_date",
    "summary",
    "body",
    "text",
    "fields",
    "warnings",
)
UNIT_COLUMNS = (
    "id",
    "document_id",
    "ord",
    "kind",
    "category",
    "section",
    "line_start",
    "line_end",
    "text",
)
TAG_COLUMNS = ("document_id", "unit_id", "pattern", "evidence", "cue")


def _only(row: dict[str, Any], columns: tuple[str, ...]) -> dict[str, Any]:
    missing = [c for c in ("id", "title", "content_hash") if c in columns and c not in row]
    if missing:
        raise ValueError(f"missing {', '.join(missing)}")
    return {k: v for k, v in row.items() if k in columns}


def _now() -> str:

    return datetime.now(UTC).isoformat(timespec="seconds")


def _facets(doc: ParsedDocument) -> list[tuple[str, str]]:
    out = [("kind", doc.kind)]
    for name, facet in (
        ("phase_reached", "phase"),
        ("outcome", "outcome"),
        ("department", "department"),
    ):
        value = doc.field_value(name)
        if value:
            out.append((facet, str(value)))
    techniques = doc.field_value("technique") or []
    out += [
        ("technique", str(t))
        for t in (techniques if isinstance(techniques, list) else [techniques])
    ]
    out += [("pattern", tag.pattern) for tag in doc.patterns]
    return out


class KnowledgeBase:
    """Owns the store (and, later, the index and search); front ends only parse and format."""

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        store: Store | None = None,
        tagger: Tagger | None = None,
    ) -> None:
        self.settings = settings or Settings()
        self.store: Store = store or SqliteStore(self.settings.db_path)
        self._tagger = tagger
        self._embedder: Embedder | None = None
        self._keeper: IndexKeeper | None = None
        self._worker: ThreadPoolExecutor | None = None
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

    @property
    def keeper(self) -> IndexKeeper:
        """The FAISS index, opened (and repaired against SQLite if needed) on first use."""
        return self._once(  # type: ignore[no-any-return]
            "_keeper",
            lambda: IndexKeeper(
                self.store,  # type: ignore[arg-type]
                self.settings.db_path,
                model=self.embedder.name,
                dim=self.embedder.dim,
            ),
        )

    def save_index(self) -> None:
        if self._keeper is not None:
            self._keeper.save()

    def reindex(self) -> int:
        """Rebuild the vector index from the vectors in SQLite; returns how many it holds."""
        return self.keeper.rebuild()

    @property
    def tagger(self) -> Tagger:

        if self._tagger is None:
            self._tagger = make_tagger(self.settings.tagger, lambda: self.embedder)
        return self._tagger

    @classmethod
    def open(cls, settings: Settings | None = None) -> KnowledgeBase:
        """Open the configured store; the default store is built from the shipped corpus on first use."""
        settings = settings or Settings()
        fresh = settings.uses_default_store and not settings.db_path.exists()
        kb = cls(settings)
        if fresh:
            kb.build_default()
        return kb

    def close(self) -> None:
        self.save_index()
        if self._worker is not None:
            self._worker.shutdown()

        closer = getattr(self.store, "close", None)

        if closer:
            closer()

    def build_default(self, on_progress: Callable[[str], None] | None = None) -> Report:
        """Fill an empty store from the shipped corpus, so a new user can try the product at once."""
        corpus = self.settings.corpus
        if not corpus.is_dir():
            return Report()
        return self.ingest_paths([str(corpus)], on_progress=on_progress)

    # --- ingest ----------------------------------------------------------------------------
    def ingest_paths(
        self,
        paths: Iterable[str],
        *,
        fmt: str | None = None,
        mapping: dict[str, str] | None = None,
        on_progress: Callable[[str], None] | None = None,
        on_start: Callable[[int], None] | None = None,
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
                data = read_file(path, max_bytes=self.settings.max_file_bytes)
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
                    )
                    report.results.extend(failed)
                    batch.extend(parsed)
                if sum(len(d.units) + 1 for d, _ in batch) >= BATCH_TEXTS:
                    report.results.extend(self.add_many(batch))
                    batch = []
                if on_progress:
                    on_progress(str(path))
            report.results.extend(self.add_many(batch))
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
        )
        return failed + self.add_many(parsed)

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
        results = self.ingest_bytes(
            data,
            source=f"{via}:{name or 'submission'}",
            source_key=key,
            fmt=fmt,
            metadata=meta,
        )
        for result in results:
            if result.status in ("added", "new-version"):
                self.audit.record(
                    actor=actor,
                    action="submit" if result.status == "added" else "new-version",
                    target=result.document_id,
                    detail={"source": name, "redacted": result.redacted, "via": via},
                )
        return results

    def add_many(self, parsed: Parsed) -> list[Result]:
        """Store parsed documents, embedding all new ones in one call (like lengths batch well)."""
        with self.write_lock:
            return self._add_many(parsed)

    def _add_many(self, parsed: Parsed) -> list[Result]:
        fresh = [(d, k) for d, k in parsed if self.store.find_by_hash(d.content_hash) is None]
        inputs = [[unit_input(d.title, u) for u in d.units] + [document_input(d)] for d, _ in fresh]
        flat = self.embedder.embed([t for group in inputs for t in group]) if inputs else None
        vectors: dict[int, Any] = {}
        offset = 0
        for (doc, _), group in zip(fresh, inputs, strict=True):
            vectors[id(doc)] = flat[offset : offset + len(group)]  # type: ignore[index]
            offset += len(group)
        return [self.add(doc, source_key=key, vectors=vectors.get(id(doc))) for doc, key in parsed]

    def add(self, doc: ParsedDocument, *, source_key: str, vectors: Any = None) -> Result:
        """Store a parsed document: identical content is a no-op; new content at a known path is a version."""
        existing = self.store.find_by_hash(doc.content_hash)
        if existing:
            return Result(doc.source, "unchanged", existing["id"], existing["title"])
        keeper = self.keeper  # opened before the write, so the new rows are not mistaken for drift
        if vectors is None or len(vectors) != len(doc.units) + 1:
            inputs = [unit_input(doc.title, u) for u in doc.units] + [document_input(doc)]
            vectors = self.embedder.embed(inputs)

        tag_document(doc, self.tagger, vectors=vectors[:-1])
        previous = self.store.current_version_at(source_key)

        doc_id = doc.content_hash[:12]
        row = {
            "id": doc_id,
            "kind": doc.kind,
            "title": doc.title,
            "project": doc.field_value("project"),
            "department": doc.field_value("department"),
            "use_case": doc.field_value("use_case"),
            "phase_reached": doc.field_value("phase_reached"),
            "outcome": doc.field_value("outcome"),
            "source": doc.source,
            "source_key": source_key,
            "format": doc.format,
            "encoding": doc.encoding,
            "content_hash": doc.content_hash,
            "version": (previous["version"] + 1) if previous else 1,
            "superseded_by": None,
            "ingested_at": _now(),
            "start_date": str(doc.field_value("start") or doc.field_value("date") or "") or None,
            "end_date": str(doc.field_value("end") or "") or None,
            "summary": doc.field_value("summary"),
            "body": "\n\n".join(u.text for u in doc.units),
            "text": doc.text,
            "fields": doc.fields,
            "warnings": doc.warnings,
        }
        units: list[dict[str, Any]] = []
        tags: list[dict[str, Any]] = []
        for ord_, unit in enumerate(doc.units, start=1):
            unit_id = f"{doc_id}-{ord_:03d}"
            units.append(
                {
                    "id": unit_id,
                    "document_id": doc_id,
                    "ord": ord_,
                    "kind": unit.kind,
                    "category": unit.category,
                    "section": unit.section,
                    "line_start": unit.line_start,
                    "line_end": unit.line_end,
                    "text": unit.text,
                }
            )
            tags += [
                {
                    "document_id": doc_id,
                    "unit_id": unit_id,
                    "pattern": t.pattern,
                    "evidence": t.evidence,
                    "cue": t.cue,
                }
                for t in unit.patterns
            ]
        try:
            vids = self.store.insert_document(
                row,
                units,
                tags,
                _facets(doc),
                supersedes=previous["id"] if previous else None,
                vectors=self._vector_rows(doc_id, [u["id"] for u in units], vectors),
            )
        except sqlite3.IntegrityError:
            # another process stored the same content a moment ago: that is the no-op case
            existing = self.store.find_by_hash(doc.content_hash)
            if existing is None:
                raise
            return Result(doc.source, "unchanged", existing["id"], existing["title"])

        # the index follows the database, only after the commit
        keeper.add(vids, vectors)
        if previous:
            keeper.remove(self.store.vector_ids_of(previous["id"]))
        keeper.committed()

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

    # --- reading ---------------------------------------------------------------------------
    def list_documents(
        self,
        *,
        filters: dict[str, list[str]] | None = None,
        include_superseded: bool = False,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[dict[str, Any]]:
        checked = flt.validate(filters or {}, self.store)
        return self.store.list_documents(
            filters=checked, include_superseded=include_superseded, limit=limit, offset=offset
        )

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
        return doc

    def delete_document(self, document_id: str) -> bool:
        """Delete a document; the vector index follows, and a superseded version becomes current."""
        doc = self.store.get_document(document_id)
        if doc is None:
            return False
        with self.write_lock:
            return self._delete(doc)

    def _delete(self, doc: dict[str, Any]) -> bool:
        vids = self.store.vector_ids_of(doc["id"])
        if not self.store.delete_document(doc["id"]):
            return False
        self.keeper.remove(vids)
        self.keeper.refresh(quiet=True)  # an older version it superseded is live again
        self.save_index()
        return True

    def stats(self) -> dict[str, Any]:
        counts = self.store.facet_counts()
        return {
            "documents": len(
                self.store.list_documents(filters={}, include_superseded=False, limit=None)
            ),
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
        rows = self.store.conn.execute(  # type: ignore[attr-defined]
            "SELECT substr(COALESCE(NULLIF(d.start_date, ''), d.ingested_at), 1, 7) AS month, d.id, "
            "(SELECT group_concat(value) FROM facets f WHERE f.document_id = d.id AND f.facet = 'pattern') "
            "FROM documents d WHERE d.superseded_by IS NULL"
        ).fetchall()
        out: dict[str, dict[str, Any]] = {}
        for month, _, patterns in rows:
            key = month if month and month[:4].isdigit() else "undated"
            entry = out.setdefault(key, {"documents": 0, "patterns": {}})
            entry["documents"] += 1
            for p in (patterns or "").split(","):
                if p:
                    entry["patterns"][p] = entry["patterns"].get(p, 0) + 1
        return dict(sorted(out.items()))

    # --- export / import -------------------------------------------------------------------

    def export(self, out: IO[str]) -> int:
        """Write every document (superseded ones too) with units, tags and facets as JSON lines."""
        n = 0
        for doc in self.store.iter_documents():
            record = {
                "kb_export": EXPORT_VERSION,
                "document": doc,
                "units": self.store.units_of(doc["id"]),
                "tags": self.store.tags_of(doc["id"]),
                "facets": [[f, v] for f, v in self._facets_of(doc["id"])],
            }
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            n += 1
        return n

    def _facets_of(self, document_id: str) -> list[tuple[str, str]]:
        db = getattr(self.store, "db", None)
        if db is None:
            return []
        return [
            (r["facet"], r["value"])
            for r in db.query(
                "SELECT facet, value FROM facets WHERE document_id = ? ORDER BY facet, value",
                [document_id],
            )
        ]

    def import_export(self, lines: Iterable[str], *, source: str = "import") -> Report:
        """Load a `kb export` file; documents already present (same content) are left alone."""
        report = Report()
        started = time.perf_counter()
        keeper = self.keeper  # opened before the writes
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            where = f"{source}:{number}"
            try:
                found: Counter[str] = Counter()
                record = redact_tree(json.loads(line), found)  # secrets never reach the store

                if record.get("kb_export") != EXPORT_VERSION:
                    raise ValueError(
                        f"not a kb export line (kb_export={record.get('kb_export')!r})"
                    )
                doc = record["document"]
                if self.store.find_by_hash(doc["content_hash"]):
                    report.results.append(Result(where, "unchanged", doc["id"], doc["title"]))
                    continue
                doc = _only(
                    doc, DOCUMENT_COLUMNS
                )  # an export line names columns; nothing else gets in
                record["units"] = [
                    _only({**u, "document_id": doc["id"]}, UNIT_COLUMNS) for u in record["units"]
                ]
                tags = [_only({**t, "document_id": doc["id"]}, TAG_COLUMNS) for t in record["tags"]]

                superseded_by = doc.get("superseded_by")
                if superseded_by and not self.store.get_document(superseded_by):
                    doc["superseded_by"] = None
                vectors = self.embedder.embed(
                    [unit_input(doc["title"], u) for u in record["units"]] + [document_input(doc)]
                )
                self.store.insert_document(
                    doc,
                    record["units"],
                    tags,
                    [tuple(f) for f in record["facets"]],
                    vectors=self._vector_rows(
                        doc["id"], [u["id"] for u in record["units"]], vectors
                    ),
                )
                self._relink_superseded(doc["id"], doc.get("source_key"))

                report.results.append(
                    Result(
                        where,
                        "added",
                        doc["id"],
                        doc["title"],
                        len(record["units"]),
                        redacted=dict(found),
                    )
                )

            except (ValueError, KeyError, TypeError, sqlite3.Error) as exc:
                report.results.append(Result(where, "failed", reason=f"bad export line: {exc}"))
        keeper.refresh(quiet=True)  # imported rows, including versions superseded on the way

        self.save_index()
        report.seconds = time.perf_counter() - started
        return report

    def _vector_rows(self, doc_id: str, unit_ids: list[str], vectors: Any) -> list[dict[str, Any]]:
        model, dim = self.embedder.name, self.embedder.dim
        refs = [("unit", u) for u in unit_ids] + [("document", doc_id)]
        return [
            {"kind": kind, "ref_id": ref, "model": model, "dim": dim, "vector": to_blob(v)}
            for (kind, ref), v in zip(refs, vectors, strict=True)
        ]

    def _relink_superseded(self, document_id: str, source_key: str | None) -> None:
        db = getattr(self.store, "db", None)
        if db is None or not source_key:
            return
        with self.store.transaction():  # type: ignore[attr-defined]
            rows = list(
                db.query(
                    "SELECT id, version FROM documents WHERE source_key = ? ORDER BY version",
                    [source_key],
                )
            )
            for older, newer in zip(rows, rows[1:], strict=False):
                db.conn.execute(
                    "UPDATE documents SET superseded_by = ? WHERE id = ?",
                    [newer["id"], older["id"]],
                )
            if rows:
                db.conn.execute(
                    "UPDATE documents SET superseded_by = NULL WHERE id = ?", [rows[-1]["id"]]
                )

    # --- search ----------------------------------------------------------------------------
    @property
    def worker(self) -> ThreadPoolExecutor:
        """One helper thread, so a hybrid query runs its keyword and vector halves at once."""
        return self._once(  # type: ignore[no-any-return]
            "_worker", lambda: ThreadPoolExecutor(max_workers=1, thread_name_prefix="kb-search")
        )

    def search(self, query: str, **options: Any) -> dict[str, Any]:
        """Hybrid search; see kb.search.Searcher.search for the options."""
        from kb.search import Searcher

        self.refresh_if_changed()
        return Searcher(self).search(query, **options)

    def related(self, unit_id: str, *, limit: int = 10) -> dict[str, Any]:
        from kb.search import related

        self.refresh_if_changed()
        return related(self, unit_id, limit=limit)

    def refresh_if_changed(self) -> None:
        """Another process (a second worker, a CLI ingest) committed: bring the index in step."""
        if self._keeper is None:
            return  # opening the index syncs it anyway
        if self.store.generation() != self._keeper.generation:  # type: ignore[attr-defined]
            with self.write_lock:  # one thread catches up; the others find it done
                if self.store.generation() != self._keeper.generation:  # type: ignore[attr-defined]
                    self._keeper.refresh(quiet=True)

    def near_duplicates(
        self, document_id: str, *, threshold: float = 0.9, limit: int = 5
    ) -> list[dict[str, Any]]:
        """Other current documents whose whole-document vector is this close (cosine)."""
        found = self.store.vector_of("document", document_id, self.embedder.name)
        if found is None:
            return []
        return self._near(found[1], exclude=document_id, threshold=threshold, limit=limit)

    def _near(
        self, vector: Any, *, exclude: str, threshold: float, limit: int
    ) -> list[dict[str, Any]]:
        rows = self.store.conn.execute(  # type: ignore[attr-defined]
            "SELECT v.vid FROM vectors v JOIN documents d ON d.id = v.document_id "
            "WHERE v.kind = 'document' AND v.model = ? AND d.superseded_by IS NULL AND d.id != ?",
            [self.embedder.name, exclude],
        ).fetchall()
        if not rows:
            return []
        import numpy as np

        ids, sims = self.keeper.index.search(
            vector, limit, np.array([r[0] for r in rows], dtype=np.int64)
        )
        targets = self.store.vector_targets([int(i) for i in ids])
        out = []
        for vid, sim in zip(ids.tolist(), sims.tolist(), strict=True):
            if sim < threshold:
                continue
            target = targets.get(vid)
            doc = self.store.get_document(target[1]) if target else None
            if doc:
                out.append(
                    {
                        "id": doc["id"],
                        "title": doc["title"],
                        "source": doc["source"],
                        "similarity": round(float(sim), 4),
                    }
                )
        return out

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
        )
        if failed:
            return {"status": "failed", "reason": failed[0].reason}
        if len(parsed) != 1:
            return {
                "status": "failed",
                "reason": f"{len(parsed)} records in one submission; bulk exports go through "
                "`kb import-table`",
            }
        doc, _ = parsed[0]
        vectors = self.embedder.embed(
            [unit_input(doc.title, u) for u in doc.units] + [document_input(doc)]
        )
        tag_document(doc, self.tagger, vectors=vectors[:-1])
        existing = self.store.find_by_hash(doc.content_hash)
        near = self._near(
            vectors[-1], exclude=existing["id"] if existing else "", threshold=0.9, limit=5
        )
        kinds = Counter(u.kind for u in doc.units)
        return {
            "status": "duplicate" if existing else "new",
            "existing": _only(existing, ("id", "title", "source")) if existing else None,
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

    def facet_counts(
        self, filters: dict[str, list[str]] | None = None
    ) -> dict[str, dict[str, int]]:
        from kb.browse import facet_counts

        return facet_counts(self, filters or {})

    def pattern_breakdown(self) -> dict[str, Any]:
        from kb.browse import pattern_breakdown

        return pattern_breakdown(self)

    def document_related(self, document_id: str, *, limit: int = 8) -> list[dict[str, Any]]:
        from kb.browse import document_related

        self.refresh_if_changed()
        return document_related(self, document_id, limit=limit)

    def get_unit(self, unit_id: str) -> dict[str, Any] | None:
        row = self.store.conn.execute(  # type: ignore[attr-defined]
            "SELECT u.id, u.document_id, u.kind, u.category, u.section, u.line_start, u.line_end, u.text, "
            "d.title, d.source FROM units u JOIN documents d ON d.id = u.document_id WHERE u.id = ?",
            [unit_id],
        ).fetchone()
        if row is None:
            return None
        keys = (
            "id",
            "document_id",
            "kind",
            "category",
            "section",
            "line_start",
            "line_end",
            "text",
            "title",
            "source",
        )
        unit = dict(zip(keys, row, strict=True))
        unit["patterns"] = [
            {"pattern": p, "evidence": e}
            for p, e in self.store.conn.execute(  # type: ignore[attr-defined]
                "SELECT pattern, evidence FROM pattern_tags WHERE unit_id = ?", [unit_id]
            )
        ]
        return unit

    @property
    def keys(self) -> Any:
        from kb.keys import KeyStore

        return KeyStore(self.store.conn)  # type: ignore[attr-defined]

    @property
    def audit(self) -> Any:
        from kb.audit import AuditLog

        return AuditLog(self.store.conn)  # type: ignore[attr-defined]
