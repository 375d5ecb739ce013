"""Action items read from documents against a writer's expected items: precision, recall, and how
often owner, due date and status are right on the items found, overall and by document.

    python bench/actions.py                          # every writer under corpus/actions
    python bench/actions.py --writers actions-writer-2 --by-document

The writers never saw the rules (corpus/actions/README.md says which set tuned them).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path, PurePath
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kb import KnowledgeBase, Settings  # noqa: E402
from kb.extract_eval import _person_match, same_item  # noqa: E402


def same_owner(expected: str | None, found: str | None) -> bool:
    """Both absent, or one names the other ("Lee" for "Lee Park", "Lee Park (IT)" for "Lee Park")."""
    if not expected or not found:
        return not expected and not found
    return _person_match(expected, found) or _person_match(found, expected)


def score(found: list[dict[str, Any]], expected: list[dict[str, Any]]) -> dict[str, int]:
    out = {"expected": len(expected), "found": len(found), "matched": 0}
    out.update(owner=0, due=0, status=0)
    taken: set[int] = set()
    for exp in expected:
        match = next(
            (
                i
                for i, item in enumerate(found)
                if i not in taken and same_item(exp["text"], item["text"])
            ),
            None,
        )
        if match is None:
            continue
        taken.add(match)
        item = found[match]
        out["matched"] += 1
        out["owner"] += same_owner(exp.get("owner"), item.get("owner"))
        out["due"] += (exp.get("due") or None) == (item.get("due") or None)
        out["status"] += exp.get("status", "open") == item.get("status")
    return out


def run(folder: Path) -> dict[str, Any]:
    expected = json.loads((folder / "expected.json").read_text("utf-8"))["documents"]
    with tempfile.TemporaryDirectory() as tmp:
        kb = KnowledgeBase(Settings(db=Path(tmp) / "a.db"))
        kb.ingest_paths([str(folder / "docs")])
        items = kb.actions(status="all", limit=100_000)
        names: dict[str, str] = {}
        for doc in kb.list_documents():
            names[doc["id"]] = PurePath(doc["source"]).name
        kb.close()
    by_doc: dict[str, dict[str, int]] = {}
    for name, record in expected.items():
        found = [i for i in items if names.get(i["document_id"]) == name]
        by_doc[name] = score(found, record["actions"])
    total = {k: sum(d[k] for d in by_doc.values()) for k in next(iter(by_doc.values()))}
    return {"total": total, "by_document": by_doc}


def figures(t: dict[str, int]) -> str:
    p = t["matched"] / t["found"] if t["found"] else 0.0
    r = t["matched"] / t["expected"] if t["expected"] else 0.0
    m = t["matched"] or 1
    return (
        f"{t['expected']:>4} {t['found']:>5} {p:>6.2f} {r:>6.2f} "
        f"{t['owner'] / m:>6.2f} {t['due'] / m:>6.2f} {t['status'] / m:>6.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--writers", nargs="*", default=None)
    parser.add_argument("--by-document", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    base = ROOT / "corpus" / "actions"
    writers = args.writers or sorted(
        p.name for p in base.iterdir() if (p / "expected.json").exists()
    )
    results = {w: run(base / w) for w in writers}
    if args.json:
        print(json.dumps(results, indent=1))
        return
    print(
        f"{'set':<44}{'exp':>4} {'found':>5} {'prec':>6} {'recall':>6} {'owner':>6} {'due':>6} {'status':>6}"
    )
    for writer, result in results.items():
        print(f"{writer:<44}" + figures(result["total"]))
        if args.by_document:
            for name, t in result["by_document"].items():
                print(f"  {name[:42]:<42}" + figures(t))
    print("(owner, due and status: the share right among the items found)")


if __name__ == "__main__":
    main()
