"""From an Outline to a ParsedDocument: fields with their sources, and units for retrieval."""

from __future__ import annotations

import re
from pathlib import PurePath
from typing import Any

from ingest import fields as f
from ingest.records import ParsedDocument, Source, Unit
from ingest.structure import Block, Outline, Section, split_records
from ingest.vocabulary import (
    CELL_ROLES,
    DEPARTMENTS,
    KEY_TO_FIELD,
    OUTCOME_WORDS,
    PHASE_WORDS,
    TECHNIQUES,
    UNIT_KIND_OF_CATEGORY,
    first_match,
    heading_category,
    match_table,
    normalise_heading,
    slug,
)

_KEY_LINE = re.compile(
    r"^\s*[*_]*([A-Za-z][A-Za-z /&()_-]{0,30}?)[*_]*\s*[:：]\s*[*_]*\s*(.+?)\s*$"
)
_CONSTRAINT_CATEGORIES = [
    (
        "security",
        r"secur|ciso|infosec|penetration|pen test|encrypt|access control|\bpii\b|privacy|"
        r"data protection|cloud api|vendor api|threat|leak|sso|identity",
    ),
    (
        "regulatory",
        r"regulat|complian|gdpr|hipaa|ai act|works council|residency|legal|audit|fda|"
        r"consent|retention|licen[cs]e terms|sox\b|eu\b",
    ),
    (
        "data_quality",
        r"data quality|missing (values|fields)|messy|duplicate|label|scan|handwrit|"
        r"inconsisten|encoding|curated|clean(ed)? (data|sample)|synthetic|noisy|outdated|stale|sample data",
    ),
    (
        "cost",
        r"cost|budget|licen[cs]e fee|per (request|call|token|user|month)|tokens?\b|spend|€|\$|"
        r"gpu|price|invoice from|expensive",
    ),
    (
        "integration",
        r"integrat|\bapi\b|\berp\b|\bsap\b|\bcrm\b|salesforce|servicenow|interface|legacy|"
        r"connector|middleware|workflow tool|mainframe|export",
    ),
    (
        "operations",
        r"operat|support|on-?call|monitor|maintenan|training|run(ning)? it|\bsla\b|"
        r"helpdesk|retrain|drift|staffing|adoption",
    ),
]


# Sentences that state an outcome in prose, when no metadata does; the first that matches wins.
_OUTCOME_SENTENCES = [
    (
        "stopped-at-gate",
        r"stopped at gate|no[- ]go at gate|gate ?[012] (decision )?(was )?(a )?no[- ]go",
    ),
    ("in-production", r"(is|went|has been|now) (live|in production)|rolled out to"),
    (
        "failed-in-pilot",
        r"pilot (was )?(stopped|ended|cancel|fail)|fail\w* (in|during) (the )?pilot",
    ),
    ("stalled", r"\b(stalled|shelved|abandoned|parked)\b"),
    (
        "rejected-by-leadership",
        r"(leadership|committee|board|cfo|ceo|executive).{0,40}(declin|reject|not approv|said no)",
    ),
    ("cancelled", r"\b(was|were|been) (cancelled|canceled|terminated|discontinued)"),
]
_NARRATIVE = ("root_cause", "lesson", "recommendation", "risk", "decision")


def _source(section: Section, block: Block | None, via: str = "text") -> Source:
    if block is None:
        return Source(section.path_text, section.line_start, section.line_start, via)
    return Source(section.path_text, block.line_start, block.line_end, via)


def _entry(value: Any, source: Source, **extra: Any) -> dict[str, Any]:
    return {"value": value, "source": source.as_dict(), **extra}


def _is_metadata(text: str) -> bool:
    """'Department: Claims' is metadata; 'Three weeks in: the model...' is prose."""
    match = _KEY_LINE.match(text)
    return bool(
        match and KEY_TO_FIELD.get(re.sub(r"\s+", " ", match.group(1).strip(" *_:").lower()))
    )


def constraint_category(text: str) -> str | None:
    return match_table(text, _CONSTRAINT_CATEGORIES)


_CELL_RX = [(role, re.compile(rf"^\W*(?:{rx})\W*$", re.I)) for role, rx in CELL_ROLES]


# a line that opens with a short label: "**Root cause:** ...", "Lesson - ...", "- Why: ..."
_LINE_LABEL = re.compile(
    r"^\s*(?:[-*]\s+)?(?:\*\*|__)?([A-Za-z][\w /'&()-]{1,40}?)\s*(?::\s*(?:\*\*|__)|(?:\*\*|__)\s*:|:)\s"
)
_LABEL_BOLD = re.compile(r"(?:\*\*|__)([^*_\n]{1,30}?):(?:\*\*|__)")


def _cell_role(header: str) -> str | None:
    """The role a column's header names: "Root cause", "Lesson / next time"."""
    header = re.sub(r"\([^)]*\)", " ", header).strip()  # "Lesson (from PIR 3/6)"
    for part in re.split(r"\s*(?:/|&|\+|,|\band\b)\s*", header):
        role = next((role for role, rx in _CELL_RX if rx.match(part)), None)
        if role:
            return role
    return None


_ENDINGS = dict(OUTCOME_WORDS)


def _specific_end(raw: str, value: str | None) -> str | None:
    """ "Closed. Stopped at Gate 1" is a stop at a gate: a generic end gives way to the specific one
    the same status names (at a gate, in the pilot, by leadership)."""
    if value != "cancelled":
        return value
    low = raw.lower()
    for name in ("stopped-at-gate", "failed-in-pilot", "rejected-by-leadership"):
        if re.search(_ENDINGS[name], low):
            return name
    return value


def _code_kind(block: Block, default: str) -> str:
    if default in ("prompt", "config"):
        return default
    info = block.info.lower()
    if info in ("yaml", "yml", "json", "toml", "ini", "env", "properties") or re.match(
        r"^\s*[\w.-]+\s*[:=]", block.text
    ):
        return "config"
    if re.search(r"\byou are\b|\bprompt\b|\{\{?\s*\w+\s*\}?\}|answer (only|in)", block.text, re.I):
        return "prompt"
    return default


class _Extractor:
    def __init__(self, outline: Outline, *, source: str) -> None:
        self.outline = outline
        self.source = source
        self.fields: dict[str, Any] = {}
        self.units: list[Unit] = []
        self.warnings: list[str] = list(outline.warnings)
        self.categories: list[tuple[Section, str]] = []
        self.by_position: set[int] = set()  # sections whose kind comes from where they stand
        for section in outline.sections:
            own = heading_category(section.heading)
            # a sub-heading like "Vendor API" or "Integration" under "Root causes" takes the parent's kind
            for parent in reversed(section.path[:-1]):
                parent_category = heading_category(parent)
                if parent_category == "other":
                    continue
                if own == "other" or (
                    own in ("constraint", "context") and parent_category in _NARRATIVE
                ):
                    own = parent_category
                break
            if (
                own in ("other", "lesson", "root_cause")
                and section.level == 1
                and section is outline.sections[0]
            ):
                own = "context"  # the text right under the document's title introduces it
                self.by_position.add(id(section))
            self.categories.append((section, own))

    def set_scalar(self, name: str, value: Any, source: Source) -> None:
        if value in (None, "", []) or name in self.fields:
            return
        self.fields[name] = _entry(value, source)

    # --- metadata -------------------------------------------------------------------------
    def front_matter(self) -> None:
        src = Source("front matter", 1, 1, "front matter")
        end = self.outline.text.find("\n---", 3)
        if end > 0:
            src.line_end = self.outline.text[:end].count("\n") + 2
        for key, value in self.outline.front_matter.items():
            name = KEY_TO_FIELD.get(key.replace("_", " ")) or KEY_TO_FIELD.get(key)
            if name is None:
                self.fields.setdefault("extra", {})[key] = value
                continue
            if name in ("owners", "stakeholders", "authors", "handoff_from", "handoff_to"):
                items = value if isinstance(value, list) else re.split(r"[;,]\s*|\n", str(value))
                for item in items:
                    self._person(name, str(item), src)
            else:
                self.set_scalar(name, value if isinstance(value, list) else str(value).strip(), src)

    def _person(self, name: str, text: str, source: Source) -> None:
        text = text.strip()
        if not text or f.NEGATION.fullmatch(text.strip(". ")):
            return
        person = f.split_person_role(text)
        existing = self.fields.setdefault(name, [])
        if all(p["name"] != person["name"] for p in existing):
            existing.append({**person, "source": source.as_dict()})

    def key_values(self) -> None:
        """'Department: Claims' lines, '**Owner:** Ana' items and two-column tables near the top."""
        for index, (section, category) in enumerate(self.categories):
            near_top = index <= 2 or category in ("metadata", "summary", "owners")
            if not near_top:
                continue
            for block in section.blocks:
                if block.type == "row" and block.cells and len(block.cells) == 2:
                    key, value = list(block.cells.values())
                    self._key_value(key, value, _source(section, block, "table"))
                    continue
                if block.type not in ("paragraph", "item"):
                    continue
                for offset, line in enumerate(block.text.splitlines()):
                    match = _KEY_LINE.match(line)
                    if match:
                        src = _source(section, block, "metadata")
                        if block.type == "paragraph":
                            src.line_start = src.line_end = block.line_start + offset
                        self._key_value(match.group(1), match.group(2), src)

    def _key_value(self, key: str, value: str, source: Source) -> None:
        name = KEY_TO_FIELD.get(re.sub(r"\s+", " ", key.strip(" *_:").lower()))
        value = value.strip(" *_")
        if not name or not value:
            return
        if name in ("owners", "stakeholders", "authors", "handoff_from", "handoff_to"):
            for item in re.split(r";|,\s*(?=[A-Z][a-z]+\s+[A-Z])|\band\b(?=\s+[A-Z])", value):
                self._person(name, item, source)
        else:
            self.set_scalar(name, value, source)

    # --- sections --------------------------------------------------------------------------
    def section_fields(self) -> None:
        for section, category in self.categories:
            for block in section.blocks:
                src = _source(section, block)
                if category == "success_criteria":
                    for text in self._items(block):
                        self.fields.setdefault("success_criteria", []).append(
                            {"text": text, "threshold": f.threshold(text), "source": src.as_dict()}
                        )
                elif category == "exit_criteria":
                    for text in self._items(block):
                        stated = not f.NEGATION.search(text)
                        self.fields.setdefault("exit_criteria", []).append(
                            {
                                "text": text,
                                "stated": stated,
                                "threshold": f.threshold(text),
                                "source": src.as_dict(),
                            }
                        )
                elif category == "owners" and block.type in ("item", "row", "paragraph"):
                    if block.type == "row" and block.cells:
                        text = " — ".join(v for v in block.cells.values() if v)
                        self._person("stakeholders", text, src)
                    elif f.people(block.text):
                        self._owners_line(block.text, src)
                if block.type == "row" and block.cells and self._is_kpi_row(block.cells, category):
                    self._kpi_from_row(block.cells, src)
                elif category == "kpis" and block.type in ("item", "paragraph"):
                    for text in self._items(block):
                        if f.threshold(text) or re.search(r"\d", text):
                            self._kpi_from_text(text, src)
                self._gates(block, src)
                if category != "exit_criteria":
                    self._exit_mentions(block, src)

    def _owners_line(self, text: str, src: Source) -> None:
        low = text.lower()
        target = (
            "owners"
            if re.search(r"owner|lead|accountable|responsible|manager", low)
            else "stakeholders"
        )
        match = _KEY_LINE.match(text)
        if match and KEY_TO_FIELD.get(match.group(1).strip().lower()) in ("owners", "stakeholders"):
            self._key_value(match.group(1), match.group(2), src)
        else:
            self._person(target, text, src)

    @staticmethod
    def _items(block: Block) -> list[str]:
        if block.type == "paragraph":
            return [s for s in f.sentences(block.text) if len(s) > 3]
        return [block.text.replace("\n", " ")]

    @staticmethod
    def _is_kpi_row(cells: dict[str, str], category: str) -> bool:
        names = " ".join(cells).lower()
        has_metric = re.search(r"metric|kpi|measure|indicator", names) or category == "kpis"
        return bool(has_metric and re.search(r"target|goal|achiev|actual|result|baseline", names))

    def _kpi_from_row(self, cells: dict[str, str], src: Source) -> None:
        kpi: dict[str, Any] = {"metric": None, "target": None, "achieved": None, "baseline": None}
        for name, value in cells.items():
            low = name.lower()
            if re.search(r"target|goal", low):
                kpi["target"] = value
            elif re.search(r"achiev|actual|result|measured|outcome", low):
                kpi["achieved"] = value
            elif re.search(r"baseline|before", low):
                kpi["baseline"] = value
            elif kpi["metric"] is None:
                kpi["metric"] = value
        if kpi["metric"]:
            self.fields.setdefault("kpis", []).append(
                {**kpi, "source": {**src.as_dict(), "via": "table"}}
            )

    def _kpi_from_text(self, text: str, src: Source) -> None:
        metric = re.split(r"[:—–(]|\btarget\b|\bfrom\b", text, maxsplit=1)[0].strip(" -*")
        target = re.search(r"target(?:ed)?\s*(?:of|:)?\s*([^,;.)]+)", text, re.I)
        achieved = re.search(
            r"(?:achieved|actual|reached|measured|got|result)\s*(?:was|:)?\s*([^,;.)]+)", text, re.I
        )
        self.fields.setdefault("kpis", []).append(
            {
                "metric": metric[:120] or text[:120],
                "target": target.group(1).strip() if target else f.threshold(text),
                "achieved": achieved.group(1).strip() if achieved else None,
                "baseline": None,
                "text": text,
                "source": src.as_dict(),
            }
        )

    def _gates(self, block: Block, src: Source) -> None:
        for sentence in self._items(block) if block.type == "paragraph" else [block.text]:
            for gate in f.gate_numbers(sentence):
                record = {
                    "gate": gate,
                    "date": f.first_date(sentence),
                    "decision": f.decision(re.sub(r"\bgate\s*[0-2]\b", "", sentence, flags=re.I)),
                    "text": sentence[:400],
                    "source": src.as_dict(),
                }
                gates = self.fields.setdefault("gates", [])
                if not any(g["gate"] == gate and g["text"] == record["text"] for g in gates):
                    gates.append(record)

    def _exit_mentions(self, block: Block, src: Source) -> None:
        for sentence in f.sentences(block.text):
            if re.search(
                r"exit criteri|stop criteri|kill criteri|(cancel|stop|end) (the )?(poc|pilot|project) if",
                sentence,
                re.I,
            ):
                self.fields.setdefault("exit_criteria", []).append(
                    {
                        "text": sentence,
                        "stated": not f.NEGATION.search(sentence),
                        "threshold": f.threshold(sentence),
                        "source": src.as_dict(),
                    }
                )

    # --- units -----------------------------------------------------------------------------
    def make_units(self) -> None:
        for section, category in self.categories:
            kind = UNIT_KIND_OF_CATEGORY.get(category, "other")
            sub = section.path[-1] if section.path else ""
            for block in section.blocks:
                if block.type == "row" and self._register_row(block, section):
                    continue
                if block.type == "paragraph" and self._labelled_lines(block, section, kind):
                    continue
                label = (
                    _LINE_LABEL.match(block.text) if block.type in ("paragraph", "item") else None
                )
                # a labelled line keeps its label's kind: "**What happened:** ..." under "Lessons"
                labelled = _cell_role(label.group(1)) if label else None
                unit_kind = labelled or (_code_kind(block, kind) if block.type == "code" else kind)
                text = block.text
                if (
                    block.type == "paragraph"
                    and section.level >= 3
                    and kind
                    in ("root_cause", "lesson", "recommendation", "constraint", "risk", "decision")
                    and len(section.blocks) <= 3
                ):
                    text = (
                        f"{sub}: {text}"
                        if sub and not text.lower().startswith(sub.lower())
                        else text
                    )
                category_name = None
                if unit_kind in ("constraint", "root_cause", "risk"):
                    category_name = constraint_category(f"{sub} {text}")
                self.units.append(
                    Unit(
                        unit_kind,
                        text,
                        section.path_text,
                        block.line_start,
                        block.line_end,
                        category_name,
                        form=block.type,
                        heading_kind=labelled
                        or ("other" if id(section) in self.by_position else unit_kind),
                    )
                )

    def _labelled_lines(self, block: Block, section: Section, kind: str) -> bool:
        """A paragraph whose lines each open with a label ("**What happened:** ...", "**Lesson:**
        ...") holds a passage a label: each becomes a unit of its label's kind."""
        lines = block.text.split("\n")
        if len(lines) < 2:
            return False
        pieces: list[tuple[int, str | None, list[str]]] = []
        for i, line in enumerate(lines):
            m = _LINE_LABEL.match(line)
            role = _cell_role(m.group(1)) if m else None
            if m and (role or pieces):
                pieces.append((i, role, [line]))
            elif pieces:
                pieces[-1][2].append(line)
            else:
                pieces.append((i, None, [line]))
        roles = {r for _, r, _ in pieces if r}
        if "root_cause" not in roles or len(roles) < 2:
            return False
        for i, role, texts in pieces:
            text = _LABEL_BOLD.sub(r"\1:", "\n".join(texts)).strip()
            self.units.append(
                Unit(
                    role or kind,
                    text,
                    section.path_text,
                    block.line_start + i,
                    min(block.line_end, block.line_start + i + len(texts) - 1),
                    constraint_category(text) if role == "root_cause" else None,
                    form="paragraph",
                    heading_kind=role or ("other" if id(section) in self.by_position else kind),
                )
            )
        return True

    def _register_row(self, block: Block, section: Section) -> bool:
        """A register's row (cause | lesson | owner ...) holds several passages: each cause, lesson
        or recommendation cell becomes a unit of that kind, the other cells one unit together."""
        cells = block.cells or {}
        roles = {k: _cell_role(k) for k in cells}
        told = {k: r for k, r in roles.items() if r and len(cells[k]) >= 25}
        if "root_cause" not in told.values() or len(set(told.values())) < 2:
            return False
        for key, role in told.items():
            self.units.append(
                Unit(
                    role,
                    f"{key}: {cells[key]}",
                    section.path_text,
                    block.line_start,
                    block.line_end,
                    constraint_category(cells[key]) if role == "root_cause" else None,
                    form="paragraph",  # a cell of prose reads as prose (its figures as KPIs)
                    heading_kind=role,
                )
            )
        rest = " | ".join(f"{k}: {v}" for k, v in cells.items() if k not in told and v)
        if rest:
            self.units.append(
                Unit(
                    "context",
                    rest,
                    section.path_text,
                    block.line_start,
                    block.line_end,
                    form="row",
                    heading_kind="other",
                )
            )
        return True

    # --- document facts --------------------------------------------------------------------
    def document_facts(self, filename: str) -> tuple[str, str]:
        first_section = self.outline.sections[0] if self.outline.sections else None
        title = self.fields.get("title", {}).get("value") or self.outline.title
        if title and first_section and "title" not in self.fields:
            heading = next((s for s in self.outline.sections if s.heading == title), first_section)
            self.set_scalar(
                "title",
                title,
                Source(heading.path_text, heading.line_start, heading.line_start, "heading"),
            )
        if not title:
            title = PurePath(filename).stem.replace("_", " ").replace("-", " ").strip() or filename
            self.set_scalar("title", title, Source("(file name)", 0, 0, "filename"))
            self.warnings.append("no title found; the file name was used")
        title = str(title)
        self.set_scalar("project", title, Source("(title)", 0, 0, "inferred"))
        self._summary()
        self._normalise("department", DEPARTMENTS)
        self._infer_department(title)
        self._techniques()
        self._phase_and_outcome()
        self._dates()
        kind = self._kind(title, filename)
        return title, kind

    def _summary(self) -> None:
        for section, category in self.categories:
            if category == "summary":
                for block in section.blocks:
                    if block.type in ("paragraph", "item", "html") and not _is_metadata(block.text):
                        self.set_scalar("summary", block.text, _source(section, block))
                        return
        for section, _ in self.categories:
            for block in section.blocks:
                if (
                    block.type == "paragraph"
                    and len(block.text) > 60
                    and not _is_metadata(block.text)
                ):
                    self.set_scalar("summary", block.text, _source(section, block, "inferred"))
                    return

    def _whole_text(self) -> str:
        return "\n".join(b.text for s in self.outline.sections for b in s.blocks)

    def _normalise(self, name: str, table: dict[str, str]) -> None:
        entry = self.fields.get(name)
        if entry:
            raw = (
                entry["value"]
                if isinstance(entry["value"], str)
                else " ".join(map(str, entry["value"]))
            )
            entry["raw"] = raw
            entry["value"] = match_table(raw, table) or slug(raw)

    def _infer_department(self, title: str) -> None:
        if "department" in self.fields:
            return
        probe = [(title, Source("(title)", 0, 0, "inferred"))]
        for section, _ in self.categories[:3]:
            for block in section.blocks[:4]:
                probe.append((block.text, _source(section, block, "inferred")))
        for text, src in probe:
            found = match_table(text, DEPARTMENTS)
            if (
                found and found != "it-operations"
            ):  # "IT" is named in passing too often to infer from
                self.fields["department"] = {
                    "value": found,
                    "raw": text[:200],
                    "source": src.as_dict(),
                }
                return

    def _techniques(self) -> None:
        entry = self.fields.get("technique")
        if entry:
            raw = (
                entry["value"]
                if isinstance(entry["value"], str)
                else ", ".join(map(str, entry["value"]))
            )
            found = [name for name, rx in TECHNIQUES.items() if re.search(rx, raw.lower())]
            entry["raw"] = raw
            if found:
                entry["value"] = found
                return
            del self.fields["technique"]
        text = self._whole_text().lower()
        counts = {name: len(re.findall(rx, text)) for name, rx in TECHNIQUES.items()}
        found = [n for n, c in sorted(counts.items(), key=lambda kv: -kv[1]) if c >= 2][:2]
        if found:
            self.fields["technique"] = _entry(found, Source("(whole document)", 0, 0, "inferred"))

    def _phase_and_outcome(self) -> None:
        phase = self.fields.get("phase_reached")
        if phase:
            phase["raw"] = str(phase["value"])
            phase["value"] = match_table(phase["raw"], PHASE_WORDS)
        outcome = self.fields.get("outcome")
        if outcome:
            outcome["raw"] = str(outcome["value"])
            outcome["value"] = _specific_end(
                outcome["raw"], first_match(outcome["raw"], OUTCOME_WORDS)
            )
            if outcome["value"] == "stopped-at-gate" and not phase:
                self.set_scalar("phase_reached", "poc", Source("(outcome)", 0, 0, "inferred"))
        if not self.fields.get("outcome") or not self.fields["outcome"].get("value"):
            self.fields.pop("outcome", None)
            self._infer_outcome()
        if not self.fields.get("phase_reached") or not self.fields["phase_reached"].get("value"):
            self.fields.pop("phase_reached", None)
            self._infer_phase()

    def _infer_outcome(self) -> None:
        for section, category in self.categories:
            if (
                category not in ("summary", "impact", "metadata", "other", "context")
                and section is not self.outline.sections[0]
            ):
                continue
            for block in section.blocks:
                for sentence in f.sentences(block.text):
                    outcome = match_table(sentence, _OUTCOME_SENTENCES)
                    if outcome:
                        self.set_scalar("outcome", outcome, _source(section, block, "inferred"))
                        return

    def _infer_phase(self) -> None:
        outcome = (self.fields.get("outcome") or {}).get("value")
        guess = {
            "in-production": "production",
            "failed-in-pilot": "pilot",
            "stopped-at-gate": "poc",
        }.get(str(outcome))
        if guess:
            self.set_scalar("phase_reached", guess, Source("(outcome)", 0, 0, "inferred"))
            return
        rules = [
            (
                "production",
                r"(went|is|are|been) live|in production (since|for|at)|rolled out to|production rollout",
            ),
            (
                "pilot",
                r"(the|a|our) pilot (ran|started|began|with|at|in|phase)|during the pilot|pilot users",
            ),
            (
                "poc",
                r"never left the poc|(stopped|ended|parked|cancelled) (at|after) gate|(the|a|our) poc (ran|phase)"
                r"|proof[- ]of[- ]concept",
            ),
        ]
        for name, rx in rules:
            for section, _ in self.categories:
                for block in section.blocks:
                    if re.search(rx, block.text, re.I):
                        self.set_scalar("phase_reached", name, _source(section, block, "inferred"))
                        return

    def _dates(self) -> None:
        found: list[tuple[str, Source]] = []
        for gate in self.fields.get("gates", []):
            if gate.get("date"):
                s = gate["source"]
                found.append(
                    (gate["date"], Source(s["section"], s["lines"][0], s["lines"][1], "inferred"))
                )
        for section, category in self.categories:
            if category == "timeline":
                for block in section.blocks:
                    date = f.first_date(block.text)
                    if date:
                        found.append((date, _source(section, block, "inferred")))
        iso = [(d, s) for d, s in found if re.match(r"\d{4}-\d{2}", d)]
        if iso:
            iso.sort(key=lambda ds: ds[0])
            self.set_scalar("start", iso[0][0], iso[0][1])
            self.set_scalar("end", iso[-1][0], iso[-1][1])

    def _kind(self, title: str, filename: str) -> str:
        declared = str((self.fields.get("kind") or {}).get("value") or "").lower()
        for kind in ("handoff", "postmortem"):
            if kind in declared.replace("-", "").replace(" ", "") or (
                kind == "handoff" and "handover" in declared
            ):
                return kind
        probe = f"{title} {PurePath(filename).name}".lower()
        if re.search(r"hand-?off|hand-?over|transition|transfer notes", probe):
            return "handoff"
        cats = {c for _, c in self.categories}
        if re.search(r"post-?mortem|retrospective|lessons|incident|review", probe) or cats & {
            "root_cause",
            "lesson",
        }:
            return "postmortem"
        return "other"

    def quality_warnings(self, kind: str) -> None:
        kinds = {u.kind for u in self.units}
        if kind == "postmortem":
            if "lesson" not in kinds:
                self.warnings.append("no lessons section found")
            if "root_cause" not in kinds:
                self.warnings.append("no root-cause section found")
        for name in ("outcome", "phase_reached", "department"):
            if name not in self.fields:
                self.warnings.append(f"{name.replace('_', ' ')} not stated")
        if not self.units:
            self.warnings.append("no text blocks found")


def extract(
    outline: Outline, *, source: str, fmt: str, encoding: str, content_hash: str
) -> ParsedDocument:
    """Read fields and units out of an outline; nothing under a heading is dropped."""
    ex = _Extractor(split_records(outline), source=source)
    ex.front_matter()
    ex.key_values()
    ex.section_fields()
    ex.make_units()
    title, kind = ex.document_facts(source)
    ex.quality_warnings(kind)
    return ParsedDocument(
        source=source,
        format=fmt,
        encoding=encoding,
        content_hash=content_hash,
        text=outline.text,
        title=title,
        kind=kind,
        fields=ex.fields,
        units=ex.units,
        warnings=ex.warnings,
    )


__all__ = ["extract", "normalise_heading", "constraint_category"]
