"""The holiday dates kept between runs: every day answered as the ``holidays`` package answers
it, a later run answers from the file without the package, and a command that decides a
calling window starts without importing it once the file holds its dates."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import sys
from pathlib import Path

import holidays
import pytest

from calldesk import dnc
from calldesk.cli.main import main
from calldesk.importing import ImportOptions, import_file
from calldesk.rules.holiday_book import HolidayBook, HolidayDates, _fingerprint, holiday_book
from calldesk.store import open_store
from tests.conftest import run_in_fresh_interpreter

CALENDARS = [
    ("US", None),
    ("US", "NY"),
    ("US", "PA"),
    ("US", "LA"),
    ("CA", None),
    ("CA", "BC"),
    ("CA", "QC"),
    ("GB", "ENG"),
    ("GB", "SCT"),
]


def _days(first: int, last: int) -> list[dt.date]:
    start = dt.date(first, 1, 1)
    return [start + dt.timedelta(days=i) for i in range((dt.date(last + 1, 1, 1) - start).days)]


@pytest.mark.parametrize(("country", "subdiv"), CALENDARS)
def test_every_day_is_answered_as_the_package_answers_it(country: str, subdiv: str | None) -> None:
    dates = HolidayDates(country, subdiv)
    package = holidays.country_holidays(country, **({"subdiv": subdiv} if subdiv else {}))
    # (2021-2023 hold New Year's Days observed on the year before's 31 December)
    for day in _days(2020, 2028):
        assert dates.get(day) == package.get(day), day


def test_a_later_run_answers_from_the_file_without_the_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "cache" / "holidays-test.json"
    book = HolidayBook(path)
    assert book.subdivisions("US") == tuple(holidays.country_holidays("US").subdivisions)
    years = {year: book.year("US", "PA", year) for year in (2026, 2027)}
    assert years[2026][dt.date(2026, 7, 3)] == "Independence Day (observed)"

    def no_package(*args: object, **kwargs: object) -> None:
        raise AssertionError("the package was asked")

    monkeypatch.setattr(holidays, "country_holidays", no_package)
    later = HolidayBook(path)
    assert later.subdivisions("US") == book.subdivisions("US")
    assert {year: later.year("US", "PA", year) for year in (2026, 2027)} == years
    with pytest.raises(AssertionError, match="the package was asked"):
        later.year("US", "PA", 2028)  # a year the file does not hold yet


def test_an_unreadable_file_is_ignored_and_written_anew(tmp_path: Path) -> None:
    path = tmp_path / "cache" / "holidays-test.json"
    path.parent.mkdir()
    path.write_text('{"years": [1, 2', encoding="utf-8")
    book = HolidayBook(path)
    assert book.year("CA", "BC", 2026)[dt.date(2026, 8, 3)] == "British Columbia Day"
    kept = json.loads(path.read_text(encoding="utf-8"))
    assert kept["years"]["CA|BC|2026"]["2026-08-03"] == "British Columbia Day"


def test_spoilt_entries_are_worked_out_again(tmp_path: Path) -> None:
    path = tmp_path / "cache" / "holidays-test.json"
    path.parent.mkdir()
    spoilt = {
        "subdivisions": {"US": "NY"},
        "years": {
            "US|NY|2026": {"2026-13-01": "x"},
            "US|PA|2026": 5,
            "US|UT|2026": {"2025-07-24": "x"},
        },
    }
    path.write_text(json.dumps(spoilt), encoding="utf-8")
    book = HolidayBook(path)
    assert book.subdivisions("US") == tuple(holidays.country_holidays("US").subdivisions)
    for subdiv in ("NY", "PA", "UT"):
        package = holidays.country_holidays("US", subdiv=subdiv, years=2026)
        assert book.year("US", subdiv, 2026) == dict(package.items())


def test_a_book_that_cannot_be_written_is_no_error(tmp_path: Path) -> None:
    blocked = tmp_path / "cache"
    blocked.write_text("a file where the folder would be", encoding="utf-8")
    book = HolidayBook(blocked / "holidays-x.json")
    assert book.year("US", "NY", 2026)[dt.date(2026, 11, 26)] == "Thanksgiving Day"
    assert blocked.read_text(encoding="utf-8") == "a file where the folder would be"


def test_the_book_is_kept_in_the_data_folder(tmp_path: Path, monkeypatch) -> None:
    data = tmp_path / "data"
    monkeypatch.setenv("CALLDESK_DATA_DIR", str(data))
    stale = data / "cache" / "holidays-0000000000000000.json"
    stale.parent.mkdir(parents=True)
    stale.write_text("{}", encoding="utf-8")
    book = holiday_book()
    assert book.path == data / "cache" / f"holidays-{_fingerprint()}.json"
    book.year("US", "UT", 2026)
    assert book.path.exists() and not stale.exists()  # another release's file is removed


def _queue_next(db: str, at: str) -> dict:
    """``calldesk queue next`` in a fresh interpreter: its exit code, what it printed, and
    whether it imported the holidays package."""
    run = run_in_fresh_interpreter(["--db", db, "queue", "next", "--rep", "Ada", "--at", at])
    return {**run, "holidays": "holidays" in run["modules"]}


def test_queue_next_keeps_pennsylvania_s_holiday_without_importing_the_package_again(
    tmp_path: Path,
) -> None:
    """Friday 3 July 2026 is Independence Day observed, and Pennsylvania closes on holidays:
    nobody to call at its noon, the first run working the dates out and the second reading
    them; the Monday after, the contact is offered."""
    db = str(tmp_path / "s.sqlite3")
    store = open_store(f"sqlite:///{db}")
    listing = tmp_path / "list.csv"
    listing.write_text(
        "First Name,Last Name,Phone,State\nBen,Franklin,(215) 555-0142,PA\n", encoding="utf-8"
    )
    registry = tmp_path / "dnc.txt"
    registry.write_text("phone\n(212) 555-0101\n", encoding="utf-8")  # a fresh copy, not Ben
    dnc.import_dnc_file(store, registry, source="us_national", file_date=dt.date(2026, 7, 1))
    assert import_file(store, listing, ImportOptions(list_name="PA", country="US")).imported == 1
    store.engine.dispose()
    assert main(["--db", db, "rep", "add", "Ada"]) == 0
    holiday_noon = "2026-07-03T12:00:00-04:00"
    first = _queue_next(db, holiday_noon)
    second = _queue_next(db, holiday_noon)
    assert first["code"] == second["code"] == 0
    assert first["printed"] == second["printed"]
    assert "Nothing to call now" in first["printed"] and "Franklin" not in first["printed"]
    assert first["holidays"] and not second["holidays"]
    monday = _queue_next(db, "2026-07-06T12:00:00-04:00")
    assert monday["code"] == 0 and "Franklin" in monday["printed"]
    assert not monday["holidays"]


def test_the_file_is_named_by_the_holidays_release(tmp_path: Path, monkeypatch) -> None:
    """The package's version file names it; in the desktop bundle (no source files) calldesk's
    version does; elsewhere without the file nothing is kept between runs."""
    release = _fingerprint.__wrapped__()
    assert release and release == _fingerprint()
    spec = importlib.util.find_spec("holidays")
    assert spec is not None
    monkeypatch.setattr(spec, "origin", str(tmp_path / "holidays" / "__init__.pyc"))
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: spec)
    assert _fingerprint.__wrapped__() is None
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    bundled = _fingerprint.__wrapped__()
    assert bundled and bundled != release
