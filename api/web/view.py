"""Jinja2 templates and the filters they use; every value is escaped unless a filter made it safe."""

from __future__ import annotations

import re
from functools import partial
from pathlib import Path
from typing import Any

from fastapi.templating import Jinja2Templates
from markdown_it import MarkdownIt
from markupsafe import Markup, escape

from kb.taxonomy import patterns

HERE = Path(__file__).resolve().parent

FIELD_ORDER = (
    "project",
    "department",
    "use_case",
    "technique",
    "phase_reached",
    "outcome",
    "date",
    "start",
    "end",
    "owners",
    "stakeholders",
    "authors",
    "handoff_from",
    "handoff_to",
    "gates",
    "success_criteria",
    "exit_criteria",
    "kpis",
    "summary",
)
FIELD_LABELS = {
    "use_case": "Use case",
    "phase_reached": "Phase reached",
    "kpis": "Business KPIs",
    "handoff_from": "Handed over by",
    "handoff_to": "Handed over to",
    "start": "Started",
    "end": "Ended",
}
UNIT_ORDER = (
    "summary",
    "root_cause",
    "lesson",
    "recommendation",
    "constraint",
    "decision",
    "risk",
    "criteria",
    "impact",
    "prompt",
    "config",
    "timeline",
    "context",
    "other",
)
UNIT_LABELS = {
    "root_cause": "Root causes",
    "summary": "Summary",
    "lesson": "Lessons",
    "recommendation": "Recommendations",
    "constraint": "Constraints",
    "decision": "Decisions",
    "risk": "Risks",
    "criteria": "Criteria",
    "impact": "Impact",
    "prompt": "Prompts",
    "config": "Configurations",
    "timeline": "Timeline",
    "context": "Context",
    "other": "Other sections",
    "document": "Whole document",
}
FACET_LABELS = {
    "pattern": "Failure pattern",
    "phase": "Phase reached",
    "outcome": "Outcome",
    "department": "Department",
    "technique": "Technique",
    "kind": "Kind of document",
}


def _markdown() -> MarkdownIt:
    """CommonMark with raw HTML off: a submitted <script> is shown as text, never run."""
    return MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")


def render_markdown(md: MarkdownIt, text: str | None) -> Markup:
    html = md.render(text or "")
    # links keep their text but cannot run script or leave without the reader knowing
    html = re.sub(r'<a href="(?!https?://|/|#)[^"]*"', '<a href="#"', html)
    return Markup(html.replace("<a href=", '<a rel="nofollow noopener" href='))  # noqa: S704


def marked(snippet: str | None) -> Markup:
    """A search snippet with its **matched words** as <mark>; everything else escaped."""
    safe = str(escape(snippet or ""))
    return Markup(re.sub(r"\*\*(.+?)\*\*", r"<mark>\1</mark>", safe))  # noqa: S704


ACRONYMS = {
    "poc": "PoC",
    "hr": "HR",
    "it": "IT",
    "llm": "LLM",
    "ocr": "OCR",
    "rag": "RAG",
    "kpi": "KPI",
}


def label(value: Any) -> str:
    """A stored slug as a reader writes it: `poc` is PoC, `customer-support` is Customer support."""
    words = str(value or "").replace("_", " ").replace("-", " ").split()
    words = [ACRONYMS.get(w.lower(), w) for w in words]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def source_lines(
    text: str | None, lines: list[int] | None, context: int = 1
) -> list[tuple[int, str]]:
    """The lines a value came from, with one line either side, numbered as in the original."""
    if not text or not lines or not lines[0]:
        return []
    all_lines = text.splitlines()
    start = max(1, lines[0] - context)
    end = min(len(all_lines), (lines[1] or lines[0]) + context)
    return [(n, all_lines[n - 1]) for n in range(start, end + 1)]


def field_text(name: str, value: Any) -> str:
    """One field's value as a short line of text."""
    if isinstance(value, dict) and "value" in value:
        inner = value["value"]
        if isinstance(inner, list):
            return ", ".join(label(v) if name == "technique" else str(v) for v in inner)
        if name in ("department", "phase_reached", "outcome", "kind"):
            return label(inner)
        return str(inner)
    if isinstance(value, dict):
        if "name" in value:
            return value["name"] + (f" ({value['role']})" if value.get("role") else "")
        if "metric" in value:
            parts = [str(value.get("metric") or "")]
            for key in ("baseline", "target", "achieved"):
                if value.get(key):
                    parts.append(f"{key} {value[key]}")
            return " · ".join(p for p in parts if p) or str(value.get("text", ""))
        if "gate" in value:
            bits = [str(value.get("gate") or ""), str(value.get("decision") or "")]
            line = " — ".join(b for b in bits if b)
            return f"{line}: {value['text']}" if value.get("text") else line
        return str(value.get("text") or "")
    return str(value)


def make_templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    env = templates.env
    md = _markdown()
    names = {p.id: p.name for p in patterns()}
    env.filters.update(
        markdown=partial(render_markdown, md),
        marked=marked,
        label=label,
        pattern_name=lambda pid: names.get(pid, label(pid)),
        field_text_for=lambda value, name: field_text(name, value),
    )
    env.globals.update(
        FIELD_ORDER=FIELD_ORDER,
        FIELD_LABELS=FIELD_LABELS,
        UNIT_ORDER=UNIT_ORDER,
        UNIT_LABELS=UNIT_LABELS,
        FACET_LABELS=FACET_LABELS,
        source_lines=source_lines,
        pattern_names=names,
    )
    return templates
