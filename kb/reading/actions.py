"""Action items read from a document: what is to be done, by whom, by when, and whether it is done.

Three forms are read, as organisations write them: table rows with an action column beside an
owner, due or status column; labelled lines ("Action:", "Agreed action:", "AP", a checkbox); and
prose that names a person, a task and a date ("Maria will write the runbook by 30 June").
A due date that cannot be read keeps its text and says so; nothing is guessed.
"""

from __future__ import annotations

import calendar
import re
from datetime import date
from typing import Any

from kb.records import ParsedDocument, Source, Unit

STATUSES = ("open", "done", "dropped")

_ACTION_COLUMN = re.compile(
    r"^(#\s*)?(agreed |open |follow-?up |next )?(action( item)?s?|item|task|to-?do|follow-?ups?|"
    r"what|next steps?|recommendation|remediation|activity|deliverable)$",
    re.I,
)
_OWNER_COLUMN = re.compile(
    r"^(owner|owners|action owner|who|responsible|assignee|assigned to|lead|accountable|by whom|"
    r"person|contact)$",
    re.I,
)
_DUE_COLUMN = re.compile(r"^(due|due date|deadline|by when|target date|date|when|target|by)$", re.I)
_FIRM_DUE = re.compile(
    r"^(due|due date|deadline|by when|target date)$", re.I
)  # alone they make a row an action
_STATUS_COLUMN = re.compile(r"^(status|state|done\??|progress)$", re.I)
_TICKET_COLUMN = re.compile(r"^(ticket|jira|issue|link|ref|reference)$", re.I)

_LABEL = re.compile(
    r"(?:^|(?<=[.;]\s))(?:\d+(?:\.\d+)*\.?\s+)?"
    r"(?P<label>agreed actions?|action items?|actions?|ap|todo|to-?do|follow-?ups?|next steps?)"
    r"(?:\s+(?P<who>[A-Z][\w.'-]+(?:\s+[A-Z][\w.'-]+){0,2}))?\s*[:–—-]\s+(?P<what>.+)$",
    re.I | re.S,
)
_CHECKBOX = re.compile(r"^\[(?P<mark>[ xX✓✔])\]\s*(?P<what>.+)$", re.S)
_NAME = r"[A-Z][a-zà-ÿ'’-]+(?:\s+(?:van |de |von )?[A-Z][a-zà-ÿ'’.-]*){0,2}|[A-Z]{2,3}(?:\s*(?:and|&|/)\s*[A-Z]{2,3})?"
_PROSE = re.compile(
    rf"(?P<who>{_NAME})\s+(?:will|is to|are to|to|agreed to|has agreed to|have agreed to|owns|takes)\s+"
    r"(?P<what>[^.;]{6,200}?)\s+(?:by|before|until|no later than|due)\s+(?P<due>[^.;,()]{3,40})",
)
_NOT_A_NAME = {
    "we", "i", "you", "they", "he", "she", "it", "this", "that", "these", "those", "the", "a", "an",
    "our", "their", "each", "every", "all", "nobody", "someone", "everyone", "who", "which", "there",
    "here", "next", "then", "also", "and", "but", "if", "when", "once", "team", "us",
    "time", "cost", "costs", "budget", "data", "accuracy", "work", "plan", "need", "goal", "aim",
    "target", "decision", "ability", "effort", "pilot", "poc", "project", "model", "system",
    "vendor", "business", "nothing", "one", "two", "three", "most", "some", "many", "access",
}  # fmt: skip
_WHO_LEAD = re.compile(rf"^(?P<who>{_NAME}):\s+\S")
_OWNER_MARK = re.compile(
    r"\b(?:owner|owners|responsible|assigned to|assignee|who)\s*[:=]\s*(?P<who>[^;,)\]\n]+)", re.I
)
_DUE_MARK = re.compile(
    r"\b(?P<label>due(?: date)?|deadline|target date|by|until|no later than)\s*[:=]?\s*(?P<due>[^;,)\]\n]{3,40})",
    re.I,
)
_LEAD = re.compile(rf"^(?P<who>{_NAME})\s+(?:will|to|is to|are to)\s+\w")
_TICKET = re.compile(r"\b([A-Z][A-Z0-9]{1,9}-\d{1,6})\b|(https?://\S+)")
_DONE = re.compile(r"\b(done|completed?|closed|finished|resolved|delivered)\b|[✓✔]", re.I)
_DROPPED = re.compile(
    r"\b(dropped|cancell?ed|won'?t do|wontfix|abandoned|not pursued|descoped|rejected)\b", re.I
)
_MONTHS = {
    name: i
    for i in range(1, 13)
    for name in (calendar.month_name[i].lower(), calendar.month_abbr[i].lower())
}
_MONTH = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def parse_due(text: str, *, year: int | None = None) -> str | None:
    """An ISO date for a due date as written, or None when it cannot be read without guessing.

    A month or a quarter means its last day; a day without a year takes the document's year."""
    t = text.strip().lower().rstrip(".")
    t = re.sub(r"^(the\s+)?(end of|eo|close of)\s+", "", t)
    try:
        if m := re.search(r"\b(\d{4})-(\d{2})-(\d{2})\b", t):
            return date(int(m[1]), int(m[2]), int(m[3])).isoformat()
        if m := re.search(r"\b(\d{1,2})[./](\d{1,2})[./](\d{4})\b", t):
            a, b = int(m[1]), int(m[2])
            day, month = (b, a) if b > 12 else (a, b)  # day first, unless it cannot be
            return date(int(m[3]), month, day).isoformat()
        if m := re.search(
            rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH},?\s*(\d{{4}})?\b", t
        ):
            y = int(m[3]) if m[3] else year
            if y is not None:
                return date(y, _MONTHS[m[2].rstrip(".")[:3]], int(m[1])).isoformat()
            return None
        if m := re.search(rf"\b{_MONTH}\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s*(\d{{4}})?\b", t):
            y = int(m[3]) if m[3] else year
            if y is not None:
                return date(y, _MONTHS[m[1].rstrip(".")[:3]], int(m[2])).isoformat()
            return None
        if m := re.search(rf"\b{_MONTH}\s+(\d{{4}})\b", t):
            return _month_end(int(m[2]), _MONTHS[m[1].rstrip(".")[:3]]).isoformat()
        if m := re.search(r"\b(\d{4})-(\d{2})\b", t):
            return _month_end(int(m[1]), int(m[2])).isoformat()
        if m := re.search(r"\bq([1-4])\s*[/-]?\s*(\d{4})\b|\b(\d{4})\s*[/-]?\s*q([1-4])\b", t):
            quarter, y = (int(m[1]), int(m[2])) if m[1] else (int(m[4]), int(m[3]))
            return _month_end(y, quarter * 3).isoformat()
        if m := re.search(r"\bh([12])\s*(\d{4})\b", t):
            return _month_end(int(m[2]), 6 if m[1] == "1" else 12).isoformat()
    except ValueError:
        return None
    return None


def _cells(text: str) -> dict[str, str] | None:
    """A table row as ingest writes it ("Action: … | Owner: … | Due: …"), by lower-case header."""
    if " | " not in text and not re.match(r"^[^:|]{1,30}:\s", text):
        return None
    out: dict[str, str] = {}
    for part in text.split(" | "):
        key, sep, value = part.partition(": ")
        if not sep:
            return None
        out[key.strip().lower()] = value.strip()
    return out


def _column(cells: dict[str, str], rx: re.Pattern[str]) -> str | None:
    return next((v for k, v in cells.items() if rx.match(k) and v and v not in ("-", "—")), None)


def _status(text: str | None, *, checked: bool | None = None) -> str:
    if checked is not None:
        return "done" if checked else "open"
    if text and _DROPPED.search(text):
        return "dropped"
    if (
        text
        and _DONE.search(text)
        and not re.search(r"\bnot (yet )?(done|completed?)\b", text, re.I)
    ):
        return "done"
    return "open"


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip(" .;:-–—")


def _owner(text: str) -> str | None:
    if m := _OWNER_MARK.search(text):
        return _clean(m["who"]) or None
    if (m := _WHO_LEAD.match(text)) and _is_name(m["who"]):
        return m["who"]
    return None


def _due_text(text: str) -> str | None:
    """The due date as written: after "due" or "deadline" anything; after "by" only a date."""
    for m in _DUE_MARK.finditer(text):
        due = _clean(m["due"])
        if m["label"].lower().startswith(("due", "deadline", "target")) or re.search(
            rf"\d|\b{_MONTH}|\b(end of|eo[mqy]|next|this)\b", due, re.I
        ):
            return due
    return None


def _is_name(who: str) -> bool:
    return bool(who.split()) and who.split()[0].lower() not in _NOT_A_NAME


def _item(
    unit: Unit, index: int, text: str, *, owner: str | None, due: str | None, status: str,
    ticket: str | None, year: int | None, via: str,
) -> dict[str, Any]:  # fmt: skip
    item: dict[str, Any] = {
        "text": _clean(text)[:500],
        "owner": owner,
        "due": None,
        "due_text": due,
        "status": status,
        "ticket": ticket,
        "unit": index,
        "source": Source(unit.section, unit.line_start, unit.line_end, via).as_dict(),
    }
    if due:
        item["due"] = parse_due(due, year=year)
        if item["due"] is None:
            item["warning"] = f"due date {due!r} could not be read as a date; kept as written"
    return item


def _ticket(text: str) -> str | None:
    m = _TICKET.search(text)
    return (m[1] or m[2]).rstrip(").,") if m else None


def read_unit(unit: Unit, index: int, *, year: int | None) -> dict[str, Any] | None:
    """The action item a unit holds, if it holds one."""
    if unit.kind in ("prompt", "config") or unit.form == "code":
        return None
    text = unit.text.strip()
    cells = _cells(text) if unit.form == "row" else None
    if cells:
        what = _column(cells, _ACTION_COLUMN)
        owner = _column(cells, _OWNER_COLUMN)
        due = _column(cells, _DUE_COLUMN)
        state = _column(cells, _STATUS_COLUMN)
        firm_due = next((k for k in cells if _FIRM_DUE.match(k)), None)
        due_is_date = due is not None and (firm_due or parse_due(due, year=year))
        if what and (owner or state or due_is_date) and (owner or state or firm_due):
            ticket = _column(cells, _TICKET_COLUMN) or _ticket(what)
            return _item(
                unit, index, what, owner=owner, due=due, status=_status(state), ticket=ticket,
                year=year, via="table",
            )  # fmt: skip
        return None
    if m := _CHECKBOX.match(text):
        what = m["what"]
        return _item(
            unit, index, what, owner=_owner(what), due=_due_text(what),
            status=_status(None, checked=m["mark"] != " "), ticket=_ticket(what), year=year,
            via="checkbox",
        )  # fmt: skip
    if m := _LABEL.search(text):
        what = m["what"]
        if m["label"].lower() == "ap" and not m["label"].isupper():
            return None  # "ap" is an action point only as "AP:"
        who = m["who"] if m["who"] and _is_name(m["who"]) else None
        owner = _owner(what) or who
        if owner is None and (p := _LEAD.match(what)) and _is_name(p["who"]):
            owner = p["who"]
        return _item(
            unit, index, re.sub(r"\s*\((owner|due)[^)]*\)\s*", " ", what), owner=owner,
            due=_due_text(what), status=_status(what if re.search(r"\((done|closed)\)|\bdone\b\W*$", what, re.I) else None),
            ticket=_ticket(what), year=year, via="label",
        )  # fmt: skip
    for sentence in re.split(r"(?<=[.!?])\s+", text):
        p = _PROSE.search(sentence)
        if p and _is_name(p["who"]) and re.search(r"\d|" + _MONTH, p["due"], re.I):
            return _item(
                unit, index, sentence, owner=p["who"], due=_clean(p["due"]), status="open",
                ticket=_ticket(sentence), year=year, via="prose",
            )  # fmt: skip
    if unit.kind == "recommendation" and (owner := _owner(text)):
        return _item(
            unit, index, re.sub(r"\s*\((owner|due)[^)]*\)\s*", " ", text), owner=owner,
            due=_due_text(text), status="open", ticket=_ticket(text), year=year, via="label",
        )  # fmt: skip
    return None


def _year(doc: ParsedDocument) -> int | None:
    for name in ("date", "end", "start"):
        value = str(doc.field_value(name) or "")
        if m := re.search(r"\b(19|20)\d{2}\b", value):
            return int(m[0])
    years = re.findall(r"\b20\d{2}\b", doc.text[:3000])
    return int(max(set(years), key=years.count)) if years else None


def read_actions(doc: ParsedDocument) -> None:
    """doc.fields['actions']: every action item, with the unit (by position) and lines it came from."""
    year = _year(doc)
    items = [item for i, u in enumerate(doc.units) if (item := read_unit(u, i, year=year))]
    if items:
        doc.fields["actions"] = items
    else:
        doc.fields.pop("actions", None)
