"""What a manager tells the rules by hand: business lines and extra closed days.

- :func:`mark_business` - a number (or one phone, or every phone of a contact) is, or is not, a
  business line; the contacts' locale keys follow (``|B`` when every valid number is business),
  so the queue applies the business exemptions too. The importer calls it for a "Phone type" /
  "Business phone" column (or sets ``phones.business`` in its own INSERT, then calls
  :func:`refresh_business_keys`).
- :func:`add_closed_day`, :func:`remove_closed_day`, :func:`closed_days_list` - a day closed for
  calling in a country or state with its source (a governor's proclaimed holiday, Louisiana's
  emergency ban). Every change goes to the audit log.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from calldesk.models import AuditEntry, ClosedDay, Contact, Phone
from calldesk.places import parse_key, region_code
from calldesk.rules import context as context_mod

BUSINESS_WORDS = {"business", "b2b", "work", "office", "company", "main", "yes", "y", "true", "1"}
CONSUMER_WORDS = {"consumer", "residential", "home", "personal", "mobile", "no", "n", "false", "0"}


def phone_type(text: str | None) -> bool | None:
    """An import cell as a business flag: "Business", "B2B", "yes" -> True; "Residential",
    "consumer", "no" -> False; empty or anything else -> None (not marked: consumer rules)."""
    word = " ".join((text or "").replace("_", " ").replace("-", " ").casefold().split())
    for suffix in (" landline", " line", " phone", " number"):  # "Business line", "home phone"
        if word.endswith(suffix) and word[: -len(suffix)] in BUSINESS_WORDS | CONSUMER_WORDS:
            word = word[: -len(suffix)]
            break
    if word in BUSINESS_WORDS:
        return True
    if word in CONSUMER_WORDS:
        return False
    return None


def refresh_business_keys(session: Session, contact_ids: Iterable[int]) -> int:
    """Set or clear the business flag of these contacts' locale keys from their phones."""
    changed = 0
    for contact in session.scalars(select(Contact).where(Contact.id.in_(list(contact_ids)))):
        if not contact.locale_key:
            continue
        marks = [p.business for p in contact.phones if p.e164 and p.valid]
        business = bool(marks) and all(marks)
        locale = parse_key(contact.locale_key)
        if locale.business != business:
            contact.locale_key = locale.with_business(business).key
            changed += 1
    session.flush()
    if changed:
        from calldesk import queue  # late: the queue imports the rules

        queue.forget_places(session)  # the queue's place list may gain these places
    return changed


def mark_business(
    session: Session,
    *,
    business: bool = True,
    e164: str | None = None,
    phone_id: int | None = None,
    contact_id: int | None = None,
    actor: str | None = None,
) -> int:
    """Mark phones as business lines (or not): every phone with ``e164``, one ``phone_id``, or
    every phone of ``contact_id``. Returns how many phones changed; raises LookupError when
    none matches. Audited; the contacts' locale keys follow."""
    query = select(Phone)
    if phone_id is not None:
        query = query.where(Phone.id == phone_id)
    elif e164 is not None:
        query = query.where(Phone.e164 == e164)
    elif contact_id is not None:
        query = query.where(Phone.contact_id == contact_id)
    else:
        raise ValueError("give a number, a phone id or a contact")
    phones = list(session.scalars(query))
    if not phones:
        raise LookupError("no phone matches " + (e164 or f"#{phone_id or contact_id}"))
    changed = [p for p in phones if bool(p.business) != business]
    for phone in changed:
        phone.business = business
    session.flush()
    refresh_business_keys(session, {p.contact_id for p in phones})
    if changed:
        session.add(
            AuditEntry(
                actor=actor,
                action="rules.phone_type",
                entity="phone",
                entity_id=",".join(str(p.id) for p in changed),
                detail={"business": business, "e164": sorted({p.e164 or "" for p in changed})},
            )
        )
        session.flush()
    return len(changed)


def add_closed_day(
    session: Session,
    *,
    country: str,
    day: dt.date,
    reason: str,
    source: str,
    state: str | None = None,
    actor: str | None = None,
) -> ClosedDay:
    """Close ``day`` for calling in ``country`` (or one ``state`` of it), with a source."""
    country = (country or "").strip().upper()
    if len(country) != 2 or not country.isalpha():
        raise ValueError(f'country "{country}" is not an ISO code such as US')
    if not (reason or "").strip():
        raise ValueError("a closed day needs a reason (e.g. Governor's proclamation)")
    if not (source or "").strip():
        raise ValueError("a closed day needs a source (a proclamation, an order, a link)")
    code = region_code(country, state) if state else None
    entry = ClosedDay(
        country=country,
        state=code,
        day=day,
        reason=reason.strip(),
        source=source.strip(),
        added_by=actor,
    )
    session.add(entry)
    session.flush()
    session.add(
        AuditEntry(
            actor=actor,
            action="rules.closed_day.add",
            entity="closed_day",
            entity_id=str(entry.id),
            detail=closed_day_dict(entry),
        )
    )
    session.flush()
    context_mod.invalidate()
    return entry


def remove_closed_day(session: Session, closed_id: int, *, actor: str | None = None) -> None:
    """Remove a closed day (audited); raises LookupError for an unknown id."""
    entry = session.get(ClosedDay, closed_id)
    if entry is None:
        raise LookupError(f"no closed day {closed_id}")
    detail = closed_day_dict(entry)
    session.delete(entry)
    session.add(
        AuditEntry(
            actor=actor,
            action="rules.closed_day.remove",
            entity="closed_day",
            entity_id=str(closed_id),
            detail=detail,
        )
    )
    session.flush()
    context_mod.invalidate()


def closed_day_dict(entry: ClosedDay) -> dict[str, Any]:
    return {
        "id": entry.id,
        "country": entry.country,
        "state": entry.state,
        "day": entry.day.isoformat(),
        "reason": entry.reason,
        "source": entry.source,
        "added_by": entry.added_by,
    }


def closed_days_list(session: Session) -> list[dict[str, Any]]:
    """Every closed day a manager entered, by date."""
    return [
        closed_day_dict(e)
        for e in session.scalars(select(ClosedDay).order_by(ClosedDay.day, ClosedDay.id))
    ]
