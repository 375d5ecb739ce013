"""A format-neutral outline of a document: sections of blocks, each with its line range."""

from __future__ import annotations

import re
from dataclasses import dataclass, field


@dataclass
class Block:
    """One paragraph, list item, table row or code block; lines are 1-based and inclusive."""

    type: str  # paragraph, item, row, code, html, quote
    text: str
    line_start: int
    line_end: int
    cells: dict[str, str] | None = None  # for table rows: header -> cell
    info: str = ""  # for code: the fence's info string


@dataclass
class Section:
    heading: str
    level: int
    path: tuple[str, ...]
    line_start: int
    line_end: int
    blocks: list[Block] = field(default_factory=list)

    @property
    def path_text(self) -> str:
        return " > ".join(self.path) if self.path else "(preamble)"


@dataclass
class Outline:
    """The document as the extractor sees it, whatever format it came in."""

    text: str
    front_matter: dict[str, object]
    sections: list[Section]
    warnings: list[str] = field(default_factory=list)

    def _opening_line(self) -> str | None:
        """A short first line standing alone above the first heading is the title, as people write."""
        first = self.sections[0] if self.sections else None
        if first is None or first.heading or not first.blocks:
            return None
        block = first.blocks[0]
        line = block.text.strip()
        after = first.blocks[1].line_start if len(first.blocks) > 1 else None
        follows = first.blocks[1].text.lstrip()[:1] if len(first.blocks) > 1 else ""
        if (
            block.type == "paragraph"
            and block.line_start == block.line_end
            and (
                after is None or after > block.line_end + 1
            )  # a blank line follows: not hard-wrapped prose
            and 3 <= len(line) <= 120
            and len(line.split()) <= 16
            and not follows.islower()  # the sentence goes on in the next block
            and ". " not in line
            and "://" not in line
            and not line.lower().startswith("www.")
            and not line.endswith((".", ":", ",", ";"))
        ):
            return line
        return None

    @property
    def title(self) -> str | None:
        for section in self.sections:
            if section.level == 1 and section.heading:
                return section.heading
        opening = self._opening_line()
        if opening:
            return opening
        for section in self.sections:
            if section.heading:
                return section.heading
        return None


# a line that starts a record of its own: a chat line, a numbered clause, a speaker or label
_RECORD_START = re.compile(
    r"^\s*(?:"
    r"\[?\d{1,4}[-./]\d{1,2}[-./]\d{1,4}[ ,T]+\d{1,2}:\d{2}(?::\d{2})?\]?"  # [2024-08-12 08:47]
    r"|\[?\d{1,2}:\d{2}(?::\d{2})?\s*(?:[ap]m)?\]?\s+\S[^:]{0,40}:"  # 08:47 Petra:
    r"|\d+(?:\.\d+)+\.?\s+\S"  # 4.2 The historical tickets...
    r"|(?:[A-Z][\w'’-]*\.?\s){0,3}[A-Z][\w'’-]*\.?\s?(?:\([^)]{1,30}\))?:\s+\S"  # D. Ortmann: / Decision:
    r")"
)
_SLIDE = re.compile(r"^\s*(slide|folie|page)\s+\d+\s*[–—:.-]\s*\S", re.I)


def _records(block: Block) -> list[Block]:
    """A paragraph of chat lines, numbered clauses or speakers' turns, one block per record."""
    lines = block.text.split("\n")
    if block.type not in ("paragraph", "html") or len(lines) < 2:
        return [block]
    starts = [i for i, line in enumerate(lines) if _RECORD_START.match(line)]
    if all(line.rstrip().endswith((".", "!", "?", '"', "”")) for line in lines):
        starts = list(range(len(lines)))  # a sentence a line: the writer broke them apart
    if len(starts) < 2:
        return [block]
    one_line_each = block.line_end - block.line_start + 1 == len(lines)
    cuts = sorted({0, *starts})
    out = []
    for a, b in zip(cuts, [*cuts[1:], len(lines)], strict=True):
        start = block.line_start + a if one_line_each else block.line_start
        end = block.line_start + b - 1 if one_line_each else block.line_end
        out.append(Block(block.type, "\n".join(lines[a:b]), start, end))
    return out


def split_records(outline: Outline) -> Outline:
    """Give chat lines, numbered clauses, speakers' turns and slide titles blocks of their own:
    one passage, one thing said, whatever the file's markup made of them."""
    sections: list[Section] = []
    for section in outline.sections:
        current = Section(
            section.heading, section.level, section.path, section.line_start, section.line_end
        )
        sections.append(current)
        for block in section.blocks:
            first, _, rest = block.text.partition("\n")
            if block.type == "paragraph" and _SLIDE.match(first):
                # "Slide 5 – What the reps told us" heads what follows it
                heading = first.strip()
                level = section.level + 1 if section.heading else 1
                path = (*section.path, heading) if section.heading else (heading,)
                current.line_end = max(current.line_start, block.line_start - 1)
                current = Section(heading, level, path, block.line_start, section.line_end)
                sections.append(current)
                if not rest.strip():
                    continue
                block = Block(block.type, rest, block.line_start + 1, block.line_end)
            current.blocks.extend(_records(block))
    outline.sections = [s for s in sections if s.blocks or s.heading]
    return outline
