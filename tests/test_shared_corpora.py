"""Ingest real postmortems nobody here wrote: no crash, every failure explained."""

import importlib.util
from pathlib import Path

import pytest

from tests.conftest import ROOT, SHARED

pytestmark = [
    pytest.mark.slow,
    pytest.mark.shared,
    pytest.mark.skipif(
        not SHARED.is_dir(), reason="../shared/corpora is not present on this machine"
    ),
]


def _bench():
    spec = importlib.util.spec_from_file_location(
        "shared_corpora", ROOT / "bench" / "shared_corpora.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_markdown_and_text_file_is_ingested_or_explained(tmp_path: Path):
    bench = _bench()
    result = bench.run(tmp_path / "shared.db")
    assert result["files"] > 1000
    assert result["added"] + result["unchanged_duplicates"] + result["failed"] == result["files"]
    for failure in result["failures"]:
        assert failure["reason"], failure
    # the only files we expect to refuse are the empty ones the corpus README warns about
    assert {f["reason"] for f in result["failures"]} <= {"the file is empty"}
    dfds = result["postmortems"]["dfds-postmortems"]
    assert dfds["root_cause"] / dfds["postmortems"] > 0.8


def test_nasa_lessons_jsonl_bulk_ingest(tmp_path: Path):
    from kb import KnowledgeBase, Settings

    path = SHARED / "nasa-llis" / "derived_llis_lessons_dedup.jsonl"
    if not path.exists():
        pytest.skip("nasa-llis export not present")
    kb = KnowledgeBase(Settings(db=tmp_path / "nasa.db", max_file_bytes=50_000_000))
    report = kb.ingest_paths([str(path)])
    assert report.count("failed") == 0
    assert report.count("added") > 1000
    doc = kb.get_document(report.results[0].document_id)
    assert {"lesson", "recommendation"} <= {u["kind"] for u in doc["units"]}
