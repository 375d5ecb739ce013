"""The KnowledgeBase facade: the one object the CLI and the API call."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from kb import filters as flt
from kb.config import Settings
from kb.embeddings import Embedder
from kb.files import expand
from kb.records import ParsedDocument
from kb.store import SqliteStore, Store
from kb.tagger import Tagger, make_tagger, tag_document
from kb.vectors import IndexKeeper, document_input, to_blob, unit_input

EXPORT_VERSION = 1


@dataclass
class Result:
    """What happened to one submitted document."""

    source: str
    status: str  # added, new-version, unchanged, failed
    document_id: str | None = None
    title: str | None = None
    units: int = 0
    warnings: list[str] = field(default_factory=list)
    reason: str | None = None
    supersedes: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v not in (None, [], 0) or k == "status"}


@dataclass
class Report:
    """The outcome of one ingest run, for the summary line and the exit code."""

    results: list[Result] = field(default_factory=list)
    seconds: float = 0.0

    def count(self, status: str) -> int:
        return sum(1 for r in self.results if r.status == status)

    @property
    def failed(self) -> list[Result]:
        return [r for r in self.results if r.status == "failed"]

    def as_dict(self) -> dict[str, Any]:
        return {
            "added": self.count("added"),
            "new_versions": self.count("new-version"),
            "unchanged": self.count("unchanged"),
            "failed": self.count("failed"),
            "seconds": round(self.seconds, 2),
            "results": [r.as_dict() for r in self.results],
        }


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

    @property
    def embedder(self) -> Embedder:
        """The embedding model, loaded on first use only."""
        if self._embedder is None:
            from kb.embeddings import make_embedder

            self._embedder = make_embedder(
                self.settings.embedder, cache_dir=self.settings.model_cache
            )

        return self._embedder

    @property
    def keeper(self) -> IndexKeeper:
        """The FAISS index, opened (and repaired against SQLite if needed) on first use."""
        if self._keeper is None:
            self._keeper = IndexKeeper(
                self.store,  # type: ignore[arg-type]
                self.settings.db_path,
                model=self.embedder.name,
                dim=self.embedder.dim,
            )
        return self._keeper

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
        try:
            for path in files:
                report.results.extend(self._ingest_file(path, fmt=fmt, mapping=mapping))
                if on_progress:
                    on_progress(str(path))
        finally:
            self.save_index()  # what was committed is indexed, even when interrupted
        report.seconds = time.perf_counter() - started
        return report

    def _ingest_file(
        self, path: Path, *, fmt: str | None, mapping: dict[str, str] | None
    ) -> list[Result]:
        source = str(path)
        try:
            size = path.stat().st_size
            if size > self.settings.max_file_bytes:
                return [
                    Result(
                        source,
                        "failed",
                        reason=(
                            f"file is {size:,} bytes, over the limit of {self.settings.max_file_bytes:,} "
                            "(set KB_MAX_FILE_BYTES to raise it)"
                        ),
                    )
                ]
            data = path.read_bytes()
        except OSError as exc:
            return [Result(source, "failed", reason=f"cannot read: {exc.strerror or exc}")]
        return self.ingest_bytes(
            data, source=source, source_key=str(path.resolve()), fmt=fmt, mapping=mapping
        )

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
        from ingest import IngestError, parse_document

        if len(data) > self.settings.max_file_bytes:
            return [
                Result(
                    source,
                    "failed",
                    reason=f"{len(data):,} bytes is over the limit of "
                    f"{self.settings.max_file_bytes:,}",
                )
            ]
        try:
            docs = parse_document(data, source=source, fmt=fmt, mapping=mapping)
        except IngestError as exc:
            return [Result(exc.source, "failed", reason=exc.reason)]
        except (ValueError, RecursionError) as exc:
            return [Result(source, "failed", reason=f"could not be parsed: {exc}")]
        results = []
        for doc in docs:
            if metadata:
                self._apply_metadata(doc, metadata)
            key = source_key or source
            if doc.source != source:  # a record of a bulk file
                key = f"{key}{doc.source[len(source) :]}"
            results.append(self.add(doc, source_key=key))
        return results

    @staticmethod
    def _apply_metadata(doc: ParsedDocument, metadata: dict[str, str]) -> None:
        for name, value in metadata.items():
            if value:
                doc.fields[name] = {
                    "value": value,
                    "source": {"section": "(submission)", "lines": [0, 0], "via": "submitted"},
                }

    def add(self, doc: ParsedDocument, *, source_key: str) -> Result:
        """Store a parsed document: identical content is a no-op; new content at a known path is a version."""
        existing = self.store.find_by_hash(doc.content_hash)
        if existing:
            return Result(doc.source, "unchanged", existing["id"], existing["title"])
        keeper = self.keeper  # opened before the write, so the new rows are not mistaken for drift
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
        vids = self.store.insert_document(
            row,
            units,
            tags,
            _facets(doc),
            supersedes=previous["id"] if previous else None,
            vectors=self._vector_rows(doc_id, [u["id"] for u in units], vectors),
        )

        # the index follows the database, only after the commit
        keeper.add(vids, vectors)
        if previous:
            keeper.remove(self.store.vector_ids_of(previous["id"]))

        return Result(
            doc.source,
            "new-version" if previous else "added",
            doc_id,
            doc.title,
            len(units),
            doc.warnings,
            supersedes=previous["id"] if previous else None,
        )

    # --- reading ---------------------------------------------------------------------------
    def list_documents(
        self,
        *,
        filters: dict[str, list[str]] | None = None,
        include_superseded: bool = False,
        limit: int | None = None,
    ) -> list[dict[str, Any]]:
        checked = flt.validate(filters or {}, self.store)
        return self.store.list_documents(
            filters=checked, include_superseded=include_superseded, limit=limit
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
        }

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
                record = json.loads(line)
                if record.get("kb_export") != EXPORT_VERSION:
                    raise ValueError(
                        f"not a kb export line (kb_export={record.get('kb_export')!r})"
                    )
                doc = record["document"]
                if self.store.find_by_hash(doc["content_hash"]):
                    report.results.append(Result(where, "unchanged", doc["id"], doc["title"]))
                    continue
                for unit in record["units"]:
                    unit["document_id"] = doc["id"]
                tags = [{**t, "document_id": doc["id"]} for t in record["tags"]]
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
                    Result(where, "added", doc["id"], doc["title"], len(record["units"]))
                )
            except (ValueError, KeyError, TypeError) as exc:
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
    def search(self, query: str, **options: Any) -> dict[str, Any]:
        """Hybrid search; see kb.search.Searcher.search for the options."""
        from kb.search import Searcher

        return Searcher(self).search(query, **options)

    def related(self, unit_id: str, *, limit: int = 10) -> dict[str, Any]:
        from kb.search import related

        return related(self, unit_id, limit=limit)

    def iter_units(self) -> Iterator[dict[str, Any]]:

        for doc in self.store.iter_documents():
            yield from self.store.units_of(doc["id"])
