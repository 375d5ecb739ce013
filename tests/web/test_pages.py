"""The web pages through TestClient: escaping, CSRF, sign-in rules, preview without storing."""

from __future__ import annotations

import base64
import re

import pytest
from fastapi.testclient import TestClient

from api import create_app
from kb import Settings

PM = """# Claims OCR pilot postmortem

Department: Claims
Phase reached: pilot

## Root causes
- The vendor cleaned the demo set by hand; real scans failed.
- <script>alert('x')</script> was pasted into the notes.

## Lessons learned
- Use production scans from day one. [click](javascript:alert(1))

## Configuration
api_key = sk-proj-AbC123def456GHI789jkl012MNO345pqr678
"""


class Browser:
    """TestClient with cookies kept by hand: httpx, like http.cookiejar, keeps Secure ones to https."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.cookies: dict[str, str] = {}
        self.csrf = ""

    def _send(self, method: str, url: str, **kw):  # type: ignore[no-untyped-def]
        headers = dict(kw.pop("headers", {}) or {})
        if self.cookies:
            headers["cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        r = self.client.request(method, url, headers=headers, follow_redirects=False, **kw)
        for header in r.headers.get_list("set-cookie"):
            name, _, rest = header.partition("=")
            value = rest.split(";", 1)[0]
            if value in ('""', "") or "Max-Age=0" in header:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        found = re.search(r'name="csrf-token" content="([^"]+)"', r.text)
        if found:
            self.csrf = found.group(1)
        return r

    def get(self, url: str, **kw):  # type: ignore[no-untyped-def]
        return self._send("GET", url, **kw)

    def post(self, url: str, **kw):  # type: ignore[no-untyped-def]
        return self._send("POST", url, **kw)


def preview(web: Browser, text: str = PM, **fields: str):  # type: ignore[no-untyped-def]
    web.get("/submit")
    return web.post(
        "/submit",
        data={"csrf": web.csrf, "content": text, "filename": "ocr.md", **fields},
    )


def test_preview_stores_nothing_and_confirm_stores(web: Browser) -> None:
    kb = web.client.app.state.kb
    r = preview(web)
    assert r.status_code == 200
    assert "Check before storing" in r.text
    assert kb.store.count("documents") == 0  # the preview wrote nothing
    assert "sk-proj-AbC123" not in r.text and "Secrets found and redacted" in r.text
    payload = re.search(r'name="payload" value="([^"]+)"', r.text).group(1)
    assert base64.b64decode(payload).decode() == PM  # what was previewed is what is confirmed
    done = web.post(
        "/submit/confirm", data={"csrf": web.csrf, "payload": payload, "filename": "ocr.md"}
    )
    assert done.status_code == 303
    doc_id = done.headers["location"].split("/doc/")[1].split("?")[0]
    assert kb.store.count("documents") == 1
    assert kb.audit.entries(limit=1)[0]["action"] == "submit"
    page = web.get(done.headers["location"])
    assert "Stored." in page.text
    # the second preview of the same bytes says it is already stored
    again = preview(web)
    assert "This exact document is already stored" in again.text
    assert f"/doc/{doc_id}" in again.text


def test_submitted_script_and_links_are_shown_as_text(web: Browser) -> None:
    r = preview(web)
    payload = re.search(r'name="payload" value="([^"]+)"', r.text).group(1)
    location = web.post("/submit/confirm", data={"csrf": web.csrf, "payload": payload}).headers[
        "location"
    ]
    page = web.get(location).text
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(" in page
    assert "javascript:" not in page.replace("javascript:alert(1))", "")  # only as escaped text
    assert 'href="javascript' not in page
    assert "script-src 'self'" in web.get(location).headers["content-security-policy"]


def test_forms_without_the_token_are_refused(web: Browser) -> None:
    web.get("/submit")
    r = web.post("/submit", data={"content": PM})
    assert r.status_code == 403 and "security token" in r.text
    r = web.post("/submit", data={"content": PM, "csrf": "forged"})
    assert r.status_code == 403
    r = web.post(
        "/submit",
        data={"content": PM, "csrf": web.csrf},
        headers={"origin": "https://evil.example"},
    )
    assert r.status_code == 403 and "another site" in r.text
    r = web.post("/charter/assist", json={"content": "# x"})
    assert r.status_code == 403
    r = web.post("/charter/assist", json={"content": "# x"}, headers={"x-csrf-token": web.csrf})
    assert r.status_code == 200


def test_local_mode_refuses_a_foreign_host_name(web: Browser) -> None:
    r = web.get("/", headers={"host": "attacker.example"})
    assert r.status_code == 403 and "own address" in r.text


def test_pages_need_a_key_once_keys_exist(web: Browser) -> None:
    kb = web.client.app.state.kb
    _, reader = kb.keys.create(role="reader", name="rita")
    r = web.get("/patterns")
    assert r.status_code == 303 and r.headers["location"] == "/login?next=/patterns"
    login = web.get("/login?next=/patterns")
    assert "API key" in login.text
    bad = web.post("/login", data={"csrf": web.csrf, "key": "nope", "next": "/patterns"})
    assert bad.status_code == 401 and "not valid" in bad.text
    ok = web.post("/login", data={"csrf": web.csrf, "key": reader, "next": "/patterns"})
    assert ok.status_code == 303 and ok.headers["location"] == "/patterns"
    cookie = next(h for h in ok.headers.get_list("set-cookie") if h.startswith("kb_session="))
    assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=lax" in cookie
    assert web.get("/patterns").status_code == 200
    refused = web.get("/submit")
    assert refused.status_code == 403 and "needs contributor" in refused.text
    # a revoked key ends the session at the next request
    kb.keys.revoke(kb.keys.list()[0].id)
    assert web.get("/patterns").status_code == 303


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example", "/\\evil"])
def test_sign_in_never_redirects_off_site(web: Browser, target: str) -> None:
    kb = web.client.app.state.kb
    _, key = kb.keys.create(role="reader", name="rita")
    web.get("/login")
    r = web.post("/login", data={"csrf": web.csrf, "key": key, "next": target})
    assert r.headers["location"] == "/"


def test_search_page_filters_counts_and_errors(web: Browser, corpus_dir) -> None:
    kb = web.client.app.state.kb
    kb.ingest_paths([str(corpus_dir / "postmortems")])
    page = web.get("/?pattern=production-divergence")
    assert page.status_code == 200
    counts = kb.facet_counts({"pattern": ["production-divergence"]})
    n = counts["pattern"]["production-divergence"]
    assert f"{n} documents matching the filters" in page.text
    # counts of another facet are under the chosen filter; the facet's own ignores it
    assert sum(counts["kind"].values()) == n
    assert counts["pattern"] == kb.facet_counts({})["pattern"]
    bad = web.get("/?phase=moon")
    assert bad.status_code == 422 and "unknown phase" in bad.text
    hits = web.get("/?q=vendor+cleaned+demo+data")
    assert "Why it matched" in hits.text and "<mark>" in hits.text


def test_document_page_and_missing_document(web: Browser, corpus_dir) -> None:
    kb = web.client.app.state.kb
    kb.ingest_paths([str(corpus_dir / "postmortems")])
    doc = kb.list_documents()[0]
    page = web.get(f"/doc/{doc['id']}")
    assert page.status_code == 200
    assert "The record" in page.text and "Related lessons from other projects" in page.text
    assert web.get("/doc/ffffffffffff").status_code == 404


def test_charter_page_without_javascript_posts_the_form(web: Browser) -> None:
    page = web.get("/charter")
    assert "## Exit criteria" in page.text  # the template, to fill in
    r = web.post(
        "/charter",
        data={"csrf": web.csrf, "content": "# Bot PoC\n\n## Objectives\n- See what AI can do.\n"},
    )
    assert r.status_code == 200 and 'data-code="no-exit-criteria"' in r.text


def test_empty_and_oversized_submissions_say_why(web: Browser) -> None:
    web.get("/submit")
    empty = web.post("/submit", data={"csrf": web.csrf, "content": "   "})
    assert empty.status_code == 422 and "Nothing to submit" in empty.text
    huge = web.post("/submit", data={"csrf": web.csrf, "content": "x" * 30_000})
    assert huge.status_code == 422 and "limit" in huge.text
    bulk = web.post("/submit", data={"csrf": web.csrf, "content": "a,b", "filename": "x.csv"})
    assert bulk.status_code == 422 and "kb import-table" in bulk.text


def test_upload_a_file(web: Browser) -> None:
    web.get("/submit")
    r = web.post(
        "/submit",
        data={"csrf": web.csrf},
        files={"file": ("pilot.txt", PM.encode("cp1252"), "text/plain")},
    )
    assert r.status_code == 200 and "pilot.txt" in r.text


def test_security_headers_on_pages_but_not_on_the_api_docs(web: Browser) -> None:
    page = web.get("/charter")
    assert page.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    docs = web.get("/docs")  # Swagger UI loads its own script, which the pages' policy would block
    assert docs.status_code == 200 and "content-security-policy" not in docs.headers


def test_page_posts_are_bounded_before_they_are_read(web: Browser) -> None:
    web.get("/submit")
    big = "x" * 200_000  # the app's limit is 20,000 bytes
    r = web.post("/charter", data={"csrf": web.csrf, "content": big})
    assert r.status_code == 413 and "documents up to 20,000 bytes" in r.text
    r = web.post("/submit", data={"csrf": web.csrf}, files={"file": ("a.md", big.encode())})
    assert r.status_code == 413


def test_confirm_refuses_a_bulk_format(web: Browser) -> None:
    web.get("/submit")
    payload = base64.b64encode(b'{"title": "a"}\n{"title": "b"}\n').decode()
    r = web.post("/submit/confirm", data={"csrf": web.csrf, "payload": payload, "fmt": "jsonl"})
    assert r.status_code == 400 and "unknown format" in r.text
    assert web.client.app.state.kb.store.count("documents") == 0


def test_signed_out_form_post_returns_to_its_page(web: Browser) -> None:
    kb = web.client.app.state.kb
    kb.keys.create(role="reader", name="rita")
    web.get("/login")
    r = web.post("/submit/confirm", data={"csrf": web.csrf, "payload": "eA=="})
    assert r.status_code == 303 and r.headers["location"] == "/login?next=/submit"
    r = web.post("/charter/assist", json={"content": "# x"}, headers={"x-csrf-token": web.csrf})
    assert r.status_code == 401


def test_readers_do_not_see_the_submit_link(web: Browser) -> None:
    kb = web.client.app.state.kb
    _, key = kb.keys.create(role="reader", name="rita")
    web.get("/login")
    web.post("/login", data={"csrf": web.csrf, "key": key, "next": "/"})
    assert 'href="/submit"' not in web.get("/").text


def test_pages_say_the_server_is_starting(tmp_path) -> None:
    app = create_app(Settings(db=tmp_path / "web.db"))
    client = TestClient(app, base_url="http://127.0.0.1")  # no lifespan: nothing loaded yet
    r = client.get("/")
    assert r.status_code == 503 and "Starting up" in r.text
    assert '<meta http-equiv="refresh" content="3">' in r.text
    app.state.load_error = "OSError: disk full"
    r = client.get("/patterns")
    assert r.status_code == 500 and "disk full" in r.text


def test_browse_and_search_have_pages(web: Browser, corpus_dir) -> None:
    kb = web.client.app.state.kb
    kb.ingest_paths([str(corpus_dir / "postmortems"), str(corpus_dir / "handoffs")])
    first = web.get("/")
    assert "Documents 1–50 of 57" in first.text and 'href="/?page=2"' in first.text
    second = web.get("/?page=2")
    assert (
        "Documents 51–57 of 57" in second.text
        and second.text.count('<li>\n            <a href="/doc/') == 7
    )
    titles = set(re.findall(r'<a href="/doc/([0-9a-f]+)">', first.text))
    assert not titles & set(re.findall(r'<a href="/doc/([0-9a-f]+)">', second.text))
    more = web.get("/?q=vendor+demo+data&kind=postmortem&page=2")
    assert "Results 21–" in more.text and "kind=postmortem" in more.text


def test_a_word_file_goes_through_the_submit_page_and_can_be_downloaded(web: Browser) -> None:
    from pathlib import Path

    path = Path(__file__).parent.parent / "fixtures" / "formats" / "peoplebot-handoff.docx"
    data = path.read_bytes()
    web.get("/submit")
    r = web.post(
        "/submit",
        data={"csrf": web.csrf},
        files={"file": (path.name, data, "application/octet-stream")},
    )
    assert r.status_code == 200, r.text
    assert "Check before storing" in r.text and "PeopleBot" in r.text
    payload = re.search(r'name="payload" value="([^"]+)"', r.text).group(1)
    done = web.post(
        "/submit/confirm", data={"csrf": web.csrf, "payload": payload, "filename": path.name}
    )
    assert done.status_code == 303, done.text
    doc_id = done.headers["location"].split("/doc/")[1].split("?")[0]
    page = web.get(f"/doc/{doc_id}")
    assert "docx" in page.text and f"/doc/{doc_id}/original" in page.text
    original = web.get(f"/doc/{doc_id}/original")
    assert original.status_code == 200 and original.content == data
    assert "peoplebot-handoff.docx" in original.headers["content-disposition"]


def test_a_zip_through_the_submit_page_lists_its_parts_then_stores_them(web: Browser) -> None:
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("space/a.md", "# Bot A\n\n## Lessons\n- Agree exit criteria at Gate 0.\n")
        zf.writestr("space/b.md", "# Bot B\n\n## Root causes\n- Demo data was curated by hand.\n")
        zf.writestr("space/c.pdf", b"%PDF-1.4 not really")
    web.get("/submit")
    r = web.post(
        "/submit",
        data={"csrf": web.csrf},
        files={"file": ("space.zip", buf.getvalue(), "application/zip")},
    )
    assert r.status_code == 200, r.text
    assert "2 documents in this file" in r.text and "space/c.pdf" in r.text
    kb = web.client.app.state.kb
    assert kb.store.count("documents") == 0
    payload = re.search(r'name="payload" value="([^"]+)"', r.text).group(1)
    done = web.post(
        "/submit/confirm", data={"csrf": web.csrf, "payload": payload, "filename": "space.zip"}
    )
    assert done.status_code == 200 and "Bot A" in done.text and "not stored" in done.text
    assert kb.store.count("documents") == 2
