"""Action items in the store: rows from what the reader found, listing, edits and recurring ones.

Items are read at ingest into the record (`fields['actions']`, with their lines) and kept in the
backend's action table, where a person may change the status or owner; a re-read of the same
document keeps those edits, and a new version of a document takes them over for the items it keeps.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import numpy as np

from kb.backends.base import ACTION_STATUSES as STATUSES
from kb.backends.base import ActionQuery, Backend, Filters
from kb.vectors import VectorCache

if TYPE_CHECKING:
    from kb.core import Actor, KnowledgeBase

RECURRING_MIN_DOCUMENTS = 2  # an action is recurring once it shows in this many documents


class ActionError(ValueError):
    """An edit that cannot be made: unknown status, nothing to change; the message says why."""


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def rows_of(document_id: str, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Table rows for a document's items; an id depends on the document and the item's words, so
    reading the same document again finds the same ids (and keeps their edits)."""
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    for ord_, item in enumerate(items, start=1):
        digest = hashlib.sha1(_norm(item["text"]).encode()).hexdigest()[:8]
        action_id = f"{document_id}-a{digest}"
        if action_id in seen:
            action_id = f"{action_id}{ord_}"
        seen.add(action_id)
        source = item.get("source") or {}
        lines = source.get("lines") or [0, 0]
        unit = item.get("unit")
        rows.append(
            {
                "id": action_id,
                "document_id": document_id,
                "unit_id": f"{document_id}-{unit + 1:03d}" if isinstance(unit, int) else None,
                "ord": ord_,
                "text": item["text"],
                "owner": item.get("owner"),
                "due": item.get("due"),
                "due_text": item.get("due_text"),
                "status": item.get("status") if item.get("status") in STATUSES else "open",
                "ticket": item.get("ticket"),
                "section": source.get("section") or "",
                "line_start": int(lines[0]),
                "line_end": int(lines[-1]),
                "via": source.get("via"),
                "warning": item.get("warning"),
                "edited_at": None,
                "edited_by": None,
            }
        )
    return rows


def store_actions(
    backend: Backend, document_id: str, fields: dict[str, Any], *, previous: str | None = None
) -> int:
    """Write a document's items (inside the caller's transaction); items a previous version had,
    with the same words, keep the status and owner a person gave them there."""
    items = fields.get("actions") if isinstance(fields.get("actions"), list) else []
    rows = rows_of(document_id, items or [])
    if previous:
        edited = {
            _norm(r["text"]): r for r in backend.actions.of_document(previous) if r["edited_at"]
        }
        for row in rows:
            if (old := edited.get(_norm(row["text"]))) is not None:
                row.update({k: old[k] for k in ("status", "owner", "edited_at", "edited_by")})
    backend.actions.replace(document_id, rows)
    return len(rows)


def today() -> str:
    """Today in UTC: listings, feeds and digests agree on what is overdue wherever they run."""
    return datetime.now(UTC).date().isoformat()


def shown(row: dict[str, Any], *, on: str) -> dict[str, Any]:
    """An action row as the CLI, API and pages show it: with `overdue` and its lines."""
    out = {k: v for k, v in row.items() if k not in ("line_start", "line_end", "ord")}
    out["lines"] = [row["line_start"], row["line_end"]]
    out["overdue"] = bool(row["status"] == "open" and row["due"] and row["due"] < on)
    return out


def list_actions(
    kb: KnowledgeBase,
    *,
    status: str = "open",
    overdue: bool = False,
    owner: str | None = None,
    filters: Filters | None = None,
    limit: int = 500,
    on: str | None = None,
) -> list[dict[str, Any]]:
    """Items of current documents, overdue first; status 'all' for every status."""
    on = on or today()
    if status != "all" and status not in STATUSES:
        raise ActionError(f"unknown status {status!r}; valid: {', '.join((*STATUSES, 'all'))}")
    query = ActionQuery(
        status=() if status == "all" else (status,),
        overdue_on=on if overdue else None,
        owner=owner.strip() if owner and owner.strip() else None,
        filters=filters or Filters(),
        limit=limit,
    )
    return [shown(r, on=on) for r in kb.backend.actions.query(query, today=on)]


def update_action(
    kb: KnowledgeBase,
    action_id: str,
    *,
    status: str | None = None,
    owner: str | None = None,
    actor: Actor,
) -> dict[str, Any] | None:
    """Change an item's status or owner, audited in the same transaction; None if no such item."""
    if status is None and owner is None:
        raise ActionError("nothing to change: give a status or an owner")
    if status is not None and status not in STATUSES:
        raise ActionError(f"unknown status {status!r}; valid: {', '.join(STATUSES)}")
    changes: dict[str, Any] = {
        "edited_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "edited_by": actor.name,
    }
    if status is not None:
        changes["status"] = status
    if owner is not None:
        changes["owner"] = owner.strip() or None
    with kb.write_lock, kb.store.transaction():
        before = kb.backend.actions.get(action_id)
        if before is None or before.get("superseded"):
            return None  # gone, or an item of an older version nobody sees any more
        if not kb.backend.actions.update(action_id, changes):
            return None
        kb.audit.record(
            actor=actor.name,
            action="action-update",
            target=action_id,
            detail={
                "document": before["document_id"],
                "before": {k: before[k] for k in ("status", "owner")},
                "after": {k: changes[k] for k in ("status", "owner") if k in changes},
                "via": actor.via,
            },
        )
    after = kb.backend.actions.get(action_id)
    return shown(after, on=today()) if after else None


_OWNER_LEAD = re.compile(
    r"^(?:[A-Z][a-zà-ÿ'’-]+(?:\s+[A-Z][a-zà-ÿ'’.-]*){0,2}|[A-Z]{2,3}(?:\s*(?:and|&|/)\s*[A-Z]{2,3})?)"
    r"(?::\s+|\s+(?:to|will)\s+)"
)
_vector_cache = VectorCache(200_000)
_group_cache: dict[tuple[Any, ...], list[dict[str, Any]]] = {}


def _core(text: str) -> str:
    """What is to be done, without a named owner in front ("Dana: ...", "Dana Reyes to ...")."""
    return _OWNER_LEAD.sub("", text, count=1).strip() or text


def _vectors(kb: KnowledgeBase, texts: list[str]) -> np.ndarray:
    """The items' own words embedded (unit vectors carry their document's title, which keeps
    the same action in two projects apart), unit length; kept, as action texts rarely change."""
    vectors = _vector_cache.get(kb.embedder, texts)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms == 0, 1.0, norms)  # type: ignore[no-any-return]


def _groups(vectors: np.ndarray, similarity: float) -> list[list[int]]:
    """Greedy grouping: each item joins the nearest group centre at least this close, else starts
    one; the centres are one matrix, so a store of thousands of items groups in milliseconds."""
    members: list[list[int]] = []
    sums = np.zeros((0, vectors.shape[1]), dtype=np.float32)
    centres = sums.copy()
    for i, v in enumerate(vectors):
        if len(members):
            closeness = centres @ v
            best = int(closeness.argmax())
            if closeness[best] >= similarity:
                members[best].append(i)
                sums[best] += v
                centres[best] = sums[best] / (np.linalg.norm(sums[best]) or 1.0)
                continue
        members.append([i])
        sums = np.vstack([sums, v])
        centres = np.vstack([centres, v])
    return members


def recurring(
    kb: KnowledgeBase,
    *,
    filters: Filters | None = None,
    min_documents: int = RECURRING_MIN_DOCUMENTS,
    similarity: float | None = None,
    limit: int = 20,
) -> list[dict[str, Any]]:
    """Action items that recur across documents, grouped by meaning: the same remediation asked
    for in several projects. Largest groups first."""
    if similarity is None:
        similarity = kb.settings.recurring_similarity
    rows = kb.backend.actions.query(
        ActionQuery(filters=filters or Filters(), limit=100_000), today=today()
    )
    key = (similarity, min_documents, tuple((r["id"], r["status"]) for r in rows))
    if (cached := _group_cache.get(key)) is not None:
        return cached[:limit]
    vectors = _vectors(kb, [_core(r["text"]) for r in rows])
    out = []
    on = today()
    for member in _groups(vectors, similarity):
        group = [rows[i] for i in member]
        documents = {r["document_id"] for r in group}
        if len(documents) < min_documents:
            continue
        centre = vectors[member].sum(axis=0)
        # the item nearest the group's centre names it
        label = group[int((vectors[member] @ centre).argmax())]
        out.append(
            {
                "action": label["text"],
                "documents": len(documents),
                "departments": sorted({r["department"] for r in group if r["department"]}),
                "open": sum(1 for r in group if r["status"] == "open"),
                "items": [shown(r, on=on) for r in group],
            }
        )
    out.sort(key=lambda g: (-g["documents"], -len(g["items"]), g["action"]))
    if len(_group_cache) > 64:
        _group_cache.clear()
    _group_cache[key] = out
    return out[:limit]


CHECKLIST_SIMILARITY = 0.45  # least closeness between what a gap asks for and a past action
RECURRING_BONUS = 0.05  # an action several projects needed ranks a little above a single one


def checklists(
    kb: KnowledgeBase, gaps: dict[str, tuple[str, str]], *, per_gap: int = 3
) -> dict[str, list[dict[str, Any]]]:
    """For each gap (code: (failure pattern, what it asks for)), what past projects had to do
    afterwards, offered as checklist items: recurring actions close in meaning to the gap first,
    then single items from projects that failed this way."""
    if not gaps:
        return {}
    showing: dict[str, set[str]] = {}
    for pattern, doc_id, _, _ in kb.store.pattern_documents():
        showing.setdefault(pattern, set()).add(doc_id)
    groups = recurring(kb, min_documents=1, limit=100_000)
    if not groups:
        return {code: [] for code in gaps}
    centres = _vectors(kb, [_core(g["action"]) for g in groups])
    asks = _vectors(kb, [ask for _, ask in gaps.values()])
    out: dict[str, list[dict[str, Any]]] = {}
    for (code, (pattern, _)), ask in zip(gaps.items(), asks, strict=True):
        docs = showing.get(pattern, set())
        scored = []
        for g, closeness in zip(groups, centres @ ask, strict=True):
            if closeness < CHECKLIST_SIMILARITY:
                continue
            shows = bool({a["document_id"] for a in g["items"]} & docs)
            if g["documents"] < RECURRING_MIN_DOCUMENTS and not shows:
                continue  # one project's item counts only where that project failed this way
            recurs = g["documents"] >= RECURRING_MIN_DOCUMENTS
            scored.append(
                (float(closeness) + (RECURRING_BONUS if recurs else 0.0), float(closeness), g)
            )
        scored.sort(key=lambda x: -x[0])
        out[code] = [
            {
                "action": g["action"],
                "documents": g["documents"],
                "departments": g["departments"],
                "from": sorted({a["document_title"] for a in g["items"]})[:3],
                "similarity": round(closeness, 3),
            }
            for _, closeness, g in scored[:per_gap]
        ]
    return out
