"""What only the PostgreSQL backend has: its migrations under a lock, its HNSW index and the
iterative scans that let a filtered search fill its limit, its pool after a lost connection."""

from __future__ import annotations

import threading
import time

import numpy as np
import psycopg
import pytest

from kb.backends import Filters, PostgresOptions, open_backend, redact_url
from kb.backends.postgres.migrations import MIGRATIONS
from kb.vectors import to_blob

DIM = 16


def test_migrations_are_recorded_and_run_once_when_nodes_start_together(pg_url):
    opened, errors = [], []

    def start() -> None:
        try:
            opened.append(open_backend(pg_url))
        except Exception as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and len(opened) == 4
    with psycopg.connect(pg_url) as conn:
        names = [r[0] for r in conn.execute("SELECT name FROM _migrations ORDER BY name")]
    assert names == [m.__name__ for m in MIGRATIONS]
    for backend in opened:
        backend.close()


def test_the_url_password_never_shows(pg_url):
    assert redact_url("postgresql://kb:s3cret@db:5432/kb") == "postgresql://kb:***@db:5432/kb"
    backend = open_backend(pg_url)
    try:
        assert backend.describe()["backend"] == "postgres"
    finally:
        backend.close()


def _fill(backend, n: int) -> np.ndarray:
    """n one-unit documents; every 50th in department 'rare'."""
    rng = np.random.default_rng(3)
    vectors = rng.normal(size=(n, DIM)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    with psycopg.connect(backend.url) as conn, conn.cursor() as cur:
        for i in range(n):
            doc = f"doc{i:05d}"
            dept = "rare" if i % 50 == 0 else "common"
            cur.execute(
                "INSERT INTO documents (id, kind, title, source, source_key, format, encoding, "
                "content_hash, ingested_at, body, text, fields, warnings, department) VALUES "
                "(%s, 'postmortem', %s, %s, %s, 'markdown', 'utf-8', %s, 't', '', '', '{}', '[]', %s)",
                [doc, doc, doc, doc, doc, dept],
            )
            cur.execute("INSERT INTO facets VALUES (%s, 'department', %s)", [doc, dept])
            cur.execute(
                "INSERT INTO units (id, document_id, ord, kind, section, line_start, line_end, text) "
                "VALUES (%s, %s, 1, 'lesson', 'Lessons', 1, 1, 'text')",
                [doc + "-u", doc],
            )
        conn.commit()
    rows = [
        {
            "kind": "unit",
            "ref_id": f"doc{i:05d}-u",
            "model": "fake",
            "dim": DIM,
            "vector": to_blob(v),
        }
        for i, v in enumerate(vectors)
    ]
    with backend.store.connection() as conn, conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO vectors (kind, ref_id, document_id, model, dim, embedding) "
            "VALUES (%s, %s, %s, %s, %s, %s)",
            [
                [
                    r["kind"],
                    r["ref_id"],
                    r["ref_id"][:-2],
                    "fake",
                    DIM,
                    np.frombuffer(r["vector"], np.float32),
                ]
                for r in rows
            ],
        )
    return vectors


def test_hnsw_is_used_and_a_filtered_search_still_fills_its_limit(pg_url):
    backend = open_backend(pg_url)
    try:
        index = backend.vector_index(model="fake", dim=DIM)  # creates the HNSW index
        vectors = _fill(backend, 3000)
        with backend.store.connection() as conn:
            conn.execute("ANALYZE")
            names = [
                r["indexname"]
                for r in conn.execute(
                    "SELECT indexname FROM pg_indexes WHERE tablename = 'vectors'"
                )
            ]
        assert index.name in names
        query = vectors[7]
        with backend.store.connection() as conn:
            conn.execute("SET enable_seqscan = off")  # small table: make the planner show its index
            conn.execute("SET enable_bitmapscan = off")
            plan = "\n".join(
                r["QUERY PLAN"]
                for r in conn.execute(
                    "EXPLAIN SELECT v.ref_id FROM vectors v WHERE v.model = 'fake' "
                    f"ORDER BY (v.embedding::vector({DIM})) <=> %s::vector({DIM}) LIMIT 10",
                    [query],
                )
            )
        assert index.name in plan
        top = index.search(query, 10, Filters())
        assert top[0].ref.id == "doc00007-u" and len(top) == 10
        rare = index.search(query, 40, Filters(department=("rare",)))
        assert len(rare) == 40  # 60 rare documents of 3000: the limit is filled from them alone
        assert all(int(h.ref.id[3:8]) % 50 == 0 for h in rare)
        exact = np.argsort(-(vectors[::50] @ query))[:10]
        assert {f"doc{50 * int(i):05d}-u" for i in exact} <= {h.ref.id for h in rare[:20]}
    finally:
        backend.close()


def test_a_lost_connection_is_replaced_not_reused(pg_url, monkeypatch):
    import kb.backends.postgres as pg

    monkeypatch.setattr(pg, "IDLE_CHECK_SECONDS", 0.2)
    backend = open_backend(pg_url, PostgresOptions(pool_size=2))

    def cut_every_connection() -> None:
        with psycopg.connect(pg_url, autocommit=True) as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )

    try:
        backend.ping()
        cut_every_connection()
        time.sleep(0.3)
        backend.ping()  # an idle connection is checked before it is lent, and replaced
        cut_every_connection()
        # one used a moment ago is lent unchecked: that call fails as "unavailable" (a 503) ...
        with pytest.raises(backend.unavailable_errors):
            backend.ping()
        backend.ping()  # ... and the broken connection is not lent again
        assert backend.store.count("documents") == 0
    finally:
        backend.close()


def test_an_unreachable_database_is_a_clear_error():
    from kb.backends import DatabaseUnavailable

    with pytest.raises(
        DatabaseUnavailable,
        match=r"cannot reach the database at postgresql://kb:\*\*\*@127\.0\.0\.1:1/kb",
    ):
        open_backend("postgresql://kb:pw@127.0.0.1:1/kb")


def test_the_lexicon_stays_exact_through_writes_reparse_and_deletes(pg_url, corpus_dir):
    """BM25 needs each lexeme's document frequency; triggers keep it, whatever writes the rows."""
    from kb import KnowledgeBase, Settings

    kb = KnowledgeBase(Settings(db=pg_url))
    try:
        kb.ingest_paths([str(corpus_dir / "handoffs")])
        kb.reparse()
        doc = next(iter(kb.store.iter_documents()))
        kb.delete_document(doc["id"])
        with psycopg.connect(pg_url) as conn:
            for scope, table in (("u", "units"), ("d", "documents")):
                drift = conn.execute(
                    "WITH truth AS (SELECT lexeme, count(*) AS n FROM "
                    f"{table}, unnest(tsvector_to_array(tsv)) AS lexeme GROUP BY lexeme) "
                    "SELECT count(*) FROM truth FULL JOIN (SELECT lexeme, n FROM lexicon "
                    "WHERE scope = %s AND lexeme <> '' AND n <> 0) l USING (lexeme) "
                    "WHERE truth.n IS DISTINCT FROM l.n",
                    [scope],
                ).fetchone()[0]
                rows, length = conn.execute(
                    f"SELECT count(*), sum(length(tsv)) FROM {table}"
                ).fetchone()
                totals = conn.execute(
                    "SELECT n, length FROM lexicon WHERE scope = %s AND lexeme = ''", [scope]
                ).fetchone()
                assert drift == 0 and totals == (rows, length), (table, drift, totals)
    finally:
        kb.close()


def test_the_filter_state_on_rows_stays_exact_through_versions_reparse_and_deletes(
    pg_url, corpus_dir, tmp_path
):
    """Filtered searches read `live` and `tags` off vector and unit rows; triggers keep them equal
    to the documents and facets they copy, whatever writes those."""
    from kb import KnowledgeBase, Settings

    kb = KnowledgeBase(Settings(db=pg_url))
    try:
        kb.ingest_paths([str(corpus_dir / "handoffs")])
        page = tmp_path / "vision-pilot.md"
        text = (
            "# Vision pilot postmortem\n\nDepartment: claims\n\n## Root cause\n\n"
            "The demo used curated photos, not the field uploads.\n"
        )
        page.write_text(text)
        kb.ingest_paths([str(page)])
        page.write_text(text.replace("claims", "legal") + "\n## Lessons\n\nTest on field data.\n")
        kb.ingest_paths([str(page)])  # a second version supersedes the first
        kb.reparse()
        doc = next(iter(kb.store.iter_documents()))
        kb.delete_document(doc["id"])
        with psycopg.connect(pg_url) as conn:
            for table in ("vectors", "units"):
                checked, wrong, superseded = conn.execute(
                    "SELECT count(*), count(*) FILTER (WHERE t.live IS DISTINCT FROM "
                    "(d.superseded_by IS NULL) OR t.tags IS DISTINCT FROM ARRAY(SELECT "
                    "f.facet || ':' || f.value FROM facets f WHERE f.document_id = d.id "
                    "ORDER BY f.facet, f.value)), "
                    f"count(*) FILTER (WHERE NOT t.live) FROM {table} t "
                    "JOIN documents d ON d.id = t.document_id"
                ).fetchone()
                assert checked > 0 and wrong == 0, table
                assert superseded > 0, table  # the first version's rows, marked not current
            orphans = conn.execute(
                "SELECT count(*) FROM vectors v WHERE NOT EXISTS "
                "(SELECT 1 FROM documents d WHERE d.id = v.document_id)"
            ).fetchone()[0]
        assert orphans == 0
        found = kb.search("curated photos field uploads", filters={"department": ["legal"]})
        assert found["hits"][0]["source"].endswith("vision-pilot.md")
        old = kb.search("curated photos", mode="dense", filters={"department": ["claims"]})
        assert not [h for h in old["hits"] if h["source"].endswith("vision-pilot.md")]
    finally:
        kb.close()
