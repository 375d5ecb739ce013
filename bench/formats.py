"""Formats benchmark: each fixture in tests/fixtures/formats read into a store and compared with its
Markdown twin (kind, phase, outcome, typed units found again with the same kind), and the time to
ingest a 50-page PDF, embedding included.

    python bench/formats.py                # real model, all fixtures, and the 50-page PDF
    python bench/formats.py --no-pdf       # agreement only
    python bench/formats.py --json
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "formats"
sys.path.insert(0, str(ROOT))

from kb.config import Settings  # noqa: E402
from kb.core import KnowledgeBase  # noqa: E402
from kb.format_eval import compare  # noqa: E402


def twin_of(source: str) -> str:
    """'peoplebot-handoff.eml#peoplebot-handoff.docx' -> 'peoplebot-handoff'."""
    return Path(source.split("#")[0]).name.split(".")[0]


def agreement(kb: KnowledgeBase) -> list[dict]:
    files = sorted(p for p in FIXTURES.iterdir() if p.suffix != ".md")
    twins = sorted(FIXTURES.glob("*.md"))
    kb.ingest_paths([str(p) for p in twins])
    report = kb.ingest_paths([str(p) for p in files])
    by_twin = {}
    for doc in kb.list_documents(limit=1000):
        if doc["source"].endswith(".md"):
            by_twin[Path(doc["source"]).stem] = kb.get_document(doc["id"])
    rows = []
    for result in report.results:
        if result.status == "failed":
            rows.append({"file": Path(result.source).name, "error": result.reason, "agrees": False})
            continue
        other = kb.get_document(result.document_id)
        twin = by_twin[twin_of(result.source)]
        rows.append(
            {
                "file": result.source.split("formats/")[-1],
                "format": other["format"],
                **compare(twin, other),
            }
        )
    return rows


def pdf_timing(kb: KnowledgeBase, pages: int = 50) -> dict:
    if not (shutil.which("pandoc") and shutil.which("soffice")):
        return {"skipped": "needs pandoc and LibreOffice to make the long PDF"}
    with tempfile.TemporaryDirectory() as tmp:
        parts = sorted((ROOT / "corpus" / "postmortems").glob("*.md"))
        text = "\n\n".join(p.read_text("utf-8", errors="replace") for p in parts)
        md = Path(tmp) / "long.md"
        docx = Path(tmp) / "long.docx"
        md.write_text(text, "utf-8")
        subprocess.run(
            ["pandoc", "-f", "markdown-yaml_metadata_block", str(md), "-o", str(docx)], check=True
        )
        subprocess.run(
            ["soffice", "--headless", "--convert-to", "pdf", "--outdir", tmp, str(docx)],
            check=True,
            capture_output=True,
        )
        pdf = Path(tmp) / "long.pdf"
        import pypdf

        count = len(pypdf.PdfReader(str(pdf)).pages)
        # cut to the asked number of pages
        writer = pypdf.PdfWriter()
        for page in pypdf.PdfReader(str(pdf)).pages[:pages]:
            writer.add_page(page)
        cut = Path(tmp) / f"pages-{pages}.pdf"
        with cut.open("wb") as fh:
            writer.write(fh)
        kb.embedder.embed(["warm up"])
        started = time.perf_counter()
        report = kb.ingest_paths([str(cut)])
        seconds = time.perf_counter() - started
        result = report.results[0]
        return {
            "pages": min(pages, count),
            "bytes": cut.stat().st_size,
            "seconds": round(seconds, 2),
            "units": result.units,
            "status": result.status,
        }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--embedder", default="onnx", help="onnx (default), sentence-transformers or hashing"
    )
    parser.add_argument("--no-pdf", action="store_true", help="skip the 50-page PDF timing")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        kb = KnowledgeBase(Settings(db=Path(tmp) / "kb.db", embedder=args.embedder))
        rows = agreement(kb)
        timing = (
            None
            if args.no_pdf
            else pdf_timing(
                KnowledgeBase(Settings(db=Path(tmp) / "pdf.db", embedder=args.embedder))
            )
        )
    agree = sum(1 for r in rows if r.get("agrees"))
    typed = sum(r.get("typed_units", 0) for r in rows)
    found = sum(r.get("found", 0) for r in rows)
    if args.json:
        print(json.dumps({"files": rows, "agree": agree, "of": len(rows), "pdf": timing}, indent=2))
        return 0
    print(f"{'file':48} {'kind':5} {'phase':5} {'outc.':5} {'units':>11}")
    for r in rows:
        if "error" in r:
            print(f"{r['file']:48} ERROR {r['error']}")
            continue
        f = r["fields"]
        mark = {k: "ok" if v["same"] else str(v["here"]) for k, v in f.items()}
        print(
            f"{r['file'][:48]:48} {mark['kind']:5} {mark['phase_reached']:5} {mark['outcome']:5} {r['found']:>4}/{r['typed_units']:<4}{r['share']:.0%}"
        )
        for m in r["missed"][:3]:
            print(f"{'':50}missed {m['kind']} (as {m['as']}): {m['text'][:60]}")
    print(
        f"\n{agree} of {len(rows)} files agree with their Markdown twins (kind, phase, outcome, >= 90% of typed units); typed units found again: {found}/{typed} = {found / max(typed, 1):.1%}"
    )
    if timing:
        print(f"50-page PDF: {timing}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
