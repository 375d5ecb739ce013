"""Thumbs up or down on a search result or a charter suggestion: stored with who and when, counted,
and turned into graded judgments for `kb eval --from-feedback`. Votes never re-rank anything."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from kb.evaluation import _doc_key

if TYPE_CHECKING:
    from kb.core import Actor, KnowledgeBase

VOTES = {"up": 1, "down": -1}
CONTEXTS = ("search", "charter")
MAX_COMMENT = 2000


class FeedbackError(ValueError):
    """A vote that cannot be stored: the message says why."""


class NotFound(LookupError):
    """The unit or document voted on does not exist."""


def add(
    kb: KnowledgeBase,
    *,
    vote: str,
    context: str = "search",
    query: str | None = None,
    unit_id: str | None = None,
    document_id: str | None = None,
    comment: str | None = None,
    actor: Actor,
) -> dict[str, Any]:
    """Store one vote on a unit or a document (the unit's document is recorded with it)."""
    if vote not in VOTES:
        raise FeedbackError(f"unknown vote {vote!r}; valid: {', '.join(VOTES)}")
    if context not in CONTEXTS:
        raise FeedbackError(f"unknown context {context!r}; valid: {', '.join(CONTEXTS)}")
    if not unit_id and not document_id:
        raise FeedbackError("say what the vote is about: a unit_id or a document_id")
    if unit_id:
        unit = kb.store.get_unit(unit_id)
        if unit is None:
            raise NotFound(f"no unit {unit_id!r}")
        document_id = unit["document_id"]
    elif document_id and kb.store.get_document(document_id) is None:
        raise NotFound(f"no document {document_id!r}")
    entry: dict[str, Any] = {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "actor": actor.name,
        "context": context,
        "query": (query or "").strip() or None,
        "unit_id": unit_id,
        "document_id": document_id,
        "vote": VOTES[vote],
        "comment": (comment or "").strip()[:MAX_COMMENT] or None,
    }
    with kb.write_lock, kb.store.transaction():
        entry["id"] = kb.backend.feedback.insert(**entry)
    return entry


def stats(kb: KnowledgeBase, *, since: str | None = None) -> dict[str, Any]:
    """Votes in all, by context, by query, and the units voted down most; `since` as for
    `kb digest` (7d, 2w, a date)."""
    from kb.digest import parse_since

    start = parse_since(since).isoformat(timespec="seconds") if since else None
    entries = kb.backend.feedback.entries(since=start)
    by_context: dict[str, dict[str, int]] = defaultdict(lambda: {"up": 0, "down": 0})
    by_query: dict[str, dict[str, int]] = defaultdict(lambda: {"up": 0, "down": 0})
    by_target: dict[str, dict[str, int]] = defaultdict(lambda: {"up": 0, "down": 0})
    for e in entries:
        side = "up" if e["vote"] > 0 else "down"
        by_context[e["context"]][side] += 1
        if e["query"]:
            by_query[e["query"]][side] += 1
        by_target[e["unit_id"] or e["document_id"]][side] += 1
    down = sorted(
        ((t, c) for t, c in by_target.items() if c["down"]), key=lambda x: (-x[1]["down"], x[0])
    )
    return {
        "votes": len(entries),
        "up": sum(1 for e in entries if e["vote"] > 0),
        "down": sum(1 for e in entries if e["vote"] < 0),
        "by_context": dict(by_context),
        "queries": [
            {"query": q, **c}
            for q, c in sorted(by_query.items(), key=lambda x: -(x[1]["up"] + x[1]["down"]))
        ],
        "most_down": [{"target": t, **c} for t, c in down[:10]],
    }


def judgments(kb: KnowledgeBase) -> tuple[list[dict[str, Any]], int]:
    """Search votes as graded judgments, one query each: a document voted up more than down is
    relevant (2), one voted down more is judged not (0). Queries with nothing relevant are left
    out; their number comes second."""
    net: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for e in kb.backend.feedback.entries():
        if e["context"] == "search" and e["query"] and e["document_id"]:
            net[e["query"]][e["document_id"]] += e["vote"]
    queries, skipped = [], 0
    for number, (query, votes) in enumerate(sorted(net.items()), start=1):
        relevant: dict[str, int] = {}
        for document_id, total in votes.items():
            doc = kb.store.get_document(document_id)
            if doc is None or total == 0:
                continue
            relevant[_doc_key(doc["source"])] = 2 if total > 0 else 0
        if not any(relevant.values()):
            skipped += 1
            continue
        queries.append({"id": f"feedback-{number}", "query": query, "relevant": relevant})
    return queries, skipped
