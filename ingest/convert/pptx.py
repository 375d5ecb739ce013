"""PowerPoint (.pptx, .pptm) to Markdown with python-pptx: each slide a section under its title,
its tables kept as tables, its speaker notes beneath it; a marker before each slide."""

from __future__ import annotations

import io
from typing import Any

from ingest.convert import Converted, marker
from ingest.convert import markup as md


def _shapes(shapes: Any) -> list[Any]:
    """Shapes in reading order (top to bottom, then left to right), groups opened."""
    out: list[Any] = []
    for shape in shapes:
        if getattr(shape, "shape_type", None) == 6:  # MSO_SHAPE_TYPE.GROUP
            out.extend(_shapes(shape.shapes))
        else:
            out.append(shape)
    return sorted(out, key=lambda s: ((s.top or 0) // 10000, s.left or 0))


def _text_frame(frame: Any) -> list[str]:
    blocks: list[str] = []
    items: list[str] = []
    for paragraph in frame.paragraphs:
        text = "\n".join(
            " ".join(x.split()) for x in paragraph.text.replace("\x0b", "\n").split("\n")
        ).strip()
        if not text:
            continue
        bold = bool(paragraph.runs) and all(
            bool(r.font.bold) for r in paragraph.runs if r.text.strip()
        )
        if paragraph.level > 0:
            items.append(md.item(text, level=paragraph.level - 1))
            continue
        if items:
            blocks.append("\n".join(items))
            items = []
        blocks.append(
            f"**{md.inline(text)}**"
            if bold and len(text.split()) <= 10
            else md.paragraph(text.split("\n"))
        )
    if items:
        blocks.append("\n".join(items))
    return blocks


def convert_pptx(data: bytes, source: str) -> Converted:
    from pptx import Presentation

    deck = Presentation(io.BytesIO(data))
    blocks: list[str] = []
    author = (deck.core_properties.author or "").strip()
    blocks.append(
        md.front_matter({"author": author if author.lower() not in ("", "python-pptx") else ""})
    )
    for number, slide in enumerate(deck.slides, start=1):
        blocks.append(marker(f"slide {number}"))
        title_shape = slide.shapes.title
        title = " ".join((title_shape.text_frame.text if title_shape is not None else "").split())
        level = 1 if number == 1 else 2
        if title:  # an untitled slide runs on under the last title
            blocks.append(md.heading(level, title))
        for shape in _shapes(slide.shapes):
            if title_shape is not None and shape.shape_id == title_shape.shape_id:
                continue
            if getattr(shape, "has_table", False) and shape.has_table:
                rows = [[cell.text for cell in row.cells] for row in shape.table.rows]
                blocks.append(md.table(rows))
            elif getattr(shape, "has_text_frame", False) and shape.has_text_frame:
                blocks.extend(_text_frame(shape.text_frame))
        if slide.has_notes_slide:
            notes = slide.notes_slide.notes_text_frame
            if notes is not None and notes.text.strip():
                blocks.append(md.heading(level + 1, "Speaker notes"))
                blocks.extend(_text_frame(notes))
    return Converted(md.join(blocks))
