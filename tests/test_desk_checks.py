"""The desk's questions to the calling rules (calldesk.desk_checks), headless, on a real store."""

from __future__ import annotations

import datetime as dt

from calldesk import desk_checks
from calldesk.dnc import add_number
from calldesk.models import Appointment
from calldesk.store import Store
from tests.rules_helpers import add_contact, add_rep

# Tuesday 24 November 2026, 15:00 UTC: 10:00 in New York, 07:00 in San Francisco.
TUESDAY = dt.datetime(2026, 11, 24, 15, 0, tzinfo=dt.UTC)
NY = "America/New_York"


def test_decide_dial_matches_authorize_dial_and_says_what_a_manager_may_override(
    sqlite_store: Store,
) -> None:
    with sqlite_store.write() as session:
        contact = add_contact(session, ["+12125550101"], state="NY")
        add_rep(session, "Maya Lind", role="manager")
        add_number(session, "+12125550199", reason="asked")
        ask = dict(contact_id=contact.id, campaign_id=None, at=TUESDAY)
        ok = desk_checks.decide_dial(session, number="(212) 555-0188", **ask)
        assert ok.allowed and ok.e164 == "+12125550188" and ok.override_by is None
        early = desk_checks.decide_dial(session, number="415 555 0123", **ask)
        assert not early.allowed and early.overridable
        assert early.managers == ("Maya Lind",)
        assert "07:00" in early.explanation
        confirmed = desk_checks.decide_dial(
            session,
            number="415 555 0123",
            override_by="Maya Lind",
            override_reason="asked for 7 sharp",
            **ask,
        )
        assert confirmed.allowed and confirmed.override_by == "Maya Lind"
        assert confirmed.override_reason == "asked for 7 sharp"
        # a manager's name is required: anyone else is refused
        other = desk_checks.decide_dial(
            session, number="415 555 0123", override_by="Dana", override_reason="x", **ask
        )
        assert not other.allowed
        dnc = desk_checks.decide_dial(session, number="212 555 0199", **ask)
        assert not dnc.allowed and not dnc.overridable and "do-not-call" in dnc.explanation
        invalid = desk_checks.decide_dial(session, number="555 12", **ask)
        assert not invalid.allowed and not invalid.overridable


def test_card_verdict_says_until_when(sqlite_store: Store) -> None:
    with sqlite_store.write() as session:
        contact = add_contact(session, ["+12125550101"], state="NY")
        verdict = desk_checks.card_verdict(session, contact.id, None, TUESDAY)
        assert verdict.allowed
        assert verdict.until == dt.datetime(2026, 11, 25, 2, 0, tzinfo=dt.UTC)  # 21:00 NY
        late = desk_checks.card_verdict(session, contact.id, None, verdict.until)
        assert not late.allowed and late.until is None


def test_callback_problem_refuses_the_past_and_outside_the_window() -> None:
    key = "US|NY|America/New_York"
    thursday_10 = dt.datetime(2026, 11, 26, 15, 0, tzinfo=dt.UTC)
    assert desk_checks.callback_problem(key, thursday_10, TUESDAY) is None
    past = desk_checks.callback_problem(key, TUESDAY - dt.timedelta(minutes=1), TUESDAY)
    assert past is not None and "already passed" in past
    night = desk_checks.callback_problem(key, dt.datetime(2026, 11, 26, 3, tzinfo=dt.UTC), TUESDAY)
    assert night is not None and "Outside their calling window" in night
    assert "opens again Thu 26 Nov 08:00 their time" in night
    assert desk_checks.callback_problem(None, thursday_10, TUESDAY) is not None  # unknown place


def test_free_slots_are_working_hours_on_weekdays_in_their_zone_and_skip_taken_ones() -> None:
    # Saturday 28 November 2026, 18:00 in New York: the next slots are on Monday.
    saturday = dt.datetime(2026, 11, 28, 23, 0, tzinfo=dt.UTC)
    taken = [
        (
            dt.datetime(2026, 11, 30, 15, 0, tzinfo=dt.UTC),
            dt.datetime(2026, 11, 30, 16, 0, tzinfo=dt.UTC),
        )
    ]
    slots = desk_checks.free_slots(taken, now=saturday, zone=NY, minutes=45, days=2)
    local = [s.astimezone(dt.timezone(dt.timedelta(hours=-5))) for s in slots]
    assert local[0].strftime("%a %H:%M") == "Mon 09:00"
    assert "Mon 10:00" not in [t.strftime("%a %H:%M") for t in local]  # taken
    assert all(t.weekday() < 5 and 9 <= t.hour < 17 for t in local)
    assert local[-1].strftime("%a %H:%M") == "Tue 16:00"
    # the notice: not within two hours of now
    soon = desk_checks.free_slots([], now=TUESDAY, zone=NY, minutes=45, days=1)
    assert soon[0] == TUESDAY + dt.timedelta(hours=2)
    assert desk_checks.slot_problem(taken, taken[0][0], 45, saturday) is not None
    assert desk_checks.slot_problem(taken, taken[0][1], 45, saturday) is None


def test_field_reps_by_territory_then_by_meetings_in_the_state(sqlite_store: Store) -> None:
    with sqlite_store.write() as session:
        contact = add_contact(session, ["+12125550101"], state="NY")
        other = add_contact(session, ["+12125550102"], state="NY")
        west = add_rep(session, "Cora West", role="field")
        west.territory = "US-CA"
        anna = add_rep(session, "Anna Any", role="field")
        bert = add_rep(session, "Bert Busy", role="field")
        session.add(
            Appointment(
                uid="a@test",
                contact_id=other.id,
                field_rep_id=bert.id,
                starts_at=TUESDAY,
                ends_at=TUESDAY + dt.timedelta(hours=1),
            )
        )
        session.flush()
        names = [(c.name, c.why) for c in desk_checks.field_reps_for(session, contact.id)]
        assert names == [
            ("Bert Busy", "no territory set; already has 1 meeting(s) in NY"),
            ("Anna Any", "no territory set"),
            ("Cora West", "territory US-CA (not this contact's)"),
        ]
        east = add_rep(session, "Frank Field", role="field")
        east.territory = "US-NY"
        session.flush()
        first = desk_checks.field_reps_for(session, contact.id)[0]
        assert (first.name, first.why) == ("Frank Field", "covers US-NY")
        busy = desk_checks.busy_times(
            session, [bert.id, anna.id], TUESDAY, TUESDAY + dt.timedelta(days=1)
        )
        assert busy[anna.id] == [] and len(busy[bert.id]) == 1
