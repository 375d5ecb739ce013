import json

import pytest

import ingest
from ingest.errors import IngestError
from ingest.tabular import parse_mapping

TEXT = """CHATBOT PILOT POSTMORTEM

Department: Customer Support
Outcome: failed in pilot

SUMMARY

The assistant answered policy questions in the pilot for six weeks.

ROOT CAUSES

- The pilot users were never asked what they needed.
- Answers took 40 seconds at peak load.

Lessons learned:

Involve the agents before the PoC starts.
"""


def test_plain_text_headings_from_layout():
    doc = ingest.parse_document(TEXT.encode(), source="pm.txt")[0]
    assert doc.format == "text"
    assert doc.title == "CHATBOT PILOT POSTMORTEM"
    assert doc.field_value("department") == "customer-support"
    kinds = {u.text: u.kind for u in doc.units}
    assert kinds["The pilot users were never asked what they needed."] == "root_cause"
    assert kinds["Involve the agents before the PoC starts."] == "lesson"
    unit = next(u for u in doc.units if u.text.startswith("Answers took"))
    assert TEXT.split("\n")[unit.line_start - 1].startswith("- Answers took")


HTML = """<!doctype html>
<html><head><title>Paint vision pilot</title><script>alert(1)</script></head>
<body>
<h1>Paint defect vision &mdash; pilot postmortem</h1>
<p>Department: Manufacturing QA</p>
<h2>What went wrong</h2>
<ul>
  <li>Line lighting differed from the lab &amp; glare hid defects.</li>
  <li>The MES interface took <b>five months</b>.</li>
</ul>
<h2>KPIs</h2>
<table><tr><th>Metric</th><th>Target</th><th>Achieved</th></tr>
<tr><td>Escaped defects</td><td>-50%</td><td>-12%</td></tr></table>
<h2>Lessons</h2>
<p>Test under production lighting first.</p>
</body></html>
"""


def test_html_to_structure():
    doc = ingest.parse_document(HTML.encode(), source="pm.html")[0]
    assert doc.title == "Paint defect vision — pilot postmortem"
    causes = [u for u in doc.units if u.kind == "root_cause"]
    assert causes[0].text == "Line lighting differed from the lab & glare hid defects."
    assert causes[0].line_start == 8  # the HTML source line
    assert doc.fields["kpis"][0]["achieved"] == "-12%"
    assert not any("alert" in u.text for u in doc.units)
    assert doc.field_value("department") == "manufacturing-qa"


def test_csv_with_mapping_and_json_list_cell():
    data = (
        b"Title,Lesson,Dept,Tags\n"
        b'OCR pilot,"Use real scans early.",Claims,"[""ocr"", ""pilot""]"\n'
        b'Bot PoC,"Agree exit criteria at Gate 0.",HR,\n'
    )
    docs = ingest.parse_document(
        data,
        source="lessons.csv",
        mapping=parse_mapping(["title=Title", "lesson=Lesson", "department=Dept"]),
    )
    assert [d.title for d in docs] == ["OCR pilot", "Bot PoC"]
    assert docs[0].source == "lessons.csv#row 2"
    assert docs[0].field_value("department") == "claims"
    assert [u.text for u in docs[0].units if u.kind == "lesson"] == ["Use real scans early."]
    assert any("Tags: - ocr - pilot" in u.text for u in docs[0].units)  # unmapped column kept


def test_jsonl_default_mapping_like_lessons_learned_exports():
    rows = [
        {
            "title": "Connector torque",
            "lesson_text": "Torque specs must reach rework.",
            "recommendation_text": "Apply process changes to fielded units.",
            "driving_event_text": "A loose screw.",
        },
        {"title": "Second", "abstract_text": "Short abstract."},
    ]
    data = "\n".join(json.dumps(r) for r in rows).encode()
    docs = ingest.parse_document(data, source="llis.jsonl")
    assert len(docs) == 2
    kinds = {u.kind for u in docs[0].units}
    assert {"lesson", "recommendation", "root_cause"} <= kinds


def test_json_list_and_bad_json():
    docs = ingest.parse_document(
        json.dumps([{"title": "A", "summary": "x y z"}]).encode(), source="a.json"
    )
    assert docs[0].title == "A"
    with pytest.raises(IngestError, match="not valid JSON"):
        ingest.parse_document(b"{not json", source="b.json")
    with pytest.raises(IngestError, match="line 2"):
        ingest.parse_document(b'{"title": "ok"}\n{broken\n', source="c.jsonl")


def test_unmappable_rows_say_which_columns_exist():
    with pytest.raises(IngestError, match="--map"):
        ingest.parse_document(b"a,b\n1,2\n", source="x.csv")


def test_bad_mapping_lists_targets():
    with pytest.raises(ValueError, match="valid:"):
        parse_mapping(["colour=Title"])
