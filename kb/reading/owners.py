"""Who is accountable for the work: owners and sponsors from prose ("Sofia owns the PoC", "I would
lead this together with Jonas"), key lines, e-mail headers and RACI tables, with first names, "I"
and "you" resolved to the people the document names in full."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ingest import fields as f
from kb.records import ParsedDocument, Unit

_OWNS = re.compile(
    r"\b(own(s|ed|ing)?|co-?own\w*|owner(ship)?|lead(s|ing)?|led|co-?lead\w*|accountable|"
    r"in charge|responsib(le|ility)|deputy|assignee|project manager|poc manager|drives?|driving|"
    r"only person on (this|it)|single point of contact|build(s|ing)? it|"
    r"run(s|ning)? (this|the) (poc|pilot|project|trial)|backs? (me|him|her|them|us) up|back-?up|"
    r"stands? in|covers? for|front(s|ing)? (it|this|the (poc|pilot|project|work)))\b",
    re.I,
)
_SPONSORS = re.compile(
    r"\b(sponsor\w*|budget holder|budget owner|approver|fund(s|ing)? (it|this|the poc))\b", re.I
)
# an owner of the service afterwards, or of a part: not who owns the PoC
_OTHER_OWNER = re.compile(
    r"\b(operations owner|ops owner|service owner|system owner|data owner|process owner|"
    r"run(s|ning)? it|support(s|ing)? it|after (go-?live|gate|rollout|the pilot)|in operations|"
    r"once (live|in production)|business as usual|owns? the (data|system|platform|service|process|"
    r"budget|model in production|tool|solution|weekly|daily|running)|runs? the (integration|job|scoring|"
    r"pipeline|service)|lead(s)? to|led to)\b",
    re.I,
)
# a possible, deferred or refused owner is not an owner
_UNSURE = re.compile(
    r"\b(tbd|tbc|to be (confirmed|decided|named|appointed|agreed)|not yet|nobody|no one|none|"
    r"could|might|maybe|perhaps|possibly|candidate|hope|if (she|he|they|[A-Z]\w+) (agrees?|has time)|"
    r"not (as )?(the |an? )?owner|no owner|unclear|open question)\b",
    re.I,
)
# names after these words help; they do not own
_HELPERS = re.compile(
    r"\b(supported|helped|advised|assisted|reviewed|informed|consulted|reporting|reports)\b"
    r"( by| to)?|\bwith (help|input|support|advice) from\b|\bask(ed)?\b|"
    r"\bfor\b(?! (now|the time being|the (poc|pilot|project|trial)|this (poc|pilot|project)))|\bcc\b",
    re.I,
)
_HEADER = re.compile(r"^[\s>]*(from|to|cc)\s*:\s*(.+)$", re.I)  # quoted replies too
_SPEAKER = re.compile(  # "[09:12] Priya Desai:", "Ama Owusu  09:37" (the message on the next line)
    r"^\W*(?:\[[^]]*\]\s*)?(?:\d{1,2}:\d{2}\s*)?(?P<who>[A-Z][\w'’-]+(?: [A-Z][\w'’-]+)?)"
    r"(?:\s*:|\s+\[?\d{1,2}:\d{2}(?:\s*[ap]m)?\]?\s*$)",
    re.M | re.I,
)
_RACI_VALUE = re.compile(r"^\s*(a|r|c|i|a/r|r/a|a, ?r|r, ?a|-|–)?\s*$", re.I)
_TITLE = re.compile(r"^(mr|mrs|ms|dr|prof)\.?\s+", re.I)
_TITLES = re.compile(r"\b(Mr|Mrs|Ms|Dr|Prof)\.?\s+(?=[A-Z])")
# lists of people who follow or attend: nobody owns by being on them
_LISTING = re.compile(
    r"^\W*(watchers?|cc|reporter|attendees|present|participants|apologies|distribution)\b", re.I
)
_ASKING = re.compile(  # "Who:" labels are no question; nor is "Dale, who is co-leading it"
    r"\b(whoever|anyone|anybody|someone|somebody)\b(?!\s*:)|^\W*(who|whom)\b(?!\s*:)|"
    r"\b(who|whom)\b(?!\s*:)[^.]*\?",
    re.I,
)
# "team leads", "our own data": words that look like owning and are not
_NOT_OWNING = re.compile(
    r"\b[a-z]+ leads\b(?! (the|this|it|on|our|a|an)\b)|\b(our|their|its|my|your|his|her|the) own\b|"
    r"\b(team|tech|technical|shift|store|cell) lead\b",
    re.I,
)
_ORG_WORDS = {
    "to",
    "in",
    "on",
    "not",
    "at",
    "for",
    "of",
    "by",
    "done",
    "unit",
    "control",
    "freight",
    "voice",
    "solution",
    "solutions",
    "digital",
    "reporting",
    "operations",
    "office",
    "coe",
    "centre",
    "center",
    "ops",
    "tech",
    "technologies",
    "works",
    "mutual",
    "market",
    "markets",
    "helpline",
    "energy",
    "water",
    "rail",
    "transport",
    "controller",
    "prevention",
    "foods",
    "pharma",
    "care",
    "life",
    "re",
    "capital",
    "telecom",
    "group",
    "team",
    "cooperative",
    "co-operative",
    "marketing",
    "council",
    "trust",
    "university",
    "bank",
    "board",
    "committee",
    "department",
    "services",
    "systems",
    "logistics",
    "hotels",
    "media",
    "insurance",
    "health",
    "authority",
    "agency",
    "partners",
    "labs",
    "analytics",
}
_ACRONYMS = {
    "IT",
    "HR",
    "AP",
    "AR",
    "AI",
    "ML",
    "QA",
    "UK",
    "EU",
    "US",
    "KPI",
    "DPO",
    "OCR",
    "LLM",
    "RAG",
    "ETA",
    "CFO",
    "CEO",
    "CTO",
    "CIO",
    "COO",
    "SLA",
    "TBD",
    "TBC",
    "POC",
    "NLP",
    "API",
    "ERP",
    "CRM",
    "BI",
    "PM",
    "OK",
    "GDPR",
    "ISO",
    "SME",
    "ROI",
    "FTE",
}


@dataclass
class Named:
    """A person and the line that names them in their role."""

    name: str
    evidence: str
    line: int


@dataclass
class Accountable:
    owners: list[Named] = field(default_factory=list)
    sponsors: list[Named] = field(default_factory=list)


@dataclass
class _Registry:
    lowercase: set[str] = field(default_factory=set)  # the document's own lower-case words
    full: list[str] = field(default_factory=list)

    def organisation(self, name: str) -> bool:
        """ "Roads Unit", "To Do": a capitalised pair that names a team, a firm or a status."""
        words = name.lower().split()
        return len(words) >= 2 and (
            (len(words[-1]) >= 4 and words[-1] in self.lowercase)
            or words[-1] in _ORG_WORDS
            or words[0] in _ORG_WORDS
        )

    def initials(self, token: str) -> str | None:
        found = [n for n in self.full if "".join(w[0] for w in n.split()).upper() == token]
        return found[0] if len(found) == 1 else None

    def add(self, name: str) -> None:
        name = _TITLE.sub("", name.strip())
        if name and not self.organisation(name) and not any(same(name, k) for k in self.full):
            self.full.append(name)

    def resolve(self, token: str) -> str | None:
        token = _TITLE.sub("", token.strip())
        if not token:
            return None
        for known in self.full:
            if same(token, known):
                return known if len(known) >= len(token) else token
        return token if len(token.split()) >= 2 else None


def organisation(name: str, text: str) -> bool:
    """Whether a capitalised pair in `text` names a team, a firm or a status, not a person."""
    return _Registry(lowercase=set(re.findall(r"\b[a-z][a-z'’-]+\b", text))).organisation(name)


def same(a: str, b: str) -> bool:
    """Two ways of writing one person: "Sofia" and "Sofia Marquez", "N. Karlsen" and "Nadia Karlsen"."""
    wa, wb = a.lower().replace(".", "").split(), b.lower().replace(".", "").split()
    if not wa or not wb:
        return False
    if wa == wb:
        return True
    if len(wa) == 1 or len(wb) == 1:
        return wa[0] == wb[0]
    if wa[-1] != wb[-1]:
        return False
    return wa[0][0] == wb[0][0]


def _names(text: str) -> list[str]:
    from kb.reading.facts import _person_names

    return _person_names(text)


def _headers(doc: ParsedDocument) -> list[tuple[int, str, list[str]]]:
    """(line, sender, recipients) for each message header in the text, in order."""
    out: list[tuple[int, str, list[str]]] = []
    sender, at = "", 0
    recipients: list[str] = []
    for number, line in enumerate(doc.text.splitlines(), 1):
        match = _HEADER.match(line)
        if not match:
            continue
        key, value = match.group(1).lower(), match.group(2)
        if key == "from":
            if sender:
                out.append((at, sender, recipients))
            names = _names(value)
            sender, recipients, at = (names[0] if names else ""), [], number
        elif sender and key == "to":  # "you" is whom the message is to, not its copies
            recipients.extend(_names(value))
    if sender:
        out.append((at, sender, recipients))
    return out


def _in_message(headers: list[tuple[int, str, list[str]]], line: int) -> tuple[str, list[str]]:
    found: tuple[str, list[str]] = ("", [])
    for at, sender, recipients in headers:
        if at <= line:
            found = (sender, recipients)
    return found


_GENERIC_KEYS = re.compile(
    r"^\W*(name|names|who|person|people|detail|details|contact|value|item)?\W*$", re.I
)


def _clauses(unit: Unit, text: str) -> list[str]:
    """Clauses that each name people in one role. In a table row, a cell whose own key is not a
    role word ("Coach: Mags Fennell") stands alone; the rest of the row is read together
    ("Role: Sponsor | Name: Miriam Kessler")."""
    if unit.form != "row":  # fields on one line ("Reporter: X Assignee: Y") each stand alone
        return [
            c
            for c in re.split(r";|\.\s|\s\|\s|(?<=\S)\s+(?=[A-Z][a-z]+(?: [a-z]+)?:\s)", text)
            if c.strip()
        ]
    alone, rest = [], []
    for cell in text.split(" | "):
        key, _, value = cell.partition(":")
        if value and _names(value) and not _GENERIC_KEYS.match(key):
            alone.append(cell)
        else:
            rest.append(cell)
    return [*alone, " | ".join(rest)] if rest else alone


_PREPARED = re.compile(
    r"\b(?i:prepared|written|drafted|compiled|submitted|authored)\b[^.\n|]{0,60}?\bby\s+"
    r"(?P<name>[A-Z][\w'’-]+ [A-Z][\w'’-]+)"
)


_MYSELF = re.compile(
    r"\b(?i:introduce myself|my name is|this is|I am|I'm)\s*\(?(?P<name>[A-Z][\w'’-]+ [A-Z][\w'’-]+)"
)


def _author(doc: ParsedDocument, headers: list[tuple[int, str, list[str]]]) -> str:
    """Whom "I" means where no message header says: the one who wrote or signed the document."""
    if headers:
        return headers[0][1]
    match = _PREPARED.search(doc.text) or _MYSELF.search(doc.text)
    if match:
        return match.group("name")
    from kb.reading.facts import _SIGN_OFF

    signed = list(_SIGN_OFF.finditer(doc.text))
    return signed[-1].group("name") if signed else ""


def _raci(units: list[Unit], registry: _Registry, out: Accountable) -> None:
    """Columns of a RACI table: whoever is Accountable on two rows owns (or sponsors) the work."""
    counts: dict[str, int] = {}
    lines: dict[str, int] = {}
    for unit in units:
        if unit.form != "row":
            continue
        cells = [c.split(":", 1) for c in unit.text.split(" | ") if ":" in c]
        values = [v for _, v in cells]
        if len(values) < 3 or sum(bool(_RACI_VALUE.match(v)) for v in values) < len(values) - 1:
            continue
        for head, value in cells:
            if "a" in value.lower().replace("n/a", "") and _RACI_VALUE.match(value):
                counts[head.strip()] = counts.get(head.strip(), 0) + 1
                lines.setdefault(head.strip(), unit.line_start)
    for head, count in counts.items():
        names = _names(head) or re.findall(r"\b[A-Z]\. ?[A-Z][\w'’-]+", head)
        if count < 2 or not names:
            continue
        name = registry.resolve(names[0]) or names[0]
        target = out.sponsors if _SPONSORS.search(head) else out.owners
        _put(target, Named(name, f"accountable (A) in {count} RACI rows: {head}", lines[head]))


def _put(target: list[Named], person: Named) -> None:
    if not any(same(person.name, p.name) for p in target):
        target.append(person)


def _known_people(
    doc: ParsedDocument,
) -> tuple[_Registry, list[tuple[int, str, list[str]]]]:
    """Everyone the document names in full, and its message headers, for resolving first names."""
    # words seen in lower case mark names that are also words ("To Do"); not those of an address
    words = re.sub(r"\S+@\S+", " ", doc.text)
    registry = _Registry(lowercase=set(re.findall(r"\b[a-z][a-z'’-]+\b", words)))
    for unit in doc.units:
        for name in _names(_TITLES.sub("", unit.text)):
            registry.add(name)
    headers = _headers(doc)
    for _, sender, recipients in headers:
        for name in [sender, *recipients]:
            if name:
                registry.add(name)
    return registry, headers


def accountable(doc: ParsedDocument) -> Accountable:
    """The document's owners and sponsors, each with the line that names them."""
    registry, headers = _known_people(doc)
    out = Accountable()
    _raci(doc.units, registry, out)
    assignees, author = 0, _author(doc, headers)
    asked = ""  # who asked, in the message before, who owns the work
    for unit in doc.units:
        plain = _TITLES.sub("", unit.text)  # "Dr. Helena Sørensen" is one name, not two sentences
        texts = [plain] if unit.form == "row" else f.sentences(plain)
        heading = unit.section.split(" > ")[-1] if unit.section else ""
        label = heading if _LABEL.match(heading) else ""
        for text in texts:
            if _LABEL.match(text):  # "10. OWNER ───" on its own line names whoever follows
                label = text
                continue
            speaker = _SPEAKER.match(text) or _SPEAKER.match(unit.text)
            if label and _names(text):
                text, label = f"{_LABEL.match(label).group('role')}: {text}", ""  # type: ignore[union-attr]
            body = text[speaker.end() :] if speaker and _SPEAKER.match(text) else text
            who_now = speaker.group("who") if speaker else ""
            if asked and who_now and who_now != asked:
                if _VOLUNTEER.match(body):  # "who owns this?" answered: "me, as ops director"
                    name = registry.resolve(who_now) or who_now
                    _put(out.owners, Named(name, text.strip()[:200], unit.line_start))
                asked = ""  # the next speaker answers, or does not
            if who_now and _WHO_OWNS.search(text):
                asked = who_now
            for clause in _clauses(unit, text):
                if re.match(r"\W*assignee\s*:", clause, re.I):
                    assignees += 1
                    if assignees > 1:  # a ticket's sub-tasks have assignees of their own
                        continue
                who = speaker.group("who") if speaker else author
                _read_clause(_TITLES.sub("", clause), unit, who, headers, registry, out)
    # a sponsor who also owns the work is counted once, as an owner
    out.sponsors = [s for s in out.sponsors if not any(same(s.name, o.name) for o in out.owners)]
    return out


# a line or heading that is only a role's name: "Owner", "10. OWNER ─────", "**Project lead**"
_LABEL = re.compile(
    r"^\W*(\d{1,2}[.)]\s*)?(?P<role>((project|poc|business|product|executive) )?"
    r"(owners?|leads?|sponsors?|accountable|owner\(s\)))\W*$",
    re.I,
)


_WHO_OWNS = re.compile(
    r"\bwho\b[^?]{0,40}\b(owns?|owner|leads?|lead|drives?|accountable)\b[^?]*\?|"
    r"\b(can|could|would|will) you be (my|the|our) ([\w-]+/)?(backup|co-?owner|deputy|co-?lead|owner)\b[^?]*\?",
    re.I,
)
_VOLUNTEER = re.compile(
    r"^\W*(me\b|I will\b|I'll\b|I can\b|I'm happy to\b|happy to\b|that'?s me\b|sure\b|yes\b|yep\b|"
    r"of course\b|absolutely\b)",
    re.I,
)
_FIRST_NAME_ROLE = re.compile(
    r"\b(?P<n>[A-ZÀ-ÖØ-Þ][a-zà-ÿ]{2,})\b (is|will be|as) (the |our |my )?"
    r"(business |executive |project |poc )?(co-?owner|sponsor|owner|co-?lead|deputy|backup)\b"
)


def _nearest(matches: list[re.Match[str]], at: int) -> int:
    return min((abs(m.start() - at) for m in matches), default=10**6)


def _read_clause(
    clause: str,
    unit: Unit,
    speaker: str,
    headers: list[tuple[int, str, list[str]]],
    registry: _Registry,
    out: Accountable,
) -> None:
    if _ASKING.search(clause) or _LISTING.match(clause) or _UNSURE.search(clause):
        return
    plain = _NOT_OWNING.sub(lambda m: " " * len(m.group(0)), clause)
    sponsors, owns = list(_SPONSORS.finditer(plain)), list(_OWNS.finditer(plain))
    others = list(_OTHER_OWNER.finditer(plain))
    if not (sponsors or owns):
        return
    helper = _HELPERS.search(clause)
    scope = clause[: helper.start()] if helper else clause
    people: list[tuple[str, int]] = []

    def take(name: str | None, at: int) -> None:
        if name and not registry.organisation(name) and not any(same(name, p) for p, _ in people):
            people.append((name, at))

    for name in _names(scope):
        take(registry.resolve(name) or name, scope.find(name))
    for match in re.finditer(r"\b[A-ZÀ-ÖØ-ÞĀ-Ž][a-zà-ÿā-ž'’-]{2,}\b(?!:)", scope):  # not a "Key:"
        take(registry.resolve(match.group(0)), match.start())
    for match in _FIRST_NAME_ROLE.finditer(clause):  # "Seun is business sponsor"
        if match.group("n") not in _ACRONYMS and match.group("n").lower() not in _ORG_WORDS:
            take(registry.resolve(match.group("n")) or match.group("n"), match.start())
    for match in re.finditer(r"\b[A-Z]{2,3}\b", scope):
        if match.group(0) not in _ACRONYMS:
            take(registry.initials(match.group(0)), match.start())
    sender, recipients = _in_message(headers, unit.line_start)
    if speaker and not sender:
        sender = registry.resolve(speaker) or ""
    me = re.search(r"\b(I|me|myself)\b", scope)
    if me and sender:
        take(sender, me.start())
    you = re.search(r"\byou\b", scope, re.I)
    if you and len(recipients) == 1:
        take(recipients[0], you.start())
    for name, at in people:
        said = re.match(r"[^(]{0,40}?\(([^)]*)\)", clause[at:]) if at >= 0 else None
        if said and (_SPONSORS.search(said.group(1)) or _OWNS.search(said.group(1))):
            # "Marit Johansen (Business owner)": the words in the name's own brackets decide
            role = "sponsor" if _SPONSORS.search(said.group(1)) else "owner"
            if not (role == "owner" and _OTHER_OWNER.search(said.group(1))):
                target = out.sponsors if role == "sponsor" else out.owners
                _put(target, Named(name, clause.strip()[:200], unit.line_start))
            continue
        distances = {
            "sponsor": _nearest(sponsors, at),
            "owner": _nearest(owns, at),
            "other": _nearest(others, at),
        }
        role = min(distances, key=lambda k: distances[k])
        if role == "other" or (
            role == "owner" and others and not sponsors and len(owns) <= len(others)
        ):
            continue
        target = out.sponsors if role == "sponsor" else out.owners
        _put(target, Named(name, clause.strip()[:200], unit.line_start))


_ARROW = re.compile(
    r"\b(?P<a>[A-Z][\w'’-]+(?: [A-Z][\w'’-]+)?)\s*(?:→|->|⇒|to)\s*(?P<b>[A-Z][\w'’-]+(?: [A-Z][\w'’-]+)?)\)"
)
_FROM_TO = re.compile(
    r"\bhand(?:over|off|ing over|ed over)?\b[^.]{0,40}?\bfrom (?P<a>[A-Z][\w'’-]+(?: [A-Z][\w'’-]+)?)"
    r" to (?P<b>[A-Z][\w'’-]+(?: [A-Z][\w'’-]+)?)",
    re.I,
)
_TAKES_OVER = re.compile(
    r"(?P<b>[A-Z][\w'’-]+(?: [A-Z][\w'’-]+)?)(?: \([^)]*\))? (?:is taking over|takes over|will take over|"
    r"has taken over|is the new owner|becomes the owner)"
)
_MAINTAINER = re.compile(
    r"\b(?:the )?(?:new )?(?:maintainer|owner) is (?:now )?(?P<b>[A-Z][\w'’-]+(?: [A-Z][\w'’-]+)?)"
)
_MAINTAINED = re.compile(
    r"\b(?i:maintained|owned|run) by (?P<a>[A-Z][\w'’-]+(?: [A-Z][\w'’-]+)?)[^.]{0,60}\buntil\b"
)
_YOURS = re.compile(r"\b(?:is|are) (?:now |officially |all )?yours\b", re.I)
_LEAVING = re.compile(
    r"\bI(?:'m| am) (?:leaving|moving|off to|on the|going to)\b|\bI (?:leave|move)\b"
)
_NOTE_BY = re.compile(r"\((?P<a>[A-Z][\w'’-]+ [A-Z][\w'’-]+),[^)]*\)\s*:")


def handover(doc: ParsedDocument) -> tuple[str | None, str | None]:
    """Who hands the work over and who takes it: "the handover from Bartek to Hannah", "(Ines →
    Felix)", "Felix Brandt is taking over", "Maintained by Ewa until ...; the maintainer is Jonah",
    a chat's "the PoC is officially yours" (its speaker gives, the one addressed takes)."""
    registry, headers = _known_people(doc)

    def who(token: str | None) -> str | None:
        if not token:
            return None
        name = registry.resolve(_TITLES.sub("", token))
        return None if name is None or registry.organisation(name) else name

    giver = taker = None
    for unit in doc.units:
        for text in f.sentences(_TITLES.sub("", unit.text)):
            if _UNSURE.search(text):
                continue
            for rx in (_FROM_TO, _ARROW):
                m = rx.search(text)
                if m and who(m.group("a")) and who(m.group("b")):
                    giver, taker = giver or who(m.group("a")), taker or who(m.group("b"))
            m = _TAKES_OVER.search(text) or _MAINTAINER.search(text)
            if m and who(m.group("b")):
                taker = taker or who(m.group("b"))
            m = _MAINTAINED.search(text)
            if m and who(m.group("a")):
                giver = giver or who(m.group("a"))
            speaker = _SPEAKER.match(text)
            note = _NOTE_BY.search(text)
            me = who(speaker.group("who")) if speaker else who(note.group("a")) if note else None
            if me and _LEAVING.search(text):
                giver = giver or me
            if speaker and me and _YOURS.search(text):
                giver = giver or me
                addressed = [
                    n
                    for t in re.findall(r"\b[A-Z][\w'’-]+\b", text[speaker.end() :])
                    if (n := who(t)) and not same(n, me)
                ]
                if addressed:
                    taker = taker or addressed[0]
    return giver, taker
