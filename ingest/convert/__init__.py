"""Binary and mail formats to Markdown: Word, PDF, PowerPoint, OpenDocument, Excel, e-mail, zips.

Each converter gives Markdown whose headings, lists and tables carry the original's structure, and
`<!-- at: page 3 -->` markers where the place in the original changes, so every unit keeps its page,
slide or sheet row. The heavy libraries are imported inside the converters, never at import time.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import PurePath

from ingest.errors import IngestError

SUFFIXES = {
    ".docx": "docx",
    ".docm": "docx",
    ".dotx": "docx",
    ".pdf": "pdf",
    ".pptx": "pptx",
    ".pptm": "pptx",
    ".odt": "odt",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".eml": "eml",
    ".msg": "msg",
    ".zip": "zip",
}
CONVERTED = ("docx", "pdf", "pptx", "odt", "xlsx", "eml", "msg")
CONTAINERS = ("zip",)
MEDIA_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "odt": "application/vnd.oasis.opendocument.text",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "eml": "message/rfc822",
    "msg": "application/vnd.ms-outlook",
    "zip": "application/zip",
}
NAMES = {
    "docx": "a Word document (.docx)",
    "pdf": "a PDF",
    "pptx": "a PowerPoint deck (.pptx)",
    "odt": "an OpenDocument text (.odt)",
    "xlsx": "an Excel workbook (.xlsx)",
    "eml": "an e-mail (.eml)",
    "msg": "an Outlook message (.msg)",
    "zip": "a zip archive",
    "ole": "an old-style Office or Outlook file (OLE2)",
}
MARKER = re.compile(r"^<!-- at: (.+?) -->$")
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass
class Converted:
    """A converted file: Markdown text (with place markers), and what the conversion noticed."""

    text: str
    warnings: list[str] = field(default_factory=list)
    attachments: list[tuple[str, bytes]] = field(default_factory=list)


def marker(place: str) -> str:
    return f"<!-- at: {place} -->"


def sniff(data: bytes) -> str | None:
    """What a file is by its first bytes, whatever its name says."""
    head = data[:8]
    if data[:5] == b"%PDF-":
        return "pdf"
    if head == _OLE:
        return "msg" if _utf16(b"__substg1.0_") in data[: 1 << 20] else "ole"
    if data[:4] == b"PK\x03\x04":
        window = data[: 1 << 16]
        if b"mimetypeapplication/vnd.oasis.opendocument.text" in window:
            return "odt"
        if b"word/" in window:
            return "docx"
        if b"ppt/" in window:
            return "pptx"
        if b"xl/" in window:
            return "xlsx"
        return "zip"
    return None


def _utf16(text: bytes) -> bytes:
    return text.decode("ascii").encode("utf-16-le")


def suffix_format(name: str) -> str | None:
    return SUFFIXES.get(PurePath(name.split("#")[-1]).suffix.lower())


def check_not_encrypted(data: bytes, *, source: str) -> None:
    """A password-protected Office file is an OLE2 container holding an encrypted package."""
    if data[:8] == _OLE and _utf16(b"EncryptedPackage") in data:
        raise IngestError(
            source,
            "the file is password-protected (encrypted Office document); save it without a password",
        )


def convert(data: bytes, *, source: str, fmt: str) -> Converted:
    """Markdown for one file of a converted format; an IngestError says why a file cannot be read."""
    check_not_encrypted(data, source=source)
    found = sniff(data)
    if found == "ole" and fmt != "msg":
        raise IngestError(
            source,
            f"{NAMES['ole']}, not {NAMES.get(fmt, fmt)}: open it in Office and save it as .docx, .pptx or .xlsx",
        )
    if (
        found is not None
        and found != fmt
        and not (fmt in ("docx", "pptx", "xlsx", "odt") and found == "zip")
    ):
        raise IngestError(
            source, f"the file is {NAMES.get(found, found)}, not {NAMES.get(fmt, fmt)}"
        )
    converter = _converter(fmt)
    try:
        return converter(data, source)
    except IngestError:
        raise
    except Exception as exc:  # noqa: BLE001 - a library's own error on a damaged file, named for a person
        kind = type(exc).__name__
        raise IngestError(
            source,
            f"cannot read {NAMES.get(fmt, fmt)}: damaged or not what its name says ({kind}: {exc})",
        ) from exc


def _converter(fmt: str) -> Callable[[bytes, str], Converted]:
    if fmt == "docx":
        from ingest.convert.docx import convert_docx

        return convert_docx
    if fmt == "pdf":
        from ingest.convert.pdf import convert_pdf

        return convert_pdf
    if fmt == "pptx":
        from ingest.convert.pptx import convert_pptx

        return convert_pptx
    if fmt == "odt":
        from ingest.convert.odt import convert_odt

        return convert_odt
    if fmt == "xlsx":
        from ingest.convert.xlsx import convert_xlsx

        return convert_xlsx
    if fmt == "eml":
        from ingest.convert.mail import convert_eml

        return convert_eml
    if fmt == "msg":
        from ingest.convert.mail import convert_msg

        return convert_msg
    raise IngestError("", f"no converter for {fmt!r}")


def places(text: str) -> list[tuple[int, str]]:
    """(line, place) for every marker in a converted text, in order; lines are 1-based."""
    return [
        (number, match.group(1))
        for number, line in enumerate(text.split("\n"), start=1)
        if (match := MARKER.match(line))
    ]


_COUNTED = re.compile(r"^(.*\brow )(\d+)\+$")


def place_at(marks: list[tuple[int, str]], line: int) -> str | None:
    """The place in the original that a line of the converted text comes from. A counting
    marker ('sheet X, row 2+') stands above a table: its third line down is that row."""
    found: tuple[int, str] | None = None
    for number, place in marks:
        if number > line:
            break
        found = (number, place)
    if found is None:
        return None
    number, place = found
    counted = _COUNTED.match(place)
    if counted:
        row = int(counted.group(2)) + max(-1, line - (number + 3))
        return f"{counted.group(1)}{row}"
    return place
