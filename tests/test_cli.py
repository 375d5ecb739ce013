"""End to end through the `kb` command on a temporary store."""

import json
from pathlib import Path

from click.testing import CliRunner

from kb.cli import cli
from kb.taxonomy import pattern_ids


def run(*args, db=None, ok=True):
    runner = CliRunner()
    argv = (["--db", str(db)] if db else []) + list(args)
    result = runner.invoke(cli, argv, catch_exceptions=False)
    if ok:
        assert result.exit_code == 0, result.output
    return result


def test_ingest_list_show_stats_export_import(tmp_path, corpus_dir):
    db = tmp_path / "team.db"
    out = run("ingest", str(corpus_dir), "--json", db=db)
    report = json.loads(out.stdout)
    assert report["failed"] == 0 and report["added"] >= 55

    docs = json.loads(run("list", "--json", db=db).stdout)
    assert len(docs) == report["added"]
    kinds = {d["kind"] for d in docs}
    assert {"postmortem", "handoff"} <= kinds
    assert not any(
        "charters" in d["source"] or "labelled" in d["source"] for d in docs
    )  # .kbignore

    pilot = json.loads(
        run("list", "--pattern", "no-production-data", "--phase", "pilot", "--json", db=db).stdout
    )
    assert pilot and all(
        d["phase_reached"] == "pilot" and "production-divergence" in d["patterns"] for d in pilot
    )

    shown = json.loads(run("show", pilot[0]["id"], "--json", db=db).stdout)
    assert shown["fields"]["title"]["source"]["lines"][0] >= 0
    assert shown["units"] and all("line_start" in u for u in shown["units"])
    assert any(t["pattern"] == "production-divergence" for t in shown["patterns"])
    plain = run("show", pilot[0]["id"], db=db).stdout
    assert pilot[0]["title"] in plain and "Failure patterns" in plain and "lines" in plain

    stats = json.loads(run("stats", "--json", db=db).stdout)
    assert stats["documents"] == report["added"]
    assert set(stats["by_pattern"]) == set(
        pattern_ids()
    )  # every pattern appears in the shipped corpus
    assert all(n >= 2 for n in stats["by_pattern"].values())
    assert {"poc", "pilot", "production"} <= set(stats["by_phase"])

    export = tmp_path / "kb.jsonl"
    run("export", "-o", str(export), db=db)
    other = tmp_path / "other.db"
    imported = json.loads(run("import", str(export), "--json", db=other).stdout)
    assert imported["added"] == report["added"] and imported["failed"] == 0
    assert json.loads(run("stats", "--json", db=other).stdout) == stats
    again = json.loads(run("import", str(export), "--json", db=other).stdout)
    assert again["unchanged"] == report["added"]


def test_broken_files_are_listed_and_exit_code_says_so(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good.md").write_text("# Good\n\n## Lessons\n- Agree exit criteria first.\n")
    (folder / "empty.md").write_bytes(b"")
    (folder / "image.md").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00binary")
    (folder / "bad.jsonl").write_text('{"title": "x"}\n{oops\n')
    big = folder / "big.md"
    big.write_text("# Big\n\n" + "word " * 3000)
    db = tmp_path / "kb.db"
    runner = CliRunner(env={"KB_MAX_FILE_BYTES": "10000"})
    result = runner.invoke(cli, ["--db", str(db), "ingest", str(folder), "--json"])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    failed = {
        Path(r["source"]).name.split("#")[0]: r["reason"]
        for r in report["results"]
        if r["status"] == "failed"
    }
    assert set(failed) == {"empty.md", "image.md", "bad.jsonl", "big.md"}
    assert "empty" in failed["empty.md"] and "binary" in failed["image.md"]
    assert "line 2" in failed["bad.jsonl"] and "over the limit" in failed["big.md"]
    assert report["added"] == 1
    docs = json.loads(run("list", "--json", db=db).stdout)
    assert [d["title"] for d in docs] == [
        "Good"
    ]  # the good one landed, nothing of the bad ones did


def test_missing_path_and_bad_filter_are_clear(tmp_path):
    db = tmp_path / "kb.db"
    result = run("ingest", str(tmp_path / "nope"), db=db, ok=False)
    assert result.exit_code == 1 and "no such file or folder" in result.output
    result = run("list", "--pattern", "bogus", db=db, ok=False)
    assert (
        result.exit_code == 2
        and "valid:" in result.output
        and "production-divergence" in result.output
    )
    result = run("show", "deadbeef", db=db, ok=False)
    assert result.exit_code == 1 and "no document" in result.output


def test_import_table_with_mapping(tmp_path):
    csv_path = tmp_path / "lessons.csv"
    csv_path.write_text("Name,What we learned\nOCR pilot,Use real scans from day one.\n")
    db = tmp_path / "kb.db"
    out = json.loads(
        run(
            "import-table",
            str(csv_path),
            "--map",
            "title=Name",
            "--map",
            "lesson=What we learned",
            "--json",
            db=db,
        ).stdout
    )
    assert out["added"] == 1
    bad = run("import-table", str(csv_path), "--map", "nonsense", db=db, ok=False)
    assert bad.exit_code == 2 and "TARGET=COLUMN" in bad.output


def test_default_store_is_built_from_corpus_on_first_use(tmp_path, corpus_dir):
    runner = CliRunner()
    result = runner.invoke(cli, ["stats", "--json"], catch_exceptions=False)
    assert result.exit_code == 0
    stats = json.loads(result.stdout)
    assert stats["documents"] >= 55
    assert (tmp_path / "xdg-data" / "poc-lessons-kb" / "kb.db").exists()


def test_named_store_starts_empty(tmp_path):
    stats = json.loads(run("stats", "--json", db=tmp_path / "new.db").stdout)
    assert stats["documents"] == 0


def test_every_command_has_help_with_text():
    for name, command in cli.commands.items():
        result = CliRunner().invoke(cli, [name, "--help"])
        assert result.exit_code == 0, name
        assert command.help and len(command.help) > 20, name


def test_a_store_url_no_backend_can_open_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for url, says in (
        (
            "postgresql://kb@localhost:1/kb",
            "cannot reach the database at postgresql://kb@localhost:1/kb",
        ),
        ("mysql://kb@localhost/kb", "unknown store scheme 'mysql'"),
    ):
        result = CliRunner().invoke(cli, ["--db", url, "stats"])
        assert result.exit_code == 1 and says in result.output, result.output
    assert list(tmp_path.iterdir()) == []  # no folder named 'postgresql:' or any other file
