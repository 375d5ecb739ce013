"""How many documents a list of 10 hits covers, and that list's nDCG@10 by document, with one
document capped at 1, 2 or 3 units, or uncapped (what `kb search` shows, not `kb eval`'s 100 hits).

Run on purpose:  python bench/per_document.py [--work /tmp/kb-bench]
Uses the stores the other quality benchmarks build in --work (shipped.db from bench/backends.py,
shared-quality.db from bench/shared_quality.py build, paraphrase.db from bench/paraphrase_quality.py
build); a store not built yet is skipped.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SETS = {
    "shipped": ("shipped.db", ROOT / "corpus/eval/queries.jsonl"),
    "shared": ("shared-quality.db", ROOT / "bench/shared-judgments.jsonl"),
    "paraphrased": ("paraphrase.db", ROOT / "bench/paraphrase/judgments.jsonl"),
}
CAPS = (1, 2, 3, 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=Path("/tmp/kb-bench"))
    args = parser.parse_args()
    from kb import KnowledgeBase, Settings
    from kb.evaluation import ndcg, ranked_documents

    print("set           cap  documents in 10 hits  nDCG@10 of those documents")
    for name, (db, judged) in SETS.items():
        if not (args.work / db).exists():
            print(f"{name:<12} (no store {args.work / db}; skipped)")
            continue
        kb = KnowledgeBase(Settings(db=args.work / db))
        items = [json.loads(x) for x in judged.read_text().splitlines() if x.strip()]
        items = [i for i in items if any(g > 0 for g in i["relevant"].values())]
        for cap in CAPS:
            docs, scores = [], []
            for item in items:
                hits = kb.search(item["query"], limit=10, per_document=cap)["hits"]
                ranked = ranked_documents(hits, 10)
                docs.append(len(ranked))
                scores.append(ndcg(ranked, item["relevant"]))
            label = str(cap) if cap else "none"
            print(
                f"{name:<12} {label:>4}  {statistics.mean(docs):20.1f}  {statistics.mean(scores):.3f}"
            )
        kb.close()


if __name__ == "__main__":
    main()
