"""Ingest every Markdown and text file under ../shared/corpora and report what was found.

Run on purpose (not a unit test):  python bench/shared_corpora.py [--db PATH] [--json]
Prints files per folder, failures with reasons, time taken, and for postmortems the share with a
title, a summary, at least one root cause and at least one lesson.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "corpora"
POSTMORTEM_FOLDERS = {
    "chia-postmortems",
    "cloud-postmortems-issre22",
    "dfds-postmortems",
    "icco-postmortems",
    "posthog-postmortems",
    "postmortem-templates",
}
TEXT_SUFFIXES = {".md", ".markdown", ".txt", ""}


def text_files(base: Path) -> list[Path]:
    return sorted(
        p
        for p in base.rglob("*")
        if p.is_file()
        and p.suffix.lower() in TEXT_SUFFIXES
        and p.name not in ("README.md", "SOURCE.txt", "LICENSE")
        and not p.name.startswith(".")
    )


def run(db: Path, base: Path = SHARED) -> dict:
    from kb import KnowledgeBase, Settings

    kb = KnowledgeBase(Settings(db=db))
    files = text_files(base)
    started = time.perf_counter()
    report = kb.ingest_paths([str(p) for p in files])
    seconds = time.perf_counter() - started
    per_folder: Counter[str] = Counter(p.relative_to(base).parts[0] for p in files)
    failures = [
        {"source": str(Path(r.source).relative_to(base)), "reason": r.reason}
        for r in report.results
        if r.status == "failed"
    ]
    found: dict[str, Counter[str]] = defaultdict(Counter)
    for result in report.results:
        if result.status != "added" or not result.document_id:
            continue
        doc = kb.get_document(result.document_id)
        folder = Path(doc["source"]).relative_to(base).parts[0] if doc else ""
        if doc is None or folder not in POSTMORTEM_FOLDERS:
            continue
        kinds = {u["kind"] for u in doc["units"]}
        c = found[folder]
        c["postmortems"] += 1
        c["kind_postmortem"] += doc["kind"] == "postmortem"
        c["title"] += doc["fields"].get("title", {}).get("source", {}).get("via") != "filename"
        c["summary"] += "summary" in doc["fields"]
        c["root_cause"] += "root_cause" in kinds
        c["lesson"] += "lesson" in kinds
        c["all_four"] += all(
            (
                doc["fields"].get("title", {}).get("source", {}).get("via") != "filename",
                "summary" in doc["fields"],
                "root_cause" in kinds,
                "lesson" in kinds,
            )
        )
    kb.close()
    return {
        "files": len(files),
        "files_per_folder": dict(sorted(per_folder.items())),
        "added": report.count("added"),
        "unchanged_duplicates": report.count("unchanged"),
        "failed": len(failures),
        "failures": failures,
        "seconds": round(seconds, 2),
        "postmortems": {k: dict(v) for k, v in sorted(found.items())},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="store to fill (default: a temporary file)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if not SHARED.is_dir():
        sys.exit(f"{SHARED} not found")
    with tempfile.TemporaryDirectory() as tmp:
        result = run(args.db or Path(tmp) / "shared.db")
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(
        f"{result['files']} files in {result['seconds']}s: {result['added']} added, "
        f"{result['unchanged_duplicates']} duplicates of content already in, {result['failed']} failed"
    )
    for folder, n in result["files_per_folder"].items():
        print(f"  {n:>5}  {folder}")
    reasons = Counter(f["reason"] for f in result["failures"])
    print("Failures by reason:")
    for reason, n in reasons.most_common():
        print(f"  {n:>5}  {reason}")
    print(
        "Documents from the postmortem folders: share with a title / summary / root cause / lesson / all four,"
    )
    print("and the share the ingester itself classed as kind=postmortem")
    total: Counter[str] = Counter()
    for folder, c in result["postmortems"].items():
        total.update(c)
        n = c["postmortems"]
        print(
            f"  {folder:<28} {n:>4}  "
            + "  ".join(
                f"{k} {c.get(k, 0) / n:.0%}"
                for k in ("title", "summary", "root_cause", "lesson", "all_four", "kind_postmortem")
            )
        )
    n = total["postmortems"] or 1
    print(
        f"  {'ALL':<28} {total['postmortems']:>4}  "
        + "  ".join(
            f"{k} {total.get(k, 0) / n:.0%}"
            for k in ("title", "summary", "root_cause", "lesson", "all_four", "kind_postmortem")
        )
    )


if __name__ == "__main__":
    main()
