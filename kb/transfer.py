"""`kb export` and `kb import`: a store as JSON lines, and back."""

from __future__ import annotations

import base64
import json
import time
from collections import Counter
from collections.abc import Iterable
from typing import IO, TYPE_CHECKING

from kb.results import Report, Result
from kb.rows import DOCUMENT_COLUMNS, EXPORT_VERSION, TAG_COLUMNS, UNIT_COLUMNS, only
from kb.secrets import redact_tree
from kb.vectors import document_input, unit_input

if TYPE_CHECKING:
    from kb.core import Actor, KnowledgeBase


def export(kb: KnowledgeBase, out: IO[str]) -> int:
    """Every document (superseded ones too) with its units, tags and facets, one JSON line each."""
    n = 0
    for doc in kb.store.iter_documents():
        record = {
            "kb_export": EXPORT_VERSION,
            "document": doc,
            "units": kb.store.units_of(doc["id"]),
            "tags": kb.store.tags_of(doc["id"]),
            "facets": [[f, v] for f, v in kb.store.facets_of(doc["id"])],
        }
        original = kb.store.get_original(doc["id"])
        if original is not None:
            record["original"] = {
                **{k: original[k] for k in ("name", "media_type", "size")},
                "base64": base64.b64encode(original["data"]).decode("ascii"),
            }
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
        n += 1
    return n


def import_lines(kb: KnowledgeBase, lines: Iterable[str], *, source: str, actor: Actor) -> Report:
    """Load export lines; documents already present (same content) are left alone."""
    report = Report()
    started = time.perf_counter()
    kb.vectors  # noqa: B018 - opened before the writes
    bad_line: tuple[type[Exception], ...] = (ValueError, KeyError, TypeError, *kb.backend.errors)
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{source}:{number}"
        try:
            found: Counter[str] = Counter()
            raw = json.loads(line)
            kept = raw.pop("original", None) if isinstance(raw, dict) else None
            record = redact_tree(raw, found)  # secrets never reach the store
            if record.get("kb_export") != EXPORT_VERSION:
                raise ValueError(f"not a kb export line (kb_export={record.get('kb_export')!r})")
            doc = record["document"]
            if kb.store.find_by_hash(doc["content_hash"]):
                report.results.append(Result(where, "unchanged", doc["id"], doc["title"]))
                continue
            doc = only(doc, DOCUMENT_COLUMNS)  # an export line names columns; nothing else gets in
            units = [only({**u, "document_id": doc["id"]}, UNIT_COLUMNS) for u in record["units"]]
            tags = [only({**t, "document_id": doc["id"]}, TAG_COLUMNS) for t in record["tags"]]
            superseded_by = doc.get("superseded_by")
            if superseded_by and not kb.store.get_document(superseded_by):
                doc["superseded_by"] = None
            vectors = kb.embedder.embed(
                [unit_input(doc["title"], u) for u in units] + [document_input(doc)]
            )
            with kb.write_lock, kb.store.transaction():
                kb.store.insert_document(
                    doc,
                    units,
                    tags,
                    [(str(f), str(v)) for f, v in record["facets"]],
                    vectors=kb._vector_rows(doc["id"], [u["id"] for u in units], vectors),
                    original=_original(kept) if not found else None,
                )
                if doc.get("source_key"):
                    kb.store.relink_versions(doc["source_key"])
                kb.audit.record(
                    actor=actor.name,
                    action="import",
                    target=doc["id"],
                    detail={"source": where, "redacted": dict(found), "via": actor.via},
                )
            report.results.append(
                Result(where, "added", doc["id"], doc["title"], len(units), redacted=dict(found))
            )
        except bad_line as exc:
            report.results.append(Result(where, "failed", reason=f"bad export line: {exc}"))
    kb.save_index()
    report.seconds = time.perf_counter() - started
    return report


def _original(kept: object) -> dict[str, object] | None:
    """An exported original file; dropped when the line's text held secrets (the file would too)."""
    if not isinstance(kept, dict) or not isinstance(kept.get("base64"), str):
        return None
    data = base64.b64decode(kept["base64"], validate=True)
    return {
        "name": str(kept.get("name") or "document"),
        "media_type": str(kept.get("media_type") or "application/octet-stream"),
        "size": len(data),
        "data": data,
    }
