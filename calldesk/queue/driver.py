"""Statements straight on the driver's cursor, inside the session's transaction.

:func:`_q` runs the queue's hot-path statements without SQLAlchemy's compilation and result
machinery (most of what a statement costs here); :func:`_ts` and :func:`_from_ts` write and read
moments as the store keeps them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import select
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
        conn = raw.driver_connection
        if conn.pgconn.transaction_status == _IDLE:
            rows = _pg_begin_with(conn, sql, params)
            if rows is not None:
                return _Rows(rows)
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


# --- PostgreSQL: the transaction's first statement sent with its BEGIN ----------------------
#
# psycopg starts a transaction with a BEGIN of its own, a round trip before the statement: a
# claim was four (BEGIN, housekeeping and seek, claim, COMMIT), each one a wake-up of the
# client and of its server process (on a busy box most of what a round trip costs). The first
# statement of a transaction goes in the same network write as its BEGIN instead (libpq's
# pipeline mode: BEGIN, the statement, one sync), as a statement prepared on this
# connection under a name of the queue's own (prepared with it the first time: no extra round
# trip); its parameters and rows are converted by psycopg's own adapters, as a cursor does.
# psycopg drops every prepared statement of the connection after a rollback (``DEALLOCATE
# ALL``): a statement found missing is prepared again, after rolling back the transaction it
# began (nothing else ran in it).

_IDLE = 0  # libpq's PQTRANS_IDLE: no transaction open
_CONNECTION_OK = 0  # libpq's CONNECTION_OK
_COMMAND_OK, _TUPLES_OK_, _FATAL_ERROR, _PIPELINE_SYNC = 1, 2, 7, 10
_MISSING_STATEMENT = b"26000"  # invalid_sql_statement_name: not prepared on this connection
_BEGIN = b"BEGIN"
_MAX_PREPARED = 256  # the queue's statements prepared on one connection, at most


class _PgState:
    """The queue's prepared statements on one psycopg connection, and its adapters."""

    __slots__ = ("names", "transformer", "encoding")

    def __init__(self, conn: Any) -> None:
        from psycopg.adapt import Transformer

        self.names: dict[tuple[str, tuple[int, ...]], bytes] = {}
        self.transformer = Transformer(conn)
        self.encoding = conn.info.encoding


_pg_states: weakref.WeakKeyDictionary[Any, _PgState] = weakref.WeakKeyDictionary()
_auto_formats: dict[int, list[Any]] = {}
_pg_counter = [0]


def _pg_native(sql: str) -> bytes:
    """A statement's ``?`` placeholders as the server numbers them (``$1``, ``$2``, ...)."""
    parts = sql.split("?")
    out = [parts[0]]
    for i, part in enumerate(parts[1:], 1):
        out.append(f"${i}{part}")
    return "".join(out).encode()


_pg_native_sql: dict[str, bytes] = {}


def _pg_begin_with(conn: Any, sql: str, params: tuple[Any, ...]) -> list[Any] | None:
    """Run ``sql`` (``?`` placeholders) as the first statement of a new transaction, in one
    round trip with its BEGIN; None when the connection is not in the plain state this
    needs (autocommit, a transaction characteristic set, a pipeline of psycopg's): the
    caller then runs it as usual."""
    if (
        conn.autocommit
        or conn.isolation_level is not None
        or conn.read_only is not None
        or conn.deferrable is not None
        or conn.pgconn.pipeline_status
    ):
        return None
    state = _pg_states.get(conn)
    if state is None:
        state = _pg_states[conn] = _PgState(conn)
    tx = state.transformer
    formats = _auto_formats.get(len(params))
    if formats is None:
        from psycopg.adapt import PyFormat

        formats = _auto_formats[len(params)] = [PyFormat.AUTO] * len(params)
    values = tx.dump_sequence(params, formats)
    types, value_formats = tx.types, tx.formats
    key = (sql, types)
    if key not in state.names and len(state.names) >= _MAX_PREPARED:
        return None  # statements built on the fly: not kept on the server
    for _ in range(2):
        name = state.names.get(key)
        prepare = name is None
        if prepare:
            _pg_counter[0] += 1
            name = f"calldesk_q{_pg_counter[0]}".encode()
        results = _pg_pipeline(conn.pgconn, sql, name, prepare, types, values, value_formats)
        failed = next((r for r in results if r.status == _FATAL_ERROR), None)
        if failed is None:
            if prepare:
                state.names[key] = name
            result = results[-1]
            if result.status != _TUPLES_OK_:
                return []
            tx.set_pgresult(result)
            return tx.load_rows(0, result.ntuples, tuple)
        from psycopg.pq import DiagnosticField

        if not prepare and failed.error_field(DiagnosticField.SQLSTATE) == _MISSING_STATEMENT:
            # Dropped by psycopg since (a rollback): only our BEGIN ran; undo it, prepare again.
            state.names.clear()
            conn.pgconn.exec_(b"ROLLBACK")
            continue
        from psycopg import errors

        raise errors.error_from_result(failed, encoding=state.encoding)
    raise QueueError("a prepared statement vanished twice")  # pragma: no cover


def _pg_pipeline(
    pgconn: Any,
    sql: str,
    name: bytes,
    prepare: bool,
    types: tuple[int, ...],
    values: Any,
    value_formats: Any,
) -> list[Any]:
    """BEGIN, the statement (prepared first if ``prepare``) and a sync in one write; the
    results up to the sync (a failed step's error, the ones after it aborted)."""
    pgconn.enter_pipeline_mode()
    try:
        pgconn.send_query_params(_BEGIN, None)
        if prepare:
            native = _pg_native_sql.get(sql)
            if native is None:
                native = _pg_native_sql[sql] = _pg_native(sql)
            pgconn.send_prepare(name, native, types)
        pgconn.send_query_prepared(name, values, value_formats)
        pgconn.pipeline_sync()
        while pgconn.flush():  # a non-blocking connection: wait until all of it is sent
            select.select([], [pgconn.socket], [])
        results = []
        gaps = 0
        while True:
            result = pgconn.get_result()
            if result is None:  # the end of one step's results
                gaps += 1
                if gaps > 8 or pgconn.status != _CONNECTION_OK:
                    from psycopg import OperationalError

                    raise OperationalError("the connection to the store was lost")
                continue
            if result.status == _PIPELINE_SYNC:
                break
            results.append(result)
    except BaseException:
        # A lost connection (say): its error goes up, not a failure to leave the pipeline.
        with contextlib.suppress(Exception):
            pgconn.exit_pipeline_mode()
        raise
    pgconn.exit_pipeline_mode()
    return results


def _ts(session: Session, value: dt.datetime) -> Any:
    """A UTC moment as the store keeps it (naive UTC; text on SQLite, like SQLAlchemy writes)."""
    if _is_pg(session):
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    hit = _last_text[0]
    if hit[0] is value:  # the same moment again (a call writes its instant 3-4 times)
        return hit[1]
    text = _sqlite_moment(value)
    _last_text[0] = (value, text)
    return text


def _sqlite_moment(value: dt.datetime) -> str:
    """A UTC moment as SQLite stores it: naive UTC text, as SQLAlchemy writes it."""
    return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


_last_text: list[tuple[Any, str]] = [(None, "")]  # the last moment written as text, and its text


def _from_ts(value: Any) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value.replace(tzinfo=dt.UTC)
