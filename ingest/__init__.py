"""Ingesters: turn submitted files (Markdown, text, HTML, JSON/JSONL/CSV, Word, PDF, PowerPoint,
OpenDocument, Excel, e-mail, zip exports) into kb records.

The names below live in `ingest.documents` and are imported on first use, so a search, which
needs only `ingest.records`, does not import the parsers.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ingest.documents import (
        DOCUMENT_FORMATS,
        FORMATS,
        SUFFIXES,
        IngestError,
        Limits,
        Piece,
        detect_format,
        parse_document,
        parse_mapping,
        unpack,
    )

__all__ = [
    "DOCUMENT_FORMATS",
    "FORMATS",
    "IngestError",
    "Limits",
    "Piece",
    "SUFFIXES",
    "detect_format",
    "parse_document",
    "parse_mapping",
    "unpack",
]


def __getattr__(name: str) -> Any:
    if name in __all__:
        return getattr(import_module("ingest.documents"), name)
    raise AttributeError(f"module 'ingest' has no attribute {name!r}")
