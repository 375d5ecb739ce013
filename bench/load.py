"""Load on loopback: 16 clients searching and 2 submitting for 60 s against a real `kb serve`.

Run on purpose:  python bench/load.py [--store /tmp/kb-bench/units-10000.db] [--seconds 60] [--workers 1]
The store (10k units, built by bench/search_latency.py) is copied, then served on a free loopback
port. Reports requests/s, p50/p99 latency and errors per kind, and checks afterwards that every
acknowledged submission is found by searching its unique phrase.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def call(
    url: str, data: bytes | None = None, ctype: str = "text/markdown"
) -> tuple[int, float, bytes]:
    request = urllib.request.Request(
        url, data=data, headers={"content-type": ctype} if data else {}
    )
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=30) as r:
            body = r.read()
            return r.status, time.perf_counter() - started, body
    except urllib.error.HTTPError as exc:
        return exc.code, time.perf_counter() - started, exc.read()
    except OSError:
        return 0, time.perf_counter() - started, b""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, default=Path("/tmp/kb-bench/units-10000.db"))
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--searchers", type=int, default=16)
    parser.add_argument("--submitters", type=int, default=2)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument(
        "--warmup",
        type=float,
        default=0,
        help="seconds of searches before the clock starts, not counted (0: none, as before)",
    )
    args = parser.parse_args()
    if not args.store.exists():
        sys.exit(f"{args.store} not found: run python bench/search_latency.py --sizes 10000 first")
    queries = [
        json.loads(x)["query"]
        for x in (ROOT / "corpus" / "eval" / "queries.jsonl").read_text().splitlines()
    ]
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "load.db"
        shutil.copy(args.store, db)
        for suffix in (".faiss", ".faiss.json"):
            if Path(str(args.store) + suffix).exists():
                shutil.copy(str(args.store) + suffix, str(db) + suffix)
        log = (args.store.parent / "load-server.log").open(
            "w"
        )  # the server's own output, for post-mortems
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("KB_")},
            "KB_DB": str(db),
            "KB_TAGGER": "cues",
        }
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "kb.cli",
                "serve",
                "--port",
                str(port),
                "--workers",
                str(args.workers),
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
        try:
            deadline = time.monotonic() + 120
            streak = 0  # every worker ready: each answers /ready for itself, so ask many times
            while time.monotonic() < deadline and streak < 10 * args.workers:
                status, _, body = call(base + "/ready")
                ready = status == 200 and json.loads(body).get("ready")
                streak = streak + 1 if ready else 0
                if not ready:
                    time.sleep(0.5)
            if streak < 10 * args.workers:
                sys.exit("server not ready")
            warm_until = time.monotonic() + args.warmup
            while time.monotonic() < warm_until:  # each worker's first searches, uncounted
                call(f"{base}/search?q={urllib.parse.quote(random.choice(queries))}&limit=10")
            results: dict[str, list[tuple[int, float]]] = {"search": [], "submit": []}
            acknowledged: list[tuple[str, str]] = []
            lock = threading.Lock()
            stop = time.monotonic() + args.seconds

            def searcher(seed: int) -> None:
                rng = random.Random(seed)
                while time.monotonic() < stop:
                    q = urllib.parse.quote(rng.choice(queries))
                    status, seconds, _ = call(f"{base}/search?q={q}&limit=10")
                    with lock:
                        results["search"].append((status, seconds))

            def submitter(seed: int) -> None:
                n = 0
                while time.monotonic() < stop:
                    n += 1
                    phrase = f"zq{seed}x{n}marker"
                    text = (
                        f"# Load test postmortem {seed}-{n}\n\n## Root causes\n- The {phrase} pilot had no owner "
                        f"after go-live.\n\n## Lessons\n- Name two owners for {phrase}.\n"
                    ).encode()
                    status, seconds, body = call(
                        f"{base}/documents?filename=load-{seed}-{n}.md", text
                    )
                    with lock:
                        results["submit"].append((status, seconds))
                        if status == 201:
                            acknowledged.append((json.loads(body)["id"], phrase))

            threads = [threading.Thread(target=searcher, args=(i,)) for i in range(args.searchers)]
            threads += [
                threading.Thread(target=submitter, args=(i,)) for i in range(args.submitters)
            ]
            started = time.perf_counter()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            elapsed = time.perf_counter() - started
            missing = []
            for doc_id, phrase in acknowledged:
                status, _, body = call(f"{base}/search?q={phrase}&mode=bm25&limit=5")
                ids = [h["document_id"] for h in json.loads(body)["hits"]] if status == 200 else []
                if doc_id not in ids:
                    missing.append(doc_id)
        finally:
            server.terminate()
            server.wait(timeout=30)
            log.close()
    print(
        f"{args.searchers} searching + {args.submitters} submitting clients, {elapsed:.0f} s, "
        f"{args.workers} worker(s), store {args.store.name}"
    )
    for kind, rows in results.items():
        ok = [s for c, s in rows if 200 <= c < 300]
        errors = len(rows) - len(ok)
        times = sorted(s * 1000 for _, s in rows)
        p99 = times[int(len(times) * 0.99)] if times else 0
        codes: dict[int, int] = {}
        for c, _ in rows:
            codes[c] = codes.get(c, 0) + 1
        print(
            f"{kind:<7} {len(rows) / elapsed:7.1f} req/s  p50 {statistics.median(times) if times else 0:7.1f} ms  "
            f"p99 {p99:7.1f} ms  errors {errors}  status codes {dict(sorted(codes.items()))}"
        )

    print(
        f"acknowledged submissions: {len(acknowledged)}, found afterwards: {len(acknowledged) - len(missing)}"
    )


if __name__ == "__main__":
    main()
