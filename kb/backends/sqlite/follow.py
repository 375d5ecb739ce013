"""Action items and result feedback, in the store's SQLite file."""

from __future__ import annotations

from typing import Any

from kb.backends.base import ACTION_COLUMNS, EDITED, ActionQuery
from kb.backends.sqlite.store import SqliteStore, where_sql

_SELECT = (
    ", ".join(f"a.{c}" for c in ACTION_COLUMNS)
    + ", d.title AS document_title, d.department AS department, d.kind AS document_kind"
    + ", d.ingested_at AS document_ingested_at, (d.superseded_by IS NOT NULL) AS superseded"
    + " FROM actions a JOIN documents d ON d.id = a.document_id"
)


def _rows(cursor: Any) -> list[dict[str, Any]]:
    names = [c[0] for c in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


class SqliteActions:
    def __init__(self, store: SqliteStore) -> None:
        self.store = store

    def replace(self, document_id: str, rows: list[dict[str, Any]]) -> None:
        with self.store.transaction():
            self._replace(document_id, rows)

    def _replace(self, document_id: str, rows: list[dict[str, Any]]) -> None:
        conn = self.store.conn
        kept = {
            r["id"]: r
            for r in _rows(
                conn.execute(
                    f"SELECT id, {', '.join(EDITED)} FROM actions "
                    "WHERE document_id = ? AND edited_at IS NOT NULL",
                    [document_id],
                )
            )
        }
        conn.execute("DELETE FROM actions WHERE document_id = ?", [document_id])
        for row in rows:
            row = {**row, **kept.get(row["id"], {})}
            values = [row.get(c) for c in ACTION_COLUMNS]
            conn.execute(
                f"INSERT INTO actions ({', '.join(ACTION_COLUMNS)}) "
                f"VALUES ({', '.join('?' for _ in ACTION_COLUMNS)})",
                values,
            )

    def of_document(self, document_id: str) -> list[dict[str, Any]]:
        return _rows(
            self.store.conn.execute(
                f"SELECT {_SELECT} WHERE a.document_id = ? ORDER BY a.ord", [document_id]
            )
        )

    def query(self, q: ActionQuery, *, today: str) -> list[dict[str, Any]]:
        where, params = where_sql(q.filters, "d")
        if q.status:
            where += f" AND a.status IN ({', '.join('?' for _ in q.status)})"
            params += list(q.status)
        if q.overdue_on:
            where += " AND a.status = 'open' AND a.due IS NOT NULL AND a.due < ?"
            params.append(q.overdue_on)
        if q.owner:
            where += " AND lower(coalesce(a.owner, '')) LIKE ? ESCAPE '\\'"
            wanted = q.owner.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            params.append(f"%{wanted}%")
        sql = (
            f"SELECT {_SELECT} WHERE {where} ORDER BY "
            "CASE WHEN a.status = 'open' AND a.due IS NOT NULL AND a.due < ? THEN 0 ELSE 1 END, "
            "a.due IS NULL, a.due, d.title, a.ord LIMIT ? OFFSET ?"
        )
        return _rows(self.store.conn.execute(sql, [*params, today, q.limit, q.offset]))

    def get(self, action_id: str) -> dict[str, Any] | None:
        found = _rows(self.store.conn.execute(f"SELECT {_SELECT} WHERE a.id = ?", [action_id]))
        return found[0] if found else None

    def update(self, action_id: str, changes: dict[str, Any]) -> bool:
        names = [c for c in changes if c in EDITED]
        if not names:
            return False
        cursor = self.store.conn.execute(
            f"UPDATE actions SET {', '.join(f'{c} = ?' for c in names)} WHERE id = ?",
            [*(changes[c] for c in names), action_id],
        )
        return cursor.rowcount > 0


class SqliteFeedback:
    def __init__(self, store: SqliteStore) -> None:
        self.store = store

    def insert(
        self,
        *,
        at: str,
        actor: str,
        context: str,
        query: str | None,
        unit_id: str | None,
        document_id: str | None,
        vote: int,
        comment: str | None,
    ) -> int:
        cursor = self.store.conn.execute(
            "INSERT INTO feedback (at, actor, context, query, unit_id, document_id, vote, comment) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [at, actor, context, query, unit_id, document_id, vote, comment],
        )
        return int(cursor.lastrowid or 0)

    def entries(self, *, since: str | None = None) -> list[dict[str, Any]]:
        sql = "SELECT id, at, actor, context, query, unit_id, document_id, vote, comment FROM feedback"
        params: list[Any] = []
        if since:
            sql += " WHERE at >= ?"
            params.append(since)
        return _rows(self.store.conn.execute(sql + " ORDER BY id", params))
