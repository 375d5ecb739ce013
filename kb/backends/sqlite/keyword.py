"""Keyword search on SQLite: FTS5 BM25 over units (text, section) and documents (title, summary;
the body alone for the document signal)."""

from __future__ import annotations

import sqlite3
import threading
from typing import Any

import numpy as np

from kb.backends.base import Filters, KeywordHit, Ref
from kb.backends.sqlite.postings import State, Term, UnitPostings
from kb.backends.sqlite.store import SqliteStore, where_sql

# The best rows of the full-text index alone are read first, then resolved and filtered: ranking
# every match joined to its document cost 8 of 11 ms a query on 24k units. Exact: when at least n
# of the first OVERFETCH x n pass the filters, no row that passes could rank above them.
OVERFETCH = 2
OVERFETCH_FILTERED = 4  # filters that pass only a part of the store drop more of the first rows
# FTS5 floors the idf of a term found in more than half the rows at 1e-6, so it adds nothing to a
# row's score; but every row it matches is still ranked ("other", the section of most NASA
# lessons: 18k of 24k rows, 45 ms). Such terms are left out of the match while a rarer term of the
# query remains; if fewer than n rows then match, the query runs with every term.
COMMON_SHARE = 0.5
COMMON_MIN_ROWS = 1000  # below this a term's share says little (and tiny stores are fast anyway)
COMMON_STALE = 500  # writes after which the shares are counted again
# a process that searches more than once builds the units' postings in memory (in a background
# thread: 2.6 s at 100k units) and ranks units with them from then on; one-off searches never do
POSTINGS_AFTER = 2


def fts_query(terms: list[str], columns: str | None = None) -> str:
    body = " OR ".join('"' + t.replace('"', "") + '"' for t in terms)
    return f"{{{columns}}} : ({body})" if columns else body


_UNITS = {
    "table": "units_fts",
    "rank": "bm25(units_fts, 1.0, 0.3)",
    "resolve": "SELECT u.rowid, u.id FROM units u JOIN documents d ON d.id = u.document_id",
    "rowid": "u.rowid",
    "joined": "SELECT u.id, bm25(units_fts, 1.0, 0.3) AS s FROM units_fts "
    "JOIN units u ON u.rowid = units_fts.rowid JOIN documents d ON d.id = u.document_id",
}
_DOCUMENTS = {
    "table": "documents_fts",
    "rank": "bm25(documents_fts, 2.0, 1.0, 0.0)",
    "resolve": "SELECT d.rowid, d.id FROM documents d",
    "rowid": "d.rowid",
    "joined": "SELECT d.id, bm25(documents_fts, 2.0, 1.0, 0.0) AS s FROM documents_fts "
    "JOIN documents d ON d.rowid = documents_fts.rowid",
}
_BODIES = {  # a document's whole text, for the search's document signal
    **_DOCUMENTS,
    "rank": "bm25(documents_fts, 0.0, 0.0, 1.0)",
    "joined": "SELECT d.id, bm25(documents_fts, 0.0, 0.0, 1.0) AS s FROM documents_fts "
    "JOIN documents d ON d.rowid = documents_fts.rowid",
}


class SqliteKeywords:
    def __init__(self, store: SqliteStore) -> None:
        self.store = store
        self._shares: dict[tuple[str, str, str], float] = {}  # (table, columns, term) -> share
        self._counted_at: dict[str, tuple[int, int]] = {}  # table -> (generation, rows)
        self._lock = threading.Lock()
        self.postings = UnitPostings()
        self._searches = 0
        self._building: threading.Thread | None = None

    def close(self) -> None:
        """Wait for a build under way: its connection must not outlive the store's file."""
        building = self._building
        if building is not None:
            building.join(timeout=60)

    def build_postings(self) -> None:
        """Build the units' postings now, in this thread (tests and benchmarks)."""
        self.postings.build(self.store.conn)

    def prepare(self) -> None:
        """A server builds the postings before it says it is ready."""
        with self.postings.lock:
            if self.postings.state is None:
                self.build_postings()

    def _postings_state(self, conn: sqlite3.Connection, generation: int) -> State | None:
        """The postings as of `generation`, or None (FTS5 ranks) while they are not built."""
        self._searches += 1
        if self.postings.state is None:
            if self._searches >= POSTINGS_AFTER and self.postings.failed is None:
                self._start_build()
            return None
        return self.postings.catch_up(conn, generation)

    def _start_build(self) -> None:
        with self._lock:
            if self._building is not None and self._building.is_alive():
                return

            def build() -> None:
                conn = self.store.private_connection()
                try:
                    with self.postings.lock:
                        if self.postings.state is None:
                            self.postings.build(conn)
                except Exception as exc:  # noqa: BLE001 - FTS5 keeps ranking; say why on asking
                    self.postings.failed = f"{type(exc).__name__}: {exc}"
                finally:
                    conn.close()

            self._building = threading.Thread(target=build, name="kb-postings", daemon=True)
            self._building.start()

    def search(self, terms: list[str], filters: Filters, n: int) -> list[KeywordHit]:
        """The n best units and documents by BM25 (FTS5's bm25() is lower-is-better: negated)."""
        if not terms:
            return []
        conn = self.store.conn  # this thread's own connection
        over = OVERFETCH_FILTERED if filters.active else OVERFETCH
        generation = self.store.generation()
        state = self._postings_state(conn, generation)
        if state is not None:
            units = self._ranked_in_memory(conn, state, terms, filters, n, over)
        else:
            units = self._ranked(conn, _UNITS, terms, None, filters, n, over, generation)
        docs = self._ranked(conn, _DOCUMENTS, terms, "title summary", filters, n, over, generation)
        merged = sorted(
            [(Ref("unit", i), -s) for i, s in units] + [(Ref("document", i), -s) for i, s in docs],
            key=lambda r: -r[1],
        )
        return [KeywordHit(ref, float(score)) for ref, score in merged[:n]]

    def bodies(self, terms: list[str], filters: Filters, n: int) -> list[KeywordHit]:
        """The n best documents by BM25 over their whole text (higher is better)."""
        if not terms:
            return []
        conn = self.store.conn
        over = OVERFETCH_FILTERED if filters.active else OVERFETCH
        found = self._ranked(
            conn, _BODIES, terms, "body", filters, n, over, self.store.generation()
        )
        return [KeywordHit(Ref("document", i), -float(s)) for i, s in found]

    def _ranked(
        self,
        conn: sqlite3.Connection,
        source: dict[str, str],
        terms: list[str],
        columns: str | None,
        filters: Filters,
        n: int,
        over: int,
        generation: int,
    ) -> list[tuple[str, float]]:
        informative = self._informative(conn, source["table"], terms, columns, generation)
        found = _best(conn, source, fts_query(informative, columns), filters, n, over)
        if len(found) < n and len(informative) < len(terms):
            found = _best(conn, source, fts_query(terms, columns), filters, n, over)
        return found

    def _ranked_in_memory(
        self,
        conn: sqlite3.Connection,
        state: State,
        terms: list[str],
        filters: Filters,
        n: int,
        over: int,
    ) -> list[tuple[str, float]]:
        """As _ranked, with the first rows from the postings: the same terms left out, the same
        scores (to 1e-15), the same fallbacks."""
        tokens: list[Term] = [
            token if token is not None else _phrase_scores(conn, term)
            for term, token in zip(terms, self.postings.phrases(terms), strict=True)
        ]
        keep = list(range(len(terms)))
        if len(terms) > 1 and state.rows >= COMMON_MIN_ROWS:
            rare = [
                i for i, t in enumerate(tokens) if self.postings.share(state, t) <= COMMON_SHARE
            ]
            keep = rare or keep
        for chosen in [keep, list(range(len(terms)))] if len(keep) < len(terms) else [keep]:
            first = self.postings.top(state, [tokens[i] for i in chosen], n * over)
            found = _best(
                conn, _UNITS, fts_query([terms[i] for i in chosen]), filters, n, over, first
            )
            if len(found) >= n:
                break
        return found

    def _informative(
        self,
        conn: sqlite3.Connection,
        table: str,
        terms: list[str],
        columns: str | None,
        generation: int,
    ) -> list[str]:
        """The terms without those in more than COMMON_SHARE of the rows (in the columns the
        query searches, as FTS5 counts them), when one remains."""
        if len(terms) < 2:
            return terms
        with self._lock:
            counted = self._counted_at.get(table)
            if counted is None or generation - counted[0] >= COMMON_STALE:
                rows = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                self._counted_at[table] = counted = (generation, int(rows))
                self._shares = {k: v for k, v in self._shares.items() if k[0] != table}
        rows = counted[1]
        if rows < COMMON_MIN_ROWS:
            return terms
        shares = []
        for term in terms:
            share = self._shares.get((table, columns or "", term))
            if share is None:
                (matching,) = conn.execute(
                    f"SELECT count(*) FROM {table} WHERE {table} MATCH ?",
                    [fts_query([term], columns)],
                ).fetchone()
                share = self._shares[(table, columns or "", term)] = matching / rows
            shares.append(share)
        kept = [t for t, share in zip(terms, shares, strict=True) if share <= COMMON_SHARE]
        return kept or terms


def _phrase_scores(conn: sqlite3.Connection, term: str) -> tuple[np.ndarray, np.ndarray]:
    """The rows a phrase matches and its bm25 alone in each: what it adds to any query's score."""
    rowids, scores = conn.execute(
        "SELECT group_concat(r), group_concat(s) FROM (SELECT rowid AS r, "
        f"-{_UNITS['rank']} AS s FROM units_fts WHERE units_fts MATCH ? LIMIT -1)",
        [fts_query([term])],
    ).fetchone()
    return (
        np.fromstring(rowids or "", dtype=np.int64, sep=","),
        np.fromstring(scores or "", dtype=np.float64, sep=","),
    )


def _best(
    conn: sqlite3.Connection,
    source: dict[str, str],
    match: str,
    filters: Filters,
    n: int,
    over: int,
    first: list[tuple[int, float]] | None = None,
) -> list[tuple[str, float]]:
    """(id, bm25) of the n best rows that pass the filters, best first; `first` are the index's
    best n x over rows when the caller has ranked them already."""
    where, params = where_sql(filters)
    if first is None:
        first = conn.execute(
            f"SELECT rowid, {source['rank']} AS s FROM {source['table']} "
            f"WHERE {source['table']} MATCH ? ORDER BY s LIMIT ?",
            [match, n * over],
        ).fetchall()
    if not first:
        return []
    marks = ", ".join("?" for _ in first)
    passed: dict[Any, str] = dict(
        conn.execute(
            f"{source['resolve']} WHERE {source['rowid']} IN ({marks}) AND {where}",
            [r for r, _ in first] + params,
        ).fetchall()
    )
    found = [(passed[r], s) for r, s in first if r in passed]
    if len(found) >= n or len(first) < n * over:
        return found[:n]
    return conn.execute(  # too few of the first rows pass: rank every match that does
        f"{source['joined']} WHERE {source['table']} MATCH ? AND {where} ORDER BY s LIMIT ?",
        [match, *params, n],
    ).fetchall()
