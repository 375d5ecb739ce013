"""`kb reparse`: re-read stored documents from their stored text with the current readers, so an
existing store picks up better reading without a re-ingest; only changed units are embedded."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from kb.actions import store_actions
from kb.backends.base import Filters, Ref
from kb.ingesting import parse_bytes
from kb.reading import read
from kb.reading.actions import read_actions
from kb.results import Report, Result
from kb.rows import facets_of, records_of
from kb.tagger import tag_document
from kb.vectors import document_input, unit_input

if TYPE_CHECKING:
    from kb.core import Actor, KnowledgeBase

_KEPT: tuple[str, ...] = ("id", "source", "source_key", "format", "encoding", "content_hash")
_KEPT += ("version", "superseded_by", "ingested_at")


def reparse(
    kb: KnowledgeBase, *, actor: Actor, on_progress: Callable[[str], None] | None = None
) -> Report:
    report = Report()
    started = time.perf_counter()
    model = kb.embedder.name
    kb.vectors  # noqa: B018 - opened before the writes
    for row in kb.store.list_documents(Filters(include_superseded=True)):
        old = kb.store.get_document(row["id"])
        if old is None:
            continue
        report.results.append(_one(kb, old, model=model, actor=actor))
        if on_progress:
            on_progress(old["source"])
    kb.save_index()
    report.seconds = time.perf_counter() - started
    return report


def _one(kb: KnowledgeBase, old: dict[str, Any], *, model: str, actor: Actor) -> Result:
    fmt = old["format"] if old["format"] in ("markdown", "text", "html") else "markdown"
    parsed, failed = parse_bytes(
        old["text"].encode("utf-8"),
        source=old["source"],
        source_key=old["source_key"],
        max_bytes=max(kb.settings.max_file_bytes, len(old["text"].encode("utf-8")) + 1),
        fmt=fmt,
    )
    if failed or len(parsed) != 1:
        reason = failed[0].reason if failed else "the stored text no longer reads as one document"
        return Result(old["source"], "failed", old["id"], old["title"], reason=reason)
    doc, _ = parsed[0]
    for name, entry in (old.get("fields") or {}).items():
        if isinstance(entry, dict) and (entry.get("source") or {}).get("via") == "submitted":
            doc.fields[name] = entry  # what a submitter said is kept as said
    doc.content_hash, doc.encoding = old["content_hash"], old["encoding"]
    # vectors of units whose embedded text is unchanged are reused
    stored = kb.store.vectors_of(old["id"], model)
    before = {
        unit_input(old["title"], u): stored.get(Ref("unit", u["id"]))
        for u in kb.store.units_of(old["id"])
    }
    inputs = [unit_input(doc.title, u) for u in doc.units]
    fresh = [t for t in inputs if before.get(t) is None]
    embedded = dict(zip(fresh, kb.embedder.embed(fresh), strict=True)) if fresh else {}
    unit_vectors = np.array(
        [before[t] if before.get(t) is not None else embedded[t] for t in inputs],
        dtype=np.float32,
    ).reshape(len(inputs), kb.embedder.dim)
    if kb.settings.reader:
        read(doc, unit_vectors, model=model)
    whole = kb.embedder.embed([document_input(doc)])
    tag_document(doc, kb.tagger, vectors=unit_vectors)
    read_actions(doc)
    new, units, tags = records_of(doc, source_key=old["source_key"], previous=None)
    new.update({k: old[k] for k in _KEPT})
    vectors = kb._vector_rows(old["id"], [u["id"] for u in units], np.vstack([unit_vectors, whole]))
    with kb.write_lock, kb.store.transaction():
        kb.store.replace_document(new, units, tags, facets_of(doc), vectors=vectors)
        store_actions(kb.backend, old["id"], doc.fields)  # same ids: a person's edits stay
        kb.audit.record(
            actor=actor.name,
            action="reparse",
            target=old["id"],
            detail={"embedded": len(fresh), "units": len(units), "via": actor.via},
        )
    return Result(old["source"], "reparsed", old["id"], doc.title, len(units), doc.warnings)
