"""A folder of 1,000 files of which some are broken: the good ones land, each broken one is explained."""

import json

import pytest
from click.testing import CliRunner

from kb.cli import cli


@pytest.mark.slow
def test_thousand_files_some_broken(tmp_path):
    folder = tmp_path / "export"
    folder.mkdir()
    broken = {}
    for i in range(1000):
        path = folder / f"pm-{i:04d}.md"
        if i % 50 == 7:
            path.write_bytes(b"")
            broken[path.name] = "empty"
        elif i % 50 == 23:
            path.write_bytes(b"\x00\x01\x02binary\x00" * 20)
            broken[path.name] = "binary"
        else:
            path.write_text(
                f"# PoC {i} postmortem\n\nDepartment: Finance\n\n## Root causes\n"
                f"- The vendor sample for PoC {i} was cleaned by hand.\n\n## Lessons\n- Lesson number {i}.\n"
            )
    db = tmp_path / "kb.db"
    result = CliRunner().invoke(cli, ["--db", str(db), "ingest", str(folder), "--json"])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["added"] == 1000 - len(broken)
    failed = {
        r["source"].rsplit("/", 1)[-1]: r["reason"]
        for r in report["results"]
        if r["status"] == "failed"
    }
    assert set(failed) == set(broken)
    for name, word in broken.items():
        assert word in failed[name]
    # a rerun adds nothing and still lists the same failures
    again = json.loads(
        CliRunner().invoke(cli, ["--db", str(db), "ingest", str(folder), "--json"]).stdout
    )
    assert (
        again["added"] == 0
        and again["unchanged"] == 1000 - len(broken)
        and again["failed"] == len(broken)
    )
