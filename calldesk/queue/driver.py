"""Statements straight on the driver's cursor, inside the session's transaction.

:func:`_q` runs the queue's hot-path statements without SQLAlchemy's compilation and result
machinery (most of what a statement costs here); :func:`_ts` and :func:`_from_ts` write and read
moments as the store keeps them. On PostgreSQL, :func:`_defer` holds statements back to be
sent with the transaction's COMMIT in the same round trip (the claim), or before whatever
statement comes first.
"""

from __future__ import annotations

import datetime as dt
import weakref
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

from calldesk.queue.base import QueueError


def _is_pg(session: Session) -> bool:
    held = session.info.get("_queue_raw")
    if held is not None and held[0] is session.get_transaction():
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
        if _deferred:
            _send_deferred(raw.driver_connection)  # a claim written before this statement
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
    connection costs more than a hot statement does, and the queue runs a dozen per call."""
    transaction = session.get_transaction()
    held = session.info.get("_queue_raw")
    if held is not None and transaction is not None and held[0] is transaction:
        return held[1], held[2]
    conn = session.connection()
    transaction = session.get_transaction()
    pg = conn.dialect.name == "postgresql"
    session.info["_queue_raw"] = (transaction, conn.connection, pg)
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
    naive = value.astimezone(dt.UTC).replace(tzinfo=None)
    if _is_pg(session):
        return naive
    return naive.isoformat(sep=" ", timespec="microseconds")


def _from_ts(value: Any) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value.replace(tzinfo=dt.UTC)


# PostgreSQL: statements written but not sent yet, by driver connection (see _defer).
_deferred: dict[int, tuple[Any, str]] = {}


_deferring: weakref.WeakSet[Any] = weakref.WeakSet()


def _defer(session: Session, sql: str) -> bool:
    """Send ``sql`` (statements without parameters) with the transaction's COMMIT, in the
    same round trip, instead of on its own now; False when that cannot be done here (the
    statements are then run at once by the caller).

    Whatever comes first after it sends it first, so the transaction reads its own writes as
    before: the next statement through SQLAlchemy (``before_cursor_execute``) or :func:`_q`
    sends it on its own; COMMIT (``commit``) sends it together with COMMIT as one simple
    query; a ROLLBACK, or the connection going back to the pool, drops it. A failure raises
    from the commit, and nothing of the transaction is kept."""
    bind = session.get_bind()
    if not isinstance(bind, Engine):
        return False
    raw = _raw(session)[0].driver_connection
    status = getattr(raw, "pgconn", None)
    if status is None or status.parameter_status(b"standard_conforming_strings") != b"on":
        return False
    if bind not in _deferring:
        event.listen(bind, "before_cursor_execute", _send_before)
        event.listen(bind, "commit", _send_with_commit)
        event.listen(bind, "rollback", _drop_deferred)
        event.listen(bind, "checkin", _drop_on_checkin)
        _deferring.add(bind)
    held = _deferred.get(id(raw))
    text_ = f"{held[1]}; {sql}" if held is not None and held[0] is raw else sql
    _deferred[id(raw)] = (raw, text_)
    return True


def _send_deferred(raw: Any, commit: bool = False) -> None:
    """Send what :func:`_defer` holds for the driver connection ``raw`` (with COMMIT)."""
    held = _deferred.pop(id(raw), None)
    if held is None or held[0] is not raw:
        return
    cursor = raw.cursor()
    try:
        cursor.execute(f"{held[1]}; COMMIT" if commit else held[1], prepare=False)
    finally:
        cursor.close()


def _send_before(conn: Any, *_args: Any) -> None:
    if _deferred:
        _send_deferred(conn.connection.driver_connection)


def _send_with_commit(conn: Any) -> None:
    if _deferred:
        # psycopg then finds the transaction over and sends no COMMIT of its own.
        _send_deferred(conn.connection.driver_connection, commit=True)


def _drop_deferred(conn: Any) -> None:
    if _deferred:
        raw = conn.connection.driver_connection
        held = _deferred.get(id(raw))
        if held is not None and held[0] is raw:
            del _deferred[id(raw)]


def _drop_on_checkin(dbapi_connection: Any, _record: Any) -> None:
    if _deferred and dbapi_connection is not None:
        held = _deferred.get(id(dbapi_connection))
        if held is not None and held[0] is dbapi_connection:
            del _deferred[id(dbapi_connection)]
