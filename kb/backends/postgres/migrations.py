"""Numbered schema migrations of the PostgreSQL backend; applied once, under a lock, by whichever node
starts first."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import psycopg

MIGRATION_LOCK = 727_301  # pg_advisory_lock key: one node migrates, the others wait
ROWS_WITH_STATE = ("vectors", "units")  # tables that carry their document's filter state
BODY_CHARS = 300_000  # of a document's text in its body tsvector


def m001_create_tables(conn: psycopg.Connection) -> None:
    conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
    conn.execute(
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
            fields JSON NOT NULL,
            warnings JSON NOT NULL,
            tsv tsvector GENERATED ALWAYS AS (
                setweight(to_tsvector('english', coalesce(title, '')), 'A')
                || setweight(to_tsvector('english', coalesce(summary, '')), 'B')
            ) STORED
        )
        """
    )
    conn.execute("CREATE INDEX idx_documents_source_key ON documents(source_key)")
    conn.execute("CREATE INDEX idx_documents_current ON documents(id) WHERE superseded_by IS NULL")
    conn.execute("CREATE INDEX idx_documents_tsv ON documents USING gin(tsv)")
    conn.execute(
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
            text TEXT NOT NULL,
            confidence REAL,
            place TEXT,
            tsv tsvector GENERATED ALWAYS AS (
                setweight(to_tsvector('english', text), 'A')
                || setweight(to_tsvector('english', section), 'C')
            ) STORED
        )
        """
    )
    conn.execute("CREATE INDEX idx_units_document ON units(document_id)")
    conn.execute("CREATE INDEX idx_units_tsv ON units USING gin(tsv)")
    conn.execute(
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
    conn.execute("CREATE INDEX idx_tags_document ON pattern_tags(document_id)")
    conn.execute("CREATE INDEX idx_tags_unit ON pattern_tags(unit_id)")
    conn.execute(
        """
        CREATE TABLE facets (
            document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            facet TEXT NOT NULL,
            value TEXT NOT NULL,
            PRIMARY KEY (document_id, facet, value)
        )
        """
    )
    conn.execute("CREATE INDEX idx_facets_value ON facets(facet, value)")
    conn.execute(
        """
        CREATE TABLE vectors (
            vid BIGSERIAL PRIMARY KEY,
            kind TEXT NOT NULL,
            ref_id TEXT NOT NULL,
            document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            model TEXT NOT NULL,
            dim INTEGER NOT NULL,
            embedding vector NOT NULL,
            UNIQUE (kind, ref_id, model)
        )
        """
    )
    conn.execute("CREATE INDEX idx_vectors_document ON vectors(document_id)")
    conn.execute(
        """
        CREATE TABLE originals (
            document_id TEXT PRIMARY KEY REFERENCES documents(id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            media_type TEXT NOT NULL,
            size INTEGER NOT NULL,
            data BYTEA NOT NULL
        )
        """
    )
    conn.execute(
        """
        CREATE TABLE api_keys (
            id BIGSERIAL PRIMARY KEY,
            name TEXT NOT NULL,
            role TEXT NOT NULL CHECK (role IN ('reader', 'contributor', 'admin')),
            prefix TEXT NOT NULL,
            key_hash TEXT NOT NULL UNIQUE,
            created_at TEXT NOT NULL,
            revoked_at TEXT
        )
        """
    )
    conn.execute(
        """
        CREATE TABLE audit (
            id BIGSERIAL PRIMARY KEY,
            at TEXT NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            target TEXT,
            detail TEXT
        )
        """
    )
    conn.execute("CREATE INDEX idx_audit_at ON audit(at)")


def m002_lexicon(conn: psycopg.Connection) -> None:
    """Document frequencies of every lexeme (and row counts and lengths), kept exact by statement
    triggers, so keyword search can rank by BM25 as FTS5 does (ts_rank has no IDF)."""
    conn.execute(
        """
        CREATE TABLE lexicon (
            scope CHAR(1) NOT NULL,       -- 'u': units.tsv, 'd': documents.tsv
            lexeme TEXT NOT NULL,         -- '' is the scope's totals row
            n BIGINT NOT NULL,            -- rows holding the lexeme (totals: rows)
            length BIGINT NOT NULL DEFAULT 0,  -- totals: sum of length(tsv), for the mean
            PRIMARY KEY (scope, lexeme)
        )
        """
    )
    conn.execute(
        """
        CREATE FUNCTION lexicon_count(which CHAR(1), tsvs tsvector[], sign INTEGER)
        RETURNS void LANGUAGE sql AS $$
            INSERT INTO lexicon (scope, lexeme, n, length)
            SELECT which, lexeme, sign * count(*), 0
            FROM unnest(tsvs) AS t(tsv), unnest(tsvector_to_array(tsv)) AS lexeme
            GROUP BY lexeme ORDER BY lexeme  -- one lock order for every writer: no deadlocks
            ON CONFLICT (scope, lexeme) DO UPDATE SET n = lexicon.n + excluded.n;
            INSERT INTO lexicon (scope, lexeme, n, length)
            SELECT which, '', sign * count(*), sign * coalesce(sum(length(tsv)), 0)
            FROM unnest(tsvs) AS t(tsv) HAVING count(*) > 0
            ON CONFLICT (scope, lexeme) DO UPDATE
            SET n = lexicon.n + excluded.n, length = lexicon.length + excluded.length;
        $$
        """
    )
    for table, scope in (("units", "u"), ("documents", "d")):
        conn.execute(
            f"""
            CREATE FUNCTION {table}_lexicon_added() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                PERFORM lexicon_count('{scope}', ARRAY(SELECT tsv FROM added), 1);
                RETURN NULL;
            END $$
            """
        )
        conn.execute(
            f"""
            CREATE FUNCTION {table}_lexicon_removed() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                PERFORM lexicon_count('{scope}', ARRAY(SELECT tsv FROM removed), -1);
                RETURN NULL;
            END $$
            """
        )
        conn.execute(
            f"CREATE TRIGGER {table}_lexicon_insert AFTER INSERT ON {table} "
            f"REFERENCING NEW TABLE AS added FOR EACH STATEMENT "
            f"EXECUTE FUNCTION {table}_lexicon_added()"
        )
        conn.execute(
            f"CREATE TRIGGER {table}_lexicon_delete AFTER DELETE ON {table} "
            f"REFERENCING OLD TABLE AS removed FOR EACH STATEMENT "
            f"EXECUTE FUNCTION {table}_lexicon_removed()"
        )
    # a document read again (`kb reparse`) may change its title or summary
    conn.execute(
        """
        CREATE FUNCTION documents_lexicon_changed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM lexicon_count('d', ARRAY(SELECT tsv FROM removed), -1);
            PERFORM lexicon_count('d', ARRAY(SELECT tsv FROM added), 1);
            RETURN NULL;
        END $$
        """
    )
    conn.execute(
        "CREATE TRIGGER documents_lexicon_update AFTER UPDATE ON documents "
        "REFERENCING OLD TABLE AS removed NEW TABLE AS added FOR EACH STATEMENT "
        "EXECUTE FUNCTION documents_lexicon_changed()"
    )
    conn.execute("SELECT lexicon_count('u', ARRAY(SELECT tsv FROM units), 1)")
    conn.execute("SELECT lexicon_count('d', ARRAY(SELECT tsv FROM documents), 1)")


def m003_tsvectors_inline(conn: psycopg.Connection) -> None:
    """Keep tsvectors in the row (compressed) rather than in TOAST: ranking reads each candidate's
    several times, and a TOAST fetch each time made keyword search 2-3x slower at 100k units.
    Rows written from now on; existing ones move when rewritten (VACUUM FULL)."""
    conn.execute("ALTER TABLE units ALTER COLUMN tsv SET STORAGE MAIN")
    conn.execute("ALTER TABLE documents ALTER COLUMN tsv SET STORAGE MAIN")


def m004_filter_state_on_rows(conn: psycopg.Connection) -> None:
    """Vector and unit rows carry what the filters ask of their document (current or superseded,
    and its facets as `facet:value` tags), kept true by triggers, so a filtered nearest-neighbour
    scan or keyword search checks the row it already holds instead of joining documents and facets
    for every candidate (at 1M units the join was 40% of a keyword query); a GIN index on the
    vectors' tags lets the planner answer a rare filter exactly instead."""
    for table in ROWS_WITH_STATE:
        conn.execute(f"ALTER TABLE {table} ADD COLUMN live BOOLEAN NOT NULL DEFAULT TRUE")
        conn.execute(f"ALTER TABLE {table} ADD COLUMN tags TEXT[] NOT NULL DEFAULT '{{}}'")
    conn.execute(
        """
        CREATE FUNCTION document_tags(doc TEXT) RETURNS TEXT[] LANGUAGE sql STABLE AS $$
            SELECT coalesce(array_agg(facet || ':' || value ORDER BY facet, value), '{}')
            FROM facets WHERE document_id = doc
        $$
        """
    )
    conn.execute(
        """
        CREATE FUNCTION filter_state_filled() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            NEW.live := coalesce(
                (SELECT superseded_by IS NULL FROM documents WHERE id = NEW.document_id), TRUE);
            NEW.tags := document_tags(NEW.document_id);
            RETURN NEW;
        END $$
        """
    )
    tags_updates = "".join(
        f"""
            UPDATE {table} t SET tags = document_tags(t.document_id)
            WHERE t.document_id IN (SELECT DISTINCT document_id FROM changed)
            AND t.tags IS DISTINCT FROM document_tags(t.document_id)
            AND EXISTS (SELECT 1 FROM documents d WHERE d.id = t.document_id);  -- not being deleted"""
        for table in ROWS_WITH_STATE
    )
    conn.execute(
        f"""
        CREATE FUNCTION facets_to_rows() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN{tags_updates}
            RETURN NULL;
        END $$
        """
    )
    live_updates = "".join(
        f"""
            UPDATE {table} SET live = (NEW.superseded_by IS NULL) WHERE document_id = NEW.id;"""
        for table in ROWS_WITH_STATE
    )
    conn.execute(
        f"""
        CREATE FUNCTION documents_live_to_rows() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN{live_updates}
            RETURN NULL;
        END $$
        """
    )
    for table in ROWS_WITH_STATE:
        conn.execute(
            f"CREATE TRIGGER {table}_fill BEFORE INSERT OR UPDATE OF document_id ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION filter_state_filled()"
        )
        conn.execute(
            f"UPDATE {table} t SET live = (d.superseded_by IS NULL), tags = document_tags(d.id) "
            "FROM documents d WHERE d.id = t.document_id"
        )
    for event, transition in (("INSERT", "NEW"), ("DELETE", "OLD"), ("UPDATE", "NEW")):
        conn.execute(
            f"CREATE TRIGGER facets_{event.lower()}_rows AFTER {event} ON facets "
            f"REFERENCING {transition} TABLE AS changed FOR EACH STATEMENT "
            "EXECUTE FUNCTION facets_to_rows()"
        )
    conn.execute(
        "CREATE TRIGGER documents_live_rows AFTER UPDATE OF superseded_by ON documents "
        "FOR EACH ROW WHEN ((OLD.superseded_by IS NULL) <> (NEW.superseded_by IS NULL)) "
        "EXECUTE FUNCTION documents_live_to_rows()"
    )
    conn.execute("CREATE INDEX idx_vectors_tags ON vectors USING gin(tags)")


def m005_actions_and_feedback(conn: psycopg.Connection) -> None:
    """Action items read from documents (their status and owner editable, each edit audited) and
    votes on search results and charter suggestions."""
    conn.execute(
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
    conn.execute("CREATE INDEX idx_actions_document ON actions(document_id)")
    conn.execute("CREATE INDEX idx_actions_due ON actions(status, due)")
    conn.execute(
        """
        CREATE TABLE feedback (
            id BIGSERIAL PRIMARY KEY,
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
    conn.execute("CREATE INDEX idx_feedback_at ON feedback(at)")


def m006_generation(conn: psycopg.Connection) -> None:
    """A counter bumped by every write in the write's own transaction, so any node can tell
    whether a result it computed earlier still holds (as SQLite's m004_generation)."""
    conn.execute(
        "CREATE TABLE generation (id INTEGER PRIMARY KEY CHECK (id = 1), value BIGINT NOT NULL)"
    )
    conn.execute("INSERT INTO generation (id, value) VALUES (1, 0)")


def m007_document_bodies(conn: psycopg.Connection) -> None:
    """A tsvector of each document's whole text (its first BODY_CHARS characters, well inside the
    1 MB a tsvector may hold), counted in the lexicon as scope 'b', for the search's document
    signal: BM25 over the whole text, as FTS5 ranks the body column on SQLite."""
    conn.execute(
        "ALTER TABLE documents ADD COLUMN body_tsv tsvector GENERATED ALWAYS AS "
        f"(to_tsvector('english', left(body, {BODY_CHARS}))) STORED"
    )
    conn.execute("CREATE INDEX idx_documents_body_tsv ON documents USING gin(body_tsv)")
    for event, table, sign in (("added", "added", 1), ("removed", "removed", -1)):
        conn.execute(
            f"""
            CREATE FUNCTION documents_body_lexicon_{event}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                PERFORM lexicon_count('b', ARRAY(SELECT body_tsv FROM {table}), {sign});
                RETURN NULL;
            END $$
            """
        )
    conn.execute(
        """
        CREATE FUNCTION documents_body_lexicon_changed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM lexicon_count('b', ARRAY(SELECT body_tsv FROM removed), -1);
            PERFORM lexicon_count('b', ARRAY(SELECT body_tsv FROM added), 1);
            RETURN NULL;
        END $$
        """
    )
    for name, event, refs, function in (
        ("insert", "INSERT", "NEW TABLE AS added", "added"),
        ("delete", "DELETE", "OLD TABLE AS removed", "removed"),
        ("update", "UPDATE", "OLD TABLE AS removed NEW TABLE AS added", "changed"),
    ):
        conn.execute(
            f"CREATE TRIGGER documents_body_lexicon_{name} AFTER {event} ON documents "
            f"REFERENCING {refs} FOR EACH STATEMENT "
            f"EXECUTE FUNCTION documents_body_lexicon_{function}()"
        )
    conn.execute("SELECT lexicon_count('b', ARRAY(SELECT body_tsv FROM documents), 1)")


MIGRATIONS: list[Callable[[psycopg.Connection], None]] = [
    m001_create_tables,
    m002_lexicon,
    m003_tsvectors_inline,
    m004_filter_state_on_rows,
    m005_actions_and_feedback,
    m006_generation,
    m007_document_bodies,
]


def apply(conn: psycopg.Connection) -> list[str]:
    """Apply every migration not yet recorded, each whole or not at all; returns the names applied."""
    applied: list[str] = []
    conn.execute("SELECT pg_advisory_lock(%s)", [MIGRATION_LOCK])
    try:
        with conn.transaction():
            conn.execute(
                "CREATE TABLE IF NOT EXISTS _migrations "
                "(name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
            )
        done = {r[0] for r in conn.execute("SELECT name FROM _migrations").fetchall()}
        for migration in MIGRATIONS:
            if migration.__name__ in done:
                continue
            with conn.transaction():
                migration(conn)
                conn.execute(
                    "INSERT INTO _migrations (name, applied_at) VALUES (%s, %s)",
                    [migration.__name__, datetime.now(UTC).isoformat(timespec="seconds")],
                )
            applied.append(migration.__name__)
    finally:
        conn.execute("SELECT pg_advisory_unlock(%s)", [MIGRATION_LOCK])
    return applied
