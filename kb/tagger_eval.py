"""Measure a tagger against hand-labelled units: precision and recall per pattern."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from kb.tagger import Tagger, make_tagger
from kb.taxonomy import pattern_ids


def evaluate(path: Path, tagger: Tagger | None = None) -> dict[str, Any]:
    """Units in a JSONL file ({"id", "text", "patterns"}), or documents named in a JSON gold file."""
    tagger = tagger or make_tagger("cues")
    if path.suffix == ".json":
        return _evaluate_documents(path, tagger)
    units = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    predicted = tagger.tag_texts([u["text"] for u in units])
    pairs: list[tuple[str, set[str], set[str], set[str]]] = [
        (u["id"], set(u["patterns"]), set(), {t.pattern for t in tags})
        for u, tags in zip(units, predicted, strict=True)
    ]
    return _score(tagger.name, pairs)


def _evaluate_documents(path: Path, tagger: Tagger) -> dict[str, Any]:
    """Document level: the patterns a document shows, against its author's list; near misses ignored."""
    import ingest
    from kb.tagger import tag_document

    gold = json.loads(path.read_text("utf-8"))
    folder = path.parent / gold.pop("_folder", ".")
    gold.pop("_about", None)
    pairs = []
    for name, entry in gold.items():
        doc = ingest.parse_document((folder / name).read_bytes(), source=name)[0]
        tag_document(doc, tagger)
        pairs.append(
            (
                name,
                set(entry["shown"]),
                set(entry.get("near_miss", [])),
                {t.pattern for t in doc.patterns},
            )
        )
    return _score(tagger.name, pairs)


def _score(name: str, pairs: list[tuple[str, set[str], set[str], set[str]]]) -> dict[str, Any]:
    counts = {p: {"tp": 0, "fp": 0, "fn": 0} for p in pattern_ids()}
    mistakes = []
    for item_id, gold, ignored, got in pairs:
        for p in counts:
            if p in ignored:
                continue
            if p in got and p in gold:
                counts[p]["tp"] += 1
            elif p in got:
                counts[p]["fp"] += 1
            elif p in gold:
                counts[p]["fn"] += 1
        if gold != got - ignored:
            mistakes.append({"id": item_id, "gold": sorted(gold), "got": sorted(got)})
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
        "tagger": name,
        "units": len(pairs),
        "patterns": rows,
        "micro": micro,
        "mistakes": mistakes,
    }
