"""The import pipeline on real stores: dedupe, shared lines, DNC, events, campaigns, atomicity."""

from __future__ import annotations

import datetime as dt
import json
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select

from calldesk import dnc
from calldesk.cli.main import main as cli
from calldesk.importing.mapping import ColumnMapping, save_mapping, saved_mappings
from calldesk.importing.pipeline import (
    ImportCancelled,
    ImportOptions,
    ImportProgress,
    ImportRefused,
    engagement_score,
    import_file,
)
from calldesk.models import (
    CallList,
    Campaign,
    CampaignList,
    Contact,
    Email,
    Event,
    EventEngagement,
    ImportError_,
    ImportRun,
    ListMember,
    Phone,
    PossibleDuplicate,
)
from calldesk.store import Store
from tests.conftest import REALWORLD

HEADER = "First Name,Last Name,Company,Title,Email,Phone,Mobile,State,Favourite colour\n"
PEOPLE = (
    "Ann,Lee,Acme,CEO,ann@acme.com,(212) 736-5000,,NY,blue\n"
    "Bob,Jones,Acme,CTO,info@acme.com,212.736.5001,+1 415 736 2100,NY,red\n"
    "Robert,Jones,Acme,CFO,rjones@acme.com,212-736-5001,,NY,\n"
    "Carol,White,Acme,VP,info@acme.com,+1 212 736 5001,,NY,\n"
    "ANN,Lee,Acme,CEO,Ann@Acme.com,1-212-736-5000,,NY,green\n"
    "A.,Lee,Acme,CEO,,212 736 5000,,NY,\n"
    "Dan,Brown,Foo,,dan@foo,12345,,,\n"
    ",,,,,,,,\n"
    "Eve,Black,Bar,,eve@bar.com,+44 20 7946 0958,,,\n"
    "Zed,Nophone,Baz,,zed@baz.com,,,TX,\n"
)


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def contacts(store: Store) -> dict[str, Contact]:
    with store.session() as session:
        found = session.scalars(select(Contact)).all()
        for contact in found:
            _ = contact.phones, contact.emails
        return {f"{c.first_name} {c.last_name}": c for c in found}


def test_list_import_dedupes_people_and_keeps_colleagues_apart(
    store: Store, tmp_path: Path
) -> None:
    path = write(tmp_path, "list.csv", HEADER + PEOPLE)
    result = import_file(store, path, ImportOptions(list_name="Acme list"))
    assert result.to_json().keys() == {
        "list_id",
        "rows",
        "imported",
        "merged",
        "duplicates",
        "invalid",
        "dnc_suppressed",
        "errors",
        "seconds",
        # every row accounted for: refusals by reason, rows and values apart
        "blank_rows",
        "rows_refused",
        "cells_refused",
        "refused_by_reason",
        # what the file tells the calling rules (issue 14)
        "region_mismatches",
        "business_lines",
        "numbers_read_as",
        "accounted",
    }
    assert result.rows == 9  # the blank line is not a row
    assert (result.imported, result.merged, result.duplicates) == (7, 0, 2)
    assert result.invalid == 1
    assert {(e["row"], e["column"], e["value"]) for e in result.errors} == {
        (8, "Phone", "12345"),
        (8, "Email", "dan@foo"),
    }
    people = contacts(store)
    assert set(people) == {
        "Ann Lee",
        "Bob Jones",
        "Robert Jones",
        "Carol White",
        "Dan Brown",
        "Eve Black",
        "Zed Nophone",
    }
    ann = people["Ann Lee"]
    assert [p.e164 for p in ann.phones] == ["+12127365000"]  # three spellings, one number
    assert [e.address for e in ann.emails] == ["ann@acme.com"]
    assert ann.custom == {"Favourite colour": "blue"}
    assert ann.locale_key == "US|NY|America/New_York" and ann.callable and not ann.dnc
    # The main line and info@ are shared by three people who stay three contacts.
    for name in ("Bob Jones", "Robert Jones", "Carol White"):
        main = [p for p in people[name].phones if p.e164 == "+12127365001"]
        assert main and main[0].shared, name
    assert all(e.shared and e.role_address for e in people["Carol White"].emails)
    assert people["Bob Jones"].locale_key == "US|CA,NY|America/Los_Angeles,America/New_York"
    # Invalid values are kept with their raw text and reason, never dropped or fixed.
    dan = people["Dan Brown"]
    assert [(p.raw, p.valid, p.e164) for p in dan.phones] == [("12345", False, None)]
    assert dan.custom == {"Email": "dan@foo"}
    assert not dan.callable and dan.needs_review_reason == "no valid phone number"
    assert not people["Zed Nophone"].callable
    assert people["Eve Black"].locale_key == "GB||Europe/London"
    with store.session() as session:
        pairs = session.execute(select(PossibleDuplicate.reason)).scalars().all()
        assert len(pairs) == 1 and "bob" in pairs[0] and "robert" in pairs[0]
        errors = session.scalar(select(func.count()).select_from(ImportError_))
        assert errors == 2
        default = session.scalar(select(Campaign).where(Campaign.is_default))
        assert session.get(CampaignList, (default.id, result.list_id)) is not None
        assert session.scalar(select(CallList.row_count)) == 7
        run = session.scalar(select(ImportRun))
        assert run.state == "done" and run.stats["imported"] == 7


def test_reimport_of_the_same_file_adds_nothing(store: Store, tmp_path: Path) -> None:
    path = write(tmp_path, "list.csv", HEADER + PEOPLE)
    import_file(store, path, ImportOptions(list_name="Acme list"))
    again = import_file(store, path, ImportOptions(list_name="Acme list"))
    assert (again.imported, again.merged) == (0, 0) and again.already_imported
    # The same people in another file (another list) are merged, not added.
    other = write(tmp_path, "other.csv", HEADER + PEOPLE.replace("blue", "teal"))
    third = import_file(store, other, ImportOptions(list_name="Second list"))
    # Dan has neither a valid number nor address: his name and company find him again.
    assert (third.imported, third.merged, third.duplicates) == (0, 9, 0)
    with store.session() as session:
        assert session.scalar(select(func.count()).select_from(Contact)) == 7
        members = session.scalar(
            select(func.count()).select_from(ListMember).where(ListMember.list_id == third.list_id)
        )
        assert members == 7


def test_dnc_numbers_are_stored_marked_and_counted(store: Store, tmp_path: Path) -> None:
    with store.write() as session:
        dnc.add_number(session, "212-736-5000", reason="asked")
    path = write(tmp_path, "list.csv", HEADER + PEOPLE)
    result = import_file(store, path, ImportOptions(list_name="Acme list"))
    assert result.dnc_suppressed == 1
    ann = contacts(store)["Ann Lee"]
    assert ann.dnc and not ann.callable and ann.phones[0].dnc


def test_event_import_creates_sprint_campaign_and_engagement(store: Store, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "scans.csv",
        "First Name,Last Name,Company,Email,Phone,Rating,Booth Notes,Attended,Minutes Attended,Questions\n"
        "Ann,Lee,Acme,ann@acme.com,212-736-5000,Hot,wants a demo,yes,45,pricing?\n"
        "Bo,Chan,Beta,bo@beta.io,415-736-2100,cold,came for the pens,no,,\n",
    )
    options = ImportOptions(
        list_name="Expo scans",
        source="trade_show",
        event="Expo 2026",
        event_date=dt.date(2026, 11, 18),
        follow_up_days=10,
        cost=None,
    )
    result = import_file(store, path, options)
    assert result.imported == 2
    with store.session() as session:
        event = session.scalar(select(Event))
        assert event.follow_up_deadline == dt.date(2026, 11, 28) and event.kind == "trade_show"
        sprint = session.scalar(select(Campaign).where(Campaign.kind == "event_sprint"))
        assert sprint.event_id == event.id and sprint.deadline == event.follow_up_deadline
        assert sprint.priority > 0
        engagements = {e.contact_id: e for e in session.scalars(select(EventEngagement)).all()}
        people = {c.first_name: c for c in session.scalars(select(Contact))}
        ann, bo = people["Ann"], people["Bo"]
        hot = engagements[ann.id]
        assert (hot.rating, hot.attended, hot.minutes_attended) == ("hot", True, 45)
        assert hot.booth_notes == "wants a demo" and hot.questions_asked == "pricing?"
        assert engagements[bo.id].attended is False
        assert ann.tier == 1 and ann.engagement == hot.score > bo.engagement
        assert ann.priority == sprint.priority and ann.campaign_id == sprint.id
        assert ann.queue_rank < bo.queue_rank
    assert engagement_score("hot", True, 45, "q", "n", None) > engagement_score(
        "cold", False, None, None, None, None
    )
    # Extending the event with a second file reuses it and its sprint.
    more = write(tmp_path, "more.csv", "Name,Phone\nCy Dee,+1 312 736 4000\n")
    import_file(
        store,
        more,
        ImportOptions(list_name="Expo late scans", source="trade_show", event="Expo 2026"),
    )
    with store.session() as session:
        assert session.scalar(select(func.count()).select_from(Event)) == 1
        assert (
            session.scalar(
                select(func.count()).select_from(Campaign).where(Campaign.kind == "event_sprint")
            )
            == 1
        )


def test_named_campaign_and_vicidial_preset(store: Store, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "vici.txt",
        "V1|src|101|1|3125550000|Mr|John|Q|Public|1 Main St|||Chicago|IL||60601|US|M|1970-01-01|"
        "7737362100|john@public.com|secret|called before|0|owner|101|"
        "2127365000_1_work!4155550100_1_cell\n"
        "V2|src|101|44|2079460958|Ms|Jane||Doe||||London|||EC1|GB|F||||||\n",
    )
    result = import_file(
        store, path, ImportOptions(list_name="Vici", mapping="vicidial", campaign="Q4 push")
    )
    assert result.imported == 2
    people = contacts(store)
    john = people["John Q Public"]
    # The vendor id is the contact's external id now (kept apart from custom fields).
    assert john.external_id == "V1" and john.notes == "called before"
    assert {p.e164 for p in john.phones if p.valid} == {
        "+13125550000",
        "+17737362100",
        "+12127365000",
        "+14155550100",
    }
    assert {p.label for p in john.phones} >= {"work", "other"}
    assert "+442079460958" in {p.e164 for p in people["Jane Doe"].phones}
    with store.session() as session:
        campaign = session.scalar(select(Campaign).where(Campaign.name == "Q4 push"))
        assert session.get(CampaignList, (campaign.id, result.list_id)) is not None
        assert john.campaign_id == campaign.id


def test_saved_mapping_is_reused(store: Store, tmp_path: Path) -> None:
    mapping = ColumnMapping(columns={"Who": "full_name", "Tel": "phone", "Firm": "company"})
    with store.write() as session:
        save_mapping(session, "Vendor X", mapping)
    with store.session() as session:
        assert [m.name for m in saved_mappings(session)] == ["Vendor X"]
    path = write(tmp_path, "x.csv", 'Who,Tel,Firm,Size\n"Lee, Ann",212-736-5000,Acme,50\n')
    result = import_file(store, path, ImportOptions(list_name="X", mapping="Vendor X"))
    ann = contacts(store)["Ann Lee"]
    assert result.imported == 1 and ann.custom == {"Size": "50"}


def test_progress_and_cancel_leave_nothing_behind(store: Store, tmp_path: Path) -> None:
    lines = [HEADER]
    for i in range(3000):
        lines.append(f"P{i},Q{i},C{i},,p{i}@x.com,212-736-{i:04d},,NY,\n")
    path = write(tmp_path, "big.csv", "".join(lines))
    seen: list[ImportProgress] = []

    def stop_after_first_batch(state: ImportProgress) -> bool:
        seen.append(ImportProgress(**vars(state)))
        return state.rows_stored == 0

    options = ImportOptions(list_name="Big", batch_size=1000)
    with pytest.raises(ImportCancelled):
        import_file(store, path, options, progress=stop_after_first_batch)
    assert any(s.rows_stored == 1000 for s in seen)
    with store.session() as session:
        assert session.scalar(select(func.count()).select_from(Contact)) == 0
        assert session.scalar(select(func.count()).select_from(CallList)) == 0
        assert session.scalar(select(ImportRun.state)) == "cancelled"
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(ImportCancelled):
        import_file(store, path, options, cancel=cancel)
    states: list[ImportProgress] = []
    done = import_file(store, path, options, progress=lambda s: states.append(s.phase) and None)
    assert done.imported == 3000
    assert {"reading", "storing", "done"} <= set(states)


def test_file_without_contact_columns_is_refused(store: Store, tmp_path: Path) -> None:
    path = write(tmp_path, "temps.csv", "date,temperature\n2026-01-01,3\n")
    with pytest.raises(ImportRefused, match="no column holds a name"):
        import_file(store, path, ImportOptions(list_name="Temps"))


def test_windows_1252_list(store: Store, tmp_path: Path) -> None:
    path = write(
        tmp_path, "w.csv", "Name;Phone;Company\nJosé Müller;+49 30 901820;Café Größe\n", "cp1252"
    )
    result = import_file(store, path, ImportOptions(list_name="DE", country="DE"))
    assert result.imported == 1
    jose = contacts(store)["José Müller"]
    assert jose.phones[0].e164 == "+4930901820"


REALWORLD_FILES = sorted(
    p
    for p in REALWORLD.rglob("*")
    if p.is_file() and p.suffix not in (".md", ".json") and "phone-formats" not in p.parts
)


@pytest.mark.parametrize("path", REALWORLD_FILES, ids=lambda p: str(p.relative_to(REALWORLD)))
def test_every_realworld_file_is_imported_or_refused_clearly(
    sqlite_store: Store, path: Path
) -> None:
    try:
        result = import_file(sqlite_store, path, ImportOptions(list_name=path.name))
    except ImportRefused as exc:
        message = str(exc)
        assert len(message) > 20 and path.name in message or "encoding" in message
        with sqlite_store.session() as session:
            assert session.scalar(select(func.count()).select_from(Contact)) == 0
        return
    assert result.rows > 0
    with sqlite_store.session() as session:
        stored = session.scalar(select(func.count()).select_from(Contact))
    assert stored == result.imported
    assert result.imported + result.merged + result.duplicates <= result.rows


def test_realworld_contact_files_import(sqlite_store: Store) -> None:
    account = REALWORLD / "salesforce-dataloader/accountData_dataloader_export.csv"
    result = import_file(sqlite_store, account, ImportOptions(list_name="SF accounts"))
    assert result.imported > 100
    with sqlite_store.session() as session:
        phones = session.scalars(select(Phone.raw).where(Phone.raw != "")).all()
    assert phones  # PHONE column found and kept, placeholders included
    spectrum = REALWORLD / "csv-spectrum/csvs/location_coordinates.csv"
    located = import_file(sqlite_store, spectrum, ImportOptions(list_name="Modesto"))
    assert located.imported == 1


@pytest.mark.postgres
def test_realistic_import_on_postgresql(pg_store: Store, tmp_path: Path) -> None:
    with pg_store.write() as session:
        dnc.add_number(session, "+1 415 736 2100", reason="asked")
    path = write(tmp_path, "list.csv", HEADER + PEOPLE)
    result = import_file(pg_store, path, ImportOptions(list_name="Acme list"))
    assert (result.imported, result.duplicates, result.dnc_suppressed) == (7, 2, 1)
    people = contacts(pg_store)
    assert people["Bob Jones"].dnc and people["Ann Lee"].custom == {"Favourite colour": "blue"}
    again = import_file(pg_store, path, ImportOptions(list_name="Other list"))
    assert (again.imported, again.merged) == (0, 9)
    with pg_store.session() as session:
        assert session.scalar(select(func.count()).select_from(Email)) == 6


def test_cli_import_json_and_leads_find(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    db = str(tmp_path / "cli.sqlite3")
    path = write(tmp_path, "list.csv", HEADER + PEOPLE)
    assert cli(["--db", db, "import", str(path), "--list", "CLI list", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert list(out) == [
        "list_id",
        "rows",
        "imported",
        "merged",
        "duplicates",
        "invalid",
        "dnc_suppressed",
        "errors",
        "seconds",
        # Added so every row is accounted for (stored, merged, refused with its reason).
        "blank_rows",
        "rows_refused",
        "cells_refused",
        "refused_by_reason",
        "region_mismatches",
        "business_lines",
        "numbers_read_as",
        "accounted",
    ]
    assert out["imported"] == 7 and out["errors"][0] == {
        "row": 8,
        "column": "Phone",
        "value": "12345",
        "reason": "too short",
    }
    for spelling in ("(212) 736-5001", "+12127365001", "1.212.736.5001"):
        assert cli(["--db", db, "leads", "find", "--phone", spelling, "--json"]) == 0
        found = json.loads(capsys.readouterr().out)
        assert sorted(c["name"] for c in found["contacts"]) == [
            "Bob Jones",
            "Carol White",
            "Robert Jones",
        ]
    assert cli(["--db", db, "import", str(tmp_path / "nope.csv"), "--list", "x"]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_locale_assembly_matches_locate(sqlite_store: Store, tmp_path: Path) -> None:
    """The importer builds locale keys from per-area-code parts; they must equal locate()."""
    import random

    from calldesk import locale as locale_mod
    from calldesk.importing.pipeline import _Importer
    from calldesk.phones import parse_phone

    importer = _Importer(sqlite_store, tmp_path / "x.csv", ImportOptions(list_name="x"), None, None)
    assert importer._locale_parts is not None  # the fast assembly is in use
    rng = random.Random(11)
    codes = ["212", "305", "415", "512", "602", "808", "907", "416", "604", "709", "787", "876"]
    foreign = ["+442079460958", "+4930901820", "+61293744000", "+18005551212"]
    states = ["", "NY", "FL", "TX", "CA", "AZ", "ON", "BC", "ZZ", "ny"]
    countries = [None, "US", "CA", "GB"]
    checked = 0
    for _ in range(1500):
        numbers = []
        for _ in range(rng.choice((1, 1, 2, 3))):
            if rng.random() < 0.15:
                numbers.append(rng.choice(foreign))
            else:
                numbers.append(f"+1{rng.choice(codes)}736{rng.randint(1000, 9999)}")
        infos = [parse_phone(n, "US") for n in numbers]
        valid = [
            ("work", n, i.e164, i, None) for n, i in zip(numbers, infos, strict=True) if i.valid
        ]
        if not valid:
            continue
        country, state = rng.choice(countries), rng.choice(states)
        got = importer._locale(country, state, valid, locale_mod.nanp_states)
        placement = locale_mod.locate(country, state or None, [v[2] for v in valid])
        expected = (placement.locale.key if placement.locale else None, placement.reason)
        assert got == expected, (country, state, [v[2] for v in valid])
        checked += 1
    assert checked > 1000
