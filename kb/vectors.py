"""What gets embedded: a unit with its context, a document as one text, and the stored bytes."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from kb.records import ParsedDocument, Unit


def unit_input(title: str, unit: Unit | dict[str, Any]) -> str:
    """A unit with its context: the document title and the section it stands in."""
    section = unit.section if not isinstance(unit, dict) else unit["section"]
    text = unit.text if not isinstance(unit, dict) else unit["text"]
    parts = [p for p in section.split(" > ") if p and p != title and p != "(preamble)"]
    where = " > ".join(parts)
    return f"{title} | {where}: {text}" if where else f"{title}: {text}"


def document_input(doc: ParsedDocument | dict[str, Any]) -> str:
    """A document as one text: title, summary, and the facts a searcher might name."""
    if isinstance(doc, dict):
        values = {
            k: doc.get(k) for k in ("title", "summary", "department", "phase_reached", "outcome")
        }
    else:
        values = {
            "title": doc.title,
            **{
                k: doc.field_value(k) for k in ("summary", "department", "phase_reached", "outcome")
            },
        }
    bits = [str(values["title"]), str(values["summary"] or "")]
    for name in ("department", "phase_reached", "outcome"):
        if values[name]:
            bits.append(f"{name.replace('_', ' ')}: {values[name]}")
    return "\n".join(b for b in bits if b)


def to_blob(vector: np.ndarray) -> bytes:
    return np.ascontiguousarray(vector, dtype=np.float32).tobytes()


class VectorCache:
    """Vectors of texts embedded lately, so a text asked for again is not embedded again; the
    texts missing are embedded in one call. Thread-safe; past `size` the oldest go first."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._vectors: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, embedder: Any, texts: list[str]) -> np.ndarray:
        """(len(texts), dim) vectors, in the order of the texts."""
        model = embedder.name
        found: dict[str, np.ndarray] = {}
        with self._lock:
            for text in dict.fromkeys(texts):
                vector = self._vectors.get((model, text))
                if vector is not None:
                    self._vectors.move_to_end((model, text))
                    found[text] = vector
        missing = [t for t in dict.fromkeys(texts) if t not in found]
        if missing:
            fresh = embedder.embed(missing)
            with self._lock:
                for text, vector in zip(missing, fresh, strict=True):
                    found[text] = self._vectors[(model, text)] = np.asarray(vector, np.float32)
                while len(self._vectors) > self.size:
                    self._vectors.popitem(last=False)
        if not texts:
            return np.zeros((0, embedder.dim), dtype=np.float32)
        return np.stack([found[t] for t in texts])
