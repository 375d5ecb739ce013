"""Property-based requests generated from the OpenAPI schema (schemathesis): never a 5xx."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from api.app import _load, create_app
from kb import Settings

pytestmark = pytest.mark.slow


def _app(tmp_path_factory):  # type: ignore[no-untyped-def]
    import os

    os.environ.setdefault("KB_EMBEDDER", "hashing")
    os.environ.setdefault("KB_TAGGER", "cues")
    folder = tmp_path_factory.mktemp("fuzz")
    app = create_app(Settings(db=folder / "fuzz.db", max_body_bytes=50_000))
    _load(app, app.state.settings)  # what the lifespan does, done up front
    kb = app.state.kb
    (folder / "seed.md").write_text(
        "# Seed postmortem\n\n## Root causes\n- Nobody owned it.\n## Lessons\n- Name two owners.\n"
    )
    kb.ingest_paths([str(folder / "seed.md")])
    return app


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory):  # type: ignore[no-untyped-def]
    return _app(tmp_path_factory)


def test_no_server_errors(fuzz_app):  # type: ignore[no-untyped-def]
    schema = schemathesis.openapi.from_asgi("/openapi.json", fuzz_app)
    checked = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(
            max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None
        )
        def run(case):  # type: ignore[no-untyped-def]
            response = case.call()
            assert response.status_code < 500, (
                f"{case.method} {case.formatted_path}: {response.status_code} {response.text[:300]}"
            )

        run()
        checked.append(f"{operation.method.upper()} {operation.path}")
    assert len(checked) >= 12, checked
