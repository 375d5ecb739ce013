"""The PostgreSQL document store: records, full-text vectors and embeddings in one database that
every node shares, through a psycopg 3 connection pool."""

from __future__ import annotations

import re
import threading
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import psycopg
from psycopg.rows import DictRow
from psycopg.types.json import Json
from psycopg_pool import ConnectionPool

from kb.backends.base import FACETS, Filters, Ref

Conn = psycopg.Connection[DictRow]

_JSON_COLUMNS = ("fields", "warnings")
_TABLES = frozenset(
    (
        "documents",
        "units",
        "vectors",
        "pattern_tags",
        "facets",
        "audit",
        "api_keys",
        "actions",
        "feedback",
    )  # fmt: skip
)
_DOCUMENT_COLUMNS = (
    "id, kind, title, project, department, use_case, phase_reached, outcome, source, source_key, "
    "format, encoding, content_hash, version, superseded_by, ingested_at, start_date, end_date, "
    "summary, body, text, fields, warnings"
)
_UNIT_COLUMNS = (
    "id, document_id, ord, kind, category, section, line_start, line_end, text, confidence, place"
)


def where_sql(filters: Filters, alias: str = "d") -> tuple[str, list[Any]]:
    """The filters as a WHERE condition over documents (aliased `d`); the one translation."""
    clauses: list[str] = []
    params: list[Any] = []
    if not filters.include_superseded:
        clauses.append(f"{alias}.superseded_by IS NULL")
    for facet, values in filters.facets().items():
        clauses.append(
            f"EXISTS (SELECT 1 FROM facets f WHERE f.document_id = {alias}.id AND f.facet = %s "
            "AND f.value = ANY(%s))"
        )
        params += [facet, list(values)]
    if filters.since:
        clauses.append(f"COALESCE({alias}.end_date, {alias}.start_date) >= %s")
        params.append(filters.since)
    if filters.until:
        clauses.append(f"COALESCE({alias}.start_date, {alias}.end_date) <= %s")
        params.append(filters.until + "\uffff")
    return (" AND ".join(clauses) or "TRUE"), params


def state_where_sql(filters: Filters, alias: str) -> tuple[str, list[Any], bool]:
    """The filters as a condition over vector or unit rows, from the document state each row
    carries (`live`, `tags`: migration 4); True when a date filter still needs documents
    joined as `d`."""
    clauses: list[str] = []
    params: list[Any] = []
    if not filters.include_superseded:
        clauses.append(f"{alias}.live")
    for facet, values in filters.facets().items():
        clauses.append(f"{alias}.tags && %s::text[]")
        params.append([f"{facet}:{value}" for value in values])
    dated = bool(filters.since or filters.until)
    if dated:
        where, more = where_sql(
            Filters(since=filters.since, until=filters.until, include_superseded=True)
        )
        clauses.append(where)
        params += more
    return (" AND ".join(clauses) or "TRUE"), params, dated


def as_vector(blob: bytes) -> np.ndarray:
    """A stored float32 blob (the records' form) as the array pgvector's adapter sends."""
    return np.frombuffer(blob, dtype=np.float32)


def _row(document: dict[str, Any]) -> dict[str, Any]:
    """A document record as its columns take it (the JSON ones wrapped)."""
    return {k: (Json(v) if k in _JSON_COLUMNS else v) for k, v in document.items()}


class PostgresStore:
    """Records in PostgreSQL; a transaction holds one pooled connection for its thread."""

    def __init__(self, pool: ConnectionPool[Conn]) -> None:
        self.pool = pool
        self._local = threading.local()

    def close(self) -> None:
        self.pool.close()

    # --- connections and transactions ------------------------------------------------------
    @contextmanager
    def connection(self) -> Iterator[Conn]:
        """The open transaction's connection on this thread, else one lent by the pool."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            yield conn
            return
        with self.pool.connection() as conn:
            yield conn

    def rows(self, sql: str, params: list[Any] | tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        with self.connection() as conn:
            return list(conn.execute(sql, params).fetchall())

    def one(self, sql: str, params: list[Any] | tuple[Any, ...] = ()) -> dict[str, Any] | None:
        with self.connection() as conn:
            return conn.execute(sql, params).fetchone()

    def execute(self, sql: str, params: list[Any] | tuple[Any, ...] = ()) -> int:
        with self.connection() as conn:
            return conn.execute(sql, params).rowcount

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All or nothing; a nested call joins the outer one."""
        depth = getattr(self._local, "depth", 0)
        if depth:
            self._local.depth = depth + 1
            try:
                yield
            finally:
                self._local.depth = depth
            return
        with self.pool.connection() as conn:
            self._local.conn, self._local.depth, self._local.pending = conn, 1, []
            try:
                with conn.transaction():
                    yield
            except BaseException:
                self._local.pending = []
                raise
            finally:
                self._local.conn, self._local.depth = None, 0
        pending, self._local.pending = self._local.pending, []
        for action in pending:
            action()

    def after_commit(self, action: Callable[[], None]) -> None:
        if getattr(self._local, "depth", 0):
            self._local.pending.append(action)
        else:
            action()

    def _insert(self, table: str, row: dict[str, Any]) -> None:
        columns = ", ".join(row)
        marks = ", ".join("%s" for _ in row)
        self.execute(f"INSERT INTO {table} ({columns}) VALUES ({marks})", list(row.values()))

    def _bump(self) -> None:
        """Last in each write's transaction: the new value shows when the write does, and the
        row lock is taken after any advisory lock the write holds, in one order everywhere."""
        self.execute("UPDATE generation SET value = value + 1 WHERE id = 1")

    def generation(self) -> int:
        row = self.one("SELECT value FROM generation WHERE id = 1")
        return int(row["value"]) if row else 0

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
        """Write a document whole; versions at one source are serialised across nodes."""
        row = _row(document)
        with self.transaction():
            if supersedes:
                # another node may have stored a version here since the caller looked
                self.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [document["source_key"]])
                head = self.current_version_at(str(document["source_key"]))
                if head is not None and head["id"] != supersedes:
                    supersedes, row["version"] = head["id"], int(head["version"]) + 1
            self._insert("documents", row)
            if original is not None:
                self._insert("originals", {**original, "document_id": document["id"]})
            self._insert_parts(document["id"], units, tags, facets, vectors or [])
            if supersedes:
                self.execute(
                    "UPDATE documents SET superseded_by = %s WHERE id = %s",
                    [document["id"], supersedes],
                )
            self._bump()

    def replace_document(
        self,
        document: dict[str, Any],
        units: list[dict[str, Any]],
        tags: list[dict[str, Any]],
        facets: list[tuple[str, str]],
        *,
        vectors: list[dict[str, Any]],
    ) -> None:
        doc_id = document["id"]
        row = _row(document)
        with self.transaction():
            for table in ("vectors", "pattern_tags", "units", "facets"):
                self.execute(f"DELETE FROM {table} WHERE document_id = %s", [doc_id])
            names = [k for k in row if k != "id"]
            self.execute(
                f"UPDATE documents SET {', '.join(f'{k} = %s' for k in names)} WHERE id = %s",
                [row[k] for k in names] + [doc_id],
            )
            self._insert_parts(doc_id, units, tags, facets, vectors)
            self._bump()

    def _insert_parts(
        self,
        doc_id: str,
        units: list[dict[str, Any]],
        tags: list[dict[str, Any]],
        facets: list[tuple[str, str]],
        vectors: list[dict[str, Any]],
    ) -> None:
        with self.connection() as conn, conn.cursor() as cur:
            if units:
                columns = list(units[0])
                cur.executemany(
                    f"INSERT INTO units ({', '.join(columns)}) "
                    f"VALUES ({', '.join('%s' for _ in columns)})",
                    [[u.get(c) for c in columns] for u in units],
                )
            if tags:
                cur.executemany(
                    "INSERT INTO pattern_tags (document_id, unit_id, pattern, evidence, cue) "
                    "VALUES (%s, %s, %s, %s, %s)",
                    [
                        [t["document_id"], t["unit_id"], t["pattern"], t["evidence"], t.get("cue")]
                        for t in tags
                    ],
                )
            if facets:
                cur.executemany(
                    "INSERT INTO facets (document_id, facet, value) VALUES (%s, %s, %s)",
                    [[doc_id, f, v] for f, v in sorted(set(facets))],
                )
            if vectors:
                cur.executemany(
                    "INSERT INTO vectors (kind, ref_id, document_id, model, dim, embedding) "
                    "VALUES (%s, %s, %s, %s, %s, %s)",
                    [
                        [
                            v["kind"],
                            v["ref_id"],
                            doc_id,
                            v["model"],
                            v["dim"],
                            as_vector(v["vector"]),
                        ]
                        for v in vectors
                    ],
                )

    def get_original(self, document_id: str) -> dict[str, Any] | None:
        row = self.one(
            "SELECT name, media_type, size, data FROM originals WHERE document_id = %s",
            [document_id],
        )
        if row is None:
            return None
        return {**row, "data": bytes(row["data"])}

    def original_sizes(self, document_ids: list[str]) -> dict[str, int]:
        if not document_ids:
            return {}
        rows = self.rows(
            "SELECT document_id, size FROM originals WHERE document_id = ANY(%s)", [document_ids]
        )
        return {r["document_id"]: r["size"] for r in rows}

    def delete_document(self, document_id: str) -> bool:
        with self.transaction():
            gone = self.execute("DELETE FROM documents WHERE id = %s", [document_id])
            self.execute(
                "UPDATE documents SET superseded_by = NULL WHERE superseded_by = %s", [document_id]
            )
            self._bump()
        return gone > 0

    def relink_versions(self, source_key: str) -> None:
        with self.transaction():
            self.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [source_key])
            ids = [
                r["id"]
                for r in self.rows(
                    "SELECT id FROM documents WHERE source_key = %s ORDER BY version, ingested_at",
                    [source_key],
                )
            ]
            for older, newer in zip(ids, ids[1:], strict=False):
                self.execute(
                    "UPDATE documents SET superseded_by = %s WHERE id = %s", [newer, older]
                )
            if ids:
                self.execute("UPDATE documents SET superseded_by = NULL WHERE id = %s", [ids[-1]])
            self._bump()

    # --- documents -------------------------------------------------------------------------
    def find_by_hash(self, content_hash: str) -> dict[str, Any] | None:
        return self.one(
            f"SELECT {_DOCUMENT_COLUMNS} FROM documents WHERE content_hash = %s", [content_hash]
        )

    def current_version_at(self, source_key: str) -> dict[str, Any] | None:
        return self.one(
            f"SELECT {_DOCUMENT_COLUMNS} FROM documents WHERE source_key = %s "
            "AND superseded_by IS NULL ORDER BY version DESC LIMIT 1",
            [source_key],
        )

    def get_document(self, document_id: str) -> dict[str, Any] | None:
        row = self.one(f"SELECT {_DOCUMENT_COLUMNS} FROM documents WHERE id = %s", [document_id])
        if row is None and re.fullmatch(r"[0-9a-f]{4,11}", document_id):  # a unique prefix
            rows = self.rows(
                f"SELECT {_DOCUMENT_COLUMNS} FROM documents WHERE id LIKE %s LIMIT 2",
                [document_id + "%"],
            )
            row = rows[0] if len(rows) == 1 else None
        return row

    def units_of(self, document_id: str) -> list[dict[str, Any]]:
        return self.rows(
            f"SELECT {_UNIT_COLUMNS} FROM units WHERE document_id = %s ORDER BY ord", [document_id]
        )

    def tags_of(self, document_id: str) -> list[dict[str, Any]]:
        return self.rows(
            "SELECT unit_id, pattern, evidence, cue FROM pattern_tags WHERE document_id = %s "
            "ORDER BY ctid",
            [document_id],
        )

    def facets_of(self, document_id: str) -> list[tuple[str, str]]:
        rows = self.rows(
            "SELECT facet, value FROM facets WHERE document_id = %s ORDER BY facet, value",
            [document_id],
        )
        return [(r["facet"], r["value"]) for r in rows]

    def get_unit(self, unit_id: str) -> dict[str, Any] | None:
        unit = self.one(
            "SELECT u.id, u.document_id, u.kind, u.category, u.section, u.line_start, "
            "u.line_end, u.text, d.title, d.source FROM units u "
            "JOIN documents d ON d.id = u.document_id WHERE u.id = %s",
            [unit_id],
        )
        if unit is None:
            return None
        unit["patterns"] = self.rows(
            "SELECT pattern, evidence FROM pattern_tags WHERE unit_id = %s ORDER BY ctid",
            [unit_id],
        )
        return unit

    def unit_patterns(self, unit_ids: list[str]) -> dict[str, set[str]]:
        out: dict[str, set[str]] = defaultdict(set)
        if unit_ids:
            for r in self.rows(
                "SELECT unit_id, pattern FROM pattern_tags WHERE unit_id = ANY(%s)", [unit_ids]
            ):
                out[r["unit_id"]].add(r["pattern"])
        return out

    def describe(self, refs: list[Ref]) -> dict[Ref, dict[str, Any]]:
        out: dict[Ref, dict[str, Any]] = {}
        units = [r.id for r in refs if r.kind == "unit"]
        docs = [r.id for r in refs if r.kind == "document"]
        if units:
            for row in self.rows(
                "SELECT u.id AS unit_id, u.document_id, u.kind, u.section, u.line_start, "
                "u.line_end, u.text, d.title, d.source FROM units u "
                "JOIN documents d ON d.id = u.document_id WHERE u.id = ANY(%s)",
                [units],
            ):
                out[Ref("unit", row["unit_id"])] = row
        if docs:
            for row in self.rows(
                "SELECT id AS document_id, kind AS document_kind, title, source, summary "
                "FROM documents WHERE id = ANY(%s)",
                [docs],
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
            "ARRAY(SELECT value FROM facets f WHERE f.document_id = d.id "
            "AND f.facet = 'pattern' ORDER BY value) AS patterns, "
            "ARRAY(SELECT value FROM facets f WHERE f.document_id = d.id "
            f"AND f.facet = 'technique' ORDER BY value) AS techniques FROM documents d WHERE {where} "
            'ORDER BY d.title COLLATE "C", d.id'
        )
        if limit:
            sql += f" LIMIT {int(limit)} OFFSET {max(0, int(offset))}"
        return self.rows(sql, params)

    def count_documents(self, filters: Filters) -> int:
        where, params = where_sql(filters)
        row = self.one(f"SELECT count(*) AS n FROM documents d WHERE {where}", params)
        return int(row["n"]) if row else 0

    def facet_counts(self, filters: Filters) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for facet in FACETS:
            where, params = where_sql(filters.without(facet))
            rows = self.rows(
                "SELECT f.value, count(DISTINCT d.id) AS n FROM facets f JOIN documents d "
                f"ON d.id = f.document_id WHERE f.facet = %s AND {where} "
                'GROUP BY f.value ORDER BY n DESC, f.value COLLATE "C"',
                [facet, *params],
            )
            out[facet] = {r["value"]: r["n"] for r in rows}
        return out

    def facet_values(self, facet: str) -> list[str]:
        """Each value once, by a loose index scan (checked on every filtered search)."""
        rows = self.rows(
            "WITH RECURSIVE v AS ((SELECT value FROM facets WHERE facet = %s ORDER BY value "
            "LIMIT 1) UNION ALL SELECT (SELECT f.value FROM facets f WHERE f.facet = %s "
            "AND f.value > v.value ORDER BY f.value LIMIT 1) FROM v WHERE v.value IS NOT NULL) "
            "SELECT value FROM v WHERE value IS NOT NULL",
            [facet, facet],
        )
        return sorted(r["value"] for r in rows)

    def pattern_documents(self) -> list[tuple[str, str, str, str]]:
        rows = self.rows(
            "SELECT p.value, d.id, COALESCE(NULLIF(d.department, ''), 'unknown') AS dept, "
            "substr(COALESCE(NULLIF(d.start_date, ''), NULLIF(d.end_date, ''), d.ingested_at), 1, 4) "
            "AS year FROM facets p JOIN documents d ON d.id = p.document_id "
            "WHERE p.facet = 'pattern' AND d.superseded_by IS NULL"
        )
        return [(r["value"], r["id"], r["dept"], r["year"] or "") for r in rows]

    def documents_by_month(self) -> list[tuple[str, str, list[str]]]:
        rows = self.rows(
            "SELECT substr(COALESCE(NULLIF(d.start_date, ''), d.ingested_at), 1, 7) AS month, d.id, "
            "(SELECT string_agg(value, ',') FROM facets f WHERE f.document_id = d.id "
            "AND f.facet = 'pattern') AS patterns FROM documents d WHERE d.superseded_by IS NULL"
        )
        return [(r["month"] or "", r["id"], (r["patterns"] or "").split(",")) for r in rows]

    def iter_documents(self) -> Iterator[dict[str, Any]]:
        ids = [r["id"] for r in self.rows("SELECT id FROM documents ORDER BY ingested_at, id")]
        for start in range(0, len(ids), 200):
            chunk = ids[start : start + 200]
            rows = {
                r["id"]: r
                for r in self.rows(
                    f"SELECT {_DOCUMENT_COLUMNS} FROM documents WHERE id = ANY(%s)", [chunk]
                )
            }
            yield from (rows[i] for i in chunk if i in rows)

    def count(self, table: str) -> int:
        name = table.removesuffix("_fts")  # full-text search lives in the tables themselves
        if name not in _TABLES:
            raise ValueError(f"no table {table!r}")
        row = self.one(f"SELECT count(*) AS n FROM {name}")
        return int(row["n"]) if row else 0

    # --- stored vectors --------------------------------------------------------------------
    def vector_of(self, ref: Ref, model: str) -> np.ndarray | None:
        row = self.one(
            "SELECT embedding FROM vectors WHERE kind = %s AND ref_id = %s AND model = %s",
            [ref.kind, ref.id, model],
        )
        return _array(row["embedding"]) if row else None

    def vectors_for(self, refs: list[Ref], model: str) -> dict[Ref, np.ndarray]:
        if not refs:
            return {}
        return {
            Ref(r["kind"], r["ref_id"]): _array(r["embedding"])
            for r in self.rows(
                "SELECT v.kind, v.ref_id, v.embedding FROM vectors v "
                "JOIN unnest(%s::text[], %s::text[]) AS w(kind, ref_id) "
                "ON v.kind = w.kind AND v.ref_id = w.ref_id WHERE v.model = %s",
                [[r.kind for r in refs], [r.id for r in refs], model],
            )
        }

    def vectors_of(self, document_id: str, model: str) -> dict[Ref, np.ndarray]:
        return {
            Ref(r["kind"], r["ref_id"]): _array(r["embedding"])
            for r in self.rows(
                "SELECT kind, ref_id, embedding FROM vectors WHERE document_id = %s AND model = %s",
                [document_id, model],
            )
        }

    def stored_vectors(self, document_id: str) -> list[dict[str, Any]]:
        return [
            {
                "kind": r["kind"],
                "ref_id": r["ref_id"],
                "model": r["model"],
                "dim": r["dim"],
                "vector": _array(r["embedding"]).tobytes(),
            }
            for r in self.rows(
                "SELECT kind, ref_id, model, dim, embedding FROM vectors WHERE document_id = %s "
                "ORDER BY vid",
                [document_id],
            )
        ]


def _array(value: Any) -> np.ndarray:
    """pgvector's Vector (or an array) as float32."""
    if hasattr(value, "to_numpy"):
        value = value.to_numpy()
    return np.asarray(value, dtype=np.float32)
