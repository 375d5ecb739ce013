"""The passage-role classifier: a linear model over the unit's MiniLM vector and its features.

Trained by `python scripts/train_reader.py` (scikit-learn, dev only); at run time it is a matrix
product in numpy over the vectors ingest has already computed, so reading costs no second model pass.
"""

from __future__ import annotations

import threading
from functools import cache
from pathlib import Path

import numpy as np

from kb.reading.features import FEATURES, passage_features, section_means
from kb.records import Unit

MODEL_PATH = Path(__file__).resolve().parent.parent / "data" / "reader-roles.npz"
_lock = threading.Lock()


class RoleModel:
    """Two heads: one with the vectors (when the embedder is the one it was trained with), one
    over the features alone (any other embedder, e.g. the hashing stand-in of the unit tests)."""

    def __init__(self, path: Path = MODEL_PATH) -> None:
        data = np.load(path, allow_pickle=False)
        self.classes = [str(c) for c in data["classes"]]
        self.model = str(data["model"])
        self.features = tuple(str(f) for f in data["features"])
        if self.features != FEATURES:
            raise ValueError(f"{path} was trained on other features; run scripts/train_reader.py")
        self.scale = float(data["scale"])
        self.w_full, self.b_full = data["w_full"], data["b_full"]
        self.w_feat, self.b_feat = data["w_feat"], data["b_feat"]

    def probabilities(
        self, units: list[Unit], vectors: np.ndarray | None, *, model: str | None
    ) -> np.ndarray:
        """(len(units), len(classes)) probabilities."""
        if not units:
            return np.zeros((0, len(self.classes)), dtype=np.float32)
        feats = np.stack([passage_features(u) for u in units])
        if vectors is not None and model == self.model and len(vectors) == len(units):
            vectors = np.asarray(vectors, dtype=np.float32)
            sections = section_means(units, vectors)
            x = np.hstack([vectors * self.scale, sections * self.scale, feats])
            logits = x @ self.w_full.T + self.b_full
        else:
            logits = feats @ self.w_feat.T + self.b_feat
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        return p / p.sum(axis=1, keepdims=True)  # type: ignore[no-any-return]


@cache
def role_model() -> RoleModel | None:
    """The shipped model, or None before one has been trained."""
    with _lock:
        return RoleModel() if MODEL_PATH.exists() else None
