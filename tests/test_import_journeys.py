"""Journeys 1 and 2 of the importer: the vendor's next file, rejected rows a vendor can fix,
a Zoom attendee report with its preamble, badge scans imported as an event."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from calldesk import browse
from calldesk.cli.main import main as cli
from calldesk.importing.mapping import load_preset, matching_mapping, saved_mappings
from calldesk.importing.pipeline import ImportOptions, import_file
from calldesk.importing.readers import sniff_file
from calldesk.models import CallList, Contact, Event, EventEngagement, ImportRun
from calldesk.store import Store

VENDOR_HEADER = "Lead ID,First,Last,Firm,Direct Dial,Industry Code,Region\n"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8", newline="")
    return path


ZOOM = (
    "Attendee Report\n"
    'Report Generated:,"Nov 3, 2026 09:15 AM"\n'
    "Topic,Webinar ID,Actual Start Time,Actual Duration (minutes),# Registered,"
    "# Cancelled Registrations,Unique Viewers,Total Users,Max Concurrent Views\n"
    'Pipeline Clinic,812 3456 7890,"Nov 2, 2026 10:00 AM",62,4,0,2,2,2\n'
    "Host Details\n"
    "Attended,User Name (Original Name),Email,Join Time,Leave Time,"
    "Time in Session (minutes),Is Guest,Country/Region Name\n"
    'Yes,Host Person,host@ourco.com,"Nov 2, 2026 09:50 AM","Nov 2, 2026 11:05 AM",75,No,'
    "United States\n"
    "Attendee Details\n"
    "Attended,User Name (Original Name),First Name,Last Name,Email,Phone,Organization,"
    "Job Title,Registration Time,Approval Status,Join Time,Leave Time,"
    "Time in Session (minutes),Is Guest,Country/Region Name\n"
    "Yes,Ann Lee,Ann,Lee,ann@acme.com,212-736-5000,ACME,CFO,"
    '"Oct 20, 2026 08:00 AM",approved,"Nov 2, 2026 10:01 AM","Nov 2, 2026 11:00 AM",59,No,'
    "United States\n"
    "Yes,Bob Ray,Bob,Ray,bob@foo.com,415-736-2100,Foo,VP Sales,"
    '"Oct 21, 2026 08:00 AM",approved,"Nov 2, 2026 10:05 AM","Nov 2, 2026 10:40 AM",35,No,'
    "United States\n"
    "No,Cat Doe,Cat,Doe,cat@bar.com,312-736-2100,Bar,CEO,"
    '"Oct 22, 2026 08:00 AM",approved,--,--,0,No,United States\n'
    "No,Dan Fox,Dan,Fox,dan@baz.com,,Baz,CTO,"
    '"Oct 23, 2026 08:00 AM",approved,--,--,0,No,United States\n'
)


def test_saved_mapping_is_used_for_the_vendors_next_file(store: Store, tmp_path: Path) -> None:
    first = write(
        tmp_path, "vendor-march.csv", VENDOR_HEADER + "L1,Ann,Lee,ACME,212-736-5000,52,East\n"
    )
    import_file(
        store,
        first,
        ImportOptions(
            list_name="Vendor X March",
            mapping=load_preset("salesforce-contacts").__class__(
                columns={
                    "Lead ID": "external_id",
                    "First": "first_name",
                    "Last": "last_name",
                    "Firm": "company",
                    "Direct Dial": "phone",
                }
            ),
            save_mapping_as="Vendor X",
        ),
    )
    # Next month: same columns, another order and spelling of the header.
    second = write(
        tmp_path,
        "vendor-april.csv",
        "first,last,lead id,firm,direct dial,region,industry code\n"
        "Bob,Ray,L2,Foo,415-736-2100,West,11\n",
    )
    layout = sniff_file(second)
    with store.session() as session:
        found = matching_mapping(saved_mappings(session), layout.headers)
    assert found is not None and found.name == "Vendor X"
    result = import_file(store, second, ImportOptions(list_name="Vendor X April"))
    assert "the columns match the saved mapping 'Vendor X': used it" in result.notes
    with store.session() as session:
        bob = session.scalar(select(Contact).where(Contact.first_name == "Bob"))
        assert bob.external_id == "L2" and bob.company.name == "Foo"
        assert (
            session.scalar(select(CallList.mapping_name).where(CallList.name == "Vendor X April"))
            == "Vendor X"
        )
    # A file from someone else is not matched.
    other = write(tmp_path, "other.csv", "Name,Phone,Email\nCat Doe,312-736-2100,c@d.com\n")
    with store.session() as session:
        assert matching_mapping(saved_mappings(session), sniff_file(other).headers) is None


def test_rejected_rows_file_names_the_person(sqlite_store: Store, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "vendor.csv",
        "vendor_lead_code,First Name,Last Name,Company,Phone,Email\n"
        "V-17,Ann,Lee,ACME,555,ann@acme.com\n"
        "V-18,Bob,Ray,Foo,212-736-5000,bob@\n",
    )
    result = import_file(sqlite_store, path, ImportOptions(list_name="V"))
    out = tmp_path / "rejected.csv"
    with sqlite_store.session() as session:
        assert browse.write_import_errors_csv(session, result.run_id, out) == 2
    with open(out, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [
        (r["row"], r["column"], r["value"], r["name"], r["company"], r["vendor id"]) for r in rows
    ] == [
        ("2", "Phone", "555", "Ann Lee", "ACME", "V-17"),
        ("3", "Email", "bob@", "Bob Ray", "Foo", "V-18"),
    ]
    assert rows[0]["reason"] == "too short"


def test_zoom_attendee_report_is_read_from_the_attendee_header(
    store: Store, tmp_path: Path
) -> None:
    path = write(tmp_path, "zoom.csv", ZOOM)
    layout = sniff_file(path)
    assert layout.skip_rows == 8 and layout.has_header
    assert layout.headers[:4] == [
        "Attended",
        "User Name (Original Name)",
        "First Name",
        "Last Name",
    ]
    result = import_file(
        store,
        path,
        ImportOptions(
            list_name="Pipeline Clinic",
            mapping="zoom-webinar-attendees",
            event="Pipeline Clinic",
            follow_up_days=7,
        ),
    )
    assert (result.rows, result.imported, result.rows_refused) == (4, 4, 0)
    with store.session() as session:
        people = {c.first_name + " " + c.last_name: c for c in session.scalars(select(Contact))}
        assert set(people) == {"Ann Lee", "Bob Ray", "Cat Doe", "Dan Fox"}
        attended = dict(
            session.execute(
                select(Contact.first_name, EventEngagement.attended).join(
                    EventEngagement, EventEngagement.contact_id == Contact.id
                )
            ).all()
        )
        assert attended == {"Ann": True, "Bob": True, "Cat": False, "Dan": False}
        event = session.scalar(select(Event).where(Event.name == "Pipeline Clinic"))
        assert event.kind == "webinar"
        # The webinar's day comes from the join times, not from today.
        assert event.event_date == dt.date(2026, 11, 2)
        assert event.follow_up_deadline == dt.date(2026, 11, 9)
        assert (
            session.scalar(select(CallList.source_kind).where(CallList.name == "Pipeline Clinic"))
            == "webinar"
        )


def test_header_row_option_on_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    path = write(tmp_path, "zoom.csv", ZOOM)
    db = str(tmp_path / "z.sqlite3")
    assert cli(["--db", db, "import", str(path), "--list", "Z", "--header-row", "9", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["rows"], data["imported"]) == (4, 4)
    # A wrong header row is a clear refusal, not a list of nameless contacts.
    code = cli(["--db", db, "import", str(path), "--list", "Y", "--header-row", "3"])
    assert code == 2
    assert "no column holds a name" in capsys.readouterr().err


def test_badge_scans_imported_as_an_event(store: Store, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "scans.csv",
        "Badge ID,First Name,Last Name,Company,Email,Phone,Rating,Notes,Scan Date\n"
        "B1,Ann,Lee,ACME,ann@acme.com,212-736-5000,Hot,wants a demo in May,2026-10-14 10:02\n"
        "B2,Bob,Ray,Foo,bob@foo.com,415-736-2100,Warm,asked about pricing,2026-10-15 16:40\n",
    )
    result = import_file(store, path, ImportOptions(list_name="Expo scans", event="Expo 2026"))
    assert result.imported == 2
    with store.session() as session:
        assert (
            session.scalar(select(CallList.source_kind).where(CallList.name == "Expo scans"))
            == "trade_show"
        )
        event = session.scalar(select(Event).where(Event.name == "Expo 2026"))
        assert event.kind == "trade_show" and event.event_date == dt.date(2026, 10, 14)
        notes = dict(
            session.execute(
                select(Contact.first_name, EventEngagement.booth_notes).join(
                    EventEngagement, EventEngagement.contact_id == Contact.id
                )
            ).all()
        )
        assert notes == {"Ann": "wants a demo in May", "Bob": "asked about pricing"}
        assert session.scalar(select(Contact.notes).where(Contact.first_name == "Ann")) is None
        run = session.scalar(select(ImportRun).order_by(ImportRun.id.desc()))
        assert run.state == "done"
    # Without an event, booth notes are kept in the contact's notes (never dropped).
    plain = import_file(
        store, path, ImportOptions(list_name="Scans, no event", mapping="badge-scan")
    )
    assert plain.merged == 2
    path2 = write(
        tmp_path,
        "scans2.csv",
        "Badge ID,First Name,Last Name,Phone,Rating,Notes\nB9,Eve,Oak,312-736-2100,Hot,call Fri\n",
    )
    more = import_file(store, path2, ImportOptions(list_name="More scans", source="purchased"))
    assert any("booth notes are kept in the contacts' notes" in n for n in more.notes)
    with store.session() as session:
        eve = session.scalar(select(Contact).where(Contact.first_name == "Eve"))
        assert eve.notes == "Booth notes: call Fri"
