"""Outcome and phase from meaning, where the cue rules find none: a passage head for each over
the unit vectors says which passage tells how the work ended (or how far it got), and how sure it is.

Trained by `python scripts/train_fact_heads.py` on the training writers' outcome and phase evidence; at
run time one matrix product over the unit vectors ingest already computed. Without those vectors
(another embedder) the cue rules in `facts` stand alone.
"""

from __future__ import annotations

import re
import threading
from functools import cache
from pathlib import Path

import numpy as np

from kb.reading.features import ROLES
from kb.records import OUTCOMES, Unit

MODEL_PATH = Path(__file__).resolve().parent.parent / "data" / "reader-facts.npz"
PHASES = ("poc", "pilot", "production")
# fact -> the record field it fills
FACT_FIELDS = {"outcome": "outcome", "phase": "phase_reached"}
# fact -> what its head may answer, then "none" for a passage silent on it
FACT_CLASSES: dict[str, tuple[str, ...]] = {
    "outcome": (*OUTCOMES, "none"),
    "phase": (*PHASES, "none"),
}
_lock = threading.Lock()

# cue words a passage may hold; the models learn what each is worth
_CUES: tuple[tuple[str, str], ...] = (
    (
        "ended",
        r"\b(stopped|ended|closed|killed|halted|cancell?ed|terminated|discontinued|wound down|shut down|switched off|turned off|decommission\w*|retired|withdrawn|pulled)\b",
    ),
    ("gate", r"\bgate ?[0-3]\b|\bgo/no-?go\b|\bno-?go\b"),
    ("pilot_exit", r"pilot exit|exit review|end of (the )?pilot"),
    (
        "board",
        r"\b(steer\w*|board|committee|leadership|executive|exec|cfo|ceo|sponsor|director|vp|investment)\b",
    ),
    (
        "refused",
        r"\b(declined|rejected|refused|did not approve|not approved|turned down|would not fund|not (to )?fund\w*|no funding|denied)\b",
    ),
    ("failed", r"\b(failed|did not meet|didn't meet|missed|fell short|not met|below the)\b"),
    (
        "stalled",
        r"\b(stalled|parked|shelved|on hold|paused|dormant|drifted|nobody|no one|went quiet|limbo|left the company|reassigned|moved to|no decision|never)\b",
    ),
    (
        "live",
        r"\b(live|in production|rolled out|go-?live|launched|business as usual|bau|every (team|site|branch|agent))\b",
    ),
    (
        "ongoing",
        r"\b(ongoing|running|in progress|continu\w+|extended|next phase|until|weeks? \d+ of)\b",
    ),
    (
        "handover",
        r"\b(hand(ed|ing)? ?over|transition\w*|take over|taking over|service operations|run team)\b",
    ),
    ("future", r"\b(will|would|plan(ned)? to|propose[ds]?|next step|going to|shall)\b"),
    ("hedge", r"\b(if|might|could|should|must|unless|whether|risk)\b"),
    ("negation", r"\b(not|no|never|nor|n't)\b"),
    ("decision", r"\b(decision|decided|agreed|verdict|outcome|status|resolution|conclusion)\b"),
    ("pilot", r"\bpilot\w*\b"),
    ("poc", r"\b(poc|proof[- ]of[- ]concept|prototype|experiment|trial)\b"),
    ("production", r"\b(production|prod)\b"),
    (
        "date",
        r"\b(\d{1,2} \w+ 20\d\d|\d{1,2}/\d{1,2}|(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)\w* \d{1,2}|q[1-4])\b",
    ),
)
_CUE_RX = [re.compile(rx, re.I) for _, rx in _CUES]
_SECTION = re.compile(
    r"outcome|status|decision|result|conclusion|summary|verdict|next step|what happened|where (we|it|things) (are|stand)|closure|close-?out",
    re.I,
)
PASSAGE_FEATURES: tuple[str, ...] = (
    tuple(f"cue:{n}" for n, _ in _CUES)
    + tuple(f"role:{r}" for r in ROLES)
    + ("section:telling", "position", "position:first", "position:last", "length")
)


def passage_features(units: list[Unit]) -> np.ndarray:
    """(len(units), len(PASSAGE_FEATURES)): cue words, role, a telling section, place."""
    n = len(units)
    out = np.zeros((n, len(PASSAGE_FEATURES)), dtype=np.float32)
    k = len(_CUES)
    for i, u in enumerate(units):
        text = u.text
        for j, rx in enumerate(_CUE_RX):
            out[i, j] = 1.0 if rx.search(text) else 0.0
        if u.kind in ROLES:
            out[i, k + ROLES.index(u.kind)] = 1.0
        base = k + len(ROLES)
        out[i, base] = 1.0 if _SECTION.search(u.section.split(" > ")[-1]) else 0.0
        out[i, base + 1] = i / max(1, n - 1)
        out[i, base + 2] = 1.0 if i < 3 else 0.0
        out[i, base + 3] = 1.0 if i >= n - 3 else 0.0
        out[i, base + 4] = min(len(text), 600) / 600
    return out


class FactHeads:
    """One passage head per fact: a unit's vector and cue words -> what it states, or none."""

    def __init__(self, path: Path = MODEL_PATH) -> None:
        data = np.load(path, allow_pickle=False)
        self.model = str(data["model"])
        if tuple(str(x) for x in data["passage_features"]) != PASSAGE_FEATURES:
            raise ValueError(
                f"{path} was trained on other features; run scripts/train_fact_heads.py"
            )
        self.scale = float(data["scale"])
        self.heads = {fact: (data[f"w_{fact}"], data[f"b_{fact}"]) for fact in FACT_CLASSES}

    def probabilities(self, fact: str, units: list[Unit], vectors: np.ndarray) -> np.ndarray:
        """(len(units), len(FACT_CLASSES[fact])) probabilities."""
        w, b = self.heads[fact]
        x = np.hstack([np.asarray(vectors, dtype=np.float32) * self.scale, passage_features(units)])
        return _softmax(x @ w.T + b)

    def strongest(
        self, fact: str, units: list[Unit], vectors: np.ndarray
    ) -> tuple[int, str, float] | None:
        """(unit index, answer, probability) of the passage that most surely states the fact."""
        if not units or len(vectors) != len(units):
            return None
        answers = FACT_CLASSES[fact][:-1]
        p = self.probabilities(fact, units, vectors)[:, : len(answers)]
        i, j = np.unravel_index(int(p.argmax()), p.shape)
        return int(i), answers[int(j)], float(p[i, j])


def _softmax(logits: np.ndarray) -> np.ndarray:
    logits = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(logits)
    return p / p.sum(axis=1, keepdims=True)  # type: ignore[no-any-return]


@cache
def fact_heads() -> FactHeads | None:
    """The shipped heads, or None before they have been trained."""
    with _lock:
        return FactHeads() if MODEL_PATH.exists() else None
