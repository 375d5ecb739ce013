"""Keyword search on PostgreSQL: BM25 over weighted tsvectors (unit text above section; document
title above summary), with document frequencies from the `lexicon` table that triggers keep exact,
GIN indexes to find the candidates, and `websearch_to_tsquery`-style stemming of the terms.

ts_rank over the whole query would be simpler but has no IDF, so a common word counts as much as
a rare one; on the shared judgments that cost 0.06 nDCG@10 against FTS5's BM25.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from kb.backends.base import Filters, KeywordHit, Ref, RefKind
from kb.backends.postgres.store import Conn, PostgresStore, state_where_sql, where_sql

K1, B = 1.2, 0.75  # FTS5's bm25() constants
CANDIDATE_BUDGET = 1_000  # rows the rarest lexemes may bring as candidates (see _scope)
ONE_OCCURRENCE = 0.6079271  # ts_rank of a lexeme found once under a label of weight 1
_WORD = re.compile(r"[^\w']+")


@dataclass(frozen=True)
class Scope:
    """One searchable table: what its hits are, its alias, its weight labels and what each label
    counts for."""

    code: str  # its rows in the lexicon
    kind: RefKind
    table: str
    alias: str
    weights: tuple[tuple[str, float], ...]
    column: str = "tsv"

    def where(self, filters: Filters) -> tuple[str, str, list[Any]]:
        """(joins, condition, parameters): units are filtered on the document state they carry,
        joining documents only for a date filter; documents on their own columns."""
        if self.table == "documents":
            where, params = where_sql(filters, self.alias)
            return "", where, params
        where, params, dated = state_where_sql(filters, self.alias)
        joins = f" JOIN documents d ON d.id = {self.alias}.document_id" if dated else ""
        return joins, where, params


UNITS = Scope("u", "unit", "units", "u", (("A", 1.0), ("C", 0.3)))  # text, section
DOCUMENTS = Scope("d", "document", "documents", "d", (("A", 2.0), ("B", 1.0)))  # title, summary
BODIES = Scope("b", "document", "documents", "d", (("D", 1.0),), "body_tsv")  # the whole text


def websearch_text(terms: list[str]) -> str:
    """The terms as one text for the English stemmer (punctuation dropped)."""
    words = [_WORD.sub(" ", t).strip() for t in terms]
    return " ".join(w for w in words if w)


def _quoted(lexeme: str) -> str:
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


class PostgresKeywords:
    def __init__(self, store: PostgresStore) -> None:
        self.store = store

    def prepare(self) -> None:
        """Nothing to build: PostgreSQL keeps its own indexes warm."""

    def search(self, terms: list[str], filters: Filters, n: int) -> list[KeywordHit]:
        """The n best units and documents by BM25 (higher is better)."""
        text = websearch_text(terms)
        if not text:
            return []
        stats = self._statistics(text)
        if not stats["lexemes"]:
            return []
        merged: list[tuple[Ref, float]] = []
        with self.store.connection() as conn, conn.transaction():
            # the GIN index finds the few candidate rows; a scan of every row's tsvector, which a
            # small table tempts the planner into, costs more than it saves
            conn.execute("SET LOCAL enable_seqscan = off")
            for scope in (UNITS, DOCUMENTS):
                merged += [
                    (Ref(scope.kind, i), s) for i, s in self._scope(conn, scope, stats, filters, n)
                ]
        merged.sort(key=lambda r: (-r[1], r[0].id))
        return [KeywordHit(ref, float(score)) for ref, score in merged[:n]]

    def bodies(self, terms: list[str], filters: Filters, n: int) -> list[KeywordHit]:
        """The n best documents by BM25 over their whole text (higher is better)."""
        text = websearch_text(terms)
        stats = self._statistics(text) if text else {"lexemes": []}
        if not stats["lexemes"]:
            return []
        with self.store.connection() as conn, conn.transaction():
            conn.execute("SET LOCAL enable_seqscan = off")
            found = self._scope(conn, BODIES, stats, filters, n)
        return [KeywordHit(Ref("document", i), float(s)) for i, s in found]

    def _statistics(self, text: str) -> dict[str, Any]:
        """The query's lexemes, and for each scope their document frequencies, rows and mean length."""
        rows = self.store.rows(
            "WITH q AS (SELECT DISTINCT unnest(tsvector_to_array(to_tsvector('english', %s))) "
            "AS lexeme) SELECT s.scope, q.lexeme, coalesce(l.n, 0) AS n, "
            "coalesce(t.n, 0) AS total, coalesce(t.length, 0) AS length "
            "FROM q CROSS JOIN (VALUES ('u'), ('d'), ('b')) AS s(scope) "
            "LEFT JOIN lexicon l ON l.scope = s.scope AND l.lexeme = q.lexeme "
            "LEFT JOIN lexicon t ON t.scope = s.scope AND t.lexeme = '' ORDER BY q.lexeme",
            [text],
        )
        out: dict[str, Any] = {"lexemes": sorted({r["lexeme"] for r in rows})}
        for row in rows:
            scope = out.setdefault(row["scope"], {"df": {}, "total": 0, "mean": 1.0})
            scope["df"][row["lexeme"]] = int(row["n"])
            scope["total"] = int(row["total"])
            scope["mean"] = max(1.0, int(row["length"]) / max(1, int(row["total"])))
        return out

    def _scope(
        self, conn: Conn, scope: Scope, stats: dict[str, Any], filters: Filters, n: int
    ) -> list[tuple[str, float]]:
        info = stats.get(scope.code)
        if not info or not info["total"]:
            return []
        total, mean, df = info["total"], info["mean"], info["df"]
        present = sorted((lx for lx in stats["lexemes"] if df.get(lx, 0) > 0), key=lambda x: df[x])
        if not present:
            return []
        # candidates: rows holding the rarest lexemes, up to a budget of rows, or all of them;
        # a row with only common words (and not all of them) ranks low under BM25 anyway, and
        # reading such rows is what costs most on a large store. When even the rarest word is
        # over budget, rows holding the two rarest together stand in for it.
        chosen, rows = [], 0
        for lexeme in present:
            if rows + df[lexeme] > CANDIDATE_BUDGET:
                break
            chosen.append(lexeme)
            rows += df[lexeme]
        parts = [_quoted(lx) for lx in chosen]
        if not chosen:  # the rows holding every word are among these
            parts.append("(" + " & ".join(_quoted(lx) for lx in present[:2]) + ")")
        elif len(chosen) < len(present) and len(present) > 2:
            parts.append("(" + " & ".join(_quoted(lx) for lx in present) + ")")
        # BM25 per lexeme; its term frequency is ts_rank of the lexeme alone (label-weighted,
        # saturating with repeats), scaled so that one occurrence under the top label counts 1
        labels = dict(scope.weights)
        top = max(labels.values())
        weights = [labels.get(label, 0.0) / top for label in "DCBA"]
        columns, terms, params = [], [], []
        for i, lexeme in enumerate(present):
            idf = max(1e-6, math.log((total - df[lexeme] + 0.5) / (df[lexeme] + 0.5)))
            columns.append(f"ts_rank(%s::float4[], c.tsv, %s::tsquery, 0)::float8 * %s AS r{i}")
            params += [weights, _quoted(lexeme), top / ONE_OCCURRENCE]
            terms.append(f"{idf!r} * x.r{i} * {K1 + 1} / (x.r{i} + x.norm)")
        joins, where, where_params = scope.where(filters)
        a = scope.alias
        # the candidates first, by the GIN index and the row's own filter state; then ranked
        sql = (
            f"WITH c AS MATERIALIZED (SELECT {a}.id, {a}.{scope.column} AS tsv "
            f"FROM {scope.table} {a}{joins} WHERE {a}.{scope.column} @@ %s::tsquery AND {where}) "
            f"SELECT c.id, {' + '.join(terms)} AS s FROM c, "
            f"LATERAL (SELECT {K1} * (1 - {B} + {B} * length(c.tsv)::float8 / %s) AS norm, "
            f"{', '.join(columns)}) x ORDER BY s DESC, c.id LIMIT %s"
        )
        query = " | ".join(parts)
        found = conn.execute(sql, [query, *where_params, mean, *params, n]).fetchall()
        return [(r["id"], float(r["s"])) for r in found]
