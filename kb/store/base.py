"""The storage protocol the KnowledgeBase depends on."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol

import numpy as np


class Store(Protocol):
    def find_by_hash(self, content_hash: str) -> dict[str, Any] | None: ...

    def current_version_at(self, source_key: str) -> dict[str, Any] | None: ...

    def insert_document(
        self,
        document: dict[str, Any],
        units: list[dict[str, Any]],
        tags: list[dict[str, Any]],
        facets: list[tuple[str, str]],
        *,
        supersedes: str | None = None,
        vectors: list[dict[str, Any]] | None = None,
    ) -> list[int]: ...

    def delete_document(self, document_id: str) -> bool: ...

    def get_document(self, document_id: str) -> dict[str, Any] | None: ...

    def units_of(self, document_id: str) -> list[dict[str, Any]]: ...

    def tags_of(self, document_id: str) -> list[dict[str, Any]]: ...

    def list_documents(
        self,
        *,
        filters: dict[str, list[str]],
        include_superseded: bool,
        limit: int | None,
        offset: int = 0,
    ) -> list[dict[str, Any]]: ...

    def facet_counts(self, *, include_superseded: bool = False) -> dict[str, dict[str, int]]: ...

    def facet_values(self, facet: str) -> list[str]: ...

    def iter_documents(self) -> Iterator[dict[str, Any]]: ...

    def count(self, table: str) -> int: ...

    def live_vector_ids(self, model: str) -> np.ndarray: ...

    def load_vectors(self, vids: np.ndarray, dim: int) -> np.ndarray: ...

    def vector_ids_of(self, document_id: str) -> list[int]: ...

    def vector_targets(self, vids: list[int]) -> dict[int, tuple[str, str]]: ...

    def vector_documents(self, vids: list[int]) -> list[tuple[int, int]]: ...

    def vector_of(self, kind: str, ref_id: str, model: str) -> tuple[int, np.ndarray] | None: ...
