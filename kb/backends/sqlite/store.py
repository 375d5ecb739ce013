"""The SQLite document store: every record and every vector lives here (sqlite-utils builds the
schema; reads go through sqlite3 alone, so a cold search does not import it)."""

from __future__ import annotations

import json
import re
import sqlite3
import threading
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from kb.backends.base import FACETS, Filters, Ref
from kb.backends.sqlite import migrations

if TYPE_CHECKING:
    from sqlite_utils import Database

_JSON_COLUMNS = ("fields", "warnings")
_TABLES: tuple[str, ...] = (
    "documents",
    "units",
    "vectors",
    "pattern_tags",
    "facets",
    "audit",
    "api_keys",
    "actions",
    "feedback",
)
_TABLES += ("units_fts", "documents_fts")
_CHUNK = 900  # bound parameters per statement, under SQLite's limit


def _decode(row: dict[str, Any]) -> dict[str, Any]:
    for column in _JSON_COLUMNS:
        if column in row and isinstance(row[column], str):
            row[column] = json.loads(row[column])
    return row


def _marks(values: list[Any] | tuple[Any, ...]) -> str:
    return ", ".join("?" for _ in values)


def where_sql(filters: Filters, alias: str = "d") -> tuple[str, list[Any]]:
    """The filters as a WHERE condition over documents (aliased `d`); the one translation."""
    clauses: list[str] = []
    params: list[Any] = []
    if not filters.include_superseded:
        clauses.append(f"{alias}.superseded_by IS NULL")
    for facet, values in filters.facets().items():
        clauses.append(
            f"EXISTS (SELECT 1 FROM facets f WHERE f.document_id = {alias}.id AND f.facet = ? "
            f"AND f.value IN ({_marks(values)}))"
        )
        params += [facet, *values]
    if filters.since:
        clauses.append(f"COALESCE({alias}.end_date, {alias}.start_date) >= ?")
        params.append(filters.since)
    if filters.until:
        clauses.append(f"COALESCE({alias}.start_date, {alias}.end_date) <= ?")
        params.append(filters.until + "\uffff")
    return (" AND ".join(clauses) or "1"), params


@dataclass
class Change:
    """What a committed write did to the vectors, for a cache kept beside the database."""

    added: list[int] = field(default_factory=list)
    vectors: np.ndarray | None = None
    removed: list[int] = field(default_factory=list)
    resync: bool = False  # which vectors are live changed in ways only a re-read shows


class SqliteStore:
    """Records in a SQLite file; FTS5 tables are kept in step by triggers."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._guard = threading.Lock()
        self.listeners: list[Callable[[Change], None]] = []
        migrations.apply(self)

    def _connect(self, *, tracked: bool = True) -> sqlite3.Connection:
        conn = sqlite3.connect(str(self.path), isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA busy_timeout = 10000")
        if str(self.path) != ":memory:":
            conn.execute("PRAGMA journal_mode = WAL")
        if tracked:
            with self._guard:
                self._all.append(conn)
        return conn

    def private_connection(self) -> sqlite3.Connection:
        """A connection its caller closes (close() must not close it under a running thread)."""
        return self._connect(tracked=False)

    @property
    def conn(self) -> sqlite3.Connection:
        """This thread's connection: readers never see another thread's uncommitted writes (WAL)."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = self._connect()
        return conn

    @property
    def db(self) -> Database:
        """This thread's connection through sqlite-utils (migrations and tests)."""
        database = getattr(self._local, "db", None)
        if database is None:
            from sqlite_utils import Database

            database = self._local.db = Database(self.conn)
        return database

    def query(self, sql: str, params: Any = ()) -> Iterator[dict[str, Any]]:
        """Rows as dicts, as sqlite-utils' `query` gives them."""
        cursor = self.conn.execute(sql, params)
        names = [d[0] for d in cursor.description or ()]
        for row in cursor:
            yield dict(zip(names, row, strict=True))

    def close(self) -> None:
        with self._guard:
            for conn in self._all:
                conn.close()
            self._all.clear()
        self._local = threading.local()

    # --- transactions ----------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All or nothing: an exception, even KeyboardInterrupt, rolls everything back."""
        depth = getattr(self._local, "depth", 0)
        if depth:
            self._local.depth = depth + 1
            try:
                yield
            finally:
                self._local.depth = depth
            return
        self._local.depth, self._local.pending = 1, []
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._local.depth, self._local.pending = 0, []
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")
        pending, self._local.depth, self._local.pending = self._local.pending, 0, []
        for action in pending:
            action()

    def after_commit(self, action: Callable[[], None]) -> None:
        if getattr(self._local, "depth", 0):
            self._local.pending.append(action)
        else:
            action()

    def _notify(self, change: Change) -> None:
        def tell() -> None:
            for listen in self.listeners:
                listen(change)

        self.after_commit(tell)

    def _bump(self) -> None:
        self.conn.execute("UPDATE generation SET value = value + 1 WHERE id = 1")

    def generation(self) -> int:
        """How many writes the store has seen; compared by each process against what its cache holds."""
        return int(self.conn.execute("SELECT value FROM generation WHERE id = 1").fetchone()[0])

    def _insert(self, table: str, row: dict[str, Any]) -> int:
        columns = ", ".join(f"[{c}]" for c in row)
        cursor = self.conn.execute(
            f"INSERT INTO [{table}] ({columns}) VALUES ({_marks(list(row))})", list(row.values())
        )
        return int(cursor.lastrowid or 0)

    # --- writes ----------------------------------------------------------------------------
    def insert_document(
        self,
        document: dict[str, Any],
        units: list[dict[str, Any]],
        tags: list[dict[str, Any]],
        facets: list[tuple[str, str]],
        *,
        supersedes: str | None = None,
        vectors: list[dict[str, Any]] | None = None,
        original: dict[str, Any] | None = None,
    ) -> None:
        """Write a document whole, with its units, tags, facets, vectors and original file."""
        row = {k: (json.dumps(v) if k in _JSON_COLUMNS else v) for k, v in document.items()}
        with self.transaction():
            self._insert("documents", row)
            if original is not None:
                self._insert("originals", {**original, "document_id": document["id"]})
            vids = self._insert_parts(document["id"], units, tags, facets, vectors or [])
            removed: list[int] = []
            if supersedes:
                removed = self._vids_of(supersedes)
                self.conn.execute(
                    "UPDATE documents SET superseded_by = ? WHERE id = ?",
                    [document["id"], supersedes],
                )
            self._bump()
            array = (
                np.stack([np.frombuffer(v["vector"], dtype=np.float32) for v in vectors])
                if vectors
                else None
            )
            self._notify(Change(added=vids, vectors=array, removed=removed))

    def replace_document(
        self,
        document: dict[str, Any],
        units: list[dict[str, Any]],
        tags: list[dict[str, Any]],
        facets: list[tuple[str, str]],
        *,
        vectors: list[dict[str, Any]],
    ) -> None:
        """A stored document read again: the same id and versions, new units, tags and vectors."""
        doc_id = document["id"]
        row = {k: (json.dumps(v) if k in _JSON_COLUMNS else v) for k, v in document.items()}
        with self.transaction():
            removed = self._vids_of(doc_id)
            for table in ("pattern_tags", "units", "facets", "vectors"):
                self.conn.execute(f"DELETE FROM [{table}] WHERE document_id = ?", [doc_id])
            names = [k for k in row if k != "id"]
            self.conn.execute(
                f"UPDATE documents SET {', '.join(f'[{k}] = ?' for k in names)} WHERE id = ?",
                [row[k] for k in names] + [doc_id],
            )
            vids = self._insert_parts(doc_id, units, tags, facets, vectors)
            self._bump()
            array = np.stack([np.frombuffer(v["vector"], dtype=np.float32) for v in vectors])
            self._notify(Change(added=vids, vectors=array, removed=removed))

    def _insert_parts(
        self,
        doc_id: str,
        units: list[dict[str, Any]],
        tags: list[dict[str, Any]],
        facets: list[tuple[str, str]],
        vectors: list[dict[str, Any]],
    ) -> list[int]:
        """A document's units, tags, facets and vectors; returns the vids, in the order given."""
        for unit in units:
            self._insert("units", unit)
        for tag in tags:
            self._insert("pattern_tags", tag)
        for facet, value in sorted(set(facets)):
            self._insert("facets", {"document_id": doc_id, "facet": facet, "value": value})
        return [self._insert("vectors", {**v, "document_id": doc_id}) for v in vectors]

    def get_original(self, document_id: str) -> dict[str, Any] | None:
        """The file as it was submitted: name, media type, size and bytes."""
        cursor = self.conn.execute(
            "SELECT name, media_type, size, data FROM originals WHERE document_id = ?",
            [document_id],
        )
        row = cursor.fetchone()
        if row is None:
            return None
        return {"name": row[0], "media_type": row[1], "size": row[2], "data": bytes(row[3])}

    def original_sizes(self, document_ids: list[str]) -> dict[str, int]:
        if not document_ids:
            return {}
        cursor = self.conn.execute(
            f"SELECT document_id, size FROM originals WHERE document_id IN ({_marks(document_ids)})",
            document_ids,
        )
        return {r[0]: r[1] for r in cursor}

    def _vids_of(self, document_id: str) -> list[int]:
        return [
            r[0]
            for r in self.conn.execute(
                "SELECT vid FROM vectors WHERE document_id = ?", [document_id]
            )
        ]

    def delete_document(self, document_id: str) -> bool:
        with self.transaction():
            removed = self._vids_of(document_id)
            cursor = self.conn.execute("DELETE FROM documents WHERE id = ?", [document_id])
            self.conn.execute(
                "UPDATE documents SET superseded_by = NULL WHERE superseded_by = ?", [document_id]
            )
            self._bump()
            self._notify(Change(removed=removed, resync=True))
        return cursor.rowcount > 0

    def relink_versions(self, source_key: str) -> None:
        with self.transaction():
            rows = self.conn.execute(
                "SELECT id FROM documents WHERE source_key = ? ORDER BY version", [source_key]
            ).fetchall()
            for (older,), (newer,) in zip(rows, rows[1:], strict=False):
                self.conn.execute(
                    "UPDATE documents SET superseded_by = ? WHERE id = ?", [newer, older]
                )
            if rows:
                self.conn.execute(
                    "UPDATE documents SET superseded_by = NULL WHERE id = ?", [rows[-1][0]]
                )
            self._bump()
            self._notify(Change(resync=True))

    # --- documents -------------------------------------------------------------------------
    def find_by_hash(self, content_hash: str) -> dict[str, Any] | None:
        rows = list(self.query("SELECT * FROM documents WHERE content_hash = ?", [content_hash]))
        return _decode(rows[0]) if rows else None

    def current_version_at(self, source_key: str) -> dict[str, Any] | None:
        rows = list(
            self.query(
                "SELECT * FROM documents WHERE source_key = ? AND superseded_by IS NULL "
                "ORDER BY version DESC LIMIT 1",
                [source_key],
            )
        )
        return _decode(rows[0]) if rows else None

    def get_document(self, document_id: str) -> dict[str, Any] | None:
        rows = list(self.query("SELECT * FROM documents WHERE id = ?", [document_id]))
        if not rows and re.fullmatch(r"[0-9a-f]{4,11}", document_id):  # a unique prefix, as git
            rows = list(
                self.query("SELECT * FROM documents WHERE id LIKE ? LIMIT 2", [document_id + "%"])
            )
            if len(rows) != 1:
                return None
        return _decode(rows[0]) if rows else None

    def units_of(self, document_id: str) -> list[dict[str, Any]]:
        return list(
            self.query("SELECT * FROM units WHERE document_id = ? ORDER BY ord", [document_id])
        )

    def tags_of(self, document_id: str) -> list[dict[str, Any]]:
        return list(
            self.query(
                "SELECT unit_id, pattern, evidence, cue FROM pattern_tags WHERE document_id = ?",
                [document_id],
            )
        )

    def facets_of(self, document_id: str) -> list[tuple[str, str]]:
        return [
            (facet, value)
            for facet, value in self.conn.execute(
                "SELECT facet, value FROM facets WHERE document_id = ? ORDER BY facet, value",
                [document_id],
            )
        ]

    def get_unit(self, unit_id: str) -> dict[str, Any] | None:
        rows = list(
            self.query(
                "SELECT u.id, u.document_id, u.kind, u.category, u.section, u.line_start, "
                "u.line_end, u.text, d.title, d.source FROM units u "
                "JOIN documents d ON d.id = u.document_id WHERE u.id = ?",
                [unit_id],
            )
        )
        if not rows:
            return None
        unit = rows[0]
        unit["patterns"] = [
            {"pattern": p, "evidence": e}
            for p, e in self.conn.execute(
                "SELECT pattern, evidence FROM pattern_tags WHERE unit_id = ?", [unit_id]
            )
        ]
        return unit

    def unit_patterns(self, unit_ids: list[str]) -> dict[str, set[str]]:
        out: dict[str, set[str]] = defaultdict(set)
        for start in range(0, len(unit_ids), _CHUNK):
            chunk = unit_ids[start : start + _CHUNK]
            for unit_id, pattern in self.conn.execute(
                f"SELECT unit_id, pattern FROM pattern_tags WHERE unit_id IN ({_marks(chunk)})",
                chunk,
            ):
                out[unit_id].add(pattern)
        return out

    def describe(self, refs: list[Ref]) -> dict[Ref, dict[str, Any]]:
        out: dict[Ref, dict[str, Any]] = {}
        units = [r.id for r in refs if r.kind == "unit"]
        docs = [r.id for r in refs if r.kind == "document"]
        for start in range(0, len(units), _CHUNK):
            chunk = units[start : start + _CHUNK]
            for row in self.query(
                "SELECT u.id AS unit_id, u.document_id, u.kind, u.section, u.line_start, "
                "u.line_end, u.text, d.title, d.source FROM units u "
                f"JOIN documents d ON d.id = u.document_id WHERE u.id IN ({_marks(chunk)})",
                chunk,
            ):
                out[Ref("unit", row["unit_id"])] = row
        for start in range(0, len(docs), _CHUNK):
            chunk = docs[start : start + _CHUNK]
            for row in self.query(
                "SELECT id AS document_id, kind AS document_kind, title, source, summary "
                f"FROM documents WHERE id IN ({_marks(chunk)})",
                chunk,
            ):
                out[Ref("document", row["document_id"])] = row
        return out

    def list_documents(
        self, filters: Filters, *, limit: int | None = None, offset: int = 0
    ) -> list[dict[str, Any]]:
        where, params = where_sql(filters)
        sql = (
            "SELECT d.id, d.kind, d.title, d.project, d.department, d.phase_reached, d.outcome, "
            "d.source, d.version, d.superseded_by, d.ingested_at, "
            "(SELECT group_concat(value, ',') FROM facets f WHERE f.document_id = d.id "
            "AND f.facet = 'pattern') AS patterns, "
            "(SELECT group_concat(value, ',') FROM facets f WHERE f.document_id = d.id "
            f"AND f.facet = 'technique') AS techniques FROM documents d WHERE {where} "
            "ORDER BY d.title"
        )
        if limit:
            sql += f" LIMIT {int(limit)} OFFSET {max(0, int(offset))}"
        rows = list(self.query(sql, params))
        for row in rows:
            row["patterns"] = sorted(row["patterns"].split(",")) if row["patterns"] else []
            row["techniques"] = sorted(row["techniques"].split(",")) if row["techniques"] else []
        return rows

    def count_documents(self, filters: Filters) -> int:
        where, params = where_sql(filters)
        return int(
            self.conn.execute(f"SELECT count(*) FROM documents d WHERE {where}", params).fetchone()[
                0
            ]
        )

    def facet_counts(self, filters: Filters) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for facet in FACETS:
            where, params = where_sql(filters.without(facet))
            rows = self.conn.execute(
                "SELECT f.value, count(DISTINCT d.id) AS n FROM facets f JOIN documents d "
                f"ON d.id = f.document_id WHERE f.facet = ? AND {where} "
                "GROUP BY f.value ORDER BY n DESC, f.value",
                [facet, *params],
            ).fetchall()
            out[facet] = {value: n for value, n in rows}
        return out

    def facet_values(self, facet: str) -> list[str]:
        return [
            r[0]
            for r in self.conn.execute(
                "SELECT DISTINCT value FROM facets WHERE facet = ? ORDER BY value", [facet]
            )
        ]

    def pattern_documents(self) -> list[tuple[str, str, str, str]]:
        return [
            (pattern, doc_id, dept, year or "")
            for pattern, doc_id, dept, year in self.conn.execute(
                "SELECT p.value, d.id, COALESCE(NULLIF(d.department, ''), 'unknown'), "
                "substr(COALESCE(NULLIF(d.start_date, ''), NULLIF(d.end_date, ''), d.ingested_at), 1, 4) "
                "FROM facets p JOIN documents d ON d.id = p.document_id "
                "WHERE p.facet = 'pattern' AND d.superseded_by IS NULL"
            )
        ]

    def documents_by_month(self) -> list[tuple[str, str, list[str]]]:
        rows = self.conn.execute(
            "SELECT substr(COALESCE(NULLIF(d.start_date, ''), d.ingested_at), 1, 7), d.id, "
            "(SELECT group_concat(value) FROM facets f WHERE f.document_id = d.id AND f.facet = 'pattern') "
            "FROM documents d WHERE d.superseded_by IS NULL"
        ).fetchall()
        return [
            (month or "", doc_id, (patterns or "").split(",")) for month, doc_id, patterns in rows
        ]

    def iter_documents(self) -> Iterator[dict[str, Any]]:
        for row in self.query("SELECT * FROM documents ORDER BY ingested_at, id"):
            yield _decode(row)

    def count(self, table: str) -> int:
        if table not in _TABLES:
            raise ValueError(f"no table {table!r}")
        return int(self.conn.execute(f"SELECT count(*) FROM [{table}]").fetchone()[0])

    # --- stored vectors --------------------------------------------------------------------
    def vector_of(self, ref: Ref, model: str) -> np.ndarray | None:
        row = self.conn.execute(
            "SELECT vector FROM vectors WHERE kind = ? AND ref_id = ? AND model = ?",
            [ref.kind, ref.id, model],
        ).fetchone()
        return np.frombuffer(row[0], dtype=np.float32) if row else None

    def vectors_for(self, refs: list[Ref], model: str) -> dict[Ref, np.ndarray]:
        out: dict[Ref, np.ndarray] = {}
        for kind in {r.kind for r in refs}:
            ids = [r.id for r in refs if r.kind == kind]
            for start in range(0, len(ids), _CHUNK):
                chunk = ids[start : start + _CHUNK]
                for ref_id, blob in self.conn.execute(
                    "SELECT ref_id, vector FROM vectors WHERE kind = ? AND model = ? "
                    f"AND ref_id IN ({_marks(chunk)})",
                    [kind, model, *chunk],
                ):
                    out[Ref(kind, ref_id)] = np.frombuffer(blob, dtype=np.float32)
        return out

    def vectors_of(self, document_id: str, model: str) -> dict[Ref, np.ndarray]:
        return {
            Ref(kind, ref_id): np.frombuffer(blob, dtype=np.float32)
            for kind, ref_id, blob in self.conn.execute(
                "SELECT kind, ref_id, vector FROM vectors WHERE document_id = ? AND model = ?",
                [document_id, model],
            )
        }

    def stored_vectors(self, document_id: str) -> list[dict[str, Any]]:
        return [
            {"kind": kind, "ref_id": ref_id, "model": model, "dim": dim, "vector": bytes(blob)}
            for kind, ref_id, model, dim, blob in self.conn.execute(
                "SELECT kind, ref_id, model, dim, vector FROM vectors WHERE document_id = ? "
                "ORDER BY vid",
                [document_id],
            )
        ]

    def vector_extent(self, model: str) -> tuple[int, int]:
        """(how many vectors of this model, the highest vid): a cheap check that a saved index
        still matches."""
        count, last = self.conn.execute(
            "SELECT count(*), coalesce(max(vid), 0) FROM vectors WHERE model = ?", [model]
        ).fetchone()
        return int(count), int(last)

    def live_vector_ids(self, model: str) -> np.ndarray:
        """Vids of the vectors search may use: this model, documents not superseded."""
        return self.live_vectors(model)[0]

    def live_vectors(self, model: str) -> tuple[np.ndarray, np.ndarray]:
        """(vids, rowid of each one's document) of the vectors search may use, by vid: what
        opening the index needs, in one query."""
        # one row holding every pair: sqlite3 gives up and takes back the GIL for each row it
        # steps, and a server's other threads made a 25k-row read take seconds under load
        (packed,) = self.conn.execute(
            "SELECT group_concat(vid || ',' || doc, ',') FROM (SELECT v.vid AS vid, "
            "d.rowid AS doc FROM vectors v JOIN documents d ON d.id = v.document_id "
            "WHERE v.model = ? AND d.superseded_by IS NULL ORDER BY v.vid)",
            [model],
        ).fetchone()
        pairs = np.fromstring(packed or "", dtype=np.int64, sep=",").reshape(-1, 2)
        return pairs[:, 0], pairs[:, 1]

    def vector_change_seq(self) -> int:
        """The last entry of the vector change log (read before the state it stands for)."""
        return int(
            self.conn.execute("SELECT coalesce(max(seq), 0) FROM vector_changes").fetchone()[0]
        )

    def vector_changes_since(
        self, seq: int, model: str
    ) -> tuple[int, np.ndarray, np.ndarray, np.ndarray]:
        """(last seq, vids changed since `seq`, those of them live now, their documents' rowids)."""
        last, changed = self.conn.execute(
            "SELECT max(seq), group_concat(DISTINCT vid) FROM vector_changes WHERE seq > ?", [seq]
        ).fetchone()
        vids = np.fromstring(changed or "", dtype=np.int64, sep=",")
        if not len(vids):
            return seq, vids, vids, vids
        (packed,) = self.conn.execute(
            "SELECT group_concat(v.vid || ',' || d.rowid, ',') FROM vectors v JOIN documents d "
            "ON d.id = v.document_id WHERE v.model = ? AND d.superseded_by IS NULL AND v.vid IN "
            f"({','.join(str(int(v)) for v in vids)})",
            [model],
        ).fetchone()
        pairs = np.fromstring(packed or "", dtype=np.int64, sep=",").reshape(-1, 2)
        return int(last), vids, pairs[:, 0], pairs[:, 1]

    def load_vectors(self, vids: np.ndarray, dim: int) -> np.ndarray:
        out = np.zeros((len(vids), dim), dtype=np.float32)
        position = {int(v): i for i, v in enumerate(vids)}
        for start in range(0, len(vids), _CHUNK):
            chunk = [int(v) for v in vids[start : start + _CHUNK]]
            for vid, blob in self.conn.execute(
                f"SELECT vid, vector FROM vectors WHERE vid IN ({_marks(chunk)})", chunk
            ):
                out[position[vid]] = np.frombuffer(blob, dtype=np.float32)
        return out

    def vector_targets(self, vids: list[int]) -> dict[int, tuple[Ref, bytes]]:
        """What each vid stands for, with its stored (32-bit) vector."""
        out: dict[int, tuple[Ref, bytes]] = {}
        for start in range(0, len(vids), _CHUNK):
            chunk = vids[start : start + _CHUNK]
            for vid, kind, ref, vector in self.conn.execute(
                f"SELECT vid, kind, ref_id, vector FROM vectors WHERE vid IN ({_marks(chunk)})",
                chunk,
            ):
                out[vid] = (Ref(kind, ref), vector)
        return out

    def vector_documents(self, vids: list[int]) -> list[tuple[int, int]]:
        """(vid, rowid of its document) pairs."""
        out: list[tuple[int, int]] = []
        for start in range(0, len(vids), _CHUNK):
            chunk = vids[start : start + _CHUNK]
            out += self.conn.execute(
                "SELECT v.vid, d.rowid FROM vectors v JOIN documents d ON d.id = v.document_id "
                f"WHERE v.vid IN ({_marks(chunk)})",
                chunk,
            ).fetchall()
        return out
