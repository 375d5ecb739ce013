"""`kb extract-eval`: score stored records against expected ones, overall and by form.

An expected file is {"documents": {FILE NAME: RECORD}} (see corpus/reading/README.md); a store's
documents are matched to it by file name. Items (lessons, root causes, KPIs) are matched by
containment or shared words, so a reader can check each judgement by eye.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path, PurePath
from typing import Any

from kb.reading.labels import LabelledSet, contains, norm

_STOP = {"the", "a", "an", "of", "and", "or", "in", "on", "per", "to", "for", "with", "by", "at"}


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", norm(text)) if w not in _STOP}


def same_item(expected: str, found: str) -> bool:
    """Two short texts name the same thing: one holds the other, or they share most words."""
    a, b = norm(expected), norm(found)
    if not a or not b:
        return False
    if a in b or b in a:
        return True
    wa, wb = _words(a), _words(b)
    return bool(wa) and len(wa & wb) / len(wa) >= 0.6


def _person_match(expected: str, found: str) -> bool:
    e = [w for w in re.findall(r"[a-zà-ÿ'-]+", expected.lower()) if len(w) > 1]
    f = re.findall(r"[a-zà-ÿ'-]+", found.lower())
    return bool(e) and all(w in f for w in e)


def people_of(record: dict[str, Any]) -> list[dict[str, Any]]:
    fields = record.get("fields") or {}
    out: list[dict[str, Any]] = []
    for name in ("people", "owners", "stakeholders", "authors", "handoff_from", "handoff_to"):
        for p in fields.get(name) or []:
            if isinstance(p, dict) and p.get("name"):
                out.append(p)
    return out


def _gate_type(value: Any) -> str:
    text = str(value).lower()
    if text in ("0", "1", "2"):
        return f"gate-{text}"
    return text


def _holding(units: list[dict[str, Any]], text: str) -> dict[str, Any] | None:
    """The shortest unit that holds the text, if any."""
    found = [u for u in units if contains(u["text"], text)]
    return min(found, key=lambda u: len(u["text"])) if found else None


def _kind_ok(units: list[dict[str, Any]], text: str, kinds: tuple[str, ...]) -> bool:
    """Whether the unit holding `text` has one of `kinds` (False when no unit holds it)."""
    unit = _holding(units, text)
    return unit is not None and unit["kind"] in kinds


class Tally:
    def __init__(self) -> None:
        self.hit: dict[str, float] = defaultdict(float)
        self.n: dict[str, float] = defaultdict(float)

    def add(self, name: str, ok: bool, weight: float = 1.0) -> None:
        self.n[name] += weight
        self.hit[name] += weight if ok else 0.0

    def rate(self, name: str) -> float | None:
        return self.hit[name] / self.n[name] if self.n[name] else None


def score_document(record: dict[str, Any], exp: dict[str, Any], tally: Tally) -> None:
    units = record.get("units") or []
    tally.add("kind", record.get("kind") == exp.get("kind"))
    if "phase" in exp:
        tally.add("phase", (record.get("phase_reached") or "unknown") == exp["phase"])
    if "outcome" in exp:
        tally.add("outcome", (record.get("outcome") or "unknown") == exp["outcome"])
    if "department" in exp:
        tally.add("department", record.get("department") == exp["department"])
    found_people = people_of(record)
    for person in exp.get("people") or []:
        tally.add("people", any(_person_match(person["name"], p["name"]) for p in found_people))
    fields = record.get("fields") or {}
    for side in ("handoff_from", "handoff_to"):
        want = exp.get(side)
        if want is None and exp.get("kind") != "handoff":
            continue
        got = [p["name"] for p in fields.get(side) or [] if isinstance(p, dict)]
        ok = (not got) if want is None else bool(got) and _person_match(want["name"], got[0])
        tally.add(side, ok)
    kpis = fields.get("kpis") or []
    for kpi in exp.get("kpis") or []:
        tally.add(
            "kpis",
            any(
                same_item(kpi["metric"], str(k.get("metric") or k.get("text") or "")) for k in kpis
            ),
        )
    gates = fields.get("gates") or []
    for gate in exp.get("gates") or []:
        if not gate.get("decision"):
            continue
        want = _gate_type(gate["gate"])
        tally.add(
            "gate_decisions",
            any(
                _gate_type(g.get("gate")) == want
                and g.get("decision") == gate["decision"]
                and (want != "other" or same_item(gate.get("name") or "", g.get("name") or ""))
                for g in gates
            ),
        )
    for lesson in exp.get("lessons") or []:
        tally.add("lessons", _kind_ok(units, lesson, ("lesson", "recommendation")))
    for cause in exp.get("root_causes") or []:
        tally.add("root_causes", _kind_ok(units, cause, ("root_cause",)))
    want_p = set(exp.get("patterns") or [])
    got_p = {p["pattern"] if isinstance(p, dict) else p for p in record.get("patterns") or []}
    tally.add("patterns_tp", True, len(want_p & got_p))
    tally.add("patterns_fp", True, len(got_p - want_p))
    tally.add("patterns_fn", True, len(want_p - got_p))


def score_units(record: dict[str, Any], passages: list[Any], tally: Tally) -> None:
    """Unit-level patterns: recall over labelled passages, precision over the tags on their units."""
    units = record.get("units") or []
    labels: dict[str, set[str]] = {}  # unit id -> patterns its labelled passages show
    tags: dict[str, set[str]] = {}  # unit id -> patterns the reader tagged it with
    for p in passages:
        unit = _holding(units, p.text)
        if unit is None:
            continue
        key = unit.get("id", unit["text"])
        tags[key] = {t["pattern"] for t in unit.get("patterns") or []}
        for pattern in p.patterns:
            tally.add("unit_recall", pattern in tags[key])
        labels.setdefault(key, set()).update(p.patterns)
    for key, found in tags.items():
        for tag in found:
            tally.add("unit_precision", tag in labels[key])


def evaluate(records: dict[str, dict[str, Any]], labelled: LabelledSet) -> dict[str, Any]:
    """{"overall": {...}, "by_form": {form: {...}}, "missing": [...]} for records by file name."""
    overall = Tally()
    by_form: dict[str, Tally] = defaultdict(Tally)
    missing = []
    for name, exp in labelled.expected.items():
        record = records.get(name)
        if record is None:
            missing.append(name)
            continue
        form = exp.get("form", "other")
        mine = [p for p in labelled.passages if p.file == name]
        for tally in (overall, by_form[form]):
            score_document(record, exp, tally)
            score_units(record, mine, tally)
    return {
        "documents": len(labelled.expected) - len(missing),
        "overall": summary(overall),
        "by_form": {form: summary(t) for form, t in sorted(by_form.items())},
        "missing": missing,
    }


METRICS = (
    "kind",
    "phase",
    "outcome",
    "department",
    "lessons",
    "root_causes",
    "people",
    "handoff_from",
    "handoff_to",
    "kpis",
    "gate_decisions",
    "unit_recall",
    "unit_precision",
)


def summary(t: Tally) -> dict[str, Any]:
    out: dict[str, Any] = {m: t.rate(m) for m in METRICS}
    tp, fp, fn = t.n["patterns_tp"], t.n["patterns_fp"], t.n["patterns_fn"]
    out["patterns_precision"] = tp / (tp + fp) if tp + fp else None
    out["patterns_recall"] = tp / (tp + fn) if tp + fn else None
    out["counts"] = {m: int(t.n[m]) for m in METRICS if t.n[m]}
    return out


def store_records(kb: Any) -> dict[str, dict[str, Any]]:
    """The store's current documents, by file name (the last part of their source)."""
    out = {}
    for row in kb.list_documents():
        name = PurePath(str(row["source"]).split(":", 1)[-1]).name
        record = kb.get_document(row["id"])
        if record is not None:
            out[name] = record
    return out


def load(path: Path) -> LabelledSet:
    return LabelledSet.load(path.parent if path.name == "expected.json" else path)
