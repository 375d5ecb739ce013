"""The product on each backend: the same ingest, search, versions, deletes, keys, audit and
redaction (`pytest tests/backends --backend sqlite|postgres`), and `kb copy-store` between them."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from kb import KnowledgeBase, Settings
from kb.backends import Filters, Ref
from kb.cli import cli

POSTMORTEM = """---
department: claims
phase_reached: pilot
---
# Claims OCR pilot

## Root causes
- The OCR model failed on real scanned claim forms; the PoC only saw clean samples.
- The security review blocked the vendor LLM API two weeks before Gate 2.

## Lessons
- Run the PoC on production data from day one.
"""

HANDOFF = """# HR forecast handoff

Handed over by Ana Ruiz (data science) to Ben Okoro (operations) on 2025-03-01.

## Known issues
- The forecast drifts when the payroll calendar changes; nobody owns retraining.
"""


@pytest.fixture
def db(backend_name, tmp_path, request):
    if backend_name == "postgres":
        return request.getfixturevalue("pg_url")
    return str(tmp_path / "kb.db")


@pytest.fixture
def kb(db):
    base = KnowledgeBase(Settings(db=db))
    yield base
    base.close()


@pytest.fixture
def filled(kb, corpus_dir):
    report = kb.ingest_paths([str(corpus_dir / "postmortems"), str(corpus_dir / "handoffs")])
    assert not report.failed
    return kb


def test_the_shipped_corpus_is_searchable_with_filters(filled):
    found = filled.search("security review blocked the vendor API", limit=5)
    assert found["hits"] and found["hits"][0]["score"] > 0
    claims = filled.search("owner left the project", filters={"department": ["claims"]}, limit=10)
    assert claims["hits"]
    assert all(r["document_id"] for r in claims["hits"])
    departments = {filled.get_document(r["document_id"])["department"] for r in claims["hits"]}
    assert departments == {"claims"}
    keyword = filled.search("OCR", mode="bm25", limit=5)
    assert keyword["hits"] and "ocr" in json.dumps(keyword["hits"][0]).lower()
    stats = filled.stats()
    assert stats["documents"] == filled.store.count_documents(Filters())


def test_versions_duplicates_delete_and_audit(kb, tmp_path):
    path = tmp_path / "pm.md"
    path.write_text(POSTMORTEM)
    first = kb.ingest_paths([str(path)]).results[0]
    again = kb.ingest_paths([str(path)]).results[0]
    assert first.status == "added" and again.status == "unchanged"
    path.write_text(POSTMORTEM + "- Name a business owner before Gate 1.\n")
    second = kb.ingest_paths([str(path)]).results[0]
    assert second.status == "new-version" and second.supersedes == first.document_id
    hits = kb.search("business owner before Gate 1", limit=3)["hits"]
    assert hits[0]["document_id"] == second.document_id
    assert kb.get_document(first.document_id)["superseded_by"] == second.document_id
    assert kb.delete_document(second.document_id)
    assert kb.get_document(first.document_id)["superseded_by"] is None  # current again
    assert kb.search("business owner before Gate 1", limit=3)["hits"][0]["document_id"] == (
        first.document_id
    )
    actions = [e["action"] for e in kb.audit.entries(limit=10)]
    assert actions[:1] == ["delete"] and "ingest" in actions


def test_secrets_are_redacted_before_they_reach_the_store(kb, tmp_path):
    path = tmp_path / "leak.md"
    path.write_text(POSTMORTEM + "\nThe key was AKIAIOSFODNN7EXAMPLE in the notebook.\n")
    result = kb.ingest_paths([str(path)]).results[0]
    assert result.redacted
    stored = json.dumps(kb.get_document(result.document_id), default=str)
    assert "AKIAIOSFODNN7EXAMPLE" not in stored


def test_keys_on_each_backend(kb):
    key, token = kb.keys.create(role="reader", name="ci")
    assert kb.keys.verify(token).name == "ci"
    assert kb.keys.revoke(key.id) and kb.keys.verify(token) is None


def test_a_write_on_one_node_is_seen_by_another_at_once(db, kb, tmp_path):
    """Two KnowledgeBase objects on one store stand for two nodes (or two workers)."""
    other = KnowledgeBase(Settings(db=db))
    try:
        assert other.search("payroll calendar", limit=3)["hits"] == []
        path = tmp_path / "handoff.md"
        path.write_text(HANDOFF)
        doc_id = kb.ingest_paths([str(path)]).results[0].document_id
        assert other.search("payroll calendar drifts", limit=3)["hits"][0]["document_id"] == doc_id
        assert other.delete_document(doc_id)
        assert kb.search("payroll calendar drifts", limit=3)["hits"] == []
    finally:
        other.close()


def test_a_reused_result_never_hides_a_write_on_another_node(db, kb, tmp_path):
    """The charter assistant's searches reuse results only while no node has written since."""
    other = KnowledgeBase(Settings(db=db))
    try:
        first = other.search("payroll calendar drifts", limit=3, reuse=True)
        assert first["hits"] == []
        assert other.search("payroll calendar drifts", limit=3, reuse=True) == first
        path = tmp_path / "handoff.md"
        path.write_text(HANDOFF)
        doc_id = kb.ingest_paths([str(path)]).results[0].document_id
        found = other.search("payroll calendar drifts", limit=3, reuse=True)
        assert found["hits"][0]["document_id"] == doc_id
        found["hits"].clear()  # a caller changing its copy changes nothing kept
        again = other.search("payroll calendar drifts", limit=3, reuse=True)
        assert again["hits"][0]["document_id"] == doc_id
        assert kb.delete_document(doc_id)
        assert other.search("payroll calendar drifts", limit=3, reuse=True)["hits"] == []
    finally:
        other.close()


def test_copy_store_moves_everything_without_re_embedding(filled, backend_name, tmp_path, request):
    """SQLite -> PostgreSQL and PostgreSQL -> SQLite: the same records, vectors and rankings."""
    target = (
        str(tmp_path / "copy.db")
        if backend_name == "postgres"
        else request.getfixturevalue("pg_url")
    )
    filled.keys.create(role="admin", name="ops")
    source = KnowledgeBase(Settings(db=filled.settings.store))
    try:
        summary = source.copy_to(target)
        assert source._embedder is None  # the model was never loaded: nothing re-embedded
    finally:
        source.close()
    total = filled.store.count("documents")
    assert summary["documents_copied"] == total and summary["keys"] == 1
    assert summary["vectors"] == filled.store.count("vectors")
    copy = KnowledgeBase(Settings(db=target))
    try:
        some = next(iter(filled.store.iter_documents()))
        for ref, vector in filled.store.vectors_of(some["id"], filled.embedder.name).items():
            assert np.array_equal(copy.store.vector_of(ref, filled.embedder.name), vector)
        assert copy.get_document(some["id"])["units"] == filled.get_document(some["id"])["units"]
        assert copy.store.facet_counts(Filters()) == filled.store.facet_counts(Filters())
        assert [k.name for k in copy.keys.list()] == ["ops"]
        assert copy.audit.entries(limit=1)[0]["action"] == "copy-store"
        for query in ("security review blocked", "clean demo data instead of production"):
            # the same vectors give the same neighbours (keyword scores differ by backend)
            mine = filled.search(query, limit=10, mode="dense")["hits"]
            theirs = copy.search(query, limit=10, mode="dense")["hits"]
            similarity = [
                [h["explain"]["dense_similarity"] for h in hits] for hits in (mine, theirs)
            ]
            assert similarity[0] == similarity[1], query  # ties may come in either order
            assert len({h["text"] for h in mine} & {h["text"] for h in theirs}) >= 8, query
    finally:
        copy.close()
    again = CliRunner().invoke(cli, ["--db", filled.settings.store, "copy-store", "--to", target])
    assert again.exit_code == 0, again.output
    assert f"{total} were there already" in again.output


def test_vectors_are_not_mistaken_across_documents(filled):
    doc = next(iter(filled.store.iter_documents()))
    vectors = filled.store.vectors_of(doc["id"], filled.embedder.name)
    assert Ref("document", doc["id"]) in vectors
    assert all(ref.id.startswith(doc["id"]) for ref in vectors)  # its units' and its own only
    assert all(v.shape == (filled.embedder.dim,) for v in vectors.values())


def test_action_items_and_feedback_on_each_backend(filled, backend_name, tmp_path, request):
    """The follow-through on each backend: items listed overdue first and filtered, an edit that
    survives a reparse, a copy and an export/import, and votes judged by `kb eval --from-feedback`."""
    from kb.core import Actor

    items = filled.actions(status="all", on="2026-01-01")
    assert len(items) > 50 and items[0]["overdue"]
    claims = filled.actions(status="all", filters={"department": ["claims"]})
    assert claims and {i["department"] for i in claims} == {"claims"}
    target = items[0]
    filled.update_action(target["id"], status="dropped", owner="Ops desk", actor=Actor("ana"))
    filled.reparse()
    kept = filled.get_action(target["id"])
    assert (kept["status"], kept["owner"], kept["edited_by"]) == ("dropped", "Ops desk", "ana")
    unit = filled.search("clean demo data instead of production", limit=3)["hits"][0]
    filled.add_feedback(vote="up", query="clean demo data", unit_id=unit["unit_id"])
    other = (
        str(tmp_path / "copy.db")
        if backend_name == "postgres"
        else request.getfixturevalue("pg_url")
    )
    filled.copy_to(other)
    copy = KnowledgeBase(Settings(db=other))
    try:
        assert copy.get_action(target["id"])["status"] == "dropped"
        assert len(copy.actions(status="all")) == len(items)
        assert copy.feedback_stats()["votes"] == 1  # the votes travel too
    finally:
        copy.close()
    export = tmp_path / "export.jsonl"
    runner = CliRunner()
    assert (
        runner.invoke(cli, ["--db", filled.settings.store, "export", "-o", str(export)]).exit_code
        == 0
    )
    fresh = str(tmp_path / "imported.db")
    done = runner.invoke(cli, ["--db", fresh, "import", str(export)])
    assert done.exit_code == 0, done.output
    imported = KnowledgeBase(Settings(db=fresh))
    try:
        assert imported.get_action(target["id"])["owner"] == "Ops desk"
        assert imported.feedback_stats()["up"] == 1
    finally:
        imported.close()
    judged = runner.invoke(
        cli,
        ["--db", filled.settings.store, "eval", "--from-feedback", "--mode", "hybrid", "--json"],
    )
    assert judged.exit_code == 0, judged.output
    assert json.loads(judged.output)["queries"] == 1
