"""The import's SQLite writer binds rows column by column (constants written into the
statement, bools as ints, mostly-None columns through ``nullif``): what it stores must be
exactly what binding every value would store, value and type."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Boolean, Column, Integer, MetaData, String, Table, create_engine, text

from calldesk.importing import writer as writer_module
from calldesk.importing.writer import _Writer

_META = MetaData()
_TABLE = Table(
    "t",
    _META,
    Column("id", Integer, primary_key=True),
    Column("a", String),
    Column("b", Integer),
    Column("c", Boolean),
    Column("d", String),
    Column("e", String, nullable=False, default="fill"),
)
_COLUMNS = ("a", "b", "c", "d")

_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-3, max_value=3),
    st.sampled_from(["", "0", "a, b", "it's", "x\x00y", "NULL", "nullif(?, 0)", "x" * 150]),
)


def _stored(engine: Any) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return [
            tuple(row)
            for row in conn.execute(
                text(
                    "SELECT id, a, typeof(a), b, typeof(b), c, typeof(c), d, typeof(d), e "
                    "FROM t ORDER BY id"
                )
            )
        ]


def _write(
    tmp_path: Path,
    name: str,
    batches: list[list[tuple[Any, ...]]],
    plain: bool,
    as_columns: bool = False,
) -> Any:
    engine = create_engine(f"sqlite:///{tmp_path / name}")
    _META.drop_all(engine)
    _META.create_all(engine)
    with engine.begin() as conn:
        if plain:  # every value bound, as the DB-API binds it
            raw = conn.connection.dbapi_connection
            for rows in batches:
                raw.executemany(  # type: ignore[union-attr]
                    "INSERT INTO t (a, b, c, d, e) VALUES (?, ?, ?, ?, 'fill')", rows
                )
        else:
            writer = _Writer(conn, sqlite=True)
            for rows in batches:
                if as_columns:  # the same rows handed over a column at a time
                    writer.insert_columns(
                        _TABLE, _COLUMNS, [list(c) for c in zip(*rows, strict=True)]
                    )
                else:
                    writer.insert(_TABLE, _COLUMNS, rows)
    return engine


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.lists(st.tuples(_values, _values, _values, _values), min_size=1, max_size=12),
        min_size=1,
        max_size=4,
    )
)
def test_column_wise_binding_stores_what_binding_every_value_stores(
    tmp_path_factory: Any, batches: list[list[tuple[Any, ...]]]
) -> None:
    tmp = tmp_path_factory.mktemp("writer")
    plain = _stored(_write(tmp, "plain.sqlite3", batches, plain=True))
    assert _stored(_write(tmp, "columns.sqlite3", batches, plain=False)) == plain
    # Several rows a statement, with a shorter last one (5 a statement, up to 12 a batch).
    with mock.patch.object(writer_module, "ROWS_PER_STATEMENT", 5):
        assert _stored(_write(tmp, "fives.sqlite3", batches, plain=False)) == plain
    given_columns = _write(tmp, "given.sqlite3", batches, plain=False, as_columns=True)
    assert _stored(given_columns) == plain


def test_columns_of_different_lengths_are_refused_and_write_nothing(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'ragged.sqlite3'}")
    _META.create_all(engine)
    with engine.begin() as conn:
        writer = _Writer(conn, sqlite=True)
        with pytest.raises(ValueError, match="t: columns of different lengths"):
            writer.insert_columns(_TABLE, _COLUMNS, [["a", "b"], [1, 2], [True], [None, None]])
        writer.insert_columns(_TABLE, _COLUMNS, [[], [], [], []])  # no rows: nothing to do
    assert _stored(engine) == []


def test_the_shapes_an_import_writes_are_bound_cheaply(tmp_path: Path) -> None:
    """An all-None column and a constant one are written into the statement, bools are bound
    as ints, a mostly-None text column goes through nullif; the values stay the same."""
    rows = [("x", 7, True, None)] * 9 + [("y", 7, False, "note")]
    engine = create_engine(f"sqlite:///{tmp_path / 'shapes.sqlite3'}")
    _META.create_all(engine)
    with engine.begin() as conn:
        writer = _Writer(conn, sqlite=True)
        writer.insert(_TABLE, _COLUMNS, rows)
        (statement,) = writer._shaped.values()
    assert "VALUES (?, 7, ?, nullif(?, 0), 'fill')" in statement
    stored = _stored(engine)
    assert [(r[1], r[3], r[5], r[7]) for r in stored] == [("x", 7, 1, None)] * 9 + [
        ("y", 7, 0, "note")
    ]


def test_many_rows_a_statement_in_order_never_over_999_values(tmp_path: Path) -> None:
    """250 rows of four bound values: statements of 100 rows and one of 50, stored in the
    rows' order; a wider row takes fewer rows a statement (999 values at most)."""
    rows = [(f"n{i}", i, i % 2 == 0, None if i % 9 else f"d{i}") for i in range(250)]
    engine = create_engine(f"sqlite:///{tmp_path / 'many.sqlite3'}")
    _META.create_all(engine)
    with engine.begin() as conn:
        writer = _Writer(conn, sqlite=True)
        writer.insert(_TABLE, _COLUMNS, rows)
        statements = list(writer._shaped.values())
        with mock.patch.object(writer_module, "MAX_BOUND_VALUES", 10):
            writer.insert(_TABLE, _COLUMNS, rows[:7])  # two rows (8 values) a statement
            narrow = [s for s in writer._shaped.values() if s not in statements]
    assert sorted(s.count("?") for s in statements) == [200, 400]  # 50 and 100 rows
    assert sorted(s.count("?") for s in narrow) == [4, 8]
    stored = _stored(engine)
    assert [(r[0], r[1], r[3], r[5], r[7]) for r in stored] == [
        (i + 1, a, b, int(c), d) for i, (a, b, c, d) in enumerate(rows + rows[:7])
    ]
