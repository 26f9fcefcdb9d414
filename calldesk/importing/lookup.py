"""Finding contacts by a phone number written any way ("(212) 555-0147", "+1 212 555 0147")."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from calldesk.models import CallList, Contact, ListMember, Phone
from calldesk.phones import parse_phone


def find_by_phone(session: Session, text: str, *, country: str = "US") -> dict[str, Any]:
    """Contacts with the number ``text`` (any format; ``country`` for numbers without +CC).

    The text is normalised with phonenumbers and matched on the stored E.164 (and extension
    when one is given); an invalid number is matched on the raw text it was imported as.
    """
    info = parse_phone(text, country)
    conditions = [Phone.raw == text.strip()]
    if info is not None and info.e164:
        if info.extension:
            conditions.append((Phone.e164 == info.e164) & (Phone.extension == info.extension))
        else:
            conditions.append(Phone.e164 == info.e164)
    ids = select(Phone.contact_id).where(or_(*conditions))
    contacts = session.scalars(
        select(Contact)
        .where(Contact.id.in_(ids))
        .options(
            selectinload(Contact.phones),
            selectinload(Contact.emails),
            selectinload(Contact.company),
        )
        .order_by(Contact.id)
    ).all()
    lists: dict[int, list[str]] = {}
    if contacts:
        rows = session.execute(
            select(ListMember.contact_id, CallList.name)
            .join(CallList, CallList.id == ListMember.list_id)
            .where(ListMember.contact_id.in_([c.id for c in contacts]))
        )
        for contact_id, name in rows:
            lists.setdefault(contact_id, []).append(name)
    return {
        "query": text,
        "e164": info.e164 if info else None,
        "extension": info.extension if info else None,
        "valid": bool(info and info.valid),
        "reason": info.reason if info and not info.valid else None,
        "contacts": [
            {
                "id": c.id,
                "name": c.full_name,
                "first_name": c.first_name,
                "last_name": c.last_name,
                "title": c.title,
                "company": c.company.name if c.company else None,
                "stage": c.stage,
                "grade": c.grade,
                "dnc": c.dnc,
                "callable": c.callable,
                "locale_key": c.locale_key,
                "external_id": c.external_id,
                "lists": sorted(lists.get(c.id, [])),
                "emails": [e.address for e in c.emails],
                "phones": [
                    {
                        "label": p.label,
                        "raw": p.raw,
                        "e164": p.e164,
                        "extension": p.extension,
                        "valid": p.valid,
                        "shared": p.shared,
                        "dnc": p.dnc,
                        "type": p.number_type,
                        "time_zones": p.time_zones.split("|") if p.time_zones else [],
                    }
                    for p in c.phones
                ],
            }
            for c in contacts
        ],
    }
