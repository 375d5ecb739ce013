"""Ingesters: turn submitted files (Markdown, text, HTML, JSON/JSONL/CSV) into kb records."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from pathlib import PurePath

from ingest.encoding import decode
from ingest.errors import IngestError
from ingest.extract import extract
from ingest.html import parse_html
from ingest.markdown import parse_markdown
from ingest.records import ParsedDocument
from ingest.structure import Outline
from ingest.tabular import parse_mapping, records
from ingest.text import parse_text

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
FORMATS = ("markdown", "text", "html", "json", "jsonl", "csv")
BULK_FORMATS = ("json", "jsonl", "csv")
DOCUMENT_FORMATS = ("markdown", "text", "html")  # one document per file

__all__ = ["FORMATS", "IngestError", "detect_format", "parse_document", "parse_mapping", "SUFFIXES"]


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
    if fmt == "html":
        return parse_html(text)
    if fmt == "text":
        return parse_text(text)
    return parse_markdown(text)


def parse_document(
    data: bytes,
    *,
    source: str,
    fmt: str | None = None,
    mapping: dict[str, str] | None = None,
    redact: Callable[[str], tuple[str, dict[str, int]]] | None = None,
) -> list[ParsedDocument]:
    """Parse one submitted file; a bulk export gives one document per record.

    `redact` sees the decoded text before anything else does and returns it with secrets replaced.
    """
    decoded = decode(data, source=source)
    redacted: dict[str, int] = {}
    if redact is not None:
        decoded.text, redacted = redact(decoded.text)
    fmt = fmt or detect_format(source, decoded.text)
    if fmt not in FORMATS:
        raise IngestError(source, f"unknown format {fmt!r}; valid: {', '.join(FORMATS)}")
    if fmt in BULK_FORMATS:
        docs: list[ParsedDocument] = []
        for record in records(decoded.text, fmt=fmt, source=source, mapping=mapping):
            outline = parse_markdown(record.markdown)
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
    return [doc]
