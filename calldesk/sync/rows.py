"""The export's fast path: layout rows built straight from SQL tuples, a chunk at a time.

:func:`calldesk.outbox.lead_payloads` builds a full nested payload per contact, and
:func:`calldesk.sync.layouts.row` then walks it column by column through small functions: fine
for the few contacts a sync run writes, but a million-row export spent nearly all its time there.
Here each chunk of contacts costs seven plain queries (contacts with their company; phones
without DNC numbers; emails; list memberships; event engagements; graded attempts;
appointments) whose rows are grouped per contact in dictionaries, and each layout row is one
tuple built directly from them. The cells are the same as ``row(layout, lead_payload(...))``
(tests/test_export_fast.py compares whole files): same values, DNC numbers
left out, DNC contacts never read.

List, event and rep names are few and repeated on every row, so they are read once and cached
(and read again when a chunk names one not seen yet).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, Text, cast, exists, select
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
    Phone,
    Rep,
)
from calldesk.sync.layouts import (
    _HS_LIFECYCLE,
    _HS_STATUS,
    _SF_RATING,
    _SF_STATUS,
    LAYOUTS,
    NOT_PROVIDED,
)
from calldesk.sync.privacy import scrub_payloads

# Columns a person typed into, where a phone number may hide (see _scrub_free_text).
_FREE_TEXT = (
    "why",
    "answers",
    "notes",
    "appointment_location",
    "appointment_link",
    "appointment_summary",
    "Description",
    "calldesk Qualification Summary",
)
_digit_run = re.compile(r"\d[\d \-.()/\u00a0]{5,}\d").search

# json.dumps(answers, ensure_ascii=False, sort_keys=True) without a new encoder per call.
_answers_text = json.JSONEncoder(ensure_ascii=False, sort_keys=True).encode
_ANSWER_CACHE_SIZE = 4096


def _answers_cells(raw: str | None) -> tuple[str | None, tuple[str, ...]]:
    """The answers column and the summary lines of an attempt's answers, from the stored JSON."""
    answers = (json.loads(raw) if raw is not None else None) or {}
    if not answers:
        return None, ()
    return _answers_text(answers), tuple(f"{q}: {a}" for q, a in sorted(answers.items()))


_NO_PHONE = (None, None, None, None)
_NO_APPOINTMENT = (None,) * 11


def _clean(cells: Sequence[Any]) -> list[Any]:
    """``cells`` as :func:`calldesk.sync.layouts.row` leaves them: None -> "" (the writer guards)."""
    return ["" if v is None else v for v in cells]


class LeadRows:
    """Reads lead rows of one layout in contact-id order, ``chunk_size`` contacts at a time.

    ``condition`` selects the contacts (it must exclude DNC contacts: their rows would still
    leave out their phones, as payloads do, but the export never writes them at all).
    """

    def __init__(self, layout: str, condition: Sequence[ColumnElement[bool]]) -> None:
        if layout not in LAYOUTS:
            raise ValueError(f"unknown layout {layout!r}")
        self.layout = layout
        self.condition = tuple(condition)
        self._lists: dict[int, tuple[str, int | None]] = {}
        self._events: dict[int, str] = {}
        self._reps: dict[int, tuple[str, str | None]] = {}
        self._answer_cache: dict[str | None, tuple[str | None, tuple[str, ...]]] = {}
        names = [name for name, _ in LAYOUTS[layout]]
        self._text_columns = [names.index(n) for n in _FREE_TEXT if n in names]

    def _answers(self, raw: str | None) -> tuple[str | None, tuple[str, ...]]:
        cells = self._answer_cache.get(raw)
        if cells is None:
            if len(self._answer_cache) >= _ANSWER_CACHE_SIZE:
                self._answer_cache.clear()  # bounded memory: answers that never repeat
            cells = self._answer_cache[raw] = _answers_cells(raw)
        return cells

    def chunk(self, session: Session, after_id: int, limit: int) -> tuple[list[list[Any]], int]:
        """Rows of the next ``limit`` contacts with an id above ``after_id``, and the last id read.

        Returns ``([], after_id)`` when there are no more contacts.
        """
        db = session.connection()  # Core rows: no ORM loading step for plain columns
        contacts = db.execute(
            select(
                Contact.id,
                Contact.first_name,
                Contact.last_name,
                Contact.title,
                Contact.street,
                Contact.city,
                Contact.state,
                Contact.postal_code,
                Contact.country,
                Contact.grade,
                Contact.grade_why,
                Contact.stage,
                Company.name,
                Company.website,
                Company.industry,
            )
            .outerjoin(Company, Company.id == Contact.company_id)
            .where(*self.condition, Contact.id > after_id)
            .order_by(Contact.id)
            .limit(limit)
        ).all()
        if not contacts:
            return [], after_id
        low, high = contacts[0][0], contacts[-1][0]
        dense = high - low < 2 * len(contacts)

        def scoped(statement: Select[Any], contact_id: Any, *where: Any) -> Select[Any]:
            """``statement`` limited to the child rows of this chunk's contacts."""
            if dense:
                # Most ids in the range are selected: a plain index range, and the few rows of
                # contacts not selected are read but never looked up.
                return statement.where(contact_id >= low, contact_id <= high, *where)
            return statement.join(Contact, Contact.id == contact_id).where(
                Contact.id >= low, Contact.id <= high, *self.condition, *where
            )

        phones: dict[int, list[tuple[Any, ...]]] = {}
        for contact_id, e164, extension, label, number_type in db.execute(
            scoped(
                select(
                    Phone.contact_id, Phone.e164, Phone.extension, Phone.label, Phone.number_type
                ),
                Phone.contact_id,
                Phone.valid.is_(True),
                Phone.dnc.is_(False),
                Phone.e164.is_not(None),
                ~exists().where(DncEntry.e164 == Phone.e164),
            ).order_by(Phone.contact_id, Phone.position, Phone.id)
        ).all():
            if e164:
                phones.setdefault(contact_id, []).append((e164, extension, label, number_type))

        emails: dict[int, list[str]] = {}
        for contact_id, address in db.execute(
            scoped(select(Email.contact_id, Email.address), Email.contact_id).order_by(
                Email.contact_id, Email.id
            )
        ).all():
            emails.setdefault(contact_id, []).append(address)

        memberships = db.execute(
            scoped(
                select(ListMember.contact_id, ListMember.list_id), ListMember.contact_id
            ).order_by(ListMember.contact_id, ListMember.list_id)
        ).all()
        engagements = db.execute(
            scoped(
                select(EventEngagement.contact_id, EventEngagement.event_id),
                EventEngagement.contact_id,
            ).order_by(EventEngagement.contact_id, EventEngagement.event_id)
        ).all()
        self._learn_names(db, memberships, engagements)
        list_names: dict[int, list[str]] = {}
        event_ids: dict[int, dict[int, None]] = {}  # insertion-ordered set, as payloads keep it
        for contact_id, list_id in memberships:
            name, event_id = self._lists[list_id]
            list_names.setdefault(contact_id, []).append(name)
            if event_id is not None:
                event_ids.setdefault(contact_id, {})[event_id] = None
        for contact_id, event_id in engagements:
            event_ids.setdefault(contact_id, {})[event_id] = None
        event_names = self._events
        lists_text = {cid: "; ".join(names) for cid, names in list_names.items()}
        events_text = {
            cid: "; ".join([event_names[e] for e in ids]) for cid, ids in event_ids.items()
        }

        # The latest graded attempt and the latest appointment win (rows come oldest first).
        attempts = {
            a[0]: a
            for a in db.execute(
                scoped(
                    select(
                        Attempt.contact_id,
                        Attempt.rep_id,
                        # The stored JSON text: scripts ask the same questions, so most answers
                        # repeat and are decoded and re-encoded once (see _answers).
                        cast(Attempt.answers, Text),
                        Attempt.notes,
                        Attempt.started_at,
                    ),
                    Attempt.contact_id,
                    Attempt.grade.is_not(None),
                ).order_by(Attempt.contact_id, Attempt.started_at, Attempt.id)
            ).all()
        }
        appointments = {
            a[0]: a
            for a in db.execute(
                scoped(
                    select(
                        Appointment.contact_id,
                        Appointment.uid,
                        Appointment.starts_at,
                        Appointment.ends_at,
                        Appointment.contact_time_zone,
                        Appointment.status,
                        Appointment.outcome,
                        Appointment.location,
                        Appointment.meeting_link,
                        Appointment.summary,
                        Appointment.field_rep_id,
                        Appointment.qualifier_id,
                    ),
                    Appointment.contact_id,
                ).order_by(Appointment.contact_id, Appointment.created_at, Appointment.id)
            ).all()
        }
        rep_ids = {a[1] for a in attempts.values() if a[1] is not None}
        rep_ids |= {a[10] for a in appointments.values() if a[10] is not None}
        rep_ids |= {a[11] for a in appointments.values() if a[11] is not None}
        self._learn_reps(db, rep_ids)

        build = self._calldesk if self.layout == "calldesk" else self._crm
        rows = build(contacts, phones, emails, lists_text, events_text, attempts, appointments)
        self._scrub_free_text(session, contacts, rows)
        return rows, high

    def _scrub_free_text(self, session: Session, contacts: Any, rows: list[list[Any]]) -> None:
        """Take do-not-call numbers out of the free-text cells (notes, why, the meeting place).

        Phone columns never hold a listed number (the phones query leaves them out); a rep may
        still have typed one into the notes. Only cells with a run of digits are looked at.
        """
        found = []
        for contact, cells in zip(contacts, rows, strict=True):
            texts = {
                j: cells[j]
                for j in self._text_columns
                if cells[j].__class__ is str and cells[j] and _digit_run(cells[j])
            }
            if texts:
                found.append((contact[0], cells, texts))
        if not found:
            return
        scrubbed = scrub_payloads(session, [(cid, texts) for cid, _, texts in found])
        for (_, cells, _), texts in zip(found, scrubbed, strict=True):
            for j, text in texts.items():
                cells[j] = text

    def _learn_names(self, db: Connection, memberships: Any, engagements: Any) -> None:
        if any(list_id not in self._lists for _, list_id in memberships):
            self._lists = {
                row[0]: (row[1], row[2])
                for row in db.execute(select(CallList.id, CallList.name, CallList.event_id))
            }
        wanted = {self._lists[list_id][1] for _, list_id in memberships}
        wanted |= {event_id for _, event_id in engagements}
        wanted.discard(None)
        if not wanted <= self._events.keys():
            self._events = {e[0]: e[1] for e in db.execute(select(Event.id, Event.name))}

    def _learn_reps(self, db: Connection, rep_ids: set[int]) -> None:
        missing = rep_ids - self._reps.keys()
        if missing:
            for rep_id, name, email in db.execute(
                select(Rep.id, Rep.name, Rep.email).where(Rep.id.in_(sorted(missing)))
            ):
                self._reps[rep_id] = (name, email)

    def _qualifier(self, attempt: Any, appointment: Any) -> tuple[Any, Any]:
        rep_id = attempt[1] if attempt is not None else None
        if rep_id is None and appointment is not None:
            rep_id = appointment[11]
        return self._reps.get(rep_id, (None, None)) if rep_id is not None else (None, None)

    def _calldesk(
        self,
        contacts: Any,
        phones: dict[int, list[tuple[Any, ...]]],
        emails: dict[int, list[str]],
        lists_text: dict[int, str],
        events_text: dict[int, str],
        attempts: dict[int, Any],
        appointments: dict[int, Any],
    ) -> list[list[Any]]:
        reps = self._reps
        no_rep = (None, None)
        out = []
        for (
            cid,
            first,
            last,
            title,
            street,
            city,
            state,
            postal,
            country,
            grade,
            why,
            stage,
            company,
            website,
            industry,
        ) in contacts:
            ph = phones.get(cid, ())
            n = len(ph)
            p1 = ph[0] if n > 0 else _NO_PHONE
            p2 = ph[1] if n > 1 else _NO_PHONE
            p3 = ph[2] if n > 2 else _NO_PHONE
            em = emails.get(cid)
            attempt = attempts.get(cid)
            appt = appointments.get(cid)
            if attempt is not None:
                answers_text = self._answers(attempt[2])[0]
                notes = attempt[3]
                graded_at = attempt[4].isoformat()
            else:
                answers_text = notes = graded_at = None
            qualifier = self._qualifier(attempt, appt)
            if appt is not None:
                field_rep = reps.get(appt[10], no_rep)
                appt_cells = (
                    appt[1],
                    appt[2].isoformat(),
                    appt[3].isoformat(),
                    appt[4],
                    appt[5],
                    appt[6],
                    appt[7],
                    appt[8],
                    appt[9],
                    field_rep[0],
                    field_rep[1],
                )
            else:
                appt_cells = _NO_APPOINTMENT
            out.append(
                _clean(
                    (
                        cid,
                        first,
                        last,
                        title,
                        company,
                        website,
                        industry,
                        em[0] if em else None,
                        "; ".join(em[1:]) if em else None,
                        p1[0],
                        p1[1],
                        p1[2],
                        p2[0],
                        p2[1],
                        p2[2],
                        p3[0],
                        p3[1],
                        p3[2],
                        street,
                        city,
                        state,
                        postal,
                        country,
                        grade,
                        why,
                        stage,
                        answers_text,
                        notes,
                        qualifier[0],
                        qualifier[1],
                        graded_at,
                        lists_text.get(cid),
                        events_text.get(cid),
                        *appt_cells,
                    )
                )
            )
        return out

    def _crm(
        self,
        contacts: Any,
        phones: dict[int, list[tuple[Any, ...]]],
        emails: dict[int, list[str]],
        lists_text: dict[int, str],
        events_text: dict[int, str],
        attempts: dict[int, Any],
        appointments: dict[int, Any],
    ) -> list[list[Any]]:
        """Salesforce and HubSpot rows: the same facts in another order and wording."""
        reps = self._reps
        no_rep = (None, None)
        salesforce = self.layout == "salesforce"
        out = []
        for (
            cid,
            first,
            last,
            title,
            street,
            city,
            state,
            postal,
            country,
            grade,
            why,
            _stage,
            company,
            website,
            industry,
        ) in contacts:
            office = mobile = None
            for phone in phones.get(cid, ()):
                if phone[2] == "mobile" or phone[3] == "MOBILE":
                    if mobile is None:
                        mobile = phone
                elif office is None:
                    office = phone
            em = emails.get(cid)
            attempt = attempts.get(cid)
            appt = appointments.get(cid)
            qualifier = self._qualifier(attempt, appt)
            field_rep = reps.get(appt[10], no_rep)[0] if appt is not None else None
            starts_at = appt[2].isoformat() if appt is not None else None
            # The description, as layouts._summary writes it.
            parts = []
            if grade:
                parts.append(f"Grade {grade}: {why or ''}".strip())
            if attempt is not None:
                parts.extend(self._answers(attempt[2])[1])
            if appt is not None:
                parts.append(f"Appointment {starts_at} with {field_rep or 'field rep'} ({appt[5]})")
            notes = attempt[3] if attempt is not None else None
            if notes:
                parts.append(f"Notes: {notes}")
            summary = "\n".join(parts)
            source = events_text.get(cid) or lists_text.get(cid) or ""
            key = grade or ""
            if salesforce:
                cells = (
                    first,
                    last or NOT_PROVIDED,
                    title,
                    company or NOT_PROVIDED,
                    em[0] if em else None,
                    office[0] if office else None,
                    office[1] if office else None,
                    mobile[0] if mobile else None,
                    street,
                    city,
                    state,
                    postal,
                    country,
                    website,
                    industry,
                    source,
                    _SF_STATUS.get(key, "Open - Not Contacted"),
                    _SF_RATING.get(key),
                    summary,
                    "false",  # DNC contacts are never exported
                    cid,
                    grade,
                    qualifier[0],
                    starts_at,
                    field_rep,
                )
            else:
                cells = (
                    first,
                    last,
                    em[0] if em else None,
                    office[0] if office else None,
                    mobile[0] if mobile else None,
                    title,
                    company,
                    website,
                    industry,
                    street,
                    city,
                    state,
                    postal,
                    country,
                    _HS_LIFECYCLE.get(key, "lead"),
                    _HS_STATUS.get(key, "NEW"),
                    cid,
                    grade,
                    summary,
                    qualifier[0],
                    source,
                    starts_at,
                    field_rep,
                )
            out.append(_clean(cells))
        return out
