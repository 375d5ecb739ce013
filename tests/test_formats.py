"""Word, PDF, PowerPoint, OpenDocument, Excel, e-mail and zip input: each reads like its Markdown
twin, keeps where each unit stands, and bad files fail alone with a reason."""

from __future__ import annotations

import io
import subprocess
import sys
import zipfile
from email.message import EmailMessage
from pathlib import Path

import pytest

from ingest import IngestError, Limits, parse_document, unpack
from kb import KnowledgeBase, Settings
from kb.format_eval import compare

FIXTURES = Path(__file__).parent / "fixtures" / "formats"
CONVERTED = sorted(p for p in FIXTURES.iterdir() if p.suffix != ".md")


def parsed(path: Path) -> list:
    out = []
    for piece in unpack(path.read_bytes(), source=str(path)):
        assert not isinstance(piece, IngestError), piece
        out += parse_document(
            piece.data, source=piece.source, fmt=piece.fmt, converted=piece.converted
        )
    return out


def twin(path: Path):
    return parse_document(
        (FIXTURES / (path.name.split(".")[0] + ".md")).read_bytes(), source="twin.md"
    )[0]


@pytest.mark.parametrize("path", CONVERTED, ids=lambda p: p.name)
def test_each_format_reads_like_its_markdown_twin(path: Path) -> None:
    docs = parsed(path)
    assert len(docs) == 1
    doc, md = docs[0], twin(path)
    assert doc.format == (
        path.suffix[1:] if path.suffix != ".eml" or doc.source.endswith(".eml") else doc.format
    )
    assert (doc.title, doc.kind) == (md.title, md.kind)
    for name in ("phase_reached", "outcome", "department"):
        assert doc.field_value(name) == md.field_value(name), name
    typed = [u for u in md.units if u.kind not in ("other", "context", "summary")]
    same = compare({"units": [vars(u) for u in md.units]}, {"units": [vars(u) for u in doc.units]})
    assert same["found"] >= 0.9 * len(typed), same["missed"]
    assert doc.original == path.read_bytes() or "#" in doc.source


def test_units_keep_their_page_slide_and_sheet_row(kb: KnowledgeBase) -> None:
    report = kb.ingest_paths(
        [
            str(FIXTURES / n)
            for n in ("fraud-postmortem.pdf", "fraud-postmortem.pptx", "line3-register.xlsx")
        ]
    )
    assert [r.status for r in report.results] == ["added"] * 3, report.results
    docs = {r.source.rsplit(".", 1)[-1]: kb.get_document(r.document_id) for r in report.results}
    pdf_places = {u["place"] for u in docs["pdf"]["units"]}
    assert {"page 1", "page 2", "page 3"} <= pdf_places
    kpi = next(u for u in docs["pdf"]["units"] if "Referral-to-decision" in u["text"])
    assert kpi["place"] == "page 2"
    assert {u["place"] for u in docs["pptx"]["units"]} >= {"slide 2", "slide 3"}
    lesson = next(u for u in docs["xlsx"]["units"] if u["text"].startswith("Ref: L-03"))
    assert lesson["place"] == "sheet The register, row 4"  # header on row 1, L-01 on row 2
    owners = docs["pdf"]["fields"]["owners"]
    assert owners[0]["source"]["at"] == "page 1"


def test_the_original_file_is_kept_and_goes_with_its_document(
    kb: KnowledgeBase, tmp_path: Path
) -> None:
    path = FIXTURES / "peoplebot-handoff.docx"
    result = kb.ingest_paths([str(path)]).results[0]
    found = kb.get_original(result.document_id)
    assert found is not None
    assert found["data"] == path.read_bytes() and found["name"] == "peoplebot-handoff.docx"
    assert found["media_type"].endswith("wordprocessingml.document")
    assert kb.get_document(result.document_id)["original"] == {"size": path.stat().st_size}
    out = io.StringIO()
    kb.export(out)
    other = KnowledgeBase(Settings(db=tmp_path / "copy.db"))
    other.import_export(io.StringIO(out.getvalue()), source="export.jsonl")
    assert other.get_original(result.document_id)["data"] == path.read_bytes()
    assert kb.delete_document(result.document_id)
    assert kb.get_original(result.document_id) is None


def test_an_email_gives_its_sender_and_sets_quotes_and_signature_apart(kb: KnowledgeBase) -> None:
    msg = EmailMessage()
    msg["From"] = "Rosa Linde <rosa.linde@example.org>"
    msg["To"] = "Steering group <steer@example.org>"
    msg["Date"] = "Tue, 04 Mar 2025 10:12:00 +0000"
    msg["Subject"] = "RE: Invoice matching PoC stopped at Gate 1"
    msg.set_content(
        "All,\n\nWe stopped the invoice matching PoC at Gate 1. The root cause was that the demo "
        "ran on 200 hand-picked invoices; production invoices from the ERP were never tried.\n\n"
        "Lesson: test on a week of real production invoices before the first gate.\n\n"
        "Kind regards,\nRosa Linde\nHead of AP Operations\n\n"
        "On Mon, 3 Mar 2025, Tom Berg wrote:\n> Can you write up why we stopped?\n> Thanks\n"
    )
    result = kb.ingest_bytes(bytes(msg), source="stop.eml")[0]
    assert result.status == "added", result
    doc = kb.get_document(result.document_id)
    assert doc["format"] == "eml" and doc["title"] == "Invoice matching PoC stopped at Gate 1"
    assert doc["fields"]["authors"][0]["name"].startswith("Rosa Linde")
    sections = {u["section"] for u in doc["units"]}
    assert any("Quoted earlier message" in s for s in sections)
    assert any("Signature" in s for s in sections)
    assert "From:" not in doc["text"] and "Content-Type" not in doc["text"]


def test_a_cover_note_with_an_attachment_stores_the_attachment(kb: KnowledgeBase) -> None:
    results = kb.ingest_paths([str(FIXTURES / "peoplebot-handoff.eml")]).results
    assert [r.status for r in results] == ["added"]
    doc = kb.get_document(results[0].document_id)
    assert doc["format"] == "docx" and doc["source"].endswith("#peoplebot-handoff.docx")
    assert doc["fields"]["authors"][0]["name"].startswith("Dana Whitfield")


def _zip(entries: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return buf.getvalue()


def test_a_confluence_or_notion_export_lands_page_by_page(kb: KnowledgeBase) -> None:
    page = b"<html><body><div id='main-content'><h1>%s</h1><h2>Lessons</h2><ul><li>Agree exit criteria at Gate 0.</li></ul></div></body></html>"
    data = _zip(
        {
            "SPACE/index.html": b"<html><body><a href='a.html'>A</a><a href='b.html'>B</a></body></html>",
            "SPACE/a.html": page % b"Bot A postmortem",
            "SPACE/b.html": page % b"Bot B postmortem",
            "SPACE/images/logo.png": b"\x89PNG....",
            "Notion/Handoff 3f2a9c0d1e2b4c5d6e7f8a9b0c1d2e3f.md": b"# Handoff C\n\n## Lessons\n- Name an operations owner.\n",
            "../evil.md": b"# Evil\n\nclimbs out\n",
        }
    )
    results = kb.ingest_bytes(data, source="space.zip")
    by = {r.source.split("#")[-1]: r for r in results}
    assert by["SPACE/a.html"].status == by["SPACE/b.html"].status == "added"
    assert by["Notion/Handoff 3f2a9c0d1e2b4c5d6e7f8a9b0c1d2e3f.md"].status == "added"
    assert by["../evil.md"].status == "failed" and "climbs out" in by["../evil.md"].reason
    assert "SPACE/index.html" not in by and "SPACE/images/logo.png" not in by
    assert kb.stats()["documents"] == 3


def test_a_zip_bomb_and_a_corrupt_zip_are_refused_whole(kb: KnowledgeBase) -> None:
    bomb = _zip({"big.md": b"# A\n\n" + b"a " * 600_000})
    with pytest.raises(IngestError, match="zip bomb"):
        unpack(bomb, source="bomb.zip", limits=Limits(max_total_bytes=1_000_000))
    with pytest.raises(IngestError, match="holds 3 files, over the limit of 2"):
        unpack(
            _zip({"a.md": b"x", "b.md": b"y", "c.md": b"z"}),
            source="many.zip",
            limits=Limits(max_files=2),
        )
    result = kb.ingest_bytes(b"PK\x03\x04 this is no zip at all", source="broken.zip")[0]
    assert result.status == "failed" and "corrupt" in result.reason
    assert kb.stats()["documents"] == 0


def _blank_pdf(*, password: str | None = None) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    if password:
        writer.encrypt(password)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _encrypted_text_pdf() -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(FIXTURES / "fraud-postmortem.pdf"))
    writer.encrypt("s3cret")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _docm() -> bytes:
    """The Word fixture turned macro-enabled: its content type changed and a VBA part added."""
    src = zipfile.ZipFile(FIXTURES / "peoplebot-handoff.docx")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "[Content_Types].xml":
                body = body.replace(
                    b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
                    b"application/vnd.ms-word.document.macroEnabled.main+xml",
                )
            dst.writestr(info, body)
        dst.writestr("word/vbaProject.bin", b'Attribute VB_Name = "AutoOpen"\nShell "calc"')
    return out.getvalue()


def test_bad_files_fail_alone_with_a_reason(kb: KnowledgeBase, tmp_path: Path) -> None:
    office_encrypted = (FIXTURES.parent / "bad" / "locked-with-password.docx").read_bytes()
    docx = (FIXTURES / "fraud-postmortem.docx").read_bytes()
    files = {
        "scanned.pdf": _blank_pdf(),
        "locked.pdf": _encrypted_text_pdf(),
        "locked.docx": office_encrypted,
        "truncated.docx": docx[: len(docx) // 2],
        "renamed.md": docx,
        "old.doc": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 400,
        "macro.docm": _docm(),
        "good.md": (FIXTURES / "askhr-postmortem.md").read_bytes(),
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    report = kb.ingest_paths([str(tmp_path)])
    by = {Path(r.source).name: r for r in report.results}
    assert "no text layer" in by["scanned.pdf"].reason and "OCR" in by["scanned.pdf"].reason
    assert "encrypted" in by["locked.pdf"].reason
    assert "password-protected" in by["locked.docx"].reason
    assert "damaged" in by["truncated.docx"].reason
    assert (
        "Word document" in by["renamed.md"].reason
        and "rename it to .docx" in by["renamed.md"].reason
    )
    assert "not read" in by["old.doc"].reason
    assert by["macro.docm"].status == "added"
    assert any("macros" in w and "not run" in w for w in by["macro.docm"].warnings)
    assert by["good.md"].status == "added"
    assert kb.stats()["documents"] == 2


def test_a_pdf_with_only_some_pages_scanned_warns(kb: KnowledgeBase) -> None:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(FIXTURES / "peoplebot-handoff.pdf"))
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    result = kb.ingest_bytes(out.getvalue(), source="partly.pdf")[0]
    assert result.status == "added"
    assert any(
        "1 of 4 pages have no text layer" in w and "pages 4" in w for w in result.warnings
    ), result.warnings


def test_the_search_path_imports_no_converter_parser_or_schema_library(tmp_path: Path) -> None:
    store = KnowledgeBase(Settings(db=tmp_path / "store.db"))  # a search with hits to describe
    note = tmp_path / "note.md"
    note.write_text("# Exit criteria\n\n## Lessons\n- Agree the exit criteria before gate 1.\n")
    assert store.ingest_paths([str(note)]).count("added") == 1
    store.close()
    code = (
        "import sys\nfrom kb.cli import cli\n"
        "from click.testing import CliRunner\n"
        "CliRunner().invoke(cli, ['--db', sys.argv[1], 'stats'])\n"
        "found = CliRunner().invoke(cli, ['--db', sys.argv[1], 'search', 'exit criteria'])\n"
        "assert 'before gate 1' in found.output, found.output\n"
        "heavy = {'docx', 'pypdf', 'pptx', 'odf', 'openpyxl', 'extract_msg', 'ingest.convert.pdf',\n"
        "         'bs4', 'markdown_it', 'ingest.html', 'ingest.markdown', 'kb.reading', 'kb.tagger',\n"
        "         'ingest.documents', 'sqlite_utils', 'pydantic', 'yaml'}\n"
        "print(sorted(heavy & set(sys.modules)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "store.db")],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


@pytest.mark.slow
def test_formats_agree_with_their_twins_with_the_real_model(tmp_path: Path) -> None:
    kb = KnowledgeBase(Settings(db=tmp_path / "real.db", embedder="onnx"))
    kb.ingest_paths([str(p) for p in sorted(FIXTURES.glob("*.md"))])
    twins = {Path(d["source"]).stem: kb.get_document(d["id"]) for d in kb.list_documents()}
    report = kb.ingest_paths([str(p) for p in CONVERTED])
    agree = 0
    for result in report.results:
        assert result.status in ("added", "unchanged"), result  # the e-mailed PDF is the PDF
        other = kb.get_document(result.document_id)
        agree += compare(twins[Path(result.source.split("#")[0]).name.split(".")[0]], other)[
            "agrees"
        ]
    assert len(report.results) >= 18 and agree == len(report.results)


def test_a_confluence_page_is_read_without_its_breadcrumbs_and_footer() -> None:
    html = b"""<html><head><title>PoC : Bot A</title></head><body>
<div id="breadcrumb-section"><ol><li>PoC space</li><li>Postmortems</li></ol></div>
<h1 id="title-heading"><span id="title-text">PoC space : Bot A postmortem</span></h1>
<div class="page-metadata">Created by Ana Ruiz, last modified on 3 March 2025</div>
<div id="main-content" class="wiki-content"><h2>Lessons</h2><ul><li>Agree exit criteria at Gate 0.</li></ul></div>
<div id="footer"><p>Document generated by Confluence on 4 March 2025</p></div>
</body></html>"""
    doc = parse_document(html, source="space/Bot-A_123.html")[0]
    assert doc.title == "Bot A postmortem"
    texts = " ".join(u.text for u in doc.units)
    assert "Agree exit criteria" in texts
    assert "generated by Confluence" not in texts and "Postmortems" not in texts
