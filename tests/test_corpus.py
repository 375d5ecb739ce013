"""The shipped corpus is what the issue promised: enough, varied, and in awkward formats."""

import json

from tests.conftest import CORPUS


def test_counts():
    postmortems = [p for p in (CORPUS / "postmortems").iterdir() if p.is_file()]
    handoffs = [p for p in (CORPUS / "handoffs").iterdir() if p.is_file()]
    charters = sorted(p.name for p in (CORPUS / "charters").glob("*.md"))
    assert len(postmortems) >= 40 and len(handoffs) >= 15 and len(charters) == 10
    expected = json.loads((CORPUS / "charters" / "expected.json").read_text())
    assert sorted(expected) == charters


def test_awkward_formats_are_present():
    files = [p for p in CORPUS.rglob("*") if p.is_file() and p.suffix in (".md", ".txt", ".html")]
    raw = {p: p.read_bytes() for p in files}
    not_utf8 = []
    for path, data in raw.items():
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            not_utf8.append(path)
    assert len(not_utf8) >= 1
    assert sum(1 for d in raw.values() if b"\r\n" in d) >= 3
    assert any(p.suffix == ".txt" for p in files) and any(p.suffix == ".html" for p in files)
    assert sum(1 for d in raw.values() if d.startswith(b"---")) >= 15


def test_labelled_set_is_large_enough():
    units = [
        json.loads(line)
        for line in (CORPUS / "labelled" / "tagger-test.jsonl").read_text().splitlines()
    ]
    assert len(units) >= 60
