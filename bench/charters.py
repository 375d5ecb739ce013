"""Charter findings against the expected codes of the 20 charters in corpus/charters: precision/recall.

Run on purpose:  python bench/charters.py [--show] [--rules-only]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", action="store_true", help="print each charter's differences")
    parser.add_argument(
        "--rules-only", action="store_true", help="without the aspect model (the rules alone)"
    )
    args = parser.parse_args()
    from kb.charter import CODES, check
    from kb.embeddings import make_embedder

    embedder = None if args.rules_only else make_embedder("onnx", cache_dir=None)

    counts = {c: {"tp": 0, "fp": 0, "fn": 0} for c in CODES}
    exact = 0
    total = 0
    for folder in (ROOT / "corpus" / "charters", ROOT / "corpus" / "charters" / "extra"):
        expected = json.loads((folder / "expected.json").read_text())
        for name, codes in expected.items():
            text = (folder / name).read_text("utf-8")
            got = {x.code for x in check(text, embedder=embedder)}
            want = set(codes)
            total += 1
            exact += got == want
            for c in CODES:
                key = (
                    "tp"
                    if c in got and c in want
                    else "fp"
                    if c in got
                    else "fn"
                    if c in want
                    else None
                )
                if key:
                    counts[c][key] += 1
            if args.show and got != want:
                print(
                    f"{folder.name}/{name}: missing {sorted(want - got)} extra {sorted(got - want)}"
                )
    print(f"{total} charters, {exact} with exactly the expected codes")
    print(f"{'code':<32} {'P':>5} {'R':>5}  tp fp fn")
    tp = fp = fn = 0
    for c, k in counts.items():
        p = k["tp"] / (k["tp"] + k["fp"]) if k["tp"] + k["fp"] else 0.0
        r = k["tp"] / (k["tp"] + k["fn"]) if k["tp"] + k["fn"] else 0.0
        tp, fp, fn = tp + k["tp"], fp + k["fp"], fn + k["fn"]
        print(f"{c:<32} {p:5.2f} {r:5.2f}  {k['tp']:>2} {k['fp']:>2} {k['fn']:>2}")
    print(f"{'micro':<32} {tp / (tp + fp):5.2f} {tp / (tp + fn):5.2f}")


if __name__ == "__main__":
    main()
