"""Labelled reading sets (expected records and labelled passages) and their alignment to units."""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kb.records import Unit


def norm(text: str) -> str:
    """Text as compared: no Markdown emphasis, one space, lower case."""
    text = re.sub(r"[*_`]+", "", text)
    return re.sub(r"\s+", " ", text).strip().lower()


@dataclass
class Passage:
    file: str
    text: str
    role: str
    category: str | None = None
    patterns: list[str] = field(default_factory=list)


@dataclass
class LabelledSet:
    """One writer's folder: docs/, expected.json, passages.jsonl."""

    root: Path
    expected: dict[str, dict[str, Any]]
    passages: list[Passage]

    @property
    def docs(self) -> Path:
        return self.root / "docs" if (self.root / "docs").is_dir() else self.root

    @classmethod
    def load(cls, root: Path) -> LabelledSet:
        data = json.loads((root / "expected.json").read_text("utf-8"))
        expected = data.get("documents", data)
        passages: list[Passage] = []
        path = root / "passages.jsonl"
        if path.exists():
            for line in path.read_text("utf-8").splitlines():
                if line.strip():
                    row = json.loads(line)
                    passages.append(
                        Passage(
                            row["file"],
                            row["text"],
                            row["role"],
                            row.get("category"),
                            list(row.get("patterns") or []),
                        )
                    )
        return cls(root, expected, passages)


def _cells(text: str) -> list[str]:
    return [c for c in (norm(x) for x in text.split("|")) if len(c) > 1]


def contains(unit_text: str, passage: str) -> bool:
    """Whether a unit holds the passage: as a substring, or (a table row) every cell of it."""
    u, p = norm(unit_text), norm(passage)
    if p and p in u:
        return True
    if "|" in passage:
        cells = _cells(passage)
        return bool(cells) and all(c in u for c in cells)
    return len(u) > 20 and u in p  # the unit is a part of a longer labelled passage


def unit_of(units: list[Unit], passage: str) -> int | None:
    """The index of the unit holding the passage, the shortest if several do."""
    found = [i for i, u in enumerate(units) if contains(u.text, passage)]
    return min(found, key=lambda i: len(units[i].text)) if found else None


# when one unit holds passages of several roles, the one that decides its kind
_PRIORITY = (
    "root_cause",
    "lesson",
    "recommendation",
    "decision",
    "gate",
    "kpi",
    "criteria",
    "constraint",
    "risk",
    "prompt",
    "config",
    "timeline",
    "context",
)


def unit_roles(units: list[Unit], passages: list[Passage]) -> dict[int, str]:
    """unit index -> role, from the labelled passages each unit holds."""
    held: dict[int, Counter[str]] = {}
    for p in passages:
        i = unit_of(units, p.text)
        if i is not None:
            held.setdefault(i, Counter())[p.role] += 1
    out = {}
    for i, roles in held.items():
        best = max(roles.values())
        out[i] = next(r for r in _PRIORITY if roles.get(r) == best) if roles else "context"
    return out
