"""`kb export` and `kb import`: a store as JSON lines, and back."""

from __future__ import annotations

import base64
import json
import time
from collections import Counter
from collections.abc import Iterable
from typing import IO, TYPE_CHECKING, Any

import numpy as np

from kb.actions import store_actions
from kb.backends.base import EDITED, VOTE_COLUMNS
from kb.results import Report, Result
from kb.rows import DOCUMENT_COLUMNS, EXPORT_VERSION, TAG_COLUMNS, UNIT_COLUMNS, only
from kb.secrets import redact_tree
from kb.vectors import document_input, unit_input

if TYPE_CHECKING:
    from kb.core import Actor, KnowledgeBase


def export(kb: KnowledgeBase, out: IO[str]) -> int:
    """Every document (superseded ones too) with its units, tags, facets and vectors (each with its
    model and dimension, float32 in base64), one JSON line each."""
    n = 0
    votes: dict[str, list[dict[str, Any]]] = {}  # each vote travels with its document
    for vote in kb.backend.feedback.entries():
        if vote["document_id"]:
            votes.setdefault(vote["document_id"], []).append({k: vote[k] for k in VOTE_COLUMNS})
    for doc in kb.store.iter_documents():
        record = {
            "kb_export": EXPORT_VERSION,
            "document": doc,
            "units": kb.store.units_of(doc["id"]),
            "tags": kb.store.tags_of(doc["id"]),
            "facets": [[f, v] for f, v in kb.store.facets_of(doc["id"])],
            "actions": [
                {k: a[k] for k in ("id", *EDITED)}
                for a in kb.backend.actions.of_document(doc["id"])
                if a["edited_at"]
            ],
            "feedback": [v for v in votes.get(doc["id"], [])],
            "vectors": [
                {
                    **{k: v[k] for k in ("kind", "ref_id", "model", "dim")},
                    "base64": base64.b64encode(v["vector"]).decode("ascii"),
                }
                for v in kb.store.stored_vectors(doc["id"])
            ],
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
    bad_line: tuple[type[Exception], ...] = (
        ValueError,
        KeyError,
        TypeError,
        AttributeError,
        *kb.backend.errors,
    )
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{source}:{number}"
        try:
            found: Counter[str] = Counter()
            raw = json.loads(line)
            kept = raw.pop("original", None) if isinstance(raw, dict) else None
            carried = raw.pop("vectors", None) if isinstance(raw, dict) else None  # numbers
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
            vectors = None if found else _carried(kb, carried, doc, units)
            if vectors is None:  # none for this model, or the text changed (redacted): embed
                vectors = kb.embedder.embed(
                    [unit_input(doc["title"], u) for u in units] + [document_input(doc)]
                )
            else:
                report.vectors_carried += 1
            with kb.write_lock, kb.store.transaction():
                kb.store.insert_document(
                    doc,
                    units,
                    tags,
                    [(str(f), str(v)) for f, v in record["facets"]],
                    vectors=kb._vector_rows(doc["id"], [u["id"] for u in units], vectors),
                    original=_original(kept) if not found else None,
                )
                store_actions(kb.backend, doc["id"], doc.get("fields") or {})
                for vote in record.get("feedback") or []:
                    vote = {k: vote.get(k) for k in VOTE_COLUMNS}
                    if vote["document_id"] == doc["id"] and vote["vote"] in (-1, 1):
                        kb.backend.feedback.insert(**vote)
                mine = {a["id"] for a in kb.backend.actions.of_document(doc["id"])}
                for edit in record.get("actions") or []:  # what people changed on an item
                    if str(edit["id"]) in mine:  # of this document only
                        kb.backend.actions.update(str(edit["id"]), only(edit, EDITED))
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


def _carried(
    kb: KnowledgeBase, exported: object, doc: dict[str, Any], units: list[dict[str, Any]]
) -> np.ndarray | None:
    """The line's own vectors for this model, one per unit and one for the document, or None
    when the export has none for it (another model, an older export) or misses one."""
    if not isinstance(exported, list):
        return None
    model, dim = kb.embedder.name, kb.embedder.dim
    found: dict[tuple[str, str], np.ndarray] = {}
    for v in exported:
        if not isinstance(v, dict) or v.get("model") != model or v.get("dim") != dim:
            continue
        raw = base64.b64decode(str(v["base64"]), validate=True)
        vector = np.frombuffer(raw, dtype="<f4") if len(raw) == 4 * dim else np.zeros(0)
        if len(vector) != dim or not np.isfinite(vector).all():
            raise ValueError(f"vector for {v.get('kind')} {v.get('ref_id')} is not {dim} numbers")
        found[(str(v.get("kind")), str(v.get("ref_id")))] = vector
    refs = [("unit", str(u["id"])) for u in units] + [("document", str(doc["id"]))]
    if not all(ref in found for ref in refs):
        return None
    return np.vstack([found[ref] for ref in refs])


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
