"""Hybrid search: FTS5 BM25 and dense similarity, fused; filters narrow the candidates before ranking."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal, get_args

import numpy as np

from kb.backends.base import Filters, Ref, VectorScope
from kb.filters import validate

if TYPE_CHECKING:
    from kb.core import KnowledgeBase

Mode = Literal["hybrid", "rrf", "dense", "bm25"]
MODES: tuple[str, ...] = get_args(Mode)
RRF_K = 60
# hybrid: score = DENSE_WEIGHT * cosine + (1 - DENSE_WEIGHT) * BM25 / best BM25 of the query.
# 0.7 was best of 0.5-0.9 on corpus/eval/queries.jsonl and held on the shared-corpora judgments,
# where it beat reciprocal rank fusion (mode rrf) too; see README "Search quality".
DENSE_WEIGHT = 0.7
# each half's candidates for a list of up to 10: 50 ranked the same as 100 on both judgment sets
# (unit lists of 10: shipped hybrid 0.666 vs 0.672, shared 0.654 vs 0.636) and halves the
# filtered nearest-neighbour scan, whose cost grows with the matches it must gather
CANDIDATES = 50
# a unit list shows at most this many units of one document unless asked (0: no cap); lists of
# 10 then cover 7.0 documents instead of 3.8 on the shared corpora (nDCG@10 of those lists, by
# document, 0.658 -> 0.819), 7.3 instead of 5.5 on the shipped set (bench/per_document.py)
PER_DOCUMENT = 2
# hybrid adds BODY_WEIGHT x BM25 of a candidate's whole document over its text / the best such
# BM25 of the query: documents are judged whole, and a unit says less than the text around it.
# 0.15 was best of 0.05-0.3 (and better than title and summary weighted in too) on the three
# judgment sets: shipped 0.746 -> 0.755, shared 0.878 -> 0.904, paraphrased 0.453 -> 0.475
# before the documents it brought into a top 10 were judged; see README "Search quality"
BODY_WEIGHT = 0.15
MAX_QUERY_CHARS = 10_000
MAX_TERMS = 32
_STOP = set(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "been",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "for",
        "from",
        "had",
        "has",
        "have",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "me",
        "my",
        "no",
        "not",
        "of",
        "on",
        "or",
        "our",
        "so",
        "such",
        "than",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "to",
        "too",
        "us",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "about",
        "after",
        "before",
        "again",
        "any",
        "all",
    ]
)


class SearchError(ValueError):
    """A query that cannot be run; the message says what to do instead."""


@dataclass
class Candidate:
    key: str  # "u:<unit id>" or "d:<document id>"
    dense_rank: int | None = None
    dense_similarity: float | None = None
    keyword_rank: int | None = None
    bm25: float | None = None
    score: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)


def query_terms(query: str) -> list[str]:
    seen: list[str] = []
    for word in re.findall(r"[A-Za-z0-9][A-Za-z0-9'-]*", query.lower()):
        word = word.strip("'-")
        if len(word) < 2 or word in _STOP or word in seen:
            continue
        seen.append(word)
        if len(seen) >= MAX_TERMS:
            break
    return seen


class Searcher:
    """Runs queries against one KnowledgeBase; stateless apart from it."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self._fusion = "dense similarity"
        self._query_vector: np.ndarray | None = None

    # --- candidates ------------------------------------------------------------------------
    def _keyword(self, terms: list[str], filters: Filters, n: int) -> list[Candidate]:
        hits = self.kb.backend.keywords.search(terms, filters, n)
        return [
            Candidate(hit.ref.key, keyword_rank=rank, bm25=hit.score)
            for rank, hit in enumerate(hits, 1)
        ]

    def _keyword_and_bodies(
        self, terms: list[str], filters: Filters, n: int
    ) -> tuple[list[Candidate], dict[str, float]]:
        """The keyword half, and each of the n best documents' BM25 over its whole text, scaled
        by the best."""
        keyword = self._keyword(terms, filters, n)
        hits = self.kb.backend.keywords.bodies(terms, filters, n)
        best = hits[0].score if hits else 0.0
        return keyword, {h.ref.id: h.score / best for h in hits} if best > 0 else {}

    def _dense(self, query: str, filters: Filters, n: int) -> list[Candidate]:
        index = self.kb.vectors
        if index.empty():
            return []
        vector = self._query_vector = self.kb.query_vectors([query])[0]
        return [
            Candidate(hit.ref.key, dense_rank=rank, dense_similarity=hit.similarity)
            for rank, hit in enumerate(index.search(vector, n, filters), 1)
        ]

    def _score_by_meaning(self, keyword: list[Candidate], dense: list[Candidate]) -> None:
        """Give the keyword half's candidates that the vector half did not reach their cosine
        too, so the fused score of each compares like with like (lists of 10, by document:
        shipped 0.692 -> 0.717, shared 0.757 -> 0.819, paraphrased 0.362 -> 0.439)."""
        if self._query_vector is None:
            return
        reached = {c.key for c in dense}
        missing = [c for c in keyword if c.key not in reached]
        if not missing:
            return
        found = self.kb.store.vectors_for([_ref(c.key) for c in missing], self.kb.embedder.name)
        for c in missing:
            vector = found.get(_ref(c.key))
            if vector is not None:
                c.dense_similarity = float(vector @ self._query_vector)

    # --- fusion ----------------------------------------------------------------------------
    @staticmethod
    def _fuse(
        keyword: list[Candidate],
        dense: list[Candidate],
        mode: str,
        bodies: dict[str, float] | None = None,
    ) -> list[Candidate]:
        merged: dict[str, Candidate] = {}
        for c in dense:
            merged[c.key] = c
        for c in keyword:
            if c.key in merged:
                merged[c.key].keyword_rank, merged[c.key].bm25 = c.keyword_rank, c.bm25
            else:
                merged[c.key] = c
        best_bm25 = max((k.bm25 or 0.0) for k in keyword) if keyword else 1.0
        for c in merged.values():
            if mode == "bm25":
                c.score = 1.0 / (RRF_K + c.keyword_rank) if c.keyword_rank else 0.0
            elif mode == "dense":
                c.score = c.dense_similarity or 0.0
            elif mode == "hybrid":
                kw = (c.bm25 or 0.0) / best_bm25 if best_bm25 else 0.0
                c.score = DENSE_WEIGHT * (c.dense_similarity or 0.0) + (1 - DENSE_WEIGHT) * kw
                if bodies:
                    body = c.extra["body"] = bodies.get(document_of(_ref(c.key)), 0.0)
                    c.score += BODY_WEIGHT * body

            else:  # rrf
                c.score = sum(1.0 / (RRF_K + r) for r in (c.keyword_rank, c.dense_rank) if r)
        ranked = list(merged.values())  # everything either ranking retrieved is a candidate
        if mode == "dense":
            ranked = [c for c in ranked if c.dense_rank]
        if mode == "bm25":
            ranked = [c for c in ranked if c.keyword_rank]
        return sorted(ranked, key=lambda c: -c.score)

    # --- the query -------------------------------------------------------------------------
    def search(
        self,
        query: str,
        *,
        filters: dict[str, list[str]] | None = None,
        since: str | None = None,
        until: str | None = None,
        limit: int = 10,
        mode: str = "hybrid",
        group: bool = False,
        per_document: int = PER_DOCUMENT,
    ) -> dict[str, Any]:
        """One query; returns {"query", "mode", "filters", "total_candidates", "hits": [...]}.

        `per_document` caps the units one document may fill the list with (0: no cap);
        `group` shows each document once, its other matching units listed under it."""
        query = (query or "").strip()
        if not query:
            raise SearchError(
                'empty query: say what you are looking for, e.g. kb search "OCR failed on real scans"'
            )
        if mode not in MODES:
            raise SearchError(f"unknown mode {mode!r}; valid: {', '.join(MODES)}")
        if limit < 1:
            raise SearchError("--limit must be at least 1")
        if per_document < 0:
            raise SearchError("--per-document must be 0 (no cap) or more")
        note = None
        if len(query) > MAX_QUERY_CHARS:
            query, note = (
                query[:MAX_QUERY_CHARS],
                f"query cut to its first {MAX_QUERY_CHARS:,} characters",
            )
        checked = validate(filters or {}, self.kb.store, since=since, until=until)
        n = max(CANDIDATES, limit * 5)
        terms = query_terms(query)
        keyword: list[Candidate] = []
        dense: list[Candidate] = []
        bodies: dict[str, float] = {}
        if mode == "hybrid":
            # the keyword queries and the embedding + vector search all release the GIL
            both = self.kb.worker.submit(self._keyword_and_bodies, terms, checked, n)
            dense = self._dense(query, checked, n)
            keyword, bodies = both.result()
            self._score_by_meaning(keyword, dense)
        elif mode == "rrf":
            pending = self.kb.worker.submit(self._keyword, terms, checked, n)
            dense = self._dense(query, checked, n)
            keyword = pending.result()
        elif mode == "bm25":
            keyword = self._keyword(terms, checked, n)
        else:
            dense = self._dense(query, checked, n)

        ranked = self._fuse(keyword, dense, mode, bodies)
        self._fusion = {
            "hybrid": f"{DENSE_WEIGHT} x cosine + {1 - DENSE_WEIGHT:.1f} x BM25/best BM25"
            f" + {BODY_WEIGHT} x document BM25/best",
            "rrf": f"reciprocal rank fusion, k={RRF_K}",
            "dense": "cosine similarity",
            "bm25": "BM25 rank",
        }[mode]

        hits = self._hits(ranked, terms, group=group, limit=limit, per_document=per_document)
        result: dict[str, Any] = {
            "query": query if len(query) <= 500 else query[:500] + "…",
            "mode": mode,
            "filters": checked.as_dict(),
            "hits": hits,
        }
        if note:
            result["note"] = note
        if not hits:
            result["message"] = (
                "the knowledge base is empty: add documents with `kb ingest PATH`"
                if self.kb.store.count("documents") == 0
                else "nothing matched; try other words or fewer filters"
            )
        return result

    def _hits(
        self,
        ranked: list[Candidate],
        terms: list[str],
        *,
        group: bool,
        limit: int,
        per_document: int = 0,
    ) -> list[dict[str, Any]]:
        hits: list[dict[str, Any]] = []
        by_doc: dict[str, dict[str, Any]] = {}
        shown: dict[str, int] = {}  # units listed per document, for the per-document cap
        # described in batches: enough for the list, more only if some are gone or grouped away
        start, batch = 0, max(limit * 2, 20)
        while start < len(ranked) and (group or len(hits) < limit):
            chunk = ranked[start : start + batch]
            start += batch
            rows = self.kb.store.describe([_ref(c.key) for c in chunk])
            for c in chunk:
                row = rows.get(_ref(c.key))
                if row is None:
                    continue
                hit = self._describe(c, row, terms)
                if group:
                    first = by_doc.get(hit["document_id"])
                    if first is not None:
                        first["also"].append(
                            {
                                "unit_id": hit["unit_id"],
                                "section": hit["section"],
                                "kind": hit["kind"],
                                "score": hit["score"],
                            }
                        )
                        continue
                    hit["also"] = []
                    by_doc[hit["document_id"]] = hit
                elif per_document:
                    if shown.get(hit["document_id"], 0) >= per_document:
                        continue
                    shown[hit["document_id"]] = shown.get(hit["document_id"], 0) + 1
                hits.append(hit)
                if len(hits) >= limit and not group:
                    break
        hits = hits[:limit]
        for rank, hit in enumerate(hits, 1):
            hit["rank"] = rank
        return hits

    def _describe(self, c: Candidate, row: dict[str, Any], terms: list[str]) -> dict[str, Any]:
        if "unit_id" in row:
            unit_id, unit_kind, section = row["unit_id"], row["kind"], row["section"]
            start, end, text = row["line_start"], row["line_end"], row["text"]
        else:
            unit_id, unit_kind, section, start, end = (
                None,
                "document",
                "(whole document)",
                None,
                None,
            )
            text = f"{row['title']}. {row['summary'] or ''}".strip()
        matched = matched_terms(text, terms)
        return {
            "rank": 0,
            "unit_id": unit_id,
            "document_id": row["document_id"],
            "source": row["source"],
            "title": row["title"],
            "section": section,
            "kind": unit_kind,
            "text": text,
            "snippet": snippet(text, matched),
            "score": round(c.score, 6),
            "explain": {
                "matched_terms": matched,
                "keyword_rank": c.keyword_rank,
                "bm25": round(c.bm25, 4) if c.bm25 is not None else None,
                "dense_rank": c.dense_rank,
                "dense_similarity": round(c.dense_similarity, 4)
                if c.dense_similarity is not None
                else None,
                "document_bm25": round(c.extra["body"], 4) if "body" in c.extra else None,
                "fusion": self._fusion,
                "location": {"section": section, "lines": [start, end] if start else None},
            },
        }


def _ref(key: str) -> Ref:
    kind, ref = key.split(":", 1)
    return Ref("unit" if kind == "u" else "document", ref)


def document_of(ref: Ref) -> str:
    """The document a unit or document belongs to, read from its id (units are `<doc>-<nnn>`)."""
    return ref.id if ref.kind == "document" else ref.id.rsplit("-", 1)[0]


@lru_cache(maxsize=65536)  # the same few thousand words, for every hit of every search
def _stem(word: str) -> str:
    return re.sub(r"(ing|ed|es|s|ly|ion|ions|al)$", "", word)[:7] if len(word) > 4 else word


_WORD = re.compile(r"[A-Za-z0-9]+")


@lru_cache(maxsize=4096)
def _words_starting(stems: tuple[str, ...]) -> re.Pattern[str]:
    """Whole words that begin with one of the stems: a stem is a prefix of every word it comes
    from, so only these can match, and the regex engine finds them without a Python loop."""
    alternatives = "|".join(re.escape(s) for s in sorted(stems, key=len, reverse=True))
    return re.compile(rf"(?<![A-Za-z0-9])(?:{alternatives})[A-Za-z0-9]*", re.IGNORECASE)


def matched_terms(text: str, terms: list[str]) -> list[str]:
    if not terms:
        return []
    stems = {t: _stem(t) for t in terms}
    pattern = _words_starting(tuple(sorted(set(stems.values()))))
    found = {_stem(w.lower()) for w in pattern.findall(text)}
    return [t for t in terms if stems[t] in found]


def snippet(text: str, matched: list[str], width: int = 240) -> str:
    """A window of the text around the first matched term, with matches marked **like this**."""
    flat = " ".join(text.split())
    stems = {_stem(t) for t in matched}
    first = None
    if stems:
        pattern = _words_starting(tuple(sorted(stems)))
        first = next(
            (m.start() for m in pattern.finditer(flat) if _stem(m.group(0).lower()) in stems), None
        )
    start = max(0, first - width // 3) if first is not None else 0
    window = flat[start : start + width]
    if start > 0:
        window = "…" + window
    if start + width < len(flat):
        window += "…"

    def mark(m: re.Match[str]) -> str:
        return f"**{m.group(0)}**" if _stem(m.group(0).lower()) in stems else m.group(0)

    return _WORD.sub(mark, window) if stems else window


RELATED_KINDS = ("lesson", "root_cause", "constraint", "recommendation", "risk", "decision")


def nearest_units(
    searcher: Searcher, vector: np.ndarray, *, exclude_document: str, n: int
) -> list[tuple[int, dict[str, Any]]]:
    """(rank, hit) for the lessons, root causes, constraints... of other current documents nearest
    the vector, nearest first."""
    kb = searcher.kb
    scope = VectorScope(target="unit", unit_kinds=RELATED_KINDS, exclude_document=exclude_document)
    found = kb.vectors.search(vector, n, Filters(), scope)
    rows = kb.store.describe([h.ref for h in found])
    out = []
    for rank, h in enumerate(found, 1):
        row = rows.get(h.ref)
        if row is None:  # gone from the database since the index was read
            continue
        c = Candidate(h.ref.key, dense_rank=rank, dense_similarity=h.similarity, score=h.similarity)
        out.append((rank, searcher._describe(c, row, [])))
    return out


def related(kb: KnowledgeBase, unit_id: str, *, limit: int = 10) -> dict[str, Any]:
    """Units like this one from other projects: nearest neighbours, the unit's own document excluded."""
    searcher = Searcher(kb)
    unit = kb.store.get_unit(unit_id)
    if unit is None:
        raise SearchError(
            f"no unit with id {unit_id!r} (unit ids look like 4bd81dcb06ef-012; see `kb show`)"
        )
    model = kb.vectors.model
    vector = kb.store.vector_of(Ref("unit", unit_id), model)
    if vector is None:
        raise SearchError(f"unit {unit_id} has no vector for {model}; run `kb reindex`")
    own = {p["pattern"] for p in unit["patterns"]}
    found = nearest_units(searcher, vector, exclude_document=unit["document_id"], n=limit)
    theirs = kb.store.unit_patterns([hit["unit_id"] for _, hit in found])
    hits = []
    for rank, hit in found:
        hit["rank"] = rank
        hit["explain"]["shared_patterns"] = sorted(own & theirs.get(hit["unit_id"], set()))
        hits.append(hit)
    return {
        "unit_id": unit_id,
        "document_id": unit["document_id"],
        "text": unit["text"],
        "hits": hits,
    }
