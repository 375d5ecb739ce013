"""The words real documents use for the same things: headings, metadata keys, departments, techniques."""

from __future__ import annotations

import re

# Section categories, matched against a normalised heading; the first that matches wins.
HEADING_CATEGORIES: list[tuple[str, str]] = [
    ("exit_criteria", r"\b(exit|stop|kill|cancell?ation|termination)\s+(criteri|condition|rule)"),
    (
        "success_criteria",
        r"success\s+criteri|what good look|acceptance\s+criteri|definition of (done|success)"
        r"|objectives?\b.*criteri|goals?\b.*criteri|success metric|targets?$|objectives?$|goals?$",
    ),
    (
        "kpis",
        r"\bkpis?\b|business (metric|impact|value|case)|metrics|measures of success|results? vs",
    ),
    (
        "gates",
        r"\bgates?\b|go\s*/?\s*no[- ]go|decision log|stage[- ]gate|review board|checkpoints?",
    ),
    ("prompt", r"\bprompts?\b|system message|instructions? to the model"),
    (
        "config",
        r"config|settings|parameters|hyper-?parameters|model (card|setup|details)|infrastructure",
    ),
    (
        "risk",
        r"risks?|known (issues|problems|limitations)|watch out|gotchas|caveats|open (questions|issues)"
        r"|pitfalls|things to watch|open points|unresolved",
    ),
    (
        "root_cause",
        r"root\s*causes?|what went wrong|contributing|why (it|we|the|this)\b.*(fail|stop|stall|die)"
        r"|causes?$|failure (analysis|modes?)|what didn.?t work|problems?$|issues?$|challenges|trigger"
        r"|why we stopped|what broke|obstacles|barriers|mistakes|nearly went wrong|why it was (rejected|stopped|cancel)"
        r"|what (did not|didn.t) go well|where it went wrong|(why|how) did (it|this) happen|diagnosis",
    ),
    (
        "lesson",
        r"lessons?|learn|takeaways?|insights?|what we.?d do differently|do differently|reflections?"
        r"|what went well|retrospective|hindsight|advice for|if we started again|key points|what worked"
        r"|what we did right|what (we|i) would (keep|repeat)|final thoughts|in closing|conclusions?",
    ),
    (
        "recommendation",
        r"recommend|action items?|follow[- ]?ups?|next steps?|to[- ]?do|remediation|counter-?measures"
        r"|corrective|improvements?|for the (new owner|next team)|actions?$|proposals?|way forward"
        r"|what (i|we).?d suggest|what (i|we) would (do|suggest)|suggestions?|prevent|moving forward"
        r"|going forward|mitigations?|resolution|recovery",
    ),
    ("decision", r"decisions?|decided|rationale|why we did|design choices?|trade-?offs?|choices"),
    (
        "constraint",
        r"constraints?|limitations?|blockers?|requirements|security|compliance|regulat|privacy"
        r"|data quality|cost|integration|operations?$|legal",
    ),
    (
        "owners",
        r"owners?|ownership|stakeholders|team$|people|roles?|contacts?|raci|who.?s who|responsib"
        r"|who was involved",
    ),
    ("summary", r"summary|tl;?\s*dr|overview|abstract|at a glance|synopsis|in brief|executive"),
    (
        "impact",
        r"impact|results?|outcomes?|findings|evaluation|performance|what happened|status"
        r"|where (we are|it stands)|how far it got|what we measured|numbers",
    ),
    ("timeline", r"timeline|chronology|sequence of events|history|schedule|milestones|dates"),
    ("metadata", r"metadata|details|facts|document (info|control)|stats|properties|fact sheet"),
    (
        "context",
        r"background|context|introduction|problem|scope|use case|approach|solution|what we built"
        r"|architecture|data|system|design|method|description|purpose|motivation|the poc|the pilot"
        r"|what (it is|was built|the tool does|\w+ was)|setup|model|files|how it ran|why \w+ exists",
    ),
]
_COMPILED = [(name, re.compile(rx)) for name, rx in HEADING_CATEGORIES]

# the columns of a lessons register, incident log or retro table that each hold a passage of their
# own: a row with a cause column and a lesson or action column is split, one unit per such cell
CELL_ROLES: tuple[tuple[str, str], ...] = (
    (
        "root_cause",
        r"(root )?causes?|why( it happened)?|what happened|what went wrong|problem|issue|finding|observation",
    ),
    ("lesson", r"lessons?( learned| learnt)?|learnings?|takeaways?|insights?|what we learn(ed|t)"),
    (
        "recommendation",
        r"recommendations?|(what we would|what we'd|we would) do differently|do differently|next time|mitigations?|preventive action|prevention",
    ),
)


# Which unit kind the blocks of a section category become.
UNIT_KIND_OF_CATEGORY = {
    "root_cause": "root_cause",
    "lesson": "lesson",
    "recommendation": "recommendation",
    "decision": "decision",
    "gates": "decision",
    "constraint": "constraint",
    "risk": "risk",
    "prompt": "prompt",
    "config": "config",
    "summary": "summary",
    "impact": "impact",
    "timeline": "timeline",
    "context": "context",
    "success_criteria": "criteria",
    "exit_criteria": "criteria",
    "kpis": "criteria",
    "owners": "other",
    "metadata": "other",
    "other": "other",
}

_TRAILING = re.compile(r"(\[\d+\]|\^\d+|\(\d+\)|\d+)$")


def normalise_heading(heading: str) -> str:
    """Lower-case, without numbering, footnote marks, bracketed asides or trailing punctuation."""
    text = heading.lower().strip()
    text = re.sub(r"^(\d+(\.\d+)*\.?|[ivx]+\.|[a-z]\))\s+", "", text)
    for _ in range(3):  # "Root causes[3]:", "Timeline (all times CET)", "Lessons learned 2"
        text = re.sub(r"[:.\s*_#]+$", "", text)
        text = re.sub(r"\s*[\(\[][^)\]]*[\)\]]\s*$", "", text)
        text = _TRAILING.sub("", text).strip()
    return re.sub(r"\s+", " ", text)


def heading_category(heading: str) -> str:
    norm = normalise_heading(heading)
    if not norm:
        return "other"
    for name, rx in _COMPILED:
        if rx.search(norm):
            return name
    return "other"


# Metadata keys ("Department: Claims", front matter keys) and the field they fill.
FIELD_KEYS: dict[str, tuple[str, ...]] = {
    "title": ("title", "document title", "name"),
    "project": (
        "project",
        "project name",
        "poc",
        "poc name",
        "initiative",
        "codename",
        "code name",
        "programme",
        "program",
        "pilot name",
        "system",
    ),
    "department": (
        "department",
        "dept",
        "business unit",
        "bu",
        "division",
        "function",
        "line of business",
        "business area",
        "area",
        "owning department",
    ),
    "use_case": ("use case", "use-case", "usecase", "use_case", "problem", "purpose", "scope"),
    "technique": (
        "technique",
        "ai technique",
        "technology",
        "approach",
        "model type",
        "method",
        "ml technique",
        "solution type",
        "ai approach",
        "techniques",
        "model",
    ),
    "phase_reached": (
        "phase reached",
        "phase_reached",
        "phase",
        "stage",
        "stage reached",
        "furthest phase",
        "furthest stage",
        "reached",
        "current phase",
    ),
    "outcome": ("outcome", "result", "status", "final status", "verdict", "final outcome", "state"),
    "owners": (
        "owner",
        "owners",
        "project owner",
        "poc owner",
        "product owner",
        "business owner",
        "technical owner",
        "lead",
        "project lead",
        "poc lead",
        "accountable",
        "led by",
        "project manager",
        "tech lead",
        "technical lead",
    ),
    "stakeholders": (
        "stakeholders",
        "sponsor",
        "executive sponsor",
        "participants",
        "reviewers",
        "business sponsor",
        "team",
        "team members",
    ),
    "authors": ("author", "authors", "written by", "prepared by", "compiled by"),
    "handoff_from": ("from", "handed over by", "outgoing owner", "previous owner", "handover from"),
    "handoff_to": (
        "to",
        "handed over to",
        "incoming owner",
        "new owner",
        "receiving owner",
        "handover to",
        "recipient",
    ),
    "start": ("start", "start date", "started", "kickoff", "kick-off", "began", "poc start"),
    "end": ("end", "end date", "ended", "closed", "finished", "completed"),
    "date": (
        "date",
        "written",
        "authored",
        "published",
        "last updated",
        "handoff date",
        "handover date",
        "date of handoff",
    ),
    "kind": ("kind", "type", "document type", "doc type"),
}
KEY_TO_FIELD = {key: name for name, keys in FIELD_KEYS.items() for key in keys}

DEPARTMENTS: dict[str, str] = {
    "claims": r"claims?",
    "hr": r"\bhr\b|human resources|people (ops|operations|team)|talent|recruit|hiring|payroll",
    "customer-support": r"customer (support|service|care|success)|contact cent|call cent|helpdesk|service desk",
    "manufacturing-qa": r"manufactur|quality (assurance|control)|\bqa\b|production line|plant|factory",
    "finance": r"financ|accounting|accounts payable|accounts receivable|treasury|controlling|audit",
    "legal": r"legal|contracts?|compliance office|counsel",
    "it-operations": r"\bit\b.*op|it operations|infrastructure|\bitops\b|service management|\bit\b",
    "sales": r"sales|commercial|account management|business development",
    "procurement": r"procure|purchas|sourcing|supplier",
    "marketing": r"marketing|brand|campaign",
    "supply-chain": r"supply chain|logistic|warehous|distribution|fleet|transport|inventory",
    "clinical-operations": r"clinic|hospital|patient|nursing|medical|health",
    "underwriting": r"underwrit",
    "field-maintenance": r"field (service|maintenance|operations)|maintenance|energy|grid|utility",
    "public-sector": r"public sector|citizen|municipal|city|government|council",
    "r-and-d": r"r\s*&\s*d|research|laborator|\blab\b",
}

TECHNIQUES: dict[str, str] = {
    "rag": r"\brag\b|retrieval[- ]augmented|retrieval over|vector (search|store|database)|embeddings? search",
    "llm-chatbot": r"chat ?bot|\bllm\b|large language model|gpt|assistant|conversational|generative",
    "document-extraction": r"\bocr\b|document (extraction|understanding|processing|ai)|extraction|invoice capture|idp\b",
    "forecasting": r"forecast|demand planning|time[- ]series|predict(ive)? (demand|volume)",
    "visual-inspection": r"visual inspection|computer vision|image (classification|recognition)|defect detection|camera",
    "classification": r"classif|triage|routing model|categori[sz]",
    "recommendation": r"recommend(er|ation engine|ation system)|next[- ]best|personali[sz]",
    "anomaly-detection": r"anomal|fraud detection|outlier",
    "speech-to-text": r"speech[- ]to[- ]text|transcri|voice|\basr\b",
    "agents": r"\bagents?\b|agentic|tool[- ]calling|function calling",
}

PHASE_WORDS = [
    (
        "production",
        r"production|\bprod\b|\blive\b|roll-?out|rolled out|deployed|general availability",
    ),
    ("pilot", r"pilot"),
    ("poc", r"\bpoc\b|proof[- ]of[- ]concept|prototype|gate ?[012]|experiment"),
]

OUTCOME_WORDS = [
    (
        "rejected-by-leadership",
        r"reject|leadership|not approved|declined|steering|funding (was )?denied|board",
    ),
    (
        "failed-in-pilot",
        r"fail\w* in (the )?pilot|pilot (failed|ended|stopped|was stopped|cancel|closed(?! with (a )?go\b)|did not meet)|after (the )?pilot",
    ),
    (
        "stopped-at-gate",
        r"stopped at (a |the )?gate|gate ?[012].{0,20}(no[- ]go|stop|cancel|kill)|no[- ]go(?![- ]?live)",
    ),
    (
        "stalled",
        r"stall|reassign|abandon|dormant|shelved|paused|parked|on hold|orphan|left the company|drift",
    ),
    ("in-production", r"in production|production|live|rolled out|deployed|operational|success"),
    (
        "cancelled",
        r"cancel|terminat|killed|discontinu|stopped|ended|closed(?! with (a )?go\b)|rolled back|switched off",
    ),
    (
        "ongoing",
        r"ongoing|in progress|active|handed over|handover|running|continu|\bgo decision|rollout starts",
    ),
]


def first_match(value: str, table: list[tuple[str, str]]) -> str | None:
    """The entry whose words come first: "cancelled - rolled back after weeks in production" is
    cancelled, whatever the order of the table; a tie goes to the earlier entry."""
    low = value.lower()
    found = [
        (m.start(), i, name) for i, (name, rx) in enumerate(table) if (m := re.search(rx, low))
    ]
    return min(found)[2] if found else None


def match_table(value: str, table: dict[str, str] | list[tuple[str, str]]) -> str | None:
    items = table.items() if isinstance(table, dict) else table
    low = value.lower()
    for name, rx in items:
        if re.search(rx, low):
            return name
    return None


def slug(value: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-")
