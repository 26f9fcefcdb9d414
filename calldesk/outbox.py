"""The sync outbox: what must leave calldesk, written in the same transaction as the outcome.

Every entry carries a stable idempotency key, so a receiver that sees a retry can tell it
already has it. Delivery rows (one per configured target) are created by the sync when it
first sees an entry, so adding a target later still delivers everything pending.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from calldesk.models import OutboxEntry


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
    must be stable for the same fact (e.g. ``f"attempt-{attempt.id}-grade"``).
    """
    entry = OutboxEntry(
        idempotency_key=key,
        kind=kind,
        contact_id=contact_id,
        appointment_id=appointment_id,
        payload=payload,
    )
    session.add(entry)
    return entry


def lead_payload(session: Session, contact_id: int, **extra: Any) -> dict[str, Any]:
    """The payload that describes a contact to a receiver (CRM, webhook, calendar).

    ``extra`` adds what the event is about: grade, why, answers, qualifier, appointment, ...
    """
    from calldesk.models import CallList, Company, Contact, ListMember

    contact = session.get(Contact, contact_id)
    if contact is None:
        raise ValueError(f"no contact {contact_id}")
    company = session.get(Company, contact.company_id) if contact.company_id else None
    lists = session.scalars(
        CallList.__table__.select()
        .with_only_columns(CallList.name)
        .join(ListMember, ListMember.list_id == CallList.id)
        .where(ListMember.contact_id == contact_id)
    ).all()
    payload: dict[str, Any] = {
        "contact": {
            "id": contact.id,
            "first_name": contact.first_name,
            "last_name": contact.last_name,
            "title": contact.title,
            "phones": [
                {"e164": p.e164, "extension": p.extension, "label": p.label}
                for p in contact.phones
                if p.e164
            ],
            "emails": [e.address for e in contact.emails],
            "city": contact.city,
            "state": contact.state,
            "postal_code": contact.postal_code,
            "country": contact.country,
        },
        "company": {"id": company.id, "name": company.name} if company else None,
        "grade": contact.grade,
        "why": contact.grade_why,
        "source_lists": list(lists),
    }
    payload.update(extra)
    return payload
