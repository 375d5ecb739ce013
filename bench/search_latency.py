"""Search latency, in process, at 1k, 10k and 100k units built from real text (../shared/corpora).

Run on purpose:  python bench/search_latency.py [--sizes 1000 10000 100000] [--work /tmp/kb-bench]
Units are the paragraphs, items and records of the shared corpora as the ingesters cut them; past
their number (about 49k), multi-sentence units are also split into sentences, still real text.
Texts are embedded once (cached as .npy in --work); each store is then built through
KnowledgeBase.add with those vectors. Latency includes embedding the query.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "corpora"
SUFFIXES = {".md", ".txt", "", ".jsonl", ".json", ".csv"}


def real_units(limit: int) -> list[tuple[str, str, str]]:
    """(source, title, text) triples from the shared corpora, then sentence splits to reach limit."""
    import ingest

    units: list[tuple[str, str, str]] = []
    for path in sorted(SHARED.rglob("*")):
        if (
            not path.is_file()
            or path.suffix.lower() not in SUFFIXES
            or path.stat().st_size > 20_000_000
        ):
            continue
        try:
            docs = ingest.parse_document(path.read_bytes(), source=str(path))
        except Exception:  # noqa: BLE001 - a benchmark reads whatever parses
            continue
        for doc in docs:
            units += [(doc.source, doc.title, u.text) for u in doc.units if len(u.text) > 20]
    if len(units) < limit:
        extra = []
        for source, title, text in units:
            parts = [p for p in re.split(r"(?<=[.!?])\s+", text) if len(p) > 30]
            if len(parts) > 1:
                extra += [(f"{source}#s{i}", title, p) for i, p in enumerate(parts)]
        units += extra
    if len(units) < limit:  # then clauses of long sentences, still real text
        clauses = []
        for source, title, text in units:
            parts = [p for p in re.split(r";\s+|\s+[—–-]\s+|:\s+", text) if len(p) > 40]
            if len(parts) > 1:
                clauses += [(f"{source}#c{i}", title, p) for i, p in enumerate(parts)]
        units += clauses
    return units[:limit]


def build(n: int, work: Path, embedder) -> Path:  # type: ignore[no-untyped-def]
    from kb import KnowledgeBase, Settings
    from kb.records import ParsedDocument, Unit
    from kb.vectors import unit_input

    db = work / f"units-{n}.db"
    if db.exists():
        return db
    units = real_units(n)
    cache = work / f"vectors-{n}.npy"
    texts = [unit_input(title, Unit("other", text, title, 1, 1)) for _, title, text in units]
    vectors = np.load(cache) if cache.exists() else np.zeros((0, embedder.dim), dtype=np.float32)
    if len(vectors) < len(texts):  # the texts come in a fixed order, so a shorter cache is a prefix
        started = time.perf_counter()
        rest = embedder.embed(texts[len(vectors) :])
        print(f"  embedded {len(rest)} texts in {time.perf_counter() - started:.0f} s", flush=True)
        vectors = np.vstack([vectors, rest])
        np.save(cache, vectors)

    kb = KnowledgeBase(Settings(db=db, tagger="cues", embedder="onnx"))
    kb._embedder = embedder
    per_doc = 20
    for start in range(0, len(units), per_doc):
        chunk = units[start : start + per_doc]
        title = chunk[0][1]
        body = "\n".join(t for _, _, t in chunk)
        doc = ParsedDocument(
            source=f"{chunk[0][0]}@{start}",
            format="markdown",
            encoding="utf-8",
            content_hash=f"{start:012d}" + str(hash(body))[-20:],
            text=body,
            title=title,
            kind="postmortem",
            units=[Unit("other", t, title, i + 1, i + 1) for i, (_, _, t) in enumerate(chunk)],
        )
        vec = np.vstack([vectors[start : start + len(chunk)], vectors[start : start + 1]])
        kb.add(doc, source_key=doc.source, vectors=vec)
    kb.close()
    return db


def queries() -> list[str]:
    lines = (ROOT / "corpus" / "eval" / "queries.jsonl").read_text().splitlines()
    return [json.loads(line)["query"] for line in lines if line.strip()]


def measure(db: Path, embedder, qs: list[str], mode: str, filters=None) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    from kb import KnowledgeBase, Settings

    kb = KnowledgeBase(Settings(db=db, tagger="cues", embedder="onnx"))
    kb._embedder = embedder
    kb.prepare_search()  # a long-lived process's steady state: index open, postings built
    kb.search(qs[0], mode=mode, filters=filters)
    times = []
    for _ in range(3):
        for q in qs:
            started = time.perf_counter()
            kb.search(q, mode=mode, limit=10, filters=filters)
            times.append((time.perf_counter() - started) * 1000)
    kb.close()
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--work", type=Path, default=Path("/tmp/kb-bench"))
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    from kb.embeddings import make_embedder

    embedder = make_embedder("onnx")
    embedder.embed(["warm up"])
    qs = queries()
    started = time.perf_counter()
    for _ in range(3):
        for q in qs:
            embedder.embed([q])
    query_embed = (time.perf_counter() - started) * 1000 / (3 * len(qs))
    print(
        f"query embedding alone: {query_embed:.1f} ms mean ({embedder.name}, {type(embedder).__name__})"
    )
    print(f"{'units':>7} {'mode':<8} {'p50 ms':>7} {'p95 ms':>7}")
    for n in args.sizes:
        db = build(n, args.work, embedder)
        for mode in ("hybrid", "dense", "bm25"):
            p50, p95 = measure(db, embedder, qs, mode)
            print(f"{n:>7} {mode:<8} {p50:7.1f} {p95:7.1f}", flush=True)
        p50, p95 = measure(db, embedder, qs, "hybrid", {"kind": ["postmortem"]})
        print(f"{n:>7} {'hybrid+filter':<8} {p50:7.1f} {p95:7.1f}", flush=True)


if __name__ == "__main__":
    main()
