"""Does a document read the same in any format? Compare a stored record with its Markdown twin's:
kind, phase, outcome, and each typed unit of the twin found again with the same kind."""

from __future__ import annotations

import re
from difflib import SequenceMatcher
from typing import Any

UNTYPED = ("other", "context", "summary")
_WORD = re.compile(r"[a-z0-9£$€%]+")


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def same_text(a: str, b: str) -> bool:
    """Two unit texts say the same thing: near-identical words, or one contains the other."""
    wa, wb = _words(a), _words(b)
    if not wa or not wb:
        return False
    ja, jb = " ".join(wa), " ".join(wb)
    if ja in jb or jb in ja:
        return min(len(wa), len(wb)) >= 0.5 * max(len(wa), len(wb)) or min(len(wa), len(wb)) >= 8
    return SequenceMatcher(None, wa, wb, autojunk=False).ratio() >= 0.8


def compare(twin: dict[str, Any], other: dict[str, Any]) -> dict[str, Any]:
    """How far `other` (a stored document) agrees with `twin` (the same document as Markdown)."""
    typed = [u for u in twin["units"] if u["kind"] not in UNTYPED]
    found = 0
    missed: list[dict[str, str]] = []
    for unit in typed:
        if any(
            o["kind"] == unit["kind"] and same_text(o["text"], unit["text"]) for o in other["units"]
        ):
            found += 1
        else:
            near = next((o for o in other["units"] if same_text(o["text"], unit["text"])), None)
            missed.append(
                {
                    "kind": unit["kind"],
                    "text": unit["text"][:80],
                    "as": near["kind"] if near else "(not found)",
                }
            )
    fields = {
        name: (twin.get(name), other.get(name)) for name in ("kind", "phase_reached", "outcome")
    }
    share = found / len(typed) if typed else 1.0
    return {
        "fields": {k: {"twin": a, "here": b, "same": a == b} for k, (a, b) in fields.items()},
        "typed_units": len(typed),
        "found": found,
        "share": round(share, 3),
        "agrees": all(a == b for a, b in fields.values()) and share >= 0.9,
        "missed": missed,
    }
