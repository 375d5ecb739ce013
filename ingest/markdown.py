"""Markdown to an Outline, through markdown-it-py, honouring YAML front matter."""

from __future__ import annotations

import re
from typing import Any

import yaml
from bs4 import BeautifulSoup
from markdown_it import MarkdownIt
from markdown_it.tree import SyntaxTreeNode
from mdit_py_plugins.front_matter import front_matter_plugin

from ingest.structure import Block, Outline, Section


class _NoDatesLoader(yaml.SafeLoader):
    """SafeLoader that leaves dates as strings, so an impossible date is a value, not a crash."""


_NoDatesLoader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}

_md = MarkdownIt("commonmark", {"html": True}).enable("table").use(front_matter_plugin)
_SPACES = re.compile(r"[ \t\u00a0]+")


def parse_front_matter(raw: str) -> tuple[dict[str, Any], list[str]]:
    try:
        data = yaml.load(raw, Loader=_NoDatesLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        return {}, [f"front matter is not valid YAML and was ignored ({str(exc).splitlines()[0]})"]
    if data is None:
        return {}, []
    if not isinstance(data, dict):
        return {}, ["front matter is not a mapping and was ignored"]
    return {str(k).strip().lower(): v for k, v in data.items()}, []


def html_to_text(fragment: str) -> str:
    return clean(BeautifulSoup(fragment, "html.parser").get_text(" "))


def clean(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def inline_text(node: SyntaxTreeNode) -> str:
    """The visible text of an inline subtree: markup dropped, entities decoded, tags removed."""
    parts: list[str] = []
    for child in node.children:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append("\n")
        elif child.type == "html_inline":
            if re.match(r"<br\s*/?>", child.content, re.I):
                parts.append("\n")
        elif child.type == "image":
            parts.append(inline_text(child))
        else:
            parts.append(inline_text(child))
    return "".join(parts)


def node_text(node: SyntaxTreeNode) -> str:
    """All text under a block node, one line per paragraph or nested item."""
    if node.type == "inline":
        return inline_text(node)
    if node.type in ("fence", "code_block"):
        return node.content.rstrip("\n")
    if node.type == "html_block":
        return html_to_text(node.content)
    lines = [node_text(child) for child in node.children]
    return "\n".join(line for line in lines if line.strip())


def _lines(node: SyntaxTreeNode, offset: int) -> tuple[int, int]:
    if node.map:
        start, end = node.map
        return start + 1 + offset, max(start + 1, end) + offset
    return offset + 1, offset + 1


def _blocks(node: SyntaxTreeNode, offset: int) -> list[Block]:
    kind = node.type
    if kind in ("bullet_list", "ordered_list"):
        out = []
        for item in node.children:
            start, end = _lines(item, offset)
            out.append(Block("item", clean_multiline(node_text(item)), start, end))
        return out
    if kind == "table":
        return _table_blocks(node, offset)
    if kind == "blockquote":
        return [b for child in node.children for b in _blocks(child, offset)]
    start, end = _lines(node, offset)
    if kind == "paragraph":
        return [Block("paragraph", clean_multiline(node_text(node)), start, end)]
    if kind in ("fence", "code_block"):
        return [Block("code", node.content.rstrip("\n"), start, end, info=node.info or "")]
    if kind == "html_block":
        text = html_to_text(node.content)
        return [Block("html", text, start, end)] if text else []
    return []


def _table_blocks(node: SyntaxTreeNode, offset: int) -> list[Block]:
    header: list[str] = []
    out: list[Block] = []
    for part in node.children:
        for row in part.children:
            cells = [
                clean(inline_text(cell.children[0])) if cell.children else ""
                for cell in row.children
            ]
            if part.type == "thead":
                header = cells
                continue
            start, end = _lines(row, offset)
            usable = len(header) == len(cells) and all(header) and len(set(header)) == len(header)
            names = header if usable else [f"col{i + 1}" for i in range(len(cells))]
            mapping = dict(zip(names, cells, strict=True))
            text = " | ".join(
                f"{k}: {v}" if k and not k.startswith("col") else v for k, v in mapping.items() if v
            )
            out.append(Block("row", text, start, end, cells=mapping))
    return out


def clean_multiline(text: str) -> str:
    return "\n".join(clean(line) for line in text.splitlines() if line.strip())


def parse_markdown(text: str) -> Outline:
    """Split Markdown into sections by heading; every block keeps its 1-based line range."""
    root = SyntaxTreeNode(_md.parse(text))
    front: dict[str, Any] = {}
    warnings: list[str] = []
    total = text.count("\n") + 1
    sections: list[Section] = [Section("", 0, (), 1, total)]
    stack: list[tuple[int, str]] = []
    for node in root.children:
        if node.type == "front_matter":
            front, warnings = parse_front_matter(
                node.meta if isinstance(node.meta, str) else node.content
            )
            continue
        if node.type == "heading":
            level = int(node.tag[1])
            heading = clean(inline_text(node.children[0])) if node.children else ""
            start, _ = _lines(node, 0)
            while stack and stack[-1][0] >= level:
                stack.pop()
            stack.append((level, heading))
            sections[-1].line_end = max(sections[-1].line_start, start - 1)
            sections.append(Section(heading, level, tuple(h for _, h in stack), start, total))
            continue
        sections[-1].blocks.extend(b for b in _blocks(node, 0) if b.text.strip())
    if not sections[0].blocks and len(sections) > 1:
        sections.pop(0)
    return Outline(text=text, front_matter=front, sections=sections, warnings=warnings)
