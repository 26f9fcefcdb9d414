"""The hand-off of graded calls on real stores: appointments, follow-ups, nurture, closing,
referred contacts, outbox entries, conflicts that roll the whole outcome back."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from calldesk import handoff
from calldesk.handoff import Booking, BookingConflict, HandoffError
from calldesk.models import (
    Appointment,
    Attempt,
    Callback,
    CallList,
    Company,
    Contact,
    DncEntry,
    Event,
    EventEngagement,
    ListMember,
    OutboxEntry,
    Phone,
    Rep,
)
from calldesk.queue import HELD
from calldesk.scripts import GradeResult, ScriptRunner, get_script, install_defaults
from calldesk.store import Store

LA = ZoneInfo("America/Los_Angeles")
AT = dt.datetime(2026, 11, 23, 18, 0, tzinfo=dt.UTC)  # Monday 10:00 in California
MEETING = dt.datetime(2026, 11, 25, 17, 0, tzinfo=dt.UTC)  # Wednesday 09:00 in California


@dataclass
class World:
    qualifier_id: int
    west_id: int
    east_id: int
    company_id: int
    contact_id: int
    list_id: int


def make_world(store: Store) -> World:
    """A qualifier, two field reps, a Californian contact from a trade show, the scripts."""
    with store.write() as s:
        install_defaults(s)
        qualifier = Rep(name="Maya Qualifier", role="qualifier", time_zone="America/New_York")
        west = Rep(
            name="Dana West",
            role="field",
            territory="US-CA,US-OR",
            time_zone="America/Los_Angeles",
        )
        east = Rep(
            name="Eli East", role="field", territory="US-NY,US-NJ", time_zone="America/New_York"
        )
        company = Company(
            name="Acme Analytics", name_key="acme analytics", city="San Jose", state="CA"
        )
        event = Event(name="DataWorld 2026", kind="trade_show", event_date=dt.date(2026, 11, 18))
        s.add_all([qualifier, west, east, company, event])
        s.flush()
        call_list = CallList(name="DataWorld 2026 scans", source_kind="event", event_id=event.id)
        contact = Contact(
            company_id=company.id,
            first_name="Lena",
            last_name="Park",
            title="Director of Operations",
            city="San Jose",
            state="CA",
            country="US",
            locale_key="US|CA|America/Los_Angeles",
            tier=1,
            priority=5,
            engagement=3,
            stage="working",
        )
        contact.phones.append(
            Phone(
                raw="(408) 555-0100",
                e164="+14085550100",
                region="US",
                time_zones="America/Los_Angeles",
                valid=True,
            )
        )
        s.add_all([call_list, contact])
        s.flush()
        s.add(ListMember(list_id=call_list.id, contact_id=contact.id))
        s.add(
            EventEngagement(
                event_id=event.id,
                contact_id=contact.id,
                rating="hot",
                booth_notes="Asked about SSO",
            )
        )
        return World(qualifier.id, west.id, east.id, company.id, contact.id, call_list.id)


def drive(runner: ScriptRunner, answers: dict[str, Any]) -> list[str]:
    """Answer each question the runner asks from ``answers``; skip the others."""
    asked = []
    while runner.current is not None:
        question = runner.current
        asked.append(question.id)
        if question.id in answers:
            runner.answer(answers[question.id])
        else:
            runner.skip()
    assert runner.finished
    assert set(answers) <= set(asked), f"not asked: {set(answers) - set(asked)}"
    return asked


def run_call(
    store: Store,
    world: World,
    key: str,
    answers: dict[str, Any],
    *,
    booking: Booking | None = None,
    contact_id: int | None = None,
    at: dt.datetime = AT,
) -> tuple[GradeResult, handoff.HandoffResult, int]:
    """One call through a stored script, recorded and handed off in one transaction."""
    with store.write() as s:
        script = get_script(s, key)
        runner = ScriptRunner(script, today=at.astimezone(LA).date())
        drive(runner, answers)
        result = runner.result()
        assert result is not None
        contact = s.get(Contact, contact_id or world.contact_id)
        rep = s.get(Rep, world.qualifier_id)
        attempt = Attempt(
            contact_id=contact.id,
            rep_id=rep.id,
            disposition=result.disposition,
            conversation=True,
            started_at=at - dt.timedelta(minutes=6),
            ended_at=at,
            answers=runner.answers,
            script_key=script.key,
            script_version=script.version,
            notes="Spoke for six minutes",
        )
        s.add(attempt)
        s.flush()
        outcome = handoff.apply(
            s,
            contact=contact,
            attempt=attempt,
            rep=rep,
            grade_result=result,
            booking=booking,
            at=at,
        )
        return result, outcome, attempt.id


def video(starts: dt.datetime = MEETING, **kw: Any) -> Booking:
    return Booking(starts_at=starts, meeting_link="https://meet.example/acme", **kw)


# --- each grade ---------------------------------------------------------------------------------

BANT_A = {
    "role_fit": "decides",
    "need": "active",
    "timeline": "now",
    "budget": "approved",
    "budget_amount": 40000,
    "wants_meeting": True,
    "notes": "Uses spreadsheets today",
}


def test_grade_a_books_an_appointment_with_the_territory_rep(sqlite_store: Store) -> None:
    world = make_world(sqlite_store)
    result, outcome, attempt_id = run_call(sqlite_store, world, "bant", BANT_A, booking=video())
    assert result.grade == "A"
    with sqlite_store.session() as s:
        appointment = s.scalar(select(Appointment))
        assert appointment.field_rep_id == world.west_id  # US-CA is Dana's territory
        assert appointment.qualifier_id == world.qualifier_id
        assert appointment.attempt_id == attempt_id
        assert appointment.starts_at == MEETING
        assert appointment.ends_at == MEETING + dt.timedelta(minutes=45)
        assert appointment.contact_time_zone == "America/Los_Angeles"
        assert appointment.meeting_link == "https://meet.example/acme"
        assert appointment.status == "booked" and appointment.sequence == 0
        summary = appointment.summary
        assert summary.startswith("A (meet now): Has a need and wants to meet a field rep now.")
        assert "- Budget amount: 40,000 USD" in summary
        assert "- Notes: Uses spreadsheets today" in summary
        assert "Qualified by Maya Qualifier" in summary
        assert "Wed 25 Nov 2026 09:00 PST" in summary
        contact = s.get(Contact, world.contact_id)
        assert (contact.stage, contact.callable, contact.grade) == ("appointment", False, "A")
        assert contact.grade_why == result.why
        attempt = s.get(Attempt, attempt_id)
        assert (attempt.grade, attempt.grade_why) == ("A", result.why)
        keys = {e.idempotency_key: e for e in s.scalars(select(OutboxEntry))}
        assert set(keys) == {
            f"attempt-{attempt_id}-graded",
            f"appointment-{appointment.uid}-booked",
        }
        booked = keys[f"appointment-{appointment.uid}-booked"]
        assert booked.kind == "appointment.booked" and booked.appointment_id == appointment.id
        assert booked.payload["appointment"]["field_rep"]["name"] == "Dana West"
        graded = keys[f"attempt-{attempt_id}-graded"].payload
        assert graded["grade"] == "A" and graded["why"] == result.why
        assert graded["answers"]["budget_amount"] == 40000
    # Both clocks: the field rep's (Pacific) and the contact's (same zone here).
    assert outcome.times.startswith("Wed 25 Nov 2026 09:00 PST")
    plain = json.loads(json.dumps(outcome.to_dict()))  # the outcome's --json carries it
    assert plain["appointment"]["field_rep_id"] == world.west_id
    assert plain["stage"] == "appointment" and plain["grade"] == "A"


def test_grade_b_dates_a_personal_follow_up_from_the_answer(sqlite_store: Store) -> None:
    world = make_world(sqlite_store)
    answers = {
        "role_fit": "influences",
        "need": "pain",
        "timeline": "later",
        "wants_meeting": False,
        "follow_up_on": "2027-02-15",
    }
    result, outcome, _ = run_call(sqlite_store, world, "bant", answers)
    assert result.grade == "B"
    assert result.why == (
        "B (call later): Has a need and a timeline, wants a call later. "
        "Need: Has a problem, not looking yet; Timeline: 3 to 12 months"
    )
    due = dt.datetime(2027, 2, 15, 10, 0, tzinfo=LA).astimezone(dt.UTC)
    with sqlite_store.session() as s:
        callback = s.scalar(select(Callback))
        assert (callback.kind, callback.personal, callback.rep_id) == (
            "follow_up",
            True,
            world.qualifier_id,
        )
        assert callback.due_at == due and callback.status == "open"
        contact = s.get(Contact, world.contact_id)
        # Out of the list queue: the follow-up itself brings the contact back.
        assert (contact.stage, contact.callable, contact.next_eligible_at) == (
            "callback",
            True,
            HELD,
        )
        assert s.scalar(select(func.count()).select_from(Appointment)) == 0


def test_grade_c_schedules_the_nurture_call(sqlite_store: Store) -> None:
    world = make_world(sqlite_store)
    result, _, _ = run_call(sqlite_store, world, "bant", {"role_fit": "decides", "need": "none"})
    assert result.grade == "C" and result.days == 90
    due = dt.datetime(2027, 2, 21, 10, 0, tzinfo=LA).astimezone(dt.UTC)  # 90 days on, 10:00
    with sqlite_store.session() as s:
        callback = s.scalar(select(Callback))
        assert (callback.kind, callback.personal, callback.due_at) == ("nurture", False, due)
        contact = s.get(Contact, world.contact_id)
        assert (contact.stage, contact.callable, contact.grade) == ("nurture", True, "C")


def test_grade_d_closes_the_contact_with_its_reason(sqlite_store: Store) -> None:
    world = make_world(sqlite_store)
    result, _, attempt_id = run_call(
        sqlite_store, world, "trade_show", {"visit_reason": "giveaway"}
    )
    assert result.grade == "D"
    assert result.why == (
        "D (not qualified): Came to the booth for the giveaway. "
        "Booth visit: Came for the giveaway / passing by"
    )
    with sqlite_store.session() as s:
        contact = s.get(Contact, world.contact_id)
        assert (contact.stage, contact.callable) == ("closed", False)
        assert contact.closed_reason == result.why
        assert s.scalar(select(func.count()).select_from(Callback)) == 0
        entry = s.scalar(select(OutboxEntry))
        assert entry.idempotency_key == f"attempt-{attempt_id}-graded"
        assert entry.kind == "lead.graded" and entry.payload["grade"] == "D"


def test_wrong_person_captures_the_right_one_at_the_same_company(sqlite_store: Store) -> None:
    world = make_world(sqlite_store)
    answers = {
        "visit_reason": "interested",
        "role": "wrong_person",
        "right_person": {
            "first_name": "Ana",
            "last_name": "Ruiz",
            "title": "VP Operations",
            "phone": "(415) 555-0132",
            "email": "ana.ruiz@acme.example",
        },
    }
    result, outcome, _ = run_call(sqlite_store, world, "trade_show", answers)
    assert (result.grade, result.disposition) == ("D", "wrong_person")
    with sqlite_store.session() as s:
        referrer = s.get(Contact, world.contact_id)
        assert referrer.stage == "closed"
        new = s.scalar(select(Contact).where(Contact.referred_by_id == world.contact_id))
        assert [c.id for c in outcome.referred] == [new.id]
        assert (new.first_name, new.last_name, new.title) == ("Ana", "Ruiz", "VP Operations")
        assert new.company_id == world.company_id
        assert new.phones[0].e164 == "+14155550132"
        assert new.phones[0].time_zones == "America/Los_Angeles"
        assert new.emails[0].address_key == "ana.ruiz@acme.example"
        # Same zone as the referrer: the same office, so the address and state carry over.
        assert (new.country, new.state, new.locale_key) == (
            "US",
            "CA",
            "US|CA|America/Los_Angeles",
        )
        assert (new.callable, new.stage, new.grade) == (True, "new", None)
        assert (new.tier, new.priority) == (1, 5)
        assert "Referred by Lena Park (Maya Qualifier" in new.notes
        lists = set(s.scalars(select(ListMember.list_id).where(ListMember.contact_id == new.id)))
        assert lists == {world.list_id}


def test_referral_number_without_a_place_copies_the_referrers_locale(sqlite_store: Store) -> None:
    world = make_world(sqlite_store)
    with sqlite_store.write() as s:
        referrer = s.get(Contact, world.contact_id)
        # A toll-free number says nothing about where its owner sits.
        new = handoff.capture_referral(
            s, referrer, {"first_name": "Sam", "phone": "1-800-555-0199"}, at=AT
        )
        assert new.phones[0].e164 == "+18005550199"
        assert new.locale_key == referrer.locale_key == "US|CA|America/Los_Angeles"
        assert (new.country, new.state) == ("US", "CA")
        assert new.callable


def test_referral_in_another_zone_gets_its_own_locale(sqlite_store: Store) -> None:
    world = make_world(sqlite_store)
    with sqlite_store.write() as s:
        referrer = s.get(Contact, world.contact_id)
        new = handoff.capture_referral(
            s, referrer, {"first_name": "Tom", "phone": "+1 212 555 0143"}, at=AT
        )
        assert new.locale_key == "US||America/New_York"
        assert new.state is None  # not the referrer's office
        assert new.callable


def test_referral_without_a_usable_number_waits_for_review(sqlite_store: Store) -> None:
    world = make_world(sqlite_store)
    with sqlite_store.write() as s:
        s.add(DncEntry(e164="+14155550177", source="internal"))
        s.flush()
        referrer = s.get(Contact, world.contact_id)
        by_mail = handoff.capture_referral(
            s, referrer, {"first_name": "Kim", "email": "kim@acme.example"}, at=AT
        )
        assert (by_mail.callable, by_mail.stage) == (False, "needs_review")
        assert by_mail.needs_review_reason == "the referral left no phone number"
        dnc = handoff.capture_referral(
            s, referrer, {"first_name": "Lou", "phone": "415-555-0177"}, at=AT
        )
        assert dnc.phones[0].dnc and not dnc.callable


def test_referral_of_a_known_colleague_links_instead_of_duplicating(sqlite_store: Store) -> None:
    world = make_world(sqlite_store)
    with sqlite_store.write() as s:
        referrer = s.get(Contact, world.contact_id)
        first = handoff.capture_referral(
            s, referrer, {"first_name": "Ana", "last_name": "Ruiz", "phone": "415 555 0132"}, at=AT
        )
        again = handoff.capture_referral(
            s, referrer, {"first_name": "ana", "phone": "+14155550132"}, at=AT
        )
        assert again.id == first.id
        other = handoff.capture_referral(
            s, referrer, {"first_name": "Bo", "last_name": "Ruiz", "phone": "415 555 0132"}, at=AT
        )
        assert other.id != first.id  # same line, another person: a colleague, not a duplicate


# --- booking rules ------------------------------------------------------------------------------


def _second_contact(store: Store, world: World, state: str = "CA") -> int:
    with store.write() as s:
        contact = Contact(
            company_id=world.company_id,
            first_name="Rob",
            last_name="Chen",
            state=state,
            country="US",
            locale_key=f"US|{state}|America/Los_Angeles",
        )
        s.add(contact)
        s.flush()
        return contact.id


def test_conflict_in_the_field_reps_calendar_rolls_the_outcome_back(store: Store) -> None:
    world = make_world(store)
    run_call(store, world, "bant", BANT_A, booking=video(field_rep_id=world.west_id))
    other = _second_contact(store, world)
    with store.session() as s:
        before = {
            "attempts": s.scalar(select(func.count()).select_from(Attempt)),
            "outbox": s.scalar(select(func.count()).select_from(OutboxEntry)),
        }
    overlapping = video(MEETING + dt.timedelta(minutes=30), field_rep_id=world.west_id)
    with pytest.raises(BookingConflict) as caught:
        run_call(store, world, "bant", BANT_A, booking=overlapping, contact_id=other)
    message = str(caught.value)
    assert message.startswith("Dana West already has a meeting with Lena Park Wed 25 Nov 2026")
    assert "09:00 PST to 09:45 PST" in message and "choose another time" in message
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(Attempt)) == before["attempts"]
        assert s.scalar(select(func.count()).select_from(OutboxEntry)) == before["outbox"]
        assert s.scalar(select(func.count()).select_from(Appointment)) == 1
        contact = s.get(Contact, other)
        assert contact.grade is None and contact.stage == "new"
    # Right after the first meeting is free.
    free = video(MEETING + dt.timedelta(minutes=45), field_rep_id=world.west_id)
    _, outcome, _ = run_call(store, world, "bant", BANT_A, booking=free, contact_id=other)
    assert outcome.appointment.field_rep_id == world.west_id


def test_round_robin_among_reps_of_the_territory(sqlite_store: Store) -> None:
    world = make_world(sqlite_store)
    with sqlite_store.write() as s:
        s.add(
            Rep(name="Cara Coast", role="field", territory="US-CA", time_zone="America/Los_Angeles")
        )
        s.add(Rep(name="Gus General", role="field", territory=None))
    given = []
    for hour in range(3):
        contact_id = _second_contact(sqlite_store, world)
        starts = MEETING + dt.timedelta(hours=hour * 2)
        _, outcome, _ = run_call(
            sqlite_store, world, "bant", BANT_A, booking=video(starts), contact_id=contact_id
        )
        given.append(outcome.appointment.field_rep_id)
    with sqlite_store.session() as s:
        names = [s.get(Rep, rep_id).name for rep_id in given]
    # Eli covers the east and Gus everywhere: neither is asked while the state has reps.
    assert names == ["Dana West", "Cara Coast", "Dana West"]  # least recently given first


def test_busy_rep_is_passed_over_and_all_busy_is_refused(sqlite_store: Store) -> None:
    world = make_world(sqlite_store)
    with sqlite_store.write() as s:
        cara = Rep(
            name="Cara Coast", role="field", territory="US-CA", time_zone="America/Los_Angeles"
        )
        s.add(cara)
        s.flush()
        cara_id = cara.id
    first = run_call(sqlite_store, world, "bant", BANT_A, booking=video())[1].appointment
    second_contact = _second_contact(sqlite_store, world)
    second = run_call(
        sqlite_store, world, "bant", BANT_A, booking=video(), contact_id=second_contact
    )[1].appointment
    # Same slot: whoever got the first meeting is busy, so the other one gets the second.
    assert [first.field_rep_id, second.field_rep_id] == [world.west_id, cara_id]
    third = _second_contact(sqlite_store, world)
    with pytest.raises(BookingConflict, match="every field rep for US-CA is busy then"):
        run_call(sqlite_store, world, "bant", BANT_A, booking=video(), contact_id=third)


def test_no_field_rep_for_the_territory(sqlite_store: Store) -> None:
    world = make_world(sqlite_store)
    texan = _second_contact(sqlite_store, world, state="TX")
    with pytest.raises(
        HandoffError, match="no field rep covers US-TX; choose the field rep by hand"
    ):
        run_call(sqlite_store, world, "bant", BANT_A, booking=video(), contact_id=texan)
    # By hand it works, and the time is shown on both clocks.
    _, outcome, _ = run_call(
        sqlite_store,
        world,
        "bant",
        BANT_A,
        booking=video(field_rep_id=world.east_id),
        contact_id=texan,
    )
    assert outcome.appointment.field_rep_id == world.east_id
    assert outcome.times == ("Wed 25 Nov 2026 12:00 EST / contact's time Wed 25 Nov 2026 09:00 PST")


def test_grade_a_needs_a_time_and_a_place(sqlite_store: Store) -> None:
    world = make_world(sqlite_store)
    with pytest.raises(HandoffError, match="choose a time"):
        run_call(sqlite_store, world, "bant", BANT_A)
    with pytest.raises(HandoffError, match="video link or a place"):
        run_call(sqlite_store, world, "bant", BANT_A, booking=Booking(starts_at=MEETING))
    with pytest.raises(HandoffError, match="in the future"):
        run_call(sqlite_store, world, "bant", BANT_A, booking=video(AT - dt.timedelta(hours=1)))


def test_a_new_grade_replaces_the_earlier_plan(sqlite_store: Store) -> None:
    world = make_world(sqlite_store)
    run_call(sqlite_store, world, "bant", {"role_fit": "decides", "need": "none"})  # C
    later = AT + dt.timedelta(days=91)
    run_call(
        sqlite_store, world, "bant", BANT_A, booking=video(later + dt.timedelta(days=2)), at=later
    )
    with sqlite_store.session() as s:
        nurture = s.scalar(select(Callback).where(Callback.kind == "nurture"))
        assert nurture.status == "cancelled"
        assert s.get(Contact, world.contact_id).stage == "appointment"


@pytest.mark.postgres
def test_two_qualifiers_cannot_take_the_same_slot_at_once(pg_store: Store) -> None:
    """The first booking holds the field rep until it commits; the second then sees the clash."""
    import threading

    world = make_world(pg_store)
    other = _second_contact(pg_store, world)
    first_booked = threading.Event()
    release_first = threading.Event()
    errors: dict[str, BaseException] = {}

    def first() -> None:
        try:
            with pg_store.write() as s:
                contact = s.get(Contact, world.contact_id)
                rep = s.get(Rep, world.qualifier_id)
                attempt = Attempt(contact_id=contact.id, rep_id=rep.id, disposition="qualified")
                s.add(attempt)
                s.flush()
                result = _bant_a(s)
                handoff.apply(
                    s,
                    contact=contact,
                    attempt=attempt,
                    rep=rep,
                    grade_result=result,
                    booking=video(field_rep_id=world.west_id),
                    at=AT,
                )
                first_booked.set()
                release_first.wait(10)
        except BaseException as exc:  # reported to the main thread
            errors["first"] = exc
            first_booked.set()

    thread = threading.Thread(target=first)
    thread.start()
    assert first_booked.wait(10)
    timer = threading.Timer(0.5, release_first.set)
    timer.start()
    with pytest.raises(BookingConflict, match="Dana West already has a meeting"):
        run_call(pg_store, world, "bant", BANT_A, booking=video(), contact_id=other)
    thread.join(10)
    timer.cancel()
    assert "first" not in errors, errors
    with pg_store.session() as s:
        assert s.scalar(select(func.count()).select_from(Appointment)) == 1


def _bant_a(session: Any) -> GradeResult:
    runner = ScriptRunner(get_script(session, "bant"), today=AT.date())
    drive(runner, BANT_A)
    result = runner.result()
    assert result is not None
    return result
