"""Keyword search on PostgreSQL: weighted tsvectors (text above section, title above summary), GIN
indexes and websearch_to_tsquery."""

from __future__ import annotations

import re

from kb.backends.base import Filters, KeywordHit, Ref
from kb.backends.postgres.store import PostgresStore, where_sql

_WORD = re.compile(r"[^\w']+")


def websearch_text(terms: list[str]) -> str:
    """The terms as a websearch_to_tsquery string matching any of them (its `or`)."""
    words = [_WORD.sub(" ", t).strip() for t in terms]
    return " or ".join(w for w in words if w)


class PostgresKeywords:
    def __init__(self, store: PostgresStore) -> None:
        self.store = store

    def search(self, terms: list[str], filters: Filters, n: int) -> list[KeywordHit]:
        """The n best units and documents by ts_rank, normalised by length (higher is better)."""
        text = websearch_text(terms)
        if not text:
            return []
        where, params = where_sql(filters)
        units = self.store.rows(
            "SELECT u.id, ts_rank(u.tsv, q, 1) AS s FROM units u "
            "JOIN documents d ON d.id = u.document_id, websearch_to_tsquery('english', %s) q "
            f"WHERE u.tsv @@ q AND {where} ORDER BY s DESC, u.id LIMIT %s",
            [text, *params, n],
        )
        docs = self.store.rows(
            "SELECT d.id, ts_rank(d.tsv, q, 1) AS s FROM documents d, "
            "websearch_to_tsquery('english', %s) q "
            f"WHERE d.tsv @@ q AND {where} ORDER BY s DESC, d.id LIMIT %s",
            [text, *params, n],
        )
        merged = sorted(
            [(Ref("unit", r["id"]), r["s"]) for r in units]
            + [(Ref("document", r["id"]), r["s"]) for r in docs],
            key=lambda r: -r[1],
        )
        return [KeywordHit(ref, float(score)) for ref, score in merged[:n]]
