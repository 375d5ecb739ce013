"""Document kind from the whole text: a linear model over the mean unit vector, the mix of
passages and a few words of the title, file name and opening."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path, PurePath

import numpy as np

from kb.records import UNIT_KINDS, ParsedDocument

KINDS = ("postmortem", "handoff", "charter", "incident", "other")
_WORDS: tuple[tuple[str, str], ...] = (
    (
        "postmortem",
        r"post-?mortem|retro\w*|lessons|look(ing)? back|what went wrong|close-?out|wrap-?up|review|switching off|final report|learned",
    ),
    (
        "handoff",
        r"hand-?off|hand-?over|handing over|transition|take over|taking over|readme|runbook|transfer",
    ),
    (
        "charter",
        r"charter|proposal|propose|request|business case|poc plan|kick-?off|we would like to|budget|scope",
    ),
    (
        "incident",
        r"incident|outage|ticket|inc-?\d|\bp[1-4]\b|severity|sev ?\d|escalat|customer complaint",
    ),
    ("other", r"newsletter|news|announcement|wanted|invitation|bulletin"),
    ("email", r"^(from|to|subject|sent|date):"),
    ("future", r"\b(will|would|plan|planned|propose)\b"),
    ("past", r"\b(was|were|did|had|went)\b"),
)
_RX = [(name, re.compile(rx, re.I | re.M)) for name, rx in _WORDS]
DOC_FEATURES: tuple[str, ...] = (
    tuple(f"vec:{i}" for i in range(384))
    + tuple(f"share:{k}" for k in UNIT_KINDS)
    + tuple(f"title:{n}" for n, _ in _WORDS)
    + tuple(f"open:{n}" for n, _ in _WORDS)
    + ("tense:future", "tense:past")
)
_FUTURE = re.compile(
    r"\b(will|would|shall|plan(ned)? to|propose[ds]?|aim to|intend|going to|next step)\b", re.I
)
_PAST = re.compile(
    r"\b(was|were|did|had|went|ran|found|turned out|ended|stopped|failed|learned|\w{3,}ed)\b", re.I
)
MODEL_PATH = Path(__file__).resolve().parent.parent / "data" / "reader-kinds.npz"


def document_features(doc: ParsedDocument, unit_vectors: np.ndarray) -> np.ndarray:
    vec = unit_vectors.mean(axis=0) if len(unit_vectors) else np.zeros(384, dtype=np.float32)
    share = np.zeros(len(UNIT_KINDS), dtype=np.float32)
    for u in doc.units:
        share[UNIT_KINDS.index(u.heading_kind or u.kind)] += 1
    share /= max(1, len(doc.units))
    probe = f"{doc.title} {PurePath(doc.source).name.replace('_', ' ').replace('-', ' ')}"
    title = np.array([1.0 if rx.search(probe) else 0.0 for _, rx in _RX], dtype=np.float32)
    opening = doc.text[:600]
    open_ = np.array([1.0 if rx.search(opening) else 0.0 for _, rx in _RX], dtype=np.float32)
    sentences = [s for s in re.split(r"(?<=[.!?])\s+|\n+", doc.text) if len(s) > 20] or [""]
    tense = np.array(
        [
            sum(1 for s in sentences if _FUTURE.search(s)) / len(sentences),
            sum(1 for s in sentences if _PAST.search(s)) / len(sentences),
        ],
        dtype=np.float32,
    )
    return np.concatenate([vec[:384], share, title, open_, tense]).astype(np.float32)


class KindModel:
    def __init__(self, path: Path = MODEL_PATH) -> None:
        data = np.load(path, allow_pickle=False)
        self.classes = [str(c) for c in data["classes"]]
        self.model = str(data["model"])
        if tuple(str(f) for f in data["features"]) != DOC_FEATURES:
            raise ValueError(f"{path} was trained on other features; run scripts/train_reader.py")
        self.w, self.b = data["w"], data["b"]

    def probabilities(self, doc: ParsedDocument, unit_vectors: np.ndarray) -> dict[str, float]:
        logits = self.w @ document_features(doc, unit_vectors) + self.b
        p = np.exp(logits - logits.max())
        p /= p.sum()
        return {k: float(v) for k, v in zip(self.classes, p, strict=True)}


@cache
def kind_model() -> KindModel | None:
    return KindModel() if MODEL_PATH.exists() else None
