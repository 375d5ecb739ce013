"""`kb copy-store`: move a store to another backend (SQLite to PostgreSQL, or back) with its
vectors, versions, originals, keys and audit trail, without re-embedding anything."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from kb.backends import Backend, VectorIndex
from kb.backends.base import VOTE_COLUMNS


@dataclass
class CopyReport:
    copied: int = 0
    already: int = 0  # present in the target already (same content): a re-run resumes
    units: int = 0
    vectors: int = 0
    keys: int = 0
    audit: int = 0
    feedback: int = 0
    models: dict[str, int] = field(default_factory=dict)  # model -> dim
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "documents_copied": self.copied,
            "documents_already_there": self.already,
            "units": self.units,
            "vectors": self.vectors,
            "keys": self.keys,
            "audit_entries": self.audit,
            "feedback_votes": self.feedback,
            "models": self.models,
            "seconds": round(self.seconds, 2),
        }


def copy_store(
    source: Backend,
    target: Backend,
    *,
    on_progress: Callable[[int, str], None] | None = None,
) -> CopyReport:
    """Copy every document whole, one transaction each, so a copy cut short can be run again."""
    report = CopyReport()
    started = time.perf_counter()
    indexes: dict[str, VectorIndex] = {}
    for doc in source.store.iter_documents():
        if target.store.find_by_hash(doc["content_hash"]) is not None:
            report.already += 1
            continue
        units = source.store.units_of(doc["id"])
        vectors = source.store.stored_vectors(doc["id"])
        for v in vectors:
            if v["model"] not in indexes:  # opened before its first write, as the core does
                indexes[v["model"]] = target.vector_index(model=v["model"], dim=int(v["dim"]))
                report.models[v["model"]] = int(v["dim"])
        with target.store.transaction():
            target.store.insert_document(
                doc,  # superseded_by included: versions keep their order
                units,
                [{**t, "document_id": doc["id"]} for t in source.store.tags_of(doc["id"])],
                source.store.facets_of(doc["id"]),
                vectors=vectors,
                original=source.store.get_original(doc["id"]),
            )
            # action items as they stand, with the status and owner people gave them
            target.actions.replace(doc["id"], source.actions.of_document(doc["id"]))
        report.copied += 1
        report.units += len(units)
        report.vectors += len(vectors)
        if on_progress:
            on_progress(report.copied + report.already, doc["title"])
    have = {k["key_hash"] for k in target.keys.all()}
    for key in source.keys.all():
        if key["key_hash"] in have:
            continue
        key_id = target.keys.insert(
            name=key["name"],
            role=key["role"],
            prefix=key["prefix"],
            key_hash=key["key_hash"],
            created_at=key["created_at"],
        )
        if key["revoked_at"]:
            target.keys.revoke(key_id, key["revoked_at"])
        report.keys += 1
    if not target.audit.entries(limit=1, actor=None):  # the trail is copied once, oldest first
        for entry in reversed(source.audit.entries(limit=10_000_000, actor=None)):
            target.audit.insert(
                at=entry["at"],
                actor=entry["actor"],
                action=entry["action"],
                target=entry["target"],
                detail=entry["detail"],
            )
            report.audit += 1
    if not target.feedback.entries():  # votes, like the trail, are copied once
        for vote in source.feedback.entries():
            target.feedback.insert(**{k: vote[k] for k in VOTE_COLUMNS})
            report.feedback += 1
    for index in indexes.values():
        index.save()  # a cache file beside a SQLite target is written once, at the end
    report.seconds = time.perf_counter() - started
    return report
