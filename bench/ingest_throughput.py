"""Ingest throughput against the embedder's raw throughput on the same texts.

Run on purpose:  python bench/ingest_throughput.py [--tagger hybrid|cues] [--shared]
Raw: the same unit and document texts that ingest embeds, in one embed() call on a warm model.
Ingest: `KnowledgeBase.ingest_paths` on a fresh store with the same warm embedder and tagger:
parsing, tagging, SQLite writes, FTS, FAISS and the index file included.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "corpora"


def files(shared: bool) -> list[Path]:
    out = sorted(p for p in (ROOT / "corpus" / "postmortems").iterdir()) + sorted(
        (ROOT / "corpus" / "handoffs").iterdir()
    )
    if shared and SHARED.is_dir():
        for folder in (
            "dfds-postmortems",
            "posthog-postmortems",
            "chia-postmortems",
            "postmortem-templates",
        ):
            out += sorted(p for p in (SHARED / folder).rglob("*.md") if p.name != "README.md")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tagger", default="hybrid", choices=["hybrid", "cues"])
    parser.add_argument(
        "--shared", action="store_true", help="add the Markdown postmortems of ../shared"
    )
    args = parser.parse_args()

    import ingest
    from kb import KnowledgeBase, Settings
    from kb.tagger import make_tagger
    from kb.vectors import document_input, unit_input

    paths = files(args.shared)
    texts: list[str] = []
    seen: set[str] = set()
    for path in paths:
        try:
            docs = ingest.parse_document(path.read_bytes(), source=str(path))
        except ingest.IngestError:
            continue
        for doc in docs:
            if doc.content_hash in seen:
                continue
            seen.add(doc.content_hash)
            texts += [unit_input(doc.title, u) for u in doc.units] + [document_input(doc)]

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(db=Path(tmp) / "bench.db", tagger=args.tagger)
        kb = KnowledgeBase(settings)
        embedder = kb.embedder
        embedder.embed(["warm up"])
        kb._tagger = make_tagger(args.tagger, lambda: embedder)  # trained before the clock starts
        started = time.perf_counter()
        embedder.embed(texts)
        raw = time.perf_counter() - started

        started = time.perf_counter()
        report = kb.ingest_paths([str(p) for p in paths])
        total = time.perf_counter() - started
        vectors = kb.store.count("vectors")
        kb.close()

    print(
        f"{len(paths)} files, {report.count('added')} documents, {vectors} texts embedded "
        f"(units + documents), embedder {embedder.name} via {type(embedder).__name__}, tagger {args.tagger}"
    )
    print(f"raw embedding : {raw:7.2f} s  {len(texts) / raw:8.1f} texts/s")
    print(f"full ingest   : {total:7.2f} s  {vectors / total:8.1f} texts/s")
    print(f"parsing, tagging and storage on top of embedding: {100 * (total - raw) / raw:.0f}%")


if __name__ == "__main__":
    main()
