"""A real `kb serve` process on a free loopback port: submit a document, then find it by search."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from kb.cli import cli

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_ready(url: str, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(
                f"kb serve exited: {process.stderr.read() if process.stderr else ''}"
            )
        try:
            with urllib.request.urlopen(url + "/ready", timeout=2) as r:
                if json.loads(r.read())["ready"]:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise AssertionError("kb serve did not become ready")


@pytest.fixture
def server(tmp_path: Path):
    port = free_port()
    env = {**os.environ, "KB_DB": str(tmp_path / "served.db")}
    process = subprocess.Popen(
        [sys.executable, "-m", "kb.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(url, process)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_submit_then_search_over_http(server):
    body = b"# Forecast pilot postmortem\n\n## Root causes\n- The planners were never asked; promo weeks broke it.\n"
    request = urllib.request.Request(
        server + "/documents?filename=forecast.md",
        data=body,
        headers={"content-type": "text/markdown"},
    )
    with urllib.request.urlopen(request, timeout=30) as r:
        assert r.status == 201
        doc_id = json.loads(r.read())["id"]
    with urllib.request.urlopen(
        server + "/search?q=planners+never+asked+promo+weeks", timeout=30
    ) as r:
        hits = json.loads(r.read())["hits"]
    assert hits[0]["document_id"] == doc_id
    # the CLI can ask the running service instead of loading a model
    result = CliRunner().invoke(
        cli, ["search", "promo weeks broke the forecast", "--server", server, "--json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["hits"][0]["document_id"] == doc_id


def test_an_oversized_upload_gets_its_413_even_from_clients_that_send_everything_first(server):
    # urllib writes the whole body before it reads: the service must read it too, or the client
    # sees a connection reset instead of the answer
    body = b"# Too big\n\n" + b"word " * 1_300_000  # 6.5 MB, over the 5 MB default
    request = urllib.request.Request(
        server + "/documents?filename=big.md", data=body, headers={"content-type": "text/markdown"}
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=30)
    assert refused.value.code == 413
    problem = json.loads(refused.value.read())
    assert "5,000,000" in problem["detail"]
    # the page form is refused the same way
    form = urllib.request.Request(  # past the form's allowance, which leaves room for base64
        server + "/submit",
        data=b"text=" + body + body[:2_000_000],
        headers={"content-type": "application/x-www-form-urlencoded", "origin": server},
    )
    with pytest.raises(urllib.error.HTTPError) as page:
        urllib.request.urlopen(form, timeout=30)
    assert page.value.code == 413
    # and the service still answers afterwards
    with urllib.request.urlopen(server + "/ready", timeout=10) as r:
        assert json.loads(r.read())["ready"]


def test_a_client_that_waits_for_100_continue_is_refused_before_it_sends(server):
    host, port = server.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as s:
        s.sendall(
            b"POST /documents?filename=big.md HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: text/markdown\r\nContent-Length: 6500000\r\n"
            b"Expect: 100-continue\r\n\r\n"
        )
        answer = s.recv(65_536)  # nothing of the body was sent, yet the answer comes
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
