"""A postmortem or handoff written from `kb template` ingests with every field found."""

import re

from click.testing import CliRunner

import ingest
from kb.cli import cli

VALUES = {
    "<Project name>": "FNOL Reader",
    "<Project or PoC name>": "FNOL Reader",
    "<Department, e.g. Claims>": "Claims",
    "<Department>": "Claims",
    "<What the system was meant to do, in one line>": "Read first-notice-of-loss forms",
    "<AI technique, e.g. RAG over documents>": "OCR document extraction",
    "<AI technique>": "OCR document extraction",
    "<poc | pilot | production>": "pilot",
    "<stopped at gate 1 | failed in pilot | stalled | rejected by leadership | cancelled | in production>": "failed in pilot",
    "<ongoing | in production | stalled>": "ongoing",
    "<Name (role)>": "Ana Ruiz (claims operations lead)",
    "<YYYY-MM-DD>": "2025-03-04",
}


def fill(text: str) -> str:
    for placeholder, value in VALUES.items():
        text = text.replace(placeholder, value)
    text = text.replace(
        "[Ana Ruiz (claims operations lead), Ana Ruiz (claims operations lead)]",
        "[Ana Ruiz (claims operations lead), Ben Okafor (data scientist)]",
    )
    return re.sub(r"<([^<>]+)>", lambda m: m.group(1).replace("e.g. ", "") + " 45%", text)


def template(name: str) -> str:
    result = CliRunner().invoke(cli, ["template", name])
    assert result.exit_code == 0
    return result.output


def test_postmortem_template_ingests_with_every_field_found():
    doc = ingest.parse_document(fill(template("postmortem")).encode(), source="pm.md")[0]
    assert doc.kind == "postmortem" and doc.title == "FNOL Reader postmortem"
    for name in (
        "project",
        "department",
        "use_case",
        "technique",
        "phase_reached",
        "outcome",
        "owners",
        "stakeholders",
        "start",
        "end",
        "summary",
        "success_criteria",
        "kpis",
        "exit_criteria",
        "gates",
    ):
        assert doc.fields.get(name), name
    assert (
        doc.field_value("department") == "claims"
        and doc.field_value("outcome") == "failed-in-pilot"
    )
    assert {g["gate"] for g in doc.fields["gates"]} == {0, 1, 2}
    assert doc.fields["success_criteria"][0]["threshold"]
    kinds = {u.kind for u in doc.units}
    assert {"summary", "root_cause", "constraint", "lesson", "recommendation", "risk"} <= kinds
    assert doc.warnings == []


def test_handoff_template_ingests_as_a_handoff():
    doc = ingest.parse_document(fill(template("handoff")).encode(), source="handoff.md")[0]
    assert doc.kind == "handoff"
    assert doc.fields["handoff_from"][0]["name"] == "Ana Ruiz" and doc.fields.get("handoff_to")
    kinds = {u.kind for u in doc.units}
    assert {"prompt", "config", "decision", "risk", "lesson", "recommendation"} <= kinds


def test_charter_template_headings_are_understood():
    doc = ingest.parse_document(fill(template("charter")).encode(), source="charter.md")[0]
    assert (
        doc.fields.get("success_criteria")
        and doc.fields.get("exit_criteria")
        and doc.fields.get("gates")
    )
