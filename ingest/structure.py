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

    @property
    def title(self) -> str | None:
        for section in self.sections:
            if section.level == 1 and section.heading:
                return section.heading
        for section in self.sections:
            if section.heading:
                return section.heading
        return None
