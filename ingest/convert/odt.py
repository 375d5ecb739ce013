"""OpenDocument text (.odt) to Markdown with odfpy: outline headings, lists, tables, code."""

from __future__ import annotations

import io
from typing import Any

from ingest.convert import Converted
from ingest.convert import markup as md


def _text(element: Any) -> str:
    from odf import teletype

    return str(teletype.extractText(element))


def _style(element: Any) -> str:
    return str(element.getAttribute("stylename") or "")


def convert_odt(data: bytes, source: str) -> Converted:
    import contextlib

    from odf.opendocument import load

    with contextlib.redirect_stdout(io.StringIO()):  # odfpy prints the XML it fails on
        document = load(io.BytesIO(data))
    if document.text is None or not document.text.childNodes:
        from ingest.errors import IngestError

        raise IngestError(
            source, "cannot read the OpenDocument text: its XML is malformed or it has no body"
        )
    meta = {}
    creator = document.meta.getElementsByType(_dc_creator()) if document.meta else []
    if creator:
        meta["author"] = _text(creator[0]).strip()
    blocks = [md.front_matter(meta)]
    _walk(document.text, blocks, depth=0)
    return Converted(md.join(_merge_lists(blocks)))


def _dc_creator() -> Any:
    from odf.dc import Creator

    return Creator


def _walk(parent: Any, blocks: list[str], *, depth: int) -> None:
    for node in parent.childNodes:
        name = getattr(node, "qname", (None, None))[1]
        if name == "h":
            level = int(node.getAttribute("outlinelevel") or 1)
            text = " ".join(_text(node).split())
            if text:
                blocks.append(md.heading(level, text))
        elif name == "p":
            text = _text(node)
            if not text.strip():
                continue
            style = _style(node).lower()
            if "preformatted" in style or "source" in style:
                if blocks and blocks[-1].startswith("```"):
                    blocks[-1] = blocks[-1][: -len("\n```")] + "\n" + text.rstrip() + "\n```"
                else:
                    blocks.append(md.code(text))
            elif style == "title":
                blocks.append(md.heading(1, text))
            else:
                blocks.append(md.paragraph(text.split("\n")))
        elif name == "list":
            for item in node.childNodes:
                if getattr(item, "qname", (None, None))[1] != "list-item":
                    continue
                texts = []
                for part in item.childNodes:
                    part_name = getattr(part, "qname", (None, None))[1]
                    if part_name == "list":
                        nested: list[str] = []
                        _walk_list(part, nested, depth + 1)
                        texts.append(("nested", "\n".join(nested)))
                    elif part_name in ("p", "h"):
                        texts.append(("text", _text(part)))
                line = md.item(" ".join(t for k, t in texts if k == "text"), level=depth)
                rest = [t for k, t in texts if k == "nested"]
                blocks.append("\n".join([line, *rest]))
        elif name == "table":
            rows: list[list[str]] = []
            for row in node.getElementsByType(_table_row()):
                rows.append(
                    [
                        " ".join(_text(c).split())
                        for c in row.childNodes
                        if getattr(c, "qname", (None, None))[1] == "table-cell"
                    ]
                )
            blocks.append(md.table(rows))
        elif (name in ("section", "div") or name is None) and getattr(node, "childNodes", None):
            _walk(node, blocks, depth=depth)


def _walk_list(node: Any, out: list[str], depth: int) -> None:
    for item in node.childNodes:
        for part in getattr(item, "childNodes", []):
            part_name = getattr(part, "qname", (None, None))[1]
            if part_name in ("p", "h") and _text(part).strip():
                out.append(md.item(_text(part), level=depth))
            elif part_name == "list":
                _walk_list(part, out, depth + 1)


def _table_row() -> Any:
    from odf.table import TableRow

    return TableRow


def _merge_lists(blocks: list[str]) -> list[str]:
    out: list[str] = []
    for block in blocks:
        if (
            out
            and block.lstrip().startswith("- ")
            and out[-1].split("\n")[-1].lstrip().startswith("- ")
        ):
            out[-1] += "\n" + block
        else:
            out.append(block)
    return out
