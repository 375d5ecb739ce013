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

from kb.backends.base import ACTION_STATUSES
from kb.records import ParsedDocument, Source, Unit

STATUSES = ACTION_STATUSES

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
_ONE = r"[A-Z][a-zà-ÿ'’-]+(?:\s+(?:van |de |von )?[A-Z][a-zà-ÿ'’.-]*){0,2}"
_NAME = rf"{_ONE}(?:\s+(?:and|&)\s+{_ONE})?|[A-Z]{{2,3}}(?:\s*(?:and|&|/)\s*[A-Z]{{2,3}})?"
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
    "recommendation", "note", "notes", "summary", "outcome", "purpose", "background",
    "result", "results", "status", "risk", "lesson", "lessons", "action", "context", "question",
}  # fmt: skip
_WHO_LEAD = re.compile(rf"^(?P<who>{_NAME}):\s+\S")
_OWNER_MARK = re.compile(
    r"\b(?:owner|owners|responsible|assigned to|assignee|who)\s*[:=]\s*"
    r"(?P<who>(?:(?!\b(?:due|deadline|by|status|until)\b)[^;,)\]\n.])+)",
    re.I,
)
_DUE_MARK = re.compile(
    r"\b(?P<label>due(?: date)?|deadline|target date|target|by|until|till|no later than)\s*[:=]?\s*(?P<due>[^;,)\]\n]{3,40})",
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
_MONTH = (
    r"(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)(?:uary|ruary|ch|il|e|y|ust|tember|ober|"
    r"ember)?\b\.?"
)  # whole month names or their abbreviations: "maybe" or "decide" is no date


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def parse_due(text: str, *, year: int | None = None) -> str | None:
    """An ISO date for a due date as written, or None when it cannot be read without guessing.

    A month or a quarter means its last day; a day without a year takes the document's year."""
    t = text.strip().lower().rstrip(".")
    t = re.sub(r"^(the\s+)?(end of|eo|close of)\s+", "", t)
    try:
        if m := re.search(r"\b(\d{4})-(\d{2})-(\d{2})(?!\d)", t):
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


_NOT_YET = re.compile(
    r"\b(not|never|yet to|to be|will be|re-?opened|pending|awaiting)\b\W+(?:\w+\W+){0,2}?"
    r"(done|completed?|closed|finished|resolved|delivered|cancell?ed|dropped)\b|\bre-?opened\b",
    re.I,
)


def _status(text: str | None, *, checked: bool | None = None) -> str:
    if checked is not None:
        return "done" if checked else "open"
    if text and re.fullmatch(r"(?i)\s*(yes|y|true|x|✓|✔)\s*", text):
        return "done"  # a "Done?" column
    if text and _NOT_YET.search(text):
        return "open"  # "not finished", "to be closed", "reopened (was closed)"
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


def _owner(text: str, names: set[str] | None = None) -> str | None:
    """An owner marked in the text ("owner: X") or leading it ("X: do this"); a one-word lead
    counts only when the document uses it as a name."""
    if m := _OWNER_MARK.search(text):
        return _clean(m["who"]) or None
    if (m := _WHO_LEAD.match(text)) and _is_name(m["who"]):
        who = m["who"]
        if names is None or len(who.split()) > 1 or who.isupper() or who in names:
            return who
    return None


def _due_text(text: str) -> str | None:
    """The due date as written: after "due" or "deadline" anything; after "by" only a date."""
    for m in _DUE_MARK.finditer(text):
        due = _clean(m["due"])
        if m["label"].lower().startswith(("due", "deadline", "target date")) or re.search(
            rf"\d|\b{_MONTH}|\b(end of|eo[mqy]|next|this)\b", due, re.I
        ):
            return due
    return None


def _is_name(who: str) -> bool:
    return bool(who.split()) and who.split()[0].lower() not in _NOT_A_NAME


_PLACEHOLDER = re.compile(r"(?i)^\W*(none|nothing|n/?a|tbd|tbc|-+|—|none (yet|at this time))?\W*$")


def _item(
    unit: Unit, index: int, text: str, *, owner: str | None, due: str | None, status: str,
    ticket: str | None, year: int | None, via: str,
) -> dict[str, Any]:  # fmt: skip
    item: dict[str, Any] = {
        "text": _clean(text)[:500],
        "owner": _clean(owner) or None if owner else None,
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


def read_unit(
    unit: Unit,
    index: int,
    *,
    year: int | None,
    author: str | None = None,
    names: set[str] = frozenset(),  # type: ignore[assignment]
) -> list[dict[str, Any]]:
    """The action items a unit holds (a paragraph of next steps may hold several)."""
    if unit.form == "code":
        return []  # a fenced block is a prompt or a configuration, never a to-do
    found = _structured(unit, index, year=year)
    if found is not None:
        return [found] if found else []
    return _sentences(unit, index, year=year, author=author, names=names)


_KEY = re.compile(
    r"\b(?P<key>assignee|assigned to|owner|responsible|status|state|due date|due|deadline)\s*:\s*",
    re.I,
)


def _inline_keys(text: str) -> tuple[str, dict[str, str]] | None:
    """'PDM-141 Export the data  Assignee: Lukas Brandt  Status: Done  Due: 2023-10-20' (a ticket's
    sub-task): the text before the keys and each key's value."""
    keys = list(_KEY.finditer(text))
    if not keys or keys[0].start() < 8:
        return None
    values: dict[str, str] = {}
    for k, nxt in zip(keys, [*keys[1:], None], strict=True):
        value = text[k.end() : nxt.start() if nxt else len(text)].strip(" |;,")
        name = k["key"].lower()
        kind = "owner" if name in ("assignee", "assigned to", "owner", "responsible") else name
        kind = "due" if kind in ("due date", "deadline") else "status" if kind == "state" else kind
        values.setdefault(kind, value)
    if "owner" not in values and "due" not in values:
        return None
    before = text[: keys[0].start()].strip(" |;,-–")
    if before.endswith("(") or ":" in before or len(re.findall(r"\b[a-z]{3,}\b", before)) < 2:
        return None  # a header line ("Reporter: ..."), not a task with its keys
    return before, values


def _structured(unit: Unit, index: int, *, year: int | None) -> dict[str, Any] | None:
    """A table row, checkbox or labelled line: {} when the unit is one of those but no action,
    None when it is none of them."""
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
        return {}
    if m := _CHECKBOX.match(text):
        what, owner, due = m["what"], _owner(m["what"]), _due_text(m["what"])
        if owner is None and (seg := _segments(what, year)):
            what, owner, due = seg[0], seg[1], seg[2] or due
        return _item(
            unit, index, what, owner=owner, due=due,
            status=_status(None, checked=m["mark"] != " "), ticket=_ticket(what), year=year,
            via="checkbox",
        )  # fmt: skip
    if unit.form != "row" and (keyed := _inline_keys(text)):
        what, values = keyed
        what = re.sub(r"^[A-Z][A-Z0-9]{1,9}-\d{1,6}\s*[:–-]?\s*", "", what)  # the ticket's own id
        if what:
            owner = values.get("owner")
            owner = (
                None if not owner or re.match(r"(?i)unassigned|none|-$|tbc|tbd", owner) else owner
            )
            if owner is not None and not _named(owner):
                return {}  # a sentence that happens to say "owner:", not a task's keys
            due = values.get("due")
            due = None if not due or due in ("-", "—", "n/a") else due
            return _item(
                unit, index, what, owner=owner, due=due, status=_status(values.get("status")),
                ticket=_ticket(text), year=year, via="keys",
            )  # fmt: skip
    if m := _LABEL.search(text):
        what = m["what"]
        if m["label"].lower() == "ap" and not m["label"].isupper():
            return {}  # "ap" is an action point only as "AP:"
        what = re.sub(r"^\([^)]{1,40}\)\s*", "", what)  # "(from meeting 3) Dan to ..."
        first, _, after = what.partition(". ")
        who = m["who"] if m["who"] and _is_name(m["who"]) else None
        owner = _owner(what) or who
        if owner is None and (p := _LEAD.match(what)) and _is_name(p["who"]):
            owner = p["who"]
        return _item(
            unit, index, re.sub(r"\s*\((owner|due)[^)]*\)\s*", " ", first if after else what),
            owner=owner, due=_due_text(first if after else what),
            status=_status(after or (what if re.search(r"\((done|closed)\)|\bdone\b\W*$", what, re.I) else None)),
            ticket=_ticket(what), year=year, via="label",
        )  # fmt: skip
    return None


_ENUM = re.compile(r"^\s*(?:\(?[a-z]\)|\(?\d{1,2}\)|\d+(?:\.\d+)*\.?|[-*•·])\s+", re.I)
_CHAT = re.compile(r"^\[[^\]]{3,40}\]\s*(?P<who>[^:\[\]]{2,40}):\s*(?P<rest>.+)$", re.S)
_FROM = re.compile(r"^from:\s*(?P<who>[A-Z][^<\n,;]{1,60}?)\s*(<|\(|$|\S+@)", re.I)
_ACTION_SECTION = re.compile(
    r"action|next steps?|follow|to ?do|outstanding|open (items|points)|\btry\b|what happens next|"
    r"close-?out|conditions|commitments|agreed",
    re.I,
)
_SEGMENTS = re.compile(r"\s+(?:--|–|—|-)\s+")
_VOTES = re.compile(r"\s*\(\d+\)\s*$")
_FIRST_PERSON = re.compile(
    r"(?:^|[.;:]\s+|\b(?:and|so|then|also)\s+)I(?:'ll|’ll| will| can| shall| am going to)\s+(?:also\s+)?"
    r"(?!be\b|have\b|admit\b|say\b|miss\b|never\b|not\b|leave\b)(?P<what>\w.+)$"
)
_REQUEST = re.compile(
    rf"^(?P<who>{_NAME}),\s+(?:please|could you|can you|would you|will you)\s+(?P<what>\w.+)$"
)
_START = re.compile(
    rf"^(?P<who>{_NAME})(?:\s*\([^)]{{2,60}}\))?\s+(?:will|to|is to|are to|has agreed to|have agreed to|"
    r"agreed to|is going to|offered to|owns)\s+(?P<what>\w.+)$"
)
_DATE_LIKE = re.compile(rf"\d|\b{_MONTH}|\bq[1-4]\b|\bh[12]\b|\bend of\b|\bweek\b", re.I)


def _parenthesised(
    sentence: str, year: int | None
) -> tuple[str, str | None, str | None, str] | None:
    """'TEXT (Owner, by DATE)' or 'TEXT (Owner - Name, DATE) - withdrawn': (text, owner, due, rest)."""
    m = re.search(r"^(?P<text>.+?)\s*\((?P<inside>[^()]{2,90})\)\s*[.;]?\s*(?P<rest>.*)$", sentence)
    if not m or len(m["text"].split()) < 3:
        return None
    inside = m["inside"]
    who, _, when = inside.rpartition(",")
    if not who and (marked := _OWNER_MARK.search(inside)):  # "(owner: Lee Park due 12 May)"
        who, when = marked["who"], _due_text(inside[marked.end() :]) or ""
    when = re.sub(r"^\s*(by|due|until|before)\s+", "", when.strip(), flags=re.I)
    if not (
        parse_due(when, year=year) or re.fullmatch(rf"(?i)(q[1-4]|h[12]|{_MONTH})\s*\d{{4}}", when)
    ):
        return None
    if m["rest"] and not (_DONE.search(m["rest"]) or _DROPPED.search(m["rest"])):
        return None  # the bracket is in the middle of a sentence, not the item's owner and date
    who = _clean(re.sub(r"(?i)^(owner|by|lead)\s*[:=]?\s*", "", who))
    if who and not _named(who):
        return None
    return m["text"], who or None, when, m["rest"]


def _named(text: str) -> bool:
    """A person, a team or a role as owners are written: short, capitalised, no figures."""
    words = text.split()
    return (
        0 < len(words) <= 6
        and text[:1].isupper()
        and not re.search(r"\d|[:;!?()]|\.\s", text)
        and words[0].lower() not in _NOT_A_NAME
    )


def _segments(sentence: str, year: int | None) -> tuple[str, str | None, str | None, str] | None:
    """'TEXT -- Owner -- by DATE' or 'TEXT – Owner, DATE. Done 2 June.': (text, owner, due, rest)."""
    parts = _SEGMENTS.split(_VOTES.sub("", sentence))
    if (
        len(parts) < 2
        or len(parts[0].split()) < 3  # "Gate 2 – Go" is a decision; an action says what to do
        or parse_due(parts[0], year=year)
        or re.match(rf"^(?:{_MONTH}|week|wk|day|q[1-4])\b", parts[0], re.I)
    ):
        return None  # a timeline entry ("March 17 – Analysts onboarded") is not an action
    owner = due = None
    rest = []
    for part in parts[1:]:
        piece = part.strip().rstrip(".")
        head, _, tail = piece.partition(",")
        named = _named(head.strip())
        if owner is None and named and tail.strip() and not parse_due(head, year=year):
            owner = head.strip()
            rest_tail = re.sub(r"^(by|due|until|before)\s+", "", tail.strip(), flags=re.I)
            if _DATE_LIKE.search(rest_tail):
                due = due or rest_tail.split(". ")[0].strip().rstrip(".")
            rest.append(tail)
        elif re.match(r"^(by|due|until|before)\b", piece, re.I) or (
            _DATE_LIKE.search(piece) and parse_due(piece, year=year)
        ):
            due = due or re.sub(r"^(by|due|until|before)\s+", "", piece, flags=re.I)
        elif (
            _DONE.search(piece)
            or _DROPPED.search(piece)
            or re.search(r"\b(tbc|tbd|to be confirmed)\b", piece, re.I)
        ):
            rest.append(piece)
        elif owner is None and _named(head.strip()):
            owner = head.strip()
            if tail.strip():
                rest_tail = re.sub(r"^(by|due|until|before)\s+", "", tail.strip(), flags=re.I)
                if _DATE_LIKE.search(rest_tail):
                    due = due or rest_tail.split(".")[0].strip()
                rest.append(tail)
        else:
            return None  # a sentence with a dash in it, not an item with its owner
    if owner is None and due is None:
        return None
    return parts[0], owner, due, " ".join(rest)


def _known(who: str, names: set[str]) -> bool:
    """An owner at the start of a sentence: several words or initials, or a word the document
    also writes capitalised in mid-sentence (so "Angela to decide" counts, "Extend to" does not)."""
    if not _is_name(who):
        return False
    first = who.split()[0]
    return len(who.split()) > 1 or first.isupper() or first in names


_MID = re.compile(r"(?<=[a-z,;] )([A-Z][a-zà-ÿ'’-]+)")


def known_names(doc: ParsedDocument) -> set[str]:
    """First names the document uses for people: from the people the reader found, and words it
    writes capitalised in mid-sentence more than once."""
    from collections import Counter

    mid = Counter(_MID.findall(doc.text))
    lower = set(re.findall(r"\b[a-z][a-zà-ÿ'’-]+\b", doc.text))
    names = {w for w, n in mid.items() if n > 1 and w.lower() not in lower} - {"I"}
    for key in ("people", "owners", "stakeholders", "authors", "handoff_from", "handoff_to"):
        for person in doc.fields.get(key) or []:
            if isinstance(person, dict) and person.get("name"):
                names.update(str(person["name"]).split())
    return names


def _sentences(
    unit: Unit,
    index: int,
    *,
    year: int | None,
    author: str | None,
    names: set[str] = frozenset(),  # type: ignore[assignment]
) -> list[dict[str, Any]]:
    text = unit.text.strip()
    speaker = None
    if m := _CHAT.match(text):
        speaker, text = m["who"].strip(), m["rest"]
    listed = bool(_ENUM.match(text)) or unit.form == "item"
    in_actions = bool(_ACTION_SECTION.search(unit.section.split(" > ")[-1]))
    expected = listed or in_actions  # where a list of follow-ups is written
    out: list[dict[str, Any]] = []

    def add(what: str, owner: str | None, due: str | None, status: str, via: str) -> None:
        out.append(
            _item(
                unit,
                index,
                what,
                owner=owner,
                due=due,
                status=status,
                ticket=_ticket(what),
                year=year,
                via=via,
            )
        )

    def add_sentence(sentence: str) -> None:
        """One sentence that commits someone to something: by name, by request or in the first
        person; in running prose only with a date, in a list or an actions section without."""
        due = _due_text(sentence)
        dated = due is not None and bool(_DATE_LIKE.search(due))
        marked = _OWNER_MARK.search(sentence)
        start = _START.match(sentence)
        request = _REQUEST.match(sentence)
        if marked and (dated or expected):
            what = re.sub(r"\s*\((owner|due)[^)]*\)\s*", " ", sentence)
            add(what, _clean(marked["who"]), due, "open", "label")
        elif start and _known(start["who"], names) and (dated or expected):
            add(sentence, start["who"], due, "open", "prose")
        elif request and _known(request["who"], names) and (dated or expected or speaker):
            add(sentence, request["who"], due, "open", "prose")
        elif _FIRST_PERSON.search(sentence) and (dated or expected or speaker):
            add(sentence, speaker or author, due, "open", "prose")
        elif (p := _PROSE.search(sentence)) and _is_name(p["who"]) and _DATE_LIKE.search(p["due"]):
            add(sentence, p["who"], _clean(p["due"]), "open", "prose")

    body = _ENUM.sub("", text, count=1)
    form = (_parenthesised(body, year) or _segments(body, year)) if expected else None
    if form and (in_actions or (form[1] and form[2])):
        what, owner, due, rest = form
        owner = owner or _owner(what, names)
        status = _status(rest) if rest else "open"
        add(what, owner, due, status, "list")
        return out
    for sentence in re.split(r"(?<=[.!?])\s+(?=[A-Z(])", body):
        add_sentence(sentence.strip())
    if (
        not out
        and unit.kind == "recommendation"
        and not re.match(r"^[\w ]{0,30}\bowners?\s*:", text, re.I)  # "Owner: ..." is metadata
        and (owner := _owner(text, names))
    ):
        add(
            re.sub(r"\s*\((owner|due)[^)]*\)\s*", " ", text),
            owner,
            _due_text(text),
            "open",
            "label",
        )
    return out


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
    items: list[dict[str, Any]] = []
    author = None  # who is writing, for "I will ..." (the latest From: line in a thread)
    names = known_names(doc)
    for i, unit in enumerate(doc.units):
        if m := _FROM.match(unit.text.strip()):
            author = _clean(m["who"])
        found = read_unit(unit, i, year=year, author=author, names=names)
        items += [x for x in found if not _PLACEHOLDER.match(x["text"])]  # "Action: none"
    if items:
        doc.fields["actions"] = items
    else:
        doc.fields.pop("actions", None)
