"""From files and bytes to parsed documents with their store keys; bad input becomes a failed Result."""

from __future__ import annotations

from pathlib import Path

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
) -> tuple[Parsed, list[Result]]:
    from ingest import IngestError, parse_document

    if len(data) > max_bytes:
        return [], [
            Result(
                source, "failed", reason=f"{len(data):,} bytes is over the limit of {max_bytes:,}"
            )
        ]
    source = _redact(source)[0]  # a file name can carry a secret too
    try:
        docs = parse_document(data, source=source, fmt=fmt, mapping=mapping, redact=_redact)
    except IngestError as exc:
        return [], [Result(exc.source, "failed", reason=exc.reason)]
    except (ValueError, RecursionError) as exc:
        return [], [Result(source, "failed", reason=f"could not be parsed: {exc}")]
    out: Parsed = []
    clean = {name: _redact(value)[0] for name, value in (metadata or {}).items() if value}
    for doc in docs:
        for name, value in clean.items():
            doc.fields[name] = {
                "value": _normalise(name, value),
                "raw": value,
                "source": {"section": "(submission)", "lines": [0, 0], "via": "submitted"},
            }
        key = source_key or source
        if doc.source != source:  # a record of a bulk file
            key = f"{key}{doc.source[len(source) :]}"
        out.append((doc, key))
    return out, []
