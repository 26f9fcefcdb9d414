"""The sync outbox: what must leave calldesk, written in the same transaction as the outcome.

Every entry carries a stable idempotency key, so a receiver that sees a retry can tell it
already has it. Delivery rows (one per configured target) are created by the sync when it
first sees an entry, so adding a target later still delivers everything pending.

The payload of an entry is a full snapshot of the contact as a receiver needs it (see
:func:`lead_payload`): the CRM, the webhook and the calendar never have to call back for more.
Numbers on the do-not-call list never leave calldesk: they are left out of every payload.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from calldesk.models import (
    Appointment,
    Attempt,
    CallList,
    Company,
    Contact,
    DncEntry,
    Email,
    Event,
    EventEngagement,
    ListMember,
    OutboxEntry,
    Phone,
    Rep,
    utcnow,
)

# Outcome kinds the rest of calldesk writes; a team may add its own (targets filter on prefix).
KIND_LEAD_GRADED = "lead.graded"
KIND_APPOINTMENT_BOOKED = "appointment.booked"
KIND_APPOINTMENT_UPDATED = "appointment.updated"
KIND_APPOINTMENT_CANCELLED = "appointment.cancelled"
KIND_APPOINTMENT_OUTCOME = "appointment.outcome"


def enqueue(
    session: Session,
    kind: str,
    *,
    key: str,
    payload: dict[str, Any],
    contact_id: int | None = None,
    appointment_id: int | None = None,
) -> OutboxEntry:
    """Add an outbox entry inside the caller's transaction.

    ``kind`` is e.g. ``lead.graded``, ``appointment.booked``, ``appointment.outcome``; ``key``
    must be stable for the same fact (e.g. ``f"attempt-{attempt.id}-grade"``). Dates, times and
    decimals in ``payload`` are stored as ISO strings and numbers (the column is JSON).
    """
    entry = OutboxEntry(
        idempotency_key=key,
        kind=kind,
        contact_id=contact_id,
        appointment_id=appointment_id,
        payload=jsonable(payload),
    )
    session.add(entry)
    return entry


def add(
    session: Session,
    kind: str,
    *,
    key: str,
    payload: dict[str, Any],
    contact_id: int | None = None,
) -> None:
    """:func:`enqueue` as one prepared driver INSERT, for the per-call hot path (no ORM object,
    no SQL compiled): the payload as JSON text and ``created_at`` as naive UTC, as the model's
    column types write them.

    ``payload`` must already be JSON-friendly (see :func:`jsonable`).
    """
    from calldesk.queue import _q, _ts  # late: the queue is heavier to import than this module

    _q(
        session,
        _INSERT_SQL,
        key,
        kind,
        contact_id,
        None,
        json.dumps(payload),
        _ts(session, utcnow()),
    )


_INSERT_SQL = (
    "INSERT INTO outbox (idempotency_key, kind, contact_id, appointment_id, payload, created_at) "
    "VALUES (?, ?, ?, ?, ?, ?)"
)


def jsonable(value: Any) -> Any:
    """``value`` with datetimes, dates and decimals turned into JSON-friendly values."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def lead_payload(session: Session, contact_id: int, **extra: Any) -> dict[str, Any]:
    """The payload that describes a contact to a receiver (CRM, webhook, calendar).

    Holds the contact (phones in E.164 without any number on the DNC list, emails), the
    company, grade and why, the answers, script and qualifier of the latest graded attempt, the
    source lists and events, and the contact's latest appointment. ``extra`` adds or overrides
    what the event is about: grade, why, answers, qualifier, appointment, ...
    """
    payloads = lead_payloads(session, [contact_id])
    if contact_id not in payloads:
        raise ValueError(f"no contact {contact_id}")
    payload = payloads[contact_id]
    payload.update(jsonable(extra))
    return payload


def lead_payloads(session: Session, contact_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """:func:`lead_payload` for many contacts at once, in a fixed number of queries.

    Used by exports that stream a million rows: call it with chunks of a few thousand ids.
    """
    ids = sorted(set(contact_ids))
    if not ids:
        return {}
    # Plain column rows, not ORM objects: an export builds a million of these.
    rows = session.execute(
        select(
            Contact.id,
            Contact.company_id,
            Contact.first_name,
            Contact.last_name,
            Contact.title,
            Contact.street,
            Contact.city,
            Contact.state,
            Contact.postal_code,
            Contact.country,
            Contact.dnc,
            Contact.grade,
            Contact.grade_why,
            Contact.stage,
        ).where(Contact.id.in_(ids))
    ).all()
    if not rows:
        return {}
    company_ids = {r.company_id for r in rows if r.company_id is not None}
    companies = {
        c.id: {
            "id": c.id,
            "name": c.name,
            "website": c.website,
            "industry": c.industry,
            "city": c.city,
            "state": c.state,
            "country": c.country,
        }
        for c in session.execute(
            select(
                Company.id,
                Company.name,
                Company.website,
                Company.industry,
                Company.city,
                Company.state,
                Company.country,
            ).where(Company.id.in_(company_ids))
        )
    }

    phones: dict[int, list[Any]] = defaultdict(list)
    for phone in session.execute(
        select(
            Phone.contact_id,
            Phone.e164,
            Phone.extension,
            Phone.label,
            Phone.number_type,
            Phone.valid,
            Phone.dnc,
        )
        .where(Phone.contact_id.in_(ids))
        .order_by(Phone.contact_id, Phone.position)
    ):
        phones[phone.contact_id].append(phone)
    all_e164 = {p.e164 for plist in phones.values() for p in plist if p.e164}
    dnc_numbers = dnc_numbers_among(session, all_e164)

    emails: dict[int, list[str]] = defaultdict(list)
    for contact_id, address in session.execute(
        select(Email.contact_id, Email.address)
        .where(Email.contact_id.in_(ids))
        .order_by(Email.contact_id, Email.id)
    ):
        emails[contact_id].append(address)

    lists: dict[int, list[dict[str, Any]]] = defaultdict(list)
    events: dict[int, dict[int, dict[str, Any]]] = defaultdict(dict)
    event_rows: dict[int, Event] = {}
    for contact_id, call_list, event in session.execute(
        select(ListMember.contact_id, CallList, Event)
        .join(CallList, CallList.id == ListMember.list_id)
        .outerjoin(Event, Event.id == CallList.event_id)
        .where(ListMember.contact_id.in_(ids))
        .order_by(ListMember.contact_id, CallList.id)
    ):
        lists[contact_id].append(
            {"id": call_list.id, "name": call_list.name, "source_kind": call_list.source_kind}
        )
        if event is not None:
            event_rows[event.id] = event
            events[contact_id].setdefault(event.id, _event_dict(event, None))
    for engagement, event in session.execute(
        select(EventEngagement, Event)
        .join(Event, Event.id == EventEngagement.event_id)
        .where(EventEngagement.contact_id.in_(ids))
        .order_by(EventEngagement.contact_id, Event.id)
    ):
        events[engagement.contact_id][event.id] = _event_dict(event, engagement)

    reps: dict[int, Rep] = {}

    def rep_dict(rep_id: int | None) -> dict[str, Any] | None:
        if rep_id is None:
            return None
        rep = reps.get(rep_id)
        if rep is None:
            rep = session.get(Rep, rep_id)
            if rep is None:
                return None
            reps[rep_id] = rep
        return {"id": rep.id, "name": rep.name, "email": rep.email}

    graded: dict[int, Any] = {}
    for attempt in session.execute(
        select(
            Attempt.contact_id,
            Attempt.rep_id,
            Attempt.answers,
            Attempt.notes,
            Attempt.script_key,
            Attempt.script_version,
            Attempt.started_at,
        )
        .where(Attempt.contact_id.in_(ids), Attempt.grade.is_not(None))
        .order_by(Attempt.contact_id, Attempt.started_at, Attempt.id)
    ):
        graded[attempt.contact_id] = attempt  # the latest wins

    appointments: dict[int, Appointment] = {}
    for appointment in session.scalars(
        select(Appointment)
        .where(Appointment.contact_id.in_(ids))
        .order_by(Appointment.contact_id, Appointment.created_at, Appointment.id)
    ):
        appointments[appointment.contact_id] = appointment
    rep_ids = {a.rep_id for a in graded.values() if a.rep_id}
    rep_ids |= {a.field_rep_id for a in appointments.values()}
    rep_ids |= {a.qualifier_id for a in appointments.values() if a.qualifier_id}
    if rep_ids:
        for rep in session.scalars(select(Rep).where(Rep.id.in_(rep_ids))):
            reps[rep.id] = rep

    result: dict[int, dict[str, Any]] = {}
    for contact in rows:
        company = companies.get(contact.company_id) if contact.company_id else None
        attempt = graded.get(contact.id)
        appointment = appointments.get(contact.id)
        contact_phones = [
            {
                "e164": p.e164,
                "extension": p.extension,
                "label": p.label,
                "type": p.number_type,
            }
            for p in phones.get(contact.id, [])
            if p.e164 and p.valid and not p.dnc and p.e164 not in dnc_numbers and not contact.dnc
        ]
        contact_emails = emails.get(contact.id, [])
        qualifier_id = attempt.rep_id if attempt else None
        if qualifier_id is None and appointment is not None:
            qualifier_id = appointment.qualifier_id
        result[contact.id] = {
            "contact": {
                "id": contact.id,
                "first_name": contact.first_name,
                "last_name": contact.last_name,
                "full_name": " ".join(p for p in (contact.first_name, contact.last_name) if p)
                or "(no name)",
                "title": contact.title,
                "phones": contact_phones,
                "email": contact_emails[0] if contact_emails else None,
                "emails": contact_emails,
                "street": contact.street,
                "city": contact.city,
                "state": contact.state,
                "postal_code": contact.postal_code,
                "country": contact.country,
                "do_not_call": bool(contact.dnc),
            },
            "company": dict(company) if company is not None else None,
            "grade": contact.grade,
            "why": contact.grade_why,
            "stage": contact.stage,
            "answers": (attempt.answers if attempt else None) or {},
            "notes": attempt.notes if attempt else None,
            "qualifier": rep_dict(qualifier_id),
            "script": (
                {"key": attempt.script_key, "version": attempt.script_version}
                if attempt and attempt.script_key
                else None
            ),
            "graded_at": attempt.started_at.isoformat() if attempt else None,
            "source": {
                "lists": lists.get(contact.id, []),
                "events": list(events.get(contact.id, {}).values()),
            },
            "source_lists": [item["name"] for item in lists.get(contact.id, [])],
            "appointment": (
                appointment_dict(appointment, rep_dict) if appointment is not None else None
            ),
        }
    return result


def appointment_dict(appointment: Appointment, rep_dict: Any = None) -> dict[str, Any]:
    """An appointment as it appears in a payload (times as ISO 8601 UTC)."""

    def rep(rep_id: int | None) -> Any:
        if rep_dict is None:
            return {"id": rep_id} if rep_id is not None else None
        return rep_dict(rep_id)

    return {
        "id": appointment.id,
        "uid": appointment.uid,
        "sequence": appointment.sequence,
        "starts_at": appointment.starts_at.isoformat(),
        "ends_at": appointment.ends_at.isoformat(),
        "time_zone": appointment.contact_time_zone,
        "location": appointment.location,
        "meeting_link": appointment.meeting_link,
        "summary": appointment.summary,
        "status": appointment.status,
        "outcome": appointment.outcome,
        "reject_reason": appointment.reject_reason,
        "field_rep": rep(appointment.field_rep_id),
        "qualifier": rep(appointment.qualifier_id),
    }


def _event_dict(event: Event, engagement: EventEngagement | None) -> dict[str, Any]:
    return {
        "id": event.id,
        "name": event.name,
        "kind": event.kind,
        "date": event.event_date.isoformat() if event.event_date else None,
        "rating": engagement.rating if engagement else None,
        "attended": engagement.attended if engagement else None,
    }


def dnc_numbers_among(session: Session, numbers: Iterable[str]) -> set[str]:
    """The E.164 numbers of ``numbers`` that are on the DNC list (any source)."""
    wanted = sorted(set(numbers))
    found: set[str] = set()
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        found.update(session.scalars(select(DncEntry.e164).where(DncEntry.e164.in_(chunk))))
    return found
