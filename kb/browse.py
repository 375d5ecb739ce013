"""What a browsing person needs beyond search: facet counts, the pattern breakdown, a document's kin."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

from kb.filters import FILTERS, validate
from kb.search import Searcher, _filter_sql, nearest_units

if TYPE_CHECKING:
    from kb.core import KnowledgeBase


def facet_counts(kb: KnowledgeBase, filters: dict[str, list[str]]) -> dict[str, dict[str, int]]:
    """Documents per facet value, under every selected filter but the facet's own (so choices add up)."""
    checked = validate(filters, kb.store)
    conn = kb.store.conn  # type: ignore[attr-defined]
    out: dict[str, dict[str, int]] = {}
    for facet in FILTERS:
        others = {name: values for name, values in checked.items() if name != facet}
        where, params = _filter_sql(others, (None, None))
        rows = conn.execute(
            "SELECT f.value, count(DISTINCT d.id) AS n FROM facets f JOIN documents d "
            f"ON d.id = f.document_id WHERE f.facet = ? AND {where} "
            "GROUP BY f.value ORDER BY n DESC, f.value",
            [facet, *params],
        ).fetchall()
        out[facet] = {value: n for value, n in rows}
    return out


def pattern_breakdown(kb: KnowledgeBase) -> dict[str, Any]:
    """Each pattern's documents by department and by year, for the recurrence dashboard."""
    conn = kb.store.conn  # type: ignore[attr-defined]
    rows = conn.execute(
        "SELECT p.value, d.id, COALESCE(NULLIF(d.department, ''), 'unknown'), "
        "substr(COALESCE(NULLIF(d.start_date, ''), NULLIF(d.end_date, ''), d.ingested_at), 1, 4) "
        "FROM facets p JOIN documents d ON d.id = p.document_id "
        "WHERE p.facet = 'pattern' AND d.superseded_by IS NULL"
    ).fetchall()
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
    total = conn.execute("SELECT count(*) FROM documents WHERE superseded_by IS NULL").fetchone()[0]
    return {"documents": total, "departments": departments, "years": years, "patterns": patterns}


def document_related(
    kb: KnowledgeBase, document_id: str, *, limit: int = 8
) -> list[dict[str, Any]]:
    """Lessons, root causes and constraints from other projects nearest this whole document."""
    found = kb.store.vector_of("document", document_id, kb.keeper.model)
    if found is None:
        return []
    hits: list[dict[str, Any]] = []
    per_doc: dict[str, int] = defaultdict(int)
    for _, hit in nearest_units(Searcher(kb), found[1], exclude_document=document_id, n=limit * 3):
        if per_doc[hit["document_id"]] >= 2:  # spread over several projects
            continue
        per_doc[hit["document_id"]] += 1
        hits.append(hit)
        if len(hits) >= limit:
            break
    return hits
