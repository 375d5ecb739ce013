"""`kb digest`: what changed in a period, for pasting into mail or chat: documents added, failure
patterns that recurred, action items that fell overdue."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from kb.backends.base import ActionQuery, Filters

if TYPE_CHECKING:
    from kb.core import KnowledgeBase

_SPAN = re.compile(r"^(\d+)\s*([hdwm])$")
_UNITS = {"h": "hours", "d": "days", "w": "weeks"}


def parse_since(value: str, *, now: datetime | None = None) -> datetime:
    """'7d', '2w', '24h', '1m' (30 days) or an ISO date, as the moment the period starts."""
    now = now or datetime.now(UTC)
    text = value.strip().lower()
    if m := _SPAN.match(text):
        n, unit = int(m[1]), m[2]
        try:
            delta = timedelta(days=30 * n) if unit == "m" else timedelta(**{_UNITS[unit]: n})
            return now - delta
        except OverflowError:
            raise ValueError(f"--since {value!r} reaches back before the calendar starts") from None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"cannot read --since {value!r}: give a span such as 7d, 2w, 24h, 1m or a date "
            "such as 2026-11-01"
        ) from None
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def digest(kb: KnowledgeBase, *, since: datetime, now: datetime | None = None) -> dict[str, Any]:
    now = now or datetime.now(UTC)
    start, today = since.isoformat(timespec="seconds"), now.date().isoformat()
    added, before = [], Counter[str]()
    by_doc: dict[str, list[str]] = {}
    for pattern, doc_id, _, _ in kb.store.pattern_documents():
        by_doc.setdefault(doc_id, []).append(pattern)
    for doc in kb.store.list_documents(Filters()):
        patterns = sorted(set(by_doc.get(doc["id"], [])))
        if str(doc["ingested_at"]) >= start:
            added.append(
                {
                    "id": doc["id"],
                    "title": doc["title"],
                    "kind": doc["kind"],
                    "department": doc["department"],
                    "outcome": doc["outcome"],
                    "ingested_at": doc["ingested_at"],
                    "patterns": patterns,
                }
            )
        else:
            before.update(patterns)
    new = Counter(p for d in added for p in d["patterns"])
    recurred = [
        {"pattern": p, "new_documents": n, "earlier_documents": before[p]}
        for p, n in sorted(new.items(), key=lambda x: (-x[1], x[0]))
    ]
    overdue_rows = kb.backend.actions.query(
        ActionQuery(overdue_on=today, limit=10_000), today=today
    )
    fell = [r for r in overdue_rows if r["due"] >= since.date().isoformat()]
    return {
        "since": start,
        "until": now.isoformat(timespec="seconds"),
        "added": sorted(added, key=lambda d: str(d["ingested_at"]), reverse=True),
        "patterns": recurred,
        "fell_overdue": [
            {k: r[k] for k in ("id", "text", "owner", "due", "document_id", "document_title")}
            for r in fell
        ],
        "overdue_total": len(overdue_rows),
    }


def markdown(d: dict[str, Any]) -> str:
    lines = [f"# PoC lessons digest: {d['since'][:10]} to {d['until'][:10]}", ""]
    lines.append(f"## Added ({len(d['added'])})")
    for doc in d["added"] or []:
        tags = f" — {', '.join(doc['patterns'])}" if doc["patterns"] else ""
        where = ", ".join(x for x in (doc["kind"], doc["department"], doc["outcome"]) if x)
        lines.append(f"- **{doc['title']}** ({where}){tags} `{doc['id']}`")
    if not d["added"]:
        lines.append("- nothing new")
    lines += ["", "## Failure patterns in the new documents"]
    for p in d["patterns"]:
        seen = (
            f", seen in {p['earlier_documents']} earlier"
            if p["earlier_documents"]
            else ", first time"
        )
        lines.append(f"- {p['pattern']}: {p['new_documents']} new{seen}")
    if not d["patterns"]:
        lines.append("- none")
    lines += ["", f"## Action items that fell overdue ({len(d['fell_overdue'])})"]
    for a in d["fell_overdue"]:
        lines.append(
            f"- {a['text']} — {a['owner'] or 'no owner'}, due {a['due']} ({a['document_title']})"
        )
    if not d["fell_overdue"]:
        lines.append("- none")
    lines += ["", f"{d['overdue_total']} open action items are overdue in all.", ""]
    return "\n".join(lines)
