"""End to end with the real embedding model: the default install's tagger on the shipped corpus."""

import json
import socket

import numpy as np
import pytest
from click.testing import CliRunner

from kb.cli import cli
from kb.embeddings import make_embedder

pytestmark = pytest.mark.slow


@pytest.fixture
def no_network(monkeypatch):
    """Any connection outside loopback fails the test."""
    real_connect = socket.socket.connect
    real_create = socket.create_connection

    def check(address):
        host = address[0] if isinstance(address, tuple) else str(address)
        if host not in ("127.0.0.1", "::1", "localhost") and not str(host).startswith("/"):
            raise AssertionError(f"network access attempted: {address!r}")

    def guarded(self, address):
        check(address)
        return real_connect(self, address)

    def guarded_create(address, *args, **kwargs):
        check(address)
        return real_create(address, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", guarded)
    monkeypatch.setattr(socket, "create_connection", guarded_create)


TEXTS = [
    "vendor LLM blocked by security review",
    "security review blocked the vendor API",
    "The OCR model read 94% of fields on the curated sample and 61% on real scans from the branch offices.",
]


def test_minilm_loads_offline_and_embeds(no_network, model_cache):
    for name in ("sentence-transformers", "onnx"):
        vectors = make_embedder(name, cache_dir=model_cache).embed(TEXTS)
        assert vectors.shape == (3, 384)
        assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
        assert float(vectors[0] @ vectors[1]) > 0.6


def test_onnx_path_gives_the_same_vectors(no_network, model_cache):
    torch_vectors = make_embedder("sentence-transformers").embed(TEXTS * 10)
    onnx_vectors = make_embedder("onnx", cache_dir=model_cache).embed(TEXTS * 10)
    cosines = (torch_vectors * onnx_vectors).sum(axis=1)
    assert cosines.min() > 0.9999


def test_ingest_with_hybrid_tagger(tmp_path, corpus_dir, monkeypatch, no_network):
    monkeypatch.setenv("KB_TAGGER", "hybrid")
    monkeypatch.setenv("KB_EMBEDDER", "onnx")

    db = tmp_path / "kb.db"
    result = CliRunner().invoke(
        cli, ["--db", str(db), "ingest", str(corpus_dir), "--json"], catch_exceptions=False
    )
    assert result.exit_code == 0
    stats = json.loads(CliRunner().invoke(cli, ["--db", str(db), "stats", "--json"]).stdout)
    assert len(stats["by_pattern"]) == 12
    # documents are not tagged with everything: the average document shows a handful of patterns
    assert sum(stats["by_pattern"].values()) / stats["documents"] < 6
    doc_id = json.loads(
        CliRunner()
        .invoke(cli, ["--db", str(db), "list", "--json", "--pattern", "handoff-loss"])
        .stdout
    )[0]["id"]
    shown = json.loads(CliRunner().invoke(cli, ["--db", str(db), "show", doc_id, "--json"]).stdout)
    tag = next(t for t in shown["patterns"] if t["pattern"] == "handoff-loss")
    unit = next(u for u in shown["units"] if u["id"] == tag["unit_id"])
    assert tag["evidence"] in unit["text"]


def test_charter_review_withdraws_a_gap_the_charter_answers_in_its_own_words(tmp_path, no_network):
    """The aspect model (real MiniLM vectors) reads end users' involvement written in prose the
    rules miss, withdraws that finding, and says which line answered it; a negated sentence
    answers nothing."""
    from kb import KnowledgeBase, Settings
    from kb.charter import review

    kb = KnowledgeBase(Settings(db=tmp_path / "c.db", embedder="onnx"))
    text = (
        "# Invoice reader PoC\n\n"
        "Accounts payable staff key 9,000 supplier invoices a month by hand.\n\n"
        "Eva, Kofi and Jana from the AP team are the test group and give feedback every week.\n"
    )
    rules = {
        f["code"] for f in review(KnowledgeBase(Settings(db=tmp_path / "r.db")), text)["findings"]
    }
    result = review(kb, text)
    codes = {f["code"] for f in result["findings"]}
    withdrawn = {a["code"]: a for a in result["addressed"]}
    gap = "no-end-user-involvement"
    assert gap in rules and gap not in codes
    assert withdrawn[gap]["line"] == 5 and "test group" in withdrawn[gap]["text"]
    assert {a["code"]: a["state"] for a in result["aspects"]}[gap] == "addressed"
    negated = review(
        kb,
        text.replace(
            "are the test group and give feedback every week", "are not part of the test group"
        ),
    )
    assert gap in {f["code"] for f in negated["findings"]}
    kb.close()


def test_outcome_head_reads_an_outcome_the_cue_rules_miss(tmp_path, no_network):
    """With the real vectors the outcome head names the stall a document states in its own words,
    with the line it came from; the cue rules alone leave it unknown rather than guess."""
    from kb import KnowledgeBase, Settings

    path = tmp_path / "finder.md"
    path.write_text(
        "# Contract clause finder: where it stands\n\n"
        "We built a clause finder for the legal team in spring.\n\n"
        "Since the two engineers who built it moved to other teams in May, no one has owned it"
        " and no decision about its future has been made.\n",
        encoding="utf-8",
    )
    outcomes = {}
    for embedder in ("onnx", "hashing"):
        kb = KnowledgeBase(Settings(db=tmp_path / f"{embedder}.db", embedder=embedder))
        kb.ingest_paths([str(path)])
        doc = kb.get_document(kb.list_documents()[0]["id"])
        outcomes[embedder] = (doc["fields"] or {}).get("outcome")
        kb.close()
    assert outcomes["onnx"]["value"] == "stalled"
    assert outcomes["onnx"]["source"]["lines"] == [5, 5]
    assert "no one has owned it" in outcomes["onnx"]["evidence"]
    assert 0.6 <= outcomes["onnx"]["confidence"] <= 1.0
    assert outcomes["hashing"] is None


def test_a_search_that_stops_early_never_aborts_under_the_model(tmp_path, model_cache):
    """`kb search` starts loading the model at once; a usage error or --help must still end
    cleanly while onnxruntime is building its session (it aborted with "terminate called")."""
    import os
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    make_embedder("onnx", cache_dir=model_cache).embed(["export the model once"])
    command = shutil.which("kb") or str(Path(sys.executable).with_name("kb"))
    env = {**os.environ, "KB_EMBEDDER": "onnx", "KB_MODEL_CACHE": str(model_cache)}
    db = str(tmp_path / "empty.db")
    for args, code in ((["search", "  "], 2), (["search", "--help"], 0)) * 4:
        done = subprocess.run([command, "--db", db, *args], capture_output=True, text=True, env=env)
        assert done.returncode == code, done.stderr
        assert "terminate" not in done.stderr
