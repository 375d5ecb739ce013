"""Action items: read from tables, labelled lines, checkboxes and prose; listed, changed, audited."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from ingest import parse_document
from kb import KnowledgeBase, Settings
from kb.actions import ActionError
from kb.cli import cli
from kb.core import Actor
from kb.reading.actions import parse_due, read_actions

FIXTURE = Path(__file__).parent / "fixtures" / "follow" / "retro-minutes.md"


def _items() -> list[dict]:
    doc = parse_document(FIXTURE.read_bytes(), source=str(FIXTURE))[0]
    read_actions(doc)
    return doc.fields["actions"]


def test_every_form_of_action_item_is_read_with_owner_due_status_and_lines() -> None:
    items = {i["text"]: i for i in _items()}
    row = items["Add the business owner at gate 0"]
    assert (row["owner"], row["due"], row["status"]) == ("Dana Reyes", "2024-05-01", "open")
    assert row["source"]["via"] == "table" and row["source"]["lines"][0] > 0
    assert items["Run the security review before the pilot"]["status"] == "done"
    label = next(i for t, i in items.items() if t.startswith("Lee Park to send"))
    assert (label["owner"], label["due"]) == ("Lee Park", "2024-03-12")
    done = items["Archive the prompts in the wiki (owner: Lee Park)"]
    assert (done["status"], done["owner"]) == ("done", "Lee Park")
    assert items["Book the gate 1 review"]["status"] == "open"
    prose = next(i for t, i in items.items() if t.startswith("Maria Lopez will"))
    assert (prose["owner"], prose["due"], prose["source"]["via"]) == (
        "Maria Lopez",
        "2024-06-30",
        "prose",
    )
    assert not any("at some point" in t for t in items)  # no person, no date: no action item


def test_an_unreadable_due_date_is_kept_as_written_and_said() -> None:
    item = next(i for i in _items() if i["text"].startswith("Run the security review"))
    assert item["due"] is None and item["due_text"] == "end of Q3-ish"
    assert "could not be read" in item["warning"]


@pytest.mark.parametrize(
    ("text", "year", "expected"),
    [
        ("2024-05-01", None, "2024-05-01"),
        ("30 June 2025", None, "2025-06-30"),
        ("June 30, 2025", None, "2025-06-30"),
        ("12.04.2024", None, "2024-04-12"),
        ("March 2024", None, "2024-03-31"),
        ("Q3 2024", None, "2024-09-30"),
        ("end of June 2025", None, "2025-06-30"),
        ("29 Nov", 2024, "2024-11-29"),
        ("29 Nov", None, None),
        ("next sprint", 2024, None),
        ("31/02/2024", None, None),
    ],
)
def test_due_dates_are_read_without_guessing(
    text: str, year: int | None, expected: str | None
) -> None:
    assert parse_due(text, year=year) == expected


@pytest.fixture
def store(tmp_path: Path) -> KnowledgeBase:
    kb = KnowledgeBase(Settings(db=tmp_path / "kb.db"))
    kb.ingest_paths([str(FIXTURE)])
    yield kb
    kb.close()


def test_listing_puts_overdue_first_and_filters(store: KnowledgeBase) -> None:
    items = store.actions(status="all", on="2025-01-01")
    assert len(items) == 7
    assert items[0]["overdue"] and items[0]["due"] == "2024-03-12"  # oldest overdue first
    assert [i["overdue"] for i in items] == sorted((i["overdue"] for i in items), reverse=True)
    assert {i["status"] for i in store.actions(status="done")} == {"done"}
    overdue = store.actions(overdue=True, on="2025-01-01")
    assert {i["due"] for i in overdue} == {"2024-03-12", "2024-05-01", "2024-06-30"}
    assert [i["owner"] for i in store.actions(owner="dana")] == ["Dana Reyes"]
    assert store.actions(filters={"department": ["claims"]})
    with pytest.raises(ActionError, match="valid: open, done, dropped, all"):
        store.actions(status="finished")


def test_a_change_is_audited_and_survives_reparse_and_a_new_version(
    store: KnowledgeBase, tmp_path: Path
) -> None:
    item = store.actions(owner="dana")[0]
    changed = store.update_action(item["id"], status="done", actor=Actor("ana", "api"))
    assert changed is not None and changed["status"] == "done" and changed["edited_by"] == "ana"
    entry = store.audit.entries(limit=1)[0]
    assert (entry["action"], entry["target"], entry["actor"]) == (
        "action-update",
        item["id"],
        "ana",
    )
    assert entry["detail"]["before"]["status"] == "open"
    store.reparse()
    assert store.get_action(item["id"])["status"] == "done"
    copy = tmp_path / "retro-minutes.md"
    copy.write_text(FIXTURE.read_text("utf-8") + "\nOne more line.\n", "utf-8")
    store.ingest_paths([str(FIXTURE)])  # unchanged: a no-op
    doc = parse_document(copy.read_bytes(), source=str(FIXTURE))[0]
    result = store.add(doc, source_key=str(FIXTURE.resolve()))
    assert result.status == "new-version"
    again = store.actions(owner="dana", status="all")
    assert (
        len(again) == 1
        and again[0]["status"] == "done"
        and again[0]["document_id"] == result.document_id
    )
    with pytest.raises(ActionError):
        store.update_action(item["id"], status="finished")
    assert store.update_action("nope", status="done") is None


def test_deleting_a_document_deletes_its_action_items(store: KnowledgeBase) -> None:
    doc_id = store.actions()[0]["document_id"]
    store.delete_document(doc_id)
    assert store.actions(status="all") == []


def test_kb_actions_command(tmp_path: Path) -> None:
    db = str(tmp_path / "cli.db")
    runner = CliRunner()
    assert runner.invoke(cli, ["--db", db, "ingest", str(FIXTURE)]).exit_code == 0
    out = runner.invoke(cli, ["--db", db, "actions", "--status", "all", "--json"])
    assert out.exit_code == 0, out.output
    items = json.loads(out.output)
    assert len(items) == 7
    text = runner.invoke(cli, ["--db", db, "actions", "--overdue"]).output
    assert "OVERDUE" in text and "Dana Reyes" in text
    first = items[0]["id"]
    done = runner.invoke(cli, ["--db", db, "action", first, "--status", "done", "--json"])
    assert done.exit_code == 0 and json.loads(done.output)["status"] == "done"
    bad = runner.invoke(cli, ["--db", db, "actions", "--status", "finished"])
    assert bad.exit_code == 2 and "finished" in bad.output
    missing = runner.invoke(cli, ["--db", db, "action", "nope", "--status", "done"])
    assert missing.exit_code == 1 and "no action item" in missing.output


HELD_OUT = Path(__file__).parent.parent / "corpus" / "actions" / "actions-writer-2"


def test_held_out_writer_items_are_found_with_few_false_ones(tmp_path: Path) -> None:
    """The writer nobody tuned on: most items found are real, and half of the real ones are found
    (bench/actions.py prints the figures; this keeps them from sliding)."""
    import sys

    sys.path.insert(0, str(Path(__file__).parent.parent / "bench"))
    from actions import run  # type: ignore[import-not-found]

    total = run(HELD_OUT)["total"]
    assert total["matched"] / total["found"] >= 0.9
    assert total["matched"] / total["expected"] >= 0.45
    assert total["owner"] / total["matched"] >= 0.75


def test_digest_feedback_and_eval_from_feedback_commands(tmp_path: Path) -> None:
    db = str(tmp_path / "cli.db")
    runner = CliRunner()
    assert runner.invoke(cli, ["--db", db, "ingest", str(FIXTURE)]).exit_code == 0
    md = runner.invoke(cli, ["--db", db, "digest", "--since", "7d"])
    assert (
        md.exit_code == 0
        and "## Added (1)" in md.output
        and "Retro: claims triage PoC" in md.output
    )
    data = json.loads(runner.invoke(cli, ["--db", db, "digest", "--format", "json"]).output)
    assert data["overdue_total"] >= 3 and data["added"][0]["title"] == "Retro: claims triage PoC"
    bad = runner.invoke(cli, ["--db", db, "digest", "--since", "last tuesday"])
    assert bad.exit_code == 2 and "7d" in bad.output
    none = runner.invoke(cli, ["--db", db, "eval", "--from-feedback"])
    assert none.exit_code == 1 and "no search feedback" in none.output
    hits = json.loads(
        runner.invoke(cli, ["--db", db, "search", "production scans", "--json"]).output
    )
    unit = hits["hits"][0]["unit_id"]
    vote = runner.invoke(
        cli,
        [
            "--db",
            db,
            "feedback",
            "add",
            "--vote",
            "up",
            "--unit",
            unit,
            "--query",
            "production scans",
        ],
    )
    assert vote.exit_code == 0, vote.output
    missing = runner.invoke(cli, ["--db", db, "feedback", "add", "--vote", "up", "--unit", "nope"])
    assert missing.exit_code == 1 and "no unit" in missing.output
    stats = runner.invoke(cli, ["--db", db, "feedback", "stats"])
    assert "1 votes: 1 up, 0 down" in stats.output
    judged = runner.invoke(cli, ["--db", db, "eval", "--from-feedback", "--mode", "bm25", "--json"])
    assert judged.exit_code == 0, judged.output
    result = json.loads(judged.output)
    assert result["queries"] == 1 and result["table"]["bm25"]["recall@10"] == 1.0
    both = runner.invoke(cli, ["--db", db, "eval"])
    assert both.exit_code == 2 and "--from-feedback" in both.output


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-06-15T10:00:00", "2024-06-15"),
        ("maybe 2024", None),
        ("marketing 2024", None),
        ("5 decisions 2024", None),
        ("Sept 2024", "2024-09-30"),
    ],
)
def test_dates_inside_words_and_timestamps(text: str, expected: str | None) -> None:
    assert parse_due(text, year=2024) == expected


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ("Not finished", "open"),
        ("To be completed", "open"),
        ("Reopened (was closed)", "open"),
        ("Not cancelled", "open"),
        ("Yes", "done"),
        ("Closed", "done"),
        ("Won't do", "dropped"),
    ],
)
def test_status_words_with_their_negations(state: str, expected: str) -> None:
    from kb.reading.actions import _status

    assert _status(state) == expected


def test_placeholders_and_owner_marks(tmp_path: Path) -> None:
    text = (
        "# Minutes\n\n## Actions\n\nAction: None at this time.\n\nAction: -\n\n"
        "- Rotate the keys (owner: Lee Park due 12 May 2024)\n"
    )
    doc = parse_document(text.encode(), source="m.md")[0]
    read_actions(doc)
    items = doc.fields.get("actions") or []
    assert [i["text"] for i in items] == ["Rotate the keys"]
    assert (items[0]["owner"], items[0]["due"]) == ("Lee Park", "2024-05-12")


def test_recurring_groups_by_the_task_not_the_words_after_to(tmp_path: Path) -> None:
    from kb.actions import _core

    assert _core("Dana Reyes to send the report") == "send the report"
    assert _core("Send the monthly report to Legal") == "Send the monthly report to Legal"
    assert _core("KV/SH: book the review") == "book the review"


def test_an_owner_filter_is_not_a_pattern(store: KnowledgeBase) -> None:
    assert store.actions(owner="%", status="all") == []
    assert store.actions(owner="_", status="all") == []
