"""Suggestion quality of the charter assistant: nDCG@10 against judged suggestions for the 20 charters.

Run on purpose, in steps (the store is the shipped corpus, e.g. the default store or --db):
  python bench/charter_suggestions.py pool --db STORE     # top 10 per charter -> bench/charter-pool.jsonl
  (judge each pooled suggestion 0/1/2: bench/charter-judgments.jsonl, {"charter", "grades": {unit: g}})
  python bench/charter_suggestions.py score --db STORE    # nDCG@10 and precision@10 of the ranking
Judgments are keyed by unit text's document file and section, so they survive re-ingesting.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def charters() -> list[Path]:
    base = ROOT / "corpus" / "charters"
    return sorted(
        p
        for p in list(base.glob("*.md")) + list((base / "extra").glob("x-*"))
        if p.suffix in (".md", ".txt")
    )


def key(s: dict) -> str:
    return f"{Path(s['source']).name}|{s['section']}|{s['text'][:80]}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("step", choices=["pool", "score"])
    parser.add_argument("--db", type=Path, required=True)
    args = parser.parse_args()
    from kb import KnowledgeBase, Settings
    from kb.charter import review

    kb = KnowledgeBase(Settings(db=args.db))
    if args.step == "pool":
        with (ROOT / "bench" / "charter-pool.jsonl").open("w") as out:
            for path in charters():
                result = review(kb, path.read_text("utf-8"), limit=10)
                out.write(
                    json.dumps(
                        {
                            "charter": path.name,
                            "findings": [f["code"] for f in result["findings"]],
                            "suggestions": [
                                {
                                    "key": key(s),
                                    "title": s["title"],
                                    "kind": s["kind"],
                                    "text": s["text"][:500],
                                    "why": s["why"],
                                }
                                for s in result["suggestions"]
                            ],
                        }
                    )
                    + "\n"
                )
        print(f"pooled {len(charters())} charters into bench/charter-pool.jsonl")
        return
    judged = {}
    for line in (ROOT / "bench" / "charter-judgments.jsonl").read_text().splitlines():
        item = json.loads(line)
        judged[item["charter"]] = item["grades"]
    ndcgs, precisions = [], []
    unjudged = shown = 0
    for path in charters():
        grades = judged.get(path.name)
        if grades is None:
            continue
        ranked = [key(s) for s in review(kb, path.read_text("utf-8"), limit=10)["suggestions"]]
        gains = [grades.get(k, 0) for k in ranked]
        unjudged += sum(1 for k in ranked if k not in grades)
        shown += len(ranked)
        dcg = sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(gains))
        ideal = sorted(grades.values(), reverse=True)[:10]
        idcg = sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
        ndcgs.append(dcg / idcg if idcg else 0.0)
        precisions.append(sum(1 for g in gains if g > 0) / max(len(gains), 1))
    print(
        f"{len(ndcgs)} charters judged: nDCG@10 {sum(ndcgs) / len(ndcgs):.3f}, "
        f"precision@10 (grade >= 1) {sum(precisions) / len(precisions):.3f}; "
        f"{unjudged} of {shown} suggestions unjudged (counted as 0)"
    )


if __name__ == "__main__":
    main()
