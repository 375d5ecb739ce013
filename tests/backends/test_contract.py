"""The contract every backend keeps, run on each one: `pytest tests/backends --backend sqlite`."""

from __future__ import annotations

import json

import numpy as np
import pytest

from kb.backends import Filters, Ref, VectorScope, open_backend
from kb.vectors import to_blob

DIM = 8


@pytest.fixture
def backend(backend_name, tmp_path, request):
    if backend_name == "sqlite":
        made = open_backend(tmp_path / "contract.db")
    elif backend_name == "postgres":
        made = open_backend(request.getfixturevalue("pg_url"))
    else:  # pragma: no cover - a backend added without a fixture here
        pytest.fail(f"no contract fixture for {backend_name}")
    yield made
    made.close()


def unit_vector(seed: int) -> np.ndarray:
    v = np.random.default_rng(seed).normal(size=DIM).astype(np.float32)
    return v / np.linalg.norm(v)


def document(
    doc_id: str,
    *,
    title: str,
    units: list[tuple[str, str]],
    facets: list[tuple[str, str]] = (),
    source_key: str | None = None,
    version: int = 1,
    start: str | None = None,
    seed: int = 0,
    body: str | None = None,
) -> tuple[dict, list[dict], list[dict], list[tuple[str, str]], list[dict]]:
    row = {
        "id": doc_id,
        "kind": "postmortem",
        "title": title,
        "project": None,
        "department": dict(facets).get("department"),
        "use_case": None,
        "phase_reached": None,
        "outcome": None,
        "source": f"{doc_id}.md",
        "source_key": source_key or f"key-{doc_id}",
        "format": "markdown",
        "encoding": "utf-8",
        "content_hash": doc_id * 4,
        "version": version,
        "superseded_by": None,
        "ingested_at": "2026-01-01T00:00:00+00:00",
        "start_date": start,
        "end_date": None,
        "summary": f"summary of {title}",
        "body": body if body is not None else " ".join(t for _, t in units),
        "text": " ".join(t for _, t in units),
        "fields": {"title": {"value": title}},
        "warnings": [],
    }
    unit_rows = [
        {
            "id": f"{doc_id}-{i:03d}",
            "document_id": doc_id,
            "ord": i,
            "kind": kind,
            "category": None,
            "section": "Lessons",
            "line_start": i,
            "line_end": i,
            "text": text,
        }
        for i, (kind, text) in enumerate(units, 1)
    ]
    tags = [
        {
            "document_id": doc_id,
            "unit_id": unit_rows[0]["id"],
            "pattern": "handoff-loss",
            "evidence": units[0][1],
            "cue": "",
        }
    ]
    vectors = [
        {
            "kind": "unit",
            "ref_id": u["id"],
            "model": "fake",
            "dim": DIM,
            "vector": to_blob(unit_vector(seed + i)),
        }
        for i, u in enumerate(unit_rows)
    ] + [
        {
            "kind": "document",
            "ref_id": doc_id,
            "model": "fake",
            "dim": DIM,
            "vector": to_blob(unit_vector(seed + 99)),
        }
    ]
    return row, unit_rows, tags, [("kind", "postmortem"), *facets], vectors


def put(backend, *args, supersedes=None, **kwargs):
    row, units, tags, facets, vectors = document(*args, **kwargs)
    backend.store.insert_document(row, units, tags, facets, supersedes=supersedes, vectors=vectors)
    return row


@pytest.fixture
def index(backend):
    """Opened before the writes, as the core does, so a cache never sees them as drift."""
    return backend.vector_index(model="fake", dim=DIM)


@pytest.fixture
def filled(backend, index):
    put(
        backend,
        "aaaa00000001",
        title="Claims bot",
        units=[
            ("lesson", "Name two owners before the handoff"),
            ("root_cause", "OCR on clean scans"),
        ],
        facets=[("department", "claims"), ("pattern", "handoff-loss")],
        start="2024-03-01",
        seed=1,
    )
    put(
        backend,
        "bbbb00000002",
        title="HR forecast",
        units=[("lesson", "Security review before Gate 1"), ("context", "Background on owners")],
        facets=[("department", "hr")],
        start="2025-06-01",
        seed=10,
    )
    return backend


def test_a_document_round_trips(filled):
    store = filled.store
    doc = store.get_document("aaaa00000001")
    assert doc["title"] == "Claims bot" and doc["fields"] == {"title": {"value": "Claims bot"}}
    assert store.get_document("aaaa0")["id"] == "aaaa00000001"  # a unique prefix
    assert store.find_by_hash("aaaa00000001" * 4)["id"] == "aaaa00000001"
    assert [u["kind"] for u in store.units_of("aaaa00000001")] == ["lesson", "root_cause"]
    assert store.tags_of("aaaa00000001")[0]["pattern"] == "handoff-loss"
    assert ("department", "claims") in store.facets_of("aaaa00000001")
    assert store.get_unit("aaaa00000001-001")["patterns"][0]["pattern"] == "handoff-loss"
    assert store.unit_patterns(["aaaa00000001-001", "aaaa00000001-002"]) == {
        "aaaa00000001-001": {"handoff-loss"}
    }
    assert store.count("documents") == 2 and store.count("units") == 4
    assert store.count_documents(Filters()) == 2


def test_a_failed_write_leaves_nothing_and_runs_no_commit_hook(backend):
    ran = []
    with pytest.raises(RuntimeError), backend.store.transaction():
        backend.store.after_commit(lambda: ran.append(1))
        put(backend, "cccc00000003", title="Half", units=[("lesson", "x")])
        backend.audit.insert(at="now", actor="t", action="submit", target="c", detail=None)
        raise RuntimeError("crash half-way")
    assert backend.store.count("documents") == 0 and backend.store.count("units") == 0
    assert backend.audit.entries(limit=10, actor=None) == [] and ran == []
    with backend.store.transaction():
        backend.store.after_commit(lambda: ran.append(1))
        assert ran == []  # not before the commit
    assert ran == [1]


def test_a_duplicate_hash_is_an_integrity_error(filled):
    with pytest.raises(filled.integrity_errors):
        put(filled, "aaaa00000001", title="again", units=[("lesson", "x")])


def test_versions_delete_and_relink(backend):
    put(backend, "dddd00000001", title="v1", units=[("lesson", "one")], source_key="k")
    put(
        backend,
        "dddd00000002",
        title="v2",
        units=[("lesson", "two")],
        source_key="k",
        version=2,
        supersedes="dddd00000001",
    )
    assert backend.store.current_version_at("k")["id"] == "dddd00000002"
    assert [d["id"] for d in backend.store.list_documents(Filters())] == ["dddd00000002"]
    assert len(backend.store.list_documents(Filters(include_superseded=True))) == 2
    assert backend.store.delete_document("dddd00000002")
    assert backend.store.current_version_at("k")["id"] == "dddd00000001"
    assert not backend.store.delete_document("dddd00000002")
    backend.store.relink_versions("k")
    assert backend.store.get_document("dddd00000001")["superseded_by"] is None


def test_every_write_moves_the_generation(backend):
    """What a result computed earlier may be reused against: every kind of write changes it."""
    store = backend.store
    seen = [store.generation()]
    put(backend, "eeee00000001", title="v1", units=[("lesson", "one")], source_key="g")
    seen.append(store.generation())
    doc, units, tags, facets, vectors = document(
        "eeee00000001", title="v1 again", units=[("lesson", "uno")], source_key="g"
    )
    store.replace_document(doc, units, tags, facets, vectors=vectors)
    seen.append(store.generation())
    store.relink_versions("g")
    seen.append(store.generation())
    assert store.delete_document("eeee00000001")
    seen.append(store.generation())
    assert seen == sorted(set(seen)), seen  # rose at each write
    with pytest.raises(RuntimeError), store.transaction():
        put(backend, "eeee00000002", title="lost", units=[("lesson", "x")])
        raise RuntimeError("rolled back")
    assert store.generation() == seen[-1]  # a write rolled back moves nothing


def test_filters_and_facet_counts(filled):
    store = filled.store
    claims = Filters(department=("claims",))
    assert [d["id"] for d in store.list_documents(claims)] == ["aaaa00000001"]
    assert store.list_documents(claims)[0]["patterns"] == ["handoff-loss"]
    assert store.count_documents(Filters(since="2025-01-01")) == 1
    assert store.count_documents(Filters(until="2024-12-31")) == 1
    counts = store.facet_counts(claims)
    assert counts["department"] == {"claims": 1, "hr": 1}  # its own filter left out
    assert counts["kind"] == {"postmortem": 1}
    assert store.facet_values("department") == ["claims", "hr"]
    assert ("handoff-loss", "aaaa00000001", "claims", "2024") in store.pattern_documents()
    months = {m: p for m, _, p in store.documents_by_month()}
    assert months["2024-03"] == ["handoff-loss"]
    assert len(store.list_documents(Filters(), limit=1, offset=1)) == 1


def test_keyword_search_scores_higher_is_better_and_filters(filled):
    hits = filled.keywords.search(["owners"], Filters(), 10)
    refs = [h.ref for h in hits]
    assert Ref("unit", "aaaa00000001-001") in refs and Ref("unit", "bbbb00000002-002") in refs
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    only_hr = filled.keywords.search(["owners"], Filters(department=("hr",)), 10)
    assert {h.ref.id for h in only_hr} == {"bbbb00000002-002"}
    titles = filled.keywords.search(["forecast"], Filters(), 10)
    assert Ref("document", "bbbb00000002") in [h.ref for h in titles]
    assert filled.keywords.search([], Filters(), 10) == []


def test_documents_rank_by_their_whole_text(backend, index):
    """The document signal: words found only in a document's text (not its title, summary or
    units) rank it; more of them, higher; filters and superseded versions as everywhere else."""
    filler = " ".join(f"word{i}" for i in range(40))
    put(
        backend,
        "eeee00000001",
        title="A",
        units=[("lesson", "x")],
        source_key="e1",
        body=f"procurement stalled; procurement again and procurement {filler}",
        facets=[("department", "finance")],
    )
    put(
        backend,
        "eeee00000002",
        title="B",
        units=[("lesson", "y")],
        source_key="e2",
        body=f"one mention of procurement {filler} {filler}",
        facets=[("department", "hr")],
    )
    put(
        backend,
        "eeee00000003",
        title="C",
        units=[("lesson", "z")],
        source_key="e3",
        body="nothing of the kind",
    )
    hits = backend.keywords.bodies(["procurement"], Filters(), 10)
    assert [h.ref for h in hits] == [
        Ref("document", "eeee00000001"),
        Ref("document", "eeee00000002"),
    ]
    assert hits[0].score > hits[1].score > 0
    assert backend.keywords.search(["procurement"], Filters(), 10) == []  # not a unit's word
    only_hr = backend.keywords.bodies(["procurement"], Filters(department=("hr",)), 10)
    assert [h.ref.id for h in only_hr] == ["eeee00000002"]
    put(
        backend,
        "eeee00000004",
        title="A2",
        units=[("lesson", "x")],
        source_key="e1",
        version=2,
        supersedes="eeee00000001",
        body="rewritten without the word",
    )
    assert [h.ref.id for h in backend.keywords.bodies(["procurement"], Filters(), 10)] == [
        "eeee00000002"
    ]
    assert backend.keywords.bodies([], Filters(), 10) == []


def test_keyword_search_finds_the_best_that_pass_even_when_better_ones_do_not(backend, index):
    """Many strong matches filtered out and a few weak ones kept: the weak ones still come back,
    best first (a backend that ranks first and filters after must look past the first rows)."""
    for i in range(30):
        put(
            backend,
            f"c{i:011d}",
            title=f"Claims {i}",
            units=[("lesson", "owners owners owners of the pilot")],
            facets=[("department", "claims")],
            seed=200 + i,
        )
    for i, text in enumerate(["owners named late", "a note on owners and budgets and scope"]):
        put(
            backend,
            f"h{i:011d}",
            title=f"HR {i}",
            units=[("lesson", text)],
            facets=[("department", "hr")],
            seed=300 + i,
        )
    every = backend.keywords.search(["owners"], Filters(), 5)
    assert all(h.ref.id.startswith("c") for h in every)
    hr = backend.keywords.search(["owners"], Filters(department=("hr",)), 5)
    assert [h.ref.id for h in hr] == ["h00000000000-001", "h00000000001-001"]
    assert hr[0].score > hr[1].score


def test_vector_search_filters_before_ranking(filled, index):
    assert index.count == 6
    query = unit_vector(1)  # the first unit of the claims document
    hits = index.search(query, 3, Filters())
    assert hits[0].ref == Ref("unit", "aaaa00000001-001") and hits[0].similarity > 0.99
    assert [h.similarity for h in hits] == sorted((h.similarity for h in hits), reverse=True)
    hr = index.search(query, 10, Filters(department=("hr",)))
    assert hr and {h.ref.id[:4] for h in hr} == {"bbbb"}  # the limit is filled from hr alone
    lessons = index.search(
        query, 10, Filters(), VectorScope("unit", ("lesson",), exclude_document="aaaa00000001")
    )
    assert [h.ref for h in lessons] == [Ref("unit", "bbbb00000002-001")]
    docs = index.search(query, 10, Filters(), VectorScope("document"))
    assert {h.ref.kind for h in docs} == {"document"} and len(docs) == 2


def test_writes_reach_the_vector_index(filled, index):
    put(filled, "eeee00000005", title="new", units=[("lesson", "fresh")], seed=50)
    index.refresh()
    assert index.count == 8
    assert index.search(unit_vector(50), 1, Filters())[0].ref == Ref("unit", "eeee00000005-001")
    filled.store.delete_document("eeee00000005")
    index.refresh()
    assert index.count == 6


def test_describe_is_one_batch(filled):
    rows = filled.store.describe(
        [Ref("unit", "aaaa00000001-002"), Ref("document", "bbbb00000002"), Ref("unit", "gone")]
    )
    assert rows[Ref("unit", "aaaa00000001-002")]["text"] == "OCR on clean scans"
    assert rows[Ref("document", "bbbb00000002")]["title"] == "HR forecast"
    assert Ref("unit", "gone") not in rows


def test_stored_vectors(filled):
    vector = filled.store.vector_of(Ref("unit", "aaaa00000001-001"), "fake")
    assert np.allclose(vector, unit_vector(1))
    assert filled.store.vector_of(Ref("unit", "aaaa00000001-001"), "other") is None
    assert len(filled.store.vectors_of("aaaa00000001", "fake")) == 3
    asked = [
        Ref("unit", "aaaa00000001-001"),
        Ref("document", "bbbb00000002"),
        Ref("unit", "gone"),
        Ref("document", "aaaa00000001-001"),  # a unit's id asked as a document: no such vector
    ]
    found = filled.store.vectors_for(asked, "fake")
    assert set(found) == {Ref("unit", "aaaa00000001-001"), Ref("document", "bbbb00000002")}
    assert np.allclose(found[Ref("unit", "aaaa00000001-001")], unit_vector(1))
    assert (
        filled.store.vectors_for(asked, "other") == {}
        and filled.store.vectors_for([], "fake") == {}
    )


def test_keys_and_audit(backend):
    key_id = backend.keys.insert(
        name="ci", role="reader", prefix="kb_abc", key_hash="h1", created_at="t0"
    )
    assert backend.keys.any()
    assert backend.keys.by_hash("h1")["id"] == key_id and backend.keys.by_hash("nope") is None
    assert backend.keys.revoke(key_id, "t1") and not backend.keys.revoke(key_id, "t2")
    assert backend.keys.all()[0]["revoked_at"] == "t1"
    backend.audit.insert(at="t", actor="ann", action="submit", target="x", detail=json.dumps(1))
    backend.audit.insert(at="t", actor="bob", action="delete", target="y", detail=None)
    assert [e["actor"] for e in backend.audit.entries(limit=10, actor=None)] == ["bob", "ann"]
    assert [e["action"] for e in backend.audit.entries(limit=10, actor="ann")] == ["submit"]


def _action(doc_id: str, n: int, **over) -> dict:
    row = {
        "id": f"{doc_id}-a{n}",
        "document_id": doc_id,
        "unit_id": f"{doc_id}-001",
        "ord": n,
        "text": f"action {n}",
        "owner": None,
        "due": None,
        "due_text": None,
        "status": "open",
        "ticket": None,
        "section": "Actions",
        "line_start": n,
        "line_end": n,
        "via": "table",
        "warning": None,
        "edited_at": None,
        "edited_by": None,
    }
    return {**row, **over}


def test_action_items_query_order_filters_and_kept_edits(filled, backend):
    from kb.backends import ActionQuery

    a = backend.actions
    a.replace(
        "aaaa00000001",
        [
            _action("aaaa00000001", 1, due="2024-01-31", owner="Dana Reyes"),
            _action("aaaa00000001", 2, due="2099-01-01"),
            _action("aaaa00000001", 3, status="done", due="2023-01-01"),
            _action("aaaa00000001", 4),
        ],
    )
    a.replace("bbbb00000002", [_action("bbbb00000002", 1, due="2024-06-30", owner="Lee")])
    rows = a.query(ActionQuery(), today="2025-01-01")
    # overdue (open, due before today) first, oldest first; then by due date; undated last
    assert [r["id"] for r in rows][:2] == ["aaaa00000001-a1", "bbbb00000002-a1"]
    assert rows[-1]["id"] == "aaaa00000001-a4"
    assert rows[0]["document_title"] == "Claims bot" and rows[0]["department"] == "claims"
    overdue = a.query(ActionQuery(overdue_on="2025-01-01"), today="2025-01-01")
    assert {r["id"] for r in overdue} == {"aaaa00000001-a1", "bbbb00000002-a1"}
    assert [r["id"] for r in a.query(ActionQuery(status=("done",)), today="2025-01-01")] == [
        "aaaa00000001-a3"
    ]
    assert [r["owner"] for r in a.query(ActionQuery(owner="DANA"), today="2025-01-01")] == [
        "Dana Reyes"
    ]
    claims = a.query(ActionQuery(filters=Filters(department=("claims",))), today="2025-01-01")
    assert {r["document_id"] for r in claims} == {"aaaa00000001"}
    assert a.update("aaaa00000001-a2", {"status": "dropped", "edited_at": "t", "edited_by": "me"})
    assert not a.update("missing", {"status": "done"})
    assert not a.update("aaaa00000001-a2", {"text": "not editable"})
    # a re-read of the document keeps what a person changed, by id
    a.replace(
        "aaaa00000001",
        [_action("aaaa00000001", 2, due="2099-01-01"), _action("aaaa00000001", 5)],
    )
    kept = {r["id"]: r for r in a.of_document("aaaa00000001")}
    assert set(kept) == {"aaaa00000001-a2", "aaaa00000001-a5"}
    assert (kept["aaaa00000001-a2"]["status"], kept["aaaa00000001-a2"]["edited_by"]) == (
        "dropped",
        "me",
    )
    assert a.get("aaaa00000001-a5")["status"] == "open"
    backend.store.delete_document("aaaa00000001")
    assert a.of_document("aaaa00000001") == [] and a.get("aaaa00000001-a2") is None


def test_action_rows_roll_back_with_their_transaction(filled, backend):
    with pytest.raises(RuntimeError), backend.store.transaction():
        backend.actions.replace("aaaa00000001", [_action("aaaa00000001", 1)])
        raise RuntimeError("crash half-way")
    assert backend.actions.of_document("aaaa00000001") == []


def test_feedback_entries(filled, backend):
    f = backend.feedback
    first = f.insert(
        at="2026-01-01T00:00:00+00:00",
        actor="ana",
        context="search",
        query="demo data",
        unit_id="aaaa00000001-001",
        document_id="aaaa00000001",
        vote=1,
        comment=None,
    )
    f.insert(
        at="2026-02-01T00:00:00+00:00",
        actor="ben",
        context="charter",
        query=None,
        unit_id=None,
        document_id="bbbb00000002",
        vote=-1,
        comment="not relevant",
    )
    rows = f.entries()
    assert [r["id"] for r in rows][0] == first and [r["vote"] for r in rows] == [1, -1]
    assert [r["actor"] for r in f.entries(since="2026-01-15")] == ["ben"]


def test_a_filter_repeated_across_writes_sees_each_write(filled, index):
    """A backend may remember which rows a filter passes, but never past a write."""
    query = unit_vector(1)
    hr = Filters(department=("hr",))
    before = {h.ref.id[:4] for h in index.search(query, 10, hr)}
    assert before == {"bbbb"}
    assert {h.ref.id[:4] for h in index.search(query, 10, hr)} == before
    put(
        filled,
        "cccc00000003",
        title="HR again",
        units=[("lesson", "x")],
        facets=[("department", "hr")],
        seed=1,
    )
    index.refresh()
    assert {h.ref.id[:4] for h in index.search(query, 10, hr)} == {"bbbb", "cccc"}
    filled.store.delete_document("bbbb00000002")
    index.refresh()
    assert {h.ref.id[:4] for h in index.search(query, 10, hr)} == {"cccc"}
