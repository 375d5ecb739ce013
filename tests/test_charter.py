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
