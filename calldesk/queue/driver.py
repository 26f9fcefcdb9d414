"""Statements straight on the driver's cursor, inside the session's transaction.

:func:`_q` runs the queue's hot-path statements without SQLAlchemy's compilation and result
machinery (most of what a statement costs here); :func:`_ts` and :func:`_from_ts` write and read
moments as the store keeps them.
"""

from __future__ import annotations

import datetime as dt
import weakref
from typing import Any

from sqlalchemy.orm import Session

from calldesk.queue.base import QueueError


def _is_pg(session: Session) -> bool:
    held = session.info.get("_queue_raw")
    if held is not None:  # a session's store is the same from one transaction to the next
        return held[2]
    return session.get_bind().dialect.name == "postgresql"


def _q(session: Session, sql: str, *params: Any) -> _Rows:
    """Run a hot-path statement straight on the driver's cursor (``?`` placeholders), inside
    the session's transaction: the queue's per-call statements are fixed strings of plain
    values, so skipping SQL compilation and SQLAlchemy's result machinery is safe, and it is
    most of what a statement costs here."""
    raw, pg = _raw(session)
    if pg:
        sql = _pg_sql.get(sql) or _pg_sql.setdefault(sql, sql.replace("?", "%s"))
    cursor = raw.cursor()
    try:
        cursor.execute(sql, params)
        if pg:
            # Whether rows came back, from the result's status: ``description`` builds a
            # column object per column (a tenth of a claim's client CPU, for 36 columns).
            result = cursor.pgresult
            rows = cursor.fetchall() if result is not None and result.status == _TUPLES_OK else []
        else:
            rows = cursor.fetchall() if cursor.description is not None else []
    finally:
        cursor.close()
    return _Rows(rows)


_TUPLES_OK = 2  # libpq's PGRES_TUPLES_OK: a statement that returned rows (maybe none)


def _raw(session: Session) -> tuple[Any, bool]:
    """The driver connection of the session's transaction, and whether it is PostgreSQL.

    Kept on the session for as long as the same transaction lasts: asking the session for its
    connection costs more than a hot statement does, and the queue runs a dozen per call. The
    transaction is held by a weak reference: the session holding its own transaction made a
    cycle (session, transaction, connection, their event dispatch: ~50 objects a call) that
    only the cycle collector freed, whose passes were most of the desk's slowest calls."""
    transaction = session.get_transaction()
    held = session.info.get("_queue_raw")
    if held is not None and transaction is not None and held[0]() is transaction:
        return held[1], held[2]
    conn = session.connection()
    transaction = session.get_transaction()
    pg = conn.dialect.name == "postgresql"
    session.info["_queue_raw"] = (weakref.ref(transaction), conn.connection, pg)
    return conn.connection, pg


class _Rows:
    """The rows of a :func:`_q` statement, read the way a SQLAlchemy result is."""

    __slots__ = ("_rows",)

    def __init__(self, rows: list[Any]) -> None:
        self._rows = rows

    def __iter__(self):
        return iter(self._rows)

    def all(self) -> list[Any]:
        return self._rows

    def first(self) -> Any:
        return self._rows[0] if self._rows else None

    def one(self) -> Any:
        if len(self._rows) != 1:
            raise QueueError(f"expected one row, got {len(self._rows)}")
        return self._rows[0]

    def scalar(self) -> Any:
        return self._rows[0][0] if self._rows else None

    def scalar_one(self) -> Any:
        return self.one()[0]


_pg_sql: dict[str, str] = {}


def _ts(session: Session, value: dt.datetime) -> Any:
    """A UTC moment as the store keeps it (naive UTC; text on SQLite, like SQLAlchemy writes)."""
    if _is_pg(session):
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    hit = _last_text[0]
    if hit[0] is value:  # the same moment again (a call writes its instant 3-4 times)
        return hit[1]
    text = value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
    _last_text[0] = (value, text)
    return text


_last_text: list[tuple[Any, str]] = [(None, "")]  # the last moment written as text, and its text


def _from_ts(value: Any) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value.replace(tzinfo=dt.UTC)
