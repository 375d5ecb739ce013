"""E-mail (.eml with the standard `email` package, .msg with extract-msg) to Markdown: the headers
become metadata (the sender is the author), the body is read (HTML for its structure, else text),
quoted replies and the signature are set apart under headings of their own."""

from __future__ import annotations

import re
from email import policy
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from typing import Any

from ingest.convert import Converted
from ingest.convert import markup as md
from ingest.errors import IngestError

QUOTED = "Quoted earlier message"
SIGNATURE = "Signature"
_REPLY_LINE = re.compile(
    r"^(On .{4,120} wrote:|-{2,} ?Original Message ?-{2,}|-{2,} ?Forwarded message ?-{2,}|From: .+\n(Sent|Date): )",
    re.M | re.I,
)
_SIGN_OFF = re.compile(
    r"^(best( regards| wishes)?|kind regards|regards|many thanks|thanks( again)?|thank you|cheers|br|all the best),?\s*$",
    re.I,
)
_ATTACHABLE = re.compile(
    r"\.(docx|docm|pdf|pptx|odt|xlsx|md|markdown|txt|html?|eml|csv|json|jsonl)$", re.I
)


def _date(value: str) -> str:
    try:
        return parsedate_to_datetime(value).date().isoformat()
    except (TypeError, ValueError, IndexError):
        return value


def _who(value: str) -> str:
    pairs = getaddresses([value]) if value else []
    return "; ".join((f"{name} <{addr}>" if name else addr) for name, addr in pairs if name or addr)


def convert_eml(data: bytes, source: str) -> Converted:
    message = BytesParser(policy=policy.default).parsebytes(data)
    if not message.keys():
        raise IngestError(source, "no e-mail headers found: not an e-mail message")
    headers = {
        "author": _who(str(message.get("From", ""))),
        "recipients": _who(
            ", ".join(str(v) for v in message.get_all("To", []) + message.get_all("Cc", []))
        ),
        "date": _date(str(message.get("Date", ""))),
        "subject": str(message.get("Subject", "")),
    }
    html = message.get_body(preferencelist=("html",))
    plain = message.get_body(preferencelist=("plain",))
    body = ""
    if html is not None:
        body = html_to_markdown(_content(html))
    if not body.strip() and plain is not None:
        body = text_to_markdown(_content(plain))
    attachments = []
    for part in message.iter_attachments():
        name = part.get_filename() or ""
        if part.get_content_type() == "message/rfc822":
            inner = part.get_payload(0) if part.is_multipart() else None
            if inner is not None and not isinstance(inner, str):
                attachments.append((name or "forwarded.eml", inner.as_bytes(policy=policy.default)))
            continue
        payload = part.get_payload(decode=True)
        if name and isinstance(payload, bytes) and _ATTACHABLE.search(name):
            attachments.append((name, payload))
    return _compose(headers, body, attachments)


def _content(part: Any) -> str:
    try:
        return str(part.get_content())
    except (LookupError, UnicodeDecodeError):
        payload = part.get_payload(decode=True) or b""
        return payload.decode("utf-8", "replace") if isinstance(payload, bytes) else str(payload)


def convert_msg(data: bytes, source: str) -> Converted:
    try:
        import extract_msg
    except ImportError as exc:
        raise IngestError(
            source,
            "reading Outlook .msg files needs the optional extra: pip install 'poc-lessons-kb[outlook]'",
        ) from exc
    message = extract_msg.Message(data)
    try:
        headers = {
            "author": str(message.sender or ""),
            "recipients": "; ".join(x for x in (message.to, message.cc) if x),
            "date": str(message.date.date().isoformat() if message.date else ""),
            "subject": str(message.subject or ""),
        }
        # an HTML (or RTF) body of its own; extract-msg would otherwise make HTML from the text
        own_html = message.exists("__substg1.0_10130102") or message.exists("__substg1.0_10090102")
        html = message.htmlBody if own_html else None
        body = (
            html_to_markdown(html.decode("utf-8", "replace") if isinstance(html, bytes) else html)
            if html
            else ""
        )
        if not body.strip():
            body = text_to_markdown(message.body or "")
        attachments = []
        for att in message.attachments:
            name = getattr(att, "longFilename", None) or getattr(att, "shortFilename", None) or ""
            blob = getattr(att, "data", None)
            if name and isinstance(blob, bytes) and _ATTACHABLE.search(name):
                attachments.append((name, blob))
    finally:
        message.close()
    return _compose(headers, body, attachments)


def _compose(headers: dict[str, str], body: str, attachments: list[tuple[str, bytes]]) -> Converted:
    subject = " ".join(headers.pop("subject", "").split())
    subject = re.sub(r"^((re|fw|fwd|aw|sv|tr):\s*)+", "", subject, flags=re.I)
    own, quoted = _split_quoted(body)
    own, signature = _split_signature(own)
    blocks = [md.front_matter(headers)]
    if not re.match(r"^# ", own.lstrip()) and subject:
        blocks.append(md.heading(1, subject))
    blocks.append(own)
    if signature:
        blocks += [md.heading(2, SIGNATURE), signature]
    if quoted:
        blocks += [md.heading(2, QUOTED), quoted]
    return Converted(md.join(blocks), attachments=attachments)


def _split_quoted(body: str) -> tuple[str, str]:
    """The message's own text, and the earlier messages it quotes ('On ... wrote:', '>' lines)."""
    match = _REPLY_LINE.search(body)
    if match:
        return body[: match.start()].rstrip(), _unquote(body[match.start() :])
    lines = body.split("\n")
    tail = len(lines)
    while tail > 0 and (lines[tail - 1].startswith(">") or not lines[tail - 1].strip()):
        tail -= 1
    if tail < len(lines) and any(x.startswith(">") for x in lines[tail:]):
        return "\n".join(lines[:tail]).rstrip(), _unquote("\n".join(lines[tail:]))
    return body, ""


def _unquote(text: str) -> str:
    return "\n".join(re.sub(r"^(\\?>\s?)+", "", line) for line in text.split("\n")).strip()


def _split_signature(body: str) -> tuple[str, str]:
    """A '-- ' line, or a sign-off ('Best,', 'Kind regards') followed by a few short lines."""
    lines = body.rstrip().split("\n")
    for i in range(len(lines) - 1, max(-1, len(lines) - 12), -1):
        line = lines[i].strip().strip("*_\\")
        if line in ("--", "-- ", "\\--") or (_SIGN_OFF.match(line) and len(lines) - i <= 8):
            rest = [x for x in lines[i + 1 :] if x.strip()]
            if all(len(x) <= 80 for x in rest):
                signature = "  \n".join(x.strip() for x in lines[i:] if x.strip())
                return "\n".join(lines[:i]).rstrip(), signature
    return body, ""


def text_to_markdown(text: str) -> str:
    """A plain-text body: kept line by line, as Markdown that reads back to the same words."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.strip() + "\n"


def html_to_markdown(html: str) -> str:
    """An HTML body to Markdown: headings, paragraphs, lists, tables and code kept."""
    from bs4 import BeautifulSoup, NavigableString, Tag

    soup = BeautifulSoup(html, "html.parser")
    for junk in soup(["script", "style", "head", "title", "meta", "noscript"]):
        junk.decompose()
    for quote in soup.select(
        "div.gmail_quote, blockquote[type=cite], div#divRplyFwdMsg, div#appendonsend"
    ):
        quote.insert_before(NavigableString("\n\nOn an earlier date someone wrote:\n\n"))
    out: list[str] = []

    def text_of(tag: Tag) -> str:
        """A block's text: source line breaks are spaces, <br> a line break, bold kept."""
        parts: list[str] = []
        for node in tag.descendants:
            if isinstance(node, NavigableString):
                words = md.inline(str(node).replace("\n", " "))
                parent = node.parent
                if parent is not None and parent.name in ("b", "strong") and words.strip():
                    parts.append(f"**{words.strip()}** ")
                else:
                    parts.append(words)
            elif isinstance(node, Tag) and node.name == "br":
                parts.append("\x00")
        lines = [" ".join(x.split()) for x in "".join(parts).split("\x00")]
        return "  \n".join(x for x in lines if x)

    def walk(tag: Tag, depth: int = 0) -> None:
        for child in tag.children:
            if isinstance(child, NavigableString):
                text = " ".join(str(child).split())
                if text:
                    out.append(md.line(text))
                continue
            if not isinstance(child, Tag):
                continue
            name = child.name
            if name in ("h1", "h2", "h3", "h4", "h5", "h6"):
                out.append(md.heading(int(name[1]), child.get_text(" ")))
            elif name == "p":
                text = text_of(child)
                if text:
                    out.append(re.sub(r"^([#>+\-=]|\d+[.)](?=\s))", r"\\\1", text))
            elif name in ("ul", "ol"):
                items: list[str] = []
                walk_list(child, depth, items)
                out.append("\n".join(items))
            elif name == "table":
                rows = [
                    [c.get_text(" ") for c in tr.find_all(["th", "td"])]
                    for tr in child.find_all("tr")
                ]
                out.append(md.table(rows))
            elif name == "pre":
                out.append(md.code(child.get_text()))
            elif name == "hr":
                continue
            else:
                walk(child, depth)

    def walk_list(tag: Tag, depth: int, sink: list[str]) -> None:
        for li in tag.find_all("li", recursive=False):
            nested = li.find_all(["ul", "ol"], recursive=False)
            for n in nested:
                n.extract()
            sink.append(md.item(li.get_text(" "), level=depth, ordered=tag.name == "ol"))
            for n in nested:
                walk_list(n, depth + 1, sink)

    walk(soup.body or soup)
    return md.join(out)
