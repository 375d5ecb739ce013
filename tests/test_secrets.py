"""Secrets are redacted on every way in: kb ingest, kb import (POST /documents: tests/api)."""

import json
import sqlite3

from click.testing import CliRunner

from kb.cli import cli
from kb.secrets import redact

HANDOFF = """# Handoff: claims bot

## Configuration
```yaml
openai_api_key: sk-proj-AbC123def456GHI789jkl012MNO345pqr678
aws_access_key_id: AKIAIOSFODNN7EXAMPLE
database: postgres://claims:S3cretPass99@db.internal:5432/claims
password: ${CLAIMS_DB_PASSWORD}
```

## Lessons
- Keep prompts in the repository; rotate the key above.
"""


def test_redact_finds_each_kind_and_leaves_placeholders():
    result = redact(HANDOFF)
    assert "AbC123def456" not in result.text and "S3cretPass99" not in result.text
    assert "AKIAIOSFODNN7EXAMPLE" not in result.text
    assert "${CLAIMS_DB_PASSWORD}" in result.text  # a placeholder is not a secret
    assert result.summary == {"API key": 1, "AWS Access Key": 1, "URL credentials": 1}
    assert redact("The security review took four months and tokens were costly.").summary == {}


def test_kb_ingest_and_import_never_store_secrets(tmp_path):
    source = tmp_path / "handoff.md"
    source.write_text(HANDOFF)
    db = tmp_path / "kb.db"
    out = CliRunner().invoke(cli, ["--db", str(db), "ingest", str(source)])
    assert (
        out.exit_code == 0
        and "secrets redacted before storing: 1 API key, 1 AWS Access Key" in out.output
    )
    assert "AbC123" not in out.output
    dump = "\n".join(sqlite3.connect(db).iterdump())
    assert (
        "AbC123def456" not in dump
        and "S3cretPass99" not in dump
        and "AKIAIOSFODNN7EXAMPLE" not in dump
    )
    # an export line carrying a secret (made by an older version, or edited by hand) is cleaned on import
    export = tmp_path / "kb.jsonl"
    CliRunner().invoke(cli, ["--db", str(db), "export", "-o", str(export)])
    record = json.loads(export.read_text().splitlines()[0])
    assert "AbC123def456" not in export.read_text()
    record["document"]["content_hash"] = "f" * 64
    record["document"]["id"] = "ffffffffffff"
    record["units"][0]["text"] += " token: ghp_16C7e42F292c6912E7710c838347Ae178B4a"
    for unit in record["units"]:
        unit["id"] = "ffffffffffff" + unit["id"][12:]
    record["tags"] = []
    tainted = tmp_path / "tainted.jsonl"
    tainted.write_text(json.dumps(record) + "\n")
    other = tmp_path / "other.db"
    out = CliRunner().invoke(cli, ["--db", str(other), "import", str(tainted), "--json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout)["redacted"]
    assert "ghp_16C7e42F292c6912E7710c838347Ae178B4a" not in "\n".join(
        sqlite3.connect(other).iterdump()
    )
