"""What gets embedded, and the FAISS index kept in step with the vectors in SQLite."""

from __future__ import annotations

import threading
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from kb.index import FaissIndex, IndexRebuilt, VectorIndex, index_path_for

if TYPE_CHECKING:
    from kb.records import ParsedDocument, Unit
    from kb.store.sqlite import SqliteStore


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


class IndexKeeper:
    """Opens the FAISS file, repairs it against SQLite, and applies adds and removes after commits."""

    def __init__(self, store: SqliteStore, db_path: Path, *, model: str, dim: int) -> None:
        self.store = store
        self.path = index_path_for(db_path)
        self.model = model
        self.dim = dim
        self.dirty = False
        self._save_lock = threading.Lock()
        self.generation = store.generation()
        # the store's write count this index reflects
        self.doc_of = np.zeros(1, dtype=np.int64)  # vid -> rowid of its document, for filter masks
        self.index: VectorIndex = self._open()
        self._map(self.store.live_vector_ids(self.model))

    def _open(self) -> VectorIndex:
        live = self.store.live_vector_ids(self.model)
        try:
            index: VectorIndex = FaissIndex.load(self.path, model=self.model, dim=self.dim)
        except ValueError as exc:
            if not self.path.exists() and len(live) == 0:
                return FaissIndex(self.model, self.dim)  # a new store: nothing to warn about
            warnings.warn(f"rebuilding the vector index ({exc})", IndexRebuilt, stacklevel=4)
            return self._rebuild(live)
        self._sync(index, live)
        return index

    def _sync(self, index: VectorIndex, live: np.ndarray, *, quiet: bool = False) -> None:
        """Bring the index in step with the database: add what is missing, drop what is gone."""
        have = index.ids()
        want = set(live.tolist())
        if have == want:
            return
        missing = np.array(sorted(want - have), dtype=np.int64)
        extra = have - want
        if not quiet:
            warnings.warn(
                f"vector index out of step with the database ({len(missing)} missing, "
                f"{len(extra)} stale); updating it",
                IndexRebuilt,
                stacklevel=5,
            )
        index.remove(extra)
        index.add(missing, self.store.load_vectors(missing, self.dim))
        if hasattr(self, "index"):
            self._map(missing)
        self.dirty = True

    def _rebuild(self, live: np.ndarray | None = None) -> VectorIndex:
        live = self.store.live_vector_ids(self.model) if live is None else live
        index = FaissIndex(self.model, self.dim)
        for start in range(0, len(live), 20_000):
            chunk = live[start : start + 20_000]
            index.add(chunk, self.store.load_vectors(chunk, self.dim))
        self.dirty = True
        return index

    def rebuild(self) -> int:
        self.index = self._rebuild()
        self.save()
        return self.index.count

    def refresh(self, *, quiet: bool = False) -> None:
        """Pick up writes made elsewhere (another worker, another CLI run) or by a bulk change here."""
        self.generation = self.store.generation()
        self._sync(self.index, self.store.live_vector_ids(self.model), quiet=quiet)

    def committed(self, writes: int = 1) -> None:
        """After our own commit: if anyone else wrote meanwhile, catch up with them too."""
        actual = self.store.generation()
        if actual != self.generation + writes:
            self.refresh(quiet=True)
        self.generation = actual

    def add(self, vids: list[int], vectors: np.ndarray) -> None:
        ids = np.array(vids, dtype=np.int64)
        self.index.add(ids, vectors)
        self._map(ids)
        self.dirty = True

    def _map(self, vids: np.ndarray) -> None:
        if len(vids) == 0:
            return
        top = int(vids.max())
        if top >= len(self.doc_of):
            grown = np.zeros(max(top + 1, 2 * len(self.doc_of)), dtype=np.int64)
            grown[: len(self.doc_of)] = self.doc_of
            self.doc_of = grown
        for vid, rowid in self.store.vector_documents([int(v) for v in vids]):
            self.doc_of[vid] = rowid

    def allowed(self, document_rowids: list[int]) -> np.ndarray:
        """A mask over vids: those whose document is in the list (filters resolved to documents)."""
        return np.isin(self.doc_of, np.array(document_rowids, dtype=np.int64))

    def remove(self, vids: list[int]) -> None:
        self.index.remove(vids)
        self.dirty = True

    def save(self) -> None:
        """Write the cache file; skipped when nothing changed (a stale file is repaired on open)."""
        with self._save_lock:
            if self.dirty:
                self.dirty = False
                self.index.save(self.path)
