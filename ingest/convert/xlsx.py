"""Excel (.xlsx, .xlsm) to Markdown with openpyxl: each sheet a section, each block of rows a
table; a counting marker lets every row keep its sheet and row number."""

from __future__ import annotations

import io
from typing import Any

from ingest.convert import Converted
from ingest.convert import markup as md


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if hasattr(value, "date") and hasattr(value, "isoformat"):
        return value.isoformat()[:10] if getattr(value, "hour", 0) == 0 else value.isoformat(" ")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def convert_xlsx(data: bytes, source: str) -> Converted:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    warnings = []
    if data.find(b"vbaProject.bin") >= 0:
        warnings.append("the workbook holds macros; they were not run")
    blocks: list[str] = []
    title = (book.properties.title or "").strip() if book.properties else ""
    if title:
        blocks.append(md.heading(1, title))
    for sheet in book.worksheets:
        if getattr(sheet, "sheet_state", "visible") != "visible":
            continue
        rows = [
            (n, [_cell(v) for v in row])
            for n, row in enumerate(sheet.iter_rows(values_only=True), start=1)
        ]
        rows = [(n, cells) for n, cells in rows if any(cells)]
        if not rows:
            continue
        blocks.append(
            md.heading(2 if title else 1 if len(book.worksheets) == 1 else 2, sheet.title)
        )
        blocks.extend(_sheet_blocks(sheet.title, rows))
    book.close()
    return Converted(md.join(blocks), warnings)


def _sheet_blocks(name: str, rows: list[tuple[int, list[str]]]) -> list[str]:
    """Single-cell rows are lines of text (a title, a note); runs of wider rows are tables whose
    first row is the header. A gap in row numbers starts a new table with the same header."""
    width = max(len(cells) for _, cells in rows)
    blocks: list[str] = []
    header: list[str] | None = None
    run: list[tuple[int, list[str]]] = []

    def flush() -> None:
        nonlocal run
        if run and header is not None:
            table = [header] + [c for _, c in run]
            used = max(i for row in table for i, c in enumerate(row) if c) + 1
            place = f"<!-- at: sheet {name}, row {run[0][0]}+ -->"
            blocks.append(place + "\n" + md.table([row[:used] for row in table]))
        run = []

    for number, cells in rows:
        cells = (cells + [""] * width)[:width]
        filled = [c for c in cells if c]
        if len(filled) == 1 and header is None:
            blocks.append(md.paragraph([filled[0]]))
            continue
        if header is None:
            header = cells
            continue
        if run and number != run[-1][0] + 1:
            flush()
            if _looks_like_header(cells):  # after a blank row, a table of its own
                header = cells
                continue
        run.append((number, cells))
    flush()
    return blocks


def _looks_like_header(cells: list[str]) -> bool:
    filled = [c for c in cells if c]
    return len(filled) >= 2 and all(
        len(c) <= 40 and not any(ch.isdigit() for ch in c) for c in filled
    )
