"""Appointments as RFC 5545 iCalendar (``.ics``) for the field rep's calendar.

Each appointment is one VEVENT whose UID never changes; an update or a cancellation is the same
UID with a higher SEQUENCE (``Appointment.sequence``, raised by whoever changes the meeting), so
a calendar that imports the new file replaces the old event instead of adding a second one. A
rejected or cancelled meeting is published with ``STATUS:CANCELLED``. Times carry the contact's
time zone (TZID, with its VTIMEZONE), the organizer is the field rep, the contact is the
attendee and the description holds the qualification summary.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from icalendar import Calendar, Event, vCalAddress, vText
from sqlalchemy import select
from sqlalchemy.orm import Session

import calldesk
from calldesk.models import Appointment, Rep, utcnow
from calldesk.outbox import lead_payloads
from calldesk.sync.privacy import scrub_payloads

PRODID = f"-//calldesk//calldesk {calldesk.__version__}//EN"
# A link a calendar may open: http(s), no spaces or line breaks.
_LINK = re.compile(r"https?://[^\s<>\"]+", re.IGNORECASE)
_STATUS = {
    "booked": "TENTATIVE",
    "accepted": "CONFIRMED",
    "rejected": "CANCELLED",
    "cancelled": "CANCELLED",
}


def appointments_ics(
    session: Session,
    appointment_ids: Sequence[int],
    skipped: list[tuple[int, str]] | None = None,
) -> bytes:
    """One VCALENDAR (METHOD:PUBLISH) holding the given appointments, in start order.

    An appointment with a value no calendar file can hold is left out, with its id and the
    reason appended to ``skipped``: one bad meeting never stops the others.
    """
    appointments = list(
        session.scalars(
            select(Appointment)
            .where(Appointment.id.in_(list(appointment_ids)))
            .order_by(Appointment.starts_at, Appointment.id)
        )
    )
    return _calendar(session, appointments, skipped).to_ical()


def write_appointments_ics(
    session: Session,
    path: Path | str,
    *,
    field_rep_id: int | None = None,
    upcoming_only: bool = True,
    now: dt.datetime | None = None,
    skipped: list[tuple[int, str]] | None = None,
) -> int:
    """Write appointments (one field rep's, or everyone's) to ``path``; returns how many.

    ``upcoming_only`` keeps meetings that have not ended by ``now`` (the caller's clock; the
    current time when omitted), cancelled ones included, so a calendar that already has them
    learns of the cancellation. Appointments that cannot be written are left out and listed
    in ``skipped`` (id, reason); the count returned is of those written.
    """
    query = select(Appointment.id)
    if field_rep_id is not None:
        query = query.where(Appointment.field_rep_id == field_rep_id)
    if upcoming_only:
        query = query.where(Appointment.ends_at >= (now or utcnow()))
    ids = list(session.scalars(query))
    left_out: list[tuple[int, str]] = [] if skipped is None else skipped
    data = appointments_ics(session, ids, left_out)
    path = Path(path)
    from calldesk.sync.export import remove_stale_parts  # late: export imports the row builder

    remove_stale_parts(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.part")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return len(ids) - len(left_out)


def _calendar(
    session: Session, appointments: list[Appointment], skipped: list[tuple[int, str]] | None
) -> Calendar:
    """The calendar of ``appointments``; one that cannot be written is left out and its reason
    appended to ``skipped``, so one bad meeting never stops the others."""
    skipped = [] if skipped is None else skipped
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    calendar.add("calscale", "GREGORIAN")
    payloads = lead_payloads(session, {a.contact_id for a in appointments})
    # What leaves in the file, with every do-not-call number taken out (notes, place, link).
    texts = scrub_payloads(
        session,
        [
            (
                a.contact_id,
                {
                    "payload": payloads.get(a.contact_id) or {},
                    "summary": a.summary,
                    "location": a.location,
                    "meeting_link": a.meeting_link,
                    "reject": a.reject_text or a.reject_reason,
                },
            )
            for a in appointments
        ],
    )
    rep_ids = {a.field_rep_id for a in appointments} | {
        a.qualifier_id for a in appointments if a.qualifier_id
    }
    reps = {r.id: r for r in session.scalars(select(Rep).where(Rep.id.in_(rep_ids)))}
    stamp = utcnow()
    written: list[Appointment] = []
    for appointment, text in zip(appointments, texts, strict=True):
        try:
            event = _event(appointment, text, reps, stamp)
            event.to_ical()  # a value that cannot be written fails here, not for the whole file
        except (ValueError, OverflowError, TypeError) as exc:
            skipped.append((appointment.id, f"cannot be written to a calendar: {exc}"))
            continue
        calendar.add_component(event)
        written.append(appointment)
    if written:
        # Transitions only around these meetings: a VTIMEZONE from 1970 would dwarf the events.
        year = dt.timedelta(days=366)
        first = min(a.starts_at for a in written).date()
        last = max(a.ends_at for a in written).date()
        first = first - year if first > dt.date.min + year else dt.date.min
        last = last + year if last < dt.date.max - year else dt.date.max
        # Should the zone table fail, times keep their TZID: calendars still read them.
        with contextlib.suppress(ValueError, OverflowError):
            calendar.add_missing_timezones(first_date=first, last_date=last)
    return calendar


def _zone(appointment: Appointment, field_rep: Rep | None) -> dt.tzinfo:
    for name in (appointment.contact_time_zone, field_rep.time_zone if field_rep else None):
        if name:
            try:
                return ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return dt.UTC


def _address(rep: Rep | None, fallback: str) -> vCalAddress:
    email = rep.email if rep and rep.email else None
    if email is None:
        # A CAL-ADDRESS is required; a rep without an email gets one that can never deliver.
        slug = re.sub(r"[^a-z0-9]+", ".", (rep.name if rep else fallback).lower()).strip(".")
        email = f"{slug or 'rep'}@calldesk.invalid"
    address = vCalAddress(f"mailto:{email}")
    address.params["cn"] = vText(rep.name if rep else fallback)
    return address


def _one_line(value: str | None) -> str | None:
    """A single-line property's value: line breaks (refused at booking since) become spaces."""
    if value is None:
        return None
    return " ".join(value.split()) or None


def _event(
    appointment: Appointment, text: dict[str, Any], reps: dict[int, Rep], stamp: dt.datetime
) -> Event:
    payload = text["payload"]
    location = _one_line(text["location"])
    link = _one_line(text["meeting_link"])
    field_rep = reps.get(appointment.field_rep_id)
    qualifier = reps.get(appointment.qualifier_id) if appointment.qualifier_id else None
    zone = _zone(appointment, field_rep)
    contact = payload.get("contact") or {}
    company = (payload.get("company") or {}).get("name")
    who = contact.get("full_name") or "contact"

    event = Event()
    event.add("uid", appointment.uid)
    event.add("sequence", appointment.sequence)
    event.add("dtstamp", stamp)
    event.add("dtstart", appointment.starts_at.astimezone(zone))
    event.add("dtend", appointment.ends_at.astimezone(zone))
    event.add("created", appointment.created_at)
    event.add("last-modified", appointment.updated_at)
    event.add("summary", f"Meeting: {who}" + (f" ({company})" if company else ""))
    event.add("description", _description(appointment, text, qualifier))
    if location or link:
        event.add("location", location or link)
    if link and _LINK.fullmatch(link):
        event.add("url", link)
    event.add("status", _STATUS.get(appointment.status, "TENTATIVE"))
    event.add("organizer", _address(field_rep, "Field rep"))
    if contact.get("email"):
        attendee = vCalAddress(f"mailto:{contact['email']}")
        attendee.params["cn"] = vText(who)
        attendee.params["role"] = vText("REQ-PARTICIPANT")
        attendee.params["partstat"] = vText("NEEDS-ACTION")
        event.add("attendee", attendee)
    return event


def _description(appointment: Appointment, text: dict[str, Any], qualifier: Rep | None) -> str:
    """The qualification summary a field rep reads before the meeting."""
    payload = text["payload"]
    contact = payload.get("contact") or {}
    company = payload.get("company") or {}
    lines = []
    if text["summary"]:
        lines.append(text["summary"])
        lines.append("")
    who = contact.get("full_name") or ""
    if contact.get("title"):
        who += f", {contact['title']}"
    if company.get("name"):
        who += f" at {company['name']}"
    lines.append(f"Contact: {who}")
    for phone in contact.get("phones") or []:
        ext = f" ext. {phone['extension']}" if phone.get("extension") else ""
        lines.append(f"Phone: {phone['e164']}{ext}")
    if contact.get("email"):
        lines.append(f"Email: {contact['email']}")
    if payload.get("grade"):
        lines.append(
            f"Grade: {payload['grade']}" + (f" ({payload['why']})" if payload.get("why") else "")
        )
    for question, answer in sorted((payload.get("answers") or {}).items()):
        lines.append(f"{question}: {answer}")
    if qualifier is not None:
        lines.append(f"Qualified by: {qualifier.name}")
    if appointment.status in ("rejected", "cancelled"):
        reason = text["reject"]
        lines.append(f"Status: {appointment.status}" + (f" ({reason})" if reason else ""))
    return "\n".join(lines)
