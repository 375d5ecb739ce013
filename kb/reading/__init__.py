"""The reading layer: what each passage of a document is, and what the document says, from meaning.

Ingest builds the outline, the units and the fields its rules find; `read` then gives every unit a
role with a confidence (a classifier over the unit vectors ingest already computed, with headings,
labels, layout and cue words as features), the document its kind, and re-reads phase, outcome,
people, KPIs, gates and department. It changes the record in place and is idempotent, so
`kb reparse` can run it again on stored documents.
"""

from __future__ import annotations

import re
from collections import Counter

import numpy as np

from kb.reading.doc_kind import kind_model
from kb.reading.facts import read_facts
from kb.reading.features import ROLES, label_role
from kb.reading.roles import role_model
from kb.records import UNIT_KINDS, ParsedDocument, Unit

# heading kinds that say what a passage is; the others only say where it stands
_SPECIFIC = set(UNIT_KINDS) - {"summary", "impact", "context", "other"}
KEEP_HEADING = 0.8  # the classifier overrules a telling heading only when at least this sure
KIND_MARGIN = 0.5  # the document kind model overrules the heading rules only when this sure


def read(doc: ParsedDocument, unit_vectors: np.ndarray | None, *, model: str | None) -> None:
    """Roles for every unit, the document kind, then the facts (which use the roles)."""
    read_roles(doc, unit_vectors, model=model)
    read_kind(doc, unit_vectors, model=model)
    read_facts(doc, unit_vectors, model=model)


def read_roles(doc: ParsedDocument, unit_vectors: np.ndarray | None, *, model: str | None) -> None:
    from ingest.extract import constraint_category

    roles = role_model()
    if roles is None or not doc.units:
        return
    probs = roles.probabilities(doc.units, unit_vectors, model=model)
    index = {name: i for i, name in enumerate(roles.classes)}
    for unit, p in zip(doc.units, probs, strict=True):
        # a label the writer put on the passage ("Root cause: ...") says as much as a heading
        heading = label_role(unit.text) or unit.heading_kind or unit.kind
        if unit.kind in ("prompt", "config") and unit.form == "code":
            unit.confidence = 1.0  # a fenced block is what its fence says
            continue
        best = int(p.argmax())
        role, confidence = roles.classes[best], float(p[best])
        if (
            heading in _SPECIFIC
            and heading in index
            and role != heading
            and confidence < KEEP_HEADING
        ):
            role, confidence = heading, float(p[index[heading]])
        if role == "context" and heading in ("summary", "impact"):
            role = heading  # finer than context, and what the heading said
        if role not in ("lesson", "recommendation", "prompt", "config") and _told_as_lesson(unit):
            role = "lesson"  # "Lesson learned: ...", "Next time ...", "In hindsight we should have ..."
        elif role not in ("root_cause", "prompt", "config") and _CAUSE_CUE.search(unit.text[:500]):
            role = "root_cause"  # "Root cause for both: ...", "The real reason was ..."
        unit.kind, unit.confidence = role, round(confidence, 3)
        if role in ("constraint", "root_cause", "risk") and unit.category is None:
            unit.category = constraint_category(f"{unit.section.split(' > ')[-1]} {unit.text}")


# a passage that says it is a lesson: a label, a word for the next time, or hindsight
_LESSON_CUE = re.compile(
    r"^\W*(?:\[[^\]]*\]\s*[\w .'-]{0,40}:\s*)?(?:\d+(?:\.\d+)*\.?\s+)?(?:yeah,?\s+|so,?\s+|\+1,?\s+)?"
    r"(?:lessons? learn[et]d?|lessons? for (?:me|us|next time)|what (?:i|we) (?:learn[et]d?|took away)|"
    r"(?:one |the )?(?:thing|lesson) (?:i'?d|we'?d|to) pass on|takeaway|note for (?:the )?next|next time\b|"
    r"in hindsight|if (?:i|we) (?:were starting|started|did (?:it|this)) again)"
    r"|\b(?:any|all|every) future [\w -]{1,40}? (?:should|must|needs? to)\b|\bin hindsight\b",
    re.I,
)


# a passage that says it gives a cause
_CAUSE_CUE = re.compile(
    r"^\W*(?:\d+(?:\.\d+)*\.?\s+)?root[- ]?causes?\b(?! analysis)"
    r"|\bthe (?:main|real|underlying|actual|root) (?:reason|cause|problem)\b[^.]{0,40}\b(?:was|is|were)\b",
    re.I,
)


def _told_as_lesson(unit: Unit) -> bool:
    """The passage opens by saying it is a lesson, and is short enough to be only that."""
    if len(unit.text) > 500:
        return False
    return bool(_LESSON_CUE.search(unit.text))


def read_kind(doc: ParsedDocument, unit_vectors: np.ndarray | None, *, model: str | None) -> None:
    declared = str((doc.fields.get("kind") or {}).get("value") or "").lower()
    if declared:
        return  # the writer said what it is; ingest has read that already
    kinds = kind_model()
    if kinds and unit_vectors is not None and model == kinds.model and len(unit_vectors):
        p = kinds.probabilities(doc, np.asarray(unit_vectors))
        best = max(p, key=lambda k: p[k])
        if best != doc.kind and p[best] >= KIND_MARGIN:
            doc.kind = best
    roles = Counter(u.kind for u in doc.units)
    if (
        doc.kind == "other"
        and roles["root_cause"]
        and roles["lesson"] + roles["recommendation"] >= 3
    ):
        doc.kind = "postmortem"  # causes and lessons: a look back, whatever its form


__all__ = ["ROLES", "read", "read_kind", "read_roles"]
