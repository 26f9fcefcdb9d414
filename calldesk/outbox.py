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
