"""Helpers shared by the queue, outcome and campaign tests (no tests here)."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from sqlalchemy.orm import Session

from calldesk import reps
from calldesk.models import CallList, Contact, ListMember, Phone, Rep

# Tuesday 24 November 2026, 15:00 UTC: 10:00 in New York, 09:00 in Chicago, 07:00 in Los Angeles.
TUESDAY_10_NY = dt.datetime(2026, 11, 24, 15, 0, tzinfo=dt.UTC)

_numbers = itertools.count(1000)

PLACES = {
    "NY": ("US", "NY", "America/New_York", "212"),
    "IL": ("US", "IL", "America/Chicago", "312"),
    "CA": ("US", "CA", "America/Los_Angeles", "415"),
    "FL": ("US", "FL", "America/New_York", "305"),
}


def make_contact(
    session: Session,
    place: str = "NY",
    *,
    phones: int = 1,
    e164: str | None = None,
    locale_key: str | None | bool = True,
    **fields: Any,
) -> Contact:
    """A contact in ``place`` with valid numbers there (``locale_key=None``: place unknown)."""
    country, state, zone, area = PLACES[place]
    key = f"{country}|{state}|{zone}" if locale_key is True else locale_key
    contact = Contact(
        first_name=fields.pop("first_name", "Pat"),
        last_name=fields.pop("last_name", f"Lee{next(_numbers)}"),
        country=country,
        state=state,
        locale_key=key,
        **fields,
    )
    for position in range(phones):
        number = e164 if (e164 and position == 0) else f"+1{area}555{next(_numbers) % 10000:04d}"
        contact.phones.append(
            Phone(raw=number, e164=number, region="US", time_zones=zone, position=position)
        )
    session.add(contact)
    session.flush()
    return contact


def make_rep(session: Session, name: str) -> Rep:
    return reps.add_rep(session, name)


def make_list(session: Session, name: str, contacts: list[Contact]) -> CallList:
    call_list = CallList(name=name)
    session.add(call_list)
    session.flush()
    for contact in contacts:
        session.add(ListMember(list_id=call_list.id, contact_id=contact.id))
    session.flush()
    return call_list


def fill_new_york(store: Any, rep_count: int) -> None:
    """``rep_count`` reps and six new contacts in New York, in one write."""
    with store.write() as session:
        for i in range(rep_count):
            make_rep(session, f"Rep {i}")
        for n in range(6):
            make_contact(session, "NY", last_name=f"C{n}")
