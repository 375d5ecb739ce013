"""The web pages in a real headless Chromium against a real `kb serve` on a loopback port.

Needs Debian's chromium at /usr/bin/chromium (`.ci/run` installs it) and the playwright package.
Screenshots of every page go to test-artifacts/screenshots/ (or $KB_TEST_ARTIFACTS).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import CORPUS, ROOT

pytestmark = pytest.mark.slow

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(os.environ.get("KB_TEST_ARTIFACTS", ROOT / "test-artifacts")) / "screenshots"

from playwright.sync_api import Browser, Page, expect, sync_playwright  # noqa: E402


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(tmp: Path, model_cache: Path, db: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KB_")}
    env.update(
        KB_DB=str(db),
        KB_EMBEDDER="onnx",  # the real model, as a user runs it
        KB_TAGGER="hybrid",
        KB_MODEL_CACHE=str(model_cache),
        XDG_DATA_HOME=str(tmp / "xdg-data"),
        XDG_CACHE_HOME=str(tmp / "xdg-cache"),
        HF_HUB_OFFLINE="1",
    )
    return env


def _kb(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "kb.cli", *args], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


class Server:
    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "kb.cli", "serve", "--port", str(self.port)],
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            assert self.process.poll() is None, log.read_text()
            try:
                with urllib.request.urlopen(self.url + "/ready", timeout=2) as r:
                    if json.loads(r.read())["ready"]:
                        return
            except OSError:
                time.sleep(0.3)
        raise AssertionError(f"kb serve did not become ready: {log.read_text()}")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=20)
        self.log.close()


@pytest.fixture(scope="module")
def local_server(tmp_path_factory: pytest.TempPathFactory, model_cache: Path) -> Iterator[Server]:
    """Local single-user mode over the shipped postmortems and handoffs."""
    tmp = tmp_path_factory.mktemp("web-local")
    env = _env(tmp, model_cache, tmp / "kb.db")
    _kb(env, "ingest", str(CORPUS / "postmortems"), str(CORPUS / "handoffs"))
    server = Server(env, tmp / "serve.log")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def shared_server(
    tmp_path_factory: pytest.TempPathFactory, model_cache: Path
) -> Iterator[tuple[Server, str, str]]:
    """A shared deployment: keys exist, so every page needs a signed-in key."""
    tmp = tmp_path_factory.mktemp("web-shared")
    env = _env(tmp, model_cache, tmp / "kb.db")
    _kb(env, "ingest", *sorted(str(p) for p in (CORPUS / "postmortems").glob("a-*.md"))[:4])
    reader = json.loads(_kb(env, "keys", "create", "--role", "reader", "--name", "rita", "--json"))
    admin = json.loads(_kb(env, "keys", "create", "--role", "admin", "--name", "ada", "--json"))
    server = Server(env, tmp / "serve.log")
    yield server, reader["key"], admin["key"]
    server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():  # a failure, not a skip: .ci/run installs it
        pytest.fail(
            f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium) "
            "for the browser tests",
            pytrace=False,
        )
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    expected = re.compile(r"Failed to load resource: .* status of (401|403|422)")  # refusals tested
    tab.on(
        "console",
        lambda msg: (
            errors.append(msg.text)
            if msg.type == "error" and not expected.search(msg.text)
            else None
        ),
    )
    yield tab
    context.close()
    assert not errors, f"the page logged errors: {errors}"


def shoot(tab: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_search_filter_and_open_a_document(local_server: Server, page: Page) -> None:
    page.goto(local_server.url + "/")
    expect(page.get_by_role("heading", name=re.compile(r"Documents 1–50 of \d+"))).to_be_visible()
    page.get_by_label("Search 57 postmortems and handoff documents").fill(
        "accuracy dropped on real production scans"
    )
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.get_by_role("heading", name=re.compile(r"results? for"))).to_be_visible()
    first = page.locator(".hit").first
    expect(first.locator("mark").first).to_be_visible()  # highlighted words
    expect(first.locator(".why")).to_contain_text("Why it matched")
    shoot(page, "search-results")

    # a filter updates the results without a page reload; the URL follows
    page.evaluate("window.__sameDocument = true")
    before = page.locator(".hit h3").all_inner_texts()
    page.get_by_role("checkbox", name=re.compile("Divergence from production data")).check()
    expect(page).to_have_url(re.compile(r"pattern=production-divergence"))
    expect(page.locator("#results")).not_to_have_attribute("aria-busy", "true")
    assert page.evaluate("window.__sameDocument") is True  # no navigation happened
    after = page.locator(".hit h3").all_inner_texts()
    assert after and after != before
    shoot(page, "search-filtered")

    title = page.locator(".hit h3 a").first.inner_text()
    page.locator(".hit h3 a").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.get_by_role("heading", name="The record")).to_be_visible()
    expect(page.get_by_role("heading", name="Related lessons from other projects")).to_be_visible()
    assert page.locator(".related li").count() > 0
    # a field's source lines open on demand
    source = page.locator("details.src").first
    expect(source.locator("pre.lines")).to_be_hidden()
    source.locator("summary").click()
    expect(source.locator("pre.lines")).to_be_visible()
    shoot(page, "document")


def test_search_without_javascript_is_a_plain_form(local_server: Server, browser: Browser) -> None:
    context = browser.new_context(java_script_enabled=False)
    tab = context.new_page()
    tab.goto(local_server.url + "/?q=security+review+blocked+the+pilot")
    tab.get_by_role("checkbox", name=re.compile("Security or compliance blocker")).check()
    tab.get_by_role("button", name="Apply filters").click()
    expect(tab).to_have_url(re.compile(r"pattern=security-compliance-blocker"))
    expect(tab.locator(".hit").first).to_be_visible()
    context.close()


def test_submit_preview_confirm_then_find_it(local_server: Server, page: Page) -> None:
    text = (
        "# Quayside berth planner postmortem\n\n"
        "Department: Port operations\nPhase reached: pilot\nOutcome: stalled\n\n"
        "## Root causes\n"
        "- The gantry crane schedules in the pilot came from a cleaned spreadsheet, never the live TOS feed.\n"
        "- Nobody in port operations owned the planner after the data scientist left.\n\n"
        "## Lessons learned\n"
        "- Connect the live terminal operating system feed before the first demo.\n\n"
        "## Configuration\n"
        "api_key = sk-live-4f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a\n\n"
        "<script>document.title = 'owned'</script>\n"
    )
    page.goto(local_server.url + "/submit")
    page.get_by_label("Document text").fill(text)
    page.get_by_label("File name").fill("quayside-berth-planner.md")
    shoot(page, "submit")
    page.get_by_role("button", name="Preview").click()

    expect(page.get_by_role("heading", name="Check before storing")).to_be_visible()
    expect(page.locator("#redacted")).to_contain_text("redacted")
    stored = page.locator("pre.stored-text")
    expect(stored).to_contain_text("<script>")  # shown as text, never run
    expect(stored).not_to_contain_text("sk-live-4f9a8b7c")
    assert page.title() != "owned"
    expect(page.locator("#field-phase_reached")).to_contain_text("Pilot")
    shoot(page, "submit-preview")

    # nothing was stored by the preview
    other = page.context.new_page()
    other.goto(local_server.url + "/?q=gantry+crane+schedules+TOS+feed")
    expect(other.locator(".hit").first).to_be_visible()
    assert "Quayside" not in " ".join(other.locator(".hit h3").all_inner_texts())
    other.close()

    page.get_by_role("button", name="Store it").click()
    expect(page.get_by_role("status")).to_contain_text("Stored")
    expect(page.get_by_role("heading", level=1)).to_have_text("Quayside berth planner postmortem")
    assert page.title() != "owned"
    shoot(page, "submitted-document")

    page.goto(local_server.url + "/?q=gantry+crane+schedules+TOS+feed")
    expect(page.locator(".hit h3").first).to_contain_text("Quayside berth planner")


def test_charter_assistant_updates_as_you_type(local_server: Server, page: Page) -> None:
    page.goto(local_server.url + "/charter")
    editor = page.get_by_label("Your charter (Markdown)")
    expect(editor).to_have_value(re.compile(r"## Exit criteria"))  # the template
    panel = page.locator("#assist")
    expect(panel.locator(".finding").first).to_be_visible()
    count = page.locator("#finding-count")
    expect(panel).to_have_attribute("data-checks", "1")
    shoot(page, "charter-template")

    draft = (
        "# Invoice reader PoC charter\n\n"
        "## Business problem\nAccounts payable staff key 9,000 supplier invoices a month by hand.\n\n"
        "## Objectives\n- Show that OCR extraction can read supplier invoices.\n"
    )
    editor.fill(draft)
    expect(panel).to_have_attribute("data-checks", "2")
    codes = set(panel.locator(".finding").evaluate_all("els => els.map(e => e.dataset.code)"))
    assert "no-exit-criteria" in codes and "no-production-data" in codes
    first_count = int(count.inner_text())
    suggestions = panel.locator(".suggestions li")
    assert suggestions.count() > 0
    first_suggestions = suggestions.evaluate_all("els => els.map(e => e.dataset.unit)")
    shoot(page, "charter-draft")

    # typing the missing parts: the checklist shrinks and the suggestions change, no reload
    editor.press("End")
    editor.type(
        "\n## Exit criteria\nStop if field accuracy is below 85% on 500 production invoices at Gate 2.\n"
        "\n## Data\nWe test on 500 real production invoices from last quarter, not vendor samples.\n",
        delay=2,
    )
    expect(panel).to_have_attribute("data-checks", "3", timeout=15_000)
    codes = set(panel.locator(".finding").evaluate_all("els => els.map(e => e.dataset.code)"))
    assert "no-exit-criteria" not in codes and "no-production-data" not in codes
    assert int(count.inner_text()) < first_count
    assert suggestions.evaluate_all("els => els.map(e => e.dataset.unit)") != first_suggestions
    shoot(page, "charter-typed")

    # a suggestion opens its document
    link = panel.locator(".suggestions li a").first
    href = link.get_attribute("href")
    assert href and href.startswith("/doc/")
    page.goto(local_server.url + href)
    expect(page.get_by_role("heading", name="The record")).to_be_visible()


def test_patterns_dashboard_links_to_documents(local_server: Server, page: Page) -> None:
    page.goto(local_server.url + "/patterns")
    expect(page.get_by_role("heading", name="How often each failure recurs")).to_be_visible()
    first = page.locator(".bars li").first
    expect(first).to_contain_text(re.compile(r"the same failure in \d+ department"))
    assert page.locator("table.heat").count() == 2
    shoot(page, "patterns")
    cell = page.locator("table.heat td a").first
    cell.click()
    expect(page).to_have_url(re.compile(r"pattern=.+&department=.+"))
    assert page.locator(".docs li").count() >= 1


def test_phone_width_has_no_sideways_scroll(local_server: Server, browser: Browser) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    tab = context.new_page()
    for path, name in (
        ("/?q=no+business+owner", "phone-search"),
        ("/charter", "phone-charter"),
        ("/patterns", "phone-patterns"),
    ):
        tab.goto(local_server.url + path)
        if path == "/charter":
            expect(tab.locator("#assist")).to_have_attribute("data-checks", "1")
        width = tab.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{path} is {width}px wide at phone width"
        shoot(tab, name)
    context.close()


def test_keyboard_reaches_search_and_results(local_server: Server, page: Page) -> None:
    page.goto(local_server.url + "/")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    expect(page.get_by_label(re.compile("^Search .* documents"))).to_be_focused()
    page.keyboard.type("vendor demo data")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name=re.compile("results? for"))).to_be_visible()
    unlabelled = page.evaluate(
        """() => [...document.querySelectorAll('input:not([type=hidden]), textarea, select')]
              .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label'))
              .map(el => el.name)"""
    )
    assert unlabelled == []


def test_sign_in_with_a_key_and_be_refused_without(
    shared_server: tuple[Server, str, str], page: Page
) -> None:
    server, reader_key, _ = shared_server
    page.goto(server.url + "/patterns")
    expect(page).to_have_url(re.compile(r"/login\?next=/patterns"))
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    shoot(page, "sign-in")

    page.get_by_label("API key").fill("kb_not_a_real_key")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("not valid")

    page.get_by_label("API key").fill(reader_key)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(server.url + "/patterns")
    expect(page.locator(".who")).to_contain_text("rita")
    cookie = next(c for c in page.context.cookies() if c["name"] == "kb_session")
    assert cookie["httpOnly"] and cookie["secure"] and cookie["sameSite"] == "Lax"
    assert page.evaluate("document.cookie").find("kb_session") == -1  # scripts cannot read it

    # a reader may search but not submit
    page.goto(server.url + "/submit")
    expect(page.get_by_role("alert")).to_contain_text("needs contributor")

    # a form posted without the page's token is refused
    status = page.evaluate(
        """async () => (await fetch('/charter/assist', {method: 'POST',
              headers: {'Content-Type': 'application/json'},
              body: JSON.stringify({content: '# x'})})).status"""
    )
    assert status == 403

    page.get_by_role("button", name="Sign out").click()
    page.goto(server.url + "/")
    expect(page).to_have_url(re.compile(r"/login"))


def test_upload_a_file_and_see_it_parsed(local_server: Server, page: Page, tmp_path: Path) -> None:
    upload = tmp_path / "cafe-rota-handoff.txt"
    upload.write_bytes(
        "Café rota assistant — handoff\n\nProject: Café rota assistant\nPhase reached: poc\n\n"
        "Lessons learned\n\n- Ask the café managers for real rotas before the demo.\n".encode(
            "cp1252"
        )
    )
    page.goto(local_server.url + "/submit")
    page.get_by_label("…or a file").set_input_files(str(upload))
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_role("heading", name="Check before storing")).to_be_visible()
    expect(page.locator("main")).to_contain_text("cafe-rota-handoff.txt")
    expect(page.locator("pre.stored-text")).to_contain_text("Café rota assistant")  # decoded


def test_charter_draft_survives_a_reload_and_downloads(local_server: Server, page: Page) -> None:
    page.goto(local_server.url + "/charter")
    editor = page.get_by_label("Your charter (Markdown)")
    expect(page.locator("#assist")).to_have_attribute("data-checks", "1")
    editor.fill(
        "# Parts forecast PoC charter\n\n## Business problem\nStockouts cost us 2% of sales.\n"
    )
    page.reload()
    expect(page.locator("#draft-restored")).to_be_visible()
    expect(editor).to_have_value(re.compile(r"^# Parts forecast PoC charter"))
    with page.expect_download() as download:
        page.get_by_role("button", name="Download as Markdown").click()
    assert download.value.suggested_filename == "parts-forecast-poc-charter.md"
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Start from the template").click()
    expect(editor).to_have_value(re.compile(r"## Exit criteria"))
    page.reload()
    expect(page.locator("#draft-restored")).to_have_count(0)


def test_vote_on_a_search_result_without_leaving_the_page(local_server: Server, page: Page) -> None:
    page.goto(local_server.url + "/?q=the+only+owner+left+and+the+project+stalled")
    first = page.locator(".hit").first
    expect(first).to_be_visible()
    page.evaluate("window.__sameDocument = true")
    first.get_by_role("button", name="Useful", exact=True).click()
    expect(first.locator(".vote")).to_have_text("Thanks: noted.")
    assert page.evaluate("window.__sameDocument") is True
    with urllib.request.urlopen(local_server.url + "/feedback/stats") as r:
        stats = json.loads(r.read())
    assert stats["up"] >= 1
    assert any(
        q["query"] == "the only owner left and the project stalled" for q in stats["queries"]
    )


def test_action_items_page_overdue_first_and_mark_done(local_server: Server, page: Page) -> None:
    page.goto(local_server.url + "/action-items")
    expect(page.get_by_role("heading", name="Action items from past projects")).to_be_visible()
    rows = page.locator("table.actions tbody tr")
    expect(rows.first).to_have_class(re.compile("overdue"))
    before = rows.count()
    assert before > 10
    shoot(page, "action-items")
    text = rows.first.locator("td").first.inner_text()
    rows.first.get_by_role("button", name="Done").click()
    expect(page.locator("#action-count")).to_contain_text(f"{before - 1} items")
    page.get_by_label("Status").select_option("done")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("table.actions")).to_contain_text(text[:40])


def test_vote_on_a_charter_suggestion(local_server: Server, page: Page) -> None:
    page.goto(local_server.url + "/charter")
    panel = page.locator("#assist")
    expect(panel).to_have_attribute("data-checks", "1")
    first = panel.locator(".suggestions li").first
    expect(first).to_be_visible()
    first.get_by_role("button", name="Not useful").click()
    expect(first.locator(".vote")).to_have_text("Thanks: noted.")
    with urllib.request.urlopen(local_server.url + "/feedback/stats") as r:
        stats = json.loads(r.read())
    assert stats["by_context"]["charter"]["down"] >= 1
