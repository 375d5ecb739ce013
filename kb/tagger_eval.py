"""Measure a tagger against hand-labelled units: precision and recall per pattern."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from kb.tagger import Tagger, make_tagger
from kb.taxonomy import pattern_ids


def evaluate(path: Path, tagger: Tagger | None = None) -> dict[str, Any]:
    tagger = tagger or make_tagger("cues")
    units = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    predicted = tagger.tag_texts([u["text"] for u in units])
    counts = {p: {"tp": 0, "fp": 0, "fn": 0} for p in pattern_ids()}
    mistakes = []
    for unit, tags in zip(units, predicted, strict=True):
        gold = set(unit["patterns"])
        got = {t.pattern for t in tags}
        for p in counts:
            if p in got and p in gold:
                counts[p]["tp"] += 1
            elif p in got:
                counts[p]["fp"] += 1
            elif p in gold:
                counts[p]["fn"] += 1
        if gold != got:
            mistakes.append({"id": unit["id"], "gold": sorted(gold), "got": sorted(got)})
    rows = {}
    for p, c in counts.items():
        precision = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 0.0
        recall = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 0.0
        rows[p] = {**c, "precision": round(precision, 3), "recall": round(recall, 3)}
    tp = sum(c["tp"] for c in counts.values())
    fp = sum(c["fp"] for c in counts.values())
    fn = sum(c["fn"] for c in counts.values())
    micro = {
        "precision": round(tp / (tp + fp), 3) if tp + fp else 0.0,
        "recall": round(tp / (tp + fn), 3) if tp + fn else 0.0,
    }
    return {
        "tagger": tagger.name,
        "units": len(units),
        "patterns": rows,
        "micro": micro,
        "mistakes": mistakes,
    }
