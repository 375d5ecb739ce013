"""Bulk exports (JSON, JSONL, CSV): each record becomes a small Markdown document, then parsed."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ingest.errors import IngestError

# Default column names for each target, tried in order (case-insensitive) when no --map is given.
DEFAULT_MAP: dict[str, tuple[str, ...]] = {
    "title": ("title", "name", "subject", "headline", "summary_title"),
    "project": ("project", "project_name", "poc", "initiative"),
    "department": ("department", "dept", "business_unit", "organization", "organisation", "team"),
    "technique": ("technique", "technology", "ai_technique"),
    "phase_reached": ("phase_reached", "phase", "stage", "program_phase"),
    "outcome": ("outcome", "status", "result"),
    "date": ("date", "lesson_date", "incident_date", "created", "created_at"),
    "owners": ("owner", "owners", "author", "authors", "submitter"),
    "summary": ("summary", "abstract", "abstract_text", "description", "overview", "text", "body"),
    "root_cause": (
        "root_cause",
        "root_causes",
        "cause",
        "causes",
        "driving_event",
        "driving_event_text",
        "what_went_wrong",
        "problem",
    ),
    "lesson": ("lesson", "lessons", "lesson_text", "lessons_learned", "learning", "learnings"),
    "recommendation": (
        "recommendation",
        "recommendations",
        "recommendation_text",
        "action_items",
        "actions",
        "next_steps",
    ),
    "constraint": ("constraint", "constraints", "limitations"),
    "risk": ("risk", "risks", "open_risks"),
    "impact": ("impact", "consequences", "outcome_text"),
}
_HEADINGS = {
    "summary": "Summary",
    "root_cause": "Root cause",
    "lesson": "Lessons learned",
    "recommendation": "Recommendations",
    "constraint": "Constraints",
    "risk": "Open risks",
    "impact": "Impact",
}
_META = ("project", "department", "technique", "phase_reached", "outcome", "date", "owners")


@dataclass
class Record:
    """One row of a bulk export, rendered as Markdown with where in the file it came from."""

    locator: str
    markdown: str
    raw: dict[str, Any]


def parse_mapping(pairs: list[str]) -> dict[str, str]:
    """['title=Title', 'lesson=Lesson'] -> {'title': 'Title', 'lesson': 'Lesson'}."""
    mapping: dict[str, str] = {}
    for pair in pairs:
        target, sep, column = pair.partition("=")
        target = target.strip().lower().replace("-", "_")
        if not sep or not column.strip():
            raise ValueError(f"--map takes TARGET=COLUMN, got {pair!r}")
        if target not in DEFAULT_MAP:
            raise ValueError(
                f"unknown --map target {target!r}; valid: {', '.join(sorted(DEFAULT_MAP))}"
            )
        mapping[target] = column.strip()
    return mapping


def _rows(text: str, fmt: str, source: str) -> Iterator[tuple[str, dict[str, Any]]]:
    if fmt == "csv":
        reader = csv.DictReader(io.StringIO(text))
        if not reader.fieldnames:
            raise IngestError(source, "CSV has no header row")
        for number, row in enumerate(reader, start=2):
            yield f"row {number}", {k: v for k, v in row.items() if k is not None}
        return
    if fmt == "jsonl":
        for number, line in enumerate(text.split("\n"), start=1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError as exc:
                raise IngestError(source, f"line {number} is not valid JSON ({exc.msg})") from exc
            if not isinstance(value, dict):
                raise IngestError(source, f"line {number} is not a JSON object")
            yield f"line {number}", value
        return
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise IngestError(source, f"not valid JSON ({exc.msg} at line {exc.lineno})") from exc
    if isinstance(data, dict):
        inner = next(
            (v for v in data.values() if isinstance(v, list) and v and isinstance(v[0], dict)), None
        )
        data = inner if inner is not None else [data]
    if not isinstance(data, list):
        raise IngestError(source, "JSON must be an object or a list of objects")
    for number, value in enumerate(data, start=1):
        if isinstance(value, dict):
            yield f"item {number}", value


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "\n".join(f"- {_as_text(v)}" for v in value if _as_text(v))
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_as_text(v)}" for k, v in value.items())
    text = str(value).strip()
    if text.startswith("[") and text.endswith("]"):  # a JSON list inside a CSV cell
        try:
            return _as_text(json.loads(text))
        except json.JSONDecodeError:
            pass
    return text


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text)[:2000]


def _resolve(row: dict[str, Any], mapping: dict[str, str]) -> dict[str, str]:
    lower = {k.lower().strip(): k for k in row}
    picked: dict[str, str] = {}
    for target, candidates in DEFAULT_MAP.items():
        column = mapping.get(target)
        names = [column] if column else list(candidates)
        for name in names:
            key = lower.get(name.lower())
            if key is not None and _as_text(row[key]):
                picked[target] = key
                break
    return picked


def records(
    text: str, *, fmt: str, source: str, mapping: dict[str, str] | None = None
) -> Iterator[Record]:
    """Yield one Markdown rendering per row; columns not mapped go under 'Other fields'."""
    mapping = mapping or {}
    for locator, row in _rows(text, fmt, source):
        picked = _resolve(row, mapping)
        if not any(
            t in picked for t in ("summary", "lesson", "root_cause", "recommendation", "title")
        ):
            raise IngestError(
                f"{source} ({locator})",
                "no column holds a title, summary, lesson, root cause or recommendation; "
                f"columns are {', '.join(list(row)[:12])}. Use --map TARGET=COLUMN",
            )
        title = _as_text(row[picked["title"]]) if "title" in picked else f"{source} {locator}"
        lines = ["---", f"title: {json.dumps(title.splitlines()[0][:300])}"]
        for target in _META:
            if target in picked:
                lines.append(
                    f"{target}: {json.dumps(_as_text(row[picked[target]]).replace(chr(10), ' '))}"
                )
        lines += ["---", "", f"# {title.splitlines()[0][:300]}", ""]
        for target, heading in _HEADINGS.items():
            if target in picked:
                lines += [f"## {heading}", "", _as_text(row[picked[target]]), ""]
        used = set(picked.values())
        other = [(k, _as_text(v)) for k, v in row.items() if k not in used and _as_text(v)]
        if other:
            lines += ["## Other fields", ""]
            lines += [f"- {k}: {_one_line(v)}" for k, v in other]
        yield Record(locator, "\n".join(lines) + "\n", row)
