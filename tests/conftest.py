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
        choices=("sqlite",),
        help="backend the contract tests in tests/backends run on (repeatable; default sqlite)",
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend_name" in metafunc.fixturenames:
        names = metafunc.config.getoption("--backend") or ["sqlite"]
        metafunc.parametrize("backend_name", names)
