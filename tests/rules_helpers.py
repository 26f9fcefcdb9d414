"""Helpers for the rules tests: contacts stored the way the importer stores them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy.orm import Session

from calldesk.locale import locate, number_zones
from calldesk.models import Attempt, Contact, Phone, Rep


def add_contact(
    session: Session,
    numbers: Sequence[str],
    *,
    state: str | None = None,
    country: str | None = None,
    dnc: bool = False,
) -> Contact:
    """A contact with these E.164 numbers and address state; locale key as the importer sets it."""
    placement = locate(country, state, numbers)
    contact = Contact(
        first_name="Pat",
        last_name="Lee",
        state=state,
        country=country or (placement.locale.country if placement.locale else None),
        locale_key=placement.locale.key if placement.locale else None,
        needs_review_reason=placement.reason,
        stage="new" if placement.locale else "needs_review",
        dnc=dnc,
    )
    contact.phones = [
        Phone(
            position=i,
            raw=n,
            e164=n,
            valid=True,
            time_zones="|".join(number_zones(n)) or None,
        )
        for i, n in enumerate(numbers)
    ]
    session.add(contact)
    session.flush()
    return contact


def add_rep(session: Session, name: str, role: str = "qualifier") -> Rep:
    rep = Rep(name=name, role=role)
    session.add(rep)
    session.flush()
    return rep


def add_attempt(
    session: Session,
    contact: Contact,
    at: dt.datetime,
    *,
    rep: Rep | None = None,
    disposition: str = "no_answer",
    phone_index: int = 0,
) -> Attempt:
    phone = contact.phones[phone_index] if contact.phones else None
    attempt = Attempt(
        contact_id=contact.id,
        phone_id=phone.id if phone else None,
        rep_id=rep.id if rep else None,
        number_dialled=phone.e164 if phone else None,
        started_at=at,
        ended_at=at + dt.timedelta(minutes=2),
        disposition=disposition,
    )
    session.add(attempt)
    session.flush()
    return attempt
