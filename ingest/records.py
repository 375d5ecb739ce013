"""Plain records the ingesters build and the core stores: what a parsed document looks like."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

DOCUMENT_KINDS = ("postmortem", "handoff", "charter", "incident", "other")
PHASES = ("poc", "pilot", "production")
OUTCOMES = (
    "in-production",
    "stopped-at-gate",
    "failed-in-pilot",
    "stalled",
    "rejected-by-leadership",
    "cancelled",
    "ongoing",
)
UNIT_KINDS = (
    "lesson",
    "root_cause",
    "constraint",
    "recommendation",
    "decision",
    "prompt",
    "config",
    "risk",
    "summary",
    "impact",
    "timeline",
    "context",
    "criteria",
    "kpi",
    "gate",
    "other",
)
CONSTRAINT_CATEGORIES = (
    "security",
    "data_quality",
    "cost",
    "integration",
    "regulatory",
    "operations",
)


@dataclass
class Source:
    """Where a value came from, so a reader can check it against the document."""

    section: str
    line_start: int
    line_end: int
    via: str = "text"  # front matter, metadata, heading, table, text, inferred, filename

    def as_dict(self) -> dict[str, Any]:
        return {
            "section": self.section,
            "lines": [self.line_start, self.line_end],
            "via": self.via,
        }


@dataclass
class PatternTag:
    """One failure pattern shown by a unit or document, with the sentence that shows it."""

    pattern: str
    evidence: str
    cue: str = ""


@dataclass
class Unit:
    """A retrievable piece of a document: one lesson, root cause, constraint, prompt..."""

    kind: str
    text: str
    section: str
    line_start: int
    line_end: int
    category: str | None = None
    patterns: list[PatternTag] = field(default_factory=list)
    form: str = ""  # the block it came from: paragraph, item, row, code, quote, html
    heading_kind: str = ""  # what the heading rules alone made of it, before the reading layer
    confidence: float | None = None  # the reading layer's probability for `kind`
    place: str | None = None  # where in the original: "page 3", "slide 5", "sheet Lessons, row 4"


@dataclass
class ParsedDocument:
    """What an ingester makes of one submitted file or record, before it is stored."""

    source: str
    format: str
    encoding: str
    content_hash: str
    text: str
    title: str
    kind: str = "other"
    fields: dict[str, Any] = field(default_factory=dict)
    units: list[Unit] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    patterns: list[PatternTag] = field(default_factory=list)
    redacted: dict[str, int] = field(default_factory=dict)  # secrets replaced, by type
    original: bytes | None = field(default=None, repr=False)  # the file as submitted
    media_type: str = ""

    def field_value(self, name: str) -> Any:
        """The bare value of a scalar field, or None."""
        entry = self.fields.get(name)
        if isinstance(entry, dict):
            return entry.get("value")
        return None

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out.pop("original", None)
        return out
