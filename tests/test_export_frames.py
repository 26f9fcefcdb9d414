"""The export's column operations give exactly what the per-cell functions give.

The columnar export (calldesk/sync/frames.py) applies the spreadsheet guard, the CSV quoting
and the timestamp text to whole columns. Each is compared here with the function the row path
uses, over generated text: :func:`calldesk.spreadsheet.neutralise`, the csv module, and
``datetime.isoformat`` of the stored value. tests/test_export_fast.py compares whole files.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from calldesk.spreadsheet import neutralise, neutralise_expr, neutralise_row
from calldesk.sync.frames import _iso_python, iso_utc
from calldesk.sync.layouts import RowWriter, XlsxFrameWriter, write_csv_frame

# Characters the guard and the quoting care about, mixed into ordinary text.
RISKY = "=+-@\t\r\n\uff1d\uff0b\uff0d\uff20 \u00a0\u2007\u202f\u3000\x00\x01\x1f\x7f\x0b,\".0123456789'#"
# Lone surrogates are left out: text read from the store is UTF-8 and cannot hold them.
texts = st.text(
    alphabet=st.sampled_from(RISKY) | st.characters(exclude_categories=["Cs"]), max_size=12
)
cells = st.none() | texts | st.integers(-(10**12), 10**12)


def _guard(values: list[str | None]) -> list[str | None]:
    frame = pl.DataFrame({"v": pl.Series(values, dtype=pl.String)})
    return frame.select(neutralise_expr(pl.col("v"))).to_series().to_list()


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(texts, min_size=1, max_size=30))
@example(["\x01=HYPERLINK(1)", "+15551234567", " \u3000=1", "-12.5", "-", "", "1.", "\uff0b1"])
def test_vectorised_guard_is_the_guard(values: list[str]) -> None:
    assert _guard(values) == [neutralise(v) for v in values]


def test_vectorised_guard_keeps_nulls() -> None:
    assert _guard([None, "=1", None]) == [None, "'=1", None]


def _csv_reference(rows: list[list[object]]) -> bytes:
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows([neutralise_row(row) for row in rows])
    return buffer.getvalue().encode()


def _csv_columnar(rows: list[list[object]], width: int) -> bytes:
    columns = []
    for j in range(width):
        values = [row[j] for row in rows]
        # A column holds one type, as the export's columns do: numbers or text.
        if all(v is None or isinstance(v, int) for v in values):
            columns.append(pl.Series(f"c{j}", values, dtype=pl.Int64))
        else:
            text = [v if v is None or isinstance(v, str) else str(v) for v in values]
            columns.append(pl.Series(f"c{j}", text, dtype=pl.String))
    out = io.BytesIO()
    write_csv_frame(pl.DataFrame(columns), out)
    return out.getvalue()


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(2, 6).flatmap(lambda w: st.lists(st.lists(cells, min_size=w, max_size=w))))
def test_columnar_csv_is_the_csv_module(rows: list[list[object]]) -> None:
    if not rows:
        return
    width = len(rows[0])
    # Text columns with numbers in them are written as their text (what csv does with ints).
    normal = []
    for row in rows:
        normal.append(list(row))
    for j in range(width):
        if not all(r[j] is None or isinstance(r[j], int) for r in rows):
            for r in normal:
                if isinstance(r[j], int):
                    r[j] = str(r[j])
    assert _csv_columnar(normal, width) == _csv_reference(normal)


stored = st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2200, 1, 1)).map(
    lambda d: d.strftime("%Y-%m-%d %H:%M:%S.%f")
)
odd = st.sampled_from(
    ["2026-11-02 09:30:00", "2026-11-02T09:30:00", "2026-11-02 09:30:00.5", "2026-11-02"]
)


@settings(max_examples=200)
@given(st.lists(st.none() | stored | odd, max_size=20))
def test_timestamp_text_is_isoformat(values: list[str | None]) -> None:
    expected = [_iso_python(v) for v in values]
    assert iso_utc(pl.Series("t", values, dtype=pl.String)).to_list() == expected
    assert expected == [
        None if v is None else dt.datetime.fromisoformat(v).replace(tzinfo=dt.UTC).isoformat()
        for v in values
    ]


def _frame(rows: list[list[object]], width: int) -> pl.DataFrame:
    columns = []
    for j in range(width):
        values = [row[j] for row in rows]
        if all(v is None or isinstance(v, int) for v in values):
            columns.append(pl.Series(f"c{j}", values, dtype=pl.Int64))
        else:
            columns.append(pl.Series(f"c{j}", values, dtype=pl.String))
    return pl.DataFrame(columns)


# Text as people type it, edges included: spaces at either end, CR, XML's own characters.
xlsx_texts = st.text(
    alphabet=st.sampled_from(RISKY + "&<>;é🚀\u2028 ") | st.characters(exclude_categories=["Cs"]),
    max_size=10,
).filter(lambda t: "\ufffe" not in t and "\uffff" not in t)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.integers(1, 4).flatmap(
        lambda w: st.lists(
            st.lists(st.none() | xlsx_texts, min_size=w, max_size=w), min_size=1, max_size=8
        )
    ),
    st.integers(1, 3),
)
def test_columnar_xlsx_is_openpyxls_sheet(
    tmp_path_factory: pytest.TempPathFactory, rows: list[list[object]], ids: int
) -> None:
    """The worksheet XML the export builds in columns is openpyxl's, byte for byte."""
    folder = tmp_path_factory.mktemp("xlsx")
    width = len(rows[0])
    rows = [[i * ids, *row] for i, row in enumerate(rows)]  # a number column, as contact ids
    header = ["id", *[f"h {j} =" for j in range(width)]]
    reference, columnar = folder / "reference.xlsx", folder / "columnar.xlsx"
    with RowWriter(reference, "xlsx", header) as writer:
        for row in rows:
            writer.write(["" if v is None else v for v in row])
    with XlsxFrameWriter(columnar, header) as frame_writer:
        frame_writer.write_frame(_frame(rows[:3], width + 1))
        frame_writer.write_frame(_frame(rows[3:], width + 1))
    with zipfile.ZipFile(reference) as a, zipfile.ZipFile(columnar) as b:
        assert b.read("xl/worksheets/sheet1.xml") == a.read("xl/worksheets/sheet1.xml")
        # Style 1 is the quote prefix the phone cells name (openpyxl adds it on first use).
        assert b'quotePrefix="1"' in b.read("xl/styles.xml")
    book = load_workbook(columnar, read_only=True)
    try:
        read = [list(r) for r in book.active.iter_rows(values_only=True)]
    finally:
        book.close()
    assert len(read) == len(rows) + 1


def test_columnar_xlsx_cuts_long_text_as_openpyxl_does(tmp_path: Path) -> None:
    """Text over Excel's 32,767 characters is cut there, escapes and all, like openpyxl's."""
    long_text = "é&<" * 20_000 + " "
    rows = [[1, long_text, "+15551234567"], [2, "x", " =1 "]]
    reference, columnar = tmp_path / "reference.xlsx", tmp_path / "columnar.xlsx"
    with RowWriter(reference, "xlsx", ["id", "text", "phone"]) as writer:
        for row in rows:
            writer.write(row)
    with XlsxFrameWriter(columnar, ["id", "text", "phone"]) as frame_writer:
        frame_writer.write_frame(_frame(rows, 3))
    with zipfile.ZipFile(reference) as a, zipfile.ZipFile(columnar) as b:
        assert b.read("xl/worksheets/sheet1.xml") == a.read("xl/worksheets/sheet1.xml")


def test_columnar_xlsx_kinds_of_column(tmp_path: Path) -> None:
    """Columns of one kind (all empty, all numbers, all plain text, all phones) and numbers
    with gaps take the per-column shortcuts; the sheet is still openpyxl's."""
    rows = [
        [1, None, None, "Ada", "+15551234567", "x", "  pad"],
        [None, 7, None, "Bo", "+15551234568", "", "é&<"],
        [3, None, None, "Cy", "+15551234569", None, "=1"],
    ]
    header = ["id", "gap", "none", "name", "phone", "some", "odd"]
    reference, columnar = tmp_path / "reference.xlsx", tmp_path / "columnar.xlsx"
    with RowWriter(reference, "xlsx", header) as writer:
        for row in rows:
            writer.write(["" if v is None else v for v in row])
    frame = pl.DataFrame(
        [
            pl.Series("id", [r[0] for r in rows], dtype=pl.Int64),
            pl.Series("gap", [r[1] for r in rows], dtype=pl.Int64),
            *[
                pl.Series(name, [r[j] for r in rows], dtype=pl.String)
                for j, name in enumerate(header)
                if j >= 2
            ],
        ]
    )
    with XlsxFrameWriter(columnar, header) as frame_writer:
        frame_writer.write_frame(frame[:1])
        frame_writer.write_frame(frame[1:])
    with zipfile.ZipFile(reference) as a, zipfile.ZipFile(columnar) as b:
        assert b.read("xl/worksheets/sheet1.xml") == a.read("xl/worksheets/sheet1.xml")
