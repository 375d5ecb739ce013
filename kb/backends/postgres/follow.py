"""Action items and result feedback, in the shared PostgreSQL database."""

from __future__ import annotations

from typing import Any

from kb.backends.base import ACTION_COLUMNS, EDITED, ActionQuery
from kb.backends.postgres.store import PostgresStore, where_sql

_SELECT = (
    ", ".join(f"a.{c}" for c in ACTION_COLUMNS)
    + ", d.title AS document_title, d.department AS department, d.kind AS document_kind"
    + ", d.ingested_at AS document_ingested_at, (d.superseded_by IS NOT NULL) AS superseded"
    + " FROM actions a JOIN documents d ON d.id = a.document_id"
)


class PostgresActions:
    def __init__(self, store: PostgresStore) -> None:
        self.store = store

    def replace(self, document_id: str, rows: list[dict[str, Any]]) -> None:
        with self.store.transaction():
            kept = {
                r["id"]: r
                for r in self.store.rows(
                    f"SELECT id, {', '.join(EDITED)} FROM actions "
                    "WHERE document_id = %s AND edited_at IS NOT NULL",
                    [document_id],
                )
            }
            self.store.execute("DELETE FROM actions WHERE document_id = %s", [document_id])
            for row in rows:
                row = {**row, **kept.get(row["id"], {})}
                self.store.execute(
                    f"INSERT INTO actions ({', '.join(ACTION_COLUMNS)}) "
                    f"VALUES ({', '.join('%s' for _ in ACTION_COLUMNS)})",
                    [row.get(c) for c in ACTION_COLUMNS],
                )

    def of_document(self, document_id: str) -> list[dict[str, Any]]:
        return self.store.rows(
            f"SELECT {_SELECT} WHERE a.document_id = %s ORDER BY a.ord", [document_id]
        )

    def query(self, q: ActionQuery, *, today: str) -> list[dict[str, Any]]:
        where, params = where_sql(q.filters, "d")
        if q.status:
            where += " AND a.status = ANY(%s)"
            params.append(list(q.status))
        if q.overdue_on:
            where += " AND a.status = 'open' AND a.due IS NOT NULL AND a.due < %s"
            params.append(q.overdue_on)
        if q.owner:
            where += " AND lower(coalesce(a.owner, '')) LIKE %s ESCAPE '\\'"
            wanted = q.owner.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            params.append(f"%{wanted}%")
        sql = (
            f"SELECT {_SELECT} WHERE {where} ORDER BY "
            "CASE WHEN a.status = 'open' AND a.due IS NOT NULL AND a.due < %s THEN 0 ELSE 1 END, "
            "a.due IS NULL, a.due, d.title, a.ord LIMIT %s OFFSET %s"
        )
        return self.store.rows(sql, [*params, today, q.limit, q.offset])

    def get(self, action_id: str) -> dict[str, Any] | None:
        return self.store.one(f"SELECT {_SELECT} WHERE a.id = %s", [action_id])

    def update(self, action_id: str, changes: dict[str, Any]) -> bool:
        names = [c for c in changes if c in EDITED]
        if not names:
            return False
        return (
            self.store.execute(
                f"UPDATE actions SET {', '.join(f'{c} = %s' for c in names)} WHERE id = %s",
                [*(changes[c] for c in names), action_id],
            )
            > 0
        )


class PostgresFeedback:
    def __init__(self, store: PostgresStore) -> None:
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
        row = self.store.one(
            "INSERT INTO feedback (at, actor, context, query, unit_id, document_id, vote, comment) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s) RETURNING id",
            [at, actor, context, query, unit_id, document_id, vote, comment],
        )
        assert row is not None
        return int(row["id"])

    def entries(self, *, since: str | None = None) -> list[dict[str, Any]]:
        sql = "SELECT id, at, actor, context, query, unit_id, document_id, vote, comment FROM feedback"
        params: list[Any] = []
        if since:
            sql += " WHERE at >= %s"
            params.append(since)
        return self.store.rows(sql + " ORDER BY id", params)
