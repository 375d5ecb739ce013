"""The reading layer: roles, kind and facts read from documents as other people write them."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from kb.cli import cli
from kb.reading.features import label_role


def stored(kb, text: str, name: str = "doc.md") -> dict:
    result = kb.ingest_bytes(text.encode(), source=name, source_key=name)[0]
    assert result.status == "added", result.reason
    return kb.get_document(result.document_id)


def test_labels_people_write_name_roles():
    assert label_role("**Root cause:** the vendor picked the test set") == "root_cause"
    assert label_role("Action: Maria to book the DPIA by Friday") == "recommendation"
    assert label_role("Decision: no-go at Gate 2") == "decision"
    assert label_role("Takeaway - measure handling time from day one") == "lesson"
    assert label_role("The vendor picked the test set") is None


def test_a_bold_label_gives_the_role_without_any_heading(kb):
    doc = stored(
        kb,
        "Subject: where the claims OCR pilot landed\n\nHi all,\n\n"
        "**Root cause:** the vendor tuned the model on its own curated set of clean forms.\n\n"
        "**Lesson:** get a sample of real production forms before the vendor touches the model.\n\n"
        "Thanks,\nDana Whitfield\n",
        "mail.txt",
    )
    kinds = {u["text"][:14]: u["kind"] for u in doc["units"]}
    assert kinds["Root cause: th"] == "root_cause"
    assert kinds["Lesson: get a "] in ("lesson", "recommendation")
    assert all(u["confidence"] is not None for u in doc["units"])


def test_handover_from_and_to_in_prose_and_a_possible_owner_is_not_the_recipient(kb):
    doc = stored(
        kb,
        "# Demand forecast: handover\n\n"
        "Ownership of the weekly job moves from Data Science (Aaron Feld, DS lead) to Supply "
        "Chain Planning (Grace Liu, ops owner) on 1 July 2024.\n\n"
        "## Open points\n\n- Hosting after Q3 is open; we hope Marco Bellini's team might pick "
        "it up later.\n",
        "demand-forecast-handover.md",
    )
    assert doc["kind"] == "handoff"
    assert doc["fields"]["handoff_from"][0]["name"] == "Aaron Feld"
    assert doc["fields"]["handoff_to"][0]["name"] == "Grace Liu"
    people = {p["name"]: p["role"] for p in doc["fields"]["people"]}
    assert people.get("Marco Bellini") == "other"


def test_outcome_and_phase_come_with_their_evidence(kb):
    doc = stored(
        kb,
        "# Invoice anomaly PoC: close-out\n\nThe PoC ran for ten weeks on last year's invoices.\n\n"
        "On 14 November the steering committee declined to fund the pilot.\n",
        "close-out.md",
    )
    assert doc["outcome"] == "rejected-by-leadership"
    assert "declined" in doc["fields"]["outcome"]["evidence"]
    assert doc["phase_reached"] == "poc"  # the pilot it asked for never ran


def test_unknown_when_the_document_does_not_say(kb):
    doc = stored(
        kb,
        "# Notes on a forecasting idea\n\n- Agree the success number with the sponsor first.\n"
        "- Keep the configuration in the repository.\n",
        "notes.md",
    )
    assert doc["outcome"] is None and doc["phase_reached"] is None


def test_gate_decisions_and_kpis(kb):
    doc = stored(
        kb,
        "# Line 3 vision PoC\n\n## Reviews\n\n- Gate 1 (20 March 2024): continue, with the "
        "glare problem to fix.\n- At the pilot exit review on 30 October 2024 we agreed to stop.\n\n"
        "## Numbers\n\n| KPI | Baseline | Target | Actual |\n|---|---|---|---|\n"
        "| Defect escapes (ppm) | 420 | 150 | 180 |\n",
        "line3.md",
    )
    gates = {g["gate"]: g["decision"] for g in doc["fields"]["gates"]}
    assert gates["gate-1"] == "continue" and gates["pilot-exit"] == "stop"
    kpis = doc["fields"]["kpis"]
    assert any("Defect escapes" in str(k["metric"]) for k in kpis)


@pytest.mark.parametrize(
    "name,text",
    [
        ("flat.txt", "we tried a chatbot it did not work people did not use it " * 40),
        (
            "long.md",
            "# Long\n\n" + "\n\n".join(f"Paragraph {i} about the pilot." for i in range(3000)),
        ),
        (
            "german.md",
            "# Rückblick\n\nDas Projekt wurde nach dem Pilot eingestellt, weil die Daten fehlten.\n",
        ),
        ("table.md", "| a | b |\n|---|---|\n| 1 | 2 |\n| 3 | 4 |\n"),
    ],
)
def test_odd_documents_get_a_record_and_honest_unknowns(kb, name, text):
    doc = stored(kb, text, name)
    assert doc["kind"] in ("postmortem", "handoff", "charter", "incident", "other")
    assert doc["units"]


def test_reparse_keeps_ids_and_embeds_only_what_changed(kb, tmp_path):
    path = tmp_path / "pm.md"
    path.write_text(
        "# Bot postmortem\n\n## What bit us\n- Nobody owned the bot after the PoC team left.\n"
        "## If we did it again\n- Name an operations owner at Gate 0.\n"
    )
    before = kb.ingest_paths([str(path)]).results[0]
    old = kb.get_document(before.document_id)
    report = kb.reparse()
    assert [r.status for r in report.results] == ["reparsed"]
    new = kb.get_document(before.document_id)
    assert [u["id"] for u in new["units"]] == [u["id"] for u in old["units"]]
    assert new["version"] == old["version"]
    entry = kb.audit.entries(limit=1)[0]
    assert entry["action"] == "reparse" and entry["detail"]["embedded"] == 0
    assert kb.search("operations owner", limit=1, mode="bm25")["hits"]
    assert kb.vectors.count == len(new["units"]) + 1


def test_extract_eval_scores_a_store(tmp_path):
    docs = tmp_path / "set" / "docs"
    docs.mkdir(parents=True)
    (docs / "a.md").write_text(
        "# Claims OCR: postmortem\n\n## What went wrong\n- The vendor's curated forms hid the "
        "handwriting problem.\n\n## Lessons\n- Test on real forms from week one.\n"
    )
    expected = {
        "documents": {
            "a.md": {
                "form": "bold-labels",
                "kind": "postmortem",
                "phase": "unknown",
                "outcome": "unknown",
                "lessons": ["Test on real forms from week one."],
                "root_causes": ["The vendor's curated forms hid the handwriting problem."],
                "patterns": ["production-divergence"],
            }
        }
    }
    (tmp_path / "set" / "expected.json").write_text(json.dumps(expected))
    db = str(tmp_path / "e.db")
    assert CliRunner().invoke(cli, ["--db", db, "ingest", str(docs)]).exit_code == 0
    result = CliRunner().invoke(
        cli, ["--db", db, "extract-eval", str(tmp_path / "set" / "expected.json"), "--json"]
    )
    assert result.exit_code == 0, result.output
    scored = json.loads(result.stdout)
    assert scored["documents"] == 1
    assert scored["overall"]["kind"] == 1.0 and scored["overall"]["lessons"] == 1.0
    assert "bold-labels" in scored["by_form"]


def test_chat_lines_numbered_clauses_and_slide_titles_are_passages_of_their_own():
    from ingest import parse_document

    chat = (
        "Export of #claims-bot, 12 Aug 2024\n\n"
        "[2024-08-12 08:47] Petra Lindner: three customers got the old warranty text\n"
        "[2024-08-12 08:51] Marek Svoboda: the bot indexed a draft folder nobody owns\n"
        "[2024-08-12 09:02] Katja Reiter: switch the warranty intent to a human\n"
    )
    units = parse_document(chat.encode(), source="chat.txt")[0].units
    said = [u for u in units if u.text.startswith("[2024-08-12")]
    assert [u.line_start for u in said] == [3, 4, 5]
    report = "Final report\n\n4. What happened\n\n4.1 Routing was right for 64 %.\n4.2 The new groups were missing.\n"
    units = parse_document(report.encode(), source="report.txt")[0].units
    assert [u.text[:3] for u in units if u.text[:1] == "4"] == ["4.1", "4.2"]
    assert all(u.section.endswith("4. What happened") for u in units if u.text[:1] == "4")
    slides = "# Review\n\nSlide 5 – What the reps told us\nReps were not asked before the pilot.\n"
    unit = parse_document(slides.encode(), source="deck.md")[0].units[-1]
    assert unit.section.endswith("Slide 5 – What the reps told us")
    assert unit.text == "Reps were not asked before the pilot."


def test_kpis_come_from_sentences_one_a_clause(kb):
    doc = stored(
        kb,
        "# FieldAssist pilot, where it ended\n\n"
        "We ran the pilot with 40 engineers from March to June. "
        "Position at end of June: weekly active use 71%, median time to find a procedure "
        "1 min 40 s, and one safety-relevant wrong answer.\n\n"
        "The team met on 14 May 2024 in Leeds.\n",
    )
    metrics = [k["metric"] for k in doc["fields"]["kpis"]]
    assert metrics[:2] == ["weekly active use", "median time to find a procedure"]
    assert not any("Leeds" in k["text"] for k in doc["fields"]["kpis"])  # a date is no figure


def test_gate_verdicts_on_the_next_line_by_a_named_body_and_in_the_passive(kb):
    """A review's decision on the line after it, a board the rules know only by its capitalised
    name (kept because it decided something), and "stopped by the Board" read as a stop."""
    doc = stored(
        kb,
        "# Treasury forecast: closing questionnaire\n\n"
        "Q7. Gate and date\nGate 1 review, 04.06.2024. Decision: no-go.\n\n"
        "The pilot was approved by the Digital Transformation Board on 14 July 2022.\n\n"
        "Outcome: stopped by the Regional Operations Council on 12 June 2024, no go-live.\n\n"
        "The Quality Forum met twice and looked at the numbers.\n",
        "questionnaire.md",
    )
    gates = {(g["gate"], g["name"]): g["decision"] for g in doc["fields"]["gates"]}
    assert gates[("gate-1", "Gate 1")] == "stop"
    assert gates[("other", "Digital Transformation Board")] == "go"
    assert gates[("other", "Regional Operations Council")] == "stop"
    assert not any("Quality Forum" in name for _, name in gates)  # named, but decided nothing


def test_handover_sides_from_labels_in_html_and_plain_notes(kb):
    """Labelled lines name the sides even inside HTML list items; a note's author hands over when
    only the receiver is labelled; a team's name is never a side."""
    html = stored(
        kb,
        "<html><body><h1>FieldVoice - transition to service operations</h1><ul>\n"
        "<li>Handing over: Ingrid Solberg, Product Manager, Digital Field Tools</li>\n"
        "<li>Receiving: Marco Ruiz, Applications Manager, Service Operations</li>\n"
        "</ul><p>The handover moves FieldVoice from the project to Infra Ops.</p></body></html>",
        "transition.html",
    )
    assert html["fields"]["handoff_from"][0]["name"] == "Ingrid Solberg"
    assert html["fields"]["handoff_to"][0]["name"] == "Marco Ruiz"
    note = stored(
        kb,
        "HANDOVER NOTE - Spend classification model\n\n"
        "Author: Juergen Weiss, Procurement Analytics\nReceiver: Anais Lefevre, Procurement Excellence\n\n"
        "The model classifies invoice lines into spend categories every night.\n",
        "handover-note.txt",
    )
    assert note["fields"]["handoff_from"][0]["name"] == "Juergen Weiss"
    assert note["fields"]["handoff_to"][0]["name"] == "Anais Lefevre"


def test_an_emails_sender_and_recipient_are_no_handover_outside_a_handover(kb):
    doc = stored(
        kb,
        "From: Martina Hof <martina.hof@example.com>\nTo: Robert Kain <robert.kain@example.com>\n"
        "Subject: RE: claims OCR - where are we?\n\n"
        "Robert, the OCR PoC read 61% of fields on real scans against 94% on the vendor's sample.\n"
        "We stopped it at gate 1 last week.\n\nMartina\n",
        "mail.txt",
    )
    assert doc["kind"] != "handoff"
    assert not doc["fields"].get("handoff_from") and not doc["fields"].get("handoff_to")
    names = {p["name"] for p in doc["fields"].get("people") or []}
    assert "Martina Hof" in names


def test_a_register_row_gives_its_cause_and_its_lesson_a_unit_each(kb):
    """A lessons register holds a cause and a lesson on one row: each becomes a unit of its kind,
    from the column's header, and the row's other cells stay together with its line."""
    doc = stored(
        kb,
        "# Lessons register - invoice capture\n\n"
        "| ID | Area | What happened | Lesson / next time | Owner |\n|---|---|---|---|---|\n"
        "| LL-01 | Data | The PoC ran on 500 clean native PDFs from our top suppliers only. "
        "| Build the PoC sample from a random draw of the real mailbox. | Nikhil Rao |\n"
        "| LL-02 | Cost | - | Price on real page counts. | Nikhil Rao |\n",
        "register.md",
    )
    rows = [u for u in doc["units"] if u["line_start"] == 5]
    kinds = {u["text"].split(":")[0]: u["kind"] for u in rows}
    assert kinds["What happened"] == "root_cause"
    assert kinds["Lesson / next time"] in ("lesson", "recommendation")
    assert any(u["text"].startswith("ID: LL-01") and "Owner: Nikhil Rao" in u["text"] for u in rows)
    short = [u for u in doc["units"] if u["line_start"] == 6]
    assert len(short) == 1  # no cause on this row: it stays one unit


def test_a_labelled_line_under_a_lessons_heading_keeps_its_labels_kind(kb):
    doc = stored(
        kb,
        "# Lessons learned register - lead scoring\n\n## Lessons\n\n### LL-01 Data\n\n"
        "**What happened:** The PoC model was trained on CRM leads after duplicates were removed.\n\n"
        "**Lesson:** Train and test on leads as they arrive, incomplete ones included.\n",
        "register.md",
    )
    kinds = {u["line_start"]: u["kind"] for u in doc["units"]}
    assert kinds[7] == "root_cause"
    assert kinds[9] in ("lesson", "recommendation")


def test_a_document_with_causes_and_lessons_is_a_look_back_whatever_its_form(kb):
    doc = stored(
        kb,
        "Notes from Thursday, claims OCR\n\n"
        "**Root cause:** the vendor tuned the model on a curated set of clean forms.\n\n"
        "**Lesson:** get real production forms before the vendor touches the model.\n\n"
        "**Lesson:** agree the exit criteria with the claims lead before the PoC starts.\n\n"
        "**Lesson:** book the security review in the first week, not the last.\n",
        "notes.txt",
    )
    assert doc["kind"] == "postmortem"


@pytest.mark.parametrize(
    "line",
    [
        "yeah, lesson learned: write the decisions down as you go, not when someone leaves.",
        "If I were starting again I'd run the export against a real firm in week one.",
        "2.12 Evaluation data for any future document PoC must be sampled from the live mailbox.",
        "Note for the next Lab project: name the run team before go-live.",
    ],
)
def test_a_passage_that_says_it_is_a_lesson_is_one_under_any_heading(kb, line):
    doc = stored(kb, f"# Decisions\n\n{line}\n", "decisions.md")
    assert doc["units"][0]["kind"] == "lesson"


def test_a_passage_that_says_it_gives_the_cause_is_a_root_cause(kb):
    doc = stored(
        kb,
        "# Checklist\n\n## Risks\n\nRoot cause for both: the data centre migration changed host names"
        " and the detector lost its history.\n",
        "checklist.md",
    )
    assert doc["units"][0]["kind"] == "root_cause"


def test_a_boards_rejection_gives_the_outcome_the_rules_did_not_read(kb):
    doc = stored(
        kb,
        "# Contract assistant: what happened\n\n"
        "We ran the assistant with six associates for ten weeks.\n\n"
        "In May our request for a second year was turned down by the Digital Investment Board.\n",
        "contract.md",
    )
    assert doc["outcome"] == "rejected-by-leadership"
    assert "Digital Investment Board" in doc["fields"]["outcome"]["evidence"]


@pytest.mark.parametrize(
    "sentence,metric",
    [
        ("Risk class: accepted in 71% of cases (target 85%).", "Risk class"),
        ("At week 10 we had AHT 7m25s.", "AHT"),
        (
            "Ingrid's summary said 61% of questions were answered without a ticket.",
            "questions were answered without a ticket",
        ),
        (
            "Triage time at Limerick went from 19 days to 11 days (target 5).",
            "Triage time at Limerick",
        ),
    ],
)
def test_a_kpi_is_named_by_what_it_measures(sentence, metric):
    from kb.reading.facts import _metric_name

    assert _metric_name(sentence) == metric
