"""Hybrid search: FTS5 BM25 and dense similarity, fused; filters narrow the candidates before ranking."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from kb.filters import validate

if TYPE_CHECKING:
    from kb.core import KnowledgeBase

MODES = ("hybrid", "rrf", "dense", "bm25")
RRF_K = 60
# hybrid: score = DENSE_WEIGHT * cosine + (1 - DENSE_WEIGHT) * BM25 / best BM25 of the query.
# 0.7 was best of 0.5-0.9 on corpus/eval/queries.jsonl and held on the shared-corpora judgments,
# where it beat reciprocal rank fusion (mode rrf) too; see README "Search quality".
DENSE_WEIGHT = 0.7
CANDIDATES = 100
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


def fts_query(terms: list[str], columns: str | None = None) -> str:
    body = " OR ".join('"' + t.replace('"', "") + '"' for t in terms)
    return f"{{{columns}}} : ({body})" if columns else body


def _filter_sql(
    filters: dict[str, list[str]], dates: tuple[str | None, str | None]
) -> tuple[str, list[Any]]:
    clauses = ["d.superseded_by IS NULL"]
    params: list[Any] = []
    for facet, values in filters.items():
        marks = ", ".join("?" for _ in values)
        clauses.append(
            "EXISTS (SELECT 1 FROM facets f WHERE f.document_id = d.id AND f.facet = ? "
            f"AND f.value IN ({marks}))"
        )
        params += [facet, *values]
    since, until = dates
    if since:
        clauses.append("COALESCE(d.end_date, d.start_date) >= ?")
        params.append(since)
    if until:
        clauses.append("COALESCE(d.start_date, d.end_date) <= ?")
        params.append(until + "\uffff")
    return " AND ".join(clauses), params


class Searcher:
    """Runs queries against one KnowledgeBase; stateless apart from it."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.conn = kb.store.conn  # type: ignore[attr-defined]
        self._fusion = "dense similarity"

    # --- candidates ------------------------------------------------------------------------
    def _bm25(self, terms: list[str], where: str, params: list[Any], n: int) -> list[Candidate]:
        if not terms:
            return []
        conn = self.kb.store.conn  # type: ignore[attr-defined]  # this thread's own connection
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
            [(f"u:{i}", s) for i, s in units] + [(f"d:{i}", s) for i, s in docs], key=lambda r: r[1]
        )
        return [
            Candidate(key, keyword_rank=rank, bm25=float(-s))
            for rank, (key, s) in enumerate(merged[:n], 1)
        ]

    def _dense(
        self, query: str, where: str, params: list[Any], n: int, filtered: bool
    ) -> list[Candidate]:
        keeper = self.kb.keeper
        if keeper.index.count == 0:
            return []
        vector = self.kb.embedder.embed([query[:2000]])[0]
        allowed = None
        if filtered:
            rows = self.conn.execute(
                f"SELECT d.rowid FROM documents d WHERE {where}", params
            ).fetchall()
            allowed = keeper.allowed([r[0] for r in rows])
        ids, sims = keeper.index.search(vector, n, allowed)
        targets = self.kb.store.vector_targets([int(i) for i in ids])
        out = []
        for rank, (vid, sim) in enumerate(zip(ids.tolist(), sims.tolist(), strict=True), 1):
            kind, ref = targets.get(vid, ("", ""))
            if kind:
                out.append(
                    Candidate(f"{kind[0]}:{ref}", dense_rank=rank, dense_similarity=float(sim))
                )
        return out

    # --- fusion ----------------------------------------------------------------------------
    @staticmethod
    def _fuse(keyword: list[Candidate], dense: list[Candidate], mode: str) -> list[Candidate]:
        merged: dict[str, Candidate] = {}
        for c in dense:
            merged[c.key] = c
        for c in keyword:
            if c.key in merged:
                merged[c.key].keyword_rank, merged[c.key].bm25 = c.keyword_rank, c.bm25
            else:
                merged[c.key] = c
        for c in merged.values():
            if mode == "bm25":
                c.score = 1.0 / (RRF_K + c.keyword_rank) if c.keyword_rank else 0.0
            elif mode == "dense":
                c.score = c.dense_similarity or 0.0
            elif mode == "hybrid":
                best_bm25 = max((k.bm25 or 0.0) for k in keyword) if keyword else 1.0
                kw = (c.bm25 or 0.0) / best_bm25 if best_bm25 else 0.0
                c.score = DENSE_WEIGHT * (c.dense_similarity or 0.0) + (1 - DENSE_WEIGHT) * kw

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
    ) -> dict[str, Any]:
        """One query; returns {"query", "mode", "filters", "total_candidates", "hits": [...]}."""
        query = (query or "").strip()
        if not query:
            raise SearchError(
                'empty query: say what you are looking for, e.g. kb search "OCR failed on real scans"'
            )
        if mode not in MODES:
            raise SearchError(f"unknown mode {mode!r}; valid: {', '.join(MODES)}")
        if limit < 1:
            raise SearchError("--limit must be at least 1")
        note = None
        if len(query) > MAX_QUERY_CHARS:
            query, note = (
                query[:MAX_QUERY_CHARS],
                f"query cut to its first {MAX_QUERY_CHARS:,} characters",
            )
        checked = validate(filters or {}, self.kb.store)
        where, params = _filter_sql(checked, (since, until))
        n = max(CANDIDATES, limit * 5)
        terms = query_terms(query)
        filtered = bool(checked or since or until)
        keyword: list[Candidate] = []
        dense: list[Candidate] = []
        if mode in ("hybrid", "rrf"):
            # the keyword query (SQLite) and the embedding + FAISS search both release the GIL
            pending = self.kb.worker.submit(self._bm25, terms, where, params, n)

            dense = self._dense(query, where, params, n, filtered)
            keyword = pending.result()
        elif mode == "bm25":
            keyword = self._bm25(terms, where, params, n)
        else:
            dense = self._dense(query, where, params, n, filtered)

        ranked = self._fuse(keyword, dense, mode)
        self._fusion = {
            "hybrid": f"{DENSE_WEIGHT} x cosine + {1 - DENSE_WEIGHT:.1f} x BM25/best BM25",
            "rrf": f"reciprocal rank fusion, k={RRF_K}",
            "dense": "cosine similarity",
            "bm25": "BM25 rank",
        }[mode]

        hits = self._hits(ranked, terms, group=group, limit=limit)
        result: dict[str, Any] = {
            "query": query if len(query) <= 500 else query[:500] + "…",
            "mode": mode,
            "filters": {
                **checked,
                **({"since": since} if since else {}),
                **({"until": until} if until else {}),
            },
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
        self, ranked: list[Candidate], terms: list[str], *, group: bool, limit: int
    ) -> list[dict[str, Any]]:
        hits: list[dict[str, Any]] = []
        by_doc: dict[str, dict[str, Any]] = {}
        for c in ranked:
            hit = self._describe(c, terms)
            if hit is None:
                continue
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
            hits.append(hit)
            if len(hits) >= limit and not group:
                break
        hits = hits[:limit]
        for rank, hit in enumerate(hits, 1):
            hit["rank"] = rank
        return hits

    def _describe(self, c: Candidate, terms: list[str]) -> dict[str, Any] | None:
        kind, ref = c.key.split(":", 1)
        if kind == "u":
            row = self.conn.execute(
                "SELECT u.id, u.document_id, u.kind, u.section, u.line_start, u.line_end, u.text, "
                "d.title, d.source FROM units u JOIN documents d ON d.id = u.document_id WHERE u.id = ?",
                [ref],
            ).fetchone()
            if row is None:
                return None
            unit_id, doc_id, unit_kind, section, start, end, text, title, source = row
        else:
            row = self.conn.execute(
                "SELECT id, kind, title, source, summary FROM documents WHERE id = ?", [ref]
            ).fetchone()
            if row is None:
                return None
            doc_id, doc_kind, title, source, summary = row
            unit_id, unit_kind, section, start, end = (
                None,
                "document",
                "(whole document)",
                None,
                None,
            )
            text = f"{title}. {summary or ''}".strip()
        matched = matched_terms(text, terms)
        return {
            "rank": 0,
            "unit_id": unit_id,
            "document_id": doc_id,
            "source": source,
            "title": title,
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
                "fusion": self._fusion,
                "location": {"section": section, "lines": [start, end] if start else None},
            },
        }


def _stem(word: str) -> str:
    return re.sub(r"(ing|ed|es|s|ly|ion|ions|al)$", "", word)[:7] if len(word) > 4 else word


def matched_terms(text: str, terms: list[str]) -> list[str]:
    words = {_stem(w) for w in re.findall(r"[a-z0-9]+", text.lower())}
    return [t for t in terms if _stem(t) in words]


def snippet(text: str, matched: list[str], width: int = 240) -> str:
    """A window of the text around the first matched term, with matches marked **like this**."""
    flat = " ".join(text.split())
    stems = {_stem(t) for t in matched}
    positions = [
        m.start() for m in re.finditer(r"[A-Za-z0-9]+", flat) if _stem(m.group(0).lower()) in stems
    ]
    start = max(0, positions[0] - width // 3) if positions else 0
    window = flat[start : start + width]
    if start > 0:
        window = "…" + window
    if start + width < len(flat):
        window += "…"

    def mark(m: re.Match[str]) -> str:
        return f"**{m.group(0)}**" if _stem(m.group(0).lower()) in stems else m.group(0)

    return re.sub(r"[A-Za-z0-9]+", mark, window) if stems else window


RELATED_KINDS = ("lesson", "root_cause", "constraint", "recommendation", "risk", "decision")


def nearest_units(
    searcher: Searcher, vector: np.ndarray, *, exclude_document: str, n: int
) -> list[tuple[int, dict[str, Any]]]:
    """(rank, hit) for the lessons, root causes, constraints... of other current documents nearest
    the vector, nearest first."""
    kb = searcher.kb
    marks = ", ".join("?" for _ in RELATED_KINDS)
    rows = searcher.conn.execute(
        "SELECT v.vid FROM vectors v JOIN units u ON u.id = v.ref_id JOIN documents d ON d.id = v.document_id "
        f"WHERE v.kind = 'unit' AND v.model = ? AND d.superseded_by IS NULL AND d.id != ? AND u.kind IN ({marks})",
        [kb.keeper.model, exclude_document, *RELATED_KINDS],
    ).fetchall()
    if not rows:
        return []
    allowed = np.array([r[0] for r in rows], dtype=np.int64)
    ids, sims = kb.keeper.index.search(vector, n, allowed)
    targets = kb.store.vector_targets([int(i) for i in ids])
    out = []
    for rank, (vid, sim) in enumerate(zip(ids.tolist(), sims.tolist(), strict=True), 1):
        if vid not in targets:  # gone from the database since the index was read
            continue
        hit = searcher._describe(
            Candidate(f"u:{targets[vid][1]}", dense_rank=rank, dense_similarity=sim, score=sim), []
        )
        if hit is not None:
            out.append((rank, hit))
    return out


def related(kb: KnowledgeBase, unit_id: str, *, limit: int = 10) -> dict[str, Any]:
    """Units like this one from other projects: nearest neighbours, the unit's own document excluded."""
    searcher = Searcher(kb)
    unit = searcher.conn.execute(
        "SELECT id, document_id, text FROM units WHERE id = ?", [unit_id]
    ).fetchone()
    if unit is None:
        raise SearchError(
            f"no unit with id {unit_id!r} (unit ids look like 4bd81dcb06ef-012; see `kb show`)"
        )
    found = kb.store.vector_of("unit", unit_id, kb.keeper.model)
    if found is None:
        raise SearchError(f"unit {unit_id} has no vector for {kb.keeper.model}; run `kb reindex`")
    own = {
        r[0]
        for r in searcher.conn.execute(
            "SELECT pattern FROM pattern_tags WHERE unit_id = ?", [unit_id]
        )
    }
    hits = []
    for rank, hit in nearest_units(searcher, found[1], exclude_document=unit[1], n=limit):
        theirs = {
            r[0]
            for r in searcher.conn.execute(
                "SELECT pattern FROM pattern_tags WHERE unit_id = ?", [hit["unit_id"]]
            )
        }
        hit["rank"] = rank
        hit["explain"]["shared_patterns"] = sorted(own & theirs)
        hits.append(hit)
    return {"unit_id": unit_id, "document_id": unit[1], "text": unit[2], "hits": hits}
