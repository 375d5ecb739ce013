"""What a submission holds (a file, a zip's members, an e-mail's attachments) and how each
document in it is read into a record; re-exported by the `ingest` package."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import TYPE_CHECKING

from ingest import convert as conv
from ingest.convert.archive import Limits, Member, members
from ingest.encoding import decode
from ingest.errors import IngestError
from ingest.records import ParsedDocument
from ingest.tabular import parse_mapping as parse_mapping  # re-exported by `ingest`

if TYPE_CHECKING:
    from ingest.structure import Outline

SUFFIXES = {
    ".md": "markdown",
    ".markdown": "markdown",
    ".mdx": "markdown",
    ".mkd": "markdown",
    ".txt": "text",
    ".text": "text",
    ".log": "text",
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".csv": "csv",
}
SUFFIXES.update(conv.SUFFIXES)
TEXT_FORMATS = ("markdown", "text", "html", "json", "jsonl", "csv")
FORMATS = TEXT_FORMATS + conv.CONVERTED + conv.CONTAINERS
BULK_FORMATS = ("json", "jsonl", "csv")
DOCUMENT_FORMATS = ("markdown", "text", "html") + conv.CONVERTED  # one document per file
MEDIA_TYPES = {
    "markdown": "text/markdown; charset=utf-8",
    "text": "text/plain; charset=utf-8",
    "html": "text/html; charset=utf-8",
    **conv.MEDIA_TYPES,
}
_COVER_NOTE_WORDS = 60  # an e-mail body this short that carries documents only points at them


@dataclass
class Piece:
    """One file to parse, out of what was submitted: the file itself, a zip member, an attachment."""

    source: str
    data: bytes
    fmt: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)  # what the carrier says (e-mail sender)
    converted: conv.Converted | None = None  # already converted while unpacking


def unpack(
    data: bytes, *, source: str, fmt: str | None = None, limits: Limits | None = None
) -> list[Piece | IngestError]:
    """The documents inside a submission: a zip gives its members, an e-mail its body and its
    attached documents; anything else is itself. Errors name the member and do not stop the rest."""
    limits = limits or Limits()
    named = PurePath(source.split("#")[-1]).suffix
    kind = fmt or conv.suffix_format(source) or (None if named else conv.sniff(data))
    if kind == "zip":
        readable = set(SUFFIXES)
        out: list[Piece | IngestError] = []
        for member in members(data, source=source, limits=limits, readable=readable):
            if isinstance(member, IngestError):
                out.append(member)
                continue
            out.extend(_carried(member, source=source, limits=limits))
        if not out:
            raise IngestError(source, "the archive holds no file of a readable format")
        return out
    if kind in ("eml", "msg"):
        return _mail(data, source=source, fmt=kind)
    return [Piece(source, data, fmt)]


def _carried(member: Member, *, source: str, limits: Limits) -> list[Piece | IngestError]:
    label = f"{source}#{member.name}"
    if conv.suffix_format(member.name) in ("eml", "msg"):
        try:
            return list(
                _mail(member.data, source=label, fmt=conv.suffix_format(member.name) or "eml")
            )
        except IngestError as exc:
            return [exc]
    return [Piece(label, member.data)]


def _mail(data: bytes, *, source: str, fmt: str) -> list[Piece | IngestError]:
    converted = conv.convert(data, source=source, fmt=fmt)
    pieces: list[Piece | IngestError] = []
    words = len(re.sub(r"^---\n.*?\n---\n", "", converted.text, flags=re.S).split())
    carrier = _front(converted.text)
    if not converted.attachments or words > _COVER_NOTE_WORDS:
        pieces.append(Piece(source, data, fmt, converted=converted))
    for name, blob in converted.attachments:
        label = f"{source}#{name}"
        meta = {k: v for k, v in carrier.items() if k in ("author", "date")}
        if conv.suffix_format(name) in ("eml", "msg"):
            try:
                pieces.extend(_mail(blob, source=label, fmt=conv.suffix_format(name) or "eml"))
            except IngestError as exc:
                pieces.append(exc)
            continue
        pieces.append(Piece(label, blob, metadata=meta))
    return pieces


def _front(text: str) -> dict[str, str]:
    """The metadata a converter put in front matter (an e-mail's sender and date)."""
    from ingest.markdown import parse_front_matter

    match = re.match(r"^---\n(.*?)\n---\n", text, re.S)
    values = parse_front_matter(match.group(1))[0] if match else {}
    return {k: str(v) for k, v in values.items()}


def content_hash(text: str) -> str:
    return hashlib.sha256(text.strip().encode("utf-8")).hexdigest()


def detect_format(name: str, text: str) -> str:
    """By file suffix, or by sniffing the text when there is none."""
    suffix = PurePath(name).suffix.lower()
    if suffix in SUFFIXES:
        return SUFFIXES[suffix]
    head = text.lstrip()[:2000]
    if re.match(r"<(!doctype html|html|body|h[1-6]|p|div)\b", head, re.I):
        return "html"
    if head.startswith(("{", "[")):
        return "json"
    if head.startswith("---") or re.search(r"^#{1,6} \S|^\s*[-*] \S|\*\*\w", head, re.M):
        return "markdown"
    return "text"


def _outline(text: str, fmt: str) -> Outline:
    """The parsers are imported when first used: a search never needs them (a faster cold start)."""
    if fmt == "html":
        from ingest.html import parse_html

        return parse_html(text)
    if fmt == "text":
        from ingest.text import parse_text

        return parse_text(text)
    from ingest.markdown import parse_markdown

    return parse_markdown(text)


def parse_document(
    data: bytes,
    *,
    source: str,
    fmt: str | None = None,
    mapping: dict[str, str] | None = None,
    redact: Callable[[str], tuple[str, dict[str, int]]] | None = None,
    converted: conv.Converted | None = None,
) -> list[ParsedDocument]:
    """Parse one submitted file; a bulk export gives one document per record.

    `redact` sees the decoded (or converted) text before anything else does and returns it with
    secrets replaced.
    """
    fmt = fmt or conv.suffix_format(source)
    if fmt is None or fmt in TEXT_FORMATS:
        found = conv.sniff(data)
        if found == "ole":
            conv.check_not_encrypted(data, source=source)
            raise IngestError(
                source,
                f"the file is {conv.NAMES['ole']} (.doc, .ppt or .xls), which is not read; "
                "save it as .docx, .pptx or .xlsx",
            )
        if found is not None:
            named = PurePath(source.split("#")[-1]).suffix
            if fmt is not None or named:
                raise IngestError(
                    source,
                    f"the file is {conv.NAMES.get(found, found)} but is named {named or f'as {fmt}'}; "
                    f"rename it to .{found}",
                )
            fmt = found
    if fmt in conv.CONTAINERS:
        raise IngestError(
            source, "an archive holds several files: unpack it first (kb ingest does)"
        )
    if fmt in conv.CONVERTED:
        return [_converted(data, source=source, fmt=fmt, redact=redact, converted=converted)]
    from ingest.extract import extract

    decoded = decode(data, source=source)
    redacted: dict[str, int] = {}
    if redact is not None:
        decoded.text, redacted = redact(decoded.text)
    fmt = fmt or detect_format(source, decoded.text)
    if fmt not in FORMATS:
        raise IngestError(source, f"unknown format {fmt!r}; valid: {', '.join(FORMATS)}")
    if fmt in BULK_FORMATS:
        from ingest.tabular import records

        docs: list[ParsedDocument] = []
        for record in records(decoded.text, fmt=fmt, source=source, mapping=mapping):
            outline = _outline(record.markdown, "markdown")
            doc = extract(
                outline,
                source=f"{source}#{record.locator}",
                fmt=f"{fmt}-record",
                encoding=decoded.encoding,
                content_hash=content_hash(record.markdown),
            )
            doc.redacted = dict(redacted) if not docs else {}
            docs.append(doc)
        if not docs:
            raise IngestError(source, "no records found")
        return docs
    outline = _outline(decoded.text, fmt)
    doc = extract(
        outline,
        source=source,
        fmt=fmt,
        encoding=decoded.encoding,
        content_hash=content_hash(decoded.text),
    )
    if not doc.units:
        raise IngestError(source, "no text found under any heading (the document is empty)")
    doc.redacted = redacted
    doc.original = data
    doc.media_type = MEDIA_TYPES[fmt]
    return [doc]


def _converted(
    data: bytes,
    *,
    source: str,
    fmt: str,
    redact: Callable[[str], tuple[str, dict[str, int]]] | None,
    converted: conv.Converted | None,
) -> ParsedDocument:
    """A Word, PDF, slide, sheet or e-mail file: converted to Markdown, then read as Markdown."""
    from ingest.extract import extract

    converted = converted or conv.convert(data, source=source, fmt=fmt)
    text, redacted = converted.text, dict[str, int]()
    if redact is not None:
        text, redacted = redact(text)
    doc = extract(
        _outline(text, "markdown"),
        source=source,
        fmt=fmt,
        encoding="binary" if fmt not in ("eml",) else "mime",
        content_hash=content_hash(text),
    )
    doc.warnings = converted.warnings + doc.warnings
    if not doc.units:
        raise IngestError(
            source, f"no text found in {conv.NAMES.get(fmt, fmt)} (the document is empty)"
        )
    doc.redacted = redacted
    doc.original = data
    doc.media_type = MEDIA_TYPES[fmt]
    return doc
