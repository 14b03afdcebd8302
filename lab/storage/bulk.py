"""Bulk writes straight through the database driver, in the session's transaction.

A stage writes tens of thousands of rows of one shape at a time (audit rows, state changes, worksheet
records). SQLAlchemy's per-row parameter processing cost several times the write itself, so these go to
the driver's `executemany` as plain tuples, in the dialect's own placeholder style. Values whose column
type needs converting (datetimes on SQLite, JSON) are converted by the caller with `bind()`, usually once
for a value that every row shares.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Column, Table
from sqlmodel import Session


def _processor(session: Session, column: Column):
    return column.type._cached_bind_processor(session.get_bind().dialect)


def bind(session: Session, column: Column, value: Any) -> Any:
    """`value` as the driver receives it for `column` (its type's bind processor applied)."""
    convert = _processor(session, column)
    return convert(value) if convert is not None and value is not None else value


def converted(
    session: Session, table: Table, columns: Sequence[str], rows: list[tuple], only: Sequence[str]
) -> list[tuple]:
    """`rows` with the values of the columns named in `only` converted as bind() does, row by row."""
    procs = [_processor(session, table.c[c]) if c in only else None for c in columns]
    if not any(procs):
        return rows
    return [tuple(v if p is None or v is None else p(v) for p, v in zip(procs, r, strict=True)) for r in rows]


def _sql(session: Session):
    dialect = session.get_bind().dialect
    return dialect.identifier_preparer, "?" if dialect.paramstyle == "qmark" else "%s"


def _executemany(session: Session, sql: str, rows: list[tuple]) -> int:
    cur = session.connection().connection.cursor()
    try:
        cur.executemany(sql, rows)
        return cur.rowcount
    finally:
        cur.close()


def insert(session: Session, table: Table, columns: Sequence[str], rows: list[tuple]) -> None:
    """INSERT every row (a tuple of values for `columns`, in order) with one executemany."""
    if not rows:
        return
    q, mark = _sql(session)
    names = ", ".join(q.quote(c) for c in columns)
    _executemany(
        session,
        f"INSERT INTO {q.format_table(table)} ({names}) VALUES ({', '.join([mark] * len(columns))})",
        rows,
    )


def update(
    session: Session,
    table: Table,
    sets: Sequence[str],
    where: Sequence[str],
    rows: list[tuple],
    bump: str | None = None,
) -> int:
    """UPDATE one row per tuple (values for `sets`, then for `where`); `bump` names an integer column
    increased by one. Returns how many rows were changed."""
    if not rows:
        return 0
    q, mark = _sql(session)
    assignments = [f"{q.quote(c)} = {mark}" for c in sets]
    if bump:
        assignments.append(f"{q.quote(bump)} = {q.quote(bump)} + 1")
    condition = " AND ".join(f"{q.quote(c)} = {mark}" for c in where)
    return _executemany(
        session, f"UPDATE {q.format_table(table)} SET {', '.join(assignments)} WHERE {condition}", rows
    )
