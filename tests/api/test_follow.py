"""Follow-through over HTTP: action items, Atom feeds (read by a real feed parser), feedback, digest."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime
from pathlib import Path

import feedparser
import pytest

from tests.api.conftest import auth

FIXTURE = Path(__file__).parent.parent / "fixtures" / "follow" / "retro-minutes.md"
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def stored(client):
    r = client.post(
        "/documents",
        content=FIXTURE.read_bytes(),
        params={"filename": "retro-minutes.md"},
        headers={"content-type": "text/markdown"},
    )
    assert r.status_code == 201, r.text
    return r.json()["id"]


def test_actions_list_filter_and_patch_with_roles(client, stored, keys, kb):
    r = client.get("/actions", params={"status": "all"}, headers=auth(keys["reader"]))
    assert r.status_code == 200 and r.json()["count"] == 7
    items = r.json()["actions"]
    assert items[0]["overdue"] and items[0]["lines"][0] > 0
    owner = client.get("/actions", params={"owner": "dana"}, headers=auth(keys["reader"])).json()
    assert [a["owner"] for a in owner["actions"]] == ["Dana Reyes"]
    dept = client.get(
        "/actions", params={"department": "claims", "overdue": "true"}, headers=auth(keys["reader"])
    )
    assert dept.status_code == 200 and all(a["overdue"] for a in dept.json()["actions"])
    bad = client.get("/actions", params={"status": "finished"}, headers=auth(keys["reader"]))
    assert bad.status_code == 422
    unknown = client.get("/actions", params={"colour": "red"}, headers=auth(keys["reader"]))
    assert unknown.status_code == 422 and "valid: status" in unknown.json()["detail"]
    target = owner["actions"][0]["id"]
    refused = client.patch(
        f"/actions/{target}", json={"status": "done"}, headers=auth(keys["reader"])
    )
    assert refused.status_code == 403
    ok = client.patch(
        f"/actions/{target}", json={"status": "done"}, headers=auth(keys["contributor"])
    )
    assert ok.status_code == 200 and ok.json()["status"] == "done"
    assert ok.json()["edited_by"] == "contributor-test"
    entry = kb.audit.entries(limit=1)[0]
    assert entry["action"] == "action-update" and entry["actor"] == "contributor-test"
    assert (
        client.patch(
            "/actions/nope", json={"status": "done"}, headers=auth(keys["admin"])
        ).status_code
        == 404
    )
    assert (
        client.patch(
            f"/actions/{target}", json={"status": "x"}, headers=auth(keys["admin"])
        ).status_code
        == 422
    )
    assert (
        client.patch(f"/actions/{target}", json={}, headers=auth(keys["admin"])).status_code == 422
    )
    assert client.get("/actions").status_code == 401  # keys exist: local mode is over


def _valid_atom(body: bytes) -> feedparser.FeedParserDict:
    root = ET.fromstring(body)
    assert root.tag == f"{ATOM}feed"
    for tag in ("id", "title", "updated", "author"):
        assert root.find(f"{ATOM}{tag}") is not None, tag
    for entry in root.findall(f"{ATOM}entry"):
        for tag in ("id", "title", "updated", "link"):
            assert entry.find(f"{ATOM}{tag}") is not None, tag
        datetime.fromisoformat(entry.find(f"{ATOM}updated").text)
    parsed = feedparser.parse(body)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    return parsed


def test_pattern_feed_is_atom_with_stable_ids_and_evidence(client, stored):
    r = client.get("/feeds/patterns/production-divergence.atom")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/atom+xml")
    feed = _valid_atom(r.content)
    assert feed.entries, "the retro shows production divergence"
    entry = feed.entries[0]
    assert entry.link.startswith("http://127.0.0.1/doc/") and "production" in entry.summary.lower()
    again = feedparser.parse(client.get("/feeds/patterns/production-divergence.atom").content)
    assert [e.id for e in again.entries] == [e.id for e in feed.entries]
    alias = feedparser.parse(client.get("/feeds/patterns/no-production-data.atom").content)
    assert [e.id for e in alias.entries] == [e.id for e in feed.entries]  # an alias is the pattern
    missing = client.get("/feeds/patterns/no-such-pattern.atom")
    assert missing.status_code == 404 and "valid:" in missing.json()["detail"]


def test_search_and_actions_feeds_and_their_errors(client, stored):
    r = client.get("/feeds/search.atom", params={"q": "production scans", "department": "claims"})
    assert r.status_code == 200, r.text
    assert _valid_atom(r.content).entries
    unknown = client.get("/feeds/search.atom", params={"q": "x", "colour": "red"})
    assert unknown.status_code == 422 and "pattern" in unknown.json()["detail"]
    value = client.get("/feeds/search.atom", params={"q": "x", "phase": "moon"})
    assert value.status_code == 422 and "valid: poc" in value.json()["detail"]
    actions = client.get("/feeds/actions.atom", params={"owner": "dana"})
    feed = _valid_atom(actions.content)
    assert len(feed.entries) == 1 and feed.entries[0].title.startswith("OVERDUE: ")
    everyone = _valid_atom(client.get("/feeds/actions.atom").content)
    assert len(everyone.entries) == 5  # the open ones


def test_feedback_votes_stats_and_errors(client, stored, kb):
    unit = kb.get_document(stored)["units"][0]["id"]
    r = client.post("/feedback", json={"vote": "up", "query": "demo data", "unit_id": unit})
    assert r.status_code == 201 and r.json()["document_id"] == stored
    down = client.post(
        "/feedback",
        json={"vote": "down", "context": "charter", "document_id": stored, "comment": "off topic"},
    )
    assert down.status_code == 201
    assert client.post("/feedback", json={"vote": "up", "unit_id": "nope-001"}).status_code == 404
    assert client.post("/feedback", json={"vote": "up", "document_id": "nope"}).status_code == 404
    assert client.post("/feedback", json={"vote": "sideways", "unit_id": unit}).status_code == 422
    assert client.post("/feedback", json={"vote": "up"}).status_code == 422
    stats = client.get("/feedback/stats").json()
    assert (stats["votes"], stats["up"], stats["down"]) == (2, 1, 1)
    assert stats["by_context"]["charter"]["down"] == 1


def test_digest_json_and_markdown(client, stored):
    r = client.get("/digest", params={"since": "7d"})
    assert r.status_code == 200
    body = r.json()
    assert [d["id"] for d in body["added"]] == [stored]
    assert body["overdue_total"] >= 3
    md = client.get("/digest", params={"since": "7d", "format": "markdown"})
    assert md.headers["content-type"].startswith("text/markdown")
    assert "## Added (1)" in md.text
    bad = client.get("/digest", params={"since": "last tuesday"})
    assert bad.status_code == 422 and "7d" in bad.json()["detail"]


def test_feeds_follow_the_readers_key_rules(client, stored, keys):
    assert client.get("/feeds/actions.atom").status_code == 401
    assert client.get("/feeds/patterns/handoff-loss.atom").status_code == 401
    ok = client.get("/feeds/actions.atom", headers=auth(keys["reader"]))
    assert ok.status_code == 200 and _valid_atom(ok.content).entries
    assert client.post("/feedback", json={"vote": "up", "document_id": stored}).status_code == 401
    voted = client.post(
        "/feedback", json={"vote": "up", "document_id": stored}, headers=auth(keys["reader"])
    )
    assert voted.status_code == 201 and voted.json()["actor"] == "reader-test"


def test_control_characters_never_break_a_feed(client, stored, kb):
    item = kb.actions(owner="dana")[0]
    kb.update_action(item["id"], owner="Dana\x01 Reyes")
    _valid_atom(client.get("/feeds/actions.atom").content)
    _valid_atom(client.get("/feeds/search.atom", params={"q": "a\x0cb"}).content)


def test_bad_spans_are_422(client, stored):
    assert client.get("/digest", params={"since": "99999999999d"}).status_code == 422
    assert client.get("/feedback/stats", params={"since": "last week"}).status_code == 422
    assert client.get("/feedback/stats", params={"since": "7d"}).status_code == 200
