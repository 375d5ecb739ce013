"""How a parsed document becomes the rows a backend stores, and which columns an export may name."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ingest.convert import place_at, places
from kb.records import ParsedDocument

EXPORT_VERSION = 1


DOCUMENT_COLUMNS = (
    "id",
    "kind",
    "title",
    "project",
    "department",
    "use_case",
    "phase_reached",
    "outcome",
    "source",
    "source_key",
    "format",
    "encoding",
    "content_hash",
    "version",
    "superseded_by",
    "ingested_at",
    "start_date",
    "end_date",
    "summary",
    "body",
    "text",
    "fields",
    "warnings",
)
UNIT_COLUMNS = (
    "id",
    "document_id",
    "ord",
    "kind",
    "category",
    "section",
    "line_start",
    "line_end",
    "text",
    "confidence",
    "place",
)
TAG_COLUMNS = ("document_id", "unit_id", "pattern", "evidence", "cue")


def only(row: dict[str, Any], columns: tuple[str, ...]) -> dict[str, Any]:
    missing = [c for c in ("id", "title", "content_hash") if c in columns and c not in row]
    if missing:
        raise ValueError(f"missing {', '.join(missing)}")
    return {k: v for k, v in row.items() if k in columns}


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def facets_of(doc: ParsedDocument) -> list[tuple[str, str]]:
    out = [("kind", doc.kind)]
    for name, facet in (
        ("phase_reached", "phase"),
        ("outcome", "outcome"),
        ("department", "department"),
    ):
        value = doc.field_value(name)
        if value:
            out.append((facet, str(value)))
    techniques = doc.field_value("technique") or []
    out += [
        ("technique", str(t))
        for t in (techniques if isinstance(techniques, list) else [techniques])
    ]
    out += [("pattern", tag.pattern) for tag in doc.patterns]
    return out


def records_of(
    doc: ParsedDocument, *, source_key: str, previous: dict[str, Any] | None
) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    """(document row, unit rows, tag rows); the id is the content hash's first 12 hex digits."""
    doc_id = doc.content_hash[:12]
    row = {
        "id": doc_id,
        "kind": doc.kind,
        "title": doc.title,
        "project": doc.field_value("project"),
        "department": doc.field_value("department"),
        "use_case": doc.field_value("use_case"),
        "phase_reached": doc.field_value("phase_reached"),
        "outcome": doc.field_value("outcome"),
        "source": doc.source,
        "source_key": source_key,
        "format": doc.format,
        "encoding": doc.encoding,
        "content_hash": doc.content_hash,
        "version": (previous["version"] + 1) if previous else 1,
        "superseded_by": None,
        "ingested_at": now(),
        "start_date": str(doc.field_value("start") or doc.field_value("date") or "") or None,
        "end_date": str(doc.field_value("end") or "") or None,
        "summary": doc.field_value("summary"),
        "body": "\n\n".join(u.text for u in doc.units),
        "text": doc.text,
        "fields": doc.fields,
        "warnings": doc.warnings,
    }
    marks = places(doc.text)
    if marks:
        _place_fields(doc.fields, marks)
    units: list[dict[str, Any]] = []
    tags: list[dict[str, Any]] = []
    for ord_, unit in enumerate(doc.units, start=1):
        unit.place = place_at(marks, unit.line_start) if marks else None
        unit_id = f"{doc_id}-{ord_:03d}"
        units.append(
            {
                "id": unit_id,
                "document_id": doc_id,
                "ord": ord_,
                "kind": unit.kind,
                "category": unit.category,
                "section": unit.section,
                "line_start": unit.line_start,
                "line_end": unit.line_end,
                "text": unit.text,
                "confidence": unit.confidence,
                "place": unit.place,
            }
        )
        tags += [
            {
                "document_id": doc_id,
                "unit_id": unit_id,
                "pattern": t.pattern,
                "evidence": t.evidence,
                "cue": t.cue,
            }
            for t in unit.patterns
        ]
    return row, units, tags


def original_of(doc: ParsedDocument) -> dict[str, Any] | None:
    """The submitted file, to keep beside the record (none for bulk records or redacted files)."""
    if doc.original is None:
        return None
    name = (
        doc.source.split("#")[-1].replace("\\", "/").rsplit("/", 1)[-1].split(":", 1)[-1]
        or "document"
    )
    return {
        "name": name,
        "media_type": doc.media_type or "application/octet-stream",
        "size": len(doc.original),
        "data": doc.original,
    }


def _place_fields(value: Any, marks: list[tuple[int, str]]) -> None:
    """Every field's source learns where in the original its lines stand."""
    if isinstance(value, dict):
        lines = value.get("lines")
        if (
            "section" in value
            and isinstance(lines, list)
            and lines
            and isinstance(lines[0], int)
            and lines[0] > 0
        ):
            place = place_at(marks, lines[0])
            if place:
                value["at"] = place
        for item in value.values():
            _place_fields(item, marks)
    elif isinstance(value, list):
        for item in value:
            _place_fields(item, marks)
