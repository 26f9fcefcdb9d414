"""Appointments as .ics: parsed back with icalendar, UIDs kept and SEQUENCE raised on update."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

from icalendar import Calendar
from test_sync_support import make_appointment, make_lead, make_rep

from calldesk.store import Store
from calldesk.sync.ics import appointments_ics, write_appointments_ics


def _events(data: bytes) -> dict[str, object]:
    calendar = Calendar.from_ical(data)
    assert str(calendar["VERSION"]) == "2.0" and "calldesk" in str(calendar["PRODID"])
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


def test_appointment_event_has_everything_a_field_rep_needs(store: Store) -> None:
    start = dt.datetime(2030, 3, 12, 14, 0, tzinfo=dt.UTC)
    with store.write() as session:
        field = make_rep(session, "Fiona Field", role="field", email="fiona@calldesk.example")
        qualifier = make_rep(session, "Quinn Qualifier")
        contact = make_lead(
            session,
            first="Ada",
            last="Lovelace",
            emails=["ada@ae.example"],
            answers={"budget": "approved", "seats": 40},
            qualifier=qualifier,
        )
        appointment = make_appointment(
            session,
            contact,
            field,
            qualifier=qualifier,
            starts_at=start,
            time_zone="America/Chicago",
        )
        data = appointments_ics(session, [appointment.id])
        uid = appointment.uid

    calendar = Calendar.from_ical(data)
    event = _events(data)[uid]
    assert event["DTSTART"].dt == start and event["DTSTART"].dt.tzinfo == ZoneInfo(
        "America/Chicago"
    )
    assert event["DTSTART"].params["TZID"] == "America/Chicago"
    assert event["DTEND"].dt - event["DTSTART"].dt == dt.timedelta(minutes=45)
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["America/Chicago"]
    assert str(event["ORGANIZER"]) == "mailto:fiona@calldesk.example"
    assert event["ORGANIZER"].params["CN"] == "Fiona Field"
    assert str(event["ATTENDEE"]) == "mailto:ada@ae.example"
    assert int(event["SEQUENCE"]) == 0 and str(event["STATUS"]) == "TENTATIVE"
    description = str(event["DESCRIPTION"])
    assert "Needs 40 seats by Q3" in description
    assert "budget: approved" in description and "Qualified by: Quinn Qualifier" in description
    assert "Grade: A" in description and "Analytical Engines Ltd" in str(event["SUMMARY"])


def test_update_and_cancellation_keep_the_uid_with_a_higher_sequence(
    sqlite_store: Store, tmp_path: Path
) -> None:
    with sqlite_store.write() as session:
        field = make_rep(session, "Fiona Field", role="field", email="fiona@calldesk.example")
        contact = make_lead(session)
        appointment = make_appointment(session, contact, field)
        first = appointments_ics(session, [appointment.id])
        uid, appointment_id = appointment.uid, appointment.id

    with sqlite_store.write() as session:  # rescheduled, as the appointments code does it
        from calldesk.models import Appointment

        moved = session.get(Appointment, appointment_id)
        moved.starts_at += dt.timedelta(days=1)
        moved.ends_at += dt.timedelta(days=1)
        moved.sequence += 1
    with sqlite_store.session() as session:
        second = appointments_ics(session, [appointment_id])
    with sqlite_store.write() as session:
        cancelled = session.get(Appointment, appointment_id)
        cancelled.status = "cancelled"
        cancelled.reject_text = "customer postponed the project"
        cancelled.sequence += 1
    with sqlite_store.session() as session:
        third = appointments_ics(session, [appointment_id])

    one, two, three = (_events(d)[uid] for d in (first, second, third))
    assert [int(e["SEQUENCE"]) for e in (one, two, three)] == [0, 1, 2]
    assert two["DTSTART"].dt - one["DTSTART"].dt == dt.timedelta(days=1)
    assert str(three["STATUS"]) == "CANCELLED"
    assert "customer postponed" in str(three["DESCRIPTION"])


def test_write_appointments_ics_filters_by_field_rep_and_upcoming(
    sqlite_store: Store, tmp_path: Path
) -> None:
    now = dt.datetime.now(dt.UTC)
    with sqlite_store.write() as session:
        fiona = make_rep(session, "Fiona Field", role="field")  # no email: still a valid address
        frank = make_rep(session, "Frank Field", role="field", email="frank@calldesk.example")
        past = make_appointment(
            session, make_lead(session), fiona, starts_at=now - dt.timedelta(days=3)
        )
        mine = make_appointment(session, make_lead(session), fiona)
        theirs = make_appointment(session, make_lead(session), frank)
        fiona_id, uids = fiona.id, {a.id: a.uid for a in (past, mine, theirs)}

    path = tmp_path / "fiona.ics"
    with sqlite_store.session() as session:
        assert write_appointments_ics(session, path, field_rep_id=fiona_id) == 1
    events = _events(path.read_bytes())
    assert set(events) == {uids[mine.id]}
    assert str(events[uids[mine.id]]["ORGANIZER"]).endswith("@calldesk.invalid")

    with sqlite_store.session() as session:
        assert write_appointments_ics(session, path, upcoming_only=False) == 3
    assert set(_events(path.read_bytes())) == set(uids.values())
    assert list(tmp_path.glob(".*part")) == []
