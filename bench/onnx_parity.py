"""Do the ONNX fast path and sentence-transformers give the same vectors? Mean and min cosine.

Run on purpose:  python bench/onnx_parity.py
Texts: every unit and document text of the shipped corpus, as ingest embeds them.
"""

from __future__ import annotations

import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    import ingest
    from kb.embeddings import make_embedder
    from kb.vectors import document_input, unit_input

    texts: list[str] = []
    for folder in ("postmortems", "handoffs"):
        for path in sorted((ROOT / "corpus" / folder).iterdir()):
            for doc in ingest.parse_document(path.read_bytes(), source=str(path)):
                texts += [unit_input(doc.title, u) for u in doc.units] + [document_input(doc)]
    rows = []
    for name in ("sentence-transformers", "onnx"):
        embedder = make_embedder(name)
        embedder.embed(["warm up", "twice"])
        started = time.perf_counter()
        rows.append((name, embedder.embed(texts), time.perf_counter() - started))
    cosines = (rows[0][1] * rows[1][1]).sum(axis=1)
    for name, _, seconds in rows:
        print(f"{name:<22} {len(texts) / seconds:7.1f} texts/s")
    print(f"{len(texts)} texts: mean cosine {cosines.mean():.7f}, min {cosines.min():.7f}")


if __name__ == "__main__":
    main()
