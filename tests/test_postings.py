"""The units' in-memory postings rank exactly as FTS5's bm25() does, and keep up with writes."""

from __future__ import annotations

import random

import pytest

from kb.backends import Filters, open_backend
from kb.backends.sqlite.keyword import fts_query
from kb.backends.sqlite.store import SqliteStore
from tests.backends.test_contract import put

WORDS = [
    "pilot",
    "owner",
    "data",
    "production",
    "scan",
    "invoice",
    "vendor",
    "security",
    "review",
    "budget",
    "model",
    "drift",
    "handover",
    "runbook",
    "label",
    "labels",
    "labelled",
    "running",
    "runs",
    "gate",
    "sponsor",
    "kpi",
    "baseline",
    "target",
    "forecast",
    "churn",
    "chatbot",
    "answers",
    "retrain",
    "retraining",
    "monitoring",
    "latency",
    "cost",
    "clean",
    "demo",
    "sample",
    "privacy",
    "consent",
    "audit",
    "rollout",
    "users",
    "adoption",
    "training",
    "workshop",
    "api",
    "export",
]


def sentence(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 14)))


@pytest.fixture
def filled(tmp_path):
    backend = open_backend(tmp_path / "postings.db")
    rng = random.Random(7)
    for i in range(220):  # 1,100 units: past COMMON_MIN_ROWS, so common terms are left out
        put(
            backend,
            f"d{i:011d}",
            title=f"Project {i}",
            units=[("lesson", sentence(rng)) for _ in range(5)],
            facets=[("department", "claims" if i % 3 else "hr")],
            seed=i,
        )
    yield backend
    backend.close()


def fts_top(conn, terms, limit):
    return conn.execute(
        "SELECT rowid, bm25(units_fts, 1.0, 0.3) AS s FROM units_fts WHERE units_fts MATCH ? "
        "ORDER BY s LIMIT ?",
        [fts_query(terms), limit],
    ).fetchall()


def same_ranking(mine, theirs):
    """Equal scores, and equal rows wherever no tie at the cut makes the choice arbitrary."""
    assert [round(s, 9) for _, s in mine] == [round(s, 9) for _, s in theirs]
    if mine:
        cut = round(mine[-1][1], 9)
        assert {r for r, s in mine if round(s, 9) < cut} == {
            r for r, s in theirs if round(s, 9) < cut
        }


def queries(n=60, seed=3):
    rng = random.Random(seed)
    return [rng.sample(WORDS, rng.randint(1, 5)) for _ in range(n)]


def test_postings_score_every_query_as_fts5_does(filled):
    conn = filled.store.conn
    postings = filled.keywords.postings
    state = postings.build(conn)
    assert state.rows == 1100
    for terms in queries():
        tokens = postings.phrases(terms)
        assert tokens is not None
        same_ranking(postings.top(state, tokens, 40), fts_top(conn, terms, 40))


def test_keyword_search_is_the_same_with_postings_as_without(filled, monkeypatch):
    monkeypatch.setattr("kb.backends.sqlite.keyword.POSTINGS_AFTER", 10**9)
    cases = [(terms, Filters()) for terms in queries(30)]
    cases += [(terms, Filters(department=("hr",))) for terms in queries(30, seed=5)]
    before = [filled.keywords.search(t, f, 20) for t, f in cases]
    assert filled.keywords.postings.state is None  # all of these ranked by FTS5
    filled.keywords.build_postings()
    after = [filled.keywords.search(t, f, 20) for t, f in cases]
    for old, new in zip(before, after, strict=True):
        assert [round(h.score, 9) for h in old] == [round(h.score, 9) for h in new]
        if old:
            cut = round(old[-1].score, 9)
            assert {h.ref for h in old if round(h.score, 9) > cut} == {
                h.ref for h in new if round(h.score, 9) > cut
            }


def test_postings_catch_up_on_another_process_writes_and_reused_rowids(filled, tmp_path):
    conn = filled.store.conn
    keywords = filled.keywords
    keywords.build_postings()
    other = SqliteStore(tmp_path / "postings.db")  # another process's connection to the file
    try:
        rng = random.Random(11)
        backend_other = type("B", (), {"store": other})()
        put(backend_other, "n00000000001", title="New", units=[("lesson", "zebra crossing pilot")])
        other.delete_document("d00000000005")
        other.delete_document("n00000000001")  # the last rowids, free to be used again
        put(
            backend_other,
            "n00000000002",
            title="Reused",
            units=[("lesson", "quokka " + sentence(rng)), ("lesson", sentence(rng))],
            seed=900,
        )
        generation = other.generation()
    finally:
        other.close()
    state = keywords.postings.catch_up(conn, generation)
    assert state is not None and state.generation == generation
    assert state.rows == 1100 - 5 + 2
    assert keywords.postings.top(state, ["zebra"], 10) == []  # its row now holds other text
    assert [r for r, _ in keywords.postings.top(state, ["quokka"], 10)] == [
        r for r, _ in fts_top(conn, ["quokka"], 10)
    ]
    for terms in queries(40, seed=9):
        same_ranking(
            keywords.postings.top(state, keywords.postings.phrases(terms), 30),
            fts_top(conn, terms, 30),
        )
    fresh = keywords.postings.build(conn)
    for terms in queries(20, seed=13):
        tokens = keywords.postings.phrases(terms)
        same_ranking(
            keywords.postings.top(state, tokens, 30), keywords.postings.top(fresh, tokens, 30)
        )


def test_phrases_are_ranked_by_fts5_within_the_postings(filled, monkeypatch):
    monkeypatch.setattr("kb.backends.sqlite.keyword.POSTINGS_AFTER", 10**9)
    cases = [
        ["pilot-owner", "budget"],
        ["data production", "scan"],
        ["clean-demo"],
        ["runs", "api-export", "gate"],
    ]
    before = [filled.keywords.search(t, Filters(), 15) for t in cases]
    assert filled.keywords.postings.state is None
    filled.keywords.build_postings()
    assert filled.keywords.postings.phrases(["no-go", "pilot"]) == [None, "pilot"]
    assert filled.keywords.postings.phrases(["labelled", "Running"]) == ["label", "run"]
    after = [filled.keywords.search(t, Filters(), 15) for t in cases]
    for old, new in zip(before, after, strict=True):
        assert old and [round(h.score, 9) for h in old] == [round(h.score, 9) for h in new]


def test_a_single_search_builds_no_postings(filled):
    keywords = filled.keywords
    keywords.search(["pilot"], Filters(), 5)
    assert keywords._building is None
    keywords.search(["pilot"], Filters(), 5)
    keywords._building.join(timeout=30)
    assert keywords.postings.state is not None and keywords.postings.failed is None


def test_a_server_builds_the_postings_before_it_says_it_is_ready(tmp_path):
    from fastapi.testclient import TestClient

    from api.app import create_app
    from kb import Settings

    app = create_app(Settings(db=tmp_path / "kb.db"), wait=True)
    with TestClient(app) as client:
        assert client.get("/ready").json()["ready"] is True
        assert app.state.kb.backend.keywords.postings.state is not None


def test_a_phrase_row_written_after_the_state_is_left_out_with_its_own_score(filled):
    import numpy as np

    postings = filled.keywords.postings
    state = postings.build(filled.store.conn)
    newer = len(state.size) + 5  # a row the state has not seen, listed before a known one
    top = postings.top(state, [(np.array([newer, 3]), np.array([5.0, 1.0]))], 5)
    assert top == [(3, -1.0)]
