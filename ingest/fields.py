"""Finding structured facts in blocks of text: dates, thresholds, gates, KPIs, people."""

from __future__ import annotations

import re

_MONTHS = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
DATE = re.compile(
    rf"\b(\d{{4}}-\d{{2}}-\d{{2}}|\d{{4}}-\d{{2}}\b|\d{{1,2}}\s+{_MONTHS}\s+\d{{4}}|{_MONTHS}\s+\d{{1,2}},?\s+\d{{4}}"
    rf"|{_MONTHS}\s+\d{{4}}|\d{{1,2}}/\d{{1,2}}/\d{{4}}|(q[1-4]|h[12])\s+\d{{4}})",
    re.I,
)
THRESHOLD = re.compile(
    r"((≥|>=|<=|≤|<|>|at least|at most|above|below|under|over|more than|less than|fewer than|within"
    r"|no more than|no less than|minimum( of)?|maximum( of)?|max\.?|min\.?|target(ed)?( of)?|reduce[ds]? by"
    r"|improve[ds]? by|cut by|from \S+ to)\s*[~≈]?\s*[$€£]?\s*\d[\d.,]*\s*"
    r"(%|percent|pp|ms|s\b|sec\w*|min\w*|hours?|h\b|days?|weeks?|points?|k\b|m\b|eur|usd|€|x\b)?"
    r"|\d[\d.,]*\s*(%|percent|pp\b|ms\b|seconds?|minutes?|hours?|days?|points?)"
    r"|[$€£]\s?\d[\d.,]*\s*[km]?)",
    re.I,
)
GATE = re.compile(r"\bgate\s*([0-2])\b|\bG([0-2])\b", re.I)
DECISIONS = [
    ("not held", r"(never|not) (held|happen|run|took place)|no gate|skipped|without (a )?gate"),
    (
        "no-go",
        r"no[- ]go|rejected|stop(ped)?\b|cancel|kill|not (approved|passed)|fail(ed)?|declined",
    ),
    ("pivot", r"pivot|re-?scope|course correct|change(d)? (direction|scope)"),
    ("conditional go", r"conditional|with conditions|provisional"),
    ("extended", r"extend|more time|deferred|postponed"),
    ("go", r"\bgo\b|approved|passed|proceed|continue|green ?light|signed off|accepted|advance"),
]
NEGATION = re.compile(
    r"\b(no|none|never|without|not (defined|agreed|set|written|stated)|tbd|to be (defined|decided|confirmed)"
    r"|n/a|missing|absent|lacked|did not (have|define|agree))\b",
    re.I,
)
PERSON = re.compile(
    r"\b([A-ZÀ-ÖØ-ÞĀ-Ž][a-zß-ÿā-ž'’-]+(?:\s+(?:van|de|der|von|da|di|le|la|el))?\s+[A-ZÀ-ÖØ-ÞĀ-Ž][a-zß-ÿā-ž'’-]+(?:[A-Z][a-zß-ÿā-ž'’-]+)?)(?![\w])"
)
_SENTENCE = re.compile(r"(?<=[.!?;])\s+(?=[A-Z0-9\"'“(])|\n+")


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.split(text) if s and s.strip()]


def first_date(text: str) -> str | None:
    match = DATE.search(text)
    return match.group(0) if match else None


def threshold(text: str) -> str | None:
    match = THRESHOLD.search(text)
    return match.group(0).strip() if match else None


def decision(text: str) -> str | None:
    low = text.lower()
    for name, rx in DECISIONS:
        if re.search(rx, low):
            return name
    return None


def gate_numbers(text: str) -> list[int]:
    return sorted({int(a or b) for a, b in GATE.findall(text)})


def people(text: str) -> list[str]:
    """Names of people: two or more capitalised words, not common heading words."""
    found = []
    for name in PERSON.findall(text):
        words = name.split()
        if any(w.lower() in _NOT_NAMES for w in words):
            continue
        if name not in found:
            found.append(name)
    return found


_NOT_NAMES = {
    "gate",
    "the",
    "phase",
    "project",
    "pilot",
    "poc",
    "team",
    "department",
    "data",
    "security",
    "business",
    "owner",
    "lead",
    "head",
    "manager",
    "director",
    "officer",
    "chief",
    "senior",
    "vice",
    "president",
    "operations",
    "it",
    "ai",
    "ml",
    "centre",
    "center",
    "excellence",
    "group",
    "review",
    "board",
    "committee",
    "steering",
    "legal",
    "finance",
    "sales",
    "claims",
    "support",
    "customer",
    "product",
    "engineering",
    "platform",
    "analytics",
    "science",
    "scientist",
    "engineer",
    "analyst",
    "architect",
    "service",
    "services",
    "quality",
    "procurement",
    "marketing",
    "works",
    "council",
    "azure",
    "aws",
    "google",
    "microsoft",
    "openai",
    "sap",
    "salesforce",
    "servicenow",
    "power",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "january",
    "february",
    "march",
    "april",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "week",
    "weeks",
    "north",
    "south",
    "east",
    "west",
    "internal",
    "audit",
    "risk",
    "compliance",
    "human",
    "resources",
    "information",
    "technology",
    "supply",
    "chain",
    "field",
    "clinical",
    "public",
    "research",
    "success",
    "criteria",
    "exit",
    "root",
    "cause",
    "lessons",
    "learned",
    "next",
    "steps",
    "action",
    "items",
    "summary",
    "timeline",
    "impact",
    "what",
    "why",
    "how",
    "when",
    "who",
    "our",
    "we",
}


def split_person_role(text: str) -> dict[str, str]:
    """'Ana Ruiz (Claims ops lead)', 'Ana Ruiz — lead', 'Lead: Ana Ruiz' -> name and role."""
    text = text.strip().strip("*").strip()
    match = re.match(r"^([^:—–(\-,]+?)\s*(?:\(([^)]*)\)|[—–-]\s*(.+)|,\s*(.+))\s*$", text)
    if match:
        name = match.group(1).strip()
        role = (match.group(2) or match.group(3) or match.group(4) or "").strip()
        if people(name):
            return {"name": name, "role": role}
    match = re.match(r"^([^:]{2,40}):\s*(.+)$", text)
    if match and people(match.group(2)):
        return {"name": people(match.group(2))[0], "role": match.group(1).strip()}
    names = people(text)
    if names:
        return {"name": names[0], "role": text.replace(names[0], "").strip(" ,;:—–-()")}
    return {"name": text, "role": ""}
