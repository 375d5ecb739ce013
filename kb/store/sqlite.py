"""The SQLite store, through sqlite-utils; one document is written in one transaction."""

from __future__ import annotations

import json
import re
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
from sqlite_utils import Database

from kb.store import migrations

FACETS = ("kind", "phase", "outcome", "department", "technique", "pattern")
_JSON_COLUMNS = ("fields", "warnings")


def _decode(row: dict[str, Any]) -> dict[str, Any]:
    for column in _JSON_COLUMNS:
        if column in row and isinstance(row[column], str):
            row[column] = json.loads(row[column])
    return row


class SqliteStore:
    """Records in a SQLite file; FTS5 tables are kept in step by triggers."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._guard = threading.Lock()
        migrations.apply(self.db)

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(str(self.path), isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA busy_timeout = 10000")
        if str(self.path) != ":memory:":
            conn.execute("PRAGMA journal_mode = WAL")
        with self._guard:
            self._all.append(conn)
        return conn

    @property
    def conn(self) -> sqlite3.Connection:
        """This thread's connection: readers never see another thread's uncommitted writes (WAL)."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = self._connect()
        return conn

    @property
    def db(self) -> Database:
        database = getattr(self._local, "db", None)
        if database is None:
            database = self._local.db = Database(self.conn)
        return database

    def close(self) -> None:
        with self._guard:
            for conn in self._all:
                conn.close()
            self._all.clear()
        self._local = threading.local()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All or nothing: an exception, even KeyboardInterrupt, rolls everything back."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    # --- writes ------------------------------------------------------------------------
    def insert_document(
        self,
        document: dict[str, Any],
        units: list[dict[str, Any]],
        tags: list[dict[str, Any]],
        facets: list[tuple[str, str]],
        *,
        supersedes: str | None = None,
        vectors: list[dict[str, Any]] | None = None,
    ) -> list[int]:
        """Write a document whole; returns the vids of its vectors, in the order given."""
        row = {k: (json.dumps(v) if k in _JSON_COLUMNS else v) for k, v in document.items()}
        vids: list[int] = []
        with self.transaction():
            self._insert("documents", row)
            for unit in units:
                self._insert("units", unit)
            for tag in tags:
                self._insert("pattern_tags", tag)
            for facet, value in sorted(set(facets)):
                self._insert(
                    "facets", {"document_id": document["id"], "facet": facet, "value": value}
                )
            for vector in vectors or []:
                vids.append(self._insert("vectors", {**vector, "document_id": document["id"]}))
            if supersedes:
                self.conn.execute(
                    "UPDATE documents SET superseded_by = ? WHERE id = ?",
                    [document["id"], supersedes],
                )
            self._bump()
        return vids

    def _bump(self) -> None:
        self.conn.execute("UPDATE generation SET value = value + 1 WHERE id = 1")

    def generation(self) -> int:
        """How many writes the store has seen; compared by each process against what its index holds."""
        return int(self.conn.execute("SELECT value FROM generation WHERE id = 1").fetchone()[0])

    def _insert(self, table: str, row: dict[str, Any]) -> int:
        columns = ", ".join(f"[{c}]" for c in row)
        marks = ", ".join("?" for _ in row)
        cursor = self.conn.execute(
            f"INSERT INTO [{table}] ({columns}) VALUES ({marks})", list(row.values())
        )
        return int(cursor.lastrowid or 0)

    # --- vectors -----------------------------------------------------------------------
    def live_vector_ids(self, model: str) -> np.ndarray:
        """Vids of the vectors search may use: this model, documents not superseded."""
        rows = self.conn.execute(
            "SELECT v.vid FROM vectors v JOIN documents d ON d.id = v.document_id "
            "WHERE v.model = ? AND d.superseded_by IS NULL ORDER BY v.vid",
            [model],
        ).fetchall()
        return np.array([r[0] for r in rows], dtype=np.int64)

    def load_vectors(self, vids: np.ndarray, dim: int) -> np.ndarray:
        out = np.zeros((len(vids), dim), dtype=np.float32)
        position = {int(v): i for i, v in enumerate(vids)}
        for start in range(0, len(vids), 900):
            chunk = [int(v) for v in vids[start : start + 900]]
            marks = ", ".join("?" for _ in chunk)
            for vid, blob in self.conn.execute(
                f"SELECT vid, vector FROM vectors WHERE vid IN ({marks})", chunk
            ):
                out[position[vid]] = np.frombuffer(blob, dtype=np.float32)
        return out

    def vector_ids_of(self, document_id: str) -> list[int]:
        return [
            r[0]
            for r in self.conn.execute(
                "SELECT vid FROM vectors WHERE document_id = ?", [document_id]
            )
        ]

    def vector_targets(self, vids: list[int]) -> dict[int, tuple[str, str]]:
        """vid -> (kind, ref_id)."""
        out: dict[int, tuple[str, str]] = {}
        for start in range(0, len(vids), 900):
            chunk = vids[start : start + 900]
            marks = ", ".join("?" for _ in chunk)
            for vid, kind, ref in self.conn.execute(
                f"SELECT vid, kind, ref_id FROM vectors WHERE vid IN ({marks})", chunk
            ):
                out[vid] = (kind, ref)
        return out

    def vector_documents(self, vids: list[int]) -> list[tuple[int, int]]:
        """(vid, rowid of its document) pairs."""
        out: list[tuple[int, int]] = []
        for start in range(0, len(vids), 900):
            chunk = vids[start : start + 900]
            marks = ", ".join("?" for _ in chunk)
            out += self.conn.execute(
                "SELECT v.vid, d.rowid FROM vectors v JOIN documents d ON d.id = v.document_id "
                f"WHERE v.vid IN ({marks})",
                chunk,
            ).fetchall()
        return out

    def vector_of(self, kind: str, ref_id: str, model: str) -> tuple[int, np.ndarray] | None:
        row = self.conn.execute(
            "SELECT vid, vector FROM vectors WHERE kind = ? AND ref_id = ? AND model = ?",
            [kind, ref_id, model],
        ).fetchone()
        return (row[0], np.frombuffer(row[1], dtype=np.float32)) if row else None

    def delete_document(self, document_id: str) -> bool:
        with self.transaction():
            cursor = self.conn.execute("DELETE FROM documents WHERE id = ?", [document_id])
            self.conn.execute(
                "UPDATE documents SET superseded_by = NULL WHERE superseded_by = ?", [document_id]
            )
            self._bump()
        return cursor.rowcount > 0

    # --- reads -------------------------------------------------------------------------
    def find_by_hash(self, content_hash: str) -> dict[str, Any] | None:
        rows = list(self.db.query("SELECT * FROM documents WHERE content_hash = ?", [content_hash]))
        return _decode(rows[0]) if rows else None

    def current_version_at(self, source_key: str) -> dict[str, Any] | None:
        rows = list(
            self.db.query(
                "SELECT * FROM documents WHERE source_key = ? AND superseded_by IS NULL "
                "ORDER BY version DESC LIMIT 1",
                [source_key],
            )
        )
        return _decode(rows[0]) if rows else None

    def get_document(self, document_id: str) -> dict[str, Any] | None:
        rows = list(self.db.query("SELECT * FROM documents WHERE id = ?", [document_id]))
        if not rows and re.fullmatch(
            r"[0-9a-f]{4,11}", document_id
        ):  # a unique prefix, as with git
            rows = list(
                self.db.query(
                    "SELECT * FROM documents WHERE id LIKE ? LIMIT 2", [document_id + "%"]
                )
            )
            if len(rows) != 1:
                return None
        return _decode(rows[0]) if rows else None

    def units_of(self, document_id: str) -> list[dict[str, Any]]:
        return list(
            self.db.query("SELECT * FROM units WHERE document_id = ? ORDER BY ord", [document_id])
        )

    def tags_of(self, document_id: str) -> list[dict[str, Any]]:
        return list(
            self.db.query(
                "SELECT unit_id, pattern, evidence, cue FROM pattern_tags WHERE document_id = ?",
                [document_id],
            )
        )

    def _where(
        self, filters: dict[str, list[str]], include_superseded: bool
    ) -> tuple[str, list[Any]]:
        clauses, params = [], []
        if not include_superseded:
            clauses.append("d.superseded_by IS NULL")
        for facet, values in filters.items():
            if not values:
                continue
            marks = ", ".join("?" for _ in values)
            clauses.append(
                f"EXISTS (SELECT 1 FROM facets f WHERE f.document_id = d.id AND f.facet = ? "
                f"AND f.value IN ({marks}))"
            )
            params += [facet, *values]
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params

    def list_documents(
        self,
        *,
        filters: dict[str, list[str]],
        include_superseded: bool = False,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[dict[str, Any]]:
        where, params = self._where(filters, include_superseded)
        sql = (
            "SELECT d.id, d.kind, d.title, d.project, d.department, d.phase_reached, d.outcome, d.source, "
            "d.version, d.superseded_by, d.ingested_at, "
            "(SELECT group_concat(value, ',') FROM facets f WHERE f.document_id = d.id AND f.facet = 'pattern') "
            "AS patterns, "
            "(SELECT group_concat(value, ',') FROM facets f WHERE f.document_id = d.id AND f.facet = 'technique') "
            f"AS techniques FROM documents d{where} ORDER BY d.title"
        )
        if limit:
            sql += f" LIMIT {int(limit)} OFFSET {max(0, int(offset))}"
        rows = list(self.db.query(sql, params))
        for row in rows:
            row["patterns"] = sorted(row["patterns"].split(",")) if row["patterns"] else []
            row["techniques"] = sorted(row["techniques"].split(",")) if row["techniques"] else []
        return rows

    def facet_counts(self, *, include_superseded: bool = False) -> dict[str, dict[str, int]]:
        where = "" if include_superseded else " WHERE d.superseded_by IS NULL"
        out: dict[str, dict[str, int]] = {facet: {} for facet in FACETS}
        for row in self.db.query(
            "SELECT f.facet, f.value, count(*) AS n FROM facets f JOIN documents d ON d.id = f.document_id"
            f"{where} GROUP BY f.facet, f.value ORDER BY n DESC, f.value"
        ):
            out.setdefault(row["facet"], {})[row["value"]] = row["n"]
        return out

    def facet_values(self, facet: str) -> list[str]:
        return [
            r["value"]
            for r in self.db.query(
                "SELECT DISTINCT value FROM facets WHERE facet = ? ORDER BY value", [facet]
            )
        ]

    def iter_documents(self) -> Iterator[dict[str, Any]]:
        for row in self.db.query("SELECT * FROM documents ORDER BY ingested_at, id"):
            yield _decode(row)

    def count(self, table: str) -> int:
        return int(self.db.execute(f"SELECT count(*) FROM [{table}]").fetchone()[0])
