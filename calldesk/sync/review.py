"""The review of deliveries: counts per target, the list, retry and skip.

What the sync screen and ``calldesk sync status|list|retry|skip`` show and do. A delivered entry
is never retried or skipped (that would send it twice, or hide that it was sent).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from calldesk.models import Contact, OutboxDelivery, OutboxEntry
from calldesk.store import Store
from calldesk.sync.config import Target, load_targets
from calldesk.sync.deliveries import STATES, SyncError, materialise, unmaterialised_count


@dataclass
class TargetStatus:
    """Delivery counts of one target, for the sync screen and ``calldesk sync status``."""

    name: str
    type: str | None  # None: no longer configured, but has delivery history
    pending: int = 0
    delivered: int = 0
    failed: int = 0
    skipped: int = 0
    next_try_at: dt.datetime | None = None
    last_error: str | None = None
    last_delivered_at: dt.datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("next_try_at", "last_delivered_at"):
            data[key] = data[key].isoformat() if data[key] else None
        return data


@dataclass
class DeliveryView:
    """One entry's delivery to one target, as the review list shows it."""

    entry_id: int
    target: str
    state: str
    kind: str
    key: str
    contact_id: int | None
    contact_name: str | None
    attempts: int
    last_error: str | None
    next_try_at: dt.datetime | None
    delivered_at: dt.datetime | None
    created_at: dt.datetime

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("next_try_at", "delivered_at", "created_at"):
            data[key] = data[key].isoformat() if data[key] else None
        return data


def prepare_review(store: Store, config: dict[str, Target] | None = None) -> None:
    """Create the delivery rows no run has made yet, so the review lists every pending entry.

    Safe while a sync runs (rows that exist already are left alone).
    """
    config = load_targets() if config is None else config
    with store.write() as session:
        for target in config.values():
            if target.enabled:
                materialise(session, target)


def target_status(store: Store, name: str, target: Target | None = None) -> TargetStatus:
    """Counts per state for one target (pending includes entries not yet seen by a run)."""
    status = TargetStatus(name=name, type=target.type if target else None)
    with store.session() as session:
        for state, count in session.execute(
            select(OutboxDelivery.state, func.count())
            .where(OutboxDelivery.target == name)
            .group_by(OutboxDelivery.state)
        ):
            if state in STATES:
                setattr(status, state, count)
        if target is not None:
            status.pending += unmaterialised_count(session, target)
        status.next_try_at = session.scalar(
            select(func.min(OutboxDelivery.next_try_at)).where(
                OutboxDelivery.target == name, OutboxDelivery.state == "pending"
            )
        )
        status.last_error = session.scalar(
            select(OutboxDelivery.last_error)
            .where(
                OutboxDelivery.target == name,
                OutboxDelivery.state.in_(("pending", "failed")),
                OutboxDelivery.last_error.is_not(None),
            )
            .order_by(OutboxDelivery.outbox_id)
            .limit(1)
        )
        status.last_delivered_at = session.scalar(
            select(func.max(OutboxDelivery.delivered_at)).where(OutboxDelivery.target == name)
        )
    return status


def sync_status(store: Store, config: dict[str, Target] | None = None) -> dict[str, TargetStatus]:
    """Status of every configured target, and of removed ones that still have history."""
    config = load_targets() if config is None else config
    with store.session() as session:
        seen = set(session.scalars(select(OutboxDelivery.target).distinct()))
    names = sorted(set(config) | seen)
    return {name: target_status(store, name, config.get(name)) for name in names}


def list_deliveries(
    store: Store,
    target: str,
    *,
    state: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[DeliveryView]:
    """Deliveries of one target (optionally in one state), oldest entry first.

    Entries a run has not seen yet are not listed (``sync_status`` counts them as pending).
    """
    if state is not None and state not in STATES:
        raise SyncError(f"state must be one of {', '.join(STATES)}")
    query = (
        select(OutboxDelivery, OutboxEntry, Contact.first_name, Contact.last_name)
        .join(OutboxEntry, OutboxEntry.id == OutboxDelivery.outbox_id)
        .outerjoin(Contact, Contact.id == OutboxEntry.contact_id)
        .where(OutboxDelivery.target == target)
        .order_by(OutboxDelivery.outbox_id)
        .limit(limit)
        .offset(offset)
    )
    if state is not None:
        query = query.where(OutboxDelivery.state == state)
    with store.session() as session:
        rows = session.execute(query).all()
    return [
        DeliveryView(
            entry_id=entry.id,
            target=delivery.target,
            state=delivery.state,
            kind=entry.kind,
            key=entry.idempotency_key,
            contact_id=entry.contact_id,
            contact_name=" ".join(p for p in (first, last) if p) or None,
            attempts=delivery.attempts,
            last_error=delivery.last_error,
            next_try_at=delivery.next_try_at,
            delivered_at=delivery.delivered_at,
            created_at=entry.created_at,
        )
        for delivery, entry, first, last in rows
    ]


def retry(
    store: Store,
    entry_id: int | None = None,
    *,
    target: str | None = None,
    all_failed: bool = False,
    waiting: bool = False,
) -> int:
    """Make failed (or waiting) deliveries due now; returns how many.

    ``entry_id`` retries one entry (on ``target``, or on every target it waits for);
    ``all_failed`` retries every failed delivery of ``target``; ``waiting`` makes every pending
    delivery (of ``target``, or of all targets) that waits for its next try due now (a person
    pressed "Run sync": the receiver may be back). A delivered entry is never retried: that
    would send it twice.
    """
    if entry_id is None and not all_failed and not waiting:
        raise SyncError("name an entry to retry, or ask for all failed ones")
    conditions = [OutboxDelivery.state.in_(("failed", "pending"))]
    if entry_id is not None:
        conditions.append(OutboxDelivery.outbox_id == entry_id)
    elif waiting:
        conditions.append(OutboxDelivery.state == "pending")
        conditions.append(OutboxDelivery.next_try_at.is_not(None))
    else:
        conditions.append(OutboxDelivery.state == "failed")
    if target is not None:
        conditions.append(OutboxDelivery.target == target)
    with store.write() as session:
        count = session.execute(
            update(OutboxDelivery).where(*conditions).values(state="pending", next_try_at=None)
        ).rowcount
        if count == 0 and entry_id is not None:
            _explain_nothing(session, entry_id, target, "retry")
    return count


def skip(
    store: Store,
    entry_id: int,
    *,
    target: str | None = None,
    config: dict[str, Target] | None = None,
) -> int:
    """Never send entry ``entry_id`` (to ``target``, or to any target); returns how many.

    An entry a run has not seen yet is skipped too: its delivery row is created as skipped.
    """
    config = load_targets() if config is None else config
    with store.write() as session:
        entry = session.get(OutboxEntry, entry_id)
        if entry is None:
            raise SyncError(f"no outbox entry {entry_id}")
        names = (
            [target]
            if target is not None
            else sorted(
                {n for n, t in config.items() if t.takes(entry.kind)}
                | set(
                    session.scalars(
                        select(OutboxDelivery.target).where(OutboxDelivery.outbox_id == entry_id)
                    )
                )
            )
        )
        count = 0
        for name in names:
            delivery = session.scalar(
                select(OutboxDelivery).where(
                    OutboxDelivery.outbox_id == entry_id, OutboxDelivery.target == name
                )
            )
            if delivery is None:
                session.add(
                    OutboxDelivery(
                        outbox_id=entry_id,
                        target=name,
                        state="skipped",
                        last_error="skipped by user",
                    )
                )
                count += 1
            elif delivery.state in ("pending", "failed"):
                delivery.state = "skipped"
                delivery.next_try_at = None
                delivery.last_error = (
                    f"skipped by user (was: {delivery.last_error})"
                    if delivery.last_error
                    else "skipped by user"
                )
                count += 1
        if count == 0:
            _explain_nothing(session, entry_id, target, "skip")
    return count


def _explain_nothing(session: Session, entry_id: int, target: str | None, verb: str) -> None:
    if session.get(OutboxEntry, entry_id) is None:
        raise SyncError(f"no outbox entry {entry_id}")
    states = dict(
        session.execute(
            select(OutboxDelivery.target, OutboxDelivery.state).where(
                OutboxDelivery.outbox_id == entry_id,
                *([OutboxDelivery.target == target] if target else []),
            )
        ).all()
    )
    if not states:
        where = f" for {target!r}" if target else ""
        raise SyncError(f"entry {entry_id} has no delivery{where} yet: run sync first")
    described = ", ".join(f"{t}: {s}" for t, s in sorted(states.items()))
    raise SyncError(f"cannot {verb} entry {entry_id} ({described})")
