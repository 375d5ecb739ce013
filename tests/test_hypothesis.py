"""Property tests: nothing under a recognised heading is silently dropped."""

import re

from hypothesis import given, settings
from hypothesis import strategies as st

import ingest

HEADINGS = [
    "Root causes",
    "What went wrong",
    "Lessons learned",
    "Learnings",
    "Action items",
    "Next steps",
    "Summary",
    "Open risks",
    "Constraints",
    "Decision log",
    "Impact",
    "Some unknown heading",
]
words = st.text(
    alphabet=st.characters(whitelist_categories=("Lu", "Ll", "Nd")), min_size=2, max_size=12
)
sentence = st.lists(words, min_size=1, max_size=12).map(" ".join)


@st.composite
def documents(draw):
    sections = draw(
        st.lists(
            st.tuples(
                st.sampled_from(HEADINGS),
                st.lists(sentence, min_size=1, max_size=5),
                st.sampled_from(["bullets", "numbers", "paragraphs"]),
            ),
            min_size=1,
            max_size=6,
        )
    )
    lines = ["# Generated postmortem", ""]
    expected = []
    for heading, items, style in sections:
        lines += [f"## {heading}", ""]
        for i, item in enumerate(items, start=1):
            prefix = {"bullets": "- ", "numbers": f"{i}. ", "paragraphs": ""}[style]
            lines += [prefix + item, ""] if style == "paragraphs" else [prefix + item]
            expected.append(item)
        lines.append("")
    return "\n".join(lines), expected


@settings(max_examples=150, deadline=None)
@given(documents())
def test_every_item_survives_in_some_unit(doc):
    text, expected = doc
    parsed = ingest.parse_document(text.encode(), source="gen.md")[0]
    unit_words = " ".join(u.text for u in parsed.units).split()
    for item in expected:
        for word in item.split():
            assert word in unit_words, (word, text)


@settings(max_examples=100, deadline=None)
@given(st.text(min_size=1, max_size=400))
def test_any_text_either_parses_or_fails_cleanly(text):
    try:
        docs = ingest.parse_document(text.encode("utf-8"), source="any.md")
    except ingest.IngestError as exc:
        assert exc.reason
        return
    content = [w for w in re.findall(r"\w+", text)]
    stored = " ".join(u.text for u in docs[0].units) + " " + docs[0].title
    kept = sum(1 for w in content if w in stored)
    assert kept >= 0.5 * len(content) or len(content) < 4
