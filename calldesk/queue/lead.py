"""The lead card: a contact as the hot path reads it (one driver statement, no ORM load), its
numbers in dialling order with DNC ones marked, and the card as plain data; also the contact's
local time in words.
"""

from __future__ import annotations

import datetime as dt
import json
import zoneinfo
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from calldesk.models import Contact, DncEntry, Phone
from calldesk.queue.driver import _from_ts, _is_pg, _q

_LEAD_COLUMNS = (
    "id",
    "first_name",
    "last_name",
    "title",
    "company_id",
    "city",
    "state",
    "country",
    "stage",
    "grade",
    "attempts",
    "last_attempt_at",
    "campaign_id",
    "tier",
    "engagement",
    "locale_key",
    "notes",
    "dnc",
    "priority",
    "needs_review_reason",
    "callable",
)


_LEAD_SQL = (
    f"SELECT {', '.join(_LEAD_COLUMNS)}, "
    "(SELECT name FROM companies WHERE companies.id = contacts.company_id), {emails} "
    "FROM contacts WHERE id = ?"
)


# The contact's email addresses in the order they were added, read with the contact.
_EMAILS = {
    False: "(SELECT json_group_array(address) FROM "
    "(SELECT address FROM emails WHERE contact_id = contacts.id ORDER BY id))",
    True: "(SELECT array_agg(address ORDER BY id) FROM emails WHERE contact_id = contacts.id)",
}


_LEAD_SQLS = {pg: _LEAD_SQL.format(emails=sql) for pg, sql in _EMAILS.items()}


# SQLite: the contact's valid numbers (as :func:`_numbers` reads them, in dialling order) as
# one JSON array read with the contact: one statement fewer per offer.
_LEAD_NUMBERS_SQL = _LEAD_SQLS[False].replace(
    " FROM contacts WHERE id = ?",
    ", (SELECT json_group_array(json_array(id, e164, extension, label, raw, shared, "
    "time_zones, dnc, listed)) FROM (SELECT p.id, p.e164, p.extension, p.label, p.raw, "
    "p.shared, p.time_zones, p.dnc, EXISTS (SELECT 1 FROM dnc_entries d WHERE d.e164 = p.e164) "
    "AS listed FROM phones p WHERE p.contact_id = contacts.id AND p.valid = 1 "
    "AND p.e164 IS NOT NULL ORDER BY p.position, p.id)) FROM contacts WHERE id = ?",
)


class _Lead:
    """A contact as the queue's hot path reads it: the columns the offer, the rules decision
    and the lead card need, read with one driver statement (an ORM load costs several times
    more). Attribute names are the model's, so :func:`lead_dict` and the rules read it alike."""

    __slots__ = (*_LEAD_COLUMNS, "company_name", "email_addresses", "recent_attempts")

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p) or "(no name)"


def _load_lead(session: Session, contact_id: int, read: dict[int, Any] | None = None) -> Any:
    """The contact's columns (the session's own copy if it holds one: it may carry changes
    this transaction made); ``read``: rows the seek already read, by contact id (on SQLite
    the contact's numbers are put there, by the negated contact id, for :func:`_numbers`)."""
    if session.identity_map:
        held = session.identity_map.get(identity_key(Contact, contact_id))
        if held is not None:
            return held
    row = read.pop(contact_id, None) if read else None
    if row is None and read is not None and not _is_pg(session):
        *row, numbers = _q(session, _LEAD_NUMBERS_SQL, contact_id).one()
        read[-contact_id] = json.loads(numbers)  # the contact's numbers, by the negated id
    elif row is None:
        row = _q(session, _LEAD_SQLS[_is_pg(session)], contact_id).one()
    lead = _Lead()
    for name, value in zip((*_LEAD_COLUMNS, "company_name", "email_addresses"), row, strict=True):
        setattr(lead, name, value)
    emails = lead.email_addresses
    lead.email_addresses = list(json.loads(emails) if isinstance(emails, str) else emails or [])
    lead.dnc = bool(lead.dnc)
    lead.callable = bool(lead.callable)
    lead.last_attempt_at = _from_ts(lead.last_attempt_at)
    # The attempts the seek read with the contact (after, until, their start times), for the
    # caps (:func:`calldesk.rules.known_attempt_times`); None: the caps read them themselves.
    lead.recent_attempts = read.pop((contact_id, "attempts"), None) if read else None
    return lead


def _orm(session: Session, contact_id: int) -> Contact:
    contact = session.get(Contact, contact_id)
    assert contact is not None
    return contact


def callable_phone(session: Session, contact_id: int) -> Phone | None:
    """The number to dial: the first valid number of the contact that is not on the DNC list."""
    phones = session.scalars(
        select(Phone)
        .where(Phone.contact_id == contact_id, Phone.valid, Phone.e164.is_not(None))
        .order_by(Phone.position, Phone.id)
    ).all()
    for phone in phones:
        if phone.dnc:
            continue
        listed = session.scalar(select(DncEntry.id).where(DncEntry.e164 == phone.e164).limit(1))
        if listed is not None:
            phone.dnc = True  # a registry entry added since import: never offer it again
            continue
        return phone
    return None


def lead_dict(
    session: Session, contact: Contact, phones: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """The contact as the lead card and ``queue next --json`` show it (plain data)."""
    company = None
    if isinstance(contact, _Lead):
        company = contact.company_name  # read with the contact
    elif contact.company_id:
        company = _q(
            session, "SELECT name FROM companies WHERE id = ?", contact.company_id
        ).scalar()
    if isinstance(contact, _Lead):
        emails = contact.email_addresses  # read with the contact
    else:
        emails = [
            r[0] for r in _q(session, "SELECT address FROM emails WHERE contact_id = ?", contact.id)
        ]
    if phones is None:
        phones = _numbers(session, contact.id)
    return {
        "id": contact.id,
        "name": contact.full_name,
        "first_name": contact.first_name,
        "last_name": contact.last_name,
        "title": contact.title,
        "company": company,
        "city": contact.city,
        "state": contact.state,
        "country": contact.country,
        "stage": contact.stage,
        "grade": contact.grade,
        "attempts": contact.attempts,
        "last_attempt_at": contact.last_attempt_at.isoformat() if contact.last_attempt_at else None,
        "campaign_id": contact.campaign_id,
        "tier": contact.tier,
        "engagement": contact.engagement,
        "locale_key": contact.locale_key,
        "notes": contact.notes,
        "phones": [
            {"e164": p["e164"], "extension": p["extension"], "label": p["label"], "dnc": p["dnc"]}
            for p in phones
        ],
        "emails": emails,
    }


_NUMBER_COLUMNS = (
    "p.id, p.e164, p.extension, p.label, p.raw, p.shared, p.time_zones, p.dnc, "
    "EXISTS (SELECT 1 FROM dnc_entries d WHERE d.e164 = p.e164)"
)


# PostgreSQL: the same rows as one JSON array, read by the seek with the contact.
_NUMBERS_JSON_PG = (
    f"(SELECT json_agg(json_build_array({_NUMBER_COLUMNS}) ORDER BY p.position, p.id) "
    "FROM phones p WHERE p.contact_id = s.id AND p.valid = true AND p.e164 IS NOT NULL)"
)


def _numbers(session: Session, contact_id: int, rows: Any = None) -> list[dict[str, Any]]:
    """The contact's valid numbers in dialling order, DNC ones marked (flag or any DNC entry),
    numbers on the DNC list last. One statement (none when ``rows``, read with the seek, are
    given)."""
    true = "true" if _is_pg(session) else "1"
    if rows is None:
        rows = _q(
            session,
            f"SELECT {_NUMBER_COLUMNS} "
            f"FROM phones p WHERE p.contact_id = ? AND p.valid = {true} AND p.e164 IS NOT NULL "
            "ORDER BY p.position, p.id",
            contact_id,
        ).all()
    out = []
    for pid, e164, ext, label, raw, shared, zones, flag, on_list in rows:
        if on_list and not flag:
            # A registry entry added since import: mark the number for good.
            _q(session, f"UPDATE phones SET dnc = {true} WHERE id = ?", pid)
        out.append(
            {
                "id": pid,
                "e164": e164,
                "extension": ext,
                "label": label,
                "raw": raw,
                "shared": bool(shared),
                "dnc": bool(flag or on_list),
                "time_zones": zones.split("|") if zones else [],
                "tel": f"tel:{e164}" + (f";ext={ext}" if ext else ""),
            }
        )
    out.sort(key=lambda p: p["dnc"])
    return out


def local_time_text(at: dt.datetime, zones: tuple[str, ...] | list[str]) -> str:
    """The contact's local time in each of its zones, e.g. ``Mon 10:42 EST (America/New_York)``."""
    minute = at.replace(second=0, microsecond=0)
    key = (minute, *zones)
    text_ = _local_texts.get(key)
    if text_ is not None:
        return text_
    texts = []
    whole = True
    for zone in zones:
        local = at.astimezone(zoneinfo.ZoneInfo(zone))
        texts.append(f"{local:%a %H:%M} {local.tzname()} ({zone})")
        offset = local.utcoffset()
        whole = whole and offset is not None and not offset % dt.timedelta(minutes=1)
    text_ = "; ".join(texts)
    # Written once per UTC minute and set of zones (every offer writes one): on clocks whole
    # minutes off UTC (every zone today) the words cannot change within the minute.
    if whole:
        if len(_local_texts) > 1000:
            _local_texts.clear()
        _local_texts[key] = text_
    return text_


_local_texts: dict[tuple[Any, ...], str] = {}
