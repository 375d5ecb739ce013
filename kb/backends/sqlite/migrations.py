"""Numbered schema migrations of the SQLite backend; the only way its schema changes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlite_utils import Database

    from kb.backends.sqlite.store import SqliteStore


def m001_create_tables(db: Database) -> None:
    db.execute(
        """
        CREATE TABLE documents (
            id TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            title TEXT NOT NULL,
            project TEXT,
            department TEXT,
            use_case TEXT,
            phase_reached TEXT,
            outcome TEXT,
            source TEXT NOT NULL,
            source_key TEXT NOT NULL,
            format TEXT NOT NULL,
            encoding TEXT NOT NULL,
            content_hash TEXT NOT NULL UNIQUE,
            version INTEGER NOT NULL DEFAULT 1,
            superseded_by TEXT,
            ingested_at TEXT NOT NULL,
            start_date TEXT,
            end_date TEXT,
            summary TEXT,
            body TEXT NOT NULL,
            text TEXT NOT NULL,
            fields TEXT NOT NULL,
            warnings TEXT NOT NULL
        )
        """
    )
    db.execute("CREATE INDEX idx_documents_source_key ON documents(source_key)")
    db.execute(
        """
        CREATE TABLE units (
            id TEXT PRIMARY KEY,
            document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            ord INTEGER NOT NULL,
            kind TEXT NOT NULL,
            category TEXT,
            section TEXT NOT NULL,
            line_start INTEGER NOT NULL,
            line_end INTEGER NOT NULL,
            text TEXT NOT NULL
        )
        """
    )
    db.execute("CREATE INDEX idx_units_document ON units(document_id)")
    db.execute(
        """
        CREATE TABLE pattern_tags (
            document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            unit_id TEXT REFERENCES units(id) ON DELETE CASCADE,
            pattern TEXT NOT NULL,
            evidence TEXT NOT NULL,
            cue TEXT
        )
        """
    )
    db.execute("CREATE INDEX idx_tags_document ON pattern_tags(document_id)")
    db.execute("CREATE INDEX idx_tags_unit ON pattern_tags(unit_id)")
    db.execute(
        """
        CREATE TABLE facets (
            document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            facet TEXT NOT NULL,
            value TEXT NOT NULL,
            PRIMARY KEY (document_id, facet, value)
        )
        """
    )
    db.execute("CREATE INDEX idx_facets_value ON facets(facet, value)")
    from sqlite_utils.db import Table

    Table(db, "units").enable_fts(["text", "section"], create_triggers=True, tokenize="porter")
    Table(db, "documents").enable_fts(
        ["title", "summary", "body"], create_triggers=True, tokenize="porter"
    )


def m002_vectors(db: Database) -> None:
    """Embeddings live in SQLite (the source of truth); the FAISS file is rebuilt from here."""
    db.execute(
        """
        CREATE TABLE vectors (
            vid INTEGER PRIMARY KEY,
            kind TEXT NOT NULL,
            ref_id TEXT NOT NULL,
            document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            model TEXT NOT NULL,
            dim INTEGER NOT NULL,
            vector BLOB NOT NULL,
            UNIQUE (kind, ref_id, model)
        )
        """
    )
    db.execute("CREATE INDEX idx_vectors_document ON vectors(document_id)")
    db.execute("CREATE INDEX idx_vectors_model ON vectors(model)")


def m003_keys_and_audit(db: Database) -> None:
    """API keys (only a hash is kept) and an audit trail of who changed what."""
    db.execute(
        """
        CREATE TABLE api_keys (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            role TEXT NOT NULL CHECK (role IN ('reader', 'contributor', 'admin')),
            prefix TEXT NOT NULL,
            key_hash TEXT NOT NULL UNIQUE,
            created_at TEXT NOT NULL,
            revoked_at TEXT
        )
        """
    )
    db.execute(
        """
        CREATE TABLE audit (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            target TEXT,
            detail TEXT
        )
        """
    )
    db.execute("CREATE INDEX idx_audit_at ON audit(at)")


def m004_generation(db: Database) -> None:
    """A counter bumped by every write, so each process knows when its vector index is behind."""
    db.execute(
        "CREATE TABLE generation (id INTEGER PRIMARY KEY CHECK (id = 1), value INTEGER NOT NULL)"
    )
    db.execute("INSERT INTO generation (id, value) VALUES (1, 0)")


def m005_vectors_autoincrement(db: Database) -> None:
    """Vector ids are never reused: another process's index must not mistake a new vector for an old one."""
    db.execute(
        """
        CREATE TABLE vectors_new (
            vid INTEGER PRIMARY KEY AUTOINCREMENT,
            kind TEXT NOT NULL,
            ref_id TEXT NOT NULL,
            document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            model TEXT NOT NULL,
            dim INTEGER NOT NULL,
            vector BLOB NOT NULL,
            UNIQUE (kind, ref_id, model)
        )
        """
    )
    db.execute(
        "INSERT INTO vectors_new SELECT vid, kind, ref_id, document_id, model, dim, vector FROM vectors"
    )
    db.execute("DROP TABLE vectors")
    db.execute("ALTER TABLE vectors_new RENAME TO vectors")
    db.execute("CREATE INDEX idx_vectors_document ON vectors(document_id)")
    db.execute("CREATE INDEX idx_vectors_model ON vectors(model)")


def m006_unit_confidence(db: Database) -> None:
    """The reading layer's confidence in each unit's kind (NULL: the kind came from a heading)."""
    db.execute("ALTER TABLE units ADD COLUMN confidence REAL")


def m007_originals_and_places(db: Database) -> None:
    """The file as submitted (for download), and where in it each unit stands (page, slide, row)."""
    db.execute("ALTER TABLE units ADD COLUMN place TEXT")
    db.execute(
        """
        CREATE TABLE originals (
            document_id TEXT PRIMARY KEY REFERENCES documents(id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            media_type TEXT NOT NULL,
            size INTEGER NOT NULL,
            data BLOB NOT NULL
        )
        """
    )


def m008_actions_and_feedback(db: Database) -> None:
    """Action items read from documents (their status and owner editable, each edit audited) and
    votes on search results and charter suggestions."""
    db.execute(
        """
        CREATE TABLE actions (
            id TEXT PRIMARY KEY,
            document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            unit_id TEXT,
            ord INTEGER NOT NULL,
            text TEXT NOT NULL,
            owner TEXT,
            due TEXT,
            due_text TEXT,
            status TEXT NOT NULL CHECK (status IN ('open', 'done', 'dropped')),
            ticket TEXT,
            section TEXT NOT NULL,
            line_start INTEGER NOT NULL,
            line_end INTEGER NOT NULL,
            via TEXT,
            warning TEXT,
            edited_at TEXT,
            edited_by TEXT
        )
        """
    )
    db.execute("CREATE INDEX idx_actions_document ON actions(document_id)")
    db.execute("CREATE INDEX idx_actions_due ON actions(status, due)")
    db.execute(
        """
        CREATE TABLE feedback (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            actor TEXT NOT NULL,
            context TEXT NOT NULL,
            query TEXT,
            unit_id TEXT,
            document_id TEXT,
            vote INTEGER NOT NULL CHECK (vote IN (-1, 1)),
            comment TEXT
        )
        """
    )
    db.execute("CREATE INDEX idx_feedback_at ON feedback(at)")


def m009_unit_changes(db: Database) -> None:
    """A log of the units each write touched, so a process's in-memory keyword postings catch up
    on another process's writes by reading only those (unit rowids can be reused)."""
    db.execute(
        "CREATE TABLE unit_changes (seq INTEGER PRIMARY KEY AUTOINCREMENT, unit_rowid INTEGER NOT NULL)"
    )
    db.execute(
        "CREATE TRIGGER units_logged_ai AFTER INSERT ON units BEGIN "
        "INSERT INTO unit_changes (unit_rowid) VALUES (new.rowid); END"
    )
    db.execute(
        "CREATE TRIGGER units_logged_ad AFTER DELETE ON units BEGIN "
        "INSERT INTO unit_changes (unit_rowid) VALUES (old.rowid); END"
    )
    db.execute(
        "CREATE TRIGGER units_logged_au AFTER UPDATE OF text, section ON units BEGIN "
        "INSERT INTO unit_changes (unit_rowid) VALUES (old.rowid); "
        "INSERT INTO unit_changes (unit_rowid) VALUES (new.rowid); END"
    )


def m010_vector_changes(db: Database) -> None:
    """A log of the vectors whose liveness a write may have changed (added, deleted, or their
    document superseded or restored), so another process's FAISS cache catches up on those
    alone instead of comparing every live vector id (40 ms a write at 25k vectors)."""
    db.execute(
        "CREATE TABLE vector_changes (seq INTEGER PRIMARY KEY AUTOINCREMENT, vid INTEGER NOT NULL)"
    )
    db.execute(
        "CREATE TRIGGER vectors_logged_ai AFTER INSERT ON vectors BEGIN "
        "INSERT INTO vector_changes (vid) VALUES (new.vid); END"
    )
    db.execute(
        "CREATE TRIGGER vectors_logged_ad AFTER DELETE ON vectors BEGIN "
        "INSERT INTO vector_changes (vid) VALUES (old.vid); END"
    )
    db.execute(
        "CREATE TRIGGER documents_superseded_logged AFTER UPDATE OF superseded_by ON documents "
        "WHEN old.superseded_by IS NOT new.superseded_by BEGIN "
        "INSERT INTO vector_changes (vid) SELECT vid FROM vectors WHERE document_id = new.id; END"
    )


def m011_vector_scope_index(db: Database) -> None:
    """Vectors by model, kind and document in one covering index: a search scoped to documents
    (the near-duplicate check of every submission) or to units reads it instead of every vector
    row and its blob (25k vectors: 24 -> 4 ms)."""
    db.execute("CREATE INDEX idx_vectors_scope ON vectors(model, kind, document_id)")


MIGRATIONS: list[Callable[[Database], None]] = [
    m001_create_tables,
    m002_vectors,
    m003_keys_and_audit,
    m004_generation,
    m005_vectors_autoincrement,
    m006_unit_confidence,
    m007_originals_and_places,
    m008_actions_and_feedback,
    m009_unit_changes,
    m010_vector_changes,
    m011_vector_scope_index,
]


def apply(store: SqliteStore) -> list[str]:
    """Apply every migration not yet recorded; returns the names applied. A store that is up
    to date is checked with one query, without importing sqlite-utils."""
    store.conn.execute(
        "CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
    )
    done = {row["name"] for row in store.query("SELECT name FROM _migrations")}
    applied = []
    for migration in MIGRATIONS:
        if migration.__name__ in done:
            continue
        db = store.db
        db.conn.execute("BEGIN IMMEDIATE")  # a migration lands whole or not at all
        try:
            migration(db)
            db.execute(
                "INSERT INTO _migrations (name, applied_at) VALUES (?, ?)",
                [migration.__name__, datetime.now(UTC).isoformat(timespec="seconds")],
            )
        except BaseException:
            if db.conn.in_transaction:
                db.conn.execute("ROLLBACK")
            raise
        if db.conn.in_transaction:
            db.conn.execute("COMMIT")
        applied.append(migration.__name__)

    return applied
