"""Writing Markdown from converted text, escaped so the original's words survive a re-read."""

from __future__ import annotations

import re

_INLINE = re.compile(r"([\\`*_\[\]<])")
_BLOCK_START = re.compile(r"^(\s*)([#>+\-=]|\d+[.)](?=\s|$))")
_SPACES = re.compile(r"[ \t\u00a0\u2002\u2003\u2009]+")


def inline(text: str) -> str:
    """Escape what Markdown would read as markup inside a line."""
    return _INLINE.sub(r"\\\1", _SPACES.sub(" ", text))


def line(text: str) -> str:
    """One line of prose: inline markup escaped, and a leading '#', '-' or '1.' kept as text."""
    return escape_start(inline(text).strip())


def escape_start(text: str) -> str:
    """A leading '#', '-' or '1.' in already-escaped text kept as text, not read as markup."""
    return _BLOCK_START.sub(r"\1\\\2", text)


def paragraph(lines: list[str]) -> str:
    """A paragraph whose line breaks are kept as hard breaks."""
    kept = [line(t) for t in lines if t.strip()]
    return "  \n".join(kept)


def heading(level: int, text: str) -> str:
    return f"{'#' * max(1, min(level, 6))} {inline(' '.join(text.split()))}"


def item(text: str, *, level: int = 0, ordered: bool = False) -> str:
    bullet = "1." if ordered else "-"
    pad = "   " * level if ordered else "  " * level
    parts = [line(" ".join(t.split())) for t in text.split("\n") if t.strip()]
    return pad + f"{bullet} " + ("  \n" + pad + "  ").join(parts)


def table(rows: list[list[str]]) -> str:
    """A pipe table; the first row is the header. Ragged rows are padded."""
    rows = [[cell_text(c) for c in row] for row in rows if any(c.strip() for c in row)]
    if not rows:
        return ""
    width = max(len(r) for r in rows)
    rows = [r + [""] * (width - len(r)) for r in rows]
    if len(rows) == 1:
        rows.append([""] * width)
    out = ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * width]
    out += ["| " + " | ".join(r) + " |" for r in rows[1:]]
    return "\n".join(out)


def cell_text(text: str) -> str:
    return inline(" ".join(text.split())).replace("|", "\\|")


def code(text: str) -> str:
    fence = "````" if "```" in text else "```"
    return f"{fence}\n{text.rstrip()}\n{fence}"


def front_matter(values: dict[str, str]) -> str:
    """YAML front matter for metadata the file carried (author, date...), quoted safely."""
    import json

    kept = {k: v for k, v in values.items() if v and v.strip()}
    if not kept:
        return ""
    body = "\n".join(
        f"{k}: {json.dumps(' '.join(v.split()), ensure_ascii=False)}" for k, v in kept.items()
    )
    return f"---\n{body}\n---"


def join(blocks: list[str]) -> str:
    """Blocks separated by blank lines; empty blocks dropped."""
    return "\n\n".join(b for b in blocks if b and b.strip()) + "\n"
