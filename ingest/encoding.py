"""Turn raw bytes into text, saying which encoding was assumed."""

from __future__ import annotations

import codecs
from dataclasses import dataclass

from ingest.errors import IngestError

# Encodings we accept when the bytes are not UTF-8; Windows-1252 first, the common case in exports.
_FALLBACKS = ("cp1252", "latin_1", "iso8859_15", "utf_16")


@dataclass
class Decoded:
    text: str
    encoding: str


def _looks_binary(data: bytes) -> bool:
    sample = data[:8192]
    if b"\x00" in sample:
        return True
    control = sum(1 for b in sample if b < 9 or 13 < b < 32)
    return control > max(8, len(sample) // 50)


def normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def decode(data: bytes, *, source: str) -> Decoded:
    """Decode bytes as UTF-8 (with or without BOM), UTF-16 with BOM, or a detected legacy encoding."""
    if not data.strip():
        raise IngestError(source, "the file is empty")
    if data.startswith(codecs.BOM_UTF8):
        return Decoded(
            normalise_newlines(data[len(codecs.BOM_UTF8) :].decode("utf-8")), "utf-8-sig"
        )
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return Decoded(normalise_newlines(data.decode("utf-16")), "utf-16")
        except UnicodeDecodeError as exc:
            raise IngestError(
                source, f"UTF-16 byte order mark but undecodable bytes ({exc})"
            ) from exc
    if _looks_binary(data):
        raise IngestError(source, "binary content (NUL or control bytes), not a text document")
    try:
        return Decoded(normalise_newlines(data.decode("utf-8")), "utf-8")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data, cp_isolation=list(_FALLBACKS)).best()
    if best is None or best.encoding not in _FALLBACKS:
        raise IngestError(source, "undecodable bytes: not UTF-8, Windows-1252 or Latin-1")
    text = str(best)
    if _looks_binary(text.encode("utf-8", "replace")):
        raise IngestError(source, "decoded text is mostly control characters; not a text document")
    return Decoded(normalise_newlines(text), best.encoding.replace("_", "-"))
