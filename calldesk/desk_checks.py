"""The desk's questions to the calling rules, asked at the instant they matter.

Thin, read-only wrappers over the one decision (:func:`calldesk.rules.authorize_dial` and
:func:`calldesk.rules.contact_status`) shaped for the desk: may this number be dialled now and
may a manager override a refusal; until when the card's contact may be called; which callbacks
are due and callable now; which field rep fits a contact and when that rep is free. Nothing here
writes to the store, and nothing here decides a rule of its own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from calldesk import rules
from calldesk.handoff import ACTIVE_STATUSES, territory_codes
from calldesk.models import Appointment, Campaign, Contact, Rep

#: working hours of a field rep's meetings, in the contact's own time (Monday to Friday)
MEETING_DAY = (dt.time(9, 0), dt.time(17, 0))
#: a meeting is not booked sooner than this after the call (the field rep must see it first)
MEETING_NOTICE = dt.timedelta(hours=2)


def campaign_rules(session: Session, campaign_id: int | None) -> dict[str, Any] | None:
    """The calling-rule narrowing of a campaign (None: no campaign, or none set)."""
    if campaign_id is None:
        return None
    campaign = session.get(Campaign, campaign_id)
    return dict(campaign.rules) if campaign is not None and campaign.rules else None


def managers(session: Session) -> list[str]:
    """Names of the active reps whose role is manager (they may confirm an override)."""
    return list(
        session.scalars(
            select(Rep.name).where(Rep.role == "manager", Rep.active.is_(True)).order_by(Rep.name)
        )
    )


@dataclass(frozen=True)
class DialDecision:
    """The answer to "may I dial this number now?" for the desk.

    ``allowed``: dial (with ``override_by`` when a manager's override made it so).
    ``overridable``: refused, but a manager's confirmation would allow it (never for a DNC
    number, an invalid number or an unknown place). ``managers``: who may confirm.
    """

    allowed: bool
    e164: str | None
    explanation: str
    overridable: bool
    local_time: str
    next_allowed_at: dt.datetime | None = None
    override_by: str | None = None
    override_reason: str | None = None
    managers: tuple[str, ...] = ()


def decide_dial(
    session: Session,
    *,
    number: str,
    contact_id: int | None,
    campaign_id: int | None,
    at: dt.datetime,
    default_region: str | None = "US",
    override_by: str | None = None,
    override_reason: str | None = None,
) -> DialDecision:
    """Ask :func:`calldesk.rules.authorize_dial` about ``number`` at ``at``, as the command line
    does, and say whether a refusal could be overridden by a manager.

    ``number`` may be typed text or E.164. Overridability is asked of the same decision: the
    refusal is put to ``authorize_dial`` once more with a manager named, and only if that passes
    is an override offered.
    """
    e164 = rules.normalize_number(number, default_region) or None
    camp = campaign_rules(session, campaign_id)
    names = tuple(managers(session))
    try:
        status = rules.authorize_dial(
            session,
            e164=e164 or number,
            contact_id=contact_id,
            at=at,
            campaign_rules=camp,
            override_by=override_by,
            override_reason=override_reason,
        )
    except rules.DialRefused as refused:
        status = refused.status
        overridable = False
        if override_by is None and e164 is not None and names:
            try:
                rules.authorize_dial(
                    session,
                    e164=e164,
                    contact_id=contact_id,
                    at=at,
                    campaign_rules=camp,
                    override_by=names[0],
                    override_reason="(asked whether a manager may override)",
                )
            except rules.DialRefused:
                overridable = False
            else:
                overridable = True
        why = _explain_refusal(status, str(refused))
        if override_by is None and e164 is not None and not names and not _hard(status):
            why += (
                ". A manager must confirm an override, and this store has no manager "
                "(calldesk rep add NAME --role manager)"
            )
        return DialDecision(
            False,
            e164,
            why,
            overridable,
            status.local_time,
            status.next_allowed_at,
            managers=names,
        )
    overridden = not status.allowed
    return DialDecision(
        True,
        e164,
        status.rule,
        False,
        status.local_time,
        None,
        override_by if overridden else None,
        override_reason if overridden else None,
        names,
    )


def _hard(status: rules.LocaleStatus) -> bool:
    return any(c.verdict == "refused" and c.rule_id in ("dnc", "number") for c in status.checks)


def _explain_refusal(status: rules.LocaleStatus, message: str) -> str:
    """The refused checks in plain words, once each, then their local time."""
    refused = [
        f"{c.rule}: {c.detail}" if c.detail else c.rule
        for c in status.checks
        if c.verdict == "refused"
    ]
    why = "; ".join(dict.fromkeys(refused)) or message.removeprefix("refused: ")
    if status.local_time:
        why += f" (their time {status.local_time})"
    return why


@dataclass(frozen=True)
class CardVerdict:
    """May the card's contact be called now, and until when (None: no end in sight)."""

    allowed: bool
    until: dt.datetime | None
    rule: str
    next_allowed_at: dt.datetime | None
    locale_key: str | None
    campaign_rules: dict[str, Any] | None


def card_verdict(
    session: Session, contact_id: int, campaign_id: int | None, at: dt.datetime
) -> CardVerdict:
    """The contact's verdict at ``at`` (window, DNC, caps) with the instant it changes."""
    camp = campaign_rules(session, campaign_id)
    status = rules.contact_status(session, contact_id, at, camp)
    key = session.scalar(select(Contact.locale_key).where(Contact.id == contact_id))
    until = status.changes_at if status.allowed else None
    return CardVerdict(status.allowed, until, status.rule, status.next_allowed_at, key, camp)


def callback_problem(
    locale_key: str | None,
    when: dt.datetime,
    now: dt.datetime,
    campaign: dict[str, Any] | None = None,
) -> str | None:
    """Why a callback at ``when`` cannot be set (None: it can): in the past, or outside the
    contact's calling window at that moment. Reads no store."""
    if when <= now:
        return "That time has already passed: pick a later one."
    status = rules.locale_status(locale_key, when, campaign)
    if status.allowed:
        return None
    text = f"Outside their calling window then ({status.local_time}): {status.rule}."
    if status.next_allowed_at is not None:
        zone = _zone(status.zones[0] if status.zones else None)
        opens = status.next_allowed_at.astimezone(zone)
        text += f" The window opens again {opens:%a %d %b %H:%M} their time."
    return text


def _zone(name: str | None) -> dt.tzinfo:
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return dt.UTC


@dataclass(frozen=True)
class CallbackDue:
    """A due callback the rep could take now."""

    callback_id: int
    contact_id: int
    name: str


def due_and_callable(
    session: Session, items: Iterable[dict[str, Any]], rep_id: int, at: dt.datetime
) -> list[CallbackDue]:
    """Of the queue's ``due_callbacks`` items, those due by ``at`` whose contact may be called
    now (callable, not on the DNC list, not claimed by another rep, inside the window)."""
    out: list[CallbackDue] = []
    for item in items:
        if dt.datetime.fromisoformat(item["due_at"]) > at:
            continue
        contact = session.get(Contact, item["contact_id"])
        if contact is None or not contact.callable or contact.dnc:
            continue
        if contact.claimed_by_id not in (None, rep_id):
            continue
        if not rules.contact_status(session, contact.id, at, None).allowed:
            continue
        out.append(CallbackDue(item["callback_id"], contact.id, item["name"]))
    return out


@dataclass(frozen=True)
class FieldRepChoice:
    """A field rep offered for a booking, best match first, with why."""

    id: int
    name: str
    why: str
    time_zone: str | None


def field_reps_for(session: Session, contact_id: int) -> list[FieldRepChoice]:
    """Active field reps, those whose territory covers the contact's state first, then those
    covering its country, then the rest (the order :func:`calldesk.handoff.choose_field_rep`
    uses), each with the reason it is where it is."""
    contact = session.get(Contact, contact_id)
    codes, country = territory_codes(session, contact) if contact else (set(), None)
    state = contact.state if contact is not None else None
    ranked: list[tuple[int, int, str, FieldRepChoice]] = []
    for rep in session.scalars(select(Rep).where(Rep.role == "field", Rep.active.is_(True))):
        covered = {t.strip().upper() for t in (rep.territory or "").split(",") if t.strip()}
        nearby = 0
        if covered & codes:
            tier, why = 0, f"covers {', '.join(sorted(covered & codes))}"
        elif country and country in covered:
            tier, why = 1, f"covers all of {country}"
        elif not covered or "*" in covered:
            # No territory to go by: the rep who already meets people in this state comes
            # first, and the form says that is the reason.
            nearby = _meetings_in_state(session, rep.id, state)
            tier = 2
            why = "no territory set" + (
                f"; already has {nearby} meeting(s) in {state}" if nearby else ""
            )
        else:
            tier, why = 3, f"territory {rep.territory} (not this contact's)"
        choice = FieldRepChoice(rep.id, rep.name, why, rep.time_zone)
        ranked.append((tier, -nearby, rep.name, choice))
    ranked.sort(key=lambda r: r[:3])
    return [r[3] for r in ranked]


def _meetings_in_state(session: Session, rep_id: int, state: str | None) -> int:
    if not state:
        return 0
    return int(
        session.scalar(
            select(func.count(Appointment.id))
            .join(Contact, Contact.id == Appointment.contact_id)
            .where(Appointment.field_rep_id == rep_id, Contact.state == state)
        )
        or 0
    )


def busy_times(
    session: Session, rep_ids: Sequence[int], start: dt.datetime, end: dt.datetime
) -> dict[int, list[tuple[dt.datetime, dt.datetime]]]:
    """Booked or accepted meetings of each field rep overlapping ``start``..``end``."""
    busy: dict[int, list[tuple[dt.datetime, dt.datetime]]] = {rid: [] for rid in rep_ids}
    if not rep_ids:
        return busy
    rows = session.execute(
        select(Appointment.field_rep_id, Appointment.starts_at, Appointment.ends_at).where(
            Appointment.field_rep_id.in_(list(rep_ids)),
            Appointment.status.in_(ACTIVE_STATUSES),
            Appointment.starts_at < end,
            Appointment.ends_at > start,
        )
    ).all()
    for rep_id, starts, ends in rows:
        busy[rep_id].append((_utc(starts), _utc(ends)))
    return busy


def _utc(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def free_slots(
    busy: Sequence[tuple[dt.datetime, dt.datetime]],
    *,
    now: dt.datetime,
    zone: str | None,
    minutes: int,
    days: int = 5,
    step: dt.timedelta = dt.timedelta(hours=1),
) -> list[dt.datetime]:
    """Meeting starts (UTC) in working hours of the contact's zone, Monday to Friday, on the
    next ``days`` working days, at least :data:`MEETING_NOTICE` after ``now``, that overlap
    none of ``busy``. Reads no store."""
    tz = _zone(zone)
    length = dt.timedelta(minutes=minutes)
    earliest = now + MEETING_NOTICE
    out: list[dt.datetime] = []
    day = now.astimezone(tz).date()
    seen_days = 0
    while seen_days < days:
        if day.weekday() < 5:
            seen_days += 1
            start = dt.datetime.combine(day, MEETING_DAY[0], tz)
            close = dt.datetime.combine(day, MEETING_DAY[1], tz)
            while start + length <= close:
                moment = start.astimezone(dt.UTC)
                end = moment + length
                if moment >= earliest and not any(b < end and e > moment for b, e in busy):
                    out.append(moment)
                start += step
        day += dt.timedelta(days=1)
    return out


def slot_problem(
    busy: Sequence[tuple[dt.datetime, dt.datetime]],
    starts: dt.datetime,
    minutes: int,
    now: dt.datetime,
) -> str | None:
    """Why a meeting at ``starts`` cannot be booked with this field rep (None: it can)."""
    if starts <= now:
        return "That time has already passed: pick a later one."
    end = starts + dt.timedelta(minutes=minutes)
    for b, e in busy:
        if b < end and e > starts:
            return "The field rep already has a meeting then: pick a free slot."
    return None
