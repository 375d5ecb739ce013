"""Retrieval quality: nDCG@10, Recall@10 and MRR of each search mode against graded judgments."""

from __future__ import annotations

import json
import math
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kb.core import KnowledgeBase

DEFAULT_MODES = ("hybrid", "rrf", "dense", "bm25")


def load_queries(path: Path) -> list[dict[str, Any]]:
    queries = []
    for number, line in enumerate(path.read_text("utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            if not item["query"] or not isinstance(item["relevant"], dict):
                raise ValueError("needs a query and a relevant object")
        except (json.JSONDecodeError, KeyError, ValueError) as exc:
            raise ValueError(f"{path}:{number}: {exc}") from None
        queries.append(item)
    return queries


def _doc_key(source: str) -> str:
    """Judgments name documents by file name; a bulk record keeps its '#line N' suffix."""
    path, _, record = source.partition("#")
    return PurePath(path).name + (f"#{record}" if record else "")


def ranked_documents(hits: list[dict[str, Any]], k: int) -> list[str]:
    seen: list[str] = []
    for hit in hits:
        key = _doc_key(hit["source"])
        if key not in seen:
            seen.append(key)
        if len(seen) == k:
            break
    return seen


def ndcg(ranked: list[str], relevant: dict[str, int], k: int = 10) -> float:
    dcg = sum((2 ** relevant.get(d, 0) - 1) / math.log2(i + 2) for i, d in enumerate(ranked[:k]))
    ideal = sorted(relevant.values(), reverse=True)[:k]
    idcg = sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def recall(ranked: list[str], relevant: dict[str, int], k: int = 10) -> float:
    wanted = {d for d, g in relevant.items() if g > 0}
    return len(wanted & set(ranked[:k])) / len(wanted) if wanted else 0.0


def reciprocal_rank(ranked: list[str], relevant: dict[str, int]) -> float:
    for i, d in enumerate(ranked, start=1):
        if relevant.get(d, 0) > 0:
            return 1.0 / i
    return 0.0


def evaluate(
    kb: KnowledgeBase,
    queries: list[dict[str, Any]],
    modes: tuple[str, ...] = DEFAULT_MODES,
    k: int = 10,
    hits: int = 100,
) -> dict[str, Any]:
    """Run every query in every mode; hits count per document (a document's best unit).

    `hits` is how many units each search returns before they are counted by document: 100
    measures the ranking of documents, 10 what `kb search` shows (its candidates and its
    per-document cap included)."""
    table: dict[str, dict[str, float]] = {}
    per_query: dict[str, list[dict[str, Any]]] = {}
    for mode in modes:
        scores = {"ndcg@10": 0.0, "recall@10": 0.0, "mrr": 0.0}
        rows = []
        for item in queries:
            result = kb.search(item["query"], filters=item.get("filters"), limit=hits, mode=mode)
            ranked = ranked_documents(result["hits"], hits)
            row: dict[str, Any] = {
                "id": item.get("id"),
                "ndcg@10": ndcg(ranked, item["relevant"], k),
                "recall@10": recall(ranked, item["relevant"], k),
                "mrr": reciprocal_rank(ranked, item["relevant"]),
                "top": ranked[:k],
            }
            rows.append(row)
            for key in scores:
                scores[key] += row[key]
        table[mode] = {key: round(value / len(queries), 4) for key, value in scores.items()}
        per_query[mode] = rows
    return {
        "queries": len(queries),
        "k": k,
        "hits": hits,
        "table": table,
        "per_query": per_query,
    }
