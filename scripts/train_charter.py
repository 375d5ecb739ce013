"""Train the charter aspect model and write kb/data/charter-aspects.npz.

    python scripts/train_charter.py            # on writers d, e, f, g, m and n of corpus/charters/writers
    python scripts/train_charter.py --check    # also writer d scored by a model of writer e and back
    python scripts/train_charter.py --lowo     # each writer's review by a model of the others (no write)

Writers t and u are held out: `python bench/charter_writers.py` measures on them (g joined the
training set when it arrived, f when m and n had been written, n once it had been measured blind,
m when r and s arrived, r and s once measured blind). `--lowo` is the figure to tune on: each
training writer scored by a model of the others.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kb.charter_aspects import ASPECTS, MENTIONED, MODEL_PATH  # noqa: E402
from kb.embeddings import make_embedder  # noqa: E402

TRAIN_WRITERS = (
    "writer-d",
    "writer-e",
    "writer-f",
    "writer-g",
    "writer-m",
    "writer-n",
    "writer-r",
    "writer-s",
)
C = 1.0  # 0.3 and 1.0 tried training on one writer and scoring the other; 1.0 withdrew more wrong claims


def rows(writer: str) -> list[dict]:
    path = ROOT / "corpus" / "charters" / "writers" / writer / "sentences.jsonl"
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def label(row: dict, aspect: str) -> bool:
    """Addresses the aspect; for a "mentioned" head, addresses or vaguely mentions its aspect."""
    mentioned = {v: k for k, v in MENTIONED.items()}
    if aspect in mentioned:
        return mentioned[aspect] in row["aspects"] and row["state"] in ("addressed", "weak")
    return aspect in row["aspects"] and row["state"] == "addressed"


def fit(x: np.ndarray, labelled: list[dict]):  # type: ignore[no-untyped-def]
    from sklearn.linear_model import LogisticRegression

    models = []
    for aspect in ASPECTS:
        y = np.array([label(r, aspect) for r in labelled])
        models.append(
            LogisticRegression(C=C, max_iter=3000, class_weight="balanced").fit(x, y.astype(int))
        )
    return models


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--lowo", action="store_true", help="leave one writer out; writes nothing")
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
    if args.lowo:
        lowo(labelled, vectors, embedder)
        return
    n = save(MODEL_PATH, TRAIN_WRITERS, labelled, vectors, embedder.name)
    print(f"wrote {MODEL_PATH} ({n} labelled sentences)")


def save(path: Path, writers, labelled, vectors, model_name: str) -> int:  # type: ignore[no-untyped-def]
    x = np.vstack([vectors[w] for w in writers])
    models = fit(x, [r for w in writers for r in labelled[w]])
    np.savez_compressed(
        path,
        aspects=np.array(ASPECTS),
        model=np.array(model_name),
        w=np.vstack([m.coef_[0] for m in models]).astype(np.float32),
        b=np.array([m.intercept_[0] for m in models], dtype=np.float32),
    )
    return len(x)


def lowo(labelled, vectors, embedder) -> None:  # type: ignore[no-untyped-def]
    """Each training writer scored by a model of the others: the figure to tune the review on."""
    import tempfile

    import kb.charter_aspects as ca

    sys.path.insert(0, str(ROOT / "bench"))
    from charter_writers import score

    total = {"tp": 0.0, "fp": 0.0, "fn": 0.0, "exact": 0, "wrong": 0, "charters": 0}
    with tempfile.TemporaryDirectory() as tmp:
        for held in TRAIN_WRITERS:
            path = Path(tmp) / f"{held}.npz"
            save(path, [w for w in TRAIN_WRITERS if w != held], labelled, vectors, embedder.name)
            ca.aspect_model = lambda path=path: ca.AspectModel(path)  # type: ignore[assignment]
            r = score(ROOT / "corpus" / "charters" / "writers" / held, False, embedder)
            print(
                f"{held:<10} P {r['precision']:.2f} R {r['recall']:.2f} F1 {r['f1']:.2f} "
                f"exact {r['exact']:>2} wrong {r['wrong_claims']:>2}"
            )
            for k in ("tp", "fp", "fn"):
                total[k] += r[k]
            total["exact"] += r["exact"]
            total["wrong"] += r["wrong_claims"]
            total["charters"] += r["charters"]
    p = total["tp"] / max(1, total["tp"] + total["fp"])
    rc = total["tp"] / max(1, total["tp"] + total["fn"])
    print(
        f"{'pooled':<10} P {p:.3f} R {rc:.3f} F1 {2 * p * rc / max(1e-9, p + rc):.3f} "
        f"exact {total['exact']}/{total['charters']} wrong {total['wrong'] / total['charters']:.2f}/charter"
    )


if __name__ == "__main__":
    main()
