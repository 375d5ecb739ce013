"""Atom 1.0 documents (RFC 4287) for the feeds: any feed reader or chat tool can follow them."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import UTC, datetime

ATOM = "http://www.w3.org/2005/Atom"
MEDIA_TYPE = "application/atom+xml; charset=utf-8"
ID_PREFIX = (
    "tag:poc-lessons-kb,2026:"  # entry ids are this plus what the entry is; they never change
)


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # characters XML 1.0 forbids


def _xml(text: str) -> str:
    """Text a feed can carry: a form feed from a PDF or a control character typed into an owner
    would otherwise make the whole feed unreadable."""
    return _NOT_XML.sub(" ", text)


@dataclass(frozen=True)
class Entry:
    id: str
    title: str
    updated: str
    link: str
    summary: str
    categories: tuple[str, ...] = ()


def _stamp(value: str | None) -> str:
    """An RFC 3339 time: stored times already are; a bare date becomes its midnight UTC."""
    if not value:
        return datetime.now(UTC).isoformat(timespec="seconds")
    text = str(value)
    if len(text) == 10:
        return f"{text}T00:00:00+00:00"
    return text if ("+" in text[10:] or text.endswith("Z")) else text + "+00:00"


def render(
    *, feed_id: str, title: str, self_url: str, alternate: str, entries: list[Entry]
) -> bytes:
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")

    def sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        el = ET.SubElement(parent, f"{{{ATOM}}}{tag}", {k: _xml(v) for k, v in attrs.items()})
        if text is not None:
            el.text = _xml(text)
        return el

    sub(feed, "id", ID_PREFIX + feed_id)
    sub(feed, "title", title)
    updated = max((_stamp(e.updated) for e in entries), default=_stamp(None))
    sub(feed, "updated", updated)
    sub(feed, "link", rel="self", href=self_url, type="application/atom+xml")
    sub(feed, "link", rel="alternate", href=alternate, type="text/html")
    author = sub(feed, "author")
    sub(author, "name", "PoC Lessons KB")
    sub(feed, "generator", "PoC Lessons KB")
    for e in entries:
        entry = sub(feed, "entry")
        sub(entry, "id", ID_PREFIX + e.id)
        sub(entry, "title", e.title)
        sub(entry, "updated", _stamp(e.updated))
        sub(entry, "link", rel="alternate", href=e.link, type="text/html")
        for term in e.categories:
            sub(entry, "category", term=term)
        sub(entry, "summary", e.summary, type="text")
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="utf-8")
