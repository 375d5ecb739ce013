"""The pages' fixtures: a service over a fresh store and a cookie-keeping client for it."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api import create_app
from kb import Settings
from tests.web.test_pages import Browser


@pytest.fixture
def app_client(tmp_path):
    settings = Settings(db=tmp_path / "web.db", max_body_bytes=20_000)
    with TestClient(create_app(settings, wait=True), base_url="http://127.0.0.1") as c:
        yield c


@pytest.fixture
def web(app_client) -> Browser:
    return Browser(app_client)
