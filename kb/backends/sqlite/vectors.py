"""Vector search on SQLite: a FAISS file beside the database, kept in step with its vectors table."""

from __future__ import annotations

import threading
import warnings
from collections import OrderedDict
from contextlib import suppress
from typing import Any

import numpy as np

from kb.backends.base import EVERYWHERE, Filters, VectorHit, VectorScope
from kb.backends.sqlite.faiss_index import FaissIndex, IndexRebuilt, index_path_for
from kb.backends.sqlite.store import Change, SqliteStore, where_sql

MASKS_KEPT = 16


class FaissVectors:
    """Opens the FAISS file, repairs it against SQLite, and follows every committed write.

    Writes by this process arrive as `Change`s after their commit; writes by other processes are
    noticed through the store's write counter (`generation`) at the next `refresh()`.
    """

    def __init__(self, store: SqliteStore, *, model: str, dim: int) -> None:
        self.store = store
        self.path = index_path_for(store.path)
        self.model = model
        self.dim = dim
        self.dirty = False
        self._save_lock = threading.Lock()
        self._sync_lock = threading.RLock()
        self.generation = store.generation()  # the store's write count this index reflects
        self.seq = store.vector_change_seq()  # and the change log's last entry it reflects
        self._doc_of: np.ndarray | None = None  # vid -> rowid of its document, for filter masks
        # the masks of recent filters, valid while nothing is written (a page of searches under
        # one filter resolves it once: 100k units, 5k documents, 10 ms of the 27 a search took)
        self._masks: OrderedDict[tuple[Any, ...], np.ndarray] = OrderedDict()
        try:  # read once, whether it is used as it is or repaired
            saved: FaissIndex | ValueError = FaissIndex.load(
                self.path, model=self.model, dim=self.dim
            )
        except ValueError as exc:
            saved = exc
        self.index = self._unchanged(saved) or self._open_and_repair(saved)
        store.listeners.append(self._follow)

    def _unchanged(self, saved: FaissIndex | ValueError) -> FaissIndex | None:
        """The saved index when nothing was written since it was saved: the store's write count
        and its vectors' count and last id are what they were then. Opening compares no id sets
        then (0.1 s on 37k vectors, most of a cold search); anything else is repaired as before."""
        if isinstance(saved, ValueError) or saved.saved.get("generation") != self.generation:
            return None
        if saved.saved.get("extent") != list(self.store.vector_extent(self.model)):
            return None
        return saved

    def _open_and_repair(self, saved: FaissIndex | ValueError) -> FaissIndex:
        live, rowids = self.store.live_vectors(self.model)
        index = self._open(live, saved)
        self._doc_of = _doc_map(live, rowids)
        if not self.dirty and self.path.exists():  # the file was in step: note for what state
            with suppress(OSError):
                index.save_meta(self.path, state=self._state())
        return index

    def _state(self) -> dict[str, Any]:
        return {"generation": self.generation, "extent": list(self.store.vector_extent(self.model))}

    @property
    def doc_of(self) -> np.ndarray:
        """vid -> rowid of its document; read when a filtered search first needs it."""
        if self._doc_of is None:
            with self._sync_lock:
                if self._doc_of is None:
                    self._doc_of = _doc_map(*self.store.live_vectors(self.model))
        return self._doc_of

    @property
    def count(self) -> int:
        return self.index.count

    def empty(self) -> bool:
        return self.index.count == 0

    def ids(self) -> set[int]:
        return self.index.ids()

    # --- keeping in step -------------------------------------------------------------------
    def _open(self, live: np.ndarray, saved: FaissIndex | ValueError) -> FaissIndex:
        if isinstance(saved, ValueError):
            if not self.path.exists() and len(live) == 0:
                return FaissIndex(self.model, self.dim)  # a new store: nothing to warn about
            warnings.warn(f"rebuilding the vector index ({saved})", IndexRebuilt, stacklevel=5)
            return self._rebuild(live)
        self._sync(saved, live)
        return saved

    def _sync(self, index: FaissIndex, live: np.ndarray, *, quiet: bool = False) -> None:
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
                stacklevel=6,
            )
        index.remove(extra)
        index.add(missing, self.store.load_vectors(missing, self.dim))
        if hasattr(self, "index"):
            self._map(missing)
        self.dirty = True

    def _rebuild(self, live: np.ndarray | None = None) -> FaissIndex:
        live = self.store.live_vector_ids(self.model) if live is None else live
        index = FaissIndex(self.model, self.dim)
        for start in range(0, len(live), 20_000):
            chunk = live[start : start + 20_000]
            index.add(chunk, self.store.load_vectors(chunk, self.dim))
        self.dirty = True
        return index

    def rebuild(self) -> int:
        with self._sync_lock:
            self.seq = self.store.vector_change_seq()
            self.index = self._rebuild()
            self._map(self.store.live_vector_ids(self.model))
        self.save()
        return self.index.count

    def _catch_up(self) -> None:
        """Apply what the change log says changed since the index's last entry: each changed
        vector is dropped, and put back if it is live now (idempotent, so entries read twice
        or written meanwhile do no harm)."""
        with self._sync_lock:
            self.generation = self.store.generation()
            self.seq, changed, live, rowids = self.store.vector_changes_since(self.seq, self.model)
            if not len(changed):
                return
            self.index.remove(changed.tolist())
            self.index.add(live, self.store.load_vectors(live, self.dim))
            if self._doc_of is not None and len(live):
                self._place(live, rowids)
            self.dirty = True

    def refresh(self) -> None:
        """Pick up writes committed by another process (a second worker, a CLI ingest). Every
        search asks; the first to see a write catches up and the others waiting behind it find
        nothing left to do (each catching up again cost a 25k-vector server seconds under load)."""
        if self.store.generation() != self.generation:
            with self._sync_lock:
                if self.store.generation() != self.generation:
                    self._catch_up()

    def _follow(self, change: Change) -> None:
        """After one of our own commits; if anyone else wrote meanwhile, catch up with them too."""
        with self._sync_lock:
            if change.added and change.vectors is not None:
                ids = np.array(change.added, dtype=np.int64)
                self.index.add(ids, change.vectors)
                self._map(ids)
            if change.removed:
                self.index.remove(change.removed)
            self.dirty = True
            actual = self.store.generation()
            if change.resync or actual != self.generation + 1:
                self._catch_up()
            self.generation = actual

    def _map(self, vids: np.ndarray) -> None:
        if len(vids) == 0 or self._doc_of is None:  # not read yet: it will be read whole
            return
        pairs = self.store.vector_documents([int(v) for v in vids])
        if pairs:
            found = np.array(pairs, dtype=np.int64)
            self._place(found[:, 0], found[:, 1])

    def _place(self, vids: np.ndarray, rowids: np.ndarray) -> None:
        """Note each vid's document in doc_of, growing it as needed (a new array, so a search
        holding the old one reads a consistent map)."""
        assert self._doc_of is not None
        doc_of = self._doc_of
        top = int(vids.max())
        if top >= len(doc_of):
            grown = np.zeros(max(top + 1, 2 * len(doc_of)), dtype=np.int64)
            grown[: len(doc_of)] = doc_of
            doc_of = grown
        else:
            doc_of = doc_of.copy()
        doc_of[vids] = rowids
        self._doc_of = doc_of

    def save(self) -> None:
        """Write the cache file; skipped when nothing changed (a stale file is repaired on open)."""
        with self._save_lock, self._sync_lock:  # the index and the write count it reflects
            if self.dirty:
                self.dirty = False
                self.index.save(self.path, state=self._state())

    # --- search ----------------------------------------------------------------------------
    def _allowed(self, filters: Filters, scope: VectorScope) -> np.ndarray | None:
        """The vids a search may return, or None for all of them."""
        if scope.target == "any" and not filters.active and not filters.include_superseded:
            return None
        if scope.target == "any" and not scope.exclude_document:
            # filters resolved to documents, then to a mask over vids (cheap for large sets)
            doc_of = self.doc_of
            key = (self.store.generation(), id(doc_of), filters)
            mask = self._masks.get(key)
            if mask is None:
                where, params = where_sql(filters)
                rows = self.store.conn.execute(
                    f"SELECT d.rowid FROM documents d WHERE {where}", params
                ).fetchall()
                mask = np.isin(doc_of, np.array([r[0] for r in rows], dtype=np.int64))
                with self._sync_lock:
                    self._masks[key] = mask
                    while len(self._masks) > MASKS_KEPT:
                        self._masks.popitem(last=False)
            return mask
        where, params = where_sql(filters)
        clauses = [where, "v.model = ?"]
        params.append(self.model)
        join = ""
        if scope.target != "any":
            clauses.append("v.kind = ?")
            params.append(scope.target)
        if scope.unit_kinds:
            join = " JOIN units u ON u.id = v.ref_id"
            clauses.append(f"u.kind IN ({', '.join('?' for _ in scope.unit_kinds)})")
            params += list(scope.unit_kinds)
        if scope.exclude_document:
            clauses.append("d.id != ?")
            params.append(scope.exclude_document)
        rows = self.store.conn.execute(
            f"SELECT v.vid FROM vectors v{join} JOIN documents d ON d.id = v.document_id "
            f"WHERE {' AND '.join(clauses)}",
            params,
        ).fetchall()
        return np.array([r[0] for r in rows], dtype=np.int64)

    def search(
        self, vector: np.ndarray, n: int, filters: Filters, scope: VectorScope = EVERYWHERE
    ) -> list[VectorHit]:
        if self.index.count == 0:
            return []
        allowed = self._allowed(filters, scope)
        if allowed is not None and not len(allowed):
            return []
        ids, _ = self.index.search(vector, n, allowed)
        targets = self.store.vector_targets([int(i) for i in ids])
        # the index holds 16-bit floats: the similarities are taken again from the database's
        # 32-bit vectors, read in the same query as the refs, so they are exact
        found = [targets[vid] for vid in ids.tolist() if vid in targets]
        if not found:  # all gone from the database since the index was read
            return []
        exact = np.frombuffer(b"".join(blob for _, blob in found), dtype=np.float32).reshape(
            len(found), -1
        ) @ np.asarray(vector, dtype=np.float32)
        order = np.argsort(-exact, kind="stable")
        return [VectorHit(found[i][0], float(exact[i])) for i in order]


def _doc_map(live: np.ndarray, rowids: np.ndarray) -> np.ndarray:
    """vid -> rowid of its document (0: no live vector)."""
    doc_of = np.zeros(int(live.max()) + 1 if len(live) else 1, dtype=np.int64)
    doc_of[live] = rowids
    return doc_of
