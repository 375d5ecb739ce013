"""Make the format fixtures in tests/fixtures/formats from their Markdown twins.

Needs pandoc and LibreOffice (Debian packages `pandoc`, `libreoffice-writer`, `libreoffice-impress`);
the files it makes are checked in, so the tests do not need either.

    python scripts/make_format_fixtures.py
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from email.message import EmailMessage
from email.utils import format_datetime
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "fixtures" / "formats"
TWINS = {
    "fraud-postmortem": ROOT / "corpus/postmortems/a-claims-fraud-anomaly.md",
    "peoplebot-handoff": ROOT / "corpus/handoffs/hr-peoplebot-handoff.md",
    "askhr-postmortem": ROOT / "corpus/postmortems/a-hr-policy-chatbot.md",
    "chilled-closeout": ROOT
    / "corpus/reading/writer-a/docs/brackenfield-chilled-forecast-poc-closeout.md",
}
REGISTER = ROOT / "corpus/reading/writer-a/docs/line3-inspection-lessons-register.md"
# how each twin travels by e-mail: in the body (HTML with a text part) or as an attachment
MAIL = {
    "fraud-postmortem": "body",
    "peoplebot-handoff": "docx",
    "askhr-postmortem": "body",
    "chilled-closeout": "pdf",
}


def word_form(text: str) -> str:
    """YAML front matter as the 'Key: value' lines a Word author types under the title."""
    if not text.startswith("---"):
        return text
    import yaml

    end = text.index("\n---", 3)
    meta = yaml.safe_load(text[3:end])
    body = text[end + 4 :].lstrip("\n")
    title = meta.pop("title", "")
    lines = []
    for key, value in meta.items():
        if isinstance(value, list):
            value = "; ".join(str(v) for v in value)
        lines.append(f"{key.replace('_', ' ').capitalize()}: {value}")
    if body.startswith("# "):
        title, _, body = body.partition("\n")
        title = title[2:]
    return f"# {title}\n\n" + "\n".join(lines) + "\n\n" + body.lstrip("\n")


def run(*args: str, cwd: Path | None = None) -> None:
    subprocess.run(args, check=True, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def pandoc(src: Path, dest: Path, *extra: str) -> None:
    run(
        "pandoc",
        "-f",
        "markdown+hard_line_breaks-yaml_metadata_block",
        str(src),
        "-o",
        str(dest),
        *extra,
    )


def soffice(src: Path, dest: Path, to: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        run("soffice", "--headless", "--convert-to", to, "--outdir", tmp, str(src))
        shutil.move(Path(tmp) / f"{src.stem}.{to}", dest)


def mail(name: str, twin: Path, how: str) -> None:
    msg = EmailMessage()
    msg["From"] = "Dana Whitfield <dana.whitfield@example.org>"
    msg["To"] = "PoC review board <poc-board@example.org>"
    msg["Date"] = format_datetime(datetime(2024, 10, 14, 9, 30, tzinfo=timezone.utc))
    title = twin.read_text("utf-8").splitlines()[0].lstrip("# ").strip()
    msg["Subject"] = title
    if how == "body":
        text = twin.read_text("utf-8")
        html = subprocess.run(
            ["pandoc", "-f", "markdown+hard_line_breaks", "-t", "html", str(twin)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        msg.set_content(text)
        msg.add_alternative(f"<html><body>{html}</body></html>", subtype="html")
    else:
        msg.set_content(
            "Hello all,\n\nThe write-up is attached, as promised at the review.\n\nBest,\nDana\n"
        )
        attached = OUT / f"{name}.{how}"
        subtype = {
            "docx": "vnd.openxmlformats-officedocument.wordprocessingml.document",
            "pdf": "pdf",
        }[how]
        msg.add_attachment(
            attached.read_bytes(), maintype="application", subtype=subtype, filename=attached.name
        )
    (OUT / f"{name}.eml").write_bytes(bytes(msg))


def register_xlsx() -> None:
    """The lessons register as a workbook: one sheet a table, as such registers are kept."""
    from openpyxl import Workbook

    from ingest.markdown import parse_markdown

    outline = parse_markdown(REGISTER.read_text("utf-8"))
    book = Workbook()
    book.remove(book.active)
    book.properties.title = outline.title or "Lessons register"
    twin = [f"# {book.properties.title}"]
    for section in outline.sections:
        rows = [b for b in section.blocks if b.type == "row" and b.cells]
        if not rows:
            continue
        sheet = book.create_sheet((section.heading or "Register")[:31].replace("/", "-"))
        twin.append(f"## {sheet.title}")
        header: list[str] = []
        for block in rows:
            cells = block.cells or {}
            if list(cells) != header:  # a table of its own: a blank row, then its header
                if header:
                    sheet.append([])
                header = list(cells)
                sheet.append(header)
                twin.append("| " + " | ".join(header) + " |\n|" + "---|" * len(header))
            sheet.append(list(cells.values()))
            twin[-1] += "\n| " + " | ".join(cells.values()) + " |"
    book.save(OUT / "line3-register.xlsx")
    (OUT / "line3-register.md").write_text("\n\n".join(twin) + "\n", "utf-8")


def outlook(name: str) -> None:
    """The handoff pasted into an Outlook message (.msg), written by scripts/make_msg.js, which
    needs node and the npm package `cfb` (npm install cfb@1)."""
    twin = OUT / f"{name}.md"
    title = twin.read_text("utf-8").splitlines()[0].lstrip("# ").strip()
    run(
        "node",
        str(ROOT / "scripts" / "make_msg.js"),
        str(OUT / f"{name}.msg"),
        title,
        str(twin),
        "Dana Whitfield",
        "dana.whitfield@example.org",
    )


def locked() -> None:
    """A Word file saved with a password (password: pw), for the refusal test; needs msoffcrypto-tool."""
    import io

    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    with (OUT / "peoplebot-handoff.docx").open("rb") as src:
        OOXMLFile(src).encrypt("pw", out)
    bad = OUT.parent / "bad"
    bad.mkdir(exist_ok=True)
    (bad / "locked-with-password.docx").write_bytes(out.getvalue())


def main() -> int:
    if not (shutil.which("pandoc") and shutil.which("soffice")):
        print(
            "needs pandoc and LibreOffice (apt-get install pandoc libreoffice-writer libreoffice-impress)"
        )
        return 1
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    for name, twin in TWINS.items():
        md = OUT / f"{name}.md"
        md.write_text(word_form(twin.read_text("utf-8")), "utf-8")
        pandoc(md, OUT / f"{name}.docx")
        pandoc(md, OUT / f"{name}.pptx", "--slide-level=2")
        soffice(OUT / f"{name}.docx", OUT / f"{name}.pdf", "pdf")
        soffice(
            OUT / f"{name}.docx", OUT / f"{name}.odt", "odt"
        )  # pandoc's own .odt has malformed styles.xml
    for name, twin in TWINS.items():
        mail(name, OUT / f"{name}.md", MAIL[name])
    register_xlsx()
    locked()
    outlook("peoplebot-handoff")
    for path in sorted(OUT.iterdir()):
        print(f"{path.stat().st_size:>9,}  {path.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
