"""`kb charter check` on the charters of independent writers (corpus/charters/writers): precision,
recall and F1 of the findings, charters exactly right, and wrong "missing" claims (a code the
writer marked as clearly wrong for that charter), per writer.

    python bench/charter_writers.py                 # every writer under corpus/charters/writers
    python bench/charter_writers.py --show          # each charter's differences
    python bench/charter_writers.py --rules-only    # the rules alone, without the aspect model

writers t and u are held out (see corpus/charters/writers/README.md); the others may be tuned on.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

HELD_OUT = ("writer-t", "writer-u")


def score(folder: Path, show: bool, embedder: object) -> dict[str, float]:
    from kb.charter import check

    data = json.loads((folder / "expected.json").read_text("utf-8"))["charters"]
    tp = fp = fn = exact = wrong = 0
    for name, record in data.items():
        text = (folder / name).read_text("utf-8", errors="replace")
        got = {f.code for f in check(text, embedder=embedder)}
        want = set(record["expected"])
        tp, fp, fn = tp + len(got & want), fp + len(got - want), fn + len(want - got)
        exact += got == want
        bad = got & set(record.get("wrong") or [])
        wrong += len(bad)
        if show and got != want:
            print(
                f"  {name}: missing {sorted(want - got)} extra {sorted(got - want)} wrong {sorted(bad)}"
            )
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return {
        "charters": len(data),
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "precision": p,
        "recall": r,
        "f1": 2 * p * r / (p + r) if p + r else 0.0,
        "exact": exact,
        "wrong_claims": wrong,
        "wrong_per_charter": wrong / len(data),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--show", action="store_true")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--rules-only", action="store_true", help="without the aspect model")
    args = parser.parse_args()
    from kb.embeddings import make_embedder

    embedder = None if args.rules_only else make_embedder("onnx", cache_dir=None)
    base = ROOT / "corpus" / "charters" / "writers"
    results = {}
    for folder in sorted(p for p in base.iterdir() if (p / "expected.json").exists()):
        if args.show:
            print(folder.name)
        results[folder.name] = score(folder, args.show, embedder)
    if args.json:
        print(json.dumps(results, indent=1))
        return
    print(
        f"{'writer':<22}{'charters':>9}{'P':>6}{'R':>6}{'F1':>6}{'exact':>7}{'wrong':>7}{'/charter':>9}"
    )
    for name, r in results.items():
        mark = " (held out)" if name in HELD_OUT else ""
        print(
            f"{name + mark:<22}{r['charters']:>9}{r['precision']:>6.2f}{r['recall']:>6.2f}"
            f"{r['f1']:>6.2f}{r['exact']:>7}{r['wrong_claims']:>7}{r['wrong_per_charter']:>9.2f}"
        )


if __name__ == "__main__":
    main()
