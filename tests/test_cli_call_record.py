"""``calldesk call record`` records a graded call headless, as the desk does: the script's
answers, the grade, the meeting booked with a field rep, a referral captured. SQLite and
PostgreSQL."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import func, select, update
from test_handoff import AT, MEETING, _second_contact, make_world

from calldesk.cli.main import main
from calldesk.models import Appointment, Attempt, Campaign, Contact
from calldesk.store import Store


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, Any, str]:
    code = main(list(args))
    out = capsys.readouterr()
    data = json.loads(out.out) if "--json" in args and code == 0 else None
    return code, data, out.out + out.err


def claim(capsys, db: list[str]) -> int:
    code, data, text = run(
        capsys, "queue", "next", "--rep", "Maya Qualifier", "--at", AT.isoformat(), "--json", *db
    )
    assert code == 0, text
    return data["claim_id"]


def attempts(store: Store) -> int:
    with store.session() as s:
        return s.scalar(select(func.count(Attempt.id)))


BANT_A = [
    "role_fit=decides",
    "need=active",
    "timeline=now",
    "budget=approved",
    "budget_amount=40000",
    "wants_meeting=yes",
    "notes=Uses spreadsheets today",
]


def test_a_graded_call_is_recorded_and_booked_from_the_command_line(
    store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    world = make_world(store)
    with store.write() as s:
        s.execute(update(Campaign).where(Campaign.is_default).values(script_key="bant"))
    db = ["--db", store.url]
    claim_id = claim(capsys, db)
    base = ["call", "record", "--claim", str(claim_id), "--disposition", "qualified"]
    base += ["--at", AT.isoformat(), *db]
    answers = [a for pair in BANT_A for a in ("--answer", pair)]

    # Mistakes are refused with the reason, and nothing is recorded
    code, _, text = run(capsys, *base)
    assert code == 2 and "is required: give it with --answer role_fit=" in text
    code, _, text = run(capsys, *base, "--answer", "colour=blue")
    assert code == 2 and "has no question 'colour'" in text
    code, _, text = run(capsys, *base, *answers, "--grade", "B")
    assert code == 2 and "the answers grade A" in text and "not B" in text
    code, _, text = run(capsys, *base, *answers[:2], "--answer", "need=maybe", *answers[4:])
    assert code == 2 and "not a choice" in text
    code, _, text = run(capsys, *base, *answers, "--book-with", "Dana West")
    assert code == 2 and "--meeting-at" in text
    assert attempts(store) == 0

    # Grade A, booked with the field rep, with a link: the same hand-off as the desk
    code, data, text = run(
        capsys,
        *base,
        *answers,
        "--grade",
        "A",
        "--book-with",
        "Dana West",
        "--meeting-at",
        MEETING.isoformat(),
        "--minutes",
        "30",
        "--link",
        "https://meet.example/acme",
        "--json",
    )
    assert code == 0, text
    assert data["handoff"]["grade"] == "A"
    appointment_id = data["handoff"]["appointment"]["id"]
    with store.session() as s:
        appointment = s.get(Appointment, appointment_id)
        assert appointment.field_rep_id == world.west_id
        assert appointment.starts_at.replace(tzinfo=None) == MEETING.replace(tzinfo=None)
        assert (appointment.ends_at - appointment.starts_at).total_seconds() == 30 * 60
        assert appointment.meeting_link == "https://meet.example/acme"
        attempt = s.scalar(select(Attempt))
        assert (attempt.grade, attempt.script_key) == ("A", "bant")
        assert attempt.answers["budget_amount"] == 40000 and attempt.answers["wants_meeting"]
        assert s.get(Contact, world.contact_id).grade == "A"


def test_a_wrong_person_call_captures_the_referral(
    store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    world = make_world(store)
    db = ["--db", store.url]
    claim_id = claim(capsys, db)
    code, data, text = run(
        capsys,
        "call",
        "record",
        "--claim",
        str(claim_id),
        "--disposition",
        "wrong_person",
        "--notes",
        "She handles events only",
        "--referral-name",
        "Ana Ruiz",
        "--referral-title",
        "VP Operations",
        "--referral-phone",
        "(415) 555-0132",
        "--referral-email",
        "ana.ruiz@acme.example",
        "--at",
        AT.isoformat(),
        "--json",
        *db,
    )
    assert code == 0, text
    with store.session() as s:
        ana = s.get(Contact, data["referral"]["id"])
        assert (ana.first_name, ana.last_name, ana.title) == ("Ana", "Ruiz", "VP Operations")
        assert ana.referred_by_id == world.contact_id and ana.company_id == world.company_id
        assert ana.phones[0].e164 == "+14155550132" and ana.callable
    # a referral without a name is refused before anything is written
    other = _second_contact(store, world)
    assert other
    code, _, text = run(
        capsys,
        "call",
        "record",
        "--claim",
        str(claim(capsys, db)),
        "--disposition",
        "wrong_person",
        "--referral-phone",
        "(415) 555-0199",
        *db,
    )
    assert code == 2 and "--referral-name" in text
