"""The audit trail: who submitted, changed or deleted what, and when."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from kb.backends.base import AuditStore


class AuditLog:
    """Entries go through the backend on the caller's connection, so inside a write's
    transaction they commit or roll back with it."""

    def __init__(self, rows: AuditStore) -> None:
        self.rows = rows

    def record(
        self, *, actor: str, action: str, target: str | None = None, detail: Any = None
    ) -> None:
        self.rows.insert(
            at=datetime.now(UTC).isoformat(timespec="seconds"),
            actor=actor,
            action=action,
            target=target,
            detail=json.dumps(detail) if detail is not None else None,
        )

    def entries(self, *, limit: int = 100, actor: str | None = None) -> list[dict[str, Any]]:
        out = self.rows.entries(limit=limit, actor=actor)
        for entry in out:
            entry["detail"] = json.loads(entry["detail"]) if entry["detail"] else None
        return out
