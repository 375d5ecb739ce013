"""Tag text with the failure patterns it shows, keeping the sentence that shows each."""

from __future__ import annotations

import re

from kb.records import ParsedDocument, PatternTag
from kb.taxonomy import patterns

_SENTENCE = re.compile(r"(?<=[.!?])[\"'”)]?\s+(?=[A-Z0-9\"'“(])|\n+")


def split_sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.split(text) if s and s.strip()]


def tag_text(text: str) -> list[PatternTag]:
    """One tag per pattern, with the first sentence whose cue matches and no guard does."""
    tags: list[PatternTag] = []
    sentences = split_sentences(text)
    for pattern in patterns():
        for sentence in sentences:
            if any(g.search(sentence) for g in pattern.guards):
                continue
            cue = next((c for c in pattern.cues if c.search(sentence)), None)
            if cue is not None:
                tags.append(PatternTag(pattern.id, sentence[:500], cue.pattern[:80]))
                break
    return tags


def tag_document(doc: ParsedDocument) -> None:
    """Tag each unit; the document shows the union of its units' patterns."""
    seen: dict[str, PatternTag] = {}
    for unit in doc.units:
        if unit.kind in ("prompt", "config"):
            continue
        unit.patterns = tag_text(unit.text)
        for tag in unit.patterns:
            seen.setdefault(tag.pattern, tag)
    doc.patterns = list(seen.values())
