"""From files and bytes to parsed documents with their store keys; bad input becomes a failed Result."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kb.records import ParsedDocument
from kb.results import Result

Parsed = list[tuple[ParsedDocument, str]]  # (document, source key for versioning)


def _redact(text: str) -> tuple[str, dict[str, int]]:
    from kb.secrets import redact

    result = redact(text)
    return result.text, result.summary


def _normalise(name: str, value: str) -> str:
    """Submitted metadata uses the same vocabulary as what the parsers find (`HR` -> `hr`)."""
    if name != "department":
        return value
    from ingest.vocabulary import DEPARTMENTS, match_table, slug

    return match_table(value, DEPARTMENTS) or slug(value)


def read_file(path: Path, *, max_bytes: int) -> bytes | Result:
    source = str(path)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            return Result(
                source,
                "failed",
                reason=f"file is {size:,} bytes, over the limit of {max_bytes:,} (set KB_MAX_FILE_BYTES to raise it)",
            )
        return path.read_bytes()
    except OSError as exc:
        return Result(source, "failed", reason=f"cannot read: {exc.strerror or exc}")


def parse_bytes(
    data: bytes,
    *,
    source: str,
    source_key: str | None,
    max_bytes: int,
    fmt: str | None = None,
    mapping: dict[str, str] | None = None,
    metadata: dict[str, str] | None = None,
    limits: Any = None,
) -> tuple[Parsed, list[Result]]:
    """Every document in a submission (a zip's members and an e-mail's attachments included),
    and a failed Result for each part that cannot be read; one bad part does not stop the rest."""
    from ingest import IngestError, Limits, unpack

    limits = limits or Limits(max_member_bytes=max_bytes)
    bound = limits.max_total_bytes if is_archive(source) else max_bytes
    if len(data) > bound:
        return [], [
            Result(source, "failed", reason=f"{len(data):,} bytes is over the limit of {bound:,}")
        ]
    source = _redact(source)[0]  # a file name can carry a secret too
    try:
        pieces = unpack(
            data, source=source, fmt=fmt if fmt in ("zip", "eml", "msg") else None, limits=limits
        )
    except IngestError as exc:
        return [], [Result(exc.source, "failed", reason=exc.reason)]
    out: Parsed = []
    failed: list[Result] = []
    for piece in pieces:
        if isinstance(piece, IngestError):
            failed.append(Result(piece.source, "failed", reason=piece.reason))
            continue
        piece_fmt = fmt if piece.source == source and fmt not in ("zip",) else None
        parsed, bad = _parse_piece(
            piece,
            fmt=piece_fmt,
            mapping=mapping,
            metadata=metadata,
            source_key=source_key,
            top=source,
        )
        out.extend(parsed)
        failed.extend(bad)
    return out, failed


def is_archive(name: str) -> bool:
    """A zip export is bounded by the archive limits, not the single-file one."""
    return name.lower().endswith(".zip")


def _parse_piece(
    piece: Any,
    *,
    fmt: str | None,
    mapping: dict[str, str] | None,
    metadata: dict[str, str] | None,
    source_key: str | None,
    top: str,
) -> tuple[Parsed, list[Result]]:
    from ingest import IngestError, parse_document

    source = piece.source
    try:
        docs = parse_document(
            piece.data,
            source=source,
            fmt=fmt or piece.fmt,
            mapping=mapping,
            redact=_redact,
            converted=piece.converted,
        )
    except IngestError as exc:
        return [], [Result(exc.source, "failed", reason=exc.reason)]
    except (ValueError, RecursionError) as exc:
        return [], [Result(source, "failed", reason=f"could not be parsed: {exc}")]
    out: Parsed = []
    clean = {name: _redact(value)[0] for name, value in (metadata or {}).items() if value}
    for doc in docs:
        if (
            doc.redacted
            and doc.original is not None
            and doc.format not in ("markdown", "text", "html")
        ):
            doc.original = None
            doc.warnings.append(
                "the original file is not kept: it held secrets, which were redacted from the text"
            )
        elif doc.redacted:
            doc.original = None
        carrier = piece.metadata.get("author")
        if carrier and not doc.fields.get("authors"):
            doc.fields["authors"] = [
                {
                    "name": carrier,
                    "role": "sender of the e-mail that carried it",
                    "source": {"section": "(e-mail)", "lines": [0, 0], "via": "e-mail"},
                }
            ]
        for name, value in clean.items():
            doc.fields[name] = {
                "value": _normalise(name, value),
                "raw": value,
                "source": {"section": "(submission)", "lines": [0, 0], "via": "submitted"},
            }
        key = source_key or top
        if doc.source != top and doc.source.startswith(top):  # a record, member or attachment
            key = f"{key}{doc.source[len(top) :]}"
        out.append((doc, key))
    return out, []
