import pytest

import ingest
from ingest.vocabulary import heading_category, normalise_heading

POSTMORTEM = """---
title: Claims OCR pilot
department: Claims
technique: OCR document extraction
phase_reached: pilot
outcome: failed in pilot
owners: [Ana Ruiz (claims ops lead), Ben Okafor]
start: 2024-02-30
---

# Claims OCR pilot postmortem

## TL;DR
The OCR model read 94% of fields on the curated sample and 61% on real scans.

## Success criteria
- Field accuracy at least 90% on 500 real forms
- Adjusters like it

## Business KPIs

| Metric | Target | Achieved |
|---|---|---|
| Handling time per claim | -30% | -4% |

## Gate reviews
- Gate 0 on 2024-01-10: go, criteria agreed.
- Gate 2 on 2024-04-02: no-go for rollout.

## Exit criteria
Stop the pilot if accuracy is below 80% after four weeks.

## What went wrong (in hindsight)[2]
1. The vendor cleaned the demo set by hand.
2. Fax artefacts &amp; handwriting were never in the sample.

### Integration
The claims system needed a change request that took four months.

## Learnings
- Use production scans from day one.

## Action items
- Put a production sample in every Gate 0 checklist.

## Odd custom heading
Text nobody planned for must still be kept.

```yaml
model: ocr-v2
threshold: 0.8
```
"""


def parse(text: str, name: str = "pm.md"):
    return ingest.parse_document(text.encode(), source=name)[0]


def test_front_matter_fields_with_provenance():
    doc = parse(POSTMORTEM)
    assert doc.title == "Claims OCR pilot"
    assert doc.field_value("department") == "claims"
    assert doc.fields["department"]["raw"] == "Claims"
    assert doc.field_value("phase_reached") == "pilot"
    assert doc.field_value("outcome") == "failed-in-pilot"
    assert doc.field_value("technique") == ["document-extraction"]
    assert doc.fields["department"]["source"]["via"] == "front matter"
    assert [o["name"] for o in doc.fields["owners"]] == ["Ana Ruiz", "Ben Okafor"]
    assert doc.fields["owners"][0]["role"] == "claims ops lead"
    assert (
        doc.field_value("start") == "2024-02-30"
    )  # an impossible date is kept as text, not a crash


def test_criteria_kpis_gates_exit():
    doc = parse(POSTMORTEM)
    criteria = doc.fields["success_criteria"]
    assert criteria[0]["threshold"] == "at least 90%"
    assert criteria[1]["threshold"] is None
    kpi = doc.fields["kpis"][0]
    assert (kpi["metric"], kpi["target"], kpi["achieved"]) == (
        "Handling time per claim",
        "-30%",
        "-4%",
    )
    gates = {(g["gate"], g["date"], g["decision"]) for g in doc.fields["gates"]}
    assert (0, "2024-01-10", "go") in gates
    assert (2, "2024-04-02", "no-go") in gates
    exit_ = doc.fields["exit_criteria"][0]
    assert exit_["stated"] and exit_["threshold"] == "below 80%"


def test_units_keep_kind_section_and_lines():
    doc = parse(POSTMORTEM)
    lines = POSTMORTEM.split("\n")
    by_kind = {}
    for unit in doc.units:
        by_kind.setdefault(unit.kind, []).append(unit)
        last_word = unit.text.split()[-1].strip("*:.")
        source_lines = "\n".join(lines[unit.line_start - 1 : unit.line_end])
        assert last_word in source_lines, (unit, source_lines)
    assert [u.text for u in by_kind["root_cause"]][:2] == [
        "The vendor cleaned the demo set by hand.",
        "Fax artefacts & handwriting were never in the sample.",
    ]
    integration = by_kind["root_cause"][2]
    assert integration.section.endswith("What went wrong (in hindsight)[2] > Integration")
    assert integration.category == "integration"
    assert by_kind["lesson"][0].text == "Use production scans from day one."
    assert by_kind["recommendation"][0].text.startswith("Put a production sample")
    assert any(u.text == "Text nobody planned for must still be kept." for u in by_kind["other"])
    assert by_kind["config"][0].text.startswith("model: ocr-v2")


def test_missing_sections_become_warnings():
    doc = parse("# Quick note\n\nThe chatbot was switched off after the pilot.\n")
    assert (
        "no lessons section found" not in doc.warnings
    )  # not a postmortem: no warning about lessons
    pm = parse("# Postmortem: bot\n\n## Root causes\n- Nobody owned it.\n")
    assert "no lessons section found" in pm.warnings


def test_bad_front_matter_is_a_warning_not_a_failure():
    doc = parse("---\ntitle: [unclosed\n---\n# Real title\n\nBody text here.\n")
    assert doc.title == "Real title"
    assert any("front matter" in w for w in doc.warnings)


def test_setext_headings_and_key_value_lines():
    text = (
        "Paint line PoC\n==============\n\nDepartment: Manufacturing QA\nOutcome: stopped at Gate 1\n\n"
        "Root causes\n-----------\n\n* Lighting differed on the line.\n"
    )
    doc = parse(text)
    assert doc.title == "Paint line PoC"
    assert doc.field_value("department") == "manufacturing-qa"
    assert doc.field_value("outcome") == "stopped-at-gate"
    assert doc.fields["outcome"]["source"]["lines"] == [5, 5]
    assert doc.field_value("phase_reached") == "poc"
    assert [u.kind for u in doc.units if "Lighting" in u.text] == ["root_cause"]


def test_two_column_metadata_table_with_empty_header():
    text = (
        "# Guide bot\n\n| | |\n|---|---|\n| **Department** | Insurance Underwriting |\n"
        "| **Phase reached** | PoC |\n| **Outcome** | Rejected by leadership |\n\n## Summary\nIt answered.\n"
    )
    doc = parse(text)
    assert doc.field_value("department") == "underwriting"
    assert doc.field_value("phase_reached") == "poc"
    assert doc.field_value("outcome") == "rejected-by-leadership"


@pytest.mark.parametrize(
    ("heading", "category"),
    [
        ("Root cause(s)", "root_cause"),
        ("What went wrong", "root_cause"),
        ("Contributing Factors", "root_cause"),
        ("Lessons learned[1]", "lesson"),
        ("Learnings", "lesson"),
        ("What we'd do differently", "lesson"),
        ("Action items", "recommendation"),
        ("Follow-ups", "recommendation"),
        ("Next steps", "recommendation"),
        ("Resolution and recovery", "recommendation"),
        ("Timeline (all times CET)", "timeline"),
        ("Impact", "impact"),
        ("3. Executive summary", "summary"),
        ("Exit criteria", "exit_criteria"),
        ("What good looked like", "success_criteria"),
        ("Decision log", "gates"),
        ("Prompt library", "prompt"),
        ("Open risks", "risk"),
        ("Why we did it this way", "decision"),
        ("Something unheard of", "other"),
    ],
)
def test_heading_vocabulary(heading, category):
    assert heading_category(heading) == category


def test_normalise_heading_strips_noise():
    assert normalise_heading("2.1 Root causes[3]:") == "root causes"
    assert normalise_heading("Timeline (UTC)") == "timeline"


@pytest.mark.parametrize(
    ("raw", "outcome"),
    [
        ("cancelled — rolled back after five weeks in production", "cancelled"),
        ("pilot closed with go decision; production rollout starts 2025-09-15", "ongoing"),
        ("stopped at Gate 1", "stopped-at-gate"),
        ("in production since March", "in-production"),
    ],
)
def test_outcome_goes_by_the_words_that_come_first(raw: str, outcome: str) -> None:
    from ingest.vocabulary import OUTCOME_WORDS, first_match

    assert first_match(raw, OUTCOME_WORDS) == outcome


def test_a_short_opening_line_above_the_first_heading_is_the_title() -> None:
    text = b"Transition notes - Claim status assistant\n\nWritten by Rosa.\n\n## 1. Where it stands\n\nParked.\n"
    assert ingest.parse_document(text, source="notes.md")[0].title.startswith("Transition notes")
    wrapped = (
        b"Here is a summary of the outages we had and what we are doing\n\n to prevent them.\n"
    )
    assert ingest.parse_document(wrapped, source="outage.txt")[0].title != (
        "Here is a summary of the outages we had and what we are doing"
    )
