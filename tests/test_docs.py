"""The README documents every setting and every command."""

from kb.cli import cli
from kb.config import Settings
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text("utf-8")


def test_every_setting_is_documented():
    for name in Settings.describe():
        assert f"KB_{name.upper()}" in README, name


def test_every_command_is_in_the_tour():
    for name in cli.commands:
        assert f"kb {name}" in README or f"kb --db other.db {name}" in README, name


def test_every_route_is_in_the_readme():
    from api import create_app

    paths = create_app().openapi()["paths"]
    assert len(paths) >= 10
    for path in paths:
        assert f"{path}`" in README or f"{path}?" in README, path
