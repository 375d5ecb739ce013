"""The failure-pattern taxonomy, held as data in kb/data/patterns.yaml."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources


@dataclass(frozen=True)
class Pattern:
    id: str
    name: str
    definition: str
    aliases: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()
    cues: tuple[re.Pattern[str], ...] = field(default=(), repr=False)
    guards: tuple[re.Pattern[str], ...] = field(default=(), repr=False)
    any_cue: re.Pattern[str] | None = field(default=None, repr=False)  # all cues in one alternation
    any_guard: re.Pattern[str] | None = field(default=None, repr=False)

    def as_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "name": self.name,
            "definition": self.definition,
            "aliases": list(self.aliases),
            "examples": list(self.examples),
        }


@cache
def patterns() -> tuple[Pattern, ...]:
    import yaml  # on first use: a search without filters never reads the taxonomy

    raw = yaml.safe_load(resources.files("kb").joinpath("data/patterns.yaml").read_text("utf-8"))
    return tuple(
        Pattern(
            id=p["id"],
            name=p["name"],
            definition=" ".join(p["definition"].split()),
            aliases=tuple(p.get("aliases", ())),
            examples=tuple(p.get("examples", ())),
            cues=tuple(re.compile(c, re.I) for c in p.get("cues", ())),
            guards=tuple(re.compile(g, re.I) for g in p.get("guards", ())),
            any_cue=_union(p.get("cues", ())),
            any_guard=_union(p.get("guards", ())),
        )
        for p in raw["patterns"]
    )


def _union(expressions: list[str]) -> re.Pattern[str] | None:
    """All expressions in one, anchored at a word start: 4x faster than trying each at every position."""
    if not expressions:
        return None
    return re.compile("(?<![A-Za-z0-9])(?:" + "|".join(f"(?:{e})" for e in expressions) + ")", re.I)


def pattern_ids() -> list[str]:
    return [p.id for p in patterns()]


def resolve(name: str) -> str:
    """A pattern id from an id or one of its aliases; ValueError lists the valid ones."""
    key = name.strip().lower()
    for p in patterns():
        if key == p.id or key in p.aliases:
            return p.id
    valid = ", ".join(pattern_ids())
    raise ValueError(f"unknown failure pattern {name!r}; valid: {valid}")
