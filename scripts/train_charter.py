"""Train the charter aspect model and write kb/data/charter-aspects.npz.

    python scripts/train_charter.py            # on writers d, e, f, g and n of corpus/charters/writers
    python scripts/train_charter.py --check    # also writer d scored by a model of writer e and back

writer-m is held out: `python bench/charter_writers.py` measures on it (g joined the
training set when it arrived, f when m and n had been written, n once it had been measured blind).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kb.charter_aspects import ASPECTS, MODEL_PATH  # noqa: E402
from kb.embeddings import make_embedder  # noqa: E402

TRAIN_WRITERS = ("writer-d", "writer-e", "writer-f", "writer-g", "writer-n")
C = 1.0  # 0.3 and 1.0 tried training on one writer and scoring the other; 1.0 withdrew more wrong claims


def rows(writer: str) -> list[dict]:
    path = ROOT / "corpus" / "charters" / "writers" / writer / "sentences.jsonl"
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def fit(x: np.ndarray, labelled: list[dict]):  # type: ignore[no-untyped-def]
    from sklearn.linear_model import LogisticRegression

    models = []
    for aspect in ASPECTS:
        y = np.array([aspect in r["aspects"] and r["state"] == "addressed" for r in labelled])
        models.append(
            LogisticRegression(C=C, max_iter=3000, class_weight="balanced").fit(x, y.astype(int))
        )
    return models


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    embedder = make_embedder("onnx", cache_dir=None)
    labelled = {w: rows(w) for w in TRAIN_WRITERS}
    vectors = {w: embedder.embed([r["text"] for r in labelled[w]]) for w in TRAIN_WRITERS}
    if args.check:
        for held, other in (("writer-d", "writer-e"), ("writer-e", "writer-d")):
            models = fit(vectors[other], labelled[other])
            for aspect, m in zip(ASPECTS, models, strict=True):
                y = np.array(
                    [aspect in r["aspects"] and r["state"] == "addressed" for r in labelled[held]]
                )
                pred = m.predict_proba(vectors[held])[:, 1] >= 0.7
                tp = int((pred & y).sum())
                print(
                    f"{held} by a model of {other}: {aspect:<18} "
                    f"P {tp / max(1, pred.sum()):.2f} R {tp / max(1, y.sum()):.2f}"
                )
    x = np.vstack([vectors[w] for w in TRAIN_WRITERS])
    models = fit(x, [r for w in TRAIN_WRITERS for r in labelled[w]])
    np.savez_compressed(
        MODEL_PATH,
        aspects=np.array(ASPECTS),
        model=np.array(embedder.name),
        w=np.vstack([m.coef_[0] for m in models]).astype(np.float32),
        b=np.array([m.intercept_[0] for m in models], dtype=np.float32),
    )
    print(f"wrote {MODEL_PATH} ({len(x)} labelled sentences)")


if __name__ == "__main__":
    main()
