"""The charter reader: the 10 charters in corpus/charters trigger exactly their expected codes."""

import json

import pytest

from kb.charter import CODES, PRINCIPLES, check
from tests.conftest import CORPUS

EXPECTED = json.loads((CORPUS / "charters" / "expected.json").read_text())


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_expected_codes_exactly(name):
    findings = check((CORPUS / "charters" / name).read_text("utf-8"))
    assert sorted(f.code for f in findings) == sorted(EXPECTED[name])


def test_every_finding_carries_evidence_and_principle():
    findings = check((CORPUS / "charters" / "sales-ai-idea-email.md").read_text("utf-8"))
    assert {f.code for f in findings} >= {"no-business-problem", "no-exit-criteria"}
    for finding in findings:
        assert (
            finding.evidence and finding.principle == PRINCIPLES[finding.code] and finding.message
        )
        assert finding.code in CODES


def test_meaning_not_keywords():
    base = "# PoC\n\n## Problem\nClaims handlers spend 14 minutes per claim retyping forms.\n\n"
    assert "no-exit-criteria" in {f.code for f in check(base + "## Exit criteria\nTBD.\n")}
    stated = check(base + "## Exit criteria\nStop if field accuracy is below 80% at Gate 2.\n")
    assert "no-exit-criteria" not in {f.code for f in stated}
    assert "no-security-review" in {f.code for f in check(base + "## Security\nSecurity: later.\n")}
    vague = check(base + "## Success criteria\nWe will measure accuracy.\n")
    assert "unmeasurable-success-criteria" in {f.code for f in vague}
    clear = check(
        base + "## Success criteria\nAt least 90% field accuracy on 500 production forms.\n"
    )
    assert "unmeasurable-success-criteria" not in {f.code for f in clear}


def test_review_suggests_past_lessons_for_the_gaps(tmp_path):
    from kb import KnowledgeBase, Settings
    from kb.charter import review

    kb = KnowledgeBase(Settings(db=tmp_path / "kb.db"))
    kb.ingest_paths([str(CORPUS / "postmortems")])
    text = (CORPUS / "charters" / "supply-chain-spare-parts-forecast-charter.md").read_text("utf-8")
    result = review(kb, text, limit=8)
    codes = {f["code"] for f in result["findings"]}
    assert "no-production-data" in codes
    suggestions = result["suggestions"]
    assert 0 < len(suggestions) <= 8
    assert len({s["unit_id"] for s in suggestions}) == len(
        suggestions
    )  # deduplicated across aspects
    assert [s["rank"] for s in suggestions] == list(range(1, len(suggestions) + 1))
    assert all(s["why"] and s["source"].endswith((".md", ".txt", ".html")) for s in suggestions)
    assert any("no-production-data" in why for s in suggestions for why in s["why"])
    per_document: dict[str, int] = {}
    for s in suggestions:
        per_document[s["document_id"]] = per_document.get(s["document_id"], 0) + 1
    assert max(per_document.values()) <= 2  # one long postmortem cannot fill the list
    weak = {f["code"] for f in result["findings"] if f["severity"] != "high"}
    only_weak = [
        all(why.split(":")[0] in weak for why in s["why"]) and all(":" in w for w in s["why"])
        for s in suggestions
    ]
    assert only_weak == sorted(only_weak)  # answers to weak aspects come after the missing ones
    assert result["sections"]
    kb.close()


def test_charter_check_cli_and_api(tmp_path):
    from click.testing import CliRunner
    from fastapi.testclient import TestClient

    from api import create_app
    from kb import Settings
    from kb.cli import cli

    path = CORPUS / "charters" / "legal-clause-finder-charter.md"
    out = CliRunner().invoke(
        cli, ["--db", str(tmp_path / "c.db"), "charter", "check", str(path), "--json"]
    )
    assert out.exit_code == 0
    assert sorted(f["code"] for f in json.loads(out.stdout)["findings"]) == EXPECTED[path.name]
    app = create_app(Settings(db=tmp_path / "api.db"), wait=True)
    with TestClient(app, base_url="http://127.0.0.1") as client:
        r = client.post(
            "/charters/check", content=path.read_bytes(), headers={"content-type": "text/markdown"}
        )
        assert r.status_code == 200
        assert sorted(f["code"] for f in r.json()["findings"]) == EXPECTED[path.name]
        assert set(r.json()) == {"findings", "addressed", "aspects", "suggestions", "sections"}
        partial = client.post(
            "/charters/check", json={"content": "# Chatbot for HR\n\nWe want to try an LLM"}
        )
        assert partial.status_code == 200 and partial.json()["findings"]
        assert (
            client.post(
                "/charters/check", content=b"x", headers={"content-type": "image/png"}
            ).status_code
            == 415
        )
        assert client.post("/charters/check", json={"content": ""}).status_code == 422


def test_every_aspect_is_missing_weak_or_addressed_with_its_lines(kb) -> None:
    from kb.charter import CODES, review

    text = (
        "# Claims e-mail triage PoC\n\n"
        "## Business problem\nClaims handlers sort 4,000 e-mails a week by hand; it takes 3 minutes each.\n\n"
        "## Success criteria\nHandlers find the sorting useful.\n\n"
        "Owner: Dana Reyes\n"
    )
    result = review(kb, text)
    states = {a["code"]: a for a in result["aspects"]}
    assert set(states) == set(CODES)
    assert states["unmeasurable-success-criteria"]["state"] == "weak"  # no threshold
    assert states["single-owner"]["state"] == "weak"
    assert states["no-exit-criteria"]["state"] == "missing"
    problem = states["no-business-problem"]
    assert problem["state"] == "addressed" and problem["evidence"][0]["line"] == 4
    high = {f["code"] for f in result["findings"] if f["severity"] == "high"}
    assert high == {c for c, a in states.items() if a["state"] == "missing"}
    nobody = review(kb, text.replace("Owner: Dana Reyes\n", ""))
    assert {a["code"]: a["state"] for a in nobody["aspects"]}["single-owner"] == "missing"


def test_chat_messages_and_form_fields_are_sentences_of_their_own() -> None:
    from kb.charter import read

    reading = read(
        "[Mon 09:12] Ana Ruiz: we get 2,000 a month now\n"
        "[Mon 09:13] Ben Okoro: the data can come straight from the ATS\n"
        "Stop / exit conditions: N/A\nData sources: PMS booking history (3 years)\n"
    )
    texts = [s for _, s, _ in reading.sentences]
    assert "Data sources: PMS booking history (3 years)" in texts
    assert any(t.startswith("[Mon 09:13] Ben Okoro") for t in texts)
    assert [line for _, _, line in reading.sentences] == [1, 2, 3, 4]


def test_a_pilot_by_another_name_and_a_planned_review_elsewhere_count() -> None:
    codes = {
        f.code
        for f in check(
            "# Charter\n\n## Plan\n\nIf it works we try it for real in 5 stores for a month "
            "before anything wider.\n\n## Data and privacy\n\nImages come from the store cameras.\n\n"
            "## RACI\n\n| Activity | Kim Park | Lee Chan |\n|---|---|---|\n"
            "| Security review of the edge devices | A | R |\n| Budget | A | I |\n"
        )
    }
    assert "no-pilot-phase" not in codes
    assert "no-security-review" not in codes
