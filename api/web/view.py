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
    "actions",
    "summary",
)
FIELD_LABELS = {
    "use_case": "Use case",
    "phase_reached": "Phase reached",
    "kpis": "Business KPIs",
    "actions": "Action items",
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
UNIT_NOUNS = {
    "root_cause": "root cause",
    "config": "configuration",
    "criteria": "criteria block",
    "other": "other section",
    "context": "context block",
    "summary": "summary",
    "impact": "impact note",
    "timeline": "timeline",
}


def unit_noun(kind: str, n: int) -> str:
    """`1 lesson`, `2 root causes`: what a count of units of this kind is called."""
    noun = UNIT_NOUNS.get(kind, kind.replace("_", " "))
    return noun if n == 1 else noun + ("es" if noun.endswith("s") else "s")


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
    "qa": "QA",
    "ai": "AI",
}


def label(value: Any) -> str:
    """A stored slug as a reader writes it: `poc` is PoC, `customer-support` is Customer support."""
    words = str(value or "").replace("r-and-d", "R&D").replace("_", " ").replace("-", " ").split()
    words = [ACRONYMS.get(w.lower(), w) for w in words]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def locate(
    text: str | None, src: dict[str, Any] | None, key: str = "", needle: str = ""
) -> dict[str, Any] | None:
    """The lines a value came from, narrowed inside a long block (front matter, a table) to the
    line that names it; with one line either side, numbered as in the original."""
    if not text or not src or not src.get("lines") or not src["lines"][0]:
        return None
    all_lines = text.splitlines()
    start, end = src["lines"][0], min(src["lines"][1] or src["lines"][0], len(all_lines))
    if end - start >= 3:
        span = range(start, end + 1)
        words = {key.lower(), key.replace("_", " ").lower(), key.split("_")[0].lower()} - {""}
        hit = next(
            (n for n in span if needle and needle.lower() in all_lines[n - 1].lower()), None
        ) or next(
            (
                n
                for n in span
                if any(
                    all_lines[n - 1].strip().lower().lstrip("-*| ").startswith(w + ":")
                    for w in words
                )
            ),
            None,
        )
        if hit:
            start = end = hit
    first, last = max(1, start - 1), min(len(all_lines), end + 1)
    return {
        "start": start,
        "end": end,
        "lines": [(n, all_lines[n - 1]) for n in range(first, last + 1)],
    }


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
        if "status" in value and "text" in value:  # an action item
            due = value.get("due") or value.get("due_text")
            bits = [value.get("owner") or "no owner", f"due {due}" if due else "", value["status"]]
            return f"{value['text']} ({', '.join(b for b in bits if b)})"
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
        unit_noun=unit_noun,
        field_text_for=lambda value, name: field_text(name, value),
    )
    env.globals.update(
        FIELD_ORDER=FIELD_ORDER,
        FIELD_LABELS=FIELD_LABELS,
        UNIT_ORDER=UNIT_ORDER,
        UNIT_LABELS=UNIT_LABELS,
        FACET_LABELS=FACET_LABELS,
        locate=locate,
    )
    return templates
