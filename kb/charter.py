"""Reading a draft PoC charter (the Gate 0 document) and saying what it lacks, in the article's terms.

Rules look for evidence that an aspect is addressed, sentence by sentence, and treat "TBD",
"later", "not needed", "to follow" and the like as not addressed; the aspect model
(kb.charter_aspects) withdraws a rule's finding when a sentence addresses it by its meaning.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ingest import fields as f
from kb.charter_aspects import DEFERRAL, PURPOSE, RUN_LATER

_NEGATED = re.compile(
    r"\b(tbd|tbc|to be (decided|defined|confirmed|agreed)|later|not needed|not required|n/a|none yet|"
    r"no (plan|owner|one|need)|not (yet )?(decided|defined|agreed|involved|planned|in scope)|maybe|"
    r"if there is (budget|time)|afterwards|after go-?live|out of scope|skip|unknown|open question|"
    + DEFERRAL
    + r")\b",
    re.I,
)

PRINCIPLES = {
    "no-business-problem": 'Starting from "let\'s see what AI can do" makes it impossible to define success criteria.',
    "no-success-criteria": "Gate 0: agreement on success criteria before the PoC begins.",
    "unmeasurable-success-criteria": "PoC success criteria: does accuracy/speed meet the threshold?",
    "no-business-kpi": "Agree how outcomes tie to business metrics, not just technical metrics.",
    "no-exit-criteria": "Agree upfront on which conditions will trigger a PoC's cancellation.",
    "no-end-user-involvement": "Involve end users in goal setting from the beginning of the PoC.",
    "no-production-data": "Use samples of production data from the very beginning of the PoC.",
    "no-security-review": "Include security requirements as PoC evaluation criteria from the start.",
    "no-scale-plan": "Design for what happens at 100 or 1,000 users: cost, training, support.",
    "no-owner": "Make priority, owner, resources and timeline explicit for each PoC.",
    "single-owner": "Assign ownership to multiple people, not just one.",
    "no-pilot-phase": "Skipping the Pilot phase leads directly to: PoC succeeds, production fails.",
    "no-gates": "Establish gates before, during and at the end of the PoC.",
    "no-documentation-plan": "Record all prompts, configurations and the reasoning behind decisions.",
    "no-operations-owner": "Someone must own embedding the system into business processes.",
}
MESSAGES = {
    "no-business-problem": "Name the concrete business problem: who has it and what it costs today.",
    "no-success-criteria": "Add success criteria agreed before the PoC starts.",
    "unmeasurable-success-criteria": "Give the success criteria thresholds (e.g. at least 90% on 500 real documents).",
    "no-business-kpi": "Add a business KPI with a target (processing time, cost, throughput, satisfaction).",
    "no-exit-criteria": "Agree now on the conditions that stop the PoC (e.g. below 80% at Gate 2).",
    "no-end-user-involvement": "Name the end users or business side who set goals and evaluate the PoC.",
    "no-production-data": "Plan to use production data samples from day one, not curated or vendor data.",
    "no-security-review": "Address security, privacy and compliance now; book the review before Gate 1.",
    "no-scale-plan": "Estimate volume, users, cost per request, support and training at production scale.",
    "no-owner": "Name an owner.",
    "single-owner": "Name a second owner so the PoC survives one person being reassigned.",
    "no-pilot-phase": "Plan a pilot with real users and data between the PoC and full rollout.",
    "no-gates": "Add gate reviews (Gate 0, 1, 2) with dates and go/no-go questions.",
    "no-documentation-plan": "Say where prompts, configurations and decisions will be recorded, and who takes over.",
    "no-operations-owner": "Name who will run it in production and embed it in the business process.",
}
CODES = tuple(PRINCIPLES)

# Evidence that an aspect is addressed, searched sentence by sentence.
_USERS = (
    r"(end.users?|business users?|agents|adjusters|clerks|planners|analysts|nurses|technicians|operators|"
    r"lawyers|paralegals|buyers|category managers|recruiters|controllers|inspectors|dispatchers|staff|"
    r"team leads?|hr partners|employees|users|advisors|advisers|panel|handlers|crews|drivers|mechanics|"
    r"accountants|specialists|underwriters|engineers|supervisors|the business|business side|graders|"
    r"crew|bed managers|store managers?|colleagues|ward staff)"
)
_INVOLVE = (
    r"(evaluat|test|take part|involved|workshop|feedback|review|rate|rating|score|judge|co-?design|interview|"
    r"label|shadow|sign.?off|pilot users|tr(y|ies)|check|write the expected|define|agree|help|join|annotat|"
    r"compare|assess|validate|use it|set the|weekly|tell (you|us|me)|will use|using it)"
)
_PRESENT: dict[str, str] = {
    "no-business-problem": r"(today|currently|at present|every (day|week|month)|each (month|week|year)|"
    r"per (month|week|year)|backlog|bottleneck|manual(ly)?|takes? (about |up to )?\d|spend|cost(s|ing)? |"
    r"lose|losing|complain|errors?|delay(s|ed)?|rework|cannot|guesswork|gut feeling|overtime|wait|"
    r"incomplete|missing|stuck|escalat|keeps? \w+ing|getting (worse|silly|out of hand)|no evidence)",
    "success": r"(success|acceptance|how we.?ll know|pass(es)? if|we will (measure|judge)|criteri|target|"
    r"must (find|reach|achieve|hit|get|be|catch|match)|at least \d|know it work)",
    "no-business-kpi": r"(handling time|processing time|cycle time|time (per|to)|minutes|hours|cost per|"
    r"throughput|per (agent|person|clerk|fte)|fte|satisfaction|csat|nps|revenue|backlog|call volume|"
    r"first.contact|resolution rate|savings?|days|lead time|stock-?outs?|working capital|write-?offs?|"
    r"share of|incomplete|escalations?|overtime|staffing|on-time|yield|defects?|scrap|downtime|per shift|"
    r"complaints|churn|conversion|margin|inventory|utili[sz]ation|wait(ing)? time|review time|waste|"
    r"deflect\w*|withdrawals?|renewals?|refresh time|\bcosts?\b|payouts?|abandon\w*|availability|"
    r"resolved without|walks|visits|trips|callbacks|repeat (calls|contacts))",
    "no-exit-criteria": r"(exit|stop|kill|cancel|abort|end the (poc|pilot)|terminate|kill switch)",
    "no-end-user-involvement": _USERS + r"\b.{0,100}\b" + _INVOLVE,
    "no-production-data": r"(production|real|live|actual|unmodified|historical|last \d+ months|\d+ months of)"
    r"(?!-time)\b.{0,60}\b(data|records|documents|tickets|invoices|receipts|images|scans|emails|lines|claims|"
    r"calls|transcripts|readings|samples?|extracts?|exports?|contracts|orders|photos|forms|logs|cases|messages|"
    r"questions|history|reports|notes|conversations|ndas)\b|"
    r"\b(data|records|documents|images|photos|readings|logs|calls|tickets) from (the |our )?"
    r"(production|live|real)\b|\breal ones\b|last year'?s \d|"
    r"\bfrom our own\b|\bour own (\w+ ){0,3}(data|records|history|archives?|systems?)\b",
    "no-security-review": r"(security|privacy|gdpr|dpia|compliance|ciso|infosec|data protection|residency|"
    r"\bdpo\b|data processing agreement|information governance|gxp|validation framework|"
    r"personal data|pii|works council|legal review|threat model|pen.?test)",
    "no-scale-plan": r"(production (scale|volume|scope)|at scale|licen[cs]e|cost per|compute cost|annual cost|"
    r"(cost|price|fee|eur|€|\$|usd|nok|sek|volume|budget)\b.{0,40}\b(per|a|each) (month|year|day)|"
    r"\d[\d,.]* (users|agents|requests|calls|conversations|documents|lines|claims|tickets|invoices|receipts|"
    r"emails|operators|employees|technicians|joints|parts|orders) (a|per|each) (day|week|month|year)|"
    r"\d[\d,.]* (users|agents|operators|employees|technicians|staff)|support (model|team|desk)|"
    r"training (for|of)|\d+-hour training)",
    "no-pilot-phase": r"\bpilot\b",
    "no-gates": r"(\bgate\b|gate ?[0-2]|go/?no.?go|checkpoint|steering review|decision point)",
    "no-documentation-plan": r"(documented|documentation|record(ed)? (the |all |every |each )?(prompts?|"
    r"configurations?|settings|decisions?)|decision log|wiki|(git|code|prompt|team|project) repository|repo\b|"
    r"runbook|handover|handoff|hand over|knowledge base|confluence|versioned|sharepoint|"
    r"prompt versions?|every prompt|\bin git\b|prompt registry|decisions? log)",
    "no-operations-owner": r"(run(s)? (it |the \w+ )?(in production|day to day|after)|(will|to) operate|"
    r"operates|operated by|operations owner|run by|support(ed)? by|maintain(ed|s)? (it|the|by)|service owner|"
    r"run team|embed(ded)? (it )?in|business process owner|will run|runs? the|takes? over|"
    r"responsible for the (tool|system|service|model|solution|assistant)|in (daily )?operations|"
    r"own(s)? the (daily|weekly|tool|model|job|forecast job)|owner of the|operations team|ops team)",
}
_SECTION = {
    "success": r"success|how we.?ll know|acceptance|what good|(?<!exit )criteria",
    "problem": r"problem|background|why|pain|context|motivation|situation",
    "no-exit-criteria": r"exit|stop|kill|abort|cancel",
    "no-security-review": r"security|privacy|compliance|guardrail|data protection",
    "no-documentation-plan": r"document|handover|handoff|knowledge",
}
# Where a section is named for an aspect, its sentences decide whether the aspect is addressed.
_DECIDES = ("no-exit-criteria", "no-security-review", "no-documentation-plan")


@dataclass
class Finding:
    code: str
    severity: str
    message: str
    evidence: list[dict[str, Any]]
    principle: str

    def as_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


@dataclass
class CharterReading:
    text: str
    sentences: list[tuple[str, str, int]] = field(default_factory=list)  # (section, sentence, line)
    owners: list[str] = field(default_factory=list)
    sponsors: list[str] = field(default_factory=list)  # a sponsor is a second accountable name


PLACEHOLDER = re.compile(r"<(?!https?:|mailto:)[^<>\n]{2,300}>")


def blank_placeholders(text: str) -> str:
    """A template's unfilled `<...>` prompts say nothing about the PoC; lines keep their numbers."""
    return PLACEHOLDER.sub("", text)


# a line that starts a message or an item of its own: "[Mon 09:12] Priya:", "10:09 Lina:", "- ", "3."
_NEW_ITEM = re.compile(
    r"^\s*(\[[^\]]{1,40}\]|\(?\d{1,2}[:.]\d{2}\b|[-*•–]\s|\d{1,2}[.)]\s|[A-Z][A-Z0-9]+-\d+\b|"
    r"[A-Z][\w'’-]+( [A-Z][\w'’-]+){0,3}( \([^)]{1,40}\))?( \d{1,2}[:.]\d{2})?:\s|"
    r"[A-Z][\w'’/()&-]*( [\w'’/()&-]+){0,5}:\s)"  # a form's field: "Data sources: ..."
)
_HEADING_LINE = re.compile(r"^\W*[A-Z][\w'’/&-]*( [\w'’/&()-]+){0,5}\s*$")  # "Success criteria"
_LINE_END = re.compile(r"[.!?:;)\]\"'’]\s*$|[^\x00-\u2000]\s*$")


def _line_runs(text: str) -> list[tuple[int, str]]:
    """A unit's lines grouped into runs that belong together: a chat message, a list item or a
    sentence wrapped over lines, each with its offset from the unit's first line."""
    runs: list[tuple[int, str]] = []
    for i, line in enumerate(text.split("\n")):
        if (
            runs
            and line.strip()
            and not _NEW_ITEM.match(line)
            and not _LINE_END.search(runs[-1][1])
            and not (_HEADING_LINE.match(runs[-1][1]) and line.lstrip()[:1].isupper())
        ):
            runs[-1] = (runs[-1][0], runs[-1][1] + " " + line)
        elif line.strip():
            runs.append((i, line))
    return runs


def read(text: str) -> CharterReading:
    """Sentences with their section and line, from any shape of charter (template, prose, bullets)."""
    import ingest

    text = blank_placeholders(text)
    reading = CharterReading(text)
    try:
        doc = ingest.parse_document(text.encode("utf-8"), source="charter.md", fmt="markdown")[0]
    except ingest.IngestError:
        return reading
    for unit in doc.units:
        section = unit.section.split(" > ")[-1] if unit.section else ""
        for offset, chunk in _line_runs(unit.text):
            for sentence in f.sentences(" ".join(chunk.split())):
                reading.sentences.append((section, sentence, unit.line_start + offset))
    from kb.reading.owners import accountable, organisation, same

    found = accountable(doc)  # prose, key lines, tables, RACI, sign-offs, "I" and "you" resolved
    reading.owners = [p.name for p in found.owners]
    reading.sponsors = [p.name for p in found.sponsors]
    for person in doc.fields.get("owners", []):  # front matter and "Owner:" fields
        name = person["name"]
        if (
            _NEGATED.search(name)
            or not f.people(name)
            or len(name) > 60
            or organisation(name, text)
        ):
            continue
        if not any(same(name, o) for o in reading.owners + reading.sponsors):
            reading.owners.append(name)
    return reading


def _hits(
    reading: CharterReading, expression: str, *, section: str | None = None
) -> list[tuple[str, str, int]]:
    rx = re.compile(expression, re.I)
    srx = re.compile(section, re.I) if section else None
    return [s for s in reading.sentences if rx.search(s[1]) and (srx is None or srx.search(s[0]))]


def _addressed(hits: list[tuple[str, str, int]]) -> list[tuple[str, str, int]]:
    return [h for h in hits if not _NEGATED.search(PURPOSE.sub("", h[1]))]


def _evidence(hits: list[tuple[str, str, int]]) -> list[dict[str, Any]]:
    if not hits:
        return [{"absent": True, "text": "nothing in the charter addresses this"}]
    return [{"section": s, "line": line, "text": t[:300]} for s, t, line in hits[:3]]


_TECHNICAL = re.compile(
    r"(inference|latency|response time|f1|accuracy|precision|recall|auc|mape|rmse|top-\d|coverage)",
    re.I,
)
_CLAUSE_SPLIT = re.compile(r",? and (?=an? |the |\d)|;|, (?=\d)")
_KPI_PLACE = re.compile(
    r"kpi|business|metric|objective|goal|benefit|value|target|success|how we|measure", re.I
)
_KPI_CHANGE = re.compile(
    r"target|from .{1,30} to|reduc|cut|increas|improv|down from|up from|at least|at most|down by|"
    r"down to|halve|halving|doubl|by (half|a third|a quarter)|or (better|more|fewer|less|higher|lower)|"
    r"go(es)? down|\d+ ?% (less|fewer|more|lower|higher)|below|above|less than|more than|\bzero\b|"
    r"[-−+]\d+ ?%",
    re.I,
)
# a target for what the business gains: "raise continuation from 81% to 84%, worth £2.6m a year"
_VALUE_TARGET = (
    r"[£€$]\s?\d|\b(income|revenue|retention|continuation|churn|customers?|members?|students?|"
    r"patients?|citizens?|worth|savings?|profit)\b"
)


def _runs_it(hit: tuple[str, str, int]) -> bool:
    """A named person or team runs the system (not a training or an evaluation)."""
    text = hit[1]
    return not _NOT_RUNNING.search(text) and bool(
        f.people(text) or _RUN_TEAM.search(text) or _NAMED_OPS_OWNER.search(text)
    )


_RUN_TEAM = re.compile(
    r"[A-Z][\w&-]+ (team|desk|department|operations)\b|'s\b.{0,30}\bteam\b|"
    r"\b(her|his|their|our)\b.{0,30}\bteam\b|"
    r"\b[A-Z][\w&-]+( [A-Z&][\w&-]+){0,3} (Centre|Center|Service|Services|Unit|Office|Function|Desk)\b"
)
# "with KA as operations owner", "I'm happy to be named as the operational owner"
_NAMED_OPS_OWNER = re.compile(
    r"\b([A-Z]{2,3}|I|I'm|me)\b[^.]{0,40}\b(operations|operational|ops|service) owner\b"
)
# running a training or an evaluation is not running the system
_NOT_RUNNING = re.compile(
    r"\bruns? the (training|workshop|session|evaluation|test|tests|kick-?off)", re.I
)
_TARGET_CHANGE = re.compile(
    r"from .{1,30} to|target|\b(raise|reduce|increase|cut|grow|lift)\b|(down|up) by|[-−+]\d+ ?%",
    re.I,
)
# "in the 12 months after go-live" is when a KPI is measured, not an aspect put off
_WINDOW = re.compile(r"\b(months?|weeks?|year|days?) after go-?live\b", re.I)
_SECURITY_ACT = re.compile(
    r"(review|approv|assess|sign|requirement|complian|residen|dpia|booked|check|hosted|\beu\b|encrypt|"
    r"access|policy|handled|addressed|dpo|ciso|consent|pseudonym|anonymi|confirmed|agreement|blurred)",
    re.I,
)


# a pilot by another name: limited real use before anything wider
_LIMITED_USE = (
    r"\b(limited|controlled|phased) (roll-?out|release|launch)|\bsoft launch|\bfield trial|\bwider trial|"
    r"\b(for real|real (users|returns|customers|cases|calls))\b.{0,80}\bbefore\b|"
    r"\bbefore (anything|going|rolling|touching|we (offer|roll|extend|open))\b.{0,40}"
    r"\b(wider|whole|other|all|rest|everyone)\b|"
    r"\b(on|in|at|for) (one|two|three|four|five|a few|\d+) (stores|sites|wards|farms|branches|zones|lines|"
    r"teams|regions|depots|plants|schools|clinics|practices|hotels|properties|offices)\b.{0,60}"
    r"\b(for|over) (a|one|two|three|four|six|eight|\d+) (months?|weeks?|season)"
)


_AS_IS = re.compile(
    r"^\W*(the )?problem\b|\b(currently|today|at the moment|right now|fraud|losses|overtime|backlog|"
    r"spend|spent|per (unplanned )?failure|of (the )?(contact.centre|call) volume)\b",
    re.I,
)
_VOLUME_ONLY = re.compile(
    r"^(?!.*(cost|price|pricing|fee|budget|licen[cs]e|compute|gpu|infrastructure|capacity|latency|"
    r"throughput|peak|hosting|load|production|at scale|full volume|roll-?out|all (users|stores|sites))).*$",
    re.I,
)


def _scale_plan(hit: tuple[str, str, int]) -> bool:
    """A plan for production scale, not the size of today's problem ("38,000 calls a month")."""
    section, text, _ = hit
    if re.search(ASPECTS["business_problem"], section, re.I) or _AS_IS.search(text):
        return False
    return not _VOLUME_ONLY.match(text) or bool(re.search(r"scale|cost|volume", section, re.I))


_CERTIFIED_ONLY = re.compile(r"iso ?27001|soc ?2|certifi", re.I)


def _aspect(reading: CharterReading, code: str) -> tuple[list[tuple[str, str, int]], bool]:
    """(evidence, addressed): a section named for the aspect decides; else sentences that mention it."""
    if code in _DECIDES:
        in_section = _hits(reading, r".", section=_SECTION[code])
        if in_section:
            said = _addressed(in_section)
            if code == "no-security-review":  # a vendor's certificate is not this PoC's review
                said = [
                    h
                    for h in said
                    if _SECURITY_ACT.search(h[1]) and not _CERTIFIED_ONLY.search(h[1])
                ]
            if (
                said
                or code != "no-security-review"
                or len(_addressed(in_section)) < len(in_section)
            ):
                return in_section, bool(said)  # a section that puts it off decides
            # a review planned elsewhere (a RACI row, an action) still counts
            hits = [h for h in _addressed(_hits(reading, _PRESENT[code])) if h not in in_section]
            hits = [
                h for h in hits if _SECURITY_ACT.search(h[1]) and not _CERTIFIED_ONLY.search(h[1])
            ]
            return in_section + hits, bool(hits)
    hits = _hits(reading, _PRESENT[code])
    if code == "no-security-review":
        hits = [h for h in hits if _SECURITY_ACT.search(h[1]) and not _CERTIFIED_ONLY.search(h[1])]
    return hits, bool(_addressed(hits))


def _problem(reading: CharterReading, lower: str) -> list[tuple[str, str, int]]:
    if re.search(r"see what (ai|gen ?ai|it|llms?) (can|could) do|ai for (its own|the sake)", lower):
        return []
    named = [
        h
        for h in _hits(reading, r".{40,}", section=_SECTION["problem"])
        if not _NEGATED.search(h[1])
    ]
    keyed = [
        h for h in _hits(reading, r"^\W*(problem|why|pain point|background)\s*:") if len(h[1]) > 40
    ]
    return named or keyed or _addressed(_hits(reading, _PRESENT["no-business-problem"]))


def check(
    text: str,
    *,
    embedder: Any = None,
    withdrawn: list[dict[str, Any]] | None = None,
    reading: CharterReading | None = None,
) -> list[Finding]:
    """The findings for a charter: each code the charter triggers, with evidence and principle.

    With the embedder the aspect model was trained with, a "missing" finding is withdrawn when a
    sentence addresses the aspect by its meaning (kb.charter_aspects); what withdrew it goes into
    `withdrawn`, so a reader sees why no finding was raised. A caller that has read the charter
    already passes its `reading`."""
    text = blank_placeholders(text)
    reading = reading or read(text)
    out: list[Finding] = []

    def add(code: str, hits: list[tuple[str, str, int]], severity: str = "high") -> None:
        out.append(Finding(code, severity, MESSAGES[code], _evidence(hits), PRINCIPLES[code]))

    lower = text.lower()
    if not _problem(reading, lower):
        add("no-business-problem", [])
    success = _addressed(
        _hits(reading, r".", section=_SECTION["success"]) or _hits(reading, _PRESENT["success"])
    )
    if not success:
        add("no-success-criteria", [])
    elif not [s for s in success if f.threshold(s[1])]:
        add("unmeasurable-success-criteria", success, "medium")
    kpi = [
        h
        for h in _addressed(
            [(a, _WINDOW.sub("", b), c) for a, b, c in _hits(reading, _PRESENT["no-business-kpi"])]
        )
        if any(  # "recall of 98%, and a 30% cut in handling time": the business half counts
            re.search(_PRESENT["no-business-kpi"], part, re.I)
            and not _TECHNICAL.search(part)
            and (_KPI_PLACE.search(h[0]) or _KPI_CHANGE.search(part))
            for part in _CLAUSE_SPLIT.split(h[1])
        )
    ]
    kpi = kpi or [
        h
        for h in _addressed(_hits(reading, _VALUE_TARGET))
        if not _TECHNICAL.search(h[1]) and _TARGET_CHANGE.search(h[1])
    ]
    if not kpi:
        add("no-business-kpi", _hits(reading, _PRESENT["no-business-kpi"]))
    exit_hits, _ = _aspect(reading, "no-exit-criteria")
    if not [
        h
        for h in _addressed(exit_hits)
        if re.search(r"\b(if|below|above|less than|more than|unless|when|under)\b|\d", h[1])
    ]:
        add("no-exit-criteria", exit_hits)
    users = _hits(reading, _PRESENT["no-end-user-involvement"])
    refused = [
        h
        for h in _hits(reading, _USERS)
        if re.search(
            r"(not needed|too busy|will (receive|get|see)|"
            r"show them|not (involved|part)|later)",
            h[1],
            re.I,
        )
    ]
    if not _addressed(users) or (refused and len(_addressed(users)) <= len(refused)):
        add("no-end-user-involvement", refused or users)
    data = _hits(reading, _PRESENT["no-production-data"])
    curated = _hits(
        reading,
        r"(synthetic|curated|cleaned|vendor.(prepared|supplied|curated|cleaned)|demo data|"
        r"prepared (and cleaned )?by the)",
    )
    in_data_section = _hits(reading, r".", section=r"\bdata\b")
    if in_data_section:  # the PoC's own data plan decides; real data used only later does not count
        data = [h for h in in_data_section if re.search(_PRESENT["no-production-data"], h[1], re.I)]
    if not _addressed(data) or (curated and not [h for h in _addressed(data) if h not in curated]):
        add("no-production-data", curated or data)
    for code in ("no-security-review", "no-documentation-plan"):
        hits, addressed = _aspect(reading, code)
        if not addressed:
            add(code, hits)
    scale = [h for h in _addressed(_hits(reading, _PRESENT["no-scale-plan"])) if _scale_plan(h)]
    if not scale:
        add("no-scale-plan", _hits(reading, _PRESENT["no-scale-plan"]))
    owners = reading.owners
    if not owners:
        add("no-owner", _hits(reading, r"owner"))
    elif len(owners) == 1 and not reading.sponsors:
        add("single-owner", _hits(reading, r"owner"), "medium")
    pilot = _addressed(_hits(reading, _PRESENT["no-pilot-phase"]) or _hits(reading, _LIMITED_USE))
    if not pilot:
        add("no-pilot-phase", _hits(reading, _PRESENT["no-pilot-phase"]))
    gates = _addressed(_hits(reading, _PRESENT["no-gates"]))
    if not gates:
        add("no-gates", _hits(reading, _PRESENT["no-gates"]))
    ops = [
        h
        for h in _addressed(
            [
                (a, RUN_LATER.sub("", b), c)
                for a, b, c in _hits(reading, _PRESENT["no-operations-owner"])
            ]
        )
        if _runs_it(h)
    ]
    if not ops:
        add("no-operations-owner", _hits(reading, _PRESENT["no-operations-owner"]))
    if embedder is not None and out:
        out = _withdraw(out, reading, embedder, withdrawn)
    return sorted(out, key=lambda x: CODES.index(x.code))


_SAMPLE = re.compile(
    r"synthetic|\bsamples?\b|benchmark set|\bdemo\b|curated|cleaned|generic|"
    r"vendor'?s? (own )?(data|set|sample|images|photos|calls)|anonymi[sz]ed sample|"
    r"other (retailer|municipalit|customer|compan)|industry (data|database)|licensed (data|database)",
    re.I,
)
# the data comes straight from where the business keeps it: "all pulled from the live SCADA system"
_FROM_SOURCE = re.compile(
    r"\b(pulled|exported|taken|extracted|read|copied|straight) (straight )?from (the |our )?(live|production)\b|"
    r"\bfrom (the |our )?(live|production) (\w+ ){0,2}(systems?|platforms?|databases?|feeds?)\b",
    re.I,
)
_REAL_DATA = re.compile(r"\blive\b|production|our own|\breal\b|pulled from|from our|actual", re.I)
_KPI_MOVE = re.compile(r"\b(down|up)\b \d|[+−]\s?\d|≤|≥|baseline", re.I)
_TODAY = re.compile(r"^\W*(the )?problem\b|\b(currently|today|at the moment|right now)\b", re.I)
_THRESHOLD_SAID = re.compile(
    r"target|at least|at most|≥|≤|>=|<=|or (better|more|less|fewer|higher|lower)|above|below|under|"
    r"within|reach|must|should|needs? to|goal|aim|success",
    re.I,
)
_CLAIMED = re.compile(
    r"vendor claims|claims? \d|background|currently|today|last year|is \d+ ?%", re.I
)
# what a sentence must also show for the aspect model's reading of it to withdraw a finding
_GUARDS: dict[str, Any] = {
    # "the vendor demo used their sample, but we will test on our live PIM"
    "production-data": lambda h: (
        not _SAMPLE.search(h[1])
        or bool(_FROM_SOURCE.search(h[1]))
        or bool(
            _REAL_DATA.search(h[1])
            and re.search(r"\b(but|instead|rather than|not|so|only|just)\b", h[1], re.I)
        )
    ),
    "scale-cost": _scale_plan,
    "business-kpi": lambda h: (
        bool(_KPI_CHANGE.search(h[1]) or _KPI_MOVE.search(h[1])) and not _TODAY.search(h[1])
    ),
    "success-threshold": lambda h: bool(_THRESHOLD_SAID.search(h[1])) and not _CLAIMED.search(h[1]),
    "operations-owner": _runs_it,
}


def _withdraw(
    findings: list[Finding],
    reading: CharterReading,
    embedder: Any,
    withdrawn: list[dict[str, Any]] | None,
) -> list[Finding]:
    from kb.charter_aspects import ASPECT_OF, MENTIONED, RULES_DECIDE, aspect_model

    model = aspect_model()
    if model is None:
        return findings
    addressed = model.addressed(reading.sentences, embedder, guards=_GUARDS)
    kept = []
    for finding in findings:
        aspect = "" if finding.code in RULES_DECIDE else ASPECT_OF.get(finding.code, "")
        said = addressed.get(aspect)
        if said is None and finding.code == "no-success-criteria":
            said = addressed.get(MENTIONED["success-criteria"])  # named, if only vaguely
        if said is None:
            kept.append(finding)
            continue
        if withdrawn is not None:
            withdrawn.append({"code": finding.code, **said})
        numbered = "success-threshold" in addressed or f.threshold(said.get("text", ""))
        if finding.code == "no-success-criteria" and not numbered:
            kept.append(_vague_criteria(said))  # criteria named without a number: weak, not missing
    return kept


def _vague_criteria(said: dict[str, Any]) -> Finding:
    code = "unmeasurable-success-criteria"
    hit = ("", str(said.get("text", "")), int(said.get("line", 0)))
    return Finding(code, "medium", MESSAGES[code], _evidence([hit]), PRINCIPLES[code])


# Which past failures bear on each gap: the pattern to filter by and what to ask for.
FINDING_SEARCH: dict[str, tuple[str, str]] = {
    "no-business-problem": (
        "unclear-objectives",
        "started without a concrete business problem or goal",
    ),
    "no-success-criteria": (
        "unclear-objectives",
        "no agreed success criteria, nobody could say if it worked",
    ),
    "unmeasurable-success-criteria": (
        "unclear-objectives",
        "success criteria without thresholds were argued",
    ),
    "no-business-kpi": (
        "business-value-not-articulated",
        "only technical metrics, leadership saw no business value",
    ),
    "no-exit-criteria": (
        "no-exit-criteria",
        "no exit criteria, the PoC was extended again and again",
    ),
    "no-end-user-involvement": (
        "no-business-involvement",
        "end users were not involved and rejected the tool",
    ),
    "no-production-data": (
        "production-divergence",
        "accuracy dropped on real production data after a clean sample",
    ),
    "no-security-review": (
        "security-compliance-blocker",
        "security review blocked the solution late",
    ),
    "no-scale-plan": (
        "scale-cost-not-designed",
        "cost and support at production scale were never estimated",
    ),
    "no-owner": ("handoff-loss", "the only owner left and the project stalled"),
    "single-owner": ("handoff-loss", "the only owner was reassigned and knowledge was lost"),
    "no-pilot-phase": (
        "no-pilot-phase",
        "went straight from the PoC to full rollout without a pilot",
    ),
    "no-gates": ("formality-no-evaluation", "no go/no-go review, the PoC ended without a decision"),
    "no-documentation-plan": (
        "handoff-loss",
        "prompts and configurations were not documented and were lost",
    ),
    "no-operations-owner": (
        "no-business-ownership",
        "nobody owned running it in the business after the PoC",
    ),
}
SUGGESTED_KINDS = (
    "lesson",
    "root_cause",
    "constraint",
    "recommendation",
    "risk",
    "decision",
    "summary",
)
# what a kind of unit is worth to someone writing a charter: what went wrong and what was learnt
# first; decisions, summaries and constraints of other projects rarely tell them what to do
KIND_WEIGHT = {"lesson": 1.0, "root_cause": 1.0}
OTHER_KIND_WEIGHT = 0.1  # nDCG@10 0.428 -> 0.583 on the judged pool, both halves alike


def _content_query(reading: CharterReading, limit: int = 600) -> str:
    """What the charter is about: its first sentences (title, problem, technique, data)."""
    return " ".join(s for _, s, _ in reading.sentences)[:limit]


def review(kb: Any, text: str, *, limit: int = 10) -> dict[str, Any]:
    """Findings, then the past lessons that apply: from the charter's content and from each finding."""
    reading = read(text)
    withdrawn: list[dict[str, Any]] = []
    findings = check(text, embedder=kb.embedder, withdrawn=withdrawn, reading=reading)
    pooled: dict[str, dict[str, Any]] = {}

    def pool(hits: list[dict[str, Any]], reason: str, weight: float) -> None:
        for rank, hit in enumerate(hits, start=1):
            if hit["kind"] not in SUGGESTED_KINDS or not hit["unit_id"]:
                continue
            entry = pooled.setdefault(hit["unit_id"], {**_brief(hit), "score": 0.0, "why": []})
            kind_weight = KIND_WEIGHT.get(hit["kind"], OTHER_KIND_WEIGHT)
            entry["score"] += weight * kind_weight / (rank + 1)
            if reason not in entry["why"]:
                entry["why"].append(reason)

    content = _content_query(reading)
    queries = [f"{FINDING_SEARCH[f_.code][1]}. {content[:FINDING_CONTEXT]}" for f_ in findings]
    kb.query_vectors([q for q in (content, *queries) if q.strip()])  # one embedding call for all

    def finding_hits(finding: Finding) -> list[dict[str, Any]]:
        pattern, ask = FINDING_SEARCH[finding.code]
        query = f"{ask}. {content[:FINDING_CONTEXT]}"  # as embedded above
        try:
            return list(
                kb.search(
                    query,
                    limit=10,
                    filters={"pattern": [pattern]},
                    mode=FINDING_SEARCH_MODE,
                    reuse=True,
                )["hits"]
            )
        except ValueError:
            return []

    # the searches are independent and spend most of their time in SQLite and FAISS, which let
    # go of the GIL: two at a time; pooled in the findings' order, so the ranking does not change
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=SEARCH_THREADS) as run:
        content_hits = (
            run.submit(kb.search, content, limit=30, reuse=True) if content.strip() else None
        )
        per_finding = list(run.map(finding_hits, findings))
    if content_hits is not None:
        pool(content_hits.result()["hits"], "similar to this charter's content", 1.0)
    for finding, hits in zip(findings, per_finding, strict=True):
        pattern = FINDING_SEARCH[finding.code][0]
        pool(hits, f"{finding.code}: past projects that failed this way ({pattern})", 0.8)
    ranked = _rank(pooled.values(), findings, limit)
    for rank, entry in enumerate(ranked, start=1):
        entry["rank"] = rank
        entry["score"] = round(entry["score"], 4)
    sections = read_sections(reading)
    from kb.actions import checklists

    lists = checklists(kb, {f_.code: (FINDING_SEARCH[f_.code][0], f_.principle) for f_ in findings})
    shown = []
    for f_ in findings:
        entry = f_.as_dict()
        entry["checklist"] = lists.get(f_.code, [])
        shown.append(entry)
    return {
        "findings": shown,
        "addressed": withdrawn,  # gaps the rules saw that a sentence answers by its meaning
        "aspects": aspect_states(findings, withdrawn, sections),
        "suggestions": ranked,
        "sections": sections,
    }


# The parts of a charter, found by the heading a sentence stands under or by what it says.
ASPECTS: dict[str, str] = {
    "business_problem": r"problem|background|why|pain|situation",
    "objectives": r"objective|goal|aim|purpose|what we want",
    "success_criteria": r"success|how we.?ll know|acceptance|criteria(?!.*exit)|target",
    "business_kpis": r"kpi|business (metric|case|value|impact)|benefit",
    "stakeholders": r"stakeholder|end users?|who|take part|evaluator|people|team",
    "data": r"\bdata\b|sample|dataset",
    "security_compliance": r"security|privacy|compliance|gdpr|dpia|data protection|guardrail",
    "scale_cost": r"scale|cost|volume|budget|licen",
    "operations": r"operat|run(s)? it|support|maintain|day to day",
    "integration": r"integrat|interface|connect|\bapi\b|erp|crm|sap\b",
    "owners": r"owner|accountab",
    "phases_timeline": r"phase|timeline|schedule|milestone|weeks?|months?",
    "gates": r"\bgate|go/?no.?go|checkpoint|review",
    "exit_criteria": r"exit|stop|kill|abort|cancel",
    "pilot_plan": r"\bpilot",
    "documentation_handoff": r"document|record|handover|handoff|wiki|repository|runbook|decision log",
}


def read_sections(reading: CharterReading) -> dict[str, list[dict[str, Any]]]:
    """Each aspect the article asks a charter to cover, with the lines that speak to it (provenance)."""
    out: dict[str, list[dict[str, Any]]] = {name: [] for name in ASPECTS}
    for section, sentence, line in reading.sentences:
        for name, rx in ASPECTS.items():
            if re.search(rx, section, re.I) or re.search(rx, sentence, re.I):
                out[name].append({"line": line, "section": section, "text": sentence})
    return out


# where read_sections keeps the lines that speak to each finding's aspect
SECTION_OF = {
    "no-business-problem": "business_problem",
    "no-success-criteria": "success_criteria",
    "unmeasurable-success-criteria": "success_criteria",
    "no-business-kpi": "business_kpis",
    "no-exit-criteria": "exit_criteria",
    "no-end-user-involvement": "stakeholders",
    "no-production-data": "data",
    "no-security-review": "security_compliance",
    "no-scale-plan": "scale_cost",
    "no-owner": "owners",
    "single-owner": "owners",
    "no-pilot-phase": "pilot_plan",
    "no-gates": "gates",
    "no-documentation-plan": "documentation_handoff",
    "no-operations-owner": "operations",
}


def aspect_states(
    findings: list[Finding],
    withdrawn: list[dict[str, Any]],
    sections: dict[str, list[dict[str, Any]]],
) -> list[dict[str, Any]]:
    """Every question the checker asks, in three states: missing (a high finding), weak (a
    softer one: criteria without a threshold, a single owner) or addressed, with the lines that
    address it, so a reader sees why no finding was raised."""
    raised = {f_.code: f_ for f_ in findings}
    answered = {w["code"]: w for w in withdrawn}
    out = []
    for code in CODES:
        finding = raised.get(code)
        if finding is not None:
            state = "missing" if finding.severity == "high" else "weak"
            evidence = [
                {"line": e["line"], "text": e["text"]} for e in finding.evidence if e.get("line")
            ][:2]
        elif code == "single-owner" and "no-owner" in raised:
            state, evidence = "missing", []  # no owner at all: not two either
        else:
            state = "addressed"
            if code in answered:
                evidence = [{"line": answered[code]["line"], "text": answered[code]["text"]}]
            else:
                evidence = [
                    {"line": e["line"], "text": e["text"]}
                    for e in sections.get(SECTION_OF.get(code, ""), [])
                ][:2]
        out.append({"code": code, "state": state, "evidence": evidence})
    return out


SEARCH_THREADS = 2  # a review's searches run two at a time (measured on a 2-core machine)
FINDING_CONTEXT = 200  # characters of the charter's content added to each finding's search
FINDING_SEARCH_MODE = "hybrid"  # the search under each finding, among lessons of its pattern
PER_DOCUMENT = 2  # suggestions from one past document, so one long postmortem cannot fill the list


def _rank(pooled: Any, findings: list[Finding], limit: int) -> list[dict[str, Any]]:
    """Best first, at most PER_DOCUMENT from a document; those that answer only a weak aspect
    (criteria without a threshold, a single owner) after those that answer a missing one."""
    weak = {f_.code for f_ in findings if f_.severity != "high"}

    def weak_only(entry: dict[str, Any]) -> bool:
        codes = [why.split(":", 1)[0] for why in entry["why"] if ":" in why]
        return bool(codes) and len(codes) == len(entry["why"]) and set(codes) <= weak

    out: list[dict[str, Any]] = []
    per_document: dict[Any, int] = {}
    for entry in sorted(pooled, key=lambda e: (weak_only(e), -e["score"])):
        document = entry.get("document_id") or entry.get("source")
        if per_document.get(document, 0) >= PER_DOCUMENT:
            continue
        per_document[document] = per_document.get(document, 0) + 1
        out.append(entry)
        if len(out) == limit:
            break
    return out


def _brief(hit: dict[str, Any]) -> dict[str, Any]:
    return {
        k: hit[k] for k in ("unit_id", "document_id", "title", "source", "section", "kind", "text")
    }
