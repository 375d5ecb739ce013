"""Settings read from arguments and KB_ variables, and the `kb` entry point a shell runs."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from kb.cli import cli
from kb.config import Settings, SettingsError
from kb.entry import command_of


def test_a_given_value_beats_its_variable_which_beats_the_default(monkeypatch):
    assert Settings().port == 8000
    monkeypatch.setenv("KB_PORT", "9001")
    assert Settings().port == 9001
    assert Settings(port=9002).port == 9002
    assert Settings().with_changes(host="0.0.0.0").port == 9001


def test_variables_are_read_as_their_types(monkeypatch, tmp_path):
    monkeypatch.setenv("KB_READER", "false")
    monkeypatch.setenv("KB_DB_TIMEOUT", "2.5")
    monkeypatch.setenv("KB_MODEL_CACHE", str(tmp_path))
    settings = Settings()
    assert settings.reader is False
    assert settings.db_timeout == 2.5
    assert settings.model_cache == tmp_path
    assert Settings(db=tmp_path / "a.db").db == str(tmp_path / "a.db")  # a Path kept as text
    assert Settings(db="postgresql://kb@db/kb").store == "postgresql://kb@db/kb"


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("KB_PORT", "eighty", "KB_PORT='eighty'"),
        ("KB_READER", "maybe", "yes/no"),
        ("KB_RECURRING_SIMILARITY", "1.5", "at most 1.0"),
        ("KB_RESULT_CACHE", "-1", "at least 0"),
    ],
)
def test_a_bad_variable_names_itself(monkeypatch, name, value, says):
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError, match=says):
        Settings()
    result = CliRunner().invoke(cli, ["stats"])
    assert result.exit_code == 2
    assert name in result.output


def test_an_unknown_setting_is_refused():
    with pytest.raises(SettingsError, match="unknown setting"):
        Settings(colour="blue")


def test_every_setting_says_what_it_is_for():
    described = Settings.describe()
    assert "db" in described and "embedder" in described
    assert all(len(text) > 10 for text in described.values())


def test_the_entry_point_finds_the_command_past_the_group_options():
    assert command_of(["--db", "x.db", "search", "q"]) == "search"
    assert command_of(["search", "--json", "q"]) == "search"
    assert command_of(["--db", "search", "list"]) == "list"  # a store named "search"
    assert command_of(["--help"]) is None


def test_kb_search_from_a_shell_prints_its_whole_answer_and_exit_code(kb, tmp_path):
    """The entry point ends a search without interpreter teardown; output must still be whole."""
    note = tmp_path / "note.md"
    note.write_text("# Exit criteria\n\n## Lessons\n- Agree the exit criteria before gate 1.\n")
    assert kb.ingest_paths([str(note)]).count("added") == 1
    kb.close()
    command = shutil.which("kb") or str(Path(sys.executable).with_name("kb"))
    db = kb.settings.store
    found = subprocess.run(
        [command, "--db", db, "search", "exit criteria", "--json"], capture_output=True, text=True
    )
    assert found.returncode == 0, found.stderr
    snippets = [hit["snippet"] for hit in json.loads(found.stdout)["hits"]]
    assert any("before gate 1" in snippet for snippet in snippets), snippets
    empty = subprocess.run([command, "--db", db, "search", "  "], capture_output=True, text=True)
    assert empty.returncode == 2
    assert "empty query" in empty.stderr
    listed = subprocess.run([command, "--db", db, "list", "--json"], capture_output=True, text=True)
    assert listed.returncode == 0 and len(json.loads(listed.stdout)) == 1


@pytest.mark.skipif(not hasattr(os, "setpriority"), reason="thread priorities are a Unix call")
def test_submissions_run_on_one_thread_below_the_searches(kb):
    def probe() -> tuple[int, str]:
        here = threading.get_native_id()
        return os.getpriority(os.PRIO_PROCESS, here), threading.current_thread().name

    searching = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    nice, name = kb.in_background(probe).result()
    assert name.startswith("kb-writer")
    assert nice == min(19, searching + kb.settings.submit_nice)
    assert kb.in_background(probe).result() == (nice, name)  # the same thread each time
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == searching
