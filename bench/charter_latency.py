"""POST /charters/check latency on a warm server with a 10k-unit store (sequential requests).

Run on purpose:  python bench/charter_latency.py [--store /tmp/kb-bench/units-10000.db] [--rounds 5]
Sends each of the 20 charters, whole and cut to their first third (someone still typing), then
(`typing`) each charter as the assistant panel sees it while it is written: the draft line by
line, every request after a charter's first one timed (the first is a first look, reported apart).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from load import call, free_port  # noqa: E402


def report(label: str, times: list[float], store: str) -> None:
    times.sort()
    print(
        f"{label:<22} p50 {statistics.median(times):6.1f} ms  p95 {times[int(len(times) * 0.95)]:6.1f} ms"
        f"  ({len(times)} requests, {store})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, default=Path("/tmp/kb-bench/units-10000.db"))
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    base_dir = ROOT / "corpus" / "charters"
    texts = [
        p.read_text("utf-8")
        for p in sorted(base_dir.glob("*.md")) + sorted((base_dir / "extra").glob("x-*"))
    ]
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "c.db"
        for suffix in ("", ".faiss", ".faiss.json"):
            if Path(str(args.store) + suffix).exists():
                shutil.copy(str(args.store) + suffix, str(db) + suffix)
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("KB_")},
            "KB_DB": str(db),
            "KB_TAGGER": "cues",
        }
        server = subprocess.Popen(
            [sys.executable, "-m", "kb.cli", "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            for _ in range(240):
                status, _, body = call(url + "/ready")
                if status == 200 and json.loads(body).get("ready"):
                    break
                time.sleep(0.5)
            for text in texts[:3]:  # warm up
                call(url + "/charters/check", text.encode())
            for label, cut in (("whole charter", 1.0), ("first third (typing)", 1 / 3)):
                times = []
                for _ in range(args.rounds):
                    for text in texts:
                        status, seconds, _ = call(
                            url + "/charters/check", text[: int(len(text) * cut)].encode()
                        )
                        if status != 200:
                            raise SystemExit(f"status {status}")
                        times.append(seconds * 1000)
                report(label, times, args.store.name)
            first, typing = [], []
            for text in texts:
                lines = text.splitlines(keepends=True)
                step = max(1, len(lines) // 12)  # about a dozen pauses while a charter is written
                for i, end in enumerate(range(step, len(lines) + step, step)):
                    status, seconds, _ = call(
                        url + "/charters/check", "".join(lines[:end]).encode()
                    )
                    if status != 200:
                        raise SystemExit(f"status {status}")
                    (first if i == 0 else typing).append(seconds * 1000)
            report("typing (line by line)", typing, args.store.name)
            report("  its first requests", first, args.store.name)
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
