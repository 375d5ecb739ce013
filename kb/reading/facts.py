"""What a document says about itself, read sentence by sentence with the passages' roles:
phase reached and outcome (with evidence, `unknown` when unsaid), people, KPIs and gates."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from ingest import fields as f
from kb.records import ParsedDocument, Source, Unit

# --- outcome and phase ---------------------------------------------------------------------------
# a decision to go on: a step on the way, not where the work ended
_GO_STEP = r"\b(go|approved) (decision )?(to|for) (the )?(pilot|production|rollout)\b|\bdecision:? (was )?(to )?continue\b"
# (outcome, pattern): a sentence that says what happened to the work, strongest first
_OUTCOMES: tuple[tuple[str, str], ...] = (
    (
        "rejected-by-leadership",
        r"(steering|leadership|board|committee|executive|exec|cfo|ceo|sponsor|investment)\w*[^.]{0,60}\b(declined|rejected|refused|did not approve|didn't approve|not approve|turned down|said no|would not fund|won't fund|not funding|not to fund|no funding|pulled (the )?funding|come back (with|when))|(funding|budget|continuation)[^.]{0,30}\b(declined|rejected|denied|refused|not approved)(?! yet)|\b(declined|decided not|refused|voted not|chose not) to (fund|approve|finance|continue funding)",
    ),
    (
        "stopped-at-gate",
        r"(stopped|ended|closed|killed|halted|no-?go)[^.]{0,40}\bgate ?[0-3]\b|\bgate ?[0-3]\b[^.]{0,60}\b(no-?go|stop(ped)?|kill(ed)?|not (to )?(proceed|continue))|(decision|verdict|outcome)[^.]{0,20}\b(was )?(a )?(no-?go|stop)\b",
    ),
    (
        "failed-in-pilot",
        r"pilot[^.]{0,80}\b(failed|was stopped|stopped|stop\b|was cancell?ed|ended early|did not meet|didn't meet|missed|fell short|was abandoned|closed\. not moving|not moving to production)|(failed|stopped|ended) (in|during|after) the pilot|(pilot exit|end of pilot)[^.]{0,160}\b(stop|recommended stopping|no-?go)",
    ),
    (
        "cancelled",
        r"\b(switched (it |the \w+ )?off|switching off (our|the|it)|turned (it |the \w+ )?off|shut (it )?down|rolled back|decommission\w*|not (being )?re-?enabled|stopped the (poc|pilot|project|trial|work)|withdrawn|pulled (it|the)|cancell?ed|terminated|discontinued|we killed|closed down|wound down|be wound down|retired)\b",
    ),
    (
        "stalled",
        r"\b(stalled|parked|shelved|on hold|paused|dormant|drifted|nobody picked (it )?up|went quiet|never restarted|in limbo|left the company|was reassigned|no decision (was |has been )?(taken|made|recorded)|no go/no-go decision|(is|was|has not been) not continued|nobody (has )?decided|we are stuck|(has|have) stalled)\b",
    ),
    (
        "in-production",
        r"\b(is|are|went|has been|have been|now) (live|in production)\b|\bin production (since|for)\b|\brolled out to (all|every)\b|\bnow (used|runs) (by|in|every)\b|\bbusiness as usual\b",
    ),
    (
        "ongoing",
        r"\b(is|remains|still) (ongoing|running|in progress|continuing)\b|\b(pilot|poc) (continues|is continuing|runs until|is running)\b|\bhanded over to\b[^.]{0,60}\b(continue|run|take)\b|"
        + _GO_STEP,
    ),
)
_OUTCOME_RX = [(name, re.compile(rx, re.I)) for name, rx in _OUTCOMES]
_OUTCOME_NAMES = [name for name, _ in _OUTCOMES]
_FULL_PRODUCTION = re.compile(
    r"in production|roll(ed)? out to (all|every)|production rollout|\bprod\b|full rollout|go for production",
    re.I,
)


def _pilot_only(doc: ParsedDocument, sentence: str) -> bool:
    """A document about a pilot that says it went live means the pilot went live."""
    return bool(re.search(r"\bpilot\b", doc.title, re.I)) and not _FULL_PRODUCTION.search(sentence)


_CONDITIONAL = re.compile(
    r"\b(would|could|should|might|will|must|may|can) (not )?be (stopped|cancell?ed|switched off|closed|ended|rejected)\b|\bunder which\b",
    re.I,
)
_HEDGE = re.compile(
    r"\b(if|would|might|could|should|must|will|unless|whether|hope|plan(ned)? to|risk|terms of reference|require)\b",
    re.I,
)
_PHASES: tuple[tuple[str, str], ...] = (
    (
        "production",
        r"\b(roll(ed|ing)? (it )?out to (all|every)|go for all|go (for|to) production|moved? to production|went live|gone live|go(es)?[- ]live (on|in|date|was)|since go-?live|after go-?live|approved go-?live|(is|was|are|were|been|now|running|live) in production|in production (since|for|at)|live (for|since) |production (rollout|launch|traffic|incident|users)|rolled out to|(were|was) rolled out|launched to|general availability|repro'?d in prod|in prod\b|(days?|weeks?|months?) (live|in production)|switched (it |the \w+ )?off|switching off (our|the|it)|turned (it |the \w+ )?off|rolled back|decommissioned)",
    ),
    (
        "pilot",
        r"\b((the|our|this|a|during|in|after) pilot (ran|run|started|began|went|was|covered|had|showed|users|sites?|group|period|phase|weeks?|results?|ended|closed|review|exit|continues|is running|is live)|during the pilot|in the pilot\b|piloted|pilot exit review|pilot (retro|postmortem|post-mortem|wrap-?up|close-?out|review|readout|findings|lessons)|pilot,? (which|that) ran|pilot wk|pilot week|pilot users|pilot sites?)",
    ),
    (
        "poc",
        r"\b(poc|proof[- ]of[- ]concept|prototype|sandbox|backtest|gate ?[0-2]|experiment|trial)\b",
    ),
)
_PHASE_RX = [(name, re.compile(rx, re.I)) for name, rx in _PHASES]
_NEVER = re.compile(
    r"\b(never|not|didn't|did not|no|nor) (\w+ )?(reached|got to|made it to|went|go|enter(ed)?|proceed(ed)?|funded|funding|fund|approve[ds]?|follow-on|live)\b|\bwithout a pilot\b|\bskip(ped)? the pilot\b|\bbefore (the |a )?pilot\b|\b(request|proposal|plan|ask)\w* (for )?(a |the )?(\w+[- ])?pilot\b",
    re.I,
)
_RANK = {"poc": 0, "pilot": 1, "production": 2}


def _sentences(doc: ParsedDocument) -> list[tuple[Unit | None, str]]:
    out: list[tuple[Unit | None, str]] = []
    for unit in doc.units:
        if unit.kind in ("prompt", "config"):
            continue
        out += [(unit, s) for s in f.sentences(unit.text.replace(" | ", ". "))]
    return out


def _evidence(unit: Unit | None, via: str = "inferred") -> dict[str, Any]:
    if unit is None:
        return Source("(title)", 0, 0, via).as_dict()
    return Source(unit.section, unit.line_start, unit.line_end, via).as_dict()


def _declared(doc: ParsedDocument, name: str) -> bool:
    entry = doc.fields.get(name) or {}
    return bool(entry.get("value")) and (entry.get("source") or {}).get("via") != "inferred"


def read_outcome(doc: ParsedDocument) -> None:
    if _declared(doc, "outcome"):
        return
    found: list[tuple[int, int, Unit | None, str]] = []
    candidates = [(None, doc.title), *_sentences(doc)]
    for order, (unit, sentence) in enumerate(candidates):
        if unit is not None and unit.kind in ("recommendation", "risk", "criteria"):
            continue
        in_lesson = unit is not None and unit.kind == "lesson"
        if in_lesson and _HEDGE.search(sentence):
            continue  # "we should have stopped at gate 1" is no outcome
        if _CONDITIONAL.search(sentence) or (
            _HEDGE.search(sentence)
            and not re.search(r"\b(was|were|has been|have been)\b", sentence)
        ):
            continue
        for rank, (name, rx) in enumerate(_OUTCOME_RX):
            if not rx.search(sentence):
                continue
            if name == "stopped-at-gate" and re.search(
                r"pilot exit|end of (the )?pilot", sentence, re.I
            ):
                rank = _OUTCOME_NAMES.index("failed-in-pilot")  # a stop at the pilot's exit review
            if in_lesson and name not in ("rejected-by-leadership", "stopped-at-gate"):
                break  # a lesson may report a board's decision; its other words are advice
            if name == "in-production" and _pilot_only(doc, sentence):
                break  # "went live at two sites" in a pilot's write-up is the pilot starting
            found.append((rank, order, unit, sentence))  # the strongest, then the earliest
            break
    best = min(found, key=lambda x: (x[0], x[1])) if found else None
    doc.fields.pop("outcome", None)
    if best is None and doc.kind in ("handoff", "charter"):
        # a handover passes on work that goes on; a charter proposes work not yet ended
        doc.fields["outcome"] = {
            "value": "ongoing",
            "evidence": f"a {doc.kind} that reports no end",
            "source": _evidence(None),
            "default": True,
        }
        return
    if best is not None:
        name = _OUTCOMES[best[0]][0]
        doc.fields["outcome"] = {
            "value": name,
            "evidence": best[3][:300],
            "source": _evidence(best[2]),
        }


def read_phase(doc: ParsedDocument) -> None:
    if _declared(doc, "phase_reached"):
        return
    reached: tuple[int, Unit | None, str] | None = None
    for unit, sentence in [(None, doc.title), *_sentences(doc)]:
        if unit is not None and unit.kind in ("lesson", "recommendation", "criteria"):
            continue
        for name, rx in _PHASE_RX:
            if not rx.search(sentence):
                continue
            if _NEVER.search(sentence) or (
                _HEDGE.search(sentence) and not re.search(r"\b(was|were|ran|went)\b", sentence)
            ):
                continue
            rank = _RANK[name]
            if name == "production" and _pilot_only(doc, sentence):
                rank = _RANK["pilot"]  # "went live at two sites" in a pilot's write-up is the pilot
            if reached is None or rank > reached[0]:
                reached = (rank, unit, sentence)
            break
    outcome = (doc.fields.get("outcome") or {}).get("value")
    implied = {"in-production": 2, "failed-in-pilot": 1}.get(str(outcome))
    doc.fields.pop("phase_reached", None)
    if implied is not None and (reached is None or reached[0] < implied):
        reached = (implied, None, "implied by the outcome")
    if outcome == "stopped-at-gate" and reached is None:
        reached = (0, None, "implied by the outcome")
    if reached is not None:
        name = next(k for k, v in _RANK.items() if v == reached[0])
        doc.fields["phase_reached"] = {
            "value": name,
            "evidence": reached[2][:300],
            "source": _evidence(reached[1]),
        }


# --- people ------------------------------------------------------------------------------------
_ROLE_WORDS: tuple[tuple[str, str], ...] = (
    ("sponsor", r"sponsor|chaired|executive|budget holder|approver"),
    (
        "operations-owner",
        r"operations owner|ops owner|service owner|run(s|ning)? it|on-?call|support team|operations lead|second line|first line",
    ),
    (
        "owner",
        r"owner|lead\b|led\b|project manager|product manager|programme manager|accountable|responsible|ran the|in charge|pm\b",
    ),
    ("end-user", r"end users?|planner rep|user rep|representative of the users|users?\b"),
    ("author", r"author|written by|wrote|posted by|prepared by"),
    (
        "stakeholder",
        r"stakeholder|reviewer|consulted|informed|analyst|scientist|engineer|architect|officer|manager|director|head of|vp\b|dpo\b|counsel|team\b",
    ),
)
_ROLE_RX = [(name, re.compile(rx, re.I)) for name, rx in _ROLE_WORDS]
_FUTURE = re.compile(
    r"\b(might|may|could|hope|hopefully|possibly|perhaps|maybe|would be|if .{0,30}(agrees|has time)|later|eventually|candidate)\b",
    re.I,
)
_KEY_START = r"^\s*(?:<[^>]+>\s*)*(?:[-*]\s*)?(?:\*\*)?"  # a list item, bold, or an HTML tag
_FROM_KEY = re.compile(
    _KEY_START
    + r"(handed over by|handing over|from|outgoing owner|previous owner|old owner|handover from|giving|handing over team)(?:\*\*)?\s*:\s*(.+)$",
    re.I | re.M,
)
_TO_KEY = re.compile(
    _KEY_START
    + r"(handed over to|taking over|to|incoming owner|new owner|receiving|receiver|handover to|recipient|receiving team)(?:\*\*)?\s*:\s*(.+)$",
    re.I | re.M,
)
_AUTHOR_KEY = re.compile(
    _KEY_START + r"(author|written by|prepared by|compiled by)(?:\*\*)?\s*:\s*(.+)$", re.I | re.M
)
_SIGN_OFF = re.compile(
    r"^(thanks|many thanks|thank you|regards|best|best regards|kind regards|cheers|br)[,!.]?\s*\n\s*(?P<name>[A-Z][\w'-]+(?: [A-Z][\w'-]+)+)",
    re.I | re.M,
)


def _first_person(text: str) -> str | None:
    """The first name-like pair in the text that is not a team's or a firm's ("Infra Ops")."""
    found = [n for n in _person_names(text) if not _ORGISH.search(n)]
    return found[0] if found else None


def _role_of(text: str) -> str:
    for name, rx in _ROLE_RX:
        if rx.search(text):
            return name
    return "stakeholder"


_ORGISH = re.compile(
    r"\b(ltd|inc|plc|gmbh|group|online|industrial|systems?|productivity|home|bank|partners|analytics|"
    r"innovation|lines|modernization|modernisation|mgmt|support|desk|services?|solutions|labs?|cloud|"
    r"excellence|insurance|health|retail|logistics|planning|finance|procurement|marketing|sales|"
    r"legal|quality|engineering|platform|portal|assistant|bot|api|model|review|board|committee|"
    r"council|office|university|hospital|clinic|city|county|region|north|south|east|west|street|"
    r"monday|tuesday|wednesday|thursday|friday|january|february|march|april|june|july|august|"
    r"september|october|november|december|dear|hi|hello|thanks|regards|ideally|treasury's|slide|"
    r"subject|status|summary|decision|action|lesson|lessons|risk|issue|notes?|chat|export|questions?|"
    r"hey|ask|original|message|call|campaign|tool|transcription|ops|operations|digital|team|squad)\b",
    re.I,
)
_SAID = re.compile(
    r"\b(said|says|asked|wrote|presented|agreed|chair(ed)?|attend\w*|present|apologies|joined|left|"
    r"from|by|with|owner|lead|led|manager|analyst|engineer|scientist|sponsor|head|director|officer|"
    r"architect|counsel|contact|reviewer|team|rep|representative|user|planner|supervisor|agent|nurse|"
    r"clerk|buyer|coordinator|specialist|consultant|contractor|auditor|cfo|ceo|cto|cio|vp|svp|dpo|pm)\b",
    re.I,
)


_SPEAKER = re.compile(r"^\W*(\[[^]]*\]\s*)?")  # "[09:31] Anita Kowal: ..." in a chat export


def _person_names(text: str) -> list[str]:
    out = []
    for name in f.people(text):
        name = re.sub(r"['’]s$", "", name)
        if _ORGISH.search(name) or len(name.split()) > 4:
            continue
        out.append(name)
    return out


def read_people(doc: ParsedDocument) -> None:
    people: list[dict[str, Any]] = []

    def add(name: str | None, role: str, unit: Unit | None, text: str) -> None:
        if not name or len(name) > 60 or _ORGISH.search(name):
            return
        for p in people:
            if p["name"] == name:
                if p["role"] in ("stakeholder", "other") and role not in ("stakeholder", "other"):
                    p["role"] = role
                return
        people.append(
            {"name": name, "role": role, "evidence": text[:200], "source": _evidence(unit)}
        )

    for key in ("owners", "stakeholders", "authors", "handoff_from", "handoff_to"):
        for p in doc.fields.get(key) or []:
            role = {"owners": "owner", "authors": "author"}.get(key, _role_of(p.get("role") or ""))
            if p.get("name") and f.people(str(p["name"])):
                add(p.get("name"), role, None, p.get("role") or key)
    words = Counter(re.findall(r"[a-zà-ÿ'’-]+", doc.text.lower()))
    for unit in doc.units:
        texts = [unit.text] if unit.form == "row" else f.sentences(unit.text)
        for text in texts:
            future = bool(_FUTURE.search(text))
            for name in _person_names(text):
                # the words around the name say the role: "Priya Nair, our product owner"
                at = text.find(name)
                window = text[max(0, at - 60) : at + len(name) + 60]
                named_again = words[name.split()[0].lower()] >= 2
                speaking = _SPEAKER.sub("", text).startswith(name)
                if not (_SAID.search(window) or named_again or speaking or unit.form == "row"):
                    continue  # a capitalised pair with nothing to say it is a person here
                add(name, "other" if future else _role_of(window), unit, text)
    for match in _SIGN_OFF.finditer(doc.text):
        add(match.group("name"), "author", None, match.group(0))
    header = re.search(r"^from:\s*(.+)$", doc.text[:800], re.I | re.M)
    if header:
        add(_first_person(header.group(1)), "author", None, header.group(0))
    if people:
        doc.fields["people"] = people
    if doc.kind != "handoff":
        # an e-mail's From: and To: are a handover's sides only in a handover
        lines = doc.text.splitlines()
        for side in ("handoff_from", "handoff_to"):
            kept = [p for p in doc.fields.get(side) or [] if not _header_line(lines, p)]
            if kept:
                doc.fields[side] = kept
            else:
                doc.fields.pop(side, None)
    if doc.kind == "handoff" or _HANDED.search(doc.text):
        read_handoff(doc)


def _header_line(lines: list[str], person: dict[str, Any]) -> bool:
    """Whether a person was read from an e-mail's From: or To: line."""
    at = ((person.get("source") or {}).get("lines") or [0])[0]
    line = lines[at - 1] if 0 < at <= len(lines) else ""
    return bool(re.match(r"\s*(from|to|cc)\s*:", line, re.I))


# a document of another kind that tells of a handover in so many words
_HANDED = re.compile(
    r"\bhand(?:ed|ing)[- ]?over\b|\bhand(?:ed|ing)? (?:it )?over to\b|\btak(?:es|ing) over (?:from|as)\b|\bhandover (?:to|from)\b",
    re.I,
)
_HANDOVER_WORDS = re.compile(
    r"hand(?:ed|ing|s)?[- ]?(?:it )?(?:over|off)|ownership|transfer|\bmoves?\b|tak(?:es|ing|e) over|"
    r"owned by|incoming|outgoing|prepared by|new owner|previous owner|succeed",
    re.I,
)
_SPANS: tuple[tuple[str, str], ...] = (
    ("both", r"\bfrom\b(?P<a>.+?)\bto\b(?P<b>.+)"),
    ("both", r"\bprepared by\b(?P<a>.+?)\bfor\b(?P<b>.+)"),
    ("both", r"(?P<a>.+?)\bhand(?:s|ed|ing)?\b[^.]{0,30}?\bover to\b(?P<b>.+)"),
    ("to", r"\b(?:owned by|new owner|incoming owner|taken over by|now owns|receiving)\b(?P<b>.+)"),
    ("to", r"(?P<b>.+?)\btak(?:es|ing|e) over\b"),
    (
        "from",
        r"(?P<a>.+?)\b(?:remains?|stays? on|will stay|stays)\b[^.]{0,20}\b(?:support|l3|l2|third|second|on call|available)",
    ),
    (
        "from",
        r"\b(?:previous owner|outgoing owner|former owner|handed over by|outgoing)\b(?P<a>.+)",
    ),
)
_SPAN_RX = [(side, re.compile(rx, re.I)) for side, rx in _SPANS]


def _span_person(text: str) -> str | None:
    """The person a handover span names: "the Analytics team (Owen Price, who built it)" is Owen,
    "Aaron Feld (Solution Lead, Brightline Civic Tech)" is Aaron."""
    outside = _first_person(re.sub(r"\([^)]*\)", " ", text))
    if outside:
        return outside
    for inside in re.findall(r"\(([^)]*)\)", text):
        found = _person_names(inside)
        if found:
            return found[0]
    return None


def read_handoff(doc: ParsedDocument) -> None:
    """Who hands over to whom: "moves from Data Science (Aaron Feld) to ... (Grace Liu)",
    "prepared by X for Y", "Previous owner | X" rows; a possible future owner is never the recipient."""
    giver = taker = None
    for rx, side in ((_FROM_KEY, "from"), (_TO_KEY, "to")):
        for key in rx.finditer(doc.text[:3000]):
            name = _first_person(key.group(2))
            if name and side == "from":
                giver = giver or name
            elif name and side == "to" and not _FUTURE.search(key.group(2)):
                taker = taker or name
    for unit in doc.units:
        pieces = [unit.text] if unit.form == "row" else f.sentences(unit.text)
        for text in pieces:
            if not _HANDOVER_WORDS.search(text) and unit.form != "row":
                continue
            if _FUTURE.search(text):
                continue
            if unit.form == "row":
                low = text.lower()
                name = _first_person(text)
                if name and re.search(
                    r"previous|outgoing|former|old owner|handed over|until|handing over|original "
                    r"developer|built (it|by)",
                    low,
                ):
                    giver = giver or name
                elif name and re.search(
                    r"new owner|incoming|from \d|receiving|ops owner|service owner|taking over", low
                ):
                    taker = taker or name
                continue
            for side, rx in _SPAN_RX:
                m = rx.search(text)
                if not m:
                    continue
                a = _span_person(m.group("a")) if "a" in m.groupdict() and m.group("a") else None
                b = _span_person(m.group("b")) if "b" in m.groupdict() and m.group("b") else None
                if side == "both" and not (a and b):
                    # one side named in brackets: "from the Analytics team (Owen Price) to Support"
                    a = a if a and "(" in m.group("a") else None
                    b = b if b and "(" in (m.group("b") or "") else None
                    if not (a or b):
                        continue
                giver = giver or a
                taker = taker or b
    if taker and not giver:  # a handover note's author is the one handing over
        author = _AUTHOR_KEY.search(doc.text[:3000])
        name = _first_person(author.group(2)) if author else None
        giver = name if name != taker else None
    if not (giver and taker):  # first names, arrows, chats and "is taking over"
        from kb.reading.owners import handover

        more = handover(doc)
        giver, taker = giver or more[0], taker or more[1]
    for side, name in (("handoff_from", giver), ("handoff_to", taker)):
        have = [p for p in doc.fields.get(side) or [] if p.get("name") != name]
        if name:
            doc.fields[side] = [{"name": name, "role": "", "source": _evidence(None)}, *have]


# --- KPIs and gates ----------------------------------------------------------------------------
_NUMBER = r"[~≈<>≤≥]?\s*[€$£]?\s*\d[\d.,]*\s*(?:%|pp|p\b|k\b|m\b|ms|s\b|min\w*|hours?|days?|weeks?|ppm|x\b)?"
_KPI_PARTS = {
    "baseline": re.compile(
        rf"(?:baseline|before|was|from|today|currently)\s*(?:of|:|was|is)?\s*({_NUMBER})", re.I
    ),
    "target": re.compile(
        rf"(?:target(?:ed)?|goal|aim(?:ed)?|to reach|wanted|expected)\s*(?:of|:|was|is|to)?\s*({_NUMBER})",
        re.I,
    ),
    "achieved": re.compile(
        rf"(?:achieved|actual|reached|measured|got|result(?:ed)?|came in at|landed at|ended at|to)\s*(?:of|:|was|is)?\s*({_NUMBER})",
        re.I,
    ),
}


# a measured figure: a percentage, money, a duration or a count per something, or "from N to M"
_MEASURE = re.compile(
    r"(?<![\w.])[£€$]?\d[\d,.]*\s?(?:%|percent\b|pp\b|ppm\b|k?(?:eur|gbp|usd)\b|[km]€|[km]\b|minutes?\b|mins?\b|hours?\b|hrs?\b|days?\b|weeks?\b|seconds?\b|ms\b|s\b|points?\b)"
    r"|[£€$]\s?\d|\b(?:eur|gbp|usd)\s?\d|\bfrom (?:about |around |roughly )?\d[\d,.]*\b.{0,40}?\bto (?:about |around )?\d"
    r"|\b\d+ (?:in|out of) (?:every )?\d+\b",
    re.I,
)
_MEASURE_WORDS = re.compile(
    r"\b(target|baseline|actual|against|accuracy|rate|time|cost|spend|precision|recall|error|share|average|median|per|users?|score|volume|revenue|sav(ed|ings?)|reduc\w*|increas\w*|improv\w*|fell|rose|dropped|went (up|down)|usage|adoption|uptime|latency|wmape|mape)\b",
    re.I,
)
_DATES = re.compile(
    r"\b\d{1,2}(st|nd|rd|th)?\s+(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)\w*|\b(19|20)\d\d\b|\b\d{1,2}[./]\d{1,2}[./]\d{2,4}\b",
    re.I,
)
_LEAD = re.compile(
    r"^(?:(?:in|on|for|during|after|at|across|over|with)\b[^,]{0,60},\s*"
    r"|(?:at|in|by|after|from) (?:the end of )?(?:week|wk|month|day) \d+,?\s+(?:we (?:had|got|saw|were at)\s+)?"
    r"|(?:the )?(?:pilot |poc |business )?(?:target|goal|aim) (?:was|is)\s+"
    r"|we (?:had|got|saw|measured)\s+)",
    re.I,
)
# a head that tells who said or found the figure, not what it measures: "Ingrid's summary said 61% of ..."
_REPORTING = re.compile(
    r"\b(said|says|reported|reports|showed|shows|found|finds|estimated|noted)$", re.I
)
_NO_METRIC_LABEL = re.compile(
    r"^(context|note|notes|summary|update|background|comment|status)\b|\bfrom\b", re.I
)


_QUALIFIER = re.compile(
    r"^(at least|at most|under|over|more than|less than|about|around|roughly|nearly|almost|only|just|a|an|the|and|or|with|target|baseline|actual)\b\s*",
    re.I,
)


_PART_OF_ONE = re.compile(
    r"(target|baseline|actual|goal|we (measured|got|saw|reached)|measured|against|vs\.?|versus|up from|down from|from|compared|before|after|now)\b",
    re.I,
)


def _clauses(sentence: str) -> list[str]:
    """'weekly use 71%, median time 1 min 40 s, and one wrong answer': one clause a figure."""
    parts = [p.strip() for p in re.split(r";|,\s+(?:and\s+)?(?=[^,]*\d)", sentence) if p.strip()]
    if any(_PART_OF_ONE.match(p) for p in parts[1:]):
        return [sentence]  # "baseline 11.5 min, target 6 min, we measured 9.8 min": one metric
    measured = [p for p in parts if _has_figure(p)]
    return measured if len(measured) >= 2 else [sentence]


def _metric_name(sentence: str) -> str:
    """The words that name what was measured: before the first figure or verb, else after it."""
    text = re.sub(r"^[\W\d.]*(?=[A-Za-z])", "", sentence.strip())
    label, colon, rest = text.partition(":")
    if colon and not re.search(r"\d", _DATES.sub(" ", label)) and re.search(r"\d", rest):
        after = rest.strip()
        if re.match(
            r"[\d£€$~<>≤≥±+-]|(target|baseline|actual|about|around|roughly|at least)\b", after, re.I
        ):
            return label.strip(" -*")[:120]  # "Straight-through rate: target 40%, actual 12%"
        if (
            len(label.split()) <= 3
            and not _NO_METRIC_LABEL.search(label.strip(" -*"))
            and re.match(
                r"(accepted|achieved|reached|measured|rated|correct|resolved|answered|down|up|fell|rose|improved)\b",
                after,
                re.I,
            )
        ):
            return label.strip(" -*")[:120]  # "Risk class: accepted in 71% of cases"
        text = rest  # "Position at end of February: weekly active use 71%"
    if " – " in text or " - " in text:
        parts = re.split(r"\s[–-]\s", text)
        with_figure = [p for p in parts if re.search(r"\d", p)]
        if with_figure and with_figure[0] != parts[0]:
            text = with_figure[0]  # "Answers were slow at peak – p95 latency 11 s"
    text = _LEAD.sub("", text.strip()).strip()
    while _QUALIFIER.match(text):
        text = _QUALIFIER.sub("", text, count=1)
    head = re.split(
        r"[:—–(]|[£€$]?(?<![A-Za-z])\d|\b(?:went|fell|rose|dropped|was|were|is|are|came|reached|improved|stood|averaged|increased|decreased|from|of about)\b",
        text,
        maxsplit=1,
    )[0].strip(" ,-*")
    if (
        len(head.split()) >= 2 or re.fullmatch(r"[A-Z][A-Z0-9]{1,5}", head)
    ) and not _REPORTING.search(head):
        return head[:120]  # "Triage time at Limerick went ...", "AHT 7m25s"
    m = re.search(r"\d[\d,.]*\s?\S*\s+(?:of\s+)?(?:the\s+|all\s+|our\s+)?(.+)", text)
    tail = re.split(r"[,;:(]|\b(?:against|compared|versus|vs)\b", m.group(1))[0] if m else ""
    return (tail.strip(" .") or text)[:120]


def _has_figure(text: str) -> bool:
    return bool(_MEASURE.search(_DATES.sub(" ", text)))


def _measured(sentence: str) -> bool:
    """A figure and a word that says what it measures: a KPI told in prose."""
    return _has_figure(sentence) and bool(_MEASURE_WORDS.search(_DATES.sub(" ", sentence)))


def _kpi(metric: str, text: str, unit: Unit) -> dict[str, Any]:
    kpi: dict[str, Any] = {"metric": metric}
    for part, rx in _KPI_PARTS.items():
        m = rx.search(text)
        kpi[part] = m.group(1).strip() if m else None
    kpi["text"] = text[:400]
    kpi["source"] = {**_evidence(unit), "via": "reading"}
    return kpi


def read_kpis(doc: ParsedDocument) -> None:
    kpis = list(doc.fields.get("kpis") or [])
    known = {str(k.get("text") or k.get("metric")) for k in kpis}
    for unit in doc.units:
        if unit.kind in ("prompt", "config", "recommendation", "lesson") or unit.form == "code":
            continue
        if unit.form != "row":
            # each sentence (each clause of a list of figures) that tells a figure is a KPI
            for whole in f.sentences(unit.text):
                if not (_measured(whole) or (unit.kind == "kpi" and _has_figure(whole))):
                    continue
                for sentence in _clauses(whole):
                    if not any(sentence in t or t in sentence for t in known):
                        kpis.append(_kpi(_metric_name(sentence), sentence, unit))
                        known.add(sentence)
            continue
        if unit.kind != "kpi" or unit.text in known:
            continue
        if not re.search(r"\d", unit.text):
            continue  # a row with no figure in it ("Item: walkthrough | Status: done") is no KPI
        if any(str(k.get("metric") or "") and str(k.get("metric")) in unit.text for k in kpis):
            continue
        cells = [c.split(": ", 1)[-1] for c in unit.text.split(" | ")]
        metric = next((c for c in cells if not re.fullmatch(r"[\d\W]*\w{0,3}", c)), cells[0])
        kpis.append(_kpi(metric.strip(" -*")[:120] or unit.text[:120], unit.text, unit))
    if kpis:
        doc.fields["kpis"] = kpis


_GATE_REF = re.compile(
    r"\b(?:gate|g)\s*(?P<n>[0-3])\b|(?P<exit>pilot[- ]exit(?: review)?|pilot review|end[- ]of[- ]pilot review)"
    r"|(?P<other>steering (?:committee|group|board)|steerco|architecture (?:review )?board|review board|"
    r"investment (?:committee|board)|design authority|change advisory board|\bcab\b|go/no-?go (?:review|meeting))",
    re.I,
)
_GATE_DECISIONS: tuple[tuple[str, str], ...] = (
    (
        "reject",
        r"\b(rejected|declined|turned down|refused|did not approve|not approved|no funding)\b",
    ),
    (
        "stop",
        r"\b(no-?go|stop(ped)?|kill(ed)?|cancel+ed|closed the (poc|pilot|project|work)|end(ed)? the (poc|pilot|project)|not (to )?proceed|halt(ed)?)\b",
    ),
    (
        "continue",
        r"\b(continue[ds]?|extend(ed)?|another \w+ weeks|more time|re-?scope[ds]?|pivot(ed)?|conditional|with conditions|carry on|keep going)\b",
    ),
    (
        "go",
        r"\b(go\b(?![- ]?live)|go-ahead|approved|passed|proceed(ed)?|green[- ]?light|signed off|move[ds]? (on )?to|advance[ds]?|go to (pilot|production))",
    ),
)
_GATE_DEC_RX = [(name, re.compile(rx, re.I)) for name, rx in _GATE_DECISIONS]
_PLANNED = re.compile(r"\b(will|planned|scheduled|booked|is due|next|upcoming|to be held)\b", re.I)


def _gate_decision(text: str) -> str | None:
    if _PLANNED.search(text) and not re.search(
        r"\b(was|were|decided|agreed|approved)\b", text, re.I
    ):
        return None
    found = [(m.start(), name) for name, rx in _GATE_DEC_RX if (m := rx.search(text))]
    if not found:
        return None
    # "go, with conditions" is a go; otherwise the decision named first
    names = {n for _, n in found}
    if "go" in names and "continue" in names and re.search(r"conditions?", text, re.I):
        return "go"
    return min(found)[1]


# a line that gives a review's verdict: "Decision: no-go.", "Outcome - stop the pilot"
_VERDICT = re.compile(
    r"^\W*(\d+(\.\d+)*\.?\s+)?((decision|outcome|verdict|result|resolution|conclusion|decided|agreed)\b\W"
    r"|(the|this|that) (review|board|committee|meeting|panel|gate|steerco)\b[^.]{0,30}\b(decided|agreed|voted|chose|concluded|approved|rejected|declined|did not))",
    re.I,
)


def _next_verdict(pieces: list[str], k: int, following: Unit | None) -> str | None:
    """The decision a review's sentence leaves to the line after it ("Gate 1 review, 4 June.
    Decision: no-go."), when that line names no other review."""
    if k + 1 < len(pieces):
        after = pieces[k + 1]
    elif following is not None and following.form != "row":
        after = (f.sentences(following.text) or [""])[0]
    else:
        return None
    if _GATE_REF.search(after) or not _VERDICT.search(after):
        return None
    return _gate_decision(after)


def _title_review_verdict(doc: ParsedDocument, gates: list[dict[str, Any]]) -> None:
    """A document that is one review's record ("Pilot exit review - minutes") gives that review
    the verdict its decision lines state, when no sentence names the review with one."""
    title = doc.title.lower()
    titled = [g for g in gates if g["decision"] is None and g["name"].lower() in title]
    if len(titled) != 1:
        return
    for unit in doc.units:
        if unit.kind in ("lesson", "recommendation", "prompt", "config", "criteria"):
            continue
        for sentence in f.sentences(unit.text):
            if not (_VERDICT.search(sentence) or unit.kind == "decision"):
                continue
            if _GATE_REF.search(sentence):
                continue
            decision = _gate_decision(sentence)
            if decision:
                titled[0].update(decision=decision, text=sentence[:400], source=_evidence(unit))
                return


# any other body that decides: "the Digital Transformation Board", "ExCo", "the exec review"
_NAMED_BODY = re.compile(
    r"\b(?:(?:[A-Z][\w&'-]*|of|and|&) ){0,4}[A-Z][\w&'-]* (?:Board|Committee|Council|Panel|Forum|Authority|Review|Leadership Team|Sign-?off)\b"
    r"|\b(?:ExCo|EXCO|SLT|ELT|exec(?:utive)? (?:review|team)|leadership team|(?:midpoint|mid-point|readiness|week \d+|quarterly|monthly|portfolio|investment|operations|funding) review)\b"
)


def _reviews_named(text: str) -> list[tuple[str, str, int, bool]]:
    """(gate, name, offset, known) for each review a sentence names: numbered gates, pilot exits
    and known boards, then other named bodies (not `known`: kept only when they decided something)."""
    out: list[tuple[str, str, int, bool]] = []
    for m in _GATE_REF.finditer(text):
        if m.group("n") is not None:
            out.append((f"gate-{m.group('n')}", m.group(0), m.start(), True))
        elif m.group("exit"):
            out.append(("pilot-exit", m.group("exit"), m.start(), True))
        else:
            out.append(("other", m.group("other"), m.start(), True))
    taken = [(start, start + len(name)) for _, name, start, _ in out]
    for m in _NAMED_BODY.finditer(text):
        if any(a < m.end() and m.start() < b for a, b in taken):
            continue
        name = re.sub(r"^(?:The|A|An|Our|At|In|On|By|For)\s+", "", m.group(0))
        out.append(("other", name, m.start(), False))
    return out


def read_gates(doc: ParsedDocument) -> None:
    gates: list[dict[str, Any]] = []
    for index, unit in enumerate(doc.units):
        if unit.kind in ("lesson", "recommendation", "prompt", "config", "criteria"):
            continue
        pieces = [unit.text] if unit.form == "row" else f.sentences(unit.text)
        following = doc.units[index + 1] if index + 1 < len(doc.units) else None
        for k, text in enumerate(pieces):
            for gate, name, start, known in _reviews_named(text):
                after = text[start : start + 160]
                if re.search(r"\bby (the )?$", text[max(0, start - 60) : start]):
                    after = text[max(0, start - 60) : start + len(name)]  # "stopped by the Board"
                record = {
                    "gate": gate,
                    "name": name.strip(),
                    "date": f.first_date(text),
                    "decision": _gate_decision(after)
                    or _gate_decision(text)
                    or _next_verdict(pieces, k, following),
                    "text": text[:400],
                    "source": _evidence(unit),
                }
                if not known and record["decision"] is None:
                    continue  # a body read only by its name counts where it decided something
                same = [
                    g
                    for g in gates
                    if g["gate"] == record["gate"]
                    and (gate != "other" or str(g["name"]).lower() == name.strip().lower())
                ]
                if not same:
                    gates.append(record)
                elif same[0]["decision"] is None and record["decision"]:
                    same[0].update(record)
    _title_review_verdict(doc, gates)
    if gates:
        doc.fields["gates"] = gates
    else:
        doc.fields.pop("gates", None)


# --- department ----------------------------------------------------------------------------------
def read_department(doc: ParsedDocument) -> None:
    """Inferred departments stand only when the document names one more than once or in its
    title; a keyword that appears once is not a department."""
    entry = doc.fields.get("department")
    if not entry or (entry.get("source") or {}).get("via") != "inferred":
        return
    from ingest.vocabulary import DEPARTMENTS

    value = entry.get("value")
    rx = DEPARTMENTS.get(str(value))
    if rx is None:
        return
    hits = len(re.findall(rx, doc.text.lower()))
    if hits < 2 and not re.search(rx, doc.title.lower()):
        doc.fields.pop("department", None)


def _settle(doc: ParsedDocument) -> None:
    """A running handover or incident in production is in production; a charter is at PoC stage."""
    outcome = doc.fields.get("outcome") or {}
    phase = (doc.fields.get("phase_reached") or {}).get("value")
    if doc.kind == "charter" and not _declared(doc, "phase_reached"):
        doc.fields["phase_reached"] = {
            "value": "poc",
            "evidence": "a charter proposes a PoC",
            "source": _evidence(None),
        }
    going = outcome.get("value") == "ongoing" and re.search(
        _GO_STEP, str(outcome.get("evidence") or ""), re.I
    )
    if phase == "production" and (
        outcome.get("default") or going or (not outcome and doc.kind == "incident")
    ):
        doc.fields["outcome"] = {
            "value": "in-production",
            "evidence": (doc.fields["phase_reached"].get("evidence") or "")[:300],
            "source": doc.fields["phase_reached"]["source"],
        }


# a head speaks where the rules are silent only when this sure (0.4-0.7 tried, each writer left out)
MODEL_SURE = {"outcome": 0.6, "phase": 0.5}


def read_by_meaning(
    doc: ParsedDocument, fact: str, unit_vectors: Any, *, model: str | None
) -> None:
    """Where the cue rules found nothing, the passage a fact's head is surest of states it."""
    from kb.reading.fact_heads import FACT_FIELDS, fact_heads

    name = FACT_FIELDS[fact]
    entry = doc.fields.get(name) or {}
    if (entry and not entry.get("default")) or unit_vectors is None:
        return
    heads = fact_heads()
    if heads is None or model != heads.model:
        return
    found = heads.strongest(fact, doc.units, unit_vectors)
    if found is None or found[2] < MODEL_SURE[fact]:
        return
    i, value, p = found
    unit = doc.units[i]
    doc.fields[name] = {
        "value": value,
        "evidence": unit.text[:300],
        "source": _evidence(unit),
        "confidence": round(p, 3),
    }


def _outcome_from_reviews(doc: ParsedDocument) -> None:
    """Where the rules read no end, the last review that stopped the work names it: a numbered
    gate's stop, a pilot exit's stop, a board's rejection (overriding a plain "cancelled" was tried:
    as many wrong as right on the training writers)."""
    entry = doc.fields.get("outcome") or {}
    if entry and not entry.get("default"):
        return
    ends = {
        "stop": {"gate": "stopped-at-gate", "pilot-exit": "failed-in-pilot"},
        "reject": {"other": "rejected-by-leadership"},
    }
    for gate in reversed(doc.fields.get("gates") or []):
        kind = "gate" if str(gate["gate"]).startswith("gate-") else gate["gate"]
        value = ends.get(str(gate.get("decision")), {}).get(kind)
        if value:
            doc.fields["outcome"] = {
                "value": value,
                "evidence": str(gate.get("text") or "")[:300],
                "source": gate["source"],
            }
            return


def read_facts(doc: ParsedDocument, unit_vectors: Any = None, *, model: str | None = None) -> None:
    read_gates(doc)  # first: a review's stop says how the work ended
    read_outcome(doc)
    _outcome_from_reviews(doc)
    read_by_meaning(doc, "outcome", unit_vectors, model=model)
    read_phase(doc)
    read_by_meaning(doc, "phase", unit_vectors, model=model)
    _settle(doc)
    read_people(doc)
    read_kpis(doc)
    read_department(doc)
