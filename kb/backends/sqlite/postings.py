"""The units' full-text index held in memory as postings, ranked as FTS5's bm25() ranks it.

FTS5 computes bm25() for every row a query matches, about 1.2 us a row: 17 ms a query at 100k
units, where most of a query's words match thousands of rows. The same formula over numpy
postings costs a millisecond. The postings are a cache: built from FTS5's own index (its
tokens, as its tokenizer made them), caught up from the `unit_changes` log after any
process's writes, and never consulted while they are behind.
"""

from __future__ import annotations

import math
import sqlite3
import threading
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

K1, B = 1.2, 0.75  # FTS5's bm25() constants
WEIGHTS = (1.0, 0.3)  # text, section: the column weights of the units' rank
REBUILD_SHARE = 0.25  # rebuild once rows written since the build hold this share of the tokens
CATCH_UP_MAX = 0.2  # past this share of the rows changed, a rebuild is cheaper than a catch-up


Term = str | tuple[np.ndarray, np.ndarray]  # a token, or a phrase's (rowids, score it adds)


@dataclass(frozen=True)
class State:
    """One consistent picture of the index; a catch-up makes a new one, searches keep theirs."""

    terms: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]  # token -> rowids, freq, stamp
    size: np.ndarray  # tokens in each row, by rowid
    alive: np.ndarray  # the row exists, by rowid
    version: np.ndarray  # a posting counts only if stamped with its row's current version
    rows: int
    tokens: float
    seq: int  # the last unit_changes entry reflected
    generation: int
    built_tokens: float
    written_tokens: float  # tokens of rows deleted or rewritten since the build

    def valid(self, token: str) -> tuple[np.ndarray, np.ndarray]:
        """The live postings of one token: (rowids, weighted frequency)."""
        found = self.terms.get(token)
        if found is None:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        rowids, freq, stamp = found
        keep = self.alive[rowids] & (stamp == self.version[rowids])
        return rowids[keep], freq[keep]


class Tokenizer:
    """FTS5's porter tokenizer itself, on a private in-memory database."""

    def __init__(self) -> None:
        self.conn = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)
        self.conn.execute("CREATE VIRTUAL TABLE tok USING fts5(text, section, tokenize='porter')")
        self.conn.execute("CREATE VIRTUAL TABLE tok_i USING fts5vocab(tok, instance)")
        self.lock = threading.Lock()
        self._phrases: dict[str, tuple[str, ...]] = {}

    def phrase(self, term: str) -> tuple[str, ...]:
        """The tokens a quoted query term stands for, in order."""
        cached = self._phrases.get(term)
        if cached is None:
            with self.lock:
                self.conn.execute(
                    "INSERT INTO tok (rowid, text, section) VALUES (1, ?, '')", [term]
                )
                rows = self.conn.execute("SELECT term FROM tok_i ORDER BY offset").fetchall()
                self.conn.execute("DELETE FROM tok")
            cached = tuple(r[0] for r in rows)
            if len(self._phrases) < 100_000:
                self._phrases[term] = cached
        return cached

    def instances(self, rows: list[tuple[int, str, str]]) -> list[tuple[str, str, str]]:
        """(token, rowids, columns) of these rows' text and section, as _postings reads them."""
        with self.lock:
            self.conn.execute("BEGIN")
            try:
                self.conn.executemany(
                    "INSERT INTO tok (rowid, text, section) VALUES (?, ?, ?)", rows
                )
                found = self.conn.execute(_GROUPED.format(table="tok_i")).fetchall()
            finally:
                self.conn.execute("ROLLBACK")
        return found


_GROUPED = (  # fts5vocab names the column; 0 is text, 1 section
    "SELECT term, group_concat(doc), group_concat(CASE col WHEN 'text' THEN 0 ELSE 1 END) "
    "FROM {table} GROUP BY term"
)


def _postings(
    grouped: list[tuple[str, str, str]],
) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Tokens, their slices' starts, rowids, weighted frequencies; and instances per rowid."""
    tokens = [g[0] for g in grouped]
    docs = [np.fromstring(g[1], dtype=np.int64, sep=",") for g in grouped]
    cols = [np.fromstring(g[2], dtype=np.int64, sep=",") for g in grouped]
    lengths = np.array([len(d) for d in docs], dtype=np.int64)
    if not len(docs):
        empty = np.zeros(0, dtype=np.int64)
        return tokens, np.zeros(1, dtype=np.int64), empty, np.zeros(0), empty
    doc = np.concatenate(docs)
    col = np.concatenate(cols)
    term = np.repeat(np.arange(len(docs), dtype=np.int64), lengths)
    span = int(doc.max()) + 1
    keys, inverse = np.unique(term * span + doc, return_inverse=True)
    weights = np.asarray(WEIGHTS)[np.minimum(col, len(WEIGHTS) - 1)]
    freq = np.bincount(inverse, weights=weights, minlength=len(keys))
    key_term = keys // span
    starts = np.searchsorted(key_term, np.arange(len(docs) + 1))
    per_row = np.bincount(doc)
    return tokens, starts, keys % span, freq, per_row


class UnitPostings:
    """Builds, catches up and ranks; `state` is None until built (then searches use FTS5)."""

    def __init__(self) -> None:
        self.state: State | None = None
        self.tokenizer = Tokenizer()
        self.lock = threading.Lock()  # one build or catch-up at a time
        self.failed: str | None = None

    # --- building --------------------------------------------------------------------------
    def build(self, conn: sqlite3.Connection) -> State:
        """Read FTS5's index whole, in one read transaction, and make it the state."""
        conn.execute(
            "CREATE VIRTUAL TABLE IF NOT EXISTS temp.units_fts_instances "
            "USING fts5vocab(main, units_fts, instance)"
        )
        conn.execute("BEGIN")
        try:
            generation = int(conn.execute("SELECT value FROM generation").fetchone()[0])
            seq = int(conn.execute("SELECT coalesce(max(seq), 0) FROM unit_changes").fetchone()[0])
            (live,) = conn.execute("SELECT group_concat(rowid) FROM units").fetchone()
            grouped = conn.execute(_GROUPED.format(table="temp.units_fts_instances")).fetchall()
        finally:
            conn.execute("COMMIT")
        rowids = np.fromstring(live or "", dtype=np.int64, sep=",")
        tokens, starts, docs, freq, per_row = _postings(grouped)
        capacity = _capacity(max(int(rowids.max()) + 1 if len(rowids) else 0, len(per_row)))
        size = np.zeros(capacity)
        size[: len(per_row)] = per_row
        alive = np.zeros(capacity, dtype=np.bool_)
        alive[rowids] = True
        version = np.zeros(capacity, dtype=np.int32)
        stamp = np.zeros(len(docs), dtype=np.int32)
        terms = {
            t: (
                docs[starts[i] : starts[i + 1]],
                freq[starts[i] : starts[i + 1]],
                stamp[starts[i] : starts[i + 1]],
            )
            for i, t in enumerate(tokens)
        }
        total = float(size[alive].sum())
        state = State(terms, size, alive, version, len(rowids), total, seq, generation, total, 0.0)
        self.state = state
        return state

    def catch_up(self, conn: sqlite3.Connection, generation: int) -> State | None:
        """The state as of `generation`, read from the change log; None when the caller should
        use FTS5 (a build is due, or the connection is inside a transaction of its own)."""
        state = self.state
        if state is None or state.generation == generation:
            return state
        if conn.in_transaction:
            return None
        with self.lock:
            state = self.state
            if state is None or state.generation == generation:
                return state
            conn.execute("BEGIN")
            try:
                now = int(conn.execute("SELECT value FROM generation").fetchone()[0])
                seq, changed = conn.execute(
                    "SELECT max(seq), group_concat(DISTINCT unit_rowid) FROM unit_changes "
                    "WHERE seq > ?",
                    [state.seq],
                ).fetchone()
                ids = np.fromstring(changed or "", dtype=np.int64, sep=",")
                too_many = len(ids) > max(1000, CATCH_UP_MAX * state.rows)
                rows: list[Any] = []
                if len(ids) and not too_many:
                    marks = ",".join(str(int(i)) for i in ids)
                    rows = conn.execute(
                        f"SELECT rowid, text, section FROM units WHERE rowid IN ({marks})"
                    ).fetchall()
            finally:
                conn.execute("COMMIT")
            if too_many:
                self.state = None  # behind by more than a catch-up is worth: rebuilt on demand
                return None
            self.state = state = self._apply(state, ids, rows, int(seq or state.seq), now)
            if state.written_tokens > REBUILD_SHARE * max(state.built_tokens, 1.0):
                self.state = None
                return None
            return state

    def _apply(
        self, state: State, ids: np.ndarray, rows: list[Any], seq: int, generation: int
    ) -> State:
        top = int(ids.max()) + 1 if len(ids) else 0
        capacity = _capacity(top) if top > len(state.size) else len(state.size)
        size, alive, version = (
            _grown(a, capacity) for a in (state.size, state.alive, state.version)
        )
        was = ids[alive[ids]]
        written = float(size[was].sum())
        tokens = state.tokens - written
        alive[ids] = False
        version[ids] += 1
        size[ids] = 0
        terms = dict(state.terms)
        if rows:
            found = self.tokenizer.instances([(int(r[0]), r[1] or "", r[2] or "") for r in rows])
            names, starts, docs, freq, per_row = _postings(found)
            for i, token in enumerate(names):
                new_rows = docs[starts[i] : starts[i + 1]]
                new = (new_rows, freq[starts[i] : starts[i + 1]], version[new_rows])
                old = terms.get(token)
                if old is not None:
                    new = (
                        np.concatenate([old[0], new[0]]),
                        np.concatenate([old[1], new[1]]),
                        np.concatenate([old[2], new[2]]),
                    )
                terms[token] = new
            present = np.array([int(r[0]) for r in rows], dtype=np.int64)
            counts = np.zeros(capacity)
            counts[: len(per_row)] = per_row
            size[present] = counts[present]
            alive[present] = True
            tokens += float(size[present].sum())
        n_rows = state.rows - len(was) + len(rows)
        return replace(
            state,
            terms=terms,
            size=size,
            alive=alive,
            version=version,
            rows=n_rows,
            tokens=tokens,
            seq=seq,
            generation=generation,
            written_tokens=state.written_tokens + written,
        )

    # --- ranking ---------------------------------------------------------------------------
    def phrases(self, terms: list[str]) -> list[str | None]:
        """Each term's single token, or None where the term is a phrase ("no-go": ranked by
        FTS5, whose score for it alone is the part it adds to any query's)."""
        out: list[str | None] = []
        for term in terms:
            tokens = self.tokenizer.phrase(term)
            out.append(tokens[0] if len(tokens) == 1 else None)
        return out

    @staticmethod
    def share(state: State, term: Term) -> float:
        rowids = state.valid(term)[0] if isinstance(term, str) else term[0]
        return len(rowids) / state.rows if state.rows else 0.0

    @staticmethod
    def top(state: State, terms: list[Term], limit: int) -> list[tuple[int, float]]:
        """(rowid, bm25) of the best `limit` rows, bm25 negated as FTS5 gives it (lower is better).
        A term is a token, or the rows a phrase matches with what it adds to their scores."""
        if not state.rows or not terms:
            return []
        avgdl = state.tokens / state.rows if state.tokens else 1.0
        score = np.zeros(len(state.size))
        matched = np.zeros(len(state.size), dtype=np.bool_)
        for term in terms:
            if not isinstance(term, str):
                rowids, adds = term
                known = rowids < len(score)  # not rows written since the state was read
                score[rowids[known]] += adds[known]
                matched[rowids[known]] = True
                continue
            rowids, freq = state.valid(term)
            if not len(rowids):
                continue
            idf = math.log((state.rows - len(rowids) + 0.5) / (len(rowids) + 0.5))
            if idf <= 0.0:
                idf = 1e-6
            norm = K1 * (1 - B + B * state.size[rowids] / avgdl)
            score[rowids] += idf * (freq * (K1 + 1.0)) / (freq + norm)
            matched[rowids] = True
        hit = np.flatnonzero(matched)
        if not len(hit):
            return []
        scores = score[hit]
        if len(hit) > limit:
            cut = np.argpartition(-scores, limit - 1)[:limit]
            hit, scores = hit[cut], scores[cut]
        order = np.lexsort((hit, -scores))
        return [(int(hit[i]), -float(scores[i])) for i in order]


def _capacity(n: int) -> int:
    return max(1024, 1 << max(0, (n - 1)).bit_length())


def _grown(array: np.ndarray, capacity: int) -> np.ndarray:
    out = np.zeros(capacity, dtype=array.dtype)
    out[: len(array)] = array
    return out
