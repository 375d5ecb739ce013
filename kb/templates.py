"""The shipped Markdown templates, whose headings the ingesters and the charter reader understand."""

from __future__ import annotations

from importlib import resources

NAMES = ("charter", "postmortem", "handoff")


def template_text(name: str) -> str:
    if name not in NAMES:
        raise ValueError(f"no template named {name!r}; there are {', '.join(NAMES)}")
    return (resources.files("kb") / "data" / "templates" / f"{name}.md").read_text("utf-8")
