"""Exports re-read with the csv module and openpyxl match the store; nothing can run as a formula."""

from __future__ import annotations

import csv
import json
import re
import threading
from pathlib import Path

import pytest
from openpyxl import load_workbook
from test_sync_support import make_lead, make_rep

from calldesk.cli.main import main
from calldesk.models import DncEntry
from calldesk.spreadsheet import neutralise
from calldesk.store import Store
from calldesk.sync.export import ExportCancelled, export_leads
from calldesk.sync.layouts import headers

NASTY = [
    '=HYPERLINK("http://evil.example","click")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
]


def _live_formula(cell: str) -> bool:
    """Whether a spreadsheet would evaluate ``cell`` (a plain signed number is just a number)."""
    return bool(cell) and cell[0] in "=+-@\t\r" and re.fullmatch(r"[+-]?\d+(\.\d+)?", cell) is None


def _read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _read_xlsx(path: Path) -> list[dict[str, str]]:
    book = load_workbook(path, read_only=True)
    try:
        rows = list(book.active.iter_rows(values_only=True))
    finally:
        book.close()
    head = list(rows[0])
    return [
        {h: ("" if v is None else str(v)) for h, v in zip(head, r, strict=True)} for r in rows[1:]
    ]


@pytest.fixture
def leads(store: Store) -> dict[str, int]:
    with store.write() as session:
        qualifier = make_rep(session, "Quinn Qualifier", email="quinn@calldesk.example")
        a = make_lead(
            session,
            first="Zoë",
            last="Ångström",
            company="Société Générale d'Électricité",
            phones=[
                ("(813) 555-0100 x12", "+18135550100", "work"),
                ("813 555 0101", "+18135550101", "mobile"),
            ],
            emails=["zoe@sge.example", "z.angstrom@sge.example"],
            grade="A",
            why="Budget approved; demo wanted",
            answers={"budget": "yes", "seats": 40},
            qualifier=qualifier,
        )
        b = make_lead(
            session,
            first=NASTY[0],
            last=NASTY[1],
            company=NASTY[3],
            grade="B",
            why=NASTY[2],
            answers={"note": NASTY[4]},
            qualifier=qualifier,
        )
        c = make_lead(session, first="Carl", last="Cold", grade="C")
        dnc = make_lead(session, first="Never", last="Again", grade="A", dnc=True)
        dnc_phone = make_lead(
            session,
            first="Phone",
            last="Listed",
            grade="A",
            phones=[
                ("813-555-0199", "+18135550199", "work"),
                ("813-555-0198", "+18135550198", "mobile"),
            ],
        )
        session.add(DncEntry(e164="+18135550199", source="internal"))
        return {"a": a.id, "b": b.id, "c": c.id, "dnc": dnc.id, "dnc_phone": dnc_phone.id}


def test_neutralise_rules() -> None:
    for value in NASTY:
        assert neutralise(value) == "'" + value
    assert neutralise("+15551234567") == "+15551234567"  # a phone number is not a formula
    assert neutralise("-12.5") == "-12.5"
    assert neutralise("Ada") == "Ada" and neutralise(42) == 42
    assert neutralise("+1 555 123") == "'+1 555 123"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_full_layout_matches_the_store(store: Store, leads, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"leads.{fmt}"
    result = export_leads(store, out, grades=["A", "B"], fmt=fmt)
    rows = _read_csv(out) if fmt == "csv" else _read_xlsx(out)
    assert result.rows == len(rows) == 3  # A, B and the A whose one number is listed; no DNC
    assert list(rows[0]) == headers("calldesk")
    by_id = {int(r["contact_id"]): r for r in rows}
    assert set(by_id) == {leads["a"], leads["b"], leads["dnc_phone"]}

    a = by_id[leads["a"]]
    assert (a["first_name"], a["last_name"]) == ("Zoë", "Ångström")
    assert a["company"] == "Société Générale d'Électricité"
    assert a["email"] == "zoe@sge.example" and a["other_emails"] == "z.angstrom@sge.example"
    assert (a["phone_1"], a["phone_2"], a["phone_2_label"]) == (
        "+18135550100",
        "+18135550101",
        "mobile",
    )
    assert a["grade"] == "A" and a["why"] == "Budget approved; demo wanted"
    assert json.loads(a["answers"]) == {"budget": "yes", "seats": 40}
    assert a["qualifier"] == "Quinn Qualifier" and a["source_lists"] == "Spring list"

    b = by_id[leads["b"]]
    assert b["first_name"] == "'" + NASTY[0] and b["last_name"] == "'" + NASTY[1]
    assert b["company"] == "'" + NASTY[3] and b["why"] == "'" + NASTY[2]
    for cell in (v for r in rows for v in r.values()):
        assert not _live_formula(cell), cell

    listed = by_id[leads["dnc_phone"]]
    assert listed["phone_1"] == "+18135550198" and listed["phone_2"] == ""  # listed number gone


def test_xlsx_cells_are_text_not_formulas(store: Store, leads, tmp_path: Path) -> None:
    out = tmp_path / "leads.xlsx"
    export_leads(store, out, grades=["B"], fmt="xlsx")
    book = load_workbook(out)  # not read-only: cell types are visible
    try:
        cells = [c for row in book.active.iter_rows(min_row=2) for c in row if c.value is not None]
        assert cells and all(c.data_type != "f" for c in cells)
    finally:
        book.close()


def test_salesforce_and_hubspot_layouts(store: Store, leads, tmp_path: Path) -> None:
    sf = tmp_path / "sf.csv"
    export_leads(store, sf, grades=["A", "B", "C"], fmt="salesforce")
    rows = {r["Calldesk_Contact_Id__c"]: r for r in _read_csv(sf)}
    assert set(rows) == {str(leads[k]) for k in ("a", "b", "c", "dnc_phone")}
    a = rows[str(leads["a"])]
    assert (a["FirstName"], a["LastName"], a["Company"]) == (
        "Zoë",
        "Ångström",
        "Société Générale d'Électricité",
    )
    assert (a["Phone"], a["MobilePhone"], a["Rating"], a["DoNotCall"]) == (
        "+18135550100",
        "+18135550101",
        "Hot",
        "false",
    )
    assert "Budget approved" in a["Description"] and "seats: 40" in a["Description"]
    assert rows[str(leads["c"])]["Rating"] == "Cold"

    hs = tmp_path / "hs.xlsx"  # a CRM layout as XLSX when the name says so
    result = export_leads(store, hs, grades=["A"], fmt="hubspot")
    assert result.file_format == "xlsx" and result.layout == "hubspot"
    rows = {r["calldesk Contact ID"]: r for r in _read_xlsx(hs)}
    a = rows[str(leads["a"])]
    assert (a["Email"], a["Phone Number"], a["Lifecycle Stage"], a["Lead Status"]) == (
        "zoe@sge.example",
        "+18135550100",
        "salesqualifiedlead",
        "OPEN_DEAL",
    )
    assert str(leads["dnc"]) not in rows


def test_export_streams_in_chunks_and_can_be_cancelled(sqlite_store: Store, tmp_path: Path) -> None:
    with sqlite_store.write() as session:
        ids = [make_lead(session, first=f"P{i}", grade="A").id for i in range(25)]
    seen: list[tuple[int, int]] = []
    out = tmp_path / "all.csv"
    export_leads(
        sqlite_store, out, grades=["A"], chunk_size=10, progress=lambda d, t: seen.append((d, t))
    )
    assert seen == [(10, 25), (20, 25), (25, 25)]
    assert [int(r["contact_id"]) for r in _read_csv(out)] == ids

    stop = threading.Event()
    cancelled = tmp_path / "cancelled.csv"

    def stop_after_first(done: int, total: int) -> None:
        stop.set()

    with pytest.raises(ExportCancelled):
        export_leads(
            sqlite_store,
            cancelled,
            grades=["A"],
            chunk_size=10,
            progress=stop_after_first,
            stop=stop,
        )
    assert not cancelled.exists() and list(tmp_path.glob(".*part")) == []


def test_a_cancelled_xlsx_export_leaves_no_file(sqlite_store: Store, tmp_path: Path) -> None:
    """The streamed XLSX package is closed and removed when the export stops half way."""
    with sqlite_store.write() as session:
        for i in range(25):
            make_lead(session, first=f"X{i}", grade="A")
    stop = threading.Event()
    out = tmp_path / "cancelled.xlsx"
    with pytest.raises(ExportCancelled):
        export_leads(
            sqlite_store,
            out,
            grades=["A"],
            fmt="xlsx",
            chunk_size=10,
            progress=lambda done, total: stop.set(),
            stop=stop,
        )
    assert not out.exists() and list(tmp_path.glob(".*part")) == []
    done = export_leads(sqlite_store, out, grades=["A"], fmt="xlsx", chunk_size=10)
    assert done.rows == 25 and out.exists() and list(tmp_path.glob(".*part")) == []


def test_export_command(
    sqlite_store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with sqlite_store.write() as session:
        make_lead(session, first="Cli", grade="B")
        make_lead(session, first="Skip", grade="D")
    out = tmp_path / "cli.csv"
    code = main(
        [
            "export",
            "--db",
            sqlite_store.url,
            "--grade",
            "A,B",
            "--format",
            "csv",
            "--out",
            str(out),
            "--json",
        ]
    )
    captured = capsys.readouterr()
    assert code == 0
    data = json.loads(captured.out)
    assert data["rows"] == 1 and data["layout"] == "calldesk" and data["path"] == str(out)
    assert [r["first_name"] for r in _read_csv(out)] == ["Cli"]
    code = main(["export", "--db", sqlite_store.url, "--grade", "A,X", "--out", str(out), "--json"])
    assert code == 2 and "grades" in capsys.readouterr().err


def test_export_leaves_the_connection_unmapped(sqlite_store: Store, tmp_path: Path) -> None:
    """Chunks read SQLite through a memory map; the connection gets its setting back."""

    def mapped() -> int:
        with sqlite_store.session() as session:
            raw = session.connection().connection.dbapi_connection
            return int(raw.execute("PRAGMA mmap_size").fetchone()[0])

    with sqlite_store.write() as session:
        for i in range(5):
            make_lead(session, first=f"M{i}", grade="A")
    before = mapped()
    export_leads(sqlite_store, tmp_path / "m.csv", grades=["A"], chunk_size=2)
    assert mapped() == before


def test_export_chunks_walk_by_id_without_planner_statistics(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """calldesk gathers no planner statistics. Without them SQLite would answer a chunk's
    "graded A or B" through the grade index: every graded contact read again for each chunk
    (quadratic in the graded leads). The chunks' statements walk the contacts by id."""
    from sqlalchemy import event

    with sqlite_store.write() as session:
        for i in range(12):
            make_lead(session, first=f"W{i}", grade="AB"[i % 2])
        make_lead(session, first="Ungraded", grade=None)
    statements: list[str] = []

    def traced(dbapi_connection, _record, _proxy) -> None:
        dbapi_connection.set_trace_callback(statements.append)

    event.listen(sqlite_store.engine, "checkout", traced)
    try:
        export_leads(sqlite_store, tmp_path / "w.csv", grades=["A", "B"], chunk_size=5)
    finally:
        event.remove(sqlite_store.engine, "checkout", traced)
    assert len(_read_csv(tmp_path / "w.csv")) == 12
    with sqlite_store.session() as session:
        raw = session.connection().connection.dbapi_connection
        assert (
            raw.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").fetchall() == []
        )
        chunked = [s for s in statements if s.startswith("SELECT") and "contacts.id >" in s]
        plans = [
            " ".join(row[-1] for row in raw.execute(f"EXPLAIN QUERY PLAN {s}")) for s in chunked
        ]
    assert len(plans) >= 6  # (three chunks and the end, two statements a chunk)
    assert not [p for p in plans if "ix_contacts_grade_stage" in p]
    assert all("contacts USING INTEGER PRIMARY KEY" in p for p in plans)
