"""What the role classifier sees of a passage besides its vector: heading, label, layout and cues."""

from __future__ import annotations

import re

import numpy as np

from kb.records import UNIT_KINDS, Unit

ROLES = (
    "lesson",
    "root_cause",
    "recommendation",
    "decision",
    "constraint",
    "risk",
    "criteria",
    "kpi",
    "gate",
    "timeline",
    "config",
    "prompt",
    "context",
)
FORMS = ("paragraph", "item", "row", "code", "quote", "html")

# a label a writer puts in front of a passage ("**Root cause:** ...", "Action: ...", "Q: ...")
_LABEL = re.compile(
    r"^\s*(?:[-*]\s*)?(?:\*\*|__)?([A-Za-z][A-Za-z /&'()-]{1,40}?)\s*"
    r"(?:(?:\*\*|__)\s*[:—–-]|[:—–]\s*(?:\*\*|__)?|\s[—–-])\s+"
)
LABEL_ROLES: tuple[tuple[str, str], ...] = (
    (
        "root_cause",
        r"root ?causes?|causes?|why|what went wrong|what bit us|problem|issue found|finding",
    ),
    (
        "lesson",
        r"lessons?( learned)?|learnings?|takeaways?|insights?|what we learned|keep|went well",
    ),
    (
        "recommendation",
        r"recommendations?|actions?( items?)?|next steps?|todo|to do|follow[- ]ups?|try|owner|ai|ap",
    ),
    ("decision", r"decisions?|decided|resolution|agreed|outcome|verdict|conclusion"),
    ("risk", r"risks?|known issues?|caveats?|watch out|open issues?|concerns?|limitations?"),
    (
        "constraint",
        r"constraints?|blockers?|security|privacy|compliance|cost|budget|integration|data quality",
    ),
    ("criteria", r"success criteria|exit criteria|acceptance criteria|criteria|kill switch"),
    ("kpi", r"kpis?|metrics?|results?|baseline|target|measured|numbers"),
    ("gate", r"gate ?\d?|gate review|pilot exit|go/no-?go|steer\w*|board"),
    ("timeline", r"timeline|dates?|when|history|milestones?|week \d+"),
    ("config", r"config\w*|settings?|parameters?|threshold|model|version"),
    ("prompt", r"prompts?|system prompt|instructions?"),
    ("context", r"background|context|summary|overview|q|question|from|to|subject|cc|sent|date"),
)

_CUES: tuple[tuple[str, str], ...] = (
    (
        "advice",
        r"\b(should|must|need to|make sure|always|never|next time|in future|do not|don't|avoid|insist)\b",
    ),
    (
        "hindsight",
        r"\b(if we (did|were to do) it again|we would|i would|in hindsight|looking back|we learned|lesson)\b",
    ),
    (
        "causal",
        r"\b(because|due to|caused|root cause|the reason|led to|as a result|since the|so that nobody)\b",
    ),
    ("decided", r"\b(decided|agreed|approved|chose|we went with|decision|signed off|rejected)\b"),
    ("future", r"\b(will|by (mon|tues|wednes|thurs|fri)day|by \d|due|owner:|to do)\b"),
    ("risk", r"\b(risk|may|might|could|if .{0,40} then|known issue|watch|beware)\b"),
    ("number", r"\d"),
    ("percent", r"\d\s?%|percent|per cent"),
    ("money", r"[€$£]\s?\d|\d\s?(k|m)?\s?(eur|usd|gbp|chf)\b"),
    ("date", r"\b(20\d\d|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)\w*\b"),
    ("gate", r"\bgate ?[0-3]\b|go/no|no-go|pilot exit|steering|review board"),
    ("kpi", r"\b(baseline|target|kpi|achieved|actual|from .{1,20} to )\b"),
    ("criteria", r"\b(criteri|threshold|at least|or better|no more than|at most)\w*"),
    ("security", r"\b(security|privacy|gdpr|dpia|pii|compliance|regulat|legal|audit)\w*"),
    ("data", r"\b(data|dataset|sample|curated|clean|synthetic|labell?ed|production data)\b"),
    ("we_past", r"\b(we|they|it|the team) \w+ed\b"),
    ("question", r"\?\s*$"),
    ("prompt", r"\byou are\b|\{\{|\{[a-z_]+\}|system prompt|answer only"),
    ("config", r"[a-z_]+\s*[=:]\s*[\d.]+|temperature|top_k|chunk|threshold|\.ya?ml|\.json"),
    ("first_person", r"\b(i|we|our|my)\b"),
    (
        "negative",
        r"\b(never|nobody|no one|didn't|did not|wasn't|weren't|couldn't|could not|failed|missing|without|too late|lack\w*|nor|hadn't|had not|no\b)",
    ),
    (
        "surprise",
        r"\b(turned out|turns out|assumed|underestimat\w*|overlooked|we found|it became clear|reali[sz]ed|bit us|blindsided|surprise\w*)\b",
    ),
    ("past_event", r"\b(was|were|had|did|went|took|fell|dropped|rose|broke|stopped|ran)\b"),
)
# what the words of a heading suggest, in the words people use beyond our own templates
_HEADING_WORDS: tuple[tuple[str, str], ...] = (
    (
        "root_cause",
        r"went wrong|go well|didn.?t|bit us|problems?|issues?|challenges?|why|causes?|sideways|failed|failure|pain|mistakes?|findings?",
    ),
    (
        "lesson",
        r"learn|takeaways?|again|next time|advice|younger self|keep|insights?|reflections?|what worked|went well|lessons?",
    ),
    (
        "recommendation",
        r"actions?|next steps?|to ?dos?|follow|recommend|try|proposals?|what now|asks?",
    ),
    ("decision", r"decisions?|resolution|verdict|outcome|conclusion|agreed"),
    ("risk", r"risks?|watch|open (points|questions)|known|caveats?|gotchas?|limitations?"),
    ("kpi", r"kpis?|results?|numbers|metrics?|figures|measure"),
    ("timeline", r"timeline|history|chronolog|what happened|log\b|milestones?"),
    ("config", r"config|settings?|setup|parameters?|environment|how it works|architecture"),
    ("prompt", r"prompts?"),
    ("context", r"background|context|summary|overview|about|introduction|people|contacts?|team"),
)
_HEADING_RX = [(role, re.compile(rx, re.I)) for role, rx in _HEADING_WORDS]
_IMPERATIVE = re.compile(
    r"^\W*(?:\d+[.)]\s*)?(pick|get|put|measure|design|translate|ask|build|write|monitor|keep|make|"
    r"start|stop|use|run|agree|involve|name|define|set|plan|budget|test|check|document|record|"
    r"treat|bring|book|assign|budget|insist|budget|collect|include|never|always|do|don.?t|avoid|"
    r"choose|talk|let|pair|add|treat|tie|find|give|track|require|version|budget|demand|"
    r"spend|validate|involve|confirm|schedule|draft|publish|share|review|appoint|move|re-run|file)\b",
    re.I,
)
_CUE_RX = [(name, re.compile(rx, re.I)) for name, rx in _CUES]
_LABEL_RX = [(role, re.compile(rf"^(?:{rx})$", re.I)) for role, rx in LABEL_ROLES]

FEATURES: tuple[str, ...] = (
    tuple(f"heading:{k}" for k in UNIT_KINDS)
    + tuple(f"label:{r}" for r in ROLES)
    + tuple(f"form:{f}" for f in FORMS)
    + tuple(f"cue:{name}" for name, _ in _CUES)
    + tuple(f"heading-words:{role}" for role, _ in _HEADING_WORDS)
    + ("cue:imperative", "len:short", "len:long", "section:none")
)
_INDEX = {name: i for i, name in enumerate(FEATURES)}


def label_role(text: str) -> str | None:
    """The role a leading label names ("Root cause: ...", "**Action:** ..."), if any."""
    match = _LABEL.match(text)
    if not match:
        return None
    label = re.sub(r"\s+", " ", match.group(1).strip().lower())
    for role, rx in _LABEL_RX:
        if rx.match(label):
            return role
    return None


def section_means(units: list[Unit], vectors: np.ndarray) -> np.ndarray:
    """Each unit's section as one vector (the mean of its units): what the heading means, read
    from the passages under it rather than from its words."""
    out = np.zeros_like(vectors)
    groups: dict[str, list[int]] = {}
    for i, u in enumerate(units):
        groups.setdefault(u.section, []).append(i)
    for members in groups.values():
        mean = vectors[members].mean(axis=0)
        norm = float(np.linalg.norm(mean)) or 1.0
        out[members] = mean / norm
    return out


def passage_features(unit: Unit) -> np.ndarray:
    """A 0/1 vector over FEATURES."""
    out = np.zeros(len(FEATURES), dtype=np.float32)
    heading = unit.heading_kind or unit.kind
    out[_INDEX.get(f"heading:{heading}", _INDEX["heading:other"])] = 1
    roles = {label_role(unit.text)}
    if unit.form == "row":
        roles |= {label_role(cell + " ") for cell in unit.text.split(" | ") if ":" in cell}
    for role in roles - {None}:
        out[_INDEX[f"label:{role}"]] = 1
    if unit.form in FORMS:
        out[_INDEX[f"form:{unit.form}"]] = 1
    for name, rx in _CUE_RX:
        if rx.search(unit.text):
            out[_INDEX[f"cue:{name}"]] = 1
    if _IMPERATIVE.match(unit.text):
        out[_INDEX["cue:imperative"]] = 1
    heading = unit.section.split(" > ")[-1] if unit.section else ""
    for role, rx in _HEADING_RX:
        if rx.search(heading):
            out[_INDEX[f"heading-words:{role}"]] = 1
            break
    words = len(unit.text.split())
    if words < 8:
        out[_INDEX["len:short"]] = 1
    if words > 60:
        out[_INDEX["len:long"]] = 1
    if unit.section in ("(preamble)", "") or " > " not in unit.section:
        out[_INDEX["section:none"]] = 1
    return out
