"""One spreadsheet guard for every CSV and XLSX calldesk writes.

Each writer gets the same hostile cells, above all a name that starts with a control character
and then ``=`` (the XLSX writer used to strip the control character *after* the guard had looked,
leaving a live formula). Phone numbers stay intact in CSV and are text cells in XLSX.
"""

from __future__ import annotations

import csv
import zipfile
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from test_sync_support import make_lead

from calldesk import reports
from calldesk.browse import write_import_errors_csv
from calldesk.models import ImportError_, ImportRun
from calldesk.reports.scope import Report, Table
from calldesk.spreadsheet import is_plain_number, neutralise
from calldesk.store import Store
from calldesk.sync import Target, run_sync
from calldesk.sync.export import export_leads
from calldesk.sync.layouts import LAYOUTS

CONTROL_FORMULA = '\x01=HYPERLINK("http://evil.example","click")'
HOSTILE = [
    CONTROL_FORMULA,
    "\x02\x03+cmd|' /C calc'!A0",
    "\x1f@SUM(A1:A9)",
    " =1+1",
    "\x0b-2+3",
    "\uff1d1+1",
]
PHONE = "+15551234567"


def _live(text: Any) -> bool:
    """Whether a spreadsheet could run ``text`` as a formula."""
    if not isinstance(text, str) or not text:
        return False
    if neutralise(text) != text:  # the guard would still change it: not final text
        return True
    stripped = text.lstrip(" \x00\x01\x02\x03\x0b\x1f")
    # A plain number (an E.164 phone, "-12.5", "+0.0") is data, not a formula (the rule, 2.).
    return stripped[:1] in ("=", "+", "-", "@", "\uff1d") and not is_plain_number(stripped)


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        (CONTROL_FORMULA, "'" + CONTROL_FORMULA[1:]),
        ("=1+2", "'=1+2"),
        ("+1 555", "'+1 555"),
        ("-2+3", "'-2+3"),
        ("@cmd", "'@cmd"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("\nx", "'\nx"),
        (" =1+1", "' =1+1"),
        ("\uff1d1+1", "'\uff1d1+1"),
        ("Acme = best", "Acme = best"),
        (PHONE, PHONE),
        ("-3", "-3"),
        ("-12.5", "-12.5"),
        ("02139", "02139"),
        ("+", "'+"),
        ("=", "'="),
        ("a\x00b", "ab"),
        ("bad \ud800 half", "bad \ufffd half"),
        ("", ""),
    ],
)
def test_the_one_rule(raw: str, safe: str) -> None:
    assert neutralise(raw) == safe
    assert neutralise(safe) == safe  # idempotent: writers may meet a cell twice
    assert neutralise(42) == 42 and neutralise(None) is None


def _csv_cells(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def _xlsx_cells(path: Path) -> list[list[Any]]:
    book = load_workbook(path)
    try:
        return [[c for c in row] for sheet in book.worksheets for row in sheet.iter_rows()]
    finally:
        book.close()


def _assert_safe_csv(path: Path, expect: list[str]) -> str:
    cells = [c for row in _csv_cells(path) for c in row]
    assert not [c for c in cells if _live(c)]
    assert not any(ch in "".join(cells) for ch in "\x01\x02\x03\x0b\x1f")
    for text in expect:
        assert text in cells, text
    return "".join(cells)


def _assert_safe_xlsx(path: Path, expect: list[str]) -> None:
    with zipfile.ZipFile(path) as package:
        for name in package.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in package.read(name), "a formula cell was written"
    cells = [c for row in _xlsx_cells(path) for c in row]
    assert not [c.value for c in cells if c.data_type == "f" or _live(c.value)]
    values = [c.value for c in cells]
    for text in expect:
        assert text in values, text
    phones = [c for c in cells if c.value == PHONE]
    assert phones, "the phone number was not written"
    for cell in phones:  # a text cell Excel keeps as text even when edited
        assert cell.data_type == "s" and cell.quotePrefix


@pytest.fixture
def hostile_leads(sqlite_store: Store) -> Store:
    with sqlite_store.write() as session:
        make_lead(
            session,
            first=CONTROL_FORMULA,
            last=HOSTILE[1],
            company=HOSTILE[2],
            why=HOSTILE[3],
            title=HOSTILE[5],
            phones=[("555 123 4567", PHONE, "work")],
            grade="A",
        )
    return sqlite_store


@pytest.mark.parametrize(
    ("fmt", "suffix"),
    [
        ("csv", "csv"),
        ("xlsx", "xlsx"),
        ("salesforce", "csv"),
        ("salesforce", "xlsx"),
        ("hubspot", "csv"),
        ("hubspot", "xlsx"),
    ],
)
def test_every_export_layout(hostile_leads: Store, tmp_path: Path, fmt: str, suffix: str) -> None:
    out = tmp_path / f"leads.{suffix}"
    export_leads(hostile_leads, out, grades=["A"], fmt=fmt)
    expect = ["'" + CONTROL_FORMULA[1:], PHONE]
    if suffix == "csv":
        _assert_safe_csv(out, expect)
    else:
        _assert_safe_xlsx(out, expect)


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_every_files_sync_target(
    hostile_leads: Store, tmp_path: Path, layout: str, fmt: str
) -> None:
    from test_sync_support import enqueue_graded

    from calldesk.models import Contact

    with hostile_leads.write() as session:
        enqueue_graded(session, session.query(Contact).one())
    folder = tmp_path / "crm"
    config = {"f": Target(name="f", type="files", folder=str(folder), layout=layout, format=fmt)}
    report = run_sync(hostile_leads, config=config, max_wait=0)
    [written] = report.targets["f"].files
    expect = ["'" + CONTROL_FORMULA[1:], PHONE]
    if fmt == "csv":
        _assert_safe_csv(Path(written), expect)
    else:
        _assert_safe_xlsx(Path(written), expect)


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_report_exports(tmp_path: Path, suffix: str) -> None:
    report = Report(
        name="lists",
        tables={
            "main": Table(
                columns=[("name", CONTROL_FORMULA), ("phone", "Phone"), ("dials", "Dials")],
                rows=[{"name": h, "phone": PHONE, "dials": 5} for h in HOSTILE],
            )
        },
    )
    [written] = reports.export_report(report, tmp_path / f"r.{suffix}")
    expect = ["'" + CONTROL_FORMULA[1:], PHONE]
    if suffix == "csv":
        _assert_safe_csv(written, expect)
    else:
        _assert_safe_xlsx(written, expect)
        values = [c.value for c in _xlsx_cells(written)[1]]
        assert values[2] == 5  # numbers stay numbers


def test_import_refused_rows_file(sqlite_store: Store, tmp_path: Path) -> None:
    with sqlite_store.write() as session:
        run = ImportRun(file_name="vendor.csv", state="done")
        session.add(run)
        session.flush()
        for n, text in enumerate(HOSTILE, start=2):
            session.add(ImportError_(run_id=run.id, row=n, column=text, value=text, reason=text))
        session.add(ImportError_(run_id=run.id, row=99, column="phone", value=PHONE, reason="x"))
        run_id = run.id
    out = tmp_path / "refused.csv"
    with sqlite_store.session() as session:
        assert write_import_errors_csv(session, run_id, out) == len(HOSTILE) + 1
    _assert_safe_csv(out, ["'" + CONTROL_FORMULA[1:], PHONE])


# --- any text at all ------------------------------------------------------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_PREFIXES = st.sampled_from(
    ["", "=", "+", "-", "@", "\t", "\r", "\n", " ", "\x01", "\x00=", "\uff1d"]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(_PREFIXES, st.text()).map("".join), min_size=1, max_size=6))
def test_no_text_becomes_a_formula_in_either_format(tmp_path_factory, cells: list[str]) -> None:
    from calldesk.sync.layouts import RowWriter

    for cell in cells:
        safe = neutralise(cell)
        assert neutralise(safe) == safe
        assert not _live(safe)
        safe.encode("utf-8")  # always writable
    folder = tmp_path_factory.mktemp("any")
    for fmt in ("csv", "xlsx"):
        path = folder / f"x.{fmt}"
        with RowWriter(path, fmt, ["a"] * len(cells)) as writer:
            writer.write(cells)
        if fmt == "csv":
            [_, row] = _csv_cells(path)
        else:
            [_, row] = [[c.value or "" for c in r] for r in _xlsx_cells(path)]
            assert not any(c.data_type == "f" for r in _xlsx_cells(path) for c in r)
        assert not [c for c in row if _live(c)]
