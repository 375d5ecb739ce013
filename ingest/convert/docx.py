"""Word (.docx, .docm, .dotx) to Markdown with python-docx: heading styles become headings."""

from __future__ import annotations

import io
import re
import zipfile
from typing import Any

from ingest.convert import Converted
from ingest.convert import markup as md

_HEADING_STYLE = re.compile(r"^(heading|überschrift|titre|kop)\s*(\d)$", re.I)
_GENERIC_AUTHORS = {"", "python-docx", "author", "microsoft office user", "user", "admin"}
_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
_OTHER_MAINS = (
    b"application/vnd.ms-word.document.macroEnabled.main+xml",
    b"application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml",
    b"application/vnd.ms-word.template.macroEnabledTemplate.main+xml",
)


def _as_document(data: bytes) -> tuple[bytes, list[str]]:
    """A macro-enabled file or a template, re-labelled as a plain document; the macros are
    dropped unread, never run."""
    with zipfile.ZipFile(io.BytesIO(data)) as zin:
        types = zin.read("[Content_Types].xml")
        if not any(t in types for t in _OTHER_MAINS):
            return data, []
        warnings = []
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
            for info in zin.infolist():
                if info.filename.lower().endswith("vbaproject.bin"):
                    warnings.append("the file holds macros; they were not run and were left out")
                    continue
                body = zin.read(info.filename)
                if info.filename == "[Content_Types].xml":
                    for other in _OTHER_MAINS:
                        body = body.replace(other, _MAIN.encode())
                zout.writestr(info, body)
        return out.getvalue(), warnings


def _level(paragraph: Any) -> int | None:
    """A heading's level from its style (Heading 1..9, Title) or its outline level."""
    style = paragraph.style
    name = (style.name or "") if style is not None else ""
    if name.lower() == "title":
        return 1
    match = _HEADING_STYLE.match(name.strip())
    if match:
        return int(match.group(2))
    p_pr = paragraph._p.pPr
    outline = (
        p_pr.find("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}outlineLvl")
        if p_pr is not None
        else None
    )
    if outline is not None:
        value = outline.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}val")
        if value is not None and value.isdigit() and int(value) < 9:
            return int(value) + 1
    return None


def _list_level(paragraph: Any) -> tuple[int, bool] | None:
    """(nesting level, ordered) when the paragraph is a list item."""
    style = paragraph.style
    name = ((style.name or "") if style is not None else "").lower()
    p_pr = paragraph._p.pPr
    num = p_pr.numPr if p_pr is not None else None
    if num is None and not name.startswith("list"):
        return None
    level = 0
    if num is not None and num.ilvl is not None and num.ilvl.val is not None:
        level = int(num.ilvl.val)
    else:
        digits = re.search(r"(\d)$", name)
        level = int(digits.group(1)) - 1 if digits else 0
    return level, "number" in name


def _segments(paragraph: Any) -> list[tuple[str, bool]]:
    out: list[tuple[str, bool]] = []
    for part in paragraph.iter_inner_content():
        runs = getattr(part, "runs", None) or [part]
        for run in runs:
            text = run.text or ""
            if text:
                bold = bool(run.bold) or bool(run.style is not None and run.style.font.bold)
                out.append((text, bold))
    return out


def _inline(segments: list[tuple[str, bool]]) -> str:
    """Text with bold runs kept as **bold**, so a bold label ("Decision:") stays a label."""
    merged: list[tuple[str, bool]] = []
    for text, bold in segments:
        if merged and merged[-1][1] == bold:
            merged[-1] = (merged[-1][0] + text, bold)
        else:
            merged.append((text, bold))
    lines: list[str] = [""]
    for text, bold in merged:
        for i, piece in enumerate(text.split("\n")):
            if i:
                lines.append("")
            if not piece.strip():
                lines[-1] += piece
                continue
            if bold:
                lead = piece[: len(piece) - len(piece.lstrip())]
                trail = piece[len(piece.rstrip()) :]
                lines[-1] += f"{lead}**{md.inline(piece.strip())}**{trail}"
            else:
                lines[-1] += md.inline(piece)
    return "\n".join(lines)


def _bold_heading(segments: list[tuple[str, bool]]) -> str | None:
    """A short paragraph that is bold throughout reads as a heading, as Word users make them."""
    text = "".join(t for t, _ in segments).strip()
    if not text or not all(bold for t, bold in segments if t.strip()):
        return None
    if len(text.split()) > 10 or "\n" in text or text.endswith((".", ":", ";", ",")):
        return None
    return text


def convert_docx(data: bytes, source: str) -> Converted:
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    data, warnings = _as_document(data)
    document = docx.Document(io.BytesIO(data))
    blocks: list[str] = []
    props = document.core_properties
    author = (props.author or "").strip()
    meta = {"author": author if author.lower() not in _GENERIC_AUTHORS else ""}
    if props.title and props.title.strip():
        meta["title"] = props.title.strip()
    blocks.append(md.front_matter(meta))
    current = 0
    for part in document.iter_inner_content():
        if isinstance(part, Table):
            rows = [[cell.text for cell in row.cells] for row in part.rows]
            blocks.append(md.table(_dedupe_merged(rows)))
            continue
        if not isinstance(part, Paragraph):
            continue
        segments = _segments(part)
        text = "".join(t for t, _ in segments)
        if not text.strip():
            continue
        level = _level(part)
        if level is not None:
            current = level
            blocks.append(md.heading(level, " ".join(text.split())))
            continue
        listed = _list_level(part)
        if listed is not None:
            depth, ordered = listed
            prefix = ("   " if ordered else "  ") * depth + ("1. " if ordered else "- ")
            lines = _inline(segments).split("\n")
            blocks.append(
                prefix + ("  \n" + " " * len(prefix)).join(x.strip() for x in lines if x.strip())
            )
            continue
        label = _bold_heading(segments)
        if label is not None:
            blocks.append(md.heading(min(current + 1, 6) if current else 2, label))
            continue
        lines = [x.strip() for x in _inline(segments).split("\n") if x.strip()]
        blocks.append("  \n".join(md.escape_start(x) for x in lines))
    return Converted(_join_lists(blocks), warnings)


def _dedupe_merged(rows: list[list[str]]) -> list[list[str]]:
    """A horizontally merged cell comes back once per grid column; keep it once."""
    out = []
    for row in rows:
        kept: list[str] = []
        for cell in row:
            if not kept or cell != kept[-1] or not cell:
                kept.append(cell)
        out.append(kept)
    return out


def _join_lists(blocks: list[str]) -> str:
    """Consecutive list items are one list (no blank line between them)."""
    out: list[str] = []
    for block in blocks:
        if not block:
            continue
        is_item = bool(re.match(r"^\s*(-|1\.) ", block))
        if out and is_item and re.match(r"^\s*(-|1\.) ", out[-1].split("\n\n")[-1]):
            out[-1] += "\n" + block
        else:
            out.append(block)
    return "\n\n".join(out) + "\n"
