"""A format-neutral outline of a document: sections of blocks, each with its line range."""

from __future__ import annotations

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
