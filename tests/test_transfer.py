"""`kb export` carries each document's vectors, so `kb import` with the same model embeds nothing."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np

from kb import KnowledgeBase, Settings
from kb.embeddings import HashingEmbedder

CORPUS = Path(__file__).resolve().parent.parent / "corpus" / "postmortems"


class Counting(HashingEmbedder):
    """The hashing embedder under a chosen model name, counting the texts it embeds."""

    def __init__(self, name: str = HashingEmbedder.name) -> None:
        self.name = name
        self.texts = 0

    def embed(self, texts: list[str]) -> np.ndarray:
        self.texts += len(texts)
        return super().embed(texts)


def exported(kb: KnowledgeBase) -> list[dict]:
    kb.ingest_paths([str(p) for p in sorted(CORPUS.iterdir())[:4]])
    out = io.StringIO()
    kb.export(out)
    return [json.loads(line) for line in out.getvalue().splitlines()]


def importer(tmp_path: Path, embedder: Counting) -> KnowledgeBase:
    other = KnowledgeBase(Settings(db=tmp_path / "other.db"))
    other._embedder = embedder
    return other


def lines(records: list[dict]) -> io.StringIO:
    return io.StringIO("".join(json.dumps(r) + "\n" for r in records))


def test_an_import_with_the_same_model_embeds_nothing_and_finds_the_same(kb, tmp_path) -> None:
    records = exported(kb)
    assert all(len(r["vectors"]) == len(r["units"]) + 1 for r in records)
    assert {v["model"] for r in records for v in r["vectors"]} == {kb.embedder.name}
    embedder = Counting()
    other = importer(tmp_path, embedder)
    report = other.import_export(lines(records), source="export.jsonl")
    assert report.count("added") == len(records) and report.vectors_carried == len(records)
    assert embedder.texts == 0
    query = "the business owner was never named before the pilot"
    ours = [h["unit_id"] for h in kb.search(query, mode="dense", limit=10)["hits"]]
    theirs = [h["unit_id"] for h in other.search(query, mode="dense", limit=10)["hits"]]
    assert ours == theirs and ours
    other.close()


def test_another_model_an_old_export_or_a_redacted_line_is_embedded_again(kb, tmp_path) -> None:
    records = exported(kb)
    other = importer(tmp_path, Counting(name="another-model"))
    report = other.import_export(lines(records[:1]), source="export.jsonl")
    assert report.count("added") == 1 and report.vectors_carried == 0
    assert other.embedder.texts == len(records[0]["units"]) + 1  # type: ignore[attr-defined]
    other.close()
    old = [{k: v for k, v in r.items() if k != "vectors"} for r in records[1:2]]
    leaked = dict(records[2])
    leaked["units"] = [dict(u) for u in leaked["units"]]
    leaked["units"][0]["text"] += " key AKIAIOSFODNN7EXAMPLE"  # redacted on the way in
    leaked["document"] = {**leaked["document"], "content_hash": "changed"}
    embedder = Counting()
    third = KnowledgeBase(Settings(db=tmp_path / "third.db"))
    third._embedder = embedder
    report = third.import_export(lines([*old, leaked]), source="export.jsonl")
    assert report.count("added") == 2 and report.vectors_carried == 0
    assert embedder.texts == len(old[0]["units"]) + len(leaked["units"]) + 2
    third.close()


def test_a_damaged_vector_fails_its_line_and_loses_nothing_else(kb, tmp_path) -> None:
    records = exported(kb)
    records[0]["vectors"][0]["base64"] = "AAAA"  # three bytes, not 384 numbers
    other = importer(tmp_path, Counting())
    report = other.import_export(lines(records), source="export.jsonl")
    assert report.count("failed") == 1 and "not 384 numbers" in (report.failed[0].reason or "")
    assert report.count("added") == len(records) - 1
    assert other.get_document(records[0]["document"]["id"]) is None
    other.close()
