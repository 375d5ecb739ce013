"""HTML to an Outline with BeautifulSoup; line numbers are those of the HTML source."""

from __future__ import annotations

from bs4 import BeautifulSoup, Tag

from ingest.markdown import clean, clean_multiline
from ingest.structure import Block, Outline, Section

_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_BLOCKS = {"p", "li", "tr", "pre", "dd", "dt", "blockquote", "figcaption", "caption"}
_CONTAINERS = _BLOCKS | _HEADINGS | {"ul", "ol", "table", "div", "section", "article", "dl"}


def _line(tag: Tag) -> int:
    return int(getattr(tag, "sourceline", None) or 1)


def _inside_block(tag: Tag) -> bool:
    return any(parent.name in _BLOCKS for parent in tag.parents if isinstance(parent, Tag))


def parse_html(text: str) -> Outline:
    soup = BeautifulSoup(text, "html.parser")
    for junk in soup(["script", "style", "noscript", "template"]):
        junk.decompose()
    total = text.count("\n") + 1
    sections: list[Section] = [Section("", 0, (), 1, total)]
    stack: list[tuple[int, str]] = []
    header: list[str] = []
    title_tag = soup.find("title")
    root = soup.body or soup
    main = soup.find(id="main-content")  # a Confluence export page: breadcrumbs and footer left out
    if isinstance(main, Tag):
        title_text = soup.find(id="title-text")
        if isinstance(title_text, Tag):
            name = clean(title_text.get_text(" "))
            new = soup.new_tag("h1")
            new.string = name.split(" : ", 1)[-1]  # "Space : Page title"
            new.sourceline = title_text.sourceline
            main.insert(0, new)
        root = main
    for tag in root.find_all(True):
        name = tag.name
        if name in _HEADINGS:
            level = int(name[1])
            heading = clean(tag.get_text(" "))
            while stack and stack[-1][0] >= level:
                stack.pop()
            stack.append((level, heading))
            sections[-1].line_end = max(sections[-1].line_start, _line(tag) - 1)
            sections.append(Section(heading, level, tuple(h for _, h in stack), _line(tag), total))
            continue
        if name == "div" and not tag.find(_CONTAINERS):
            body = clean(tag.get_text(" "))
            if body and not _inside_block(tag):
                sections[-1].blocks.append(Block("paragraph", body, _line(tag), _line(tag)))
            continue
        if name not in _BLOCKS or _inside_block(tag):
            continue
        if name == "tr":
            cells = [clean(c.get_text(" ")) for c in tag.find_all(["th", "td"])]
            if tag.find("th") and not tag.find("td"):
                header = cells
                continue
            usable = len(header) == len(cells) and all(header) and len(set(header)) == len(header)
            names = header if usable else [f"col{i + 1}" for i in range(len(cells))]
            mapping = dict(zip(names, cells, strict=True))
            row = " | ".join(
                f"{k}: {v}" if not k.startswith("col") else v for k, v in mapping.items() if v
            )
            if row:
                sections[-1].blocks.append(Block("row", row, _line(tag), _line(tag), cells=mapping))
            continue
        kind = {"li": "item", "pre": "code", "blockquote": "quote"}.get(name, "paragraph")
        raw = tag.get_text("\n" if name in ("li", "pre") else " ")
        body = raw.rstrip() if kind == "code" else clean_multiline(raw)
        if body.strip():
            end = _line(tag) + (raw.count("\n") if kind == "code" else 0)
            sections[-1].blocks.append(Block(kind, body, _line(tag), end))
    if not sections[0].blocks and len(sections) > 1:
        sections.pop(0)
    outline = Outline(text=text, front_matter={}, sections=sections)
    if title_tag and not any(s.level == 1 for s in sections):
        outline.front_matter["title"] = clean(title_tag.get_text(" "))
    return outline
