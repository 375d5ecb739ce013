import codecs

import pytest

from ingest.encoding import decode
from ingest.errors import IngestError


def test_utf8_plain():
    assert decode("Lessons — learned\n".encode(), source="x").encoding == "utf-8"


def test_utf8_bom_is_stripped_and_named():
    result = decode(codecs.BOM_UTF8 + b"# Title\r\nbody\r\n", source="x")
    assert result.encoding == "utf-8-sig"
    assert result.text == "# Title\nbody\n"


def test_windows_1252_quotes_and_euro():
    data = "The vendor’s “clean” sample cost €40k — café.".encode("cp1252")
    result = decode(data, source="x")
    assert result.encoding == "cp1252"
    assert "“clean”" in result.text and "€40k" in result.text and "café" in result.text


def test_latin1_accents():
    result = decode(
        "Résumé des leçons apprises à Genève, équipe données.".encode("latin-1"), source="x"
    )
    assert "Résumé" in result.text and "Genève" in result.text


def test_utf16_with_bom():
    result = decode("# Titel\nÄrger mit OCR\n".encode("utf-16"), source="x")
    assert result.encoding == "utf-16" and "Ärger" in result.text


def test_old_mac_line_endings_normalised():
    assert decode(b"a\rb\r\nc\n", source="x").text == "a\nb\nc\n"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"   \n\n  ", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        (bytes(range(0, 32)) * 20, "binary"),
    ],
)
def test_rejected_with_reason(data, reason):
    with pytest.raises(IngestError) as err:
        decode(data, source="broken.md")
    assert reason in err.value.reason
    assert "broken.md" in str(err.value)
