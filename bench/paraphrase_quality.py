"""Search quality on queries written from topic briefs only, over documents nobody here wrote.

The queries (bench/paraphrase/queries.jsonl) were written by a writer who saw only the briefs in
bench/paraphrase/briefs.md, never the documents: two per brief, one short and keyword-like (`a`),
one a full question (`b`). The documents are those of bench/shared_quality.py (NASA lessons,
company postmortems), the AI Incident Database's incidents, and the held-out documents of the
reading evaluation (corpus/reading/writer-c). Run on purpose, in steps:

  python bench/paraphrase_quality.py build    # the store, in --work
  python bench/paraphrase_quality.py pool     # top 10 documents of every system per query
                                              # -> --work/paraphrase-pool.jsonl (for the judges)
  (judge the pool: bench/paraphrase/judgments.jsonl, graded 0/1/2 per document)
  python bench/paraphrase_quality.py score    # nDCG@10 of every system, all / short / long

Systems: the product's hybrid, dense and BM25 modes, and a plain dense baseline that scores each
document by its best 200-word chunk (MiniLM on the chunk text alone; vectors cached in --work).
The judgments also grade the documents bench/txtai_baseline.py and later rankings brought into a
top 10 (judged the same way, by other judges), so every system's top 10 is judged.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
HERE = ROOT / "bench" / "paraphrase"
SHARED = ROOT.parent / "shared" / "corpora"
CHUNK_WORDS = 200
SYSTEMS = ("hybrid", "dense", "bm25", "chunks")


def queries() -> list[dict[str, str]]:
    return [json.loads(x) for x in (HERE / "queries.jsonl").read_text().splitlines() if x.strip()]


def open_kb(work: Path):  # noqa: ANN201
    from kb import KnowledgeBase, Settings

    return KnowledgeBase(Settings(db=work / "paraphrase.db", max_file_bytes=50_000_000))


def build(work: Path) -> None:
    from shared_quality import sources

    from ingest import parse_mapping

    kb = open_kb(work)
    held_out = sorted(str(p) for p in (ROOT / "corpus/reading/writer-c/docs").iterdir())
    report = kb.ingest_paths(sources() + held_out)
    print(
        f"{report.count('added')} added, {report.count('failed')} failed in {report.seconds:.0f} s"
    )
    mapping = parse_mapping(["title=title", "summary=description", "date=date"])
    report = kb.ingest_paths(
        [str(SHARED / "aiid" / "incidents.csv")], mapping=mapping, action="import-table"
    )
    print(f"AIID: {report.count('added')} added, {report.count('failed')} failed")
    print(f"{kb.store.count('documents')} documents, {kb.store.count('units')} units")
    kb.close()


def chunk_index(kb, work: Path) -> tuple[list[str], np.ndarray]:  # noqa: ANN001
    """(document key per chunk, chunk vectors): every live document cut into 200-word chunks."""
    from kb.evaluation import _doc_key

    keys_file, vectors_file = work / "paraphrase-chunks.json", work / "paraphrase-chunks.npy"
    if keys_file.exists() and vectors_file.exists():
        return json.loads(keys_file.read_text()), np.load(vectors_file)
    keys: list[str] = []
    texts: list[str] = []
    for doc in kb.store.iter_documents():
        if doc.get("superseded_by"):
            continue
        body = doc.get("text") or doc.get("body") or ""
        words = f"{doc['title']}\n{body}".split()
        for start in range(0, max(len(words), 1), CHUNK_WORDS):
            keys.append(_doc_key(doc["source"]))
            texts.append(" ".join(words[start : start + CHUNK_WORDS]))
    started = time.perf_counter()
    vectors = kb.embedder.embed(texts)
    print(f"embedded {len(texts)} chunks in {time.perf_counter() - started:.0f} s", flush=True)
    keys_file.write_text(json.dumps(keys))
    np.save(vectors_file, vectors)
    return keys, vectors


def ranked(kb, system: str, query: str, chunks, k: int = 10) -> list[str]:  # noqa: ANN001
    from kb.evaluation import ranked_documents

    if system != "chunks":
        return ranked_documents(kb.search(query, limit=100, mode=system)["hits"], k)
    keys, vectors = chunks
    sims = vectors @ kb.embedder.embed([query])[0]
    out: list[str] = []
    for i in np.argsort(-sims):
        if keys[i] not in out:
            out.append(keys[i])
            if len(out) == k:
                break
    return out


def pool(work: Path) -> None:
    kb = open_kb(work)
    chunks = chunk_index(kb, work)
    by_key = {}
    for doc in kb.store.iter_documents():
        if not doc.get("superseded_by"):
            from kb.evaluation import _doc_key

            by_key[_doc_key(doc["source"])] = doc
    with (work / "paraphrase-pool.jsonl").open("w") as out:
        for item in queries():
            pooled: dict[str, dict[str, object]] = {}
            for system in SYSTEMS:
                for key in ranked(kb, system, item["query"], chunks):
                    doc = by_key.get(key, {})
                    entry = pooled.setdefault(
                        key,
                        {
                            "document": key,
                            "title": doc.get("title", ""),
                            "excerpt": (doc.get("text") or doc.get("body") or "")[:1500],
                        },
                    )
                    entry.setdefault("systems", []).append(system)  # type: ignore[union-attr]
            row = {"id": item["id"], "query": item["query"], "pool": list(pooled.values())}
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"pooled {len(queries())} queries into {work / 'paraphrase-pool.jsonl'}")
    kb.close()


def score(work: Path) -> None:
    from kb.evaluation import ndcg

    judged = {
        j["id"]: j["relevant"]
        for j in (json.loads(x) for x in (HERE / "judgments.jsonl").read_text().splitlines() if x)
        if any(g > 0 for g in j["relevant"].values())  # a query nothing answers ranks no system
    }
    kb = open_kb(work)
    chunks = chunk_index(kb, work)
    print(f"{len(judged)} judged queries; nDCG@10 (all / short `a` / long `b`)")
    by_query: dict[str, dict[str, float]] = {}
    for system in SYSTEMS:
        scores: dict[str, list[float]] = {"all": [], "a": [], "b": []}
        unjudged = 0
        for item in queries():
            if item["id"] not in judged:
                continue
            got = ranked(kb, system, item["query"], chunks)
            unjudged += sum(1 for d in got if d not in judged[item["id"]])
            value = ndcg(got, judged[item["id"]])
            by_query.setdefault(system, {})[item["id"]] = value
            scores["all"].append(value)
            scores[item["id"][-1]].append(value)
        cells = " / ".join(f"{statistics.mean(v):.3f}" for v in scores.values() if v)
        print(f"  {system:<7} {cells}   unjudged in top 10: {unjudged}")
    kb.close()
    others = work / "txtai-per-query.json"  # written by bench/txtai_baseline.py
    if others.exists():
        for label, theirs in json.loads(others.read_text()).items():
            print(f"  hybrid - {label}: {paired(by_query['hybrid'], theirs)}")
    print(f"  hybrid - chunks: {paired(by_query['hybrid'], by_query['chunks'])}")


def paired(ours: dict[str, float], theirs: dict[str, float]) -> str:
    """The mean per-query difference and its 95% bootstrap interval (10,000 resamples)."""
    common = sorted(set(ours) & set(theirs))
    diffs = np.array([ours[q] - theirs[q] for q in common])
    rng = np.random.default_rng(0)
    means = diffs[rng.integers(0, len(diffs), (10_000, len(diffs)))].mean(axis=1)
    low, high = np.percentile(means, [2.5, 97.5])
    wins = int((diffs > 0).sum())
    losses = int((diffs < 0).sum())
    return (
        f"{diffs.mean():+.3f} (95% interval {low:+.3f} to {high:+.3f}; "
        f"{wins} queries better, {losses} worse of {len(common)})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("step", choices=["build", "pool", "score"])
    parser.add_argument("--work", type=Path, default=Path("/tmp/kb-bench"))
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    {"build": build, "pool": pool, "score": score}[args.step](args.work)


if __name__ == "__main__":
    main()
