"""Read-only lookups the calling desk shows: the lead card, today's counters, due callbacks.

Everything here only reads; choosing, claiming and recording live in the queue, outcome and
hand-off modules. Each function takes an open session and returns plain dataclasses, so the
desk can load them on a worker thread and hand them to widgets on the main thread.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from calldesk.models import (
    Appointment,
    Attempt,
    Callback,
    CallList,
    Campaign,
    Company,
    Contact,
    Disposition,
    Event,
    EventEngagement,
    ListMember,
    Phone,
    Rep,
)
from calldesk.places import contact_zones

#: most attempts the card lists; older ones are summarised by the count
HISTORY_LIMIT = 50
#: most same-company contacts the card lists
COLLEAGUE_LIMIT = 25


@dataclass(frozen=True)
class PhoneLine:
    id: int
    raw: str
    e164: str | None
    extension: str | None
    label: str | None
    number_type: str | None
    time_zones: tuple[str, ...]
    valid: bool
    invalid_reason: str | None
    dnc: bool
    shared: bool
    #: other contacts who answer on the same number: (contact id, name)
    shared_with: tuple[tuple[int, str], ...] = ()

    @property
    def dialable(self) -> bool:
        return self.valid and bool(self.e164) and not self.dnc


@dataclass(frozen=True)
class SourceLine:
    """Where the contact came from: a list, or an event and what happened there."""

    kind: str  # list|event
    name: str
    detail: str  # plain words: "booth: hot — asked about pricing", "attended 42 min", ...
    when: dt.date | dt.datetime | None = None


@dataclass(frozen=True)
class AttemptLine:
    id: int
    started_at: dt.datetime
    rep: str | None
    disposition: str
    disposition_label: str
    number: str | None
    conversation: bool
    notes: str | None
    answers: dict[str, Any] | None
    grade: str | None
    grade_why: str | None
    script: str | None  # "key v3"
    manual: bool
    override_reason: str | None


@dataclass(frozen=True)
class Colleague:
    id: int
    name: str
    title: str | None
    stage: str
    grade: str | None


@dataclass(frozen=True)
class CallbackLine:
    id: int
    contact_id: int
    contact_name: str
    company: str | None
    due_at: dt.datetime
    personal: bool
    rep_id: int | None
    kind: str
    notes: str | None
    time_zone: str | None


@dataclass
class Card:
    """Everything the lead card shows for one contact."""

    contact_id: int
    name: str
    first_name: str | None
    last_name: str | None
    title: str | None
    company: str | None
    company_id: int | None
    city: str | None
    state: str | None
    country: str | None
    notes: str | None
    stage: str
    grade: str | None
    grade_why: str | None
    closed_reason: str | None
    attempts: int
    dnc: bool
    time_zones: tuple[str, ...]
    phones: list[PhoneLine] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    sources: list[SourceLine] = field(default_factory=list)
    history: list[AttemptLine] = field(default_factory=list)
    colleagues: list[Colleague] = field(default_factory=list)
    referred_by: tuple[int, str] | None = None
    open_callbacks: list[CallbackLine] = field(default_factory=list)
    #: merge fields a script opener may use
    merge: dict[str, str] = field(default_factory=dict)
    #: the rules' verdict when the card was loaded with ``at`` (calldesk.rules.Verdict): allowed,
    #: closes_at (when an allowed window closes: the card must turn "not allowed" then),
    #: opens_at, line, exemptions, overridable. The dial key re-checks with authorize_dial.
    verdict: Any = None

    @property
    def allowed_now(self) -> bool:
        """Whether the verdict the card holds still allows a call (False once it closes)."""
        return self.verdict is not None and self.verdict.allowed

    def allowed_at(self, now: dt.datetime) -> bool:
        """Whether the card's verdict still holds at ``now``: allowed and its window not closed
        yet. A card loaded while allowed says False from the instant the window closes."""
        verdict = self.verdict
        if verdict is None or not verdict.allowed:
            return False
        return verdict.closes_at is None or now < verdict.closes_at

    #: the record's id at the vendor or CRM it was imported from (for the sync back)
    external_id: str | None = None

    @property
    def time_zone(self) -> str | None:
        """The zone the card's clock shows (the first of the contact's zones)."""
        return self.time_zones[0] if self.time_zones else None

    def local_time(self, now: dt.datetime) -> dt.datetime | None:
        return to_zone(now, self.time_zone)


@dataclass(frozen=True)
class Counters:
    """A rep's figures for today (since local midnight)."""

    dials: int = 0
    conversations: int = 0
    grades: dict[str, int] = field(default_factory=dict)
    appointments: int = 0


@dataclass(frozen=True)
class Choice:
    id: int
    name: str
    detail: str = ""


def to_zone(moment: dt.datetime, zone: str | None) -> dt.datetime | None:
    """``moment`` in ``zone``; None when the zone is unknown (never guessed)."""
    if not zone:
        return None
    try:
        return moment.astimezone(ZoneInfo(zone))
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _name(first: str | None, last: str | None) -> str:
    return " ".join(p for p in (first, last) if p) or "(no name)"


def _contact_zones(contact: Contact) -> tuple[str, ...]:
    return contact_zones(contact)


def _engagement_detail(engagement: EventEngagement, event: Event) -> str:
    parts: list[str] = []
    if engagement.rating:
        parts.append(f"rated {engagement.rating}")
    if engagement.booth_notes:
        parts.append(f"booth notes: {engagement.booth_notes}")
    if engagement.attended is True:
        minutes = engagement.minutes_attended
        parts.append(f"attended {minutes} min" if minutes is not None else "attended")
    elif engagement.attended is False:
        parts.append("registered, did not attend")
    if engagement.questions_asked:
        parts.append(f"asked: {engagement.questions_asked}")
    if engagement.download_title:
        parts.append(f"downloaded: {engagement.download_title}")
    return "; ".join(parts) or event.kind.replace("_", " ")


def card_verdict(
    session: Session,
    contact_id: int,
    at: dt.datetime,
    *,
    number: str | None = None,
    rep: Any = None,
) -> Any:
    """The rules' verdict for the card at ``at`` (:func:`calldesk.rules.decide`, purpose card):
    the contact's places, or ``number`` (the phone the rep is about to dial) with them."""
    from calldesk.rules import decide

    return decide(session, at=at, contact=contact_id, number=number, rep=rep, purpose="card")


def load_card(session: Session, contact_id: int, at: dt.datetime | None = None) -> Card | None:
    """The lead card of ``contact_id`` (None when the contact no longer exists); with ``at``,
    the card carries the rules' verdict for that instant (``Card.verdict``)."""
    contact = session.scalar(
        select(Contact)
        .where(Contact.id == contact_id)
        .options(selectinload(Contact.phones), selectinload(Contact.emails))
    )
    if contact is None:
        return None
    company = session.get(Company, contact.company_id) if contact.company_id else None

    phones: list[PhoneLine] = []
    for phone in contact.phones:
        shared_with: tuple[tuple[int, str], ...] = ()
        if phone.e164 and phone.shared:
            rows = session.execute(
                select(Contact.id, Contact.first_name, Contact.last_name)
                .join(Phone, Phone.contact_id == Contact.id)
                .where(Phone.e164 == phone.e164, Contact.id != contact.id)
                .limit(10)
            ).all()
            shared_with = tuple((r.id, _name(r.first_name, r.last_name)) for r in rows)
        phones.append(
            PhoneLine(
                id=phone.id,
                raw=phone.raw,
                e164=phone.e164,
                extension=phone.extension,
                label=phone.label,
                number_type=phone.number_type,
                time_zones=tuple(z for z in (phone.time_zones or "").split("|") if z),
                valid=phone.valid,
                invalid_reason=phone.invalid_reason,
                dnc=phone.dnc,
                shared=phone.shared,
                shared_with=shared_with,
            )
        )

    sources: list[SourceLine] = []
    for engagement, event in session.execute(
        select(EventEngagement, Event)
        .join(Event, Event.id == EventEngagement.event_id)
        .where(EventEngagement.contact_id == contact.id)
        .order_by(Event.event_date.desc().nulls_last(), Event.id.desc())
    ).all():
        sources.append(
            SourceLine(
                kind="event",
                name=f"{event.name} ({event.kind.replace('_', ' ')})",
                detail=_engagement_detail(engagement, event),
                when=event.event_date,
            )
        )
    for call_list, member in session.execute(
        select(CallList, ListMember)
        .join(ListMember, ListMember.list_id == CallList.id)
        .where(ListMember.contact_id == contact.id)
        .order_by(ListMember.added_at.desc())
    ).all():
        detail = call_list.source_kind.replace("_", " ")
        if member.source_row is not None:
            detail += f", row {member.source_row}"
        sources.append(SourceLine("list", call_list.name, detail, member.added_at))

    history = [
        AttemptLine(
            id=a.id,
            started_at=a.started_at,
            rep=rep_name,
            disposition=a.disposition,
            disposition_label=label or a.disposition,
            number=a.number_dialled,
            conversation=a.conversation,
            notes=a.notes,
            answers=a.answers,
            grade=a.grade,
            grade_why=a.grade_why,
            script=f"{a.script_key} v{a.script_version}" if a.script_key else None,
            manual=a.manual,
            override_reason=a.override_reason,
        )
        for a, label, rep_name in session.execute(
            select(Attempt, Disposition.label, Rep.name)
            .outerjoin(Disposition, Disposition.code == Attempt.disposition)
            .outerjoin(Rep, Rep.id == Attempt.rep_id)
            .where(Attempt.contact_id == contact.id)
            .order_by(Attempt.started_at.desc(), Attempt.id.desc())
            .limit(HISTORY_LIMIT)
        ).all()
    ]

    colleagues: list[Colleague] = []
    if contact.company_id:
        colleagues = [
            Colleague(c.id, _name(c.first_name, c.last_name), c.title, c.stage, c.grade)
            for c in session.execute(
                select(
                    Contact.id,
                    Contact.first_name,
                    Contact.last_name,
                    Contact.title,
                    Contact.stage,
                    Contact.grade,
                )
                .where(Contact.company_id == contact.company_id, Contact.id != contact.id)
                .order_by(Contact.last_name, Contact.first_name, Contact.id)
                .limit(COLLEAGUE_LIMIT)
            )
        ]

    referred_by = None
    if contact.referred_by_id:
        ref = session.get(Contact, contact.referred_by_id)
        if ref is not None:
            referred_by = (ref.id, ref.full_name)

    zones = _contact_zones(contact)
    callbacks = [
        _callback_line(cb, contact, company, zones[0] if zones else None)
        for cb in session.scalars(
            select(Callback)
            .where(Callback.contact_id == contact.id, Callback.status == "open")
            .order_by(Callback.due_at)
        )
    ]
    merge = {
        "first_name": contact.first_name or "",
        "last_name": contact.last_name or "",
        "full_name": contact.full_name,
        "title": contact.title or "",
        "company": company.name if company else "",
        "city": contact.city or "",
        "state": contact.state or "",
    }
    return Card(
        contact_id=contact.id,
        name=contact.full_name,
        first_name=contact.first_name,
        last_name=contact.last_name,
        title=contact.title,
        company=company.name if company else None,
        company_id=contact.company_id,
        city=contact.city,
        state=contact.state,
        country=contact.country,
        notes=contact.notes,
        stage=contact.stage,
        grade=contact.grade,
        grade_why=contact.grade_why,
        closed_reason=contact.closed_reason,
        attempts=contact.attempts,
        dnc=contact.dnc,
        time_zones=zones,
        phones=phones,
        emails=[e.address for e in contact.emails],
        sources=sources,
        history=history,
        colleagues=colleagues,
        referred_by=referred_by,
        open_callbacks=callbacks,
        merge=merge,
        verdict=card_verdict(session, contact.id, at) if at is not None else None,
        external_id=contact.external_id,
    )


def _callback_line(
    cb: Callback, contact: Contact, company: Company | None, zone: str | None
) -> CallbackLine:
    return CallbackLine(
        id=cb.id,
        contact_id=contact.id,
        contact_name=contact.full_name,
        company=company.name if company else None,
        due_at=cb.due_at,
        personal=cb.personal,
        rep_id=cb.rep_id,
        kind=cb.kind,
        notes=cb.notes,
        time_zone=zone,
    )


def appointments_booked(session: Session, rep_id: int, since: dt.datetime) -> int:
    """Appointments ``rep_id`` booked (as the qualifier) since ``since``."""
    return int(
        session.scalar(
            select(func.count(Appointment.id)).where(
                Appointment.qualifier_id == rep_id, Appointment.created_at >= since
            )
        )
        or 0
    )


def day_start(now: dt.datetime, zone: str | None) -> dt.datetime:
    """Midnight of ``now``'s day in ``zone`` (the rep's), as UTC."""
    local = to_zone(now, zone) or now.astimezone(dt.UTC)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight.astimezone(dt.UTC)


def reps(session: Session, role: str | None = None) -> list[Choice]:
    """Active reps (optionally of one role), by name."""
    query = select(Rep).where(Rep.active.is_(True)).order_by(Rep.name)
    if role:
        query = query.where(Rep.role == role)
    return [Choice(r.id, r.name, r.role) for r in session.scalars(query)]


def rep_zone(session: Session, rep_id: int) -> str | None:
    return session.scalar(select(Rep.time_zone).where(Rep.id == rep_id))


def campaigns(session: Session) -> list[Choice]:
    """Active campaigns, most important first."""
    return [
        Choice(c.id, c.name, c.kind)
        for c in session.scalars(
            select(Campaign)
            .where(Campaign.active.is_(True))
            .order_by(Campaign.priority.desc(), Campaign.name)
        )
    ]


@dataclass(frozen=True)
class DispositionSpec:
    code: str
    label: str
    hotkey: str | None
    conversation: bool
    requires_notes: bool
    requires_callback: bool
    final: bool


def dispositions(session: Session) -> list[DispositionSpec]:
    """Every disposition, in the team's order."""
    return [
        DispositionSpec(
            d.code,
            d.label,
            d.hotkey,
            d.conversation,
            d.requires_notes,
            d.requires_callback,
            d.final,
        )
        for d in session.scalars(
            select(Disposition).order_by(Disposition.position, Disposition.code)
        )
    ]
