"""The DNC list: registry files with snapshots, add/remove (audited), check, contacts marked."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from calldesk import dnc
from calldesk.cli.main import main as cli
from calldesk.importing.pipeline import ImportOptions, import_file
from calldesk.models import AuditEntry, Contact, DncEntry, DncSnapshot, Phone
from calldesk.store import Store
from tests.conftest import REALWORLD

FTC = REALWORLD / "dnc/ftc_dnc_fulllist_flatfile_first10rows.txt"


def test_ftc_flat_file_loads_as_a_dated_snapshot(store: Store) -> None:
    result = dnc.import_dnc_file(store, FTC, file_date=dt.date(2026, 11, 1))
    assert (result.source, result.numbers, result.added, result.invalid) == (
        "us_national",
        10,
        10,
        [],
    )
    with store.session() as session:
        snapshot = session.scalar(select(DncSnapshot))
        assert (snapshot.source, snapshot.country, snapshot.file_date, snapshot.numbers) == (
            "us_national",
            "US",
            dt.date(2026, 11, 1),
            10,
        )
        numbers = set(session.scalars(select(DncEntry.e164)))
    assert "+18149652488" in numbers and len(numbers) == 10
    # A newer snapshot of the same file adds nothing twice and moves entries to it.
    again = dnc.import_dnc_file(store, FTC)
    assert again.added == 0
    with store.session() as session:
        assert session.scalar(select(func.count()).select_from(DncEntry)) == 10
        assert set(session.scalars(select(DncEntry.snapshot_id))) == {again.snapshot_id}


def test_plain_file_with_formats_header_and_junk(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "internal_2026-10-05.txt"
    path.write_text(
        "phone\n(212) 736-5000\n+1 415 736 2100\n\n# comment\nnot a number\n212.736.5000\n",
        encoding="utf-8",
    )
    result = dnc.import_dnc_file(store, path)
    assert result.source == "file" and result.file_date == dt.date(2026, 10, 5)
    assert result.numbers == 2
    assert result.invalid == [{"line": 6, "value": "not a number", "reason": "not a phone number"}]


@pytest.mark.parametrize("country", ["US", "CA", "GB"])
def test_file_lines_read_in_columns_answer_as_one_number_does(tmp_path: Path, country: str) -> None:
    """The bulk reader gives each line the answer normalize_dnc_number gives it, in order."""
    lines = [
        "(212) 736-5000",
        "212-736-4350 x12",
        "814,9652488",  # FTC layout between plain lines: order is kept
        "+44 20 7946 0958",
        "0044 20 7946 0958",
        "001-212-736-4350",
        "011 44 20 7946 0958",
        "555-0100",
        "+1 555 010 0000",  # possible, never assigned: listed all the same (fail closed)
        "2127364350,John Doe",
        "not a number",
        "416 555 0199",
        "020 7946 0958",
        "911",
    ]
    path = tmp_path / "numbers.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    got = list(dnc.read_dnc_file(path, country, chunk=4))
    expected = []
    for number, text in enumerate(lines, start=1):
        if text == "814,9652488":
            expected.append((number, text, "+18149652488"))
        else:
            expected.append((number, text, dnc.normalize_dnc_number(text.split(",")[0], country)))
    assert got == expected
    assert "+15550100000" in {e for _, _, e in got}


def _import_people(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text(
        "Name,Phone,Mobile\nAnn Lee,(814) 965-2488,\nBo Chan,212-736-5000,415-736-2100\n",
        encoding="utf-8",
    )
    import_file(store, path, ImportOptions(list_name="People"))


def test_registry_import_marks_existing_contacts(store: Store, tmp_path: Path) -> None:
    _import_people(store, tmp_path)
    result = dnc.import_dnc_file(store, FTC)
    assert result.contacts_marked == 1
    with store.session() as session:
        ann = session.scalar(select(Contact).where(Contact.first_name == "Ann"))
        assert ann.dnc and not ann.callable
        assert session.scalar(select(Phone.dnc).where(Phone.contact_id == ann.id))


def test_add_check_remove_with_audit(store: Store, tmp_path: Path) -> None:
    _import_people(store, tmp_path)
    with store.write() as session:
        entry, marked = dnc.add_number(session, "1-212-736-5000", reason="asked", actor="mgr")
    assert entry.e164 == "+12127365000" and marked == 1
    with store.session() as session:
        assert dnc.check_number(session, "(212) 736-5000")["on_list"]
        assert not dnc.check_number(session, "(212) 736-5009")["on_list"]
        bo = session.scalar(select(Contact).where(Contact.first_name == "Bo"))
        assert bo.dnc and not bo.callable
    with store.write() as session, pytest.raises(dnc.DncError, match="reason"):
        dnc.remove_number(session, "212-736-5000", reason=" ")
    with store.write() as session:
        removed = dnc.remove_number(session, "+12127365000", reason="typo", actor="mgr")
    assert removed["reopened"] == 1 and not removed["still_listed"]
    with store.session() as session:
        bo = session.scalar(select(Contact).where(Contact.first_name == "Bo"))
        assert not bo.dnc and bo.callable
        audit = session.scalar(select(AuditEntry).where(AuditEntry.action == "dnc.remove"))
        assert audit.actor == "mgr" and audit.detail["reason"] == "typo"
        assert audit.detail["removed"][0]["source"] == "internal"
        listed = dnc.list_entries(session, query="212 736")
        assert listed == []


def test_cli_dnc_commands(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    db = str(tmp_path / "d.sqlite3")
    assert cli(["--db", db, "dnc", "import", str(FTC), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["numbers"] == 10
    assert cli(["--db", db, "dnc", "check", "(814) 965-2488", "--json"]) == 0
    checked = json.loads(capsys.readouterr().out)
    assert checked["on_list"] and checked["entries"][0]["source"] == "us_national"
    assert cli(["--db", db, "dnc", "add", "+44 20 7946 0958", "--reason", "asked"]) == 0
    capsys.readouterr()
    assert cli(["--db", db, "dnc", "search", "2079460958", "--json"]) == 0
    assert [r["e164"] for r in json.loads(capsys.readouterr().out)] == ["+442079460958"]
    assert cli(["--db", db, "dnc", "list", "--limit", "3", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 3
    assert cli(["--db", db, "dnc", "remove", "+442079460958"]) == 2  # --reason is required
    capsys.readouterr()
    assert cli(["--db", db, "dnc", "remove", "+442079460958", "--reason", "done", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["e164"] == "+442079460958"
    assert cli(["--db", db, "dnc", "check", "hello"]) == 2
