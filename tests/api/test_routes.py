"""Every endpoint, role and error path through TestClient (the lifespan runs)."""

from __future__ import annotations

import json
import sqlite3

from tests.api.conftest import auth

PM = """---
department: Claims
phase_reached: pilot
---
# Claims OCR pilot postmortem

## Root causes
- The vendor cleaned the demo set by hand; real scans failed.

## Lessons learned
- Use production scans from day one.

## Configuration
```yaml
api_key: sk-proj-AbC123def456GHI789jkl012MNO345pqr678
db: postgres://claims:S3cretPass99@db.internal:5432/claims
```
"""


def submit(client, text=PM, headers=None, **params):
    return client.post(
        "/documents",
        content=text.encode(),
        params=params,
        headers={"content-type": "text/markdown", **(headers or {})},
    )


def test_local_mode_submit_search_read(client):
    r = submit(client, filename="ocr.md")
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["status"] == "added" and body["document"]["title"] == "Claims OCR pilot postmortem"
    assert body["redacted"] == {"API key": 1, "URL credentials": 1}
    assert "no root-cause section found" not in body["warnings"]
    doc_id = body["id"]
    again = submit(client, filename="ocr.md")
    assert (
        again.status_code == 200
        and again.json()["status"] == "unchanged"
        and again.json()["id"] == doc_id
    )
    hits = client.get("/search", params={"q": "vendor cleaned demo set", "limit": 3}).json()["hits"]
    assert hits[0]["document_id"] == doc_id and set(hits[0]) >= {
        "rank",
        "unit_id",
        "source",
        "snippet",
        "explain",
    }
    post = client.post(
        "/search",
        json={
            "query": "vendor cleaned demo set",
            "limit": 3,
            "filters": {"department": ["claims"]},
        },
    ).json()
    assert post["hits"][0]["document_id"] == doc_id and post["filters"] == {
        "department": ["claims"]
    }
    record = client.get(f"/documents/{doc_id}").json()
    assert record["fields"]["department"]["source"]["via"] == "front matter"
    unit_id = record["units"][0]["id"]
    assert client.get(f"/units/{unit_id}").json()["document_id"] == doc_id
    assert client.get(f"/units/{unit_id}/related").status_code == 200
    listed = client.get("/documents", params={"department": "claims"}).json()
    assert listed["count"] == 1
    assert client.get("/stats").json()["by_department"] == {"claims": 1}
    assert client.get("/stats").json()["by_month"]
    assert len(client.get("/taxonomy").json()["patterns"]) == 12
    assert client.get("/health").json() == {"status": "ok"}
    ready = client.get("/ready").json()
    assert ready["ready"] and ready["auth"] == "local single-user mode"


def test_secrets_never_reach_the_store(client, settings):
    doc_id = submit(client).json()["id"]
    conn = sqlite3.connect(settings.db_path)
    dump = "\n".join(conn.iterdump())
    assert "AbC123def456GHI789" not in dump and "S3cretPass99" not in dump
    assert "[REDACTED:API key]" in dump
    record = client.get(f"/documents/{doc_id}").json()
    assert all("S3cretPass99" not in u["text"] for u in record["units"])


def test_json_and_multipart_submissions_with_metadata(client):
    r = client.post(
        "/documents",
        json={
            "content": "# HR bot\n\n## Lessons\n- Name two owners.\n",
            "filename": "hr.md",
            "department": "HR",
            "submitter": "ana",
        },
    )
    assert r.status_code == 201 and r.json()["document"]["department"] == "hr"
    files = {
        "file": (
            "notes.txt",
            b"SUPPORT BOT POSTMORTEM\n\nLESSONS\n\nAsk agents first.\n",
            "text/plain",
        )
    }
    r = client.post("/documents", files=files, data={"project": "AgentAssist"})
    assert r.status_code == 201, r.text
    assert r.json()["document"]["project"] == "AgentAssist"


def count(kb):
    return kb.store.count("documents")


def test_error_paths_store_nothing(client, kb):
    big = submit(client, text="# Big\n\n" + "word " * 10_000)
    assert big.status_code == 413 and big.headers["content-type"] == "application/problem+json"
    assert "KB_MAX_BODY_BYTES" in big.json()["detail"]
    xml = client.post("/documents", content=b"<a/>", headers={"content-type": "application/xml"})
    assert xml.status_code == 415 and "text/markdown" in xml.json()["detail"]
    missing = client.post("/documents", json={"filename": "x.md"})
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "content"
    binary = client.post(
        "/documents",
        content=b"\x89PNG\r\n\x1a\n\x00\x00\x00binary",
        headers={"content-type": "text/plain"},
    )
    assert binary.status_code == 400 and "binary" in binary.json()["detail"]
    empty = client.post("/documents", content=b"", headers={"content-type": "text/markdown"})
    assert empty.status_code == 400 and "empty" in empty.json()["detail"]
    csv = client.post("/documents", files={"file": ("rows.csv", b"a,b\n1,2\n", "text/csv")})
    assert csv.status_code == 415 and "import-table" in csv.json()["detail"]
    assert count(kb) == 0


def test_search_errors_are_422_with_valid_values(client):
    submit(client)
    r = client.get("/search", params={"q": "x", "phase": "beta"})
    assert r.status_code == 422 and "valid: poc, pilot, production" in r.json()["detail"]
    assert client.get("/search").status_code == 422  # q missing
    assert client.get("/search", params={"q": "   "}).status_code == 422
    assert client.get("/search", params={"q": "x", "per_document": -1}).status_code == 422
    one = client.post("/search", json={"query": "owner", "per_document": 1, "limit": 5}).json()
    assert len({h["document_id"] for h in one["hits"]}) == len(one["hits"])
    assert client.get("/documents", params={"pattern": "bad-luck"}).status_code == 422
    assert client.get("/documents/nope").status_code == 404
    assert client.get("/units/nope").status_code == 404
    assert client.get("/units/nope/related").status_code == 404


def test_roles(client, kb, keys):
    assert (
        client.get("/search", params={"q": "x"}).status_code == 401
    )  # keys exist: local mode is over
    bad = client.get("/search", params={"q": "x"}, headers=auth("kb_not-a-key"))
    assert bad.status_code == 401 and "not valid" in bad.json()["detail"]
    assert client.get("/search", params={"q": "x"}, headers=auth(keys["reader"])).status_code == 200
    assert submit(client, headers=auth(keys["reader"])).status_code == 403
    created = submit(client, headers=auth(keys["contributor"]))
    assert created.status_code == 201
    doc_id = created.json()["id"]
    assert (
        client.delete(f"/documents/{doc_id}", headers=auth(keys["contributor"])).status_code == 403
    )
    assert client.get("/audit", headers=auth(keys["contributor"])).status_code == 403
    assert client.delete(f"/documents/{doc_id}", headers=auth(keys["admin"])).status_code == 204
    assert client.delete(f"/documents/{doc_id}", headers=auth(keys["admin"])).status_code == 404
    hits = client.get(
        "/search", params={"q": "vendor cleaned"}, headers=auth(keys["reader"])
    ).json()["hits"]
    assert all(h["document_id"] != doc_id for h in hits)
    trail = client.get("/audit", headers=auth(keys["admin"])).json()["entries"]
    assert [(e["actor"], e["action"]) for e in trail[:2]] == [
        ("admin-test", "delete"),
        ("contributor-test", "submit"),
    ]
    assert trail[1]["detail"]["redacted"] == {"API key": 1, "URL credentials": 1}
    assert client.get("/health").status_code == 200  # liveness needs no key
    kb.keys.revoke(kb.keys.list()[0].id)
    assert client.get("/search", params={"q": "x"}, headers=auth(keys["reader"])).status_code == 401


def test_openapi_is_complete(client):
    schema = client.get("/openapi.json").json()
    for path in (
        "/documents",
        "/documents/{document_id}",
        "/units/{unit_id}",
        "/units/{unit_id}/related",
        "/search",
        "/stats",
        "/taxonomy",
        "/health",
        "/ready",
        "/audit",
    ):
        assert path in schema["paths"], path
    body = schema["paths"]["/documents"]["post"]["requestBody"]["content"]
    assert {"text/markdown", "application/json", "multipart/form-data"} <= set(body)
    assert "example" in body["text/markdown"]
    assert "application/problem+json" in json.dumps(
        schema["paths"]["/documents"]["post"]["responses"]
    )


def test_a_second_process_sees_new_writes(client, settings):
    from kb import KnowledgeBase

    client.get("/search", params={"q": "warm"})  # the service's index is loaded
    other = KnowledgeBase(settings)  # another worker or a CLI run on the same store
    other.ingest_paths([])  # nothing
    (settings.db_path.parent / "new.md").write_text(
        "# Routing bot\n\n## Lessons\n- Quarantine hallucinated routes.\n"
    )
    other.ingest_paths([str(settings.db_path.parent / "new.md")])
    other.close()
    hits = client.get(
        "/search", params={"q": "quarantine hallucinated routes", "mode": "dense"}
    ).json()["hits"]
    assert hits and hits[0]["title"] == "Routing bot"


def test_not_ready_until_loaded(settings):
    from fastapi.testclient import TestClient

    from api import create_app

    client = TestClient(
        create_app(settings)
    )  # no `with`: the lifespan (and the loading) never runs
    ready = client.get("/ready")
    assert ready.status_code == 503 and ready.json()["ready"] is False
    busy = client.get("/search", params={"q": "x"})
    assert busy.status_code == 503 and busy.headers["retry-after"] == "2"
    assert client.get("/health").status_code == 200


def test_no_local_mode_off_loopback(tmp_path):
    from fastapi.testclient import TestClient

    from api import create_app
    from kb import Settings

    with TestClient(
        create_app(Settings(db=tmp_path / "pub.db", host="0.0.0.0"), wait=True)
    ) as client:
        r = client.get("/search", params={"q": "x"})
        assert r.status_code == 401 and "API key" in r.json()["detail"]
        assert client.get("/ready").json()["auth"] == "API keys"


def test_local_mode_refuses_web_pages_and_other_hosts(client):
    page = submit(client, headers={"origin": "https://evil.example"})
    assert page.status_code == 403 and "web pages" in page.json()["detail"]
    rebound = client.get("/search", params={"q": "x"}, headers={"host": "attacker.example"})
    assert rebound.status_code == 403
    assert (
        client.get(
            "/search", params={"q": "x"}, headers={"origin": "http://localhost:8000"}
        ).status_code
        == 200
    )


def test_unrelated_submissions_do_not_replace_each_other(client, kb):
    first = client.post("/documents", json={"content": "# A\n\n## Lessons\n- First lesson text.\n"})
    second = client.post(
        "/documents", json={"content": "# B\n\n## Lessons\n- Second lesson text.\n"}
    )
    assert first.json()["status"] == second.json()["status"] == "added"
    assert client.get("/documents").json()["count"] == 2
    again = client.post(
        "/documents", json={"content": "# A\n\n## Lessons\n- First, revised.\n", "filename": "a.md"}
    )
    revised = client.post(
        "/documents",
        json={"content": "# A\n\n## Lessons\n- First, revised twice.\n", "filename": "a.md"},
    )
    assert again.json()["status"] == "added" and revised.json()["status"] == "new-version"
    bulk = client.post("/documents", json={"content": '[{"title": "x"}]', "filename": "rows.json"})
    assert bulk.status_code == 415
    json_like = client.post("/documents", json={"content": '{"title": "x", "lesson": "y z"}'})
    assert json_like.status_code == 201  # read as a document (Markdown), not as a bulk export
    assert kb.vectors.ids() == set(kb.store.live_vector_ids(kb.vectors.model).tolist())


def test_word_pdf_and_zip_uploads_and_the_original_download(tmp_path):
    import io
    import zipfile
    from pathlib import Path

    from fastapi.testclient import TestClient

    from api import create_app
    from kb import Settings

    fixtures = Path(__file__).parent.parent / "fixtures" / "formats"
    settings = Settings(db=tmp_path / "formats.db", max_body_bytes=2_000_000)
    with TestClient(create_app(settings, wait=True), base_url="http://127.0.0.1") as client:
        pdf = (fixtures / "fraud-postmortem.pdf").read_bytes()
        r = client.post("/documents", files={"file": ("fraud.pdf", pdf, "application/pdf")})
        assert r.status_code == 201, r.text
        doc = r.json()["document"]
        assert doc["format"] == "pdf" and doc["kind"] == "postmortem"
        assert {u["place"] for u in doc["units"]} >= {"page 1", "page 2"}
        got = client.get(f"/documents/{doc['id']}/original")
        assert got.status_code == 200 and got.content == pdf
        assert got.headers["content-type"] == "application/pdf"
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            zf.writestr("a/one.md", "# One\n\n## Lessons\n- Agree exit criteria first.\n")
            zf.writestr("a/two.docx", (fixtures / "peoplebot-handoff.docx").read_bytes())
            zf.writestr("a/bad.pdf", b"%PDF-1.4 broken")
        r = client.post(
            "/documents", files={"file": ("pack.zip", buf.getvalue(), "application/zip")}
        )
        assert r.status_code == 201, r.text
        statuses = {x["source"].split("#")[-1]: x["status"] for x in r.json()["results"]}
        assert statuses == {"a/one.md": "added", "a/two.docx": "added", "a/bad.pdf": "failed"}
        assert client.get("/documents/nope/original").status_code == 404
        renamed = client.post("/documents", files={"file": ("x.md", pdf, "text/markdown")})
        assert renamed.status_code == 400 and "rename it to .pdf" in renamed.json()["detail"]
