"""Builders for sync tests: reps, graded leads, appointments and outbox entries in a real store.

The outcome recording of the queue is built elsewhere; these write the same rows directly and
enqueue outbox entries with :func:`calldesk.outbox.enqueue`, as an outcome does.
"""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from typing import Any

import keyring
import pytest
from jaraco.classes import properties
from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError
from sqlalchemy.orm import Session

from calldesk import outbox
from calldesk.models import (
    Appointment,
    Attempt,
    CallList,
    Company,
    Contact,
    Email,
    ListMember,
    OutboxEntry,
    Phone,
    Rep,
)

_seq = itertools.count(1)


class MemoryKeyring(KeyringBackend):
    """A keyring backend that keeps secrets in memory (this machine has no real one)."""

    # keyring picks its default among every backend class it can see: never this one
    # (a backend whose priority raises is not viable).
    @properties.classproperty
    def priority(cls) -> float:
        raise RuntimeError("only installed explicitly by a test")

    def __init__(self) -> None:
        super().__init__()
        self.secrets: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.secrets.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.secrets[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if (service, username) not in self.secrets:
            raise PasswordDeleteError(username)
        del self.secrets[(service, username)]


@pytest.fixture
def memory_keyring():
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)


def make_rep(
    session: Session,
    name: str,
    *,
    role: str = "qualifier",
    email: str | None = None,
    time_zone: str = "America/New_York",
) -> Rep:
    rep = Rep(name=name, role=role, email=email, time_zone=time_zone)
    session.add(rep)
    session.flush()
    return rep


def make_lead(
    session: Session,
    *,
    first: str = "Ada",
    last: str = "Lovelace",
    company: str | None = "Analytical Engines Ltd",
    phones: list[tuple[str, str | None, str | None]] | None = None,
    emails: list[str] | None = None,
    grade: str | None = "A",
    why: str | None = "Budget approved, wants a demo",
    answers: dict[str, Any] | None = None,
    list_name: str | None = "Spring list",
    qualifier: Rep | None = None,
    dnc: bool = False,
    title: str | None = "CTO",
) -> Contact:
    """A graded contact with company, phones, emails, a list membership and a graded attempt."""
    n = next(_seq)
    company_row = None
    if company is not None:
        company_row = Company(
            name=company, name_key=company.casefold(), website="https://ae.example"
        )
        session.add(company_row)
        session.flush()
    contact = Contact(
        first_name=first,
        last_name=last,
        title=title,
        company_id=company_row.id if company_row else None,
        city="Tampa",
        state="FL",
        postal_code="33602",
        country="US",
        grade=grade,
        grade_why=why,
        stage="appointment" if grade == "A" else "nurture",
        dnc=dnc,
        callable=not dnc,
    )
    session.add(contact)
    session.flush()
    for position, (raw, e164, label) in enumerate(
        phones
        if phones is not None
        else [(f"(813) 555-{n % 10000:04d}", f"+1813555{n:04d}", "work")]
    ):
        session.add(
            Phone(
                contact_id=contact.id,
                position=position,
                raw=raw,
                e164=e164,
                label=label,
                valid=e164 is not None,
            )
        )
    for address in emails if emails is not None else [f"{first.lower()}.{n}@ae.example"]:
        session.add(Email(contact_id=contact.id, address=address, address_key=address.lower()))
    if list_name is not None:
        call_list = session.query(CallList).filter_by(name=list_name).one_or_none()
        if call_list is None:
            call_list = CallList(name=list_name)
            session.add(call_list)
            session.flush()
        session.add(ListMember(list_id=call_list.id, contact_id=contact.id))
    if grade is not None:
        session.add(
            Attempt(
                contact_id=contact.id,
                rep_id=qualifier.id if qualifier else None,
                disposition="qualified",
                conversation=True,
                grade=grade,
                grade_why=why,
                answers=answers if answers is not None else {"budget": "yes", "timeline": "Q3"},
                script_key="bant",
                script_version=1,
            )
        )
    session.flush()
    return contact


def make_appointment(
    session: Session,
    contact: Contact,
    field_rep: Rep,
    *,
    qualifier: Rep | None = None,
    starts_at: dt.datetime | None = None,
    minutes: int = 45,
    time_zone: str = "America/New_York",
    summary: str = "Needs 40 seats by Q3; decision maker; budget approved.",
) -> Appointment:
    starts_at = starts_at or (dt.datetime.now(dt.UTC) + dt.timedelta(days=2)).replace(
        minute=0, second=0, microsecond=0
    )
    appointment = Appointment(
        uid=f"{uuid.uuid4()}@calldesk",
        contact_id=contact.id,
        field_rep_id=field_rep.id,
        qualifier_id=qualifier.id if qualifier else None,
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(minutes=minutes),
        contact_time_zone=time_zone,
        location="Client office, 1 Main St, Tampa",
        summary=summary,
    )
    session.add(appointment)
    session.flush()
    return appointment


def enqueue_graded(session: Session, contact: Contact, key: str | None = None) -> OutboxEntry:
    """The entry an outcome with a grade writes, in the caller's transaction."""
    entry = outbox.enqueue(
        session,
        outbox.KIND_LEAD_GRADED,
        key=key or f"contact-{contact.id}-grade-{next(_seq)}",
        payload=outbox.lead_payload(session, contact.id),
        contact_id=contact.id,
    )
    session.flush()
    return entry


def enqueue_appointment(
    session: Session, appointment: Appointment, kind: str = outbox.KIND_APPOINTMENT_BOOKED
) -> OutboxEntry:
    entry = outbox.enqueue(
        session,
        kind,
        key=f"appointment-{appointment.id}-{kind}-{appointment.sequence}",
        payload=outbox.lead_payload(session, appointment.contact_id),
        contact_id=appointment.contact_id,
        appointment_id=appointment.id,
    )
    session.flush()
    return entry
