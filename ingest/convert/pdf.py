"""PDF (text layer) to Markdown with pypdf: headings from font size and weight, tables from
aligned columns, bullets from their glyphs; a marker before each page's first block."""

from __future__ import annotations

import io
import re
from collections import Counter
from dataclasses import dataclass, field
from statistics import median
from typing import Any

from ingest.convert import Converted, marker
from ingest.convert import markup as md
from ingest.errors import IngestError

_BULLETS = ("•", "◦", "▪", "‣", "●", "○", "■", "□", "–", "-", "*", "")
_ORDERED = re.compile(r"^\(?(\d{1,2}|[a-z])[.)]$")
_SENTENCE_END = (".", "!", "?", ":", ";")
_KEY = re.compile(r"^[A-Z][\w/()&' -]{1,30}: \S")  # "Owner: ..." starts a line of its own


@dataclass
class _Frag:
    x: float
    y: float
    size: float
    bold: bool
    text: str
    mono: bool = False

    @property
    def end(self) -> float:
        """Where the fragment ends, estimated from an average glyph width."""
        return self.x + 0.5 * self.size * len(self.text.rstrip())


@dataclass
class _Line:
    y: float
    frags: list[_Frag] = field(default_factory=list)

    @property
    def size(self) -> float:
        sizes = Counter[float]()
        for f in self.frags:
            sizes[f.size] += len(f.text.strip())
        return sizes.most_common(1)[0][0] if sizes else 0.0

    @property
    def x(self) -> float:
        return self.frags[0].x

    @property
    def bold(self) -> bool:
        return all(f.bold for f in self.frags if f.text.strip())

    @property
    def mono(self) -> bool:
        return all(f.mono for f in self.frags)

    @property
    def plain(self) -> str:
        return _joined([(f.text, False) for f in self.frags], self.frags)

    def columns(self) -> list[list[_Frag]]:
        """Fragments grouped into cells: a gap wider than a glyph or two starts a new cell."""
        cells: list[list[_Frag]] = []
        for frag in self.frags:
            if cells and frag.x - cells[-1][-1].end < 1.2 * frag.size:
                cells[-1].append(frag)
            else:
                cells.append([frag])
        return cells


def _monospaced(line: _Line, indent: float, width: float) -> str:
    """A line of code with its spacing rebuilt from where each fragment starts."""
    out = ""
    for frag in line.frags:
        column = round((frag.x - indent) / width)
        out += " " * max(0, column - len(out)) + frag.text
    return out.rstrip()


def _joined(parts: list[tuple[str, bool]], frags: list[_Frag]) -> str:
    out = ""
    for (text, _), frag in zip(parts, frags, strict=True):
        if out and not out.endswith(" ") and not text.startswith(" ") and frag.x > 0:
            out += " " if not out.endswith("-") else ""
        out += text
    return " ".join(out.split())


def _rich(frags: list[_Frag]) -> str:
    """A line's text with bold fragments marked, so a bold lead-in stays a label."""
    pieces: list[tuple[str, bool]] = []
    for frag in frags:
        text = frag.text
        if pieces and pieces[-1][1] == frag.bold:
            pieces[-1] = (
                pieces[-1][0]
                + ("" if pieces[-1][0].endswith(" ") or text.startswith(" ") else " ")
                + text,
                frag.bold,
            )
        else:
            pieces.append((text, frag.bold))
    out = ""
    for text, bold in pieces:
        words = " ".join(text.split())
        if not words:
            continue
        piece = f"**{md.inline(words)}**" if bold else md.inline(words)
        out += (" " if out else "") + piece
    return out


def _is_bold(font: Any) -> bool:
    if not font:
        return False
    name = str(font.get("/BaseFont", ""))
    return bool(re.search(r"bold|black|heavy|semibold|demi", name, re.I))


def _fragments(page: Any) -> list[_Frag]:
    frags: list[_Frag] = []

    def visit(text: str, cm: list[float], tm: list[float], font: Any, size: float) -> None:
        if not text or not text.strip():
            return
        a, b, c, d, e, f = tm
        x = a * 0 + c * 0 + e
        y = b * 0 + d * 0 + f
        x, y = cm[0] * x + cm[2] * y + cm[4], cm[1] * x + cm[3] * y + cm[5]
        scale = abs(d * cm[3]) or abs(a * cm[0]) or 1.0
        name = str(font.get("/BaseFont", "")) if font else ""
        frags.append(
            _Frag(
                round(x, 1),
                round(y, 1),
                round(size * scale, 1),
                _is_bold(font),
                text.replace("\n", " "),
                bool(re.search(r"mono|courier|consol|menlo|code", name, re.I)),
            )
        )

    page.extract_text(visitor_text=visit)
    return frags


def _lines(frags: list[_Frag]) -> list[_Line]:
    lines: list[_Line] = []
    for frag in sorted(frags, key=lambda f: (-f.y, f.x)):
        if lines and abs(lines[-1].y - frag.y) <= 0.3 * frag.size:
            lines[-1].frags.append(frag)
        else:
            lines.append(_Line(frag.y, [frag]))
    for line in lines:
        line.frags.sort(key=lambda f: f.x)
    return lines


def convert_pdf(data: bytes, source: str) -> Converted:
    import pypdf
    from pypdf.errors import FileNotDecryptedError, PdfReadError

    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise IngestError(
                source, "the PDF is encrypted with a password; export it again without one"
            )
        pages = [_lines(_fragments(page)) for page in reader.pages]
    except FileNotDecryptedError as exc:
        raise IngestError(
            source, "the PDF is encrypted with a password; export it again without one"
        ) from exc
    except PdfReadError as exc:
        raise IngestError(source, f"cannot read the PDF: {exc}") from exc
    if not any(pages):
        raise IngestError(
            source,
            "no text layer: a scanned PDF? OCR is not supported yet; export the text or OCR it first",
        )
    warnings = []
    empty = [i + 1 for i, lines in enumerate(pages) if not lines]
    if empty:
        warnings.append(
            f"{len(empty)} of {len(pages)} pages have no text layer (scanned?) and were skipped: pages {_ranges(empty)}"
        )
    pages = _drop_running_lines(pages)
    sizes: Counter[float] = Counter()
    for lines in pages:
        for line in lines:
            sizes[line.size] += len(line.plain)
    body = sizes.most_common(1)[0][0]
    levels = _heading_levels(sizes, body)
    meta: dict[str, str] = {}
    info: Any = reader.metadata or {}
    author = str(info.get("/Author") or "").strip()
    if author:
        meta["author"] = author
    blocks: list[str | list[list[str]]] = [md.front_matter(meta)]
    for number, lines in enumerate(pages, start=1):
        if lines:
            page = _page_blocks(lines, body=body, levels=levels)
            if page and isinstance(page[0], list) and _continues(blocks, page[0]):
                page.pop(0)
            blocks.append(marker(f"page {number}"))
            blocks.extend(page)
    return Converted(md.join([md.table(b) if isinstance(b, list) else b for b in blocks]), warnings)


def _continues(blocks: list[str | list[list[str]]], rows: list[list[str]]) -> bool:
    """A table that runs on from the last page (its header repeated or not) joins that table."""
    last = blocks[-1] if blocks else None
    if not isinstance(last, list) or len(last[0]) != len(rows[0]):
        return False
    body = rows[1:] if rows[0] == last[0] else rows
    for row in body:
        if not row[0].strip() and len(last) > 1:
            last[-1] = [f"{a} {b}".strip() for a, b in zip(last[-1], row, strict=True)]
        else:
            last.append(row)
    return True


def _ranges(numbers: list[int]) -> str:
    out: list[str] = []
    for n in numbers:
        if out and out[-1].split("–")[-1] == str(n - 1):
            out[-1] = out[-1].split("–")[0] + f"–{n}"
        else:
            out.append(str(n))
    return ", ".join(out)


def _drop_running_lines(pages: list[list[_Line]]) -> list[list[_Line]]:
    """Page numbers and running headers/footers repeat at the same height on most pages."""
    if len(pages) < 3:
        return [
            [ln for ln in lines if not re.fullmatch(r"(page )?\d+( of \d+)?", ln.plain, re.I)]
            for lines in pages
        ]
    seen: Counter[tuple[int, str]] = Counter()
    for lines in pages:
        for line in {(round(ln.y), re.sub(r"\d+", "#", ln.plain)) for ln in lines[:2] + lines[-2:]}:
            seen[line] += 1
    running = {key for key, n in seen.items() if n >= max(3, len(pages) // 2)}
    return [
        [
            ln
            for ln in lines
            if (round(ln.y), re.sub(r"\d+", "#", ln.plain)) not in running
            and not re.fullmatch(r"(page )?\d+( of \d+)?", ln.plain, re.I)
        ]
        for lines in pages
    ]


def _heading_levels(sizes: Counter[float], body: float) -> dict[float, int]:
    """Sizes above the body text's, largest first, are heading levels 1, 2, 3..."""
    bigger = sorted((s for s in sizes if s >= body + 1.0), reverse=True)
    return {size: min(i + 1, 5) for i, size in enumerate(bigger[:5])}


def _page_blocks(
    lines: list[_Line], *, body: float, levels: dict[float, int]
) -> list[str | list[list[str]]]:
    blocks: list[str | list[list[str]]] = []
    right = max((ln.frags[-1].end for ln in lines), default=0.0)
    left = min((ln.x for ln in lines), default=0.0)
    gaps = [a.y - b.y for a, b in zip(lines, lines[1:], strict=False) if 0 < a.y - b.y < 2.0 * body]
    spacing = median(gaps) if gaps else 1.2 * body
    i = 0
    para: list[str] = []
    item: list[str] | None = None
    previous_short = False

    def flush() -> None:
        nonlocal para, item
        if item is not None:
            blocks.append("- " + " ".join(item))
        elif para:
            blocks.append(_join_lines(para))
        para, item = [], None

    while i < len(lines):
        line = lines[i]
        gap = lines[i - 1].y - line.y if i else 0.0
        table_end = _table_start(lines, i, spacing)
        if table_end > i:
            flush()
            blocks.append(_table(lines[i:table_end], spacing))
            i = table_end
            continue
        if line.mono:
            flush()
            code = [line]
            while (
                i + 1 < len(lines)
                and lines[i + 1].mono
                and lines[i].y - lines[i + 1].y < 1.6 * spacing
            ):
                i += 1
                code.append(lines[i])
            indent = min(ln.x for ln in code)
            width = 0.6 * code[0].size or 6.0
            blocks.append(md.code("\n".join(_monospaced(ln, indent, width) for ln in code)))
            i += 1
            continue
        level = levels.get(line.size)
        deepest = max(levels.values(), default=0)
        if (
            level is None
            and line.bold
            and len(line.plain) <= 90
            and not line.plain.endswith(_SENTENCE_END[:1])
        ):
            level = min(deepest + 1, 6)
        if level is not None:
            flush()
            text = line.plain
            while (
                i + 1 < len(lines)
                and lines[i + 1].size == line.size
                and lines[i + 1].bold == line.bold
                and 0 < line.y - lines[i + 1].y < 1.6 * line.size
                and lines[i + 1].y < line.y
            ):
                i += 1
                line = lines[i]
                text += " " + line.plain
            blocks.append(md.heading(level, text))
            i += 1
            continue
        first = line.frags[0].text.strip()
        starts_item = first in _BULLETS[:-1] or (
            bool(_ORDERED.match(first)) and len(line.columns()) > 1
        )
        new_para = gap > 1.35 * spacing
        if starts_item:
            flush()
            rest = line.frags[1:]
            item = [_rich(rest)] if rest else []
        elif item is not None and not new_para and line.x > lines[i - 1].frags[0].x + 2:
            item.append(_rich(line.frags))
        else:
            if new_para or item is not None:
                flush()
            if para and (previous_short or _KEY.match(line.plain)):
                para[-1] += "\n"
            para.append(_rich(line.frags))
        previous_short = line.frags[-1].end < left + 0.7 * (right - left)
        i += 1
    flush()
    return _group_items(blocks)


def _table_start(lines: list[_Line], start: int, spacing: float) -> int:
    """The end of a table starting at `start`, or `start`; a header cell that wraps onto lines above
    the rest of its row (cells aligned at the bottom) starts the table too."""
    end = _table_end(lines, start, spacing)
    if end > start:
        return end
    for ahead in range(1, 4):
        head = start + ahead
        if head >= len(lines) or lines[head - 1].y - lines[head].y > 1.2 * spacing:
            return start
        if len(lines[head - 1].columns()) > 1:
            return start
        end = _table_end(lines, head, spacing)
        if end > head:
            columns = [c[0].x for c in lines[head].columns()][1:]
            above = lines[start:head]
            if all(any(abs(ln.x - col) < 3 for col in columns) for ln in above):
                return end
            return start
    return start


def _table_end(lines: list[_Line], start: int, spacing: float) -> int:
    """Where a table that starts at `start` ends (== start when none does): a run of lines whose
    cells keep to the same column positions, two or more of them side by side."""
    cells = lines[start].columns()
    if len(cells) < 2 or cells[0][0].text.strip() in _BULLETS[:-1]:
        return start
    columns = [c[0].x for c in cells]
    end, multi = start + 1, 1
    while end < len(lines):
        line = lines[end]
        gap = lines[end - 1].y - line.y
        if gap > 2.2 * spacing or gap <= 0:
            break
        starts = [c[0].x for c in line.columns()]
        if not all(any(abs(x - col) < 3 for col in columns) for x in starts):
            break
        if len(starts) >= 2:
            multi += 1
        elif gap > 1.35 * spacing and starts[0] == columns[0]:
            break  # a lone line at the left margin after a gap is prose again
        end += 1
    return end if multi >= 2 else start


def _table(lines: list[_Line], spacing: float) -> list[list[str]]:
    columns = sorted({c[0].x for line in lines for c in line.columns()})
    merged: list[float] = []
    for x in columns:
        if not merged or x - merged[-1] >= 3:
            merged.append(x)
    rows: list[list[str]] = []
    previous: _Line | None = None
    for line in lines:
        new_row = previous is None or previous.y - line.y > 1.15 * spacing
        if new_row:
            rows.append([""] * len(merged))
        for cell in line.columns():
            index = min(range(len(merged)), key=lambda k: abs(merged[k] - cell[0].x))
            text = " ".join(" ".join(f.text.split()) for f in cell)
            current = rows[-1][index]
            rows[-1][index] = (
                current if current.endswith("-") else current + " " if current else ""
            ) + text
        previous = line
    return rows


def _join_lines(lines: list[str]) -> str:
    text = ""
    for line in lines:
        if text.endswith("\n"):
            text += "  \n" + line
        elif text.endswith("-") and not text.endswith(" -") and line[:1].islower():
            text = text + line
        else:
            text += (" " if text else "") + line
    return text.replace("\n  \n", "  \n")


def _group_items(blocks: list[str | list[list[str]]]) -> list[str | list[list[str]]]:
    out: list[str | list[list[str]]] = []
    for block in blocks:
        last = out[-1] if out else None
        if (
            isinstance(block, str)
            and block.startswith("- ")
            and isinstance(last, str)
            and last.split("\n")[-1].startswith("- ")
        ):
            out[-1] = f"{last}\n{block}"
        else:
            out.append(block)
    return out
