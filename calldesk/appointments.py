"""Appointments as the field rep sees them: review, accept or reject, and record what happened.

This closes the loop on appointment quality. A rejection (with a structured reason) goes back
to the qualifier's queue as a personal callback due at once; outcomes (held, no-show,
opportunity, won, lost) feed the reports. Every change writes an outbox entry, and any change a
calendar must see (accept, reject, reschedule) raises the iCalendar SEQUENCE of the same UID.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from calldesk import outbox
from calldesk.handoff import (
    ACTIVE_STATUSES,
    both_zones,
    conflict_error,
    contact_zone,
    find_conflict,
    lock_field_rep,
)
from calldesk.models import Appointment, Attempt, Callback, Company, Contact, OutboxEntry, Rep
from calldesk.queue import HELD
from calldesk.scripts.library import render_attempt

REJECT_REASONS: dict[str, str] = {
    "not_decision_maker": "Not the decision maker",
    "no_budget": "No budget",
    "no_need": "No need",
    "bad_timing": "Bad timing",
    "duplicate": "Duplicate",
    "other": "Other",
}
OUTCOMES: dict[str, str] = {
    "held": "Held",
    "no_show": "No-show",
    "rescheduled": "Rescheduled",
    "opportunity": "Opportunity",
    "won": "Won",
    "lost": "Lost",
}


class AppointmentError(ValueError):
    """The change cannot be made; the message says why."""


@dataclass(frozen=True)
class AppointmentView:
    """Everything the field-rep screen shows about one appointment."""

    id: int
    uid: str
    sequence: int
    status: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    when: str  # on the field rep's clock and the contact's
    upcoming: bool
    field_rep: dict[str, Any]
    contact: dict[str, Any]
    contact_time_zone: str | None
    qualifier: str | None
    grade: str | None
    why: str | None
    summary: str
    answers: tuple[dict[str, Any], ...]
    notes: str | None
    location: str | None
    meeting_link: str | None
    reject_reason: str | None
    reject_text: str | None
    outcome: str | None
    outcome_at: dt.datetime | None
    feedback: str | None

    def as_dict(self) -> dict[str, Any]:
        data = dict(self.__dict__)
        data["answers"] = list(self.answers)
        for key in ("starts_at", "ends_at", "outcome_at"):
            data[key] = data[key].isoformat() if data[key] else None
        return data


def list_for_field_rep(
    session: Session,
    field_rep_id: int,
    *,
    now: dt.datetime,
    include_past: bool = True,
    include_closed: bool = True,
) -> list[AppointmentView]:
    """A field rep's appointments: upcoming first (soonest first), then past ones (latest first).

    ``include_closed=False`` leaves out rejected and cancelled ones.
    """
    query = select(Appointment).where(Appointment.field_rep_id == field_rep_id)
    if not include_past:
        query = query.where(Appointment.ends_at >= now)
    if not include_closed:
        query = query.where(Appointment.status.in_(ACTIVE_STATUSES))
    rows = list(session.scalars(query))
    upcoming = sorted((a for a in rows if a.ends_at >= now), key=lambda a: (a.starts_at, a.id))
    past = sorted(
        (a for a in rows if a.ends_at < now), key=lambda a: (a.starts_at, a.id), reverse=True
    )
    return [view(session, a, now=now) for a in upcoming + past]


def view(session: Session, appointment: Appointment, *, now: dt.datetime) -> AppointmentView:
    """One appointment with its contact, qualifier, summary and the answers as asked."""
    contact = session.get(Contact, appointment.contact_id)
    assert contact is not None
    company = session.get(Company, contact.company_id) if contact.company_id else None
    field_rep = session.get(Rep, appointment.field_rep_id)
    assert field_rep is not None
    qualifier = session.get(Rep, appointment.qualifier_id) if appointment.qualifier_id else None
    attempt = session.get(Attempt, appointment.attempt_id) if appointment.attempt_id else None
    zone = appointment.contact_time_zone or contact_zone(session, contact)
    answers = tuple(a.as_dict() for a in render_attempt(session, attempt)) if attempt else ()
    return AppointmentView(
        id=appointment.id,
        uid=appointment.uid,
        sequence=appointment.sequence,
        status=appointment.status,
        starts_at=appointment.starts_at,
        ends_at=appointment.ends_at,
        when=both_zones(appointment.starts_at, field_rep.time_zone, zone),
        upcoming=appointment.ends_at >= now,
        field_rep={"id": field_rep.id, "name": field_rep.name, "time_zone": field_rep.time_zone},
        contact={
            "id": contact.id,
            "name": contact.full_name,
            "title": contact.title,
            "company": company.name if company else None,
            "phones": [p.e164 or p.raw for p in contact.phones if p.valid and not p.dnc],
            "emails": [e.address for e in contact.emails],
            "city": contact.city,
            "state": contact.state,
            "country": contact.country,
        },
        contact_time_zone=zone,
        qualifier=qualifier.name if qualifier else None,
        grade=(attempt.grade if attempt and attempt.grade else contact.grade),
        why=(attempt.grade_why if attempt and attempt.grade_why else contact.grade_why),
        summary=appointment.summary or "",
        answers=answers,
        notes=attempt.notes if attempt else None,
        location=appointment.location,
        meeting_link=appointment.meeting_link,
        reject_reason=appointment.reject_reason,
        reject_text=appointment.reject_text,
        outcome=appointment.outcome,
        outcome_at=appointment.outcome_at,
        feedback=appointment.feedback,
    )


def get(session: Session, appointment_id: int, *, field_rep_id: int | None = None) -> Appointment:
    """The appointment ``appointment_id``; with ``field_rep_id`` it must be that rep's."""
    appointment = session.get(Appointment, appointment_id)
    if appointment is None:
        raise AppointmentError(f"there is no appointment {appointment_id}")
    if field_rep_id is not None and appointment.field_rep_id != field_rep_id:
        owner = session.get(Rep, appointment.field_rep_id)
        raise AppointmentError(
            f"appointment {appointment_id} is booked for {owner.name if owner else 'another rep'}"
        )
    return appointment


def accept(
    session: Session,
    appointment_id: int,
    *,
    at: dt.datetime,
    field_rep_id: int | None = None,
    feedback: str | None = None,
) -> Appointment:
    """The field rep takes the meeting (accepting twice changes nothing)."""
    appointment = get(session, appointment_id, field_rep_id=field_rep_id)
    if appointment.status == "accepted":
        return appointment
    if appointment.status != "booked":
        raise AppointmentError(
            f"appointment {appointment_id} is {appointment.status} and cannot be accepted"
        )
    appointment.status = "accepted"
    appointment.reviewed_at = at
    appointment.sequence += 1
    appointment.updated_at = at
    if feedback:
        appointment.feedback = feedback
    _enqueue(
        session, appointment, "appointment.accepted", f"appointment-{appointment.uid}-accepted"
    )
    return appointment


def reject(
    session: Session,
    appointment_id: int,
    *,
    reason: str,
    text: str | None = None,
    at: dt.datetime,
    field_rep_id: int | None = None,
) -> Callback:
    """The field rep turns the meeting down; it goes back to the qualifier with the reason.

    ``reason`` is one of :data:`REJECT_REASONS` (``other`` needs ``text``). The qualifier gets a
    personal callback (kind ``rejected``) due now whose notes carry the reason. Returns it.
    """
    if reason not in REJECT_REASONS:
        raise AppointmentError(
            f"'{reason}' is not a reason; use one of {', '.join(REJECT_REASONS)}"
        )
    text = (text or "").strip() or None
    if reason == "other" and not text:
        raise AppointmentError("a rejection for 'other' reasons needs a few words of text")
    appointment = get(session, appointment_id, field_rep_id=field_rep_id)
    if appointment.status not in ACTIVE_STATUSES:
        raise AppointmentError(
            f"appointment {appointment_id} is {appointment.status} and cannot be rejected"
        )
    if appointment.outcome is not None:
        raise AppointmentError(
            f"appointment {appointment_id} already has an outcome ({appointment.outcome})"
        )
    field_rep = session.get(Rep, appointment.field_rep_id)
    appointment.status = "rejected"
    appointment.reject_reason = reason
    appointment.reject_text = text
    appointment.reviewed_at = at
    appointment.sequence += 1
    appointment.updated_at = at
    label = REJECT_REASONS[reason] + (f": {text}" if text else "")
    contact = session.get(Contact, appointment.contact_id)
    assert contact is not None
    callback = Callback(
        contact_id=contact.id,
        rep_id=appointment.qualifier_id,
        attempt_id=appointment.attempt_id,
        due_at=at,
        personal=appointment.qualifier_id is not None,
        kind="rejected",
        notes=f"Appointment rejected by {field_rep.name if field_rep else 'the field rep'}: "
        f"{label}",
        status="open",
    )
    session.add(callback)
    # Back with marketing: callable again, but held out of the list queue so that it comes
    # back through the callback, to the qualifier who knows the contact first.
    contact.stage = "callback"
    contact.callable = True
    contact.next_eligible_at = HELD
    _enqueue(
        session,
        appointment,
        "appointment.rejected",
        f"appointment-{appointment.uid}-rejected",
        reject_reason=reason,
        reject_text=text,
    )
    session.flush()
    return callback


def record_outcome(
    session: Session,
    appointment_id: int,
    *,
    outcome: str,
    at: dt.datetime,
    feedback: str | None = None,
    starts_at: dt.datetime | None = None,
    field_rep_id: int | None = None,
) -> Appointment:
    """Record what happened: one of :data:`OUTCOMES`.

    ``rescheduled`` with ``starts_at`` also moves the meeting (see :func:`reschedule`).
    """
    if outcome not in OUTCOMES:
        raise AppointmentError(f"'{outcome}' is not an outcome; use one of {', '.join(OUTCOMES)}")
    appointment = get(session, appointment_id, field_rep_id=field_rep_id)
    if appointment.status not in ACTIVE_STATUSES:
        raise AppointmentError(
            f"appointment {appointment_id} is {appointment.status}; it has no outcome"
        )
    if starts_at is not None:
        if outcome != "rescheduled":
            raise AppointmentError("a new time goes with the outcome 'rescheduled'")
        reschedule(session, appointment_id, starts_at=starts_at, at=at)
    appointment.outcome = outcome
    appointment.outcome_at = at
    appointment.updated_at = at
    if feedback:
        appointment.feedback = feedback
    key = f"appointment-{appointment.uid}-outcome-{outcome}-{appointment.sequence}"
    if session.scalar(select(OutboxEntry.id).where(OutboxEntry.idempotency_key == key)) is None:
        _enqueue(session, appointment, "appointment.outcome", key, outcome=outcome)
    return appointment


def reschedule(
    session: Session,
    appointment_id: int,
    *,
    starts_at: dt.datetime,
    at: dt.datetime,
    minutes: int | None = None,
) -> Appointment:
    """Move a meeting: same UID, next SEQUENCE; a clash in the field rep's calendar is refused."""
    appointment = get(session, appointment_id)
    if appointment.status not in ACTIVE_STATUSES:
        raise AppointmentError(
            f"appointment {appointment_id} is {appointment.status} and cannot be moved"
        )
    if starts_at.tzinfo is None:
        raise AppointmentError("the new time must carry its time zone")
    length = (
        dt.timedelta(minutes=minutes) if minutes else appointment.ends_at - appointment.starts_at
    )
    ends_at = starts_at + length
    lock_field_rep(session, appointment.field_rep_id)
    clash = find_conflict(
        session, appointment.field_rep_id, starts_at, ends_at, exclude_id=appointment.id
    )
    if clash is not None:
        field_rep = session.get(Rep, appointment.field_rep_id)
        assert field_rep is not None
        raise conflict_error(session, field_rep, clash)
    appointment.starts_at = starts_at
    appointment.ends_at = ends_at
    appointment.sequence += 1
    appointment.updated_at = at
    _enqueue(
        session,
        appointment,
        "appointment.rescheduled",
        f"appointment-{appointment.uid}-seq-{appointment.sequence}",
    )
    return appointment


def for_qualifier(session: Session, qualifier_id: int) -> list[Appointment]:
    """Appointments a qualifier booked, newest first (for the rep's own figures)."""
    return list(
        session.scalars(
            select(Appointment)
            .where(Appointment.qualifier_id == qualifier_id)
            .order_by(Appointment.starts_at.desc())
        )
    )


def upcoming_ids(
    session: Session, *, now: dt.datetime, field_rep_id: int | None = None
) -> list[int]:
    """Ids of meetings that have not ended (for a calendar export)."""
    query = select(Appointment.id).where(Appointment.ends_at >= now)
    if field_rep_id is not None:
        query = query.where(Appointment.field_rep_id == field_rep_id)
    return list(session.scalars(query.order_by(Appointment.starts_at)))


def upcoming_counts(
    session: Session, *, now: dt.datetime, field_rep_id: int | None = None
) -> tuple[int, int]:
    """(upcoming, closed) meetings that have not ended by ``now``.

    "Upcoming" is one definition for every screen and message: not ended and still on
    (booked or accepted). "Closed" ones (rejected, cancelled) still go into a calendar export
    so the calendar learns they are off.
    """
    query = select(Appointment.status).where(Appointment.ends_at >= now)
    if field_rep_id is not None:
        query = query.where(Appointment.field_rep_id == field_rep_id)
    statuses = list(session.scalars(query))
    active = sum(1 for status in statuses if status in ACTIVE_STATUSES)
    return active, len(statuses) - active


def _enqueue(session: Session, appointment: Appointment, kind: str, key: str, **extra: Any) -> None:
    session.flush()
    field_rep = session.get(Rep, appointment.field_rep_id)
    outbox.enqueue(
        session,
        kind,
        key=key,
        contact_id=appointment.contact_id,
        appointment_id=appointment.id,
        payload=outbox.lead_payload(
            session,
            appointment.contact_id,
            appointment=outbox.appointment_dict(appointment),
            field_rep={"id": field_rep.id, "name": field_rep.name} if field_rep else None,
            **extra,
        ),
    )
