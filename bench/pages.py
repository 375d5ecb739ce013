"""Web page latency on a warm `kb serve` over a store of at least 10k units.

Run on purpose:  python bench/pages.py [--units 10000] [--work /tmp/kb-bench] [--rounds 30]
The store is the shipped corpus plus real documents from ../shared/corpora, ingested through the
normal path (real model, hybrid tagger) until it holds --units units; it is kept in --work.
A real server is started on a free loopback port in local mode and warmed up; then each page is
fetched --rounds times, one request at a time, and the wall time of each full response is timed.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "corpora"
QUERIES = [
    "accuracy dropped on real production scans",
    "security review blocked the pilot",
    "nobody owned the model after the data scientist left",
    "cost per request at production scale",
    "vendor demo data was cleaned",
    "no exit criteria so the PoC went on for months",
    "integration with the ERP took longer than planned",
    "the business never defined a KPI",
]
CHARTER = (ROOT / "corpus" / "charters").glob("*.md")


def build(db: Path, units: int) -> None:
    from kb import KnowledgeBase, Settings

    kb = KnowledgeBase(Settings(db=db))
    try:
        if kb.store.count("units") < units:
            kb.ingest_paths([str(ROOT / "corpus")])
        files = sorted(
            p
            for p in SHARED.rglob("*")
            if p.is_file()
            and p.suffix.lower() in {".md", ".txt", ".html"}
            and p.stat().st_size < 2_000_000
        )
        random.Random(7).shuffle(files)
        for start in range(0, len(files), 40):
            have = kb.store.count("units")
            if have >= units:
                break
            print(f"  {have:,} units; ingesting files {start}-{start + 39}", flush=True)
            kb.ingest_paths([str(p) for p in files[start : start + 40]])
        print(
            f"store: {kb.store.count('documents'):,} documents, {kb.store.count('units'):,} units"
        )
    finally:
        kb.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Client:
    def __init__(self, base: str) -> None:
        self.base = base
        self.cookies: dict[str, str] = {}  # by hand: http.cookiejar keeps Secure cookies to https
        self.csrf = ""

    def fetch(
        self, path: str, data: bytes | None = None, headers: dict[str, str] | None = None
    ) -> tuple[float, int, str]:
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        request = urllib.request.Request(self.base + path, data=data, headers=headers)
        started = time.perf_counter()
        with urllib.request.urlopen(request, timeout=60) as r:
            body = r.read().decode("utf-8")
            status = r.status
            for header in r.headers.get_all("set-cookie") or []:
                name, _, rest = header.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        elapsed = (time.perf_counter() - started) * 1000
        found = re.search(r'name="csrf-token" content="([^"]+)"', body)
        if found:
            self.csrf = found.group(1)
        return elapsed, status, body


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=10_000)
    parser.add_argument("--work", type=Path, default=Path("/tmp/kb-bench"))
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    if not SHARED.is_dir():
        sys.exit(f"{SHARED} is missing: the benchmark needs the shared corpora")
    args.work.mkdir(parents=True, exist_ok=True)
    db = args.work / f"pages-{args.units}.db"
    build(db, args.units)

    port = free_port()
    env = {**os.environ, "KB_DB": str(db)}
    log = (args.work / "pages-server.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "kb.cli", "serve", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                with urllib.request.urlopen(base + "/ready", timeout=2) as r:
                    ready = json.loads(r.read())
                    if ready["ready"]:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                sys.exit("the server did not become ready; see pages-server.log")
            time.sleep(0.5)
        client = Client(base)
        docs = [d["id"] for d in json.loads(client.fetch("/documents?limit=10000")[2])["documents"]]
        units = json.loads(client.fetch("/stats")[2])["units"]
        print(f"served: {len(docs):,} current documents, {units:,} units, model {ready['model']}")
        rng = random.Random(11)
        charters = [p.read_text("utf-8") for p in sorted(CHARTER)]
        post_json = lambda: {"Content-Type": "application/json", "X-CSRF-Token": client.csrf}  # noqa: E731

        def form(fields: dict[str, str]) -> tuple[bytes, dict[str, str]]:
            body = urllib.parse.urlencode({**fields, "csrf": client.csrf}).encode()
            return body, {"Content-Type": "application/x-www-form-urlencoded"}

        cases = {
            "GET / (browse, no query)": lambda: client.fetch("/"),
            "GET /?q=... (search)": lambda: client.fetch(
                "/?q=" + urllib.parse.quote(rng.choice(QUERIES))
            ),
            "GET /?q=...&pattern&phase (filtered)": lambda: client.fetch(
                "/?q="
                + urllib.parse.quote(rng.choice(QUERIES))
                + "&pattern=production-divergence&phase=pilot"
            ),
            "GET /doc/{id}": lambda: client.fetch("/doc/" + rng.choice(docs)),
            "GET /patterns": lambda: client.fetch("/patterns"),
            "GET /charter": lambda: client.fetch("/charter"),
            "GET /submit": lambda: client.fetch("/submit"),
            "POST /charter/assist (whole charter)": lambda: client.fetch(
                "/charter/assist",
                json.dumps({"content": rng.choice(charters)}).encode(),
                post_json(),
            ),
            "POST /submit (preview)": lambda: client.fetch(
                "/submit",
                *form(
                    {
                        "content": "# Forecast pilot postmortem\n\n## Root causes\n- "
                        + rng.choice(QUERIES)
                        + ".\n\n## Lessons learned\n- Agree exit criteria at Gate 0.\n",
                        "filename": "forecast.md",
                    }
                ),
            ),
        }
        client.fetch("/charter")  # the CSRF cookie and token
        for _ in range(3):  # warm up every path once
            for run in cases.values():
                run()
        print(f"\n{'page':<40} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'KB':>6}")
        for name, run in cases.items():
            times, sizes = [], []
            for _ in range(args.rounds):
                elapsed, status, body = run()
                assert status == 200, (name, status)
                times.append(elapsed)
                sizes.append(len(body))
            times.sort()
            p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
            print(
                f"{name:<40} {statistics.median(times):8.1f} {p95:8.1f} {times[-1]:8.1f} "
                f"{statistics.mean(sizes) / 1024:6.1f}"
            )
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


if __name__ == "__main__":
    main()
