"""Train the outcome and phase heads (kb/data/reader-facts.npz) on the training writers.

    python scripts/train_fact_heads.py            # train and write the model
    python scripts/train_fact_heads.py --check    # also each training writer scored by a model of the others

The passage head learns from `outcome-evidence.jsonl` (the sentences that state a document's outcome,
and decoys that only look like it). `--check` scores the expected outcomes of each training writer
with a head that never saw that writer, filling in where the cue rules are silent. The held-out
reading writers (f, g, p, q) are never read here: `python bench/reading.py` measures them.
"""

from __future__ import annotations

import argparse
import json
import pickle
import sys
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from train_reader import fit, padded  # noqa: E402  (the same linear models as the role reader)

from kb.reading.fact_heads import (  # noqa: E402
    FACT_CLASSES,
    FACT_FIELDS,
    MODEL_PATH,
    PASSAGE_FEATURES,
    passage_features,
)
from kb.reading.labels import LabelledSet, contains  # noqa: E402

TRAIN_WRITERS = ("writer-a", "writer-b", "writer-c", "writer-h", "writer-i", "writer-j", "writer-k")
SCALE = 3.0
OTHER_WEIGHT = 0.3  # a unit no evidence line names is probably silent on the outcome, not surely
C_UNIT = 0.3  # 0.1-1 tried leaving each writer out: flat


def load_documents(cache: Path | None) -> list[tuple[str, str, object, np.ndarray]]:
    """(writer, file name, read document, unit vectors) for every training writer's document."""
    if cache and cache.exists():
        rows = pickle.loads(cache.read_bytes())
        return [r for r in rows if r[0] in TRAIN_WRITERS]
    import tempfile

    from kb import KnowledgeBase, Settings
    from kb.ingesting import parse_bytes
    from kb.reading import facts

    facts.MODEL_SURE = {
        fact: 2.0 for fact in facts.MODEL_SURE
    }  # the rules' own answer: the head must not learn from itself

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        kb = KnowledgeBase(Settings(db=Path(tmp) / "r.db"))
        for writer in TRAIN_WRITERS:
            labelled = LabelledSet.load(ROOT / "corpus" / "reading" / writer)
            for name in labelled.expected:
                path = labelled.docs / name
                parsed, _ = parse_bytes(
                    path.read_bytes(), source=str(path), source_key=None, max_bytes=10**8
                )
                docs = [d for d, _ in parsed]
                for doc, vectors in zip(docs, kb.embed_and_read(docs), strict=True):
                    rows.append((writer, name, doc, vectors[:-1]))
            print(f"read {writer}", file=sys.stderr)
        kb.close()
    if cache:
        cache.write_bytes(pickle.dumps(rows))
    return rows


def evidence(writer: str, fact: str) -> dict[str, list[dict]]:
    """file name -> the writer's evidence lines (and decoys) about one fact."""
    path = ROOT / "corpus" / "reading" / writer / "outcome-evidence.jsonl"
    out: dict[str, list[dict]] = {}
    if path.exists():
        for line in path.read_text("utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                if row["about"] == fact:
                    out.setdefault(row["file"], []).append(row)
    return out


def unit_labels(doc, rows: list[dict]) -> dict[int, tuple[str, float]]:  # type: ignore[no-untyped-def]
    """unit index -> (class, weight): named evidence, decoys, and the rest as weak `none`."""
    labels: dict[int, tuple[str, float]] = {
        i: ("none", OTHER_WEIGHT) for i in range(len(doc.units))
    }
    for row in sorted(rows, key=lambda r: r["label"] != "none"):  # evidence overrides a decoy
        for i, unit in enumerate(doc.units):
            if contains(unit.text, row["text"]):
                labels[i] = (row["label"], 1.0)
    return labels


EXPECTED = {"outcome": "outcome", "phase": "phase"}  # fact -> expected.json key


def rule_answer(doc, fact: str) -> tuple[str | None, bool, str | None]:  # type: ignore[no-untyped-def]
    """(the cue rules' answer, whether it is only a handoff's default, a declared answer)."""
    entry = doc.fields.get(FACT_FIELDS[fact]) or {}
    value = entry.get("value")
    inferred = (entry.get("source") or {}).get("via") == "inferred"
    return (value if inferred else None), bool(entry.get("default")), (None if inferred else value)


def probs(model, x: np.ndarray, classes: tuple[str, ...]) -> np.ndarray:  # type: ignore[no-untyped-def]
    w, b = padded(model, classes)
    logits = x @ w.T + b
    logits -= logits.max(axis=1, keepdims=True)
    p = np.exp(logits)
    return p / p.sum(axis=1, keepdims=True)  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true")
    parser.add_argument(
        "--cache", type=Path, default=None, help="reuse parsed documents (a pickle)"
    )
    args = parser.parse_args()
    rows = load_documents(args.cache)
    expected = {
        w: LabelledSet.load(ROOT / "corpus" / "reading" / w).expected for w in TRAIN_WRITERS
    }
    unit_x = [np.hstack([np.asarray(v) * SCALE, passage_features(d.units)]) for _, _, d, v in rows]
    saved: dict[str, np.ndarray] = {}
    for fact, classes in FACT_CLASSES.items():
        ux, uy, uw, ug = [], [], [], []
        for (writer, name, doc, _), x in zip(rows, unit_x, strict=True):
            ev = evidence(writer, fact).get(name)
            for i, (label, weight) in unit_labels(doc, ev or []).items() if ev else ():
                ux.append(x[i])
                uy.append(label)
                uw.append(weight)
                ug.append(writer)
        ux_a, uy_a, uw_a, ug_a = np.array(ux), np.array(uy), np.array(uw), np.array(ug)
        print(f"{fact}: {len(uy)} passages, {Counter(uy).most_common()}", file=sys.stderr)
        if args.check:
            check(fact, rows, unit_x, expected, (ux_a, uy_a, uw_a, ug_a))
        saved[f"w_{fact}"], saved[f"b_{fact}"] = padded(fit(ux_a, uy_a, uw_a, C_UNIT), classes)
    from kb.embeddings import make_embedder

    np.savez_compressed(
        MODEL_PATH,
        model=np.array(make_embedder("onnx", cache_dir=None).name),
        scale=np.array(SCALE),
        passage_features=np.array(PASSAGE_FEATURES),
        **saved,
    )
    print(f"wrote {MODEL_PATH}")


def check(fact, rows, unit_x, expected, data) -> None:  # type: ignore[no-untyped-def]
    """Each training writer's documents, scored with a head that never saw that writer."""
    ux, uy, uw, ug = data
    classes = FACT_CLASSES[fact]
    heads = {w: fit(ux[ug != w], uy[ug != w], uw[ug != w], C_UNIT) for w in TRAIN_WRITERS}
    for sure in (0.4, 0.5, 0.6, 0.7):
        right, rules_right, filled = Counter(), Counter(), 0
        for (writer, name, doc, _), x in zip(rows, unit_x, strict=True):
            p = probs(heads[writer], x, classes)[:, :-1]
            i, j = np.unravel_index(int(p.argmax()), p.shape)
            rule, default, declared = rule_answer(doc, fact)
            said = declared or (None if default else rule)
            answer = said or (rule if default else "unknown")
            want = expected[writer][name][EXPECTED[fact]]
            rules_right[writer] += answer == want
            if said is None and p[i, j] >= sure:
                answer, filled = classes[int(j)], filled + 1
            right[writer] += answer == want
        n = len(rows)
        print(
            f"{fact}, sure >= {sure}: right {sum(right.values()) / n:.3f} leaving each writer "
            f"out (rules alone {sum(rules_right.values()) / n:.3f}; {filled} filled) "
            + " ".join(f"{w[-1]} {rules_right[w]}->{right[w]}" for w in TRAIN_WRITERS)
        )


if __name__ == "__main__":
    main()
