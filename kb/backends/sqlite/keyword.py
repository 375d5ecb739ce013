"""Keyword search on SQLite: FTS5 BM25 over units (text, section) and documents (title, summary)."""

from __future__ import annotations

from kb.backends.base import Filters, KeywordHit, Ref
from kb.backends.sqlite.store import SqliteStore, where_sql


def fts_query(terms: list[str], columns: str | None = None) -> str:
    body = " OR ".join('"' + t.replace('"', "") + '"' for t in terms)
    return f"{{{columns}}} : ({body})" if columns else body


class SqliteKeywords:
    def __init__(self, store: SqliteStore) -> None:
        self.store = store

    def search(self, terms: list[str], filters: Filters, n: int) -> list[KeywordHit]:
        """The n best units and documents by BM25 (FTS5's bm25() is lower-is-better: negated)."""
        if not terms:
            return []
        where, params = where_sql(filters)
        conn = self.store.conn  # this thread's own connection
        units = conn.execute(
            "SELECT u.id, bm25(units_fts, 1.0, 0.3) AS s FROM units_fts "
            "JOIN units u ON u.rowid = units_fts.rowid JOIN documents d ON d.id = u.document_id "
            f"WHERE units_fts MATCH ? AND {where} ORDER BY s LIMIT ?",
            [fts_query(terms), *params, n],
        ).fetchall()
        docs = conn.execute(
            "SELECT d.id, bm25(documents_fts, 2.0, 1.0, 0.0) AS s FROM documents_fts "
            "JOIN documents d ON d.rowid = documents_fts.rowid "
            f"WHERE documents_fts MATCH ? AND {where} ORDER BY s LIMIT ?",
            [fts_query(terms, "title summary"), *params, n],
        ).fetchall()
        merged = sorted(
            [(Ref("unit", i), -s) for i, s in units] + [(Ref("document", i), -s) for i, s in docs],
            key=lambda r: -r[1],
        )
        return [KeywordHit(ref, float(score)) for ref, score in merged[:n]]
