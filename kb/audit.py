"""The audit trail: who submitted, changed or deleted what, and when."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any


class AuditLog:
    def __init__(self, conn: Any) -> None:
        self.conn = conn

    def record(
        self, *, actor: str, action: str, target: str | None = None, detail: Any = None
    ) -> None:
        self.conn.execute(
            "INSERT INTO audit (at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)",
            [
                datetime.now(UTC).isoformat(timespec="seconds"),
                actor,
                action,
                target,
                json.dumps(detail) if detail is not None else None,
            ],
        )

    def entries(self, *, limit: int = 100, actor: str | None = None) -> list[dict[str, Any]]:
        sql = "SELECT id, at, actor, action, target, detail FROM audit"
        params: list[Any] = []
        if actor:
            sql += " WHERE actor = ?"
            params.append(actor)
        sql += " ORDER BY id DESC LIMIT ?"
        params.append(limit)
        out = []
        for row in self.conn.execute(sql, params).fetchall():
            out.append(
                {
                    "id": row[0],
                    "at": row[1],
                    "actor": row[2],
                    "action": row[3],
                    "target": row[4],
                    "detail": json.loads(row[5]) if row[5] else None,
                }
            )
        return out
