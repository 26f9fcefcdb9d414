"""Appointments for field reps: the list they review, accept, reject back to the qualifier,
outcomes, reschedules, and the ``calldesk appointments`` commands."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from icalendar import Calendar
from sqlalchemy import func, select
from test_handoff import AT, BANT_A, MEETING, World, make_world, run_call, video

from calldesk import appointments
from calldesk.appointments import AppointmentError
from calldesk.cli.main import main
from calldesk.handoff import BookingConflict
from calldesk.models import Appointment, Callback, Contact, OutboxEntry, Rep
from calldesk.store import Store

LATER = AT + dt.timedelta(hours=1)


def book(store: Store, world: World, starts: dt.datetime = MEETING, **kw: object) -> int:
    _, outcome, _ = run_call(store, world, "bant", BANT_A, booking=video(starts), **kw)
    return outcome.appointment.id


def another_contact(store: Store, world: World) -> int:
    with store.write() as s:
        contact = Contact(
            company_id=world.company_id,
            first_name="Rob",
            last_name="Chen",
            state="CA",
            country="US",
            locale_key="US|CA|America/Los_Angeles",
        )
        s.add(contact)
        s.flush()
        return contact.id


def outbox_kinds(store: Store) -> list[str]:
    with store.session() as s:
        return list(s.scalars(select(OutboxEntry.kind).order_by(OutboxEntry.id)))


def test_field_rep_sees_upcoming_first_with_everything_the_qualifier_learned(
    sqlite_store: Store,
) -> None:
    world = make_world(sqlite_store)
    far = book(sqlite_store, world, MEETING + dt.timedelta(days=7))
    soon = book(sqlite_store, world, MEETING, contact_id=another_contact(sqlite_store, world))
    with sqlite_store.session() as s:
        views = appointments.list_for_field_rep(s, world.west_id, now=AT)
        assert [v.id for v in views] == [soon, far]
        after = appointments.list_for_field_rep(
            s, world.west_id, now=MEETING + dt.timedelta(days=1)
        )
        assert [v.id for v in after] == [far, soon]  # the past one comes after the upcoming
        assert [v.upcoming for v in after] == [True, False]
        view = next(v for v in views if v.id == far)
        assert view.qualifier == "Maya Qualifier"
        assert view.contact["name"] == "Lena Park"
        assert view.contact["company"] == "Acme Analytics"
        assert view.grade == "A" and view.why.startswith("A (meet now)")
        assert view.notes == "Spoke for six minutes"
        assert view.when == "Wed 2 Dec 2026 09:00 PST (same zone for the contact)"
        answers = {a["question_id"]: a for a in view.answers}
        assert answers["need"]["answer"] == "Actively looking for a solution"
        assert answers["need"]["prompt"] == "How are you handling this today, and is it working?"
        assert answers["budget_amount"]["answer"] == "40,000 USD"
        assert "- Wants a meeting: Yes" in view.summary
        assert json.dumps(view.as_dict())  # plain data for the screen and --json
        assert appointments.list_for_field_rep(s, world.east_id, now=AT) == []


def test_accept_is_recorded_once(store: Store) -> None:
    world = make_world(store)
    appointment_id = book(store, world)
    with store.write() as s:
        with pytest.raises(AppointmentError, match="booked for Dana West"):
            appointments.accept(s, appointment_id, at=LATER, field_rep_id=world.east_id)
        accepted = appointments.accept(s, appointment_id, at=LATER, field_rep_id=world.west_id)
        assert (accepted.status, accepted.sequence) == ("accepted", 1)
        appointments.accept(s, appointment_id, at=LATER)  # again: nothing new
        assert accepted.sequence == 1
    assert outbox_kinds(store).count("appointment.accepted") == 1


def test_rejection_goes_back_to_the_qualifier_with_the_reason(store: Store) -> None:
    world = make_world(store)
    appointment_id = book(store, world)
    with store.write() as s:
        with pytest.raises(AppointmentError, match="is not a reason"):
            appointments.reject(s, appointment_id, reason="boring", at=LATER)
        with pytest.raises(AppointmentError, match="needs a few words"):
            appointments.reject(s, appointment_id, reason="other", at=LATER)
        callback = appointments.reject(
            s,
            appointment_id,
            reason="not_decision_maker",
            text="The CFO signs",
            at=LATER,
            field_rep_id=world.west_id,
        )
        assert (callback.kind, callback.rep_id, callback.personal) == (
            "rejected",
            world.qualifier_id,
            True,
        )
        assert callback.due_at == LATER and callback.status == "open"
        assert callback.notes == (
            "Appointment rejected by Dana West: Not the decision maker: The CFO signs"
        )
    with store.session() as s:
        appointment = s.get(Appointment, appointment_id)
        assert (appointment.status, appointment.reject_reason, appointment.sequence) == (
            "rejected",
            "not_decision_maker",
            1,
        )
        contact = s.get(Contact, world.contact_id)
        assert (contact.stage, contact.callable) == ("callback", True)
        rejected = s.scalar(select(OutboxEntry).where(OutboxEntry.kind == "appointment.rejected"))
        assert rejected.payload["reject_reason"] == "not_decision_maker"
        assert rejected.payload["appointment"]["status"] == "rejected"
    with store.write() as s, pytest.raises(AppointmentError, match="is rejected"):
        appointments.reject(s, appointment_id, reason="duplicate", at=LATER)
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(Callback)) == 1


def test_rejected_contact_is_offered_to_its_qualifier_first(sqlite_store: Store) -> None:
    queue = pytest.importorskip("calldesk.queue")
    world = make_world(sqlite_store)
    appointment_id = book(sqlite_store, world)
    with sqlite_store.write() as s:
        appointments.reject(s, appointment_id, reason="no_budget", at=LATER)
    with sqlite_store.write() as s:
        offer = queue.next_offer(s, world.qualifier_id, at=LATER + dt.timedelta(minutes=1))
        assert getattr(offer, "contact_id", None) == world.contact_id, offer
        assert "your callback" in offer.reason


def test_outcomes_and_reschedules(sqlite_store: Store) -> None:
    world = make_world(sqlite_store)
    first = book(sqlite_store, world)
    second = book(
        sqlite_store,
        world,
        MEETING + dt.timedelta(hours=2),
        contact_id=another_contact(sqlite_store, world),
    )
    with sqlite_store.write() as s:
        with pytest.raises(AppointmentError, match="is not an outcome"):
            appointments.record_outcome(s, first, outcome="great", at=LATER)
        with pytest.raises(BookingConflict, match="Dana West already has a meeting with Lena"):
            appointments.reschedule(
                s, second, starts_at=MEETING + dt.timedelta(minutes=15), at=LATER
            )
        moved = appointments.record_outcome(
            s,
            second,
            outcome="rescheduled",
            at=LATER,
            starts_at=MEETING + dt.timedelta(days=1),
        )
        assert moved.starts_at == MEETING + dt.timedelta(days=1)
        assert moved.ends_at - moved.starts_at == dt.timedelta(minutes=45)
        assert (moved.sequence, moved.outcome) == (1, "rescheduled")
        uid = moved.uid
        held = appointments.record_outcome(s, first, outcome="held", at=MEETING, feedback="Good")
        assert (held.outcome, held.feedback) == ("held", "Good")
        appointments.record_outcome(s, first, outcome="held", at=MEETING)  # same fact again
        appointments.record_outcome(s, first, outcome="opportunity", at=MEETING)
    with sqlite_store.session() as s:
        assert s.get(Appointment, second).uid == uid  # same calendar event, next SEQUENCE
        assert s.get(Appointment, first).outcome == "opportunity"
    kinds = outbox_kinds(sqlite_store)
    assert kinds.count("appointment.rescheduled") == 1
    assert kinds.count("appointment.outcome") == 3  # rescheduled, held, opportunity


# --- command line -------------------------------------------------------------------------------


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, object, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    data = json.loads(captured.out) if "--json" in argv and captured.out else None
    return code, data, captured.err


def test_cli_list_accept_reject_outcome_ics(
    capsys: pytest.CaptureFixture[str], sqlite_store: Store, tmp_path: Path
) -> None:
    world = make_world(sqlite_store)
    first = book(sqlite_store, world)
    second = book(
        sqlite_store,
        world,
        MEETING + dt.timedelta(hours=3),
        contact_id=another_contact(sqlite_store, world),
    )
    db = sqlite_store.url
    code, data, _ = run(
        capsys, "--db", db, "appointments", "list", "--field-rep", "Dana West", "--at",
        AT.isoformat(), "--json",
    )  # fmt: skip
    assert code == 0 and [d["id"] for d in data] == [first, second]
    assert data[0]["qualifier"] == "Maya Qualifier" and data[0]["status"] == "booked"
    assert data[0]["answers"][0]["label"] == "Role"

    code, data, _ = run(capsys, "--db", db, "appointments", "accept", str(first), "--json")
    assert code == 0 and data["status"] == "accepted"
    code, data, _ = run(
        capsys, "--db", db, "appointments", "reject", str(second), "--reason",
        "not_decision_maker", "--json",
    )  # fmt: skip
    assert code == 0 and data["callback"]["notes"].endswith("Not the decision maker")
    code, _, err = run(
        capsys, "--db", db, "appointments", "reject", str(second), "--reason", "duplicate"
    )
    assert code == 2 and "is rejected" in err
    code, _, err = run(capsys, "--db", db, "appointments", "reject", "1", "--reason", "nope")
    assert code == 2 and "--reason" in err
    code, data, _ = run(
        capsys, "--db", db, "appointments", "outcome", str(first), "--outcome", "held", "--json"
    )
    assert code == 0 and data["outcome"] == "held"

    out = tmp_path / "dana.ics"
    code, data, _ = run(
        capsys, "--db", db, "appointments", "ics", "--out", str(out), "--field-rep", "Dana West",
        "--all", "--json",
    )  # fmt: skip
    assert code == 0 and data["appointments"] == 2
    calendar = Calendar.from_ical(out.read_bytes())
    events = {str(e["UID"]): e for e in calendar.walk("VEVENT")}
    with sqlite_store.session() as s:
        rows = {a.uid: a for a in s.scalars(select(Appointment))}
        assert set(events) == set(rows)
        for uid, event in events.items():
            assert int(event["SEQUENCE"]) == rows[uid].sequence
        accepted = events[s.get(Appointment, first).uid]
        assert "Has a need and wants to meet a field rep now" in str(accepted["DESCRIPTION"])
        assert s.scalar(select(Rep.name).where(Rep.id == world.west_id)) == "Dana West"
