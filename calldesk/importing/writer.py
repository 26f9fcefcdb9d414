"""The import's SQL writer: bulk INSERTs and statements on the raw DB-API connection of the
run's transaction (SQLite and PostgreSQL), and the values it binds (times, JSON)."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from typing import Any

from sqlalchemy import Table
from sqlalchemy.engine import Connection

# json.dumps(value, ensure_ascii=False) without building an encoder per call.
_json = json.JSONEncoder(ensure_ascii=False).encode


def _db_time(value: dt.datetime, sqlite: bool) -> Any:
    naive = value.astimezone(dt.UTC).replace(tzinfo=None)
    # SQLAlchemy's SQLite DateTime storage format, so ORM reads parse it back.
    return naive.strftime("%Y-%m-%d %H:%M:%S.%f") if sqlite else naive


class _Writer:
    """Bulk INSERTs on the raw DB-API connection (SQLAlchemy Core executemany is ~7x slower)."""

    def __init__(self, conn: Connection, sqlite: bool) -> None:
        self.conn = conn
        self.sqlite = sqlite
        self.cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        # (the statement's text before and after its marks, the marks, the defaults' values)
        self._sql: dict[Any, tuple[str, str, str, tuple[Any, ...]]] = {}
        self._shaped: dict[Any, str] = {}  # statements by the way each column is bound

    def insert(
        self,
        table: Table,
        columns: tuple[str, ...],
        rows: list[tuple[Any, ...]] | list[list[Any]],
        on_conflict: str = "",
        fixed: tuple[tuple[str, Any], ...] = (),
        on_conflict_set: str = "",
    ) -> None:
        """INSERT ``rows`` (values for ``columns``); ``fixed`` columns take one value for every
        row (written into the statement on SQLite: fewer values to bind per row); scalar
        defaults fill the other NOT NULL columns, so columns other parts add later never
        break the importer. A row whose ``on_conflict`` columns are taken is skipped, or
        updated by ``on_conflict_set`` (``DO UPDATE SET``) when given."""
        if rows:
            self._insert(table, columns, rows, None, on_conflict, fixed, on_conflict_set)

    def insert_columns(
        self,
        table: Table,
        columns: tuple[str, ...],
        values: list[list[Any]],
        on_conflict: str = "",
        fixed: tuple[tuple[str, Any], ...] = (),
        on_conflict_set: str = "",
    ) -> None:
        """:meth:`insert` of rows given a column at a time (``values[i]``: every row's value
        for ``columns[i]``, all of one length), as the importer builds them: on SQLite they
        are bound from the columns without being made into rows first."""
        if values and values[0]:
            self._insert(table, columns, None, values, on_conflict, fixed, on_conflict_set)

    def _insert(
        self,
        table: Table,
        columns: tuple[str, ...],
        rows: list[tuple[Any, ...]] | list[list[Any]] | None,
        values: list[list[Any]] | None,
        on_conflict: str,
        fixed: tuple[tuple[str, Any], ...],
        on_conflict_set: str,
    ) -> None:
        key = (table.name, columns, on_conflict, fixed, on_conflict_set)
        cached = self._sql.get(key)
        if cached is None:
            extra_names: list[str] = []
            extra_values: list[Any] = []
            literals: dict[str, str] = {}
            for name, value in fixed:
                if self.sqlite:
                    literals[name] = _sql_literal(value)
                else:
                    extra_names.append(name)
                    extra_values.append(value)
            for column in table.columns:
                if (
                    column.name in columns
                    or column.name in literals
                    or column.name in extra_names
                    or column.primary_key
                    or column.nullable
                ):
                    continue
                default = column.default
                if default is not None and getattr(default, "is_scalar", False):
                    value = default.arg  # type: ignore[attr-defined]
                    if self.sqlite and (value is None or isinstance(value, (bool, int, str))):
                        literals[column.name] = _sql_literal(value)  # one value fewer to bind
                    else:
                        extra_names.append(column.name)
                        extra_values.append(value)
                elif column.server_default is None:
                    raise RuntimeError(f"importer cannot fill {table.name}.{column.name}")
            names = list(columns) + extra_names
            mark = "?" if self.sqlite else "%s"
            marks = []
            for name in names:
                is_json = type(table.c[name].type).__name__ == "JSON"
                marks.append(f"CAST({mark} AS JSON)" if is_json and not self.sqlite else mark)
            names += literals.keys()
            conflict = ""
            if on_conflict:
                action = f"UPDATE SET {on_conflict_set}" if on_conflict_set else "NOTHING"
                conflict = f" ON CONFLICT ({on_conflict}) DO {action}"
            # The statement around a row's bound values' marks (SQLite's chosen per call): its
            # head, the constants ending each row, the conflict clause.
            head = (
                f"INSERT INTO {table.name} ({', '.join(chr(34) + n + chr(34) for n in names)}) "
                "VALUES "
            )
            constants = "".join(", " + v for v in literals.values())
            cached = (head, ", ".join(marks), constants, conflict, tuple(extra_values))
            self._sql[key] = cached
        head, marks_text, constants, conflict, extra = cached
        if self.sqlite:
            if values is None:
                values = list(zip(*rows, strict=True))  # type: ignore[misc]
            self._insert_columns(key, head, constants, conflict, extra, values)
            return
        if rows is None:
            rows = list(zip(*values, strict=True))  # type: ignore[misc]
        if extra:
            rows = [(*row, *extra) for row in rows]
        self.cursor.executemany(f"{head}({marks_text}{constants}){conflict}", rows)

    def _insert_columns(
        self,
        key: tuple[str, tuple[str, ...], str, tuple[tuple[str, Any], ...], str],
        head: str,
        constants: str,
        conflict: str,
        extra: tuple[Any, ...],
        values: list[Any],
    ) -> None:
        """INSERT rows given as columns (``values``) on SQLite, binding as little as its
        columns need, many rows a statement.

        Python's sqlite3 binds None and bools through its adapter lookup, about 0.43 µs a
        value against 0.09 for an int (``bench/bench_binding.py``), and an import's rows hold
        millions of them. So the rows are looked at column by column: a column holding one
        value in every row (None most often) is written into the statement, bools are bound
        as ints, and a column mostly None binds 0 for None, which ``nullif(?, 0)`` turns back
        into NULL (only where the column holds no 0 of its own). Each statement then takes
        up to :data:`ROWS_PER_STATEMENT` rows (``VALUES (...), (...)``): a row costs the
        DB-API ~0.8 µs of its own besides its values, paid once a statement instead."""
        n = len(values[0])
        if any(len(column) != n for column in values):
            raise ValueError(f"{key[0]}: columns of different lengths")
        columns = [*values, *[(value,) * n for value in extra]]
        how: list[str] = []
        bound: list[Any] = []
        for column in columns:
            first = column[0]
            if column.count(first) == n and _literal_fits(first):
                how.append(_sql_literal(first))
                continue
            nones = column.count(None)
            if type(first) is bool and set(map(type, column)) == {bool}:
                how.append("?")
                bound.append(map(int, column))
            elif nones * 8 > n and not column.count(0):
                how.append("nullif(?, 0)")
                bound.append(map(_NONE_TO_ZERO.get, column, column))
            else:
                how.append("?")
                bound.append(column)
        width = len(bound)
        per = max(1, min(ROWS_PER_STATEMENT, MAX_BOUND_VALUES // max(width, 1)))
        values = itertools.chain.from_iterable(zip(*bound, strict=True))  # row after row
        row_text = "(" + ", ".join(how) + constants + ")"
        for count, statements in ((per, n // per), (n % per, 1 if n % per else 0)):
            if not statements:
                continue
            shaped = (key, row_text, count)
            statement = self._shaped.get(shaped)
            if statement is None:
                statement = ", ".join([row_text] * count)
                statement = self._shaped[shaped] = head + statement + conflict
            # each statement's values, taken in turn from the one stream of them
            params = (
                zip(*[values] * (count * width), strict=False) if width else itertools.repeat(())
            )
            self.cursor.executemany(statement, itertools.islice(params, statements))

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        if not self.sqlite:
            sql = sql.replace("?", "%s")
        self.cursor.execute(sql, params)
        try:
            return list(self.cursor.fetchall())
        except Exception:  # statements without rows
            return []

    def executemany(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        if rows:
            if not self.sqlite:
                sql = sql.replace("?", "%s")
            self.cursor.executemany(sql, rows)

    def reserve_ids(self, table: str, count: int, next_id: list[int]) -> list[int]:
        """``count`` fresh primary keys: the sequence on PostgreSQL, max+1 under SQLite's
        write lock (no other writer can insert meanwhile)."""
        if count == 0:
            return []
        if self.sqlite:
            start = next_id[0]
            next_id[0] += count
            return list(range(start, start + count))
        self.cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            (table, count),
        )
        return [row[0] for row in self.cursor.fetchall()]


_NONE_TO_ZERO: dict[Any, Any] = {None: 0}

# Rows a SQLite INSERT statement takes at most, and its bound values at most (999: the limit
# of SQLite builds before 3.32, which some Pythons still ship).
ROWS_PER_STATEMENT = 100
MAX_BOUND_VALUES = 999


def _literal_fits(value: Any) -> bool:
    """Whether ``value`` can be written into a statement (short, no NUL: SQL text)."""
    if value is None or type(value) in (bool, int):
        return True
    return type(value) is str and len(value) <= 100 and "\x00" not in value


def _sql_literal(value: Any) -> str:
    """A constant as SQLite stores a bound parameter of it (bool as 0/1, text quoted)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    raise TypeError(f"no SQL literal for {type(value).__name__}")
