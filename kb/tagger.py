"""Tag text with the failure patterns it shows, keeping the sentence that shows each.

Two taggers, used together by default: cue phrases (regular expressions held in the taxonomy; precise,
no model) and a semantic tagger (a ridge classifier over sentence embeddings, trained on the
hand-labelled exemplars in kb/data/pattern-exemplars.jsonl; catches paraphrases).
"""

from __future__ import annotations

import json
import re
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Protocol

import numpy as np

from kb.records import ParsedDocument, PatternTag
from kb.taxonomy import pattern_ids, patterns

if TYPE_CHECKING:
    from kb.embeddings import Embedder

_SENTENCE = re.compile(r"(?<=[.!?])[\"'”)]?\s+(?=[A-Z0-9\"'“(])|\n+")
_SKIP_KINDS = ("prompt", "config")
_WORD = re.compile(r"[a-z][a-z-]+")
_SEMANTIC_KINDS = (
    "root_cause",
    "lesson",
    "constraint",
    "risk",
    "recommendation",
    "decision",
    "summary",
    "impact",
    "context",
    "other",
)
# Semantic tags need this much more than the cross-validated threshold: real documents are mostly
# neutral text, unlike the pattern-dense exemplars. Chosen on corpus/labelled/document-patterns.json.
SEMANTIC_MARGIN = 0.3
# What a passage's role says about how readily it shows a failure: a root cause says what went
# wrong, so a weaker semantic match will do (chosen on writers a and b of corpus/reading).
# Below the usual margin only the passage's best-scoring pattern is taken.
ROLE_MARGIN = {"root_cause": -0.15}
# Lessons, recommendations, criteria, KPIs and timelines say what to do or what was measured:
# "a lesson about curated data is not a failure", so they carry no failure tags.
_NOT_FAILURES = ("lesson", "recommendation", "criteria", "kpi", "timeline")
# A document shows a pattern when a cue phrase says so, or when this many units do semantically.
DOCUMENT_SEMANTIC_UNITS = 2


def split_sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.split(text) if s and s.strip()]


class Tagger(Protocol):
    name: str

    def tag_texts(
        self, texts: list[str], vectors: np.ndarray | None = None
    ) -> list[list[PatternTag]]: ...


def tag_text(text: str) -> list[PatternTag]:
    """Cue tags: one per pattern, with the first sentence whose cue matches and no guard does."""
    tags: list[PatternTag] = []
    sentences = split_sentences(text)
    for pattern in patterns():
        if pattern.any_cue is None or not pattern.any_cue.search(text):
            continue
        for sentence in sentences:
            if pattern.any_guard is not None and pattern.any_guard.search(sentence):
                continue
            if not pattern.any_cue.search(sentence):
                continue
            cue = next((c for c in pattern.cues if c.search(sentence)), None)
            if cue is not None:
                tags.append(PatternTag(pattern.id, sentence[:500], "cue: " + cue.pattern[:80]))
                break
    return tags


class CueTagger:
    name = "cues"

    def tag_texts(
        self, texts: list[str], vectors: np.ndarray | None = None
    ) -> list[list[PatternTag]]:
        return [tag_text(t) for t in texts]


def load_exemplars() -> list[dict[str, object]]:
    raw = resources.files("kb").joinpath("data/pattern-exemplars.jsonl").read_text("utf-8")
    units = [json.loads(line) for line in raw.splitlines() if line.strip()]
    for p in patterns():  # the taxonomy's own definition and examples count as exemplars too
        units += [{"text": t, "patterns": [p.id]} for t in (p.definition, *p.examples)]
    return units


def _ridge(x: np.ndarray, y: np.ndarray, alpha: float) -> np.ndarray:
    xb = np.hstack([x, np.ones((len(x), 1), dtype=x.dtype)])
    gram = xb.T @ xb + alpha * np.eye(xb.shape[1], dtype=x.dtype)
    return np.linalg.solve(gram, xb.T @ y)


def _predict(w: np.ndarray, x: np.ndarray) -> np.ndarray:
    return np.hstack([x, np.ones((len(x), 1), dtype=x.dtype)]) @ w


class SemanticTagger:
    """Ridge one-vs-rest over embeddings; thresholds per pattern chosen by cross-validated F1."""

    name = "semantic"

    def __init__(
        self,
        embedder: Embedder,
        *,
        alpha: float = 3.0,
        folds: int = 5,
        margin: float = SEMANTIC_MARGIN,
    ) -> None:
        self.embedder = embedder
        self.margin = margin
        self.ids = pattern_ids()
        units = load_exemplars()
        x = embedder.embed([str(u["text"]) for u in units])
        y = np.array(
            [[1.0 if p in u["patterns"] else -1.0 for p in self.ids] for u in units],  # type: ignore[operator]
            dtype=np.float32,
        )
        self.weights = _ridge(x, y, alpha)
        self.thresholds = self._cross_validated_thresholds(x, y, alpha, folds)
        self.profiles = self._word_profiles([str(u["text"]) for u in units], y > 0)

    def _word_profiles(self, texts: list[str], gold: np.ndarray) -> list[dict[str, float]]:
        """Words typical of each pattern's exemplars: to pick the evidence sentence without embedding."""
        words = [set(_WORD.findall(t.lower())) for t in texts]
        overall: dict[str, int] = {}
        for ws in words:
            for w in ws:
                overall[w] = overall.get(w, 0) + 1
        profiles = []
        for j in range(gold.shape[1]):
            counts: dict[str, int] = {}
            for ws, positive in zip(words, gold[:, j], strict=True):
                if positive:
                    for w in ws:
                        counts[w] = counts.get(w, 0) + 1
            profiles.append({w: c / overall[w] for w, c in counts.items() if c >= 2 and len(w) > 3})
        return profiles

    def _lexical_score(self, sentence: str, j: int) -> float:
        return sum(self.profiles[j].get(w, 0.0) for w in set(_WORD.findall(sentence.lower())))

    def _cross_validated_thresholds(
        self, x: np.ndarray, y: np.ndarray, alpha: float, folds: int
    ) -> np.ndarray:
        order = np.arange(len(x)) % folds
        scores = np.zeros_like(y)
        for fold in range(folds):
            test = order == fold
            scores[test] = _predict(_ridge(x[~test], y[~test], alpha), x[test])
        thresholds = np.zeros(len(self.ids), dtype=np.float32)
        for j in range(len(self.ids)):
            best, best_f1 = 0.0, -1.0
            gold = y[:, j] > 0
            for t in np.linspace(-0.6, 0.6, 49):
                pred = scores[:, j] >= t
                tp = float((pred & gold).sum())
                f1 = 2 * tp / (pred.sum() + gold.sum()) if pred.sum() + gold.sum() else 0.0
                if f1 > best_f1:
                    best, best_f1 = float(t), f1
            thresholds[j] = best
        return thresholds

    def scores(self, texts: list[str], vectors: np.ndarray | None = None) -> np.ndarray:
        """Scores per pattern; vectors made by the same embedder are reused instead of embedding again."""
        if vectors is None or len(vectors) != len(texts):
            vectors = self.embedder.embed(texts)
        return _predict(self.weights, vectors)

    def tag_texts(
        self,
        texts: list[str],
        vectors: np.ndarray | None = None,
        margins: list[float] | None = None,
    ) -> list[list[PatternTag]]:
        """`margins`, one per text, replace the default margin (the reading layer's roles)."""
        if not texts:
            return []
        scores = self.scores(texts, vectors)
        extra = margins if margins is not None else [self.margin] * len(texts)
        hits = []
        for row, m in zip(scores, extra, strict=True):
            found = [j for j in range(len(self.ids)) if row[j] >= self.thresholds[j] + self.margin]
            weak = []
            if m < self.margin:  # a passage that says what went wrong: its best pattern, if near
                best = int(np.argmax(row - self.thresholds))
                if row[best] >= self.thresholds[best] + m and best not in found:
                    weak.append(best)
            hits.append((found, weak))
        out: list[list[PatternTag]] = []
        for text, (found, weak), row in zip(texts, hits, scores, strict=True):
            tags = []
            sentences = split_sentences(text) or [text]
            for j in found + weak:
                lexical = [self._lexical_score(sent, j) for sent in sentences]
                evidence = sentences[lexical.index(max(lexical))]
                how = "semantic" if j in found else "semantic, by role"
                tags.append(PatternTag(self.ids[j], evidence[:500], f"{how}: {row[j]:.2f}"))
            out.append(tags)
        return out


class HybridTagger:
    """Cue tags first (their evidence is exact), then semantic tags for patterns the cues missed."""

    name = "hybrid"

    def __init__(self, embedder: Embedder) -> None:
        self.cues = CueTagger()
        self.semantic = semantic_tagger(embedder)

    def tag_texts(
        self,
        texts: list[str],
        vectors: np.ndarray | None = None,
        margins: list[float] | None = None,
    ) -> list[list[PatternTag]]:
        out = []
        semantic = self.semantic.tag_texts(texts, vectors, margins)
        for cue_tags, sem_tags in zip(self.cues.tag_texts(texts), semantic, strict=True):
            seen = {t.pattern for t in cue_tags}
            out.append(cue_tags + [t for t in sem_tags if t.pattern not in seen])
        return out


_SEMANTIC: dict[str, SemanticTagger] = {}


def semantic_tagger(embedder: Embedder) -> SemanticTagger:
    """One trained tagger per embedder model per process: training embeds the exemplars once."""
    if embedder.name not in _SEMANTIC:
        _SEMANTIC[embedder.name] = SemanticTagger(embedder)
    return _SEMANTIC[embedder.name]


@cache
def _cue_tagger() -> CueTagger:
    return CueTagger()


def make_tagger(name: str, embedder_factory: object = None) -> Tagger:
    if name == "cues":
        return _cue_tagger()
    if name in ("hybrid", "semantic"):
        from kb.config import Settings
        from kb.embeddings import make_embedder

        embedder = (
            embedder_factory()
            if callable(embedder_factory)
            else make_embedder("onnx", cache_dir=Settings().model_cache)
        )

        return HybridTagger(embedder) if name == "hybrid" else semantic_tagger(embedder)
    raise ValueError(f"unknown tagger {name!r}; valid: cues, semantic, hybrid")


_NOT_REPORTS = ("handoff", "charter")  # document kinds that report no failure of their own


def tag_document(
    doc: ParsedDocument, tagger: Tagger | None = None, *, vectors: np.ndarray | None = None
) -> None:
    """Tag each unit; the document shows a pattern that a cue finds, or that several units show.

    `vectors`, one per unit of the document from the same embedder, are reused when given.
    """
    tagger = tagger or _cue_tagger()
    for unit in doc.units:
        unit.patterns = []
    keep = [i for i, u in enumerate(doc.units) if u.kind not in _SKIP_KINDS + _NOT_FAILURES]
    units = [doc.units[i] for i in keep]
    unit_vectors = vectors[keep] if vectors is not None and len(vectors) == len(doc.units) else None
    texts = [u.text for u in units]
    semantic_ok = [u.kind in _SEMANTIC_KINDS for u in units]
    margins = [ROLE_MARGIN.get(u.kind, SEMANTIC_MARGIN) for u in units]
    found = (
        tagger.tag_texts(texts, unit_vectors, margins)  # type: ignore[call-arg]
        if isinstance(tagger, HybridTagger | SemanticTagger)
        else tagger.tag_texts(texts, unit_vectors)
    )
    for unit, tags, ok in zip(units, found, semantic_ok, strict=True):
        unit.patterns = [t for t in tags if ok or not t.cue.startswith("semantic")]
        if doc.kind in _NOT_REPORTS:
            # a handover or charter names risks to watch, not failures that happened:
            # it shows a pattern only when a cue finds it in a passage that gives a cause
            cause = unit.kind == "root_cause"
            unit.patterns = [t for t in unit.patterns if cause and not t.cue.startswith("semantic")]
    cue_first: dict[str, PatternTag] = {}
    semantic: dict[str, list[PatternTag]] = {}
    for unit in units:
        for tag in unit.patterns:
            if tag.cue.startswith("semantic, by role"):
                continue  # shown on the passage; too weak alone to say the document shows it
            if tag.cue.startswith("semantic"):
                semantic.setdefault(tag.pattern, []).append(tag)
            else:
                cue_first.setdefault(tag.pattern, tag)
    shown = dict(cue_first)
    for pattern, tags in semantic.items():
        if pattern not in shown and len(tags) >= DOCUMENT_SEMANTIC_UNITS:
            shown[pattern] = tags[0]
    doc.patterns = list(shown.values())
