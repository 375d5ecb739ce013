from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api import create_app
from kb import Settings


@pytest.fixture
def settings(tmp_path):
    return Settings(db=tmp_path / "api.db", max_body_bytes=20_000)


@pytest.fixture
def client(settings):
    with TestClient(create_app(settings, wait=True), base_url="http://127.0.0.1") as c:
        yield c


@pytest.fixture
def kb(client):
    return client.app.state.kb


@pytest.fixture
def keys(kb):
    """One key per role; once these exist, local mode is over."""
    return {
        role: kb.keys.create(role=role, name=f"{role}-test")[1]
        for role in ("reader", "contributor", "admin")
    }


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
