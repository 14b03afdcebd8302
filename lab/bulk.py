"""Bulk writes straight through the database driver, in the session's transaction.

A stage writes tens of thousands of rows of one shape at a time (audit rows, state changes, worksheet
records). SQLAlchemy's per-row parameter processing cost several times the write itself, so these go to
the driver's `executemany` as plain tuples, in the dialect's own placeholder style. Values are converted
by the column types' bind processors (e.g. datetimes on SQLite), once per distinct value.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table
from sqlmodel import Session


def _mark(dialect) -> str:
    return "?" if dialect.paramstyle == "qmark" else "%s"


def _converters(session: Session, table: Table, columns: Sequence[str]) -> list:
    dialect = session.get_bind().dialect
    return [table.c[c].type._cached_bind_processor(dialect) for c in columns]


def _tuples(rows: list[dict[str, Any]], columns: Sequence[str], converters: list) -> list[tuple]:
    if not any(converters):
        return [tuple(r[c] for c in columns) for r in rows]
    memo: list[dict] = [{} for _ in columns]
    out = []
    for r in rows:
        values = []
        for c, conv, seen in zip(columns, converters, memo, strict=True):
            v = r[c]
            if conv is not None and v is not None:
                if isinstance(v, (list, dict)):  # JSON values: not hashable, converted each time
                    v = conv(v)
                else:
                    key = (type(v), v)
                    if key not in seen:
                        seen[key] = conv(v)
                    v = seen[key]
            values.append(v)
        out.append(tuple(values))
    return out


def _cursor(session: Session):
    return session.connection().connection.cursor()


def insert(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """INSERT every row (all rows have the same keys) with one executemany."""
    if not rows:
        return
    columns = list(rows[0])
    dialect = session.get_bind().dialect
    q = dialect.identifier_preparer
    sql = (
        f"INSERT INTO {q.format_table(table)} ({', '.join(q.quote(c) for c in columns)}) "
        f"VALUES ({', '.join([_mark(dialect)] * len(columns))})"
    )
    cur = _cursor(session)
    try:
        cur.executemany(sql, _tuples(rows, columns, _converters(session, table, columns)))
    finally:
        cur.close()


def update(
    session: Session, table: Table, rows: list[dict[str, Any]], where: Sequence[str], bump: str | None = None
) -> int:
    """UPDATE one row per dict: columns in `where` select the row, the others are set; `bump` names an
    integer column increased by one. Returns how many rows were changed."""
    if not rows:
        return 0
    sets = [c for c in rows[0] if c not in where]
    columns = [*sets, *where]
    dialect = session.get_bind().dialect
    q, mark = dialect.identifier_preparer, _mark(dialect)
    assignments = [f"{q.quote(c)} = {mark}" for c in sets]
    if bump:
        assignments.append(f"{q.quote(bump)} = {q.quote(bump)} + 1")
    sql = (
        f"UPDATE {q.format_table(table)} SET {', '.join(assignments)} "
        f"WHERE {' AND '.join(f'{q.quote(c)} = {mark}' for c in where)}"
    )
    cur = _cursor(session)
    try:
        cur.executemany(sql, _tuples(rows, columns, _converters(session, table, columns)))
        return cur.rowcount
    finally:
        cur.close()
