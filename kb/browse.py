"""What a browsing person needs beyond search: the pattern breakdown and a document's kin."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

from kb.backends.base import Filters, Ref
from kb.search import Searcher, nearest_units

if TYPE_CHECKING:
    from kb.core import KnowledgeBase


def pattern_breakdown(kb: KnowledgeBase) -> dict[str, Any]:
    """Each pattern's documents by department and by year, for the recurrence dashboard."""
    rows = kb.store.pattern_documents()
    by_dept: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    by_year: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    docs: dict[str, set[str]] = defaultdict(set)
    for pattern, doc_id, dept, year in rows:
        docs[pattern].add(doc_id)
        by_dept[pattern][dept] += 1
        by_year[pattern][year if year and year.isdigit() else "undated"] += 1
    departments = sorted({d for counts in by_dept.values() for d in counts})
    years = sorted({y for counts in by_year.values() for y in counts})
    patterns = [
        {
            "pattern": pattern,
            "documents": len(ids),
            "departments": len(by_dept[pattern]),
            "by_department": dict(sorted(by_dept[pattern].items(), key=lambda kv: -kv[1])),
            "by_year": dict(sorted(by_year[pattern].items())),
        }
        for pattern, ids in sorted(docs.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    ]
    total = kb.store.count_documents(Filters())
    return {"documents": total, "departments": departments, "years": years, "patterns": patterns}


def document_related(
    kb: KnowledgeBase, document_id: str, *, limit: int = 8
) -> list[dict[str, Any]]:
    """Lessons, root causes and constraints from other projects nearest this whole document."""
    found = kb.store.vector_of(Ref("document", document_id), kb.vectors.model)
    if found is None:
        return []
    hits: list[dict[str, Any]] = []
    per_doc: dict[str, int] = defaultdict(int)
    for _, hit in nearest_units(Searcher(kb), found, exclude_document=document_id, n=limit * 3):
        if per_doc[hit["document_id"]] >= 2:  # spread over several projects
            continue
        per_doc[hit["document_id"]] += 1
        hits.append(hit)
        if len(hits) >= limit:
            break
    return hits
