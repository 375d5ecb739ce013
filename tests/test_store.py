import sqlite3

import pytest

from kb import KnowledgeBase, Settings
from kb.backends.sqlite import SqliteStore

DOC = (
    "# Bot postmortem\n\n## Root causes\n- Nobody owned the bot after the PoC team disbanded.\n"
    "## Lessons\n- Name an operations owner at Gate 0.\n"
)


def test_migrations_run_once(tmp_path):
    path = tmp_path / "s.db"
    SqliteStore(path).close()
    store = SqliteStore(path)
    names = [r["name"] for r in store.db.query("SELECT name FROM _migrations")]
    assert names[:4] == [
        "m001_create_tables",
        "m002_vectors",
        "m003_keys_and_audit",
        "m004_generation",
    ]
    assert names[4:] == [
        "m005_vectors_autoincrement",
        "m006_unit_confidence",
        "m007_originals_and_places",
        "m008_actions_and_feedback",
        "m009_unit_changes",
        "m010_vector_changes",
        "m011_vector_scope_index",
    ]
    assert {"documents", "units", "units_fts", "documents_fts", "facets", "pattern_tags"} <= set(
        store.db.table_names()
    )


def test_identical_content_is_a_noop(kb, tmp_path):
    path = tmp_path / "pm.md"
    path.write_text(DOC)
    assert kb.ingest_paths([str(path)]).count("added") == 1
    again = kb.ingest_paths([str(path)])
    assert again.count("unchanged") == 1
    copy = tmp_path / "copy.md"
    copy.write_bytes(DOC.replace("\n", "\r\n").encode())  # same text, other line endings
    assert kb.ingest_paths([str(copy)]).count("unchanged") == 1
    assert kb.store.count("documents") == 1


def test_changed_file_becomes_new_version(kb, tmp_path):
    path = tmp_path / "pm.md"
    path.write_text(DOC)
    first = kb.ingest_paths([str(path)]).results[0]
    path.write_text(DOC + "- Keep prompts in the repository.\n")
    second = kb.ingest_paths([str(path)]).results[0]
    assert second.status == "new-version" and second.supersedes == first.document_id
    old = kb.get_document(first.document_id)
    assert old["superseded_by"] == second.document_id
    assert [d["id"] for d in kb.list_documents()] == [second.document_id]
    assert len(kb.list_documents(include_superseded=True)) == 2
    assert kb.get_document(second.document_id)["version"] == 2


def test_failure_midway_leaves_nothing(tmp_path, monkeypatch):
    kb = KnowledgeBase(Settings(db=tmp_path / "kb.db"))
    path = tmp_path / "pm.md"
    path.write_text(DOC)
    real_insert = kb.store._insert
    calls = {"n": 0}

    def flaky(table, row):
        calls["n"] += 1
        if table == "pattern_tags" or calls["n"] > 3:
            raise KeyboardInterrupt  # Ctrl-C half-way through a document
        real_insert(table, row)

    monkeypatch.setattr(kb.store, "_insert", flaky)
    with pytest.raises(KeyboardInterrupt):
        kb.ingest_paths([str(path)])
    monkeypatch.undo()
    for table in ("documents", "units", "pattern_tags", "facets", "units_fts", "documents_fts"):
        assert kb.store.count(table) == 0, table
    # a rerun finishes the job
    assert kb.ingest_paths([str(path)]).count("added") == 1
    assert kb.store.count("units") == 2


def test_fts_in_step_with_units(kb, tmp_path):
    path = tmp_path / "pm.md"
    path.write_text(DOC)
    kb.ingest_paths([str(path)])
    hits = list(kb.store.db.query("SELECT rowid FROM units_fts WHERE units_fts MATCH 'disbanded'"))
    assert len(hits) == 1
    doc_id = kb.list_documents()[0]["id"]
    assert kb.delete_document(doc_id)
    assert (
        list(kb.store.db.query("SELECT rowid FROM units_fts WHERE units_fts MATCH 'disbanded'"))
        == []
    )
    assert kb.store.count("units") == 0


def test_unique_prefix_lookup(kb, tmp_path):
    path = tmp_path / "pm.md"
    path.write_text(DOC)
    doc_id = kb.ingest_paths([str(path)]).results[0].document_id
    assert kb.get_document(doc_id[:6])["id"] == doc_id


def test_store_is_plain_sqlite(kb, tmp_path):
    (tmp_path / "pm.md").write_text(DOC)
    kb.ingest_paths([str(tmp_path / "pm.md")])
    conn = sqlite3.connect(tmp_path / "kb.db")
    assert conn.execute("SELECT count(*) FROM units").fetchone()[0] == 2
