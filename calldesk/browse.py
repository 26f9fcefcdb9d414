"""Read-only lookups for browsing the store: lists, contacts, phones, DNC entries, audit trail.

The interface keeps only ids of what it shows (a million contacts scroll as an array of ints)
and asks for rows a page at a time, so every lookup here comes in two halves: ``*_ids`` (the
ordered ids matching a filter) and ``*_rows`` (the display rows of a page of ids).

A search text matches a contact by name (every word must match a first name, last name or
company), by email, or by its phone number in any format: the text is normalised with
phonenumbers and matched on the stored E.164 form, so "(212) 555-0147", "212.555.0147" and
"+1 212 555 0147" find the same person.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import re
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import phonenumbers
from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session

from calldesk.models import (
    AuditEntry,
    CallList,
    Company,
    Contact,
    DncEntry,
    Email,
    Event,
    ImportError_,
    ListMember,
    Phone,
)

_PHONEISH = re.compile(r"^[\d\s()+\-./xX#]*(ext\.?\s*\d+)?$", re.IGNORECASE)
_MIN_DIGITS_FOR_NUMBER = 7


@dataclass(frozen=True)
class ListSummary:
    """One imported list as the lists browser shows it."""

    id: int
    name: str
    source_kind: str
    event_name: str | None
    default_country: str
    contacts: int
    cost: Decimal | None
    created_at: dt.datetime
    mapping_name: str | None


@dataclass(frozen=True)
class EventSummary:
    id: int
    name: str
    kind: str
    event_date: dt.date | None
    follow_up_deadline: dt.date | None


@dataclass(frozen=True)
class ContactRow:
    """One line of the contacts table."""

    id: int
    name: str
    company: str | None
    title: str | None
    phone: str | None  # the first number, formatted for people; raw text when invalid
    phones: int
    email: str | None
    state: str | None
    country: str | None
    stage: str
    grade: str | None
    dnc: bool
    attempts: int


@dataclass(frozen=True)
class PhoneRow:
    id: int
    label: str | None
    raw: str
    e164: str | None
    extension: str | None
    display: str
    number_type: str | None
    time_zones: tuple[str, ...]
    valid: bool
    invalid_reason: str | None
    shared: bool
    dnc: bool


@dataclass(frozen=True)
class DncRow:
    id: int
    e164: str
    display: str
    source: str
    reason: str | None
    added_by: str | None
    added_at: dt.datetime


@dataclass(frozen=True)
class AuditRow:
    id: int
    at: dt.datetime
    actor: str | None
    action: str
    entity: str
    entity_id: str | None
    detail: dict | None


# --- numbers --------------------------------------------------------------------------------


def normalize_number(text: str, default_country: str = "US") -> str | None:
    """The E.164 form of ``text`` if it reads as a possible phone number, else ``None``."""
    digits = sum(ch.isdigit() for ch in text)
    if digits < _MIN_DIGITS_FOR_NUMBER or not _PHONEISH.match(text.strip()):
        return None
    from calldesk.phones import Policy, to_e164

    return to_e164(text, default_country.upper() or None, Policy.SEARCH)


def display_number(e164: str | None, extension: str | None = None, raw: str = "") -> str:
    """A number as people read it: national format at home, international abroad."""
    if not e164:
        return raw
    if len(e164) == 12 and e164.startswith("+1") and e164[2:].isdigit():
        # NANP: phonenumbers' international format is always +1 NPA-NXX-XXXX; a page of
        # 200 rows formats 200 numbers, and parsing each costs more than the query.
        text = f"+1 {e164[2:5]}-{e164[5:8]}-{e164[8:]}"
        return f"{text} ext. {extension}" if extension else text
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    text = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    return f"{text} ext. {extension}" if extension else text


# --- lists ----------------------------------------------------------------------------------


def lists(session: Session) -> list[ListSummary]:
    """Every imported list, newest first, with its member count."""
    members = (
        select(ListMember.list_id, func.count().label("n")).group_by(ListMember.list_id).subquery()
    )
    rows = session.execute(
        select(CallList, Event.name, func.coalesce(members.c.n, 0))
        .outerjoin(Event, Event.id == CallList.event_id)
        .outerjoin(members, members.c.list_id == CallList.id)
        .order_by(CallList.created_at.desc(), CallList.id.desc())
    ).all()
    return [
        ListSummary(
            id=call_list.id,
            name=call_list.name,
            source_kind=call_list.source_kind,
            event_name=event_name,
            default_country=call_list.default_country,
            contacts=int(count),
            cost=call_list.cost,
            created_at=call_list.created_at,
            mapping_name=call_list.mapping_name,
        )
        for call_list, event_name, count in rows
    ]


def list_names(session: Session) -> list[tuple[int, str]]:
    """(id, name) of every list, by name: cheap, for pickers."""
    return [
        (list_id, name)
        for list_id, name in session.execute(
            select(CallList.id, CallList.name).order_by(CallList.name)
        )
    ]


def events(session: Session) -> list[EventSummary]:
    """Every event, latest first."""
    return [
        EventSummary(e.id, e.name, e.kind, e.event_date, e.follow_up_deadline)
        for e in session.scalars(
            select(Event).order_by(Event.event_date.desc().nulls_last(), Event.id.desc())
        )
    ]


# --- contacts -------------------------------------------------------------------------------


def _contact_filter(stmt: Select, query: str, default_country: str) -> Select:
    query = query.strip()
    if not query:
        return stmt
    e164 = normalize_number(query, default_country)
    if e164 is not None:
        return stmt.where(Contact.id.in_(select(Phone.contact_id).where(Phone.e164 == e164)))
    if "@" in query:
        key = query.lower()
        return stmt.where(
            Contact.id.in_(select(Email.contact_id).where(Email.address_key.contains(key)))
        )
    stmt = stmt.outerjoin(Company, Company.id == Contact.company_id)
    for word in query.split():
        pattern = f"%{_escape_like(word)}%"
        stmt = stmt.where(
            or_(
                Contact.first_name.ilike(pattern, escape="\\"),
                Contact.last_name.ilike(pattern, escape="\\"),
                Company.name.ilike(pattern, escape="\\"),
            )
        )
    return stmt


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def contact_ids(
    session: Session,
    *,
    list_id: int | None = None,
    query: str = "",
    default_country: str = "US",
) -> array:
    """Ids of the contacts of a list (or of the whole store) matching ``query``, in id order.

    Returned as a compact ``array('q')``: a million ids take 8 MB, not a list of objects.
    """
    stmt = select(Contact.id)
    if list_id is not None:
        stmt = stmt.join(
            ListMember, and_(ListMember.contact_id == Contact.id, ListMember.list_id == list_id)
        )
    return _id_array(session, _contact_filter(stmt, query, default_country).order_by(Contact.id))


def _id_array(session: Session, stmt: Select) -> array:
    """The single integer column of ``stmt``, read straight off the driver's cursor.

    A million ids through ORM rows cost seconds; the raw cursor reads them several times
    faster, and the statement is still built (and its values bound) by SQLAlchemy.
    """
    connection = session.connection()
    compiled = stmt.compile(dialect=connection.dialect)
    params: Any = compiled.params
    if compiled.positional:
        params = tuple(compiled.params[name] for name in compiled.positiontup or ())
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(str(compiled), params)
        ids = array("q")
        while rows := cursor.fetchmany(50_000):
            ids.extend(row[0] for row in rows)
        return ids
    finally:
        cursor.close()


def contact_rows(session: Session, ids: Sequence[int]) -> dict[int, ContactRow]:
    """Display rows for a page of contact ids (three indexed queries, whatever the page size)."""
    ids = list(ids)
    if not ids:
        return {}
    first_phone: dict[int, tuple[str | None, str | None, str, bool]] = {}
    phone_counts: dict[int, int] = {}
    for contact_id, e164, extension, raw, valid in session.execute(
        select(Phone.contact_id, Phone.e164, Phone.extension, Phone.raw, Phone.valid)
        .where(Phone.contact_id.in_(ids))
        .order_by(Phone.contact_id, Phone.position)
    ):
        phone_counts[contact_id] = phone_counts.get(contact_id, 0) + 1
        current = first_phone.get(contact_id)
        if current is None or (not current[3] and valid):  # the first valid number first
            first_phone[contact_id] = (e164, extension, raw, valid)
    first_email: dict[int, str] = {}
    for contact_id, address in session.execute(
        select(Email.contact_id, Email.address).where(Email.contact_id.in_(ids)).order_by(Email.id)
    ):
        first_email.setdefault(contact_id, address)
    rows: dict[int, ContactRow] = {}
    for row in session.execute(
        select(
            Contact.id,
            Contact.first_name,
            Contact.last_name,
            Company.name,
            Contact.title,
            Contact.state,
            Contact.country,
            Contact.stage,
            Contact.grade,
            Contact.dnc,
            Contact.attempts,
        )
        .outerjoin(Company, Company.id == Contact.company_id)
        .where(Contact.id.in_(ids))
    ):
        phone = first_phone.get(row.id)
        rows[row.id] = ContactRow(
            id=row.id,
            name=" ".join(p for p in (row.first_name, row.last_name) if p) or "(no name)",
            company=row.name,
            title=row.title,
            phone=display_number(phone[0], phone[1], phone[2]) if phone else None,
            phones=phone_counts.get(row.id, 0),
            email=first_email.get(row.id),
            state=row.state,
            country=row.country,
            stage=row.stage,
            grade=row.grade,
            dnc=bool(row.dnc),
            attempts=row.attempts,
        )
    return rows


def contact_phones(session: Session, contact_id: int) -> list[PhoneRow]:
    """Every number of a contact in its own order, valid or not."""
    return [
        PhoneRow(
            id=phone.id,
            label=phone.label,
            raw=phone.raw,
            e164=phone.e164,
            extension=phone.extension,
            display=display_number(phone.e164, phone.extension, phone.raw),
            number_type=phone.number_type,
            time_zones=tuple(z for z in (phone.time_zones or "").split("|") if z),
            valid=phone.valid,
            invalid_reason=phone.invalid_reason,
            shared=phone.shared,
            dnc=phone.dnc,
        )
        for phone in session.scalars(
            select(Phone).where(Phone.contact_id == contact_id).order_by(Phone.position)
        )
    ]


# --- do not call ----------------------------------------------------------------------------


def dnc_ids(session: Session, *, query: str = "", default_country: str = "US") -> array:
    """Ids of DNC entries, newest first; ``query`` is a number in any format or its digits."""
    stmt = select(DncEntry.id)
    query = query.strip()
    if query:
        e164 = normalize_number(query, default_country)
        if e164 is not None:
            stmt = stmt.where(DncEntry.e164 == e164)
        else:
            digits = "".join(ch for ch in query if ch.isdigit())
            if digits:
                stmt = stmt.where(DncEntry.e164.contains(digits))
            else:
                stmt = stmt.where(
                    or_(
                        DncEntry.source.ilike(f"%{_escape_like(query)}%", escape="\\"),
                        DncEntry.added_by.ilike(f"%{_escape_like(query)}%", escape="\\"),
                    )
                )
    return _id_array(session, stmt.order_by(DncEntry.added_at.desc(), DncEntry.id.desc()))


def dnc_rows(session: Session, ids: Sequence[int]) -> dict[int, DncRow]:
    """Display rows for a page of DNC entry ids."""
    ids = list(ids)
    if not ids:
        return {}
    return {
        entry.id: DncRow(
            id=entry.id,
            e164=entry.e164,
            display=display_number(entry.e164),
            source=entry.source,
            reason=entry.reason,
            added_by=entry.added_by,
            added_at=entry.added_at,
        )
        for entry in session.scalars(select(DncEntry).where(DncEntry.id.in_(ids)))
    }


# --- import runs ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportErrorRow:
    id: int
    row: int
    column: str | None
    value: str | None
    reason: str
    who: str = ""  # the person the row is: name, company, the vendor's id


def import_error_ids(session: Session, run_id: int) -> array:
    """Ids of the rows an import run refused or questioned, in file order."""
    return _id_array(
        session,
        select(ImportError_.id)
        .where(ImportError_.run_id == run_id)
        .order_by(ImportError_.row, ImportError_.id),
    )


def import_error_rows(session: Session, ids: Sequence[int]) -> dict[int, ImportErrorRow]:
    """Display rows for a page of import error ids."""
    ids = list(ids)
    if not ids:
        return {}
    return {
        e.id: ImportErrorRow(
            e.id,
            e.row,
            e.column,
            e.value,
            e.reason,
            ", ".join(p for p in (e.name, e.company, e.external_id and f"id {e.external_id}") if p),
        )
        for e in session.scalars(select(ImportError_).where(ImportError_.id.in_(ids)))
    }


def write_import_errors_csv(session: Session, run_id: int, path: str | Path) -> int:
    """Write an import run's refused rows (row, column, value, reason) as CSV; returns the count.

    Values are written as the file had them, except that a cell a spreadsheet would run as a
    formula is neutralised: the rows go back to a vendor who opens them in Excel.
    """
    from calldesk.spreadsheet import neutralise

    count = 0
    target = Path(path)
    tmp = target.with_name(target.name + ".part")
    with open(tmp, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        # name, company and the vendor's id say who the row is, for the vendor to fix it
        writer.writerow(["row", "column", "value", "reason", "name", "company", "vendor id"])
        stmt = (
            select(
                ImportError_.row,
                ImportError_.column,
                ImportError_.value,
                ImportError_.reason,
                ImportError_.name,
                ImportError_.company,
                ImportError_.external_id,
            )
            .where(ImportError_.run_id == run_id)
            .order_by(ImportError_.row, ImportError_.id)
        )
        for row, column, value, reason, *who in session.execute(
            stmt.execution_options(yield_per=10_000)
        ):
            writer.writerow(
                [row, neutralise(column), neutralise(value), neutralise(reason)]
                + [neutralise(part) for part in who]
            )
            count += 1
    os.replace(tmp, target)
    return count


# --- audit ----------------------------------------------------------------------------------


def audit_entries(
    session: Session,
    *,
    entity: str | None = None,
    entity_id: str | None = None,
    action_prefix: str | None = None,
    limit: int = 200,
) -> list[AuditRow]:
    """The latest audit entries, newest first, optionally for one entity or kind of action
    (``action_prefix="dnc."``: every change to the DNC list)."""
    stmt = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)
    if action_prefix is not None:
        stmt = stmt.where(AuditEntry.action.startswith(action_prefix, autoescape=True))
    if entity is not None:
        stmt = stmt.where(AuditEntry.entity == entity)
    if entity_id is not None:
        stmt = stmt.where(AuditEntry.entity_id == entity_id)
    return [
        AuditRow(
            id=e.id,
            at=e.at,
            actor=e.actor,
            action=e.action,
            entity=e.entity,
            entity_id=e.entity_id,
            detail=e.detail,
        )
        for e in session.scalars(stmt)
    ]
