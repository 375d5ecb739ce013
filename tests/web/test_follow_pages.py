"""The action items page, status changes from it, votes from the search page, recurring actions."""

from __future__ import annotations

import re
from pathlib import Path

from tests.web.test_pages import Browser

FIXTURE = Path(__file__).parent.parent / "fixtures" / "follow" / "retro-minutes.md"


def _store(web: Browser) -> str:
    kb = web.client.app.state.kb
    return kb.ingest_paths([str(FIXTURE)]).results[0].document_id


def test_action_items_page_lists_overdue_first_and_filters(web: Browser) -> None:
    _store(web)
    r = web.get("/action-items")
    assert r.status_code == 200
    rows = re.findall(r'<tr id="action-([^"]+)" class="([^"]*)"', r.text)
    assert len(rows) == 5 and rows[0][1] == "overdue"
    assert [c for _, c in rows] == sorted((c for _, c in rows), reverse=True)  # overdue first
    assert "Dana Reyes" in r.text and "end of Q3-ish" not in r.text  # that one is done
    done = web.get("/action-items", params={"status": "done"})
    assert "end of Q3-ish (as written)" in done.text and "could not be read" in done.text
    dana = web.get("/action-items", params={"owner": "dana"})
    assert len(re.findall(r'<tr id="action-', dana.text)) == 1
    bad = web.get("/action-items", params={"status": "finished"})
    assert bad.status_code == 422 and "valid: open, done, dropped, all" in bad.text
    unknown = web.get("/action-items", params={"department": "nowhere"})
    assert unknown.status_code == 422


def test_a_contributor_marks_an_item_done_from_the_page(web: Browser) -> None:
    _store(web)
    kb = web.client.app.state.kb
    page = web.get("/action-items", params={"owner": "dana"})
    action_id = re.search(r'<tr id="action-([^"]+)"', page.text).group(1)
    r = web.post(
        f"/action-items/{action_id}",
        data={"csrf": web.csrf, "status": "done", "next": "/action-items?owner=dana"},
    )
    assert r.status_code == 303 and r.headers["location"].startswith("/action-items?owner=dana")
    assert kb.get_action(action_id)["status"] == "done"
    assert kb.audit.entries(limit=1)[0]["action"] == "action-update"
    forged = web.post(f"/action-items/{action_id}", data={"status": "open"})
    assert forged.status_code == 403 and kb.get_action(action_id)["status"] == "done"


def test_readers_see_items_but_cannot_change_them(web: Browser) -> None:
    _store(web)
    kb = web.client.app.state.kb
    _, token = kb.keys.create(role="reader", name="reader-page")
    web.get("/login")
    web.post("/login", data={"csrf": web.csrf, "key": token, "next": "/action-items"})
    page = web.get("/action-items")
    assert page.status_code == 200 and "Dana Reyes" in page.text
    assert 'name="status" value="done"' not in page.text  # no change buttons for a reader
    action_id = re.search(r'<tr id="action-([^"]+)"', page.text).group(1)
    r = web.post(f"/action-items/{action_id}", data={"csrf": web.csrf, "status": "done"})
    assert r.status_code == 403 and kb.get_action(action_id)["status"] == "open"


def test_votes_from_the_search_page_with_and_without_a_script(web: Browser) -> None:
    doc_id = _store(web)
    kb = web.client.app.state.kb
    page = web.get("/", params={"q": "production scans"})
    assert page.status_code == 200
    form = re.search(r'<form id="vote-1" class="vote-form"(.*?)</form>', page.text, re.S).group(1)
    fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', form))
    assert fields["query"] == "production scans" and fields["unit_id"].startswith(doc_id)
    assert 'form="vote-1" name="vote" value="up"' in page.text
    plain = web.post("/vote", data={**fields, "vote": "up"})
    assert plain.status_code == 303 and plain.headers["location"].startswith("/?q=production")
    scripted = web.post(
        "/vote",
        data={"vote": "down", "context": "charter", "unit_id": fields["unit_id"]},
        headers={"x-csrf-token": web.csrf},
    )
    assert scripted.status_code == 204
    stats = kb.feedback_stats()
    assert (stats["up"], stats["down"]) == (1, 1) and stats["by_context"]["charter"]["down"] == 1
    missing = web.post("/vote", data={"csrf": web.csrf, "vote": "up", "unit_id": "nope-001"})
    assert missing.status_code == 404 and "nope-001" in missing.text
    assert web.post("/vote", data={"vote": "up", "unit_id": fields["unit_id"]}).status_code == 403


def test_patterns_page_shows_recurring_actions(web: Browser, tmp_path: Path) -> None:
    kb = web.client.app.state.kb
    for name, dept in (("a", "Claims"), ("b", "Finance")):
        path = tmp_path / f"{name}.md"
        path.write_text(
            f"# {name.upper()} pilot retro\n\nDepartment: {dept}\n\n## Action items\n\n"
            "| Action | Owner | Due |\n|---|---|---|\n"
            "| Add the business owner to the gate 0 charter template | Sam Lee | 2030-01-31 |\n",
            "utf-8",
        )
    kb.ingest_paths([str(tmp_path)])
    page = web.get("/patterns")
    assert page.status_code == 200
    section = page.text.split('id="recurring-h"', 1)[1]
    assert "Add the business owner to the gate 0 charter template" in section
    assert "in 2 documents" in section


def test_the_document_page_lists_its_action_items_with_their_lines(web: Browser) -> None:
    doc_id = _store(web)
    page = web.get(f"/doc/{doc_id}")
    field = page.text.split('id="field-actions"', 1)[1].split("</dd>", 1)[0]
    assert "Add the business owner at gate 0 (Dana Reyes, due 2024-05-01, open)" in field
    assert "end of Q3-ish" in field and "from Retro: claims triage PoC &gt; Action items" in field
