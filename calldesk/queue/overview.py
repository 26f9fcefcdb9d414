"""What the queue can say without claiming anything: why it is empty and when the next contact
becomes callable, the next few contacts, the callbacks due, and the day's figures.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from calldesk.locale import parse_key
from calldesk.models import Attempt, Callback, Contact, Rep
from calldesk.queue import base
from calldesk.queue.arms import _arm_where, _arms, _campaign_rows
from calldesk.queue.base import HELD, QueueError, _now
from calldesk.queue.driver import _q
from calldesk.queue.lead import local_time_text
from calldesk.queue.seek import _all_keys, _ready_sql, _walk


@dataclass
class QueueEmpty:
    """Nothing is callable now: why, and when the next contact becomes callable."""

    reason: str
    next_callable_at: dt.datetime | None
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "reason": self.reason,
            "next_callable_at": self.next_callable_at.isoformat()
            if self.next_callable_at
            else None,
            "details": self.details,
        }


def explain_empty(
    session: Session,
    at: dt.datetime | None = None,
    *,
    campaign_id: int | None = None,
    arms: list[Any] | None = None,
) -> QueueEmpty:
    """Why nothing is callable now and when the next contact becomes callable."""
    at = _now(at)
    if arms is None:
        arms = _arms(_campaign_rows(session), campaign_id)
    if not arms:
        return QueueEmpty("the campaign is paused", None, {})
    engine = base._rules()
    closed: dict[str, Any] = {}
    candidates: list[dt.datetime] = []
    ready = _ready_sql(session)
    context = engine.load_context(session, at)
    for arm in arms:
        where, params = _arm_where(arm)
        waiting = []
        memo = engine.WindowMemo(at)
        for key in _all_keys(session):
            # Refused: the verdict changes when the place may next be called (or never).
            allowed, next_allowed_at = engine.locale_window(key, memo, arm.rules, context)
            if not allowed:
                closed[key] = next_allowed_at.isoformat() if next_allowed_at else None
                if next_allowed_at is not None:
                    waiting.append((next_allowed_at, key))
        # The soonest place to open that has a contact ready to call.
        for when, key in sorted(waiting):
            row = _q(
                session,
                f"SELECT 1 FROM contacts WHERE {where}locale_key = ? AND {ready} LIMIT 1",
                *params,
                key,
            ).first()
            if row is not None:
                candidates.append(when)
                break
    waiting_for_window = bool(candidates)
    cooling_next = session.scalar(
        select(func.min(Contact.next_eligible_at)).where(
            Contact.next_eligible_at.is_not(None), Contact.next_eligible_at < HELD
        )
    )
    if cooling_next is not None:
        candidates.append(max(cooling_next, at))
    callback_next = session.scalar(
        select(func.min(Callback.due_at)).where(Callback.status == "open", Callback.due_at > at)
    )
    if callback_next is not None:
        candidates.append(callback_next)
    claimed = session.scalar(
        select(func.count()).select_from(Contact).where(Contact.claimed_by_id.is_not(None))
    )
    review = session.scalar(
        select(func.count())
        .select_from(Contact)
        .where(Contact.callable, Contact.locale_key.is_(None))
    )
    # Consumer calls refused for want of a fresh registry copy: say so, with the fix.
    registry = [r.message for r in context.registry if not r.ok] if context.enforce_registry else []
    if waiting_for_window:
        reason = f"no contact is inside its calling window now ({len(closed)} place(s) closed)"
    elif registry and closed:
        reason = " | ".join(registry)
    elif cooling_next is not None:
        reason = "every remaining contact is cooling down after a recent attempt"
    elif claimed:
        reason = "every remaining contact is claimed by another rep"
    else:
        reason = "no contact left to call"
    return QueueEmpty(
        reason,
        min(candidates) if candidates else None,
        {
            "closed_places": closed,
            "cooling_down_next": cooling_next.isoformat() if cooling_next else None,
            "next_callback_due": callback_next.isoformat() if callback_next else None,
            "claimed_by_reps": int(claimed or 0),
            "needs_review": int(review or 0),
            "registry": registry,
        },
    )


def upcoming(
    session: Session,
    rep_id: int,
    *,
    campaign_id: int | None = None,
    at: dt.datetime | None = None,
    limit: int = 5,
) -> list[dict[str, Any]]:
    """The next few contacts the queue would offer (list order; no claim, no caps checked)."""
    at = _now(at)
    arms = _arms(_campaign_rows(session), campaign_id)
    ids = []
    for contact_id in _walk(session, arms, at, limit, set(), lock=False):
        ids.append(contact_id)
        if len(ids) >= limit:
            break
    contacts = {c.id: c for c in session.scalars(select(Contact).where(Contact.id.in_(ids)))}
    out = []
    for contact_id in ids:
        contact = contacts[contact_id]
        zones = parse_key(contact.locale_key).zones if contact.locale_key else ()
        out.append(
            {
                "contact_id": contact.id,
                "name": contact.full_name,
                "attempts": contact.attempts,
                "tier": contact.tier,
                "campaign_id": contact.campaign_id,
                "local_time": local_time_text(at, zones),
                "time_zones": list(zones),
            }
        )
    return out


def due_callbacks(
    session: Session,
    rep_id: int,
    *,
    at: dt.datetime | None = None,
    horizon: dt.timedelta = dt.timedelta(hours=24),
) -> list[dict[str, Any]]:
    """Open callbacks this rep may take (personal ones and open ones) due before ``at + horizon``."""
    at = _now(at)
    rows = session.execute(
        select(Callback, Contact)
        .join(Contact, Contact.id == Callback.contact_id)
        .where(
            Callback.status == "open",
            Callback.due_at <= at + horizon,
            (Callback.rep_id == rep_id) | (Callback.personal.is_(False)),
        )
        .order_by(Callback.due_at)
    ).all()
    out = []
    for callback, contact in rows:
        zones = parse_key(contact.locale_key).zones if contact.locale_key else ()
        out.append(
            {
                "callback_id": callback.id,
                "contact_id": contact.id,
                "name": contact.full_name,
                "due_at": callback.due_at.isoformat(),
                "due_local": local_time_text(callback.due_at, zones) if zones else None,
                "overdue": callback.due_at <= at,
                "personal": callback.personal,
                "kind": callback.kind,
                "notes": callback.notes,
            }
        )
    return out


def stats(session: Session, at: dt.datetime | None = None) -> dict[str, Any]:
    """Queue figures: contacts ready, cooling down, claimed, held, not callable, needing review,
    open and due callbacks, attempts today (UTC)."""
    at = _now(at)
    true = True
    total = session.scalar(select(func.count()).select_from(Contact)) or 0
    ready = (
        session.scalar(
            select(func.count())
            .select_from(Contact)
            .where(
                Contact.callable.is_(true),
                Contact.claimed_by_id.is_(None),
                Contact.next_eligible_at.is_(None),
                Contact.locale_key.is_not(None),
            )
        )
        or 0
    )
    cooling = (
        session.scalar(
            select(func.count())
            .select_from(Contact)
            .where(Contact.next_eligible_at.is_not(None), Contact.next_eligible_at < HELD)
        )
        or 0
    )
    held = (
        session.scalar(
            select(func.count()).select_from(Contact).where(Contact.next_eligible_at >= HELD)
        )
        or 0
    )
    claimed = (
        session.scalar(
            select(func.count()).select_from(Contact).where(Contact.claimed_by_id.is_not(None))
        )
        or 0
    )
    not_callable = (
        session.scalar(select(func.count()).select_from(Contact).where(Contact.callable.is_(False)))
        or 0
    )
    review = (
        session.scalar(
            select(func.count())
            .select_from(Contact)
            .where(Contact.callable.is_(true), Contact.locale_key.is_(None))
        )
        or 0
    )
    callbacks_open = (
        session.scalar(select(func.count()).select_from(Callback).where(Callback.status == "open"))
        or 0
    )
    callbacks_due = (
        session.scalar(
            select(func.count())
            .select_from(Callback)
            .where(Callback.status == "open", Callback.due_at <= at)
        )
        or 0
    )
    day_start = at.replace(hour=0, minute=0, second=0, microsecond=0)
    attempts_today = (
        session.scalar(
            select(func.count()).select_from(Attempt).where(Attempt.started_at >= day_start)
        )
        or 0
    )
    return {
        "at": at.isoformat(),
        "contacts": total,
        "ready": ready,
        "cooling_down": cooling,
        "held_for_callback_or_handoff": held,
        "claimed": claimed,
        "not_callable": not_callable,
        "needs_review": review,
        "callbacks_open": callbacks_open,
        "callbacks_due": callbacks_due,
        "attempts_today_utc": attempts_today,
    }


def rep_today(session: Session, rep_id: int, at: dt.datetime | None = None) -> dict[str, Any]:
    """Today's counters for a rep (the rep's own calendar day): dials, conversations, per
    disposition, graded A/B/C/D, callbacks set."""
    at = _now(at)
    rep = session.get(Rep, rep_id)
    if rep is None:
        raise QueueError(f"no rep {rep_id}")
    zone = zoneinfo.ZoneInfo(rep.time_zone or "UTC")
    local = at.astimezone(zone)
    start = local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(dt.UTC)
    rows = session.execute(
        select(Attempt.disposition, Attempt.conversation, Attempt.grade, func.count())
        .where(Attempt.rep_id == rep_id, Attempt.started_at >= start, Attempt.started_at <= at)
        .group_by(Attempt.disposition, Attempt.conversation, Attempt.grade)
    ).all()
    by_disposition: dict[str, int] = {}
    grades: dict[str, int] = {}
    dials = conversations = 0
    for disposition, conversation, grade, count in rows:
        dials += count
        conversations += count if conversation else 0
        by_disposition[disposition] = by_disposition.get(disposition, 0) + count
        if grade:
            grades[grade] = grades.get(grade, 0) + count
    callbacks_set = (
        session.scalar(
            select(func.count())
            .select_from(Callback)
            .join(Attempt, Attempt.id == Callback.attempt_id)
            .where(Attempt.rep_id == rep_id, Attempt.started_at >= start)
        )
        or 0
    )
    return {
        "rep_id": rep_id,
        "day": local.date().isoformat(),
        "dials": dials,
        "conversations": conversations,
        "by_disposition": by_disposition,
        "grades": grades,
        "callbacks_set": callbacks_set,
    }
