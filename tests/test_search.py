"""Search on a real SQLite store with the hashing embedder (fast, deterministic)."""

import json
import math

import pytest
from click.testing import CliRunner

from kb import KnowledgeBase, Settings
from kb.backends.sqlite.faiss_index import IndexRebuilt, index_path_for
from kb.cli import cli
from kb.evaluation import ndcg, recall, reciprocal_rank
from kb.filters import FilterError
from kb.search import SearchError


def write(folder, name, department, body):
    path = folder / name
    path.write_text(
        f"---\ndepartment: {department}\nphase_reached: pilot\n---\n# {name}\n\n{body}\n"
    )
    return path


@pytest.fixture
def store(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    for i in range(6):
        write(
            docs,
            f"claims-{i}.md",
            "Claims",
            "## Root causes\n- The OCR model failed on real scanned claim forms.\n"
            "- The security review blocked the vendor LLM API.\n",
        )
    write(
        docs,
        "hr-bot.md",
        "HR",
        "## Lessons\n- Involve recruiters before the PoC.\n"
        "## Root causes\n- The chatbot had no owner after go-live.\n",
    )
    kb = KnowledgeBase(Settings(db=tmp_path / "kb.db"))
    kb.ingest_paths([str(docs)])
    yield kb
    kb.close()


def test_hits_have_the_documented_fields(store):
    result = store.search("security review blocked vendor LLM", limit=3)
    assert result["query"] == "security review blocked vendor LLM"
    hit = result["hits"][0]
    assert set(hit) >= {
        "rank",
        "unit_id",
        "document_id",
        "source",
        "title",
        "section",
        "kind",
        "text",
        "snippet",
        "score",
        "explain",
    }
    assert hit["rank"] == 1 and hit["source"].endswith(".md")
    assert "security" in hit["explain"]["matched_terms"]
    assert hit["explain"]["keyword_rank"] is not None
    assert hit["explain"]["dense_similarity"] is not None
    assert "**security**" in hit["snippet"].lower()
    assert hit["explain"]["location"]["lines"][0] > 0


def test_filters_apply_before_ranking(store):
    # the six claims documents win the unfiltered top 3; the HR document must still fill a filtered search
    top = store.search("OCR scanned claim forms security vendor", limit=3)
    assert all("claims" in h["source"] for h in top["hits"])
    filtered = store.search(
        "OCR scanned claim forms security vendor", limit=3, filters={"department": ["hr"]}
    )
    assert filtered["hits"] and all("hr-bot" in h["source"] for h in filtered["hits"])
    for mode in ("dense", "bm25", "hybrid"):
        only_hr = store.search("claim", limit=50, mode=mode, filters={"department": ["hr"]})
        assert all("hr-bot" in h["source"] for h in only_hr["hits"])


def test_unknown_filter_value_lists_valid_ones(store):
    with pytest.raises(FilterError, match="valid: claims, hr"):
        store.search("x", filters={"department": ["marketing"]})
    with pytest.raises(FilterError, match="valid: poc, pilot, production"):
        store.search("x", filters={"phase": ["beta"]})


def test_empty_and_huge_queries(store):
    with pytest.raises(SearchError, match="empty query"):
        store.search("   ")
    result = store.search("security " * 2000 + "x" * 5000, limit=2)
    assert result["hits"] and "note" in result


def test_empty_store_says_so(tmp_path):
    kb = KnowledgeBase(Settings(db=tmp_path / "empty.db"))
    result = kb.search("anything")
    assert result["hits"] == [] and "empty" in result["message"]


def test_group_by_document(store):
    grouped = store.search("OCR security vendor", limit=10, group=True)
    ids = [h["document_id"] for h in grouped["hits"]]
    assert len(ids) == len(set(ids))
    assert any(h["also"] for h in grouped["hits"])


def test_one_document_fills_at_most_two_places_unless_asked(store, tmp_path):
    path = write(
        tmp_path,
        "ocr-saga.md",
        "Claims",
        "".join(
            f"## Root cause {i}\n\nThe OCR model failed on real scanned claim forms in batch {i}.\n\n"
            for i in range(8)
        ),
    )
    store.ingest_paths([str(path)])
    capped = store.search("OCR failed on scanned claim forms", limit=10)["hits"]
    per_doc: dict[str, int] = {}
    for hit in capped:
        per_doc[hit["document_id"]] = per_doc.get(hit["document_id"], 0) + 1
    assert max(per_doc.values()) == 2 and len(capped) == 10
    uncapped = store.search("OCR failed on scanned claim forms", limit=10, per_document=0)["hits"]
    saga = [h for h in uncapped if h["source"].endswith("ocr-saga.md")]
    assert len(saga) > 2
    one = store.search("OCR failed on scanned claim forms", limit=5, per_document=1)["hits"]
    assert len({h["document_id"] for h in one}) == 5
    with pytest.raises(SearchError, match="per-document"):
        store.search("OCR", per_document=-1)
    out = CliRunner().invoke(
        cli,
        [
            "--db",
            str(store.settings.db_path),
            "search",
            "OCR scanned",
            "--per-document",
            "1",
            "--json",
        ],
    )
    assert out.exit_code == 0, out.output
    ids = [h["document_id"] for h in json.loads(out.output)["hits"]]
    assert len(ids) == len(set(ids))


def test_related_excludes_own_document(store):
    unit = store.search("chatbot had no owner", limit=1, mode="bm25")["hits"][0]
    related = store.related(unit["unit_id"], limit=5)
    assert related["hits"]
    assert all(h["document_id"] != unit["document_id"] for h in related["hits"])
    with pytest.raises(SearchError, match="no unit"):
        store.related("nope-001")


def test_index_follows_adds_and_deletes_without_rebuild(store, tmp_path, recwarn):
    before = store.vectors.count
    path = write(tmp_path, "new.md", "HR", "## Lessons\n- Name two owners.\n")
    store.ingest_paths([str(path)])
    assert store.vectors.count == before + 2  # one unit and the document
    doc_id = store.search("two owners", limit=1, mode="bm25")["hits"][0]["document_id"]
    assert store.delete_document(doc_id)
    assert store.vectors.count == before
    assert store.vectors.ids() == set(store.store.live_vector_ids(store.vectors.model).tolist())

    assert not [w for w in recwarn if issubclass(w.category, IndexRebuilt)]


def reopen(tmp_path):
    return KnowledgeBase(Settings(db=tmp_path / "kb.db"))


def test_missing_index_is_rebuilt_with_a_warning(store, tmp_path):
    count = store.vectors.count
    store.close()
    index_path_for(tmp_path / "kb.db").unlink()
    kb = reopen(tmp_path)
    with pytest.warns(IndexRebuilt, match="missing"):
        assert kb.vectors.count == count


def test_corrupt_index_is_rebuilt(store, tmp_path):
    store.close()
    index_path_for(tmp_path / "kb.db").write_bytes(b"not a faiss file")
    with pytest.warns(IndexRebuilt, match="corrupt"):
        assert reopen(tmp_path).search("OCR", limit=1)["hits"]


def test_index_from_another_model_is_rebuilt(store, tmp_path):
    store.close()
    meta = index_path_for(tmp_path / "kb.db").with_name("kb.db.faiss.json")
    meta.write_text(json.dumps({"model": "some-other-model", "dim": 384, "count": 1}))
    with pytest.warns(IndexRebuilt, match="some-other-model"):
        reopen(tmp_path).vectors  # noqa: B018


def test_index_out_of_step_is_repaired(store, tmp_path):
    doc_id = store.list_documents()[0]["id"]
    store.close()
    kb = reopen(tmp_path)
    kb.store.conn.execute("DELETE FROM documents WHERE id = ?", [doc_id])  # behind the index's back
    with pytest.warns(IndexRebuilt, match="out of step"):
        kb.vectors  # noqa: B018
    assert all(h["document_id"] != doc_id for h in kb.search("OCR security", limit=50)["hits"])


def test_an_unchanged_store_opens_its_index_without_comparing_ids(store, tmp_path, monkeypatch):
    expected = store.search("OCR scanned claim forms", limit=5)["hits"]
    store.close()  # saves the index with the store's write count
    kb = reopen(tmp_path)

    def no_full_read(model):  # the id comparison a changed store needs
        raise AssertionError("the store was read whole although nothing changed")

    monkeypatch.setattr(kb.store, "live_vectors", no_full_read)
    assert kb.search("OCR scanned claim forms", limit=5)["hits"] == expected
    monkeypatch.undo()  # a filtered search reads which document each vector belongs to
    hits = kb.search("OCR", limit=5, filters={"department": ["hr"]})["hits"]
    assert hits and all(h["title"].startswith("hr") for h in hits)


def test_a_write_the_saved_index_never_saw_is_caught_up_on_open(store, tmp_path, recwarn):
    store.close()
    other = reopen(tmp_path)  # another process: it writes and ends without saving the index
    late = write(tmp_path, "late.md", "HR", "## Lessons\n- Zebra owners.\n")
    assert other.ingest_bytes(late.read_bytes(), source=str(late))[0].status == "added"
    other.backend.close()
    kb = reopen(tmp_path)
    assert kb.search("zebra owners", limit=3, mode="dense")["hits"][0]["title"] == "late.md"
    assert kb.vectors.ids() == set(kb.store.live_vector_ids(kb.vectors.model).tolist())


def test_reindex_command(store, tmp_path):
    store.close()
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "kb.db"), "reindex"])
    assert result.exit_code == 0 and "vector index rebuilt: 21 vectors" in result.output


def test_search_cli_json_and_errors(store, tmp_path):
    db = str(tmp_path / "kb.db")
    store.close()
    out = CliRunner().invoke(
        cli, ["--db", db, "search", "vendor LLM", "--json", "--department", "claims"]
    )
    assert out.exit_code == 0
    data = json.loads(out.stdout)
    assert data["filters"] == {"department": ["claims"]} and data["hits"]
    bad = CliRunner().invoke(cli, ["--db", db, "search", "x", "--department", "nope"])
    assert bad.exit_code == 2 and "valid: claims, hr" in bad.output
    empty = CliRunner().invoke(cli, ["--db", db, "search", ""])
    assert empty.exit_code == 2 and "empty query" in empty.output
    text = CliRunner().invoke(cli, ["--db", db, "search", "security vendor", "--explain"])
    assert "why: terms:" in text.output


def test_metrics_on_known_rankings():
    relevant = {"a": 2, "b": 1}
    assert ndcg(["a", "b"], relevant) == pytest.approx(1.0)
    expected = (1 / math.log2(3) * 3 + 1 / math.log2(4) * 1) / (3 + 1 / math.log2(3))
    assert ndcg(["x", "a", "b"], relevant) == pytest.approx(expected)
    assert recall(["a", "x"], relevant) == 0.5
    assert reciprocal_rank(["x", "y", "b"], relevant) == pytest.approx(1 / 3)


def test_eval_command_prints_a_table_per_mode(store, tmp_path):
    queries = tmp_path / "q.jsonl"
    queries.write_text(
        json.dumps({"id": "q1", "query": "chatbot owner", "relevant": {"hr-bot.md": 2}})
        + "\n"
        + json.dumps(
            {"id": "q2", "query": "OCR scans", "relevant": {"claims-0.md": 2, "claims-1.md": 1}}
        )
        + "\n"
    )
    store.close()
    out = CliRunner().invoke(cli, ["--db", str(tmp_path / "kb.db"), "eval", str(queries), "--json"])
    assert out.exit_code == 0
    result = json.loads(out.stdout)
    assert set(result["table"]) == {"hybrid", "rrf", "dense", "bm25"}
    assert result["table"]["bm25"]["mrr"] == pytest.approx(
        1.0
    )  # both queries' words are in the right file
    assert result["hits"] == 100
    short = CliRunner().invoke(
        cli,
        ["--db", str(tmp_path / "kb.db"), "eval", str(queries), "--hits", "10", "--json"],
    )
    assert short.exit_code == 0 and json.loads(short.stdout)["hits"] == 10
    assert all(len(row["top"]) <= 10 for row in json.loads(short.stdout)["per_query"]["hybrid"])
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"query": "x"}\n')
    out = CliRunner().invoke(cli, ["--db", str(tmp_path / "kb.db"), "eval", str(bad)])
    assert out.exit_code == 1 and "bad.jsonl:1" in out.output


def test_a_document_whose_whole_text_matches_lifts_its_units(store, tmp_path):
    """Two units alike in words and meaning: the one whose document's text holds more of the
    query ranks first, and says so in its explanation."""
    from kb.search import BODY_WEIGHT, Candidate, Searcher

    unit = Candidate("u:aaaa-001", dense_rank=1, dense_similarity=0.5, keyword_rank=1, bm25=2.0)
    twin = Candidate("u:bbbb-001", dense_rank=2, dense_similarity=0.5, keyword_rank=2, bm25=2.0)
    fused = Searcher._fuse([unit, twin], [unit, twin], "hybrid", {"aaaa": 1.0, "bbbb": 0.2})
    assert [c.key for c in fused] == ["u:aaaa-001", "u:bbbb-001"]
    assert fused[0].score - fused[1].score == pytest.approx(BODY_WEIGHT * 0.8)

    path = write(
        tmp_path,
        "vendor-saga.md",
        "Claims",
        "The vendor contract took procurement nine months; procurement, then legal.\n\n"
        "## Root causes\n- The security review blocked the vendor LLM API.\n",
    )
    store.ingest_paths([str(path)])
    hits = store.search("security review procurement", limit=10)["hits"]
    saga = next(h for h in hits if h["source"].endswith("vendor-saga.md"))
    assert saga["explain"]["document_bm25"] == 1.0
    assert hits[0]["source"].endswith("vendor-saga.md")
    others = [h for h in hits if not h["source"].endswith("vendor-saga.md")]
    assert all((h["explain"]["document_bm25"] or 0) < 1.0 for h in others)
    bm25 = store.search("security review procurement", limit=3, mode="bm25")["hits"]
    assert all(h["explain"]["document_bm25"] is None for h in bm25)  # hybrid's signal only
