"""Reading quality: records of the labelled documents against their expected records, by writer
and by form.

    python bench/reading.py                      # every writer under corpus/reading
    python bench/reading.py --writers writer-f writer-g writer-p writer-q   # the held-out writers
    python bench/reading.py --by-form            # also each form, and the held-out writers pooled
    python bench/reading.py --no-reader          # the heading rules alone, for the 'before' figure

Writers a, b, c, h, i, j and k tuned the reading layer; writers f, g, p and q never did (see
corpus/reading/README.md).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kb import KnowledgeBase, Settings  # noqa: E402
from kb.extract_eval import METRICS, evaluate, load, store_records  # noqa: E402

SHOWN = (*METRICS, "patterns_precision", "patterns_recall")
HELD_OUT = ("writer-f", "writer-g", "writer-p", "writer-q")  # never used for tuning


def pooled(results: list[dict]) -> dict:
    """Rates over several writers' items together (each rate weighed by how many items it scored)."""
    out: dict = {}
    for m in METRICS:
        n = sum(r.get("counts", {}).get(m, 0) for r in results)
        hit = sum((r.get(m) or 0.0) * r.get("counts", {}).get(m, 0) for r in results)
        out[m] = hit / n if n else None
    out["patterns_precision"] = out["patterns_recall"] = None  # not poolable from rates alone
    return out


def run(folder: Path, *, reader: bool, tagger: str) -> dict:
    labelled = load(folder)
    with tempfile.TemporaryDirectory() as tmp:
        kb = KnowledgeBase(Settings(db=Path(tmp) / "r.db", reader=reader, tagger=tagger))
        kb.ingest_paths([str(labelled.docs)])
        result = evaluate(store_records(kb), labelled)
        kb.close()
    return result


def fmt(v: float | None) -> str:
    return "  -  " if v is None else f"{v:5.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--writers", nargs="*", default=None)
    parser.add_argument("--no-reader", action="store_true")
    parser.add_argument("--tagger", default="hybrid")
    parser.add_argument("--by-form", action="store_true", help="also print each form")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    base = ROOT / "corpus" / "reading"
    writers = args.writers or sorted(
        p.name for p in base.iterdir() if (p / "expected.json").exists()
    )
    results = {w: run(base / w, reader=not args.no_reader, tagger=args.tagger) for w in writers}
    if args.json:
        print(json.dumps(results, indent=1))
        return
    names = [m.replace("patterns_", "pat_")[:10] for m in SHOWN]
    print("set".ljust(26) + " ".join(n.rjust(10) for n in names))
    for writer, result in results.items():
        mark = ", held out" if writer in HELD_OUT else ""
        rows = [(f"{writer} ({result['documents']}{mark})", result["overall"])]
        if args.by_form:
            rows += [(f"  {form}", r) for form, r in result["by_form"].items()]
        for label, r in rows:
            print(label.ljust(26) + " ".join(fmt(r[m]).rjust(10) for m in SHOWN))
    held = [results[w] for w in results if w in HELD_OUT]
    if len(held) > 1:
        total = sum(r["documents"] for r in held)
        rows = [(f"held out, pooled ({total})", pooled([r["overall"] for r in held]))]
        if args.by_form:
            forms = sorted({f for r in held for f in r["by_form"]})
            rows += [
                (f"  {form}", pooled([r["by_form"][form] for r in held if form in r["by_form"]]))
                for form in forms
            ]
        for label, r in rows:
            print(label.ljust(26) + " ".join(fmt(r[m]).rjust(10) for m in SHOWN))


if __name__ == "__main__":
    main()
