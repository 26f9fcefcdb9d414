"""``calldesk demo``: a store with something on every screen, made the way real work is made.

The demo files (see :mod:`calldesk.demo_data`) go through the real importer; reps are added
with the real rep functions; the last days of calling are replayed through the real queue,
script runner, outcome recording and hand-off; field reps review the meetings they were handed
through the real appointment functions. So the demo is also a smoke test of the whole core.
"""

from __future__ import annotations

import datetime as dt
import random
import tempfile
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from calldesk import appointments, outcomes, queue, reps
from calldesk.handoff import Booking, HandoffError
from calldesk.importing.pipeline import ImportOptions, import_file
from calldesk.models import Appointment, Attempt, Campaign, Contact, Rep
from calldesk.scripts import ScriptRunner
from calldesk.scripts.library import get_script
from calldesk.store import Store

QUALIFIERS = (
    ("Ada Moreno", "America/New_York"),
    ("Ben Clarke", "America/Chicago"),
    ("Chloé Martin", "America/Toronto"),
)
FIELD_REPS = (
    ("Frank Okafor", "America/New_York", "US-NY,US-MA,US-PA,US-MD,US-FL,US-GA"),
    (
        "Gina Alvarez",
        "America/Los_Angeles",
        "US-CA,US-WA,US-OR,US-NV,US-AZ,US-UT,US-CO,CA-BC,CA-AB",
    ),
    ("Hector Ruiz", "America/Chicago", "US-IL,US-TX,US-OK,US-LA,US-MN"),
    ("Isabelle Roy", "America/Toronto", "CA-ON,CA-QC,CA-NS"),
)
MANAGER = ("Morgan Lee", "America/New_York")

# How calls end, roughly as on a real floor.
DISPOSITIONS = (
    ("no_answer", 38),
    ("voicemail", 16),
    ("busy", 6),
    ("gatekeeper", 7),
    ("qualified", 24),
    ("not_interested", 6),
    ("bad_number", 3),
)


class DemoError(ValueError):
    """The demo cannot be built here (the store already holds work)."""


def build(
    store: Store,
    *,
    seed: int = 7,
    now: dt.datetime | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Fill ``store`` with the demo; returns a summary (lists, events, calls, appointments)."""
    say = progress or (lambda _message: None)
    now = now or dt.datetime.now(dt.UTC)
    rng = random.Random(seed)
    with store.session() as session:
        if session.scalar(select(func.count()).select_from(Rep)):
            raise DemoError(
                "the demo goes into a new, empty store; this one already has reps "
                "(use --db with a new file)"
            )

    with store.write() as session:
        for name, zone in QUALIFIERS:
            reps.add_rep(session, name, role="qualifier", time_zone=zone)
        for name, zone, territory in FIELD_REPS:
            reps.add_rep(session, name, role="field", time_zone=zone, territory=territory)
        reps.add_rep(session, MANAGER[0], role="manager", time_zone=MANAGER[1])
        # Consumer calls need a registry copy at most 31 days old (fail closed); the demo
        # records empty stand-ins, named as such, so its desk has someone to call. They are
        # dated before the replayed history (the last six weekdays) so those calls were allowed
        # at the time too: a copy counts only from its date.
        from calldesk.models import DncSnapshot

        for source, country in (("us_national", "US"), ("ca_dncl", "CA")):
            session.add(
                DncSnapshot(
                    source=source,
                    country=country,
                    file_name="demo stand-in (empty): import your real registry copy",
                    file_date=now.date() - dt.timedelta(days=14),
                    numbers=0,
                )
            )

    summary: dict[str, Any] = {"imports": {}}
    today = now.date()
    with tempfile.TemporaryDirectory(prefix="calldesk-demo-") as folder:
        from calldesk.demo_data import write_demo_files

        files = write_demo_files(Path(folder), seed)
        plans = (
            (
                files.purchased,
                ImportOptions(
                    list_name="Event planners North America (Vendor X)",
                    source="purchased",
                    country="US",
                    cost=Decimal("1800"),
                ),
            ),
            (
                files.badge_scans,
                ImportOptions(
                    list_name="MeetingsExpo Chicago badge scans",
                    source="trade_show",
                    event="MeetingsExpo Chicago 2026",
                    event_date=today - dt.timedelta(days=4),
                    follow_up_days=10,
                    country="US",
                    cost=Decimal("12500"),
                ),
            ),
            (
                files.webinar,
                ImportOptions(
                    list_name="Hybrid events webinar attendees",
                    source="webinar",
                    event="Webinar: hybrid events that pay off",
                    event_date=today - dt.timedelta(days=2),
                    follow_up_days=14,
                    country="US",
                    cost=Decimal("900"),
                ),
            ),
            (
                files.dormant,
                ImportOptions(list_name="Dormant clients 2023", source="dormant", country="US"),
            ),
        )
        for path, options in plans:
            say(f"importing {path.name}")
            result = import_file(store, path, options)
            summary["imports"][options.list_name] = result.to_json() | {
                "errors": len(result.errors)
            }

    say("replaying the last days of calls")
    summary["calls"] = _replay_calls(store, rng, now)
    say("field reps review their appointments")
    summary["appointments"] = _review_appointments(store, rng, now)
    return summary


def _qualifier_ids(store: Store) -> list[int]:
    with store.session() as session:
        return list(session.scalars(select(Rep.id).where(Rep.role == "qualifier").order_by(Rep.id)))


def _call_times(now: dt.datetime, rng: random.Random) -> list[dt.datetime]:
    """Moments in the last six weekdays when reps were calling (North American afternoons)."""
    moments = []
    day = now.date() - dt.timedelta(days=1)
    days = 0
    while days < 6:
        if day.weekday() < 5:
            days += 1
            start = dt.datetime.combine(day, dt.time(15, 0), tzinfo=dt.UTC)
            minute = 0
            while minute < 6 * 60:
                moments.append(start + dt.timedelta(minutes=minute))
                minute += rng.randint(5, 12)
        day -= dt.timedelta(days=1)
    return sorted(moments)


def _replay_calls(store: Store, rng: random.Random, now: dt.datetime) -> dict[str, int]:
    counts: dict[str, int] = {}
    qualifiers = _qualifier_ids(store)
    codes = [code for code, _weight in DISPOSITIONS]
    weights = [weight for _code, weight in DISPOSITIONS]
    for at in _call_times(now, rng):
        rep_id = rng.choice(qualifiers)
        with store.write() as session:
            offer = queue.next_offer(session, rep_id, at=at)
            if not isinstance(offer, queue.Offer):
                continue
        code = rng.choices(codes, weights)[0]
        ended = at + dt.timedelta(minutes=rng.randint(1, 3) if code != "qualified" else 8)
        try:
            with store.write() as session:
                if code == "qualified":
                    _record_graded(session, offer, rep_id, rng, at, ended)
                else:
                    outcomes.record_outcome(
                        session,
                        claim_id=offer.claim_id,
                        disposition=code,
                        notes=_note(code, rng),
                        started_at=at,
                        ended_at=ended,
                        at=ended,
                    )
        except (HandoffError, outcomes.OutcomeError):
            with store.write() as session:
                queue.release_claim(session, offer.claim_id, at=ended)
            continue
        counts[code] = counts.get(code, 0) + 1
    return counts


def _note(code: str, rng: random.Random) -> str | None:
    notes = {
        "gatekeeper": "Assistant says she is at a site visit; try Thursday morning.",
        "not_interested": rng.choice(("Happy with their agency.", "No events budget this year.")),
        "bad_number": "Number not in service.",
        "voicemail": "Left a short message mentioning the show.",
    }
    return notes.get(code)


def _record_graded(
    session: Any,
    offer: Any,
    rep_id: int,
    rng: random.Random,
    at: dt.datetime,
    ended: dt.datetime,
) -> None:
    contact = session.get(Contact, offer.contact_id)
    campaign = session.get(Campaign, offer.campaign_id) if offer.campaign_id else None
    script_key = (campaign.script_key if campaign else None) or "bant"
    script = get_script(session, script_key)
    # Answer the way a real prospect might: aim at a grade, try answer sets until one gets it.
    target = rng.choices("ABCD", weights=(3, 2, 3, 2))[0]
    runner = _answered(script, rng, at)
    for _try in range(40):
        result = runner.result()
        if result is not None and result.grade == target:
            break
        runner = _answered(script, rng, at)
    booking = None
    if result is not None and result.grade == "A":
        day = at.date() + dt.timedelta(days=rng.randint(1, 6))
        if day.weekday() >= 5:
            day += dt.timedelta(days=7 - day.weekday())
        starts = dt.datetime.combine(day, dt.time(rng.choice((14, 15, 16, 18, 19))), tzinfo=dt.UTC)
        booking = Booking(starts_at=starts, meeting_link="https://meet.example/" + str(contact.id))
    outcomes.record_outcome(
        session,
        claim_id=offer.claim_id,
        disposition=(result.disposition if result is not None else "qualified"),
        answers=runner.answers,
        script_key=script.key,
        script_version=script.version,
        grade_result=result,
        booking=booking,
        started_at=at,
        ended_at=ended,
        notes="Qualified on the phone.",
        at=ended,
    )


def _answered(script: Any, rng: random.Random, at: dt.datetime) -> ScriptRunner:
    runner = ScriptRunner(script, today=at.date())
    while runner.current is not None:
        question = runner.current
        value = _answer(question, rng, at)
        if value is None:
            if not question.required:
                runner.skip()
                continue
            value = _answer(question, rng, at, force=True)
        runner.answer(value)
    return runner


def _answer(question: Any, rng: random.Random, at: dt.datetime, force: bool = False) -> Any:
    kind = question.kind
    if kind == "choice" and question.choices:
        return rng.choice(question.choices).value
    if kind == "multi_choice" and question.choices:
        return [rng.choice(question.choices).value]
    if kind == "yes_no":
        return rng.random() < 0.55
    if kind == "number":
        low = question.minimum if question.minimum is not None else 1
        high = question.maximum if question.maximum is not None else max(low, 1) * 500
        return int(rng.uniform(low, min(high, low + 50000)))
    if kind == "date":
        return (at.date() + dt.timedelta(days=rng.randint(10, 90))).isoformat()
    if kind == "text":
        return rng.choice(("Uses spreadsheets today.", "Two events a year.", "Looking at Q2."))
    if kind == "contact" and force:
        return {
            "first_name": "Jordan",
            "last_name": "Reyes",
            "title": "Director of Events",
            "phone": "+1 312 555 0188",
        }
    return None


def _review_appointments(store: Store, rng: random.Random, now: dt.datetime) -> dict[str, int]:
    with store.session() as session:
        booked = session.scalars(select(Appointment).order_by(Appointment.starts_at)).all()
    counts: dict[str, int] = {"booked": len(booked)}
    rejected_once = False
    for appointment in booked:
        with store.write() as session:
            if not rejected_once:
                appointments.reject(
                    session,
                    appointment.id,
                    reason="not_decision_maker",
                    text="Spoke to an assistant, not the planner.",
                    at=now,
                )
                rejected_once = True
                counts["rejected"] = counts.get("rejected", 0) + 1
                continue
            if rng.random() < 0.25:
                continue  # still waiting for the field rep's review
            appointments.accept(session, appointment.id, at=now)
            counts["accepted"] = counts.get("accepted", 0) + 1
            if appointment.starts_at < now:
                outcome = rng.choice(("held", "held", "opportunity", "no_show"))
                appointments.record_outcome(session, appointment.id, outcome=outcome, at=now)
                counts[outcome] = counts.get(outcome, 0) + 1
    with store.session() as session:
        counts["attempts"] = session.scalar(select(func.count()).select_from(Attempt)) or 0
    return counts
