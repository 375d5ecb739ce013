"""The failure-pattern tagger: cue phrases with guards, and the semantic tagger with the real model."""

from pathlib import Path

import pytest

from kb.records import ParsedDocument, Unit
from kb.tagger import make_tagger, tag_document, tag_text
from kb.tagger_eval import evaluate
from kb.taxonomy import pattern_ids, resolve
from tests.conftest import CORPUS


def patterns_of(text):
    return {t.pattern for t in tag_text(text)}


def test_cue_finds_pattern_and_keeps_the_sentence():
    tags = tag_text("The demo went well. Accuracy fell from 94% to 61% on real production scans.")
    assert [t.pattern for t in tags] == ["production-divergence"]
    assert tags[0].evidence == "Accuracy fell from 94% to 61% on real production scans."


def test_guard_stops_a_success_said_in_the_same_words():
    assert "production-divergence" not in patterns_of(
        "We used production scans from day one, which surfaced the fax artefacts early."
    )
    assert "security-compliance-blocker" not in patterns_of(
        "The security review passed in week 2 because we had involved the CISO at Gate 0."
    )


def test_aliases_resolve_and_unknown_lists_valid():
    assert resolve("no-production-data") == "production-divergence"
    assert resolve("NO-OPERATIONS-OWNER") == "no-business-ownership"
    with pytest.raises(ValueError, match="valid: unclear-objectives"):
        resolve("bad-luck")


def test_document_shows_union_of_cue_tags():
    doc = ParsedDocument(
        "x.md",
        "markdown",
        "utf-8",
        "h",
        "",
        "T",
        units=[
            Unit(
                "root_cause", "Nobody owned it after the PoC team disbanded.", "Root causes", 3, 3
            ),
            Unit("config", "There were no exit criteria: temperature 0.2", "Config", 5, 5),
            Unit(
                "lesson",
                "With no stop criteria, the PoC was extended three times.",
                "Lessons",
                7,
                7,
            ),
        ],
    )
    tag_document(doc)
    assert {t.pattern for t in doc.patterns} == {"no-business-ownership"}
    assert doc.units[1].patterns == []  # prompts and configurations are not tagged
    assert doc.units[2].patterns == []  # a lesson says what to do: it is not itself a failure
    doc.units[2].kind = "root_cause"
    tag_document(doc)
    assert {t.pattern for t in doc.patterns} == {"no-business-ownership", "no-exit-criteria"}


@pytest.mark.slow
def test_semantic_tagger_catches_paraphrases_the_cues_miss():
    hybrid = make_tagger("hybrid")
    text = (
        "After Priya took a job in Singapore, her successor spent a month rebuilding prompts she had "
        "kept on her laptop."
    )
    assert tag_text(text) == []
    tags = hybrid.tag_texts([text])[0]
    assert [t.pattern for t in tags] == ["handoff-loss"]
    assert tags[0].cue.startswith("semantic")
    neutral = (
        "We chose a chunk size of 512 tokens with 64 tokens of overlap for the policy manuals."
    )
    assert hybrid.tag_texts([neutral])[0] == []


@pytest.mark.slow
def test_held_out_measurement_runs_for_every_pattern():
    path = CORPUS / "labelled" / "tagger-test.jsonl"
    cues = evaluate(path, make_tagger("cues"))
    hybrid = evaluate(path, make_tagger("hybrid"))
    assert set(hybrid["patterns"]) == set(pattern_ids())
    assert hybrid["units"] == 80
    assert hybrid["micro"]["recall"] >= cues["micro"]["recall"]
    docs = evaluate(CORPUS / "labelled" / "document-patterns.json", make_tagger("hybrid"))
    assert docs["units"] == 41 and docs["micro"]["precision"] > 0


def test_document_gold_names_real_files():
    import json

    gold = json.loads((CORPUS / "labelled" / "document-patterns.json").read_text())
    folder = CORPUS / "labelled" / gold["_folder"]
    for name, entry in gold.items():
        if name.startswith("_"):
            continue
        assert (folder / name).is_file(), name
        assert set(entry["shown"]) <= set(pattern_ids())
        assert isinstance(Path(name).suffix, str)
