"""Wall time of a cold `kb search` (a new process each time), the way a person runs it from a shell.

Run on purpose:  python bench/cold_search.py [--runs 10]
Builds a store from corpus/ on first use (in --work), or takes --db, then times
`kb --db STORE search QUERY`.
The default embedder runs the model through onnxruntime, so the command imports no torch.
The packages are byte-compiled first, as an installed wheel is (with PYTHONDONTWRITEBYTECODE set,
an editable checkout would otherwise compile every changed module in every run).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--work", type=Path, default=Path("/tmp/kb-bench"))
    parser.add_argument(
        "--db", type=Path, help="an existing store to time (default: one built from corpus/)"
    )
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    kb = shutil.which("kb") or "kb"
    db = args.db or args.work / "cold.db"
    if not db.exists():
        subprocess.run(
            [kb, "--db", str(db), "ingest", str(ROOT / "corpus")], check=True, capture_output=True
        )
    subprocess.run(
        [
            sys.executable,
            "-m",
            "compileall",
            "-q",
            *(str(ROOT / p) for p in ("kb", "ingest", "api")),
        ],
        check=True,
        capture_output=True,
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("KB_")}
    for label, extra in (("text", []), ("--json", ["--json"]), ("--explain", ["--explain"])):
        times = []
        for i in range(args.runs + 1):
            started = time.perf_counter()
            out = subprocess.run(
                [kb, "--db", str(db), "search", "vendor LLM blocked by security review", *extra],
                capture_output=True,
                text=True,
                env=env,
            )
            elapsed = time.perf_counter() - started
            if out.returncode != 0:
                raise SystemExit(out.stderr)
            if i:  # the first run warms the OS file cache
                times.append(elapsed)
        print(
            f"kb search {label:<10} wall: median {statistics.median(times):.2f} s, "
            f"min {min(times):.2f} s, max {max(times):.2f} s over {len(times)} runs"
        )
    probe = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import kb.cli"], capture_output=True, text=True
    )
    heavy = [
        line
        for line in probe.stderr.splitlines()
        if "torch" in line or "sentence_transformers" in line
    ]
    print(f"torch or sentence_transformers imported by kb.cli: {'yes' if heavy else 'no'}")


if __name__ == "__main__":
    main()
