"""The hand-off: what a graded call sets in motion, inside the outcome's transaction.

- **A meet now**: an :class:`~calldesk.models.Appointment` with a field rep (chosen by hand, or by
  territory and then round robin), its time in both zones, a meeting link or place and the
  qualification summary. A clash in the field rep's calendar raises :class:`BookingConflict`, so
  the caller's transaction (the whole outcome) rolls back.
- **B call later**: a dated personal follow-up; the contact stays with marketing until then.
- **C nurture**: an open re-call after the script's nurture period.
- **D not qualified**: the contact is closed with its reason and never offered again.

A "contact" answer (the right person, captured by the rep) becomes a new contact at the same
company, linked to the referrer and queued like it. Each grade and each appointment writes an
outbox entry with a stable idempotency key.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from calldesk import outbox
from calldesk.models import (
    Appointment,
    Attempt,
    Callback,
    Contact,
    DncEntry,
    Email,
    ListMember,
    Phone,
    Rep,
)
from calldesk.phones import Policy, to_phonenumber
from calldesk.places import contact_clock, derive_locale, number_zones, parse_key
from calldesk.queue import HELD
from calldesk.scripts.grading import GradeResult

# Appointments that hold a slot in the field rep's calendar.
ACTIVE_STATUSES = ("booked", "accepted")
# Callbacks a new grade replaces: the earlier plan for this contact no longer holds.
SUPERSEDED_KINDS = ("follow_up", "nurture", "rejected")
# Follow-ups and nurture calls are dated for this hour of the contact's own day.
CALL_HOUR = 10
_ROLE_MAILBOXES = {"info", "sales", "contact", "office", "admin", "hello", "support", "team"}


class HandoffError(ValueError):
    """The hand-off cannot be done as asked; the message says why in the floor's words."""


class BookingConflict(HandoffError):
    """The field rep already has a meeting at that time."""

    def __init__(self, message: str, appointment_id: int | None = None) -> None:
        super().__init__(message)
        self.appointment_id = appointment_id


@dataclass(frozen=True)
class Booking:
    """What the rep chose for the hand-off.

    For grade A: the start (aware datetime), length (the script's default when None), the field
    rep (None: by territory, then round robin), and a meeting link and/or place. For grade B,
    ``follow_up_at`` overrides the date the answers gave.
    """

    starts_at: dt.datetime | None = None
    minutes: int | None = None
    field_rep_id: int | None = None
    location: str | None = None
    meeting_link: str | None = None
    notes: str | None = None
    follow_up_at: dt.datetime | None = None


@dataclass
class HandoffResult:
    """What the hand-off did: the contact's new stage and the rows it wrote."""

    grade: str | None
    why: str | None
    stage: str
    appointment: Appointment | None = None
    callback: Callback | None = None
    referred: list[Contact] = field(default_factory=list)
    outbox_keys: list[str] = field(default_factory=list)
    times: str | None = None  # the meeting or callback time in both zones

    def as_dict(self) -> dict[str, Any]:
        return {
            "grade": self.grade,
            "why": self.why,
            "stage": self.stage,
            "appointment": _appointment_brief(self.appointment) if self.appointment else None,
            "callback": (
                {
                    "id": self.callback.id,
                    "kind": self.callback.kind,
                    "due_at": self.callback.due_at.isoformat(),
                    "personal": self.callback.personal,
                }
                if self.callback
                else None
            ),
            "referred": [{"id": c.id, "name": c.full_name} for c in self.referred],
            "outbox_keys": list(self.outbox_keys),
            "times": self.times,
        }

    def to_dict(self) -> dict[str, Any]:
        """Same as :meth:`as_dict` (the name the outcome's JSON looks for)."""
        return self.as_dict()


def apply(
    session: Session,
    *,
    contact: Contact,
    attempt: Attempt,
    rep: Rep,
    grade_result: GradeResult | None,
    booking: Booking | None = None,
    at: dt.datetime,
) -> HandoffResult:
    """Hand the graded call on, inside the caller's outcome transaction.

    Sets the grade and "why" on the attempt and the contact, captures referred people, and does
    what the grade asks (see the module docstring). Raises :class:`HandoffError` (or
    :class:`BookingConflict`) when it cannot; the caller lets that roll the outcome back.
    """
    if at.tzinfo is None:
        raise HandoffError("the hand-off time must be timezone-aware (UTC)")
    if attempt.id is None:
        session.add(attempt)
        session.flush()
    referrals = (
        list(grade_result.referrals) if grade_result else _referrals_in(attempt.answers or {})
    )
    referred = [
        capture_referral(session, contact, person, rep=rep, at=at, attempt=attempt)
        for person in referrals
    ]
    if grade_result is None:
        return HandoffResult(None, None, contact.stage, referred=referred)

    attempt.grade = grade_result.grade
    attempt.grade_why = grade_result.why
    if attempt.script_key is None:
        attempt.script_key = grade_result.script_key
        attempt.script_version = grade_result.script_version
    if attempt.answers is None:
        attempt.answers = dict(grade_result.answers)
    contact.grade = grade_result.grade
    contact.grade_why = grade_result.why
    contact.closed_reason = None
    _supersede_callbacks(session, contact.id, at)

    result = HandoffResult(grade_result.grade, grade_result.why, contact.stage, referred=referred)
    zone = contact_zone(session, contact)
    if grade_result.grade == "A":
        _book(session, contact, attempt, rep, grade_result, booking, at, zone, result)
    elif grade_result.grade == "B":
        due = _follow_up_due(grade_result, booking, at, zone)
        result.callback = _callback(
            session, contact, attempt, rep, "follow_up", due, True, grade_result.why
        )
        # Out of the list queue until then: the follow-up brings the contact back.
        contact.stage, contact.callable, contact.next_eligible_at = "callback", True, HELD
        result.times = both_zones(due, rep.time_zone, zone)
    elif grade_result.grade == "C":
        due = _local_call_time(at, grade_result.days or 90, zone or rep.time_zone)
        result.callback = _callback(
            session, contact, attempt, rep, "nurture", due, False, grade_result.why
        )
        contact.stage, contact.callable, contact.next_eligible_at = "nurture", True, HELD
        result.times = both_zones(due, rep.time_zone, zone)
    else:
        contact.stage, contact.callable, contact.next_eligible_at = "closed", False, None
        contact.closed_reason = grade_result.why
    result.stage = contact.stage
    session.flush()

    key = f"attempt-{attempt.id}-graded"
    outbox.enqueue(
        session,
        "lead.graded",
        key=key,
        contact_id=contact.id,
        payload=outbox.lead_payload(
            session,
            contact.id,
            grade=grade_result.grade,
            why=grade_result.why,
            answers=grade_result.answers,
            script={"key": grade_result.script_key, "version": grade_result.script_version},
            disposition=grade_result.disposition,
            attempt_id=attempt.id,
            graded_at=at,
            referred_contact_ids=[c.id for c in referred],
            follow_up_at=result.callback.due_at if result.callback else None,
        ),
    )
    result.outbox_keys.insert(0, key)
    return result


# --- grade A: the appointment -----------------------------------------------------------------


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def check_meeting_place(meeting_link: str | None, location: str | None) -> None:
    """Refuse a meeting link or place that cannot travel to a calendar or a CRM unchanged.

    Both are one line of text (a line break would split a calendar property or inject another
    one); the link is a web address without spaces, at most 500 characters; the place at most
    300. Raises :class:`HandoffError` saying what to fix.
    """
    if meeting_link is not None:
        if _CONTROL.search(meeting_link):
            raise HandoffError("the meeting link must be one line (no line breaks or tabs)")
        if not re.fullmatch(r"https?://\S+", meeting_link.strip(), re.IGNORECASE):
            raise HandoffError(
                f"the meeting link must be a web address starting https:// (got {meeting_link!r})"
            )
        if len(meeting_link) > 500:
            raise HandoffError("the meeting link is longer than 500 characters")
    if location is not None:
        if _CONTROL.search(location):
            raise HandoffError("the meeting place must be one line (no line breaks or tabs)")
        if len(location) > 300:
            raise HandoffError("the meeting place is longer than 300 characters")


def _book(
    session: Session,
    contact: Contact,
    attempt: Attempt,
    rep: Rep,
    grade_result: GradeResult,
    booking: Booking | None,
    at: dt.datetime,
    zone: str | None,
    result: HandoffResult,
) -> None:
    if booking is None or booking.starts_at is None:
        raise HandoffError("grade A books a meeting: choose a time for it")
    starts = booking.starts_at
    if starts.tzinfo is None:
        raise HandoffError("the meeting time must carry its time zone")
    if starts <= at:
        raise HandoffError("the meeting must be in the future")
    if not (booking.meeting_link or booking.location):
        raise HandoffError("give the meeting a video link or a place")
    check_meeting_place(booking.meeting_link, booking.location)
    minutes = booking.minutes or grade_result.meeting_minutes
    if minutes <= 0:
        raise HandoffError("the meeting needs a length in minutes")
    ends = starts + dt.timedelta(minutes=minutes)
    if booking.field_rep_id is not None:
        field_rep = session.get(Rep, booking.field_rep_id)
        if field_rep is None or not field_rep.active:
            raise HandoffError(f"no active field rep with id {booking.field_rep_id}")
        lock_field_rep(session, field_rep.id)
        clash = find_conflict(session, field_rep.id, starts, ends)
        if clash is not None:
            raise conflict_error(session, field_rep, clash)
    else:
        field_rep = choose_field_rep(session, contact, starts, ends)
    times = both_zones(starts, field_rep.time_zone, zone)
    summary_lines = [
        grade_result.summary,
        "",
        f"Meeting: {times}",
        f"Where: {booking.meeting_link or booking.location}",
        f"Qualified by {rep.name} on {at:%Y-%m-%d}",
    ]
    for note in (booking.notes, attempt.notes):
        if note:
            summary_lines.append(f"Notes: {note}")
    appointment = Appointment(
        uid=f"{uuid.uuid4()}@calldesk",
        sequence=0,
        contact_id=contact.id,
        field_rep_id=field_rep.id,
        qualifier_id=rep.id,
        attempt_id=attempt.id,
        starts_at=starts,
        ends_at=ends,
        contact_time_zone=zone,
        location=booking.location,
        meeting_link=booking.meeting_link,
        summary="\n".join(summary_lines),
        status="booked",
        created_at=at,
        updated_at=at,
    )
    session.add(appointment)
    contact.stage, contact.callable, contact.next_eligible_at = "appointment", False, HELD
    session.flush()
    key = f"appointment-{appointment.uid}-booked"
    outbox.enqueue(
        session,
        "appointment.booked",
        key=key,
        contact_id=contact.id,
        appointment_id=appointment.id,
        payload=outbox.lead_payload(
            session,
            contact.id,
            grade=grade_result.grade,
            why=grade_result.why,
            answers=grade_result.answers,
            appointment=outbox.appointment_dict(appointment, _rep_brief(session)),
        ),
    )
    result.appointment = appointment
    result.times = times
    result.outbox_keys.append(key)


def find_conflict(
    session: Session,
    field_rep_id: int,
    starts: dt.datetime,
    ends: dt.datetime,
    *,
    exclude_id: int | None = None,
) -> Appointment | None:
    """The field rep's first booked or accepted meeting overlapping ``starts``..``ends``."""
    query = select(Appointment).where(
        Appointment.field_rep_id == field_rep_id,
        Appointment.status.in_(ACTIVE_STATUSES),
        Appointment.starts_at < ends,
        Appointment.ends_at > starts,
    )
    if exclude_id is not None:
        query = query.where(Appointment.id != exclude_id)
    return session.scalar(query.order_by(Appointment.starts_at).limit(1))


def lock_field_rep(session: Session, rep_id: int) -> None:
    """Hold the field rep's row until the transaction ends, before checking the calendar."""
    # Serialises bookings per field rep on PostgreSQL, so two qualifiers cannot both take the
    # same free slot; SQLite already has a single writer (BEGIN IMMEDIATE).
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(Rep.id).where(Rep.id == rep_id).with_for_update())


def conflict_error(session: Session, field_rep: Rep, clash: Appointment) -> BookingConflict:
    """The error for a clash, in the field rep's clock: who, when, which appointment."""
    other = session.get(Contact, clash.contact_id)
    with_whom = f" with {other.full_name}" if other else ""
    when = in_zone(clash.starts_at, field_rep.time_zone)
    until = in_zone(clash.ends_at, field_rep.time_zone, time_only=True)
    return BookingConflict(
        f"{field_rep.name} already has a meeting{with_whom} {when} to {until} "
        f"(appointment {clash.id}); choose another time or field rep",
        clash.id,
    )


def territory_codes(session: Session, contact: Contact) -> tuple[set[str], str | None]:
    """The territory codes a contact falls in ("US-CA"), and its country."""
    country = (contact.country or "").upper() or None
    states = {contact.state} if contact.state else set()
    if contact.locale_key:
        locale = parse_key(contact.locale_key)
        country = country or locale.country
        if not states:
            states = set(locale.states)
    return {f"{country}-{s}".upper() for s in states if country}, country


def choose_field_rep(
    session: Session, contact: Contact, starts: dt.datetime, ends: dt.datetime
) -> Rep:
    """The field rep for a meeting with ``contact``: territory first, then round robin.

    A rep whose territory names the contact's state ("US-CA") comes before one that covers the
    whole country ("US"), who comes before reps with no territory (or "*"). Among equals the rep
    handed a meeting least recently goes first; a rep who is busy at that time is passed over.
    """
    field_reps = list(session.scalars(select(Rep).where(Rep.role == "field", Rep.active)))
    if not field_reps:
        raise HandoffError("there is no active field rep to book the meeting with")
    codes, country = territory_codes(session, contact)
    tiers: dict[int, list[Rep]] = {}
    for candidate in field_reps:
        covered = {t.strip().upper() for t in (candidate.territory or "").split(",") if t.strip()}
        if covered & codes:
            tier = 0
        elif country and country in covered:
            tier = 1
        elif not covered or "*" in covered:
            tier = 2
        else:
            continue
        tiers.setdefault(tier, []).append(candidate)
    where = ", ".join(sorted(codes)) or country or "an unknown place"
    if not tiers:
        raise HandoffError(f"no field rep covers {where}; choose the field rep by hand")
    last_given = dict(
        session.execute(
            select(Appointment.field_rep_id, func.max(Appointment.id)).group_by(
                Appointment.field_rep_id
            )
        ).all()
    )
    busy: list[str] = []
    for tier in sorted(tiers):
        ordered = sorted(tiers[tier], key=lambda r: (last_given.get(r.id, 0), r.id))
        for candidate in ordered:
            lock_field_rep(session, candidate.id)
            clash = find_conflict(session, candidate.id, starts, ends)
            if clash is None:
                return candidate
            busy.append(str(conflict_error(session, candidate, clash)).split(";")[0])
        break  # reps of a farther tier are not offered while nearer ones exist
    raise BookingConflict(
        "every field rep for " + where + " is busy then: " + "; ".join(busy), None
    )


# --- grades B and C: dated calls ------------------------------------------------------------


def _follow_up_due(
    grade_result: GradeResult, booking: Booking | None, at: dt.datetime, zone: str | None
) -> dt.datetime:
    if booking is not None and booking.follow_up_at is not None:
        if booking.follow_up_at.tzinfo is None:
            raise HandoffError("the follow-up time must carry its time zone")
        return max(booking.follow_up_at, at)
    tz = _zone(zone)
    if grade_result.follow_up_date is not None:
        local = dt.datetime.combine(grade_result.follow_up_date, dt.time(CALL_HOUR), tz)
        return max(local.astimezone(dt.UTC), at)
    return _local_call_time(at, grade_result.days or 30, zone)


def _local_call_time(at: dt.datetime, days: int, zone: str | None) -> dt.datetime:
    """``days`` after ``at``, at the call hour of the contact's own day."""
    tz = _zone(zone)
    day = at.astimezone(tz).date() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(CALL_HOUR), tz).astimezone(dt.UTC)


def _callback(
    session: Session,
    contact: Contact,
    attempt: Attempt,
    rep: Rep,
    kind: str,
    due: dt.datetime,
    personal: bool,
    notes: str,
) -> Callback:
    callback = Callback(
        contact_id=contact.id,
        rep_id=rep.id,
        attempt_id=attempt.id,
        due_at=due,
        personal=personal,
        kind=kind,
        notes=notes,
        status="open",
    )
    session.add(callback)
    return callback


def _supersede_callbacks(session: Session, contact_id: int, at: dt.datetime) -> None:
    for callback in session.scalars(
        select(Callback).where(
            Callback.contact_id == contact_id,
            Callback.status == "open",
            Callback.kind.in_(SUPERSEDED_KINDS),
        )
    ):
        callback.status = "cancelled"
        callback.done_at = at


# --- referred people ----------------------------------------------------------------------


def _referrals_in(answers: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [
        dict(v)
        for v in answers.values()
        if isinstance(v, Mapping) and (v.get("first_name") or v.get("last_name"))
    ]


def capture_referral(
    session: Session,
    referrer: Contact,
    person: Mapping[str, Any],
    *,
    rep: Rep | None = None,
    at: dt.datetime,
    attempt: Attempt | None = None,
) -> Contact:
    """The right person named by ``referrer``: a new contact at the same company, queued.

    The phone is normalised with phonenumbers (in the referrer's country when it has no
    country code); where the number says nothing about its place, the referrer's locale is
    copied. The new contact gets the referrer's tier, priority and lists. An existing contact
    of the company with the same number or email and a matching name is linked instead.
    """
    first = (person.get("first_name") or "").strip() or None
    last = (person.get("last_name") or "").strip() or None
    email = (person.get("email") or "").strip() or None
    number, raw_phone = _parse_phone(referrer, person)
    e164 = (
        phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        if number is not None
        else None
    )
    existing = _existing_person(session, referrer, first, last, e164, email)
    if existing is not None:
        if existing.referred_by_id is None:
            existing.referred_by_id = referrer.id
        return existing

    new = Contact(
        company_id=referrer.company_id,
        first_name=first,
        last_name=last,
        title=(person.get("title") or "").strip() or None,
        referred_by_id=referrer.id,
        tier=referrer.tier,
        priority=referrer.priority,
        engagement=referrer.engagement,
        stage="new",
        callable=True,
        attempts=0,
        created_at=at,
        updated_at=at,
    )
    who = rep.name if rep else "a rep"
    note = f"Referred by {referrer.full_name} ({who}, {at:%Y-%m-%d})"
    if person.get("notes"):
        note += f": {person['notes']}"
    new.notes = note

    zones: list[str] = []
    if number is not None:
        # The one home of a number's zones (the NANP table corrects phonenumbers' errors).
        zones = list(number_zones(e164)) if e164 else []
    referrer_locale = parse_key(referrer.locale_key) if referrer.locale_key else None
    region = phonenumbers.region_code_for_number(number) if number is not None else None
    referrer_zones = set(referrer_locale.zones) if referrer_locale else set()
    # A number whose zones merely contain the referrer's (toll-free, a country-wide mobile
    # range) says less than the referrer's place does: then the referrer's place is kept.
    vaguer = bool(referrer_zones) and referrer_zones < set(zones)
    if zones and region and not vaguer:
        same_place = (
            referrer_locale is not None
            and referrer_locale.country == region
            and set(zones) <= set(referrer_locale.zones)
        )
        new.country = region
        if same_place:
            new.state = referrer.state
            new.city, new.street, new.postal_code = (
                referrer.city,
                referrer.street,
                referrer.postal_code,
            )
        locale, reason = derive_locale(
            region,
            new.state,
            [zones],
            referrer_locale.states if same_place and referrer_locale else (),
        )
        new.locale_key = locale.key if locale else None
        new.needs_review_reason = reason
    else:
        # The number says nothing better about the place: same company, same place.
        new.country = referrer.country
        new.state = referrer.state
        new.city, new.street, new.postal_code = (
            referrer.city,
            referrer.street,
            referrer.postal_code,
        )
        new.locale_key = referrer.locale_key
        new.time_zone_override = referrer.time_zone_override
    session.add(new)
    session.flush()

    if raw_phone:
        phone = Phone(
            contact_id=new.id,
            position=0,
            label="work",
            raw=raw_phone,
            e164=e164,
            extension=number.extension if number is not None else None,
            number_type=(
                phonenumbers.PhoneNumberType.to_string(phonenumbers.number_type(number))
                if number is not None
                else None
            ),
            region=region,
            time_zones="|".join(zones) or None,
            valid=number is not None,
            invalid_reason=None if number is not None else "not a valid phone number",
        )
        if e164 and session.scalar(select(DncEntry.id).where(DncEntry.e164 == e164).limit(1)):
            phone.dnc = True
        session.add(phone)
        callable_phone = number is not None and not phone.dnc
    else:
        callable_phone = False
    if email:
        local = email.split("@", 1)[0].lower()
        session.add(
            Email(
                contact_id=new.id,
                address=email,
                address_key=email.lower(),
                role_address=local in _ROLE_MAILBOXES,
            )
        )
    if not callable_phone:
        new.callable, new.stage = False, "needs_review"
        new.needs_review_reason = (
            "the referral left no phone number"
            if not raw_phone
            else "the referral's number cannot be called (invalid or on the DNC list)"
        )
    elif new.locale_key is None:
        new.callable, new.stage = False, "needs_review"
        new.needs_review_reason = new.needs_review_reason or "time zone unknown"
    for (list_id,) in session.execute(
        select(ListMember.list_id).where(ListMember.contact_id == referrer.id)
    ):
        session.add(ListMember(list_id=list_id, contact_id=new.id, added_at=at))
    _queue_like_referrer(session, referrer, new, at)
    session.flush()
    return new


def _queue_like_referrer(
    session: Session, referrer: Contact, new: Contact, at: dt.datetime
) -> None:
    """Place a referred person in the referrer's campaign: in a sprint, right after its hot ones.

    She joins the referrer's events (so the sprint holds her whenever campaigns are re-applied)
    with a heat just below a hot booth visitor's, and takes the referrer's campaign and its
    rank at once: a decision maker named at a sprint is not left behind the purchased list.
    """
    from calldesk.campaigns import queue_rank
    from calldesk.importing.values import engagement_score
    from calldesk.models import Campaign, EventEngagement

    event_ids = list(
        session.scalars(
            select(EventEngagement.event_id).where(EventEngagement.contact_id == referrer.id)
        )
    )
    heat = engagement_score("hot", None, None, None, None, None) - 1
    for event_id in event_ids:
        session.add(
            EventEngagement(event_id=event_id, contact_id=new.id, score=heat, engaged_at=at)
        )
    campaign = session.get(Campaign, referrer.campaign_id) if referrer.campaign_id else None
    new.campaign_id = referrer.campaign_id
    if campaign is not None and campaign.kind == "event_sprint":
        new.tier, new.priority, new.engagement = 1, campaign.priority, heat
        new.queue_rank = queue_rank(1, campaign.priority, heat, campaign.deadline)
    else:
        new.queue_rank = referrer.queue_rank  # the same place as the referrer in her list


def _parse_phone(
    referrer: Contact, person: Mapping[str, Any]
) -> tuple[phonenumbers.PhoneNumber | None, str | None]:
    raw = (person.get("phone") or "").strip() or None
    if raw is None:
        return None, None
    regions = [p.region for p in referrer.phones if p.region] + [referrer.country or "US"]
    text = person.get("e164") or raw
    for region in dict.fromkeys(regions):
        number = to_phonenumber(text, region, Policy.DIAL)
        if number is not None:
            if person.get("extension") and not number.extension:
                number.extension = str(person["extension"])
            return number, raw
    return None, raw


def _existing_person(
    session: Session,
    referrer: Contact,
    first: str | None,
    last: str | None,
    e164: str | None,
    email: str | None,
) -> Contact | None:
    if referrer.company_id is None:
        return None
    candidates: list[Contact] = []
    if e164:
        candidates += session.scalars(
            select(Contact)
            .join(Phone, Phone.contact_id == Contact.id)
            .where(Contact.company_id == referrer.company_id, Phone.e164 == e164)
        ).all()
    if email:
        candidates += session.scalars(
            select(Contact)
            .join(Email, Email.contact_id == Contact.id)
            .where(Contact.company_id == referrer.company_id, Email.address_key == email.lower())
        ).all()

    def same(a: str | None, b: str | None) -> bool:
        return not a or not b or a.casefold() == b.casefold()

    for candidate in candidates:
        if candidate.id != referrer.id and (
            same(candidate.first_name, first) and same(candidate.last_name, last)
        ):
            return candidate
    return None


# --- time zones ---------------------------------------------------------------------------


def contact_zone(session: Session, contact: Contact) -> str | None:
    """The contact's clock: :func:`calldesk.places.contact_clock`, the one rule for it."""
    return contact_clock(contact)


def _zone(name: str | None) -> ZoneInfo | dt.timezone:
    if not name:
        return dt.UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return dt.UTC


def in_zone(moment: dt.datetime, zone: str | None, *, time_only: bool = False) -> str:
    """``moment`` on the clock of ``zone``, e.g. ``"Tue 1 Dec 2026 14:00 PST"``."""
    local = moment.astimezone(_zone(zone))
    abbreviation = local.tzname() or "UTC"
    if time_only:
        return f"{local:%H:%M} {abbreviation}"
    return f"{local:%a} {local.day} {local:%b %Y %H:%M} {abbreviation}"


def both_zones(moment: dt.datetime, rep_zone: str | None, contact_zone_name: str | None) -> str:
    """A time on the rep's clock and on the contact's, e.g. for a meeting or a callback."""
    mine = in_zone(moment, rep_zone)
    if not contact_zone_name or contact_zone_name == rep_zone:
        return f"{mine} (same zone for the contact)" if contact_zone_name else mine
    theirs = in_zone(moment, contact_zone_name)
    return f"{mine} / contact's time {theirs}"


def _rep_brief(session: Session) -> Any:
    def brief(rep_id: int | None) -> dict[str, Any] | None:
        if rep_id is None:
            return None
        rep = session.get(Rep, rep_id)
        return {"id": rep.id, "name": rep.name, "email": rep.email} if rep else None

    return brief


def _appointment_brief(appointment: Appointment) -> dict[str, Any]:
    return {
        "id": appointment.id,
        "uid": appointment.uid,
        "field_rep_id": appointment.field_rep_id,
        "starts_at": appointment.starts_at.isoformat(),
        "ends_at": appointment.ends_at.isoformat(),
        "contact_time_zone": appointment.contact_time_zone,
        "location": appointment.location,
        "meeting_link": appointment.meeting_link,
        "status": appointment.status,
    }
