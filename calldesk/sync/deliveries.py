"""Which outbox entries go to which target, and how many wait: shared by runs and the review.

Each entry gets one delivery row per target that takes it, in one of :data:`STATES`; an entry
no run has seen yet has no row (it is "not materialised") and counts as pending.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import exists, func, literal, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from calldesk.models import OutboxDelivery, OutboxEntry
from calldesk.sync.config import Target

STATES = ("pending", "delivered", "failed", "skipped")


class SyncError(Exception):
    """A sync request that cannot be done (unknown target, entry already delivered, ...)."""


def takes(target: Target) -> list[Any]:
    """SQL conditions on OutboxEntry for the entries ``target`` takes."""
    conditions: list[Any] = [OutboxEntry.id > target.start_after_id]
    if target.type == "calendar":
        conditions.append(OutboxEntry.kind.startswith("appointment.", autoescape=True))
        conditions.append(OutboxEntry.appointment_id.is_not(None))
    if target.kinds:
        conditions.append(
            or_(*(OutboxEntry.kind.startswith(k, autoescape=True) for k in target.kinds))
        )
    return conditions


def not_materialised(target: Target) -> Any:
    return ~exists().where(
        OutboxDelivery.outbox_id == OutboxEntry.id, OutboxDelivery.target == target.name
    )


def materialise(session: Session, target: Target) -> None:
    """Create the missing ``pending`` delivery rows of ``target`` (inside a write transaction).

    An anti-join rather than a high-water mark: an entry whose transaction commits late, with a
    lower id than one already seen, is still found.
    """
    source = select(OutboxEntry.id, literal(target.name), literal("pending"), literal(0)).where(
        *takes(target), not_materialised(target)
    )
    columns = ["outbox_id", "target", "state", "attempts"]
    dialect = session.get_bind().dialect.name
    insert_fn = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert_fn(OutboxDelivery).from_select(columns, source).on_conflict_do_nothing()
    session.execute(statement)


def unmaterialised_count(session: Session, target: Target) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(OutboxEntry)
            .where(*takes(target), not_materialised(target))
        )
        or 0
    )


def pending_count(session: Session, target: Target) -> int:
    return state_count(session, target.name, "pending") + unmaterialised_count(session, target)


def state_count(session: Session, target: str, state: str) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(OutboxDelivery)
            .where(OutboxDelivery.target == target, OutboxDelivery.state == state)
        )
        or 0
    )
