"""The FAISS index: a cache of the vectors held in SQLite, rebuilt whenever it disagrees."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np


class IndexRebuilt(UserWarning):
    """The FAISS file was missing, corrupt, from another model, or out of step with the database."""


LAYOUT = "fp16"  # recorded beside the file: an index of another layout is rebuilt


class FaissIndex:
    """Inner product over normalised vectors (cosine similarity), with the SQLite vids as ids.

    The vectors are held as 16-bit floats: the scan reads half the memory (100k vectors: 8.6 ->
    5.6 ms), the file is half the size, and a similarity moves by about 1e-4 (the database keeps
    the 32-bit vectors; this is a cache)."""

    def __init__(self, model: str, dim: int) -> None:
        import faiss

        self.model = model
        self.dim = dim
        self.index = faiss.IndexIDMap2(
            faiss.IndexScalarQuantizer(
                dim, faiss.ScalarQuantizer.QT_fp16, faiss.METRIC_INNER_PRODUCT
            )
        )
        self.saved: dict[str, Any] = {}  # the metadata the file was saved with
        # FAISS may reallocate its storage on add/remove: no search may run meanwhile
        self.lock = threading.Lock()

    @property
    def count(self) -> int:
        return int(self.index.ntotal)

    def ids(self) -> set[int]:
        import faiss

        with self.lock:
            return set(faiss.vector_to_array(self.index.id_map).tolist()) if self.count else set()

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        if len(ids):
            with self.lock:
                self.index.add_with_ids(
                    np.ascontiguousarray(vectors, dtype=np.float32), ids.astype(np.int64)
                )

    def remove(self, ids: Iterable[int]) -> None:
        wanted = np.fromiter(ids, dtype=np.int64)
        if len(wanted):
            with self.lock:
                self.index.remove_ids(wanted)  # type: ignore[arg-type]

    def search(
        self, query: np.ndarray, k: int, allowed: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top-k ids and similarities; `allowed` restricts the search itself (filters before ranking)."""
        import faiss

        if self.count == 0 or k <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        q = np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32)
        params = None
        if allowed is not None:
            if (
                allowed.dtype == np.bool_
            ):  # a mask over vids: the cheap form for large candidate sets
                n_allowed = int(allowed.sum())
                bitmap = np.packbits(allowed, bitorder="little")
                selector: Any = faiss.IDSelectorBitmap(len(allowed), faiss.swig_ptr(bitmap))

            else:
                n_allowed = len(allowed)
                selector = faiss.IDSelectorBatch(allowed.astype(np.int64))
            if n_allowed == 0:
                return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
            params = faiss.SearchParameters(sel=selector)  # type: ignore[call-arg]
            k = min(k, n_allowed)
        # OpenMP's thread count is each thread's own: a server's request threads would search on
        # every core and spin after it (measured: 8.6 -> 3.2 ms and 33 -> 19 ms of CPU a request)
        faiss.omp_set_num_threads(search_threads())
        with self.lock:
            scores, ids = self.index.search(q, min(k, self.count), params=params)

        keep = ids[0] >= 0
        return ids[0][keep], scores[0][keep]

    def save(self, path: Path, *, state: dict[str, Any] | None = None) -> None:
        """Write the index and, beside it, what it was built for and `state`: what the store
        held when it was saved (so an unchanged store is opened without comparing every id)."""
        import faiss

        tmp = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        with self.lock:
            faiss.write_index(self.index, str(tmp))
        os.replace(tmp, path)
        self.save_meta(path, state=state)

    def save_meta(self, path: Path, *, state: dict[str, Any] | None = None) -> None:
        """Only the metadata beside an index file that is already what this index holds."""
        meta = {
            "model": self.model,
            "dim": self.dim,
            "layout": LAYOUT,
            "count": self.count,
            **(state or {}),
        }
        meta_tmp = _meta_path(path).with_name(
            f"{_meta_path(path).name}.{os.getpid()}.{threading.get_ident()}.tmp"
        )
        meta_tmp.write_text(json.dumps(meta))
        os.replace(meta_tmp, _meta_path(path))
        self.saved = meta

    @classmethod
    def load(cls, path: Path, *, model: str, dim: int) -> FaissIndex:
        """Read the file; ValueError says why it cannot be used."""
        import faiss

        if not path.exists():
            raise ValueError("index file is missing")
        try:
            meta = json.loads(_meta_path(path).read_text())
        except (OSError, json.JSONDecodeError) as exc:
            raise ValueError(f"index metadata unreadable ({exc})") from None
        if meta.get("model") != model or meta.get("dim") != dim:
            raise ValueError(
                f"index was built by {meta.get('model')} ({meta.get('dim')} dims), not {model}"
            )
        if meta.get("layout") != LAYOUT:
            raise ValueError(f"index is in an older layout ({meta.get('layout', 'float32')})")
        try:
            raw = faiss.read_index(str(path))
        except RuntimeError as exc:
            raise ValueError(f"index file is corrupt ({str(exc).splitlines()[0][:120]})") from None
        if raw.d != dim:
            raise ValueError(f"index has {raw.d} dimensions, expected {dim}")
        index = cls(model, dim)
        index.saved = meta
        index.index = faiss.downcast_index(raw) if not isinstance(raw, faiss.IndexIDMap2) else raw  # type: ignore[assignment]
        if not isinstance(index.index, faiss.IndexIDMap2) or not isinstance(
            faiss.downcast_index(index.index.index), faiss.IndexScalarQuantizer
        ):
            raise ValueError("index file is not an id-mapped fp16 index")
        return index


def search_threads() -> int:
    """Threads one search uses: one by default, since single queries on a small machine are
    faster on one thread (measured 2.5-3x on 2 cores); KB_FAISS_THREADS sets another number."""
    return int(os.environ.get("KB_FAISS_THREADS", "1"))


def _meta_path(path: Path) -> Path:
    return path.with_name(path.name + ".json")


def index_path_for(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".faiss")
