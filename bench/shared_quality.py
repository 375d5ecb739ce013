"""Search quality on real documents nobody here wrote: NASA lessons learned and public postmortems.

Run on purpose, in three steps:
  python bench/shared_quality.py build              # store in --work from ../shared/corpora
  python bench/shared_quality.py pool               # top 10 documents of hybrid, dense and BM25 per
                                                    # query in bench/shared-queries.jsonl -> bench/shared-pool.jsonl
  (judge the pool: bench/shared-judgments.jsonl, graded 0/1/2 per document)
  kb --db /tmp/kb-bench/shared-quality.db eval bench/shared-judgments.jsonl
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "corpora"
FOLDERS = (
    "dfds-postmortems",
    "posthog-postmortems",
    "chia-postmortems",
    "icco-postmortems",
    "postmortem-templates",
)


def sources() -> list[str]:
    out = [str(SHARED / "nasa-llis" / "derived_llis_lessons_dedup.jsonl")]
    for folder in FOLDERS:
        out += sorted(str(p) for p in (SHARED / folder).rglob("*.md") if p.name != "README.md")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("step", choices=["build", "pool"])
    parser.add_argument("--work", type=Path, default=Path("/tmp/kb-bench"))
    args = parser.parse_args()
    from kb import KnowledgeBase, Settings
    from kb.evaluation import _doc_key

    args.work.mkdir(parents=True, exist_ok=True)
    db = args.work / "shared-quality.db"
    kb = KnowledgeBase(Settings(db=db, max_file_bytes=50_000_000))
    if args.step == "build":
        report = kb.ingest_paths(sources())
        print(
            f"{report.count('added')} added, {report.count('unchanged')} duplicates, "
            f"{report.count('failed')} failed, {kb.store.count('units')} units in {report.seconds:.0f} s"
        )
        kb.close()
        return
    queries = [
        json.loads(line)
        for line in (ROOT / "bench" / "shared-queries.jsonl").read_text().splitlines()
    ]
    with (ROOT / "bench" / "shared-pool.jsonl").open("w") as out:
        for item in queries:
            pooled: dict[str, dict[str, object]] = {}
            for mode in ("hybrid", "dense", "bm25"):
                seen: list[str] = []
                for hit in kb.search(item["query"], limit=100, mode=mode)["hits"]:
                    key = _doc_key(hit["source"])
                    if key in seen:
                        continue
                    seen.append(key)
                    entry = pooled.setdefault(
                        key,
                        {
                            "document": key,
                            "title": hit["title"],
                            "modes": [],
                            "best_unit": hit["text"][:600],
                        },
                    )
                    entry["modes"].append(mode)  # type: ignore[union-attr]
                    if len(seen) == 10:
                        break
            for key, entry in pooled.items():
                doc = kb.store.conn.execute(  # type: ignore[attr-defined]
                    "SELECT summary, body FROM documents WHERE source LIKE ? AND superseded_by IS NULL LIMIT 1",
                    ["%" + key.split("#")[0] + ("#" + key.split("#")[1] if "#" in key else "")],
                ).fetchone()
                entry["excerpt"] = (doc[1] if doc else "")[:1500]
            out.write(
                json.dumps(
                    {"id": item["id"], "query": item["query"], "pool": list(pooled.values())}
                )
                + "\n"
            )
    print(f"pooled {len(queries)} queries into bench/shared-pool.jsonl")
    kb.close()


if __name__ == "__main__":
    main()
