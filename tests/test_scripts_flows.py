"""Every default script, driven by the runner to every grade, handed off on a real store.

Each case answers the questions the runner asks (skipping the rest) and checks the grade, its
"why", and the rows the hand-off wrote: appointment, follow-up date, nurture date, closed reason,
referred contact.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import func, select
from test_handoff import AT, LA, MEETING, make_world, run_call, video

from calldesk.models import Appointment, Callback, Contact, OutboxEntry
from calldesk.queue import HELD
from calldesk.store import Store

REFERRAL = {"first_name": "Ana", "last_name": "Ruiz", "phone": "(415) 555-0132"}


def local_ten(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(10), LA).astimezone(dt.UTC)


TODAY = AT.astimezone(LA).date()

# (script, grade, answers, "why" must contain, what else to check)
CASES: list[tuple[str, str, dict[str, Any], str, dict[str, Any]]] = [
    # --- general BANT -----------------------------------------------------------------------
    (
        "bant",
        "A",
        {
            "role_fit": "decides",
            "need": "active",
            "timeline": "now",
            "budget": "approved",
            "budget_amount": 60000,
            "wants_meeting": True,
        },
        "Need: Actively looking for a solution; Wants a meeting: Yes; Timeline: Within 3 months",
        {"minutes": 45},
    ),
    (
        "bant",
        "B",
        {"role_fit": "decides", "need": "active", "timeline": "later", "wants_meeting": False},
        "Has a need and a timeline, wants a call later",
        {"due": local_ten(TODAY + dt.timedelta(days=30))},  # no date given: script's 30 days
    ),
    (
        "bant",
        "C",
        {"role_fit": "influences", "need": "pain", "timeline": "none", "wants_meeting": False},
        "Fits, but no immediate need. Need: Has a problem, not looking yet",
        {"due": local_ten(TODAY + dt.timedelta(days=90))},
    ),
    (
        "bant",
        "D",
        {"role_fit": "decides", "need": "not_fit"},
        "Does not fit our criteria. Need: Does not fit (size, industry, no use)",
        {},
    ),
    (
        "bant",
        "D",
        {"role_fit": "wrong_person", "right_person": REFERRAL},
        "Not the person who decides; referred to a colleague",
        {"referral": True},
    ),
    # --- trade show ---------------------------------------------------------------------------
    (
        "trade_show",
        "A",
        {
            "visit_reason": "interested",
            "role": "decides",
            "need": "project",
            "team_size": 12,
            "wants_meeting": True,
        },
        "Has a project and wants to meet a field rep. Need: A project now; Wants a meeting: Yes",
        {"minutes": 45},
    ),
    (
        "trade_show",
        "B",
        {
            "visit_reason": "interested",
            "role": "influences",
            "need": "later",
            "wants_meeting": False,
            "follow_up_on": "2027-01-12",
        },
        "Has a project, wants a call later. Need: A project later this year",
        {"due": local_ten(dt.date(2027, 1, 12))},
    ),
    (
        "trade_show",
        "C",
        {"visit_reason": "interested", "role": "decides", "need": "none"},
        "Right profile, no project yet",
        {"due": local_ten(TODAY + dt.timedelta(days=90))},
    ),
    (
        "trade_show",
        "D",
        {"visit_reason": "giveaway"},
        "Came to the booth for the giveaway",
        {},
    ),
    (
        "trade_show",
        "D",
        {"visit_reason": "interested", "role": "wrong_person", "right_person": REFERRAL},
        "Right company, wrong person; the decision maker was captured. Role: No, someone else",
        {"referral": True},
    ),
    # --- webinar ------------------------------------------------------------------------------
    (
        "webinar",
        "A",
        {
            "watched": "live",
            "signup_reason": "project",
            "team_size": 20,
            "decision_by": "2027-03-31",
            "wants_meeting": True,
        },
        "Has a project of a useful size and wants to meet. Wants a meeting: Yes",
        {"minutes": 30},
    ),
    (
        "webinar",
        "B",
        {
            "watched": "recording",
            "signup_reason": "project",
            "team_size": 8,
            "decision_by": "2027-01-15",
            "wants_meeting": False,
        },
        "call back before the decision date. Decision by: Fri 15 Jan 2027",
        {"due": local_ten(dt.date(2027, 1, 15))},
    ),
    (
        "webinar",
        "C",
        {"watched": "not_seen", "send_recording": True, "signup_reason": "research"},
        "Fits, no meeting wanted now. Reason: Researching for later",
        {"due": local_ten(TODAY + dt.timedelta(days=60))},
    ),
    (
        "webinar",
        "D",
        {"watched": "live", "signup_reason": "project", "team_size": 3},
        "Team below our minimum size of 5. Team size: 3",
        {},
    ),
    (
        "webinar",
        "D",
        {"watched": "live", "signup_reason": "student_vendor"},
        "Signed up as a student, vendor or competitor",
        {},
    ),
    # --- whitepaper ---------------------------------------------------------------------------
    (
        "whitepaper",
        "A",
        {
            "reason": "project",
            "drivers": ["cost", "compliance"],
            "current_solution": "manual",
            "role": "decides",
            "wants_meeting": True,
        },
        "Evaluating for a project and wants to meet",
        {"minutes": 45, "summary": "- Drivers: Cost, Compliance"},
    ),
    (
        "whitepaper",
        "B",
        {"reason": "project", "role": "influences", "wants_meeting": False},
        "Evaluating for a project, wants a call later",
        {"due": local_ten(TODAY + dt.timedelta(days=30))},
    ),
    (
        "whitepaper",
        "C",
        {"reason": "research", "current_solution": "in_house"},
        "Researching, no project yet",
        {"due": local_ten(TODAY + dt.timedelta(days=120))},
    ),
    (
        "whitepaper",
        "D",
        {"reason": "writing"},
        "Downloaded for a paper or for competitive information. Why downloaded: Writing",
        {},
    ),
    (
        "whitepaper",
        "D",
        {
            "reason": "project",
            "role": "wrong_person",
            "right_person": {"first_name": "Kim", "email": "kim@acme.example"},
        },
        "the decision maker was captured",
        {"referral": "needs_review"},
    ),
    # --- dormant client -----------------------------------------------------------------------
    (
        "dormant_client",
        "A",
        {
            "still_there": True,
            "why_stopped": "service",
            "still_need": True,
            "yearly_spend": 20000,
            "wants_meeting": True,
        },
        "Still buys and wants to meet again",
        {"minutes": 45},
    ),
    (
        "dormant_client",
        "B",
        {
            "still_there": True,
            "why_stopped": "price",
            "still_need": True,
            "next_purchase": "2027-03-01",
            "wants_meeting": False,
        },
        "Plans to buy again; call before the next purchase. Next purchase: Mon 1 Mar 2027",
        {"due": local_ten(dt.date(2027, 3, 1))},
    ),
    (
        "dormant_client",
        "C",
        {"still_there": True, "why_stopped": "no_need"},
        "Keep in touch until the need comes back. Why stopped: No need at the moment",
        {"due": local_ten(TODAY + dt.timedelta(days=180))},
    ),
    (
        "dormant_client",
        "D",
        {"still_there": True, "why_stopped": "closed"},
        "Business closed or changed",
        {},
    ),
    (
        "dormant_client",
        "D",
        {"still_there": False, "right_person": REFERRAL},
        "Contact moved on; the new person was captured. Still responsible: No",
        {"referral": True},
    ),
    # --- open territory -----------------------------------------------------------------------
    (
        "open_territory",
        "A",
        {
            "still_contact": True,
            "is_customer": True,
            "open_issues": "Invoice question",
            "plans": ["expansion"],
            "wants_visit": True,
        },
        "Has plans and wants a visit. Wants a visit: Yes",
        {"minutes": 45, "summary": "- Open issues: Invoice question"},
    ),
    (
        "open_territory",
        "B",
        {
            "still_contact": True,
            "is_customer": False,
            "plans": ["replacement", "new_site"],
            "wants_visit": False,
            "visit_when": "2027-04-06",
        },
        "Has plans, wants a call later",
        {"due": local_ten(dt.date(2027, 4, 6))},
    ),
    (
        "open_territory",
        "C",
        {"still_contact": True, "is_customer": True, "plans": ["nothing"]},
        "Nothing planned this year; keep in touch. Plans this year: Nothing planned",
        {"due": local_ten(TODAY + dt.timedelta(days=120))},
    ),
    (
        "open_territory",
        "D",
        {"still_contact": True, "is_customer": False, "plans": ["closing"]},
        "Closing or moving the site",
        {},
    ),
    (
        "open_territory",
        "D",
        {"still_contact": False, "right_person": REFERRAL},
        "No longer the right contact; the new one was captured",
        {"referral": True},
    ),
]


def test_every_default_script_reaches_every_grade_here() -> None:
    reached = {(key, grade) for key, grade, *_ in CASES}
    keys = {key for key, *_ in CASES}
    assert reached == {(k, g) for k in keys for g in "ABCD"}
    assert len(keys) == 6


@pytest.mark.parametrize(
    ("key", "grade", "answers", "why", "check"),
    CASES,
    ids=[f"{c[0]}-{c[1]}-{i}" for i, c in enumerate(CASES)],
)
def test_script_to_grade_and_hand_off(
    sqlite_store: Store,
    key: str,
    grade: str,
    answers: dict[str, Any],
    why: str,
    check: dict[str, Any],
) -> None:
    world = make_world(sqlite_store)
    booking = video() if grade == "A" else None
    result, outcome, attempt_id = run_call(sqlite_store, world, key, answers, booking=booking)
    assert result.grade == grade
    assert result.why.startswith(f"{grade} (")
    assert why in result.why, result.why
    assert result.script_key == key and result.script_version == 1
    with sqlite_store.session() as s:
        contact = s.get(Contact, world.contact_id)
        assert (contact.grade, contact.grade_why) == (grade, result.why)
        callbacks = list(s.scalars(select(Callback)))
        appointments = list(s.scalars(select(Appointment)))
        graded = s.scalar(
            select(OutboxEntry).where(OutboxEntry.idempotency_key == f"attempt-{attempt_id}-graded")
        )
        assert graded.payload["grade"] == grade and graded.payload["why"] == result.why
        if grade == "A":
            (appointment,) = appointments
            assert appointment.field_rep_id == world.west_id
            assert appointment.ends_at - appointment.starts_at == dt.timedelta(
                minutes=check["minutes"]
            )
            assert appointment.starts_at == MEETING
            assert appointment.summary.startswith(result.why)
            assert check.get("summary", "") in appointment.summary
            assert contact.stage == "appointment" and not contact.callable
            assert callbacks == []
        elif grade == "B":
            (callback,) = callbacks
            assert (callback.kind, callback.personal) == ("follow_up", True)
            assert callback.rep_id == world.qualifier_id
            assert callback.due_at == check["due"]
            assert contact.stage == "callback" and contact.next_eligible_at == HELD
            assert appointments == []
        elif grade == "C":
            (callback,) = callbacks
            assert (callback.kind, callback.personal) == ("nurture", False)
            assert callback.due_at == check["due"]
            assert contact.stage == "nurture" and contact.callable
        else:
            assert (contact.stage, contact.callable) == ("closed", False)
            assert contact.closed_reason == result.why
            assert callbacks == [] and appointments == []
        referred = list(s.scalars(select(Contact).where(Contact.referred_by_id == contact.id)))
        if check.get("referral"):
            (new,) = referred
            assert result.disposition == "wrong_person"
            assert new.company_id == world.company_id and new.stage != "closed"
            if check["referral"] == "needs_review":
                assert (new.callable, new.stage) == (False, "needs_review")
                assert new.emails[0].address == "kim@acme.example"
            else:
                assert new.callable and new.phones[0].e164 == "+14155550132"
                assert (new.tier, new.priority) == (contact.tier, contact.priority)
        else:
            assert referred == []
            assert result.disposition == "qualified"
        assert s.scalar(select(func.count()).select_from(Contact)) == 1 + len(referred)
