"""Plain text to an Outline: headings guessed from layout, then read as Markdown."""

from __future__ import annotations

import re

from ingest.markdown import parse_markdown
from ingest.structure import Outline

_NUMBERED = re.compile(r"^\s*(\d+(\.\d+)*\.?|[IVX]+\.)\s+\S")
_MD_SPECIAL = re.compile(r"^\s*([#>]|\d+[.)]\s|[-*+]\s|\|)")


def _is_heading(line: str, prev_blank: bool, next_line: str | None) -> bool:
    stripped = line.strip()
    if not stripped or not prev_blank or len(stripped) > 80:
        return False
    if stripped.endswith((".", ",", ";")) or stripped.startswith(("-", "*", "+", "|", ">")):
        return False
    letters = [c for c in stripped if c.isalpha()]
    if len(letters) < 3:
        return False
    next_blank = next_line is None or not next_line.strip()
    if all(c.isupper() for c in letters):
        return True
    if stripped.endswith(":") and len(stripped) <= 60:
        return True
    words = stripped.split()
    if next_blank and len(words) <= 8 and (_NUMBERED.match(stripped) or words[0][:1].isupper()):
        return not re.search(r"[.!?]\s", _NUMBERED.sub("", stripped, count=1))
    return False


def parse_text(text: str) -> Outline:
    """Mark lines that look like headings as Markdown headings, keeping every line where it was."""
    lines = text.split("\n")
    out: list[str] = []
    first_heading_done = False
    prev_blank = True
    for i, line in enumerate(lines):
        nxt = lines[i + 1] if i + 1 < len(lines) else None
        if re.match(r"^#{1,6}\s+\S", line):  # a Markdown heading inside a .txt file is a heading
            out.append(line)
            first_heading_done = True
        elif _is_heading(line, prev_blank, nxt):
            level = "#" if not first_heading_done and not any(s.strip() for s in out) else "##"
            out.append(f"{level} {line.strip().rstrip(':')}")
            first_heading_done = True
        elif _MD_SPECIAL.match(line) and not re.match(r"^\s*([-*+]|\d+[.)])\s", line):
            out.append("\\" + line.lstrip())  # a '#' or '|' in plain text is text, not markup
        else:
            out.append(line)
        prev_blank = not line.strip()
    outline = parse_markdown("\n".join(out))
    outline.text = text
    return outline
