"""Contacts whose place is unknown ("needs review"), setting a zone by hand, DNC snapshot age."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from calldesk.models import AuditEntry, Contact, DncSnapshot
from calldesk.places import locate, region_code
from calldesk.rules.packs import active_packs

# Registry sources whose snapshots carry no country of their own.
_SOURCE_COUNTRY = {"us_national": "US", "ca_dncl": "CA", "uk_tps": "GB", "uk_ctps": "GB"}


def needs_review(session: Session, *, limit: int | None = 500) -> list[dict[str, Any]]:
    """Contacts never offered because their zone or state is unknown, with the reason."""
    query = (
        select(Contact)
        .where(Contact.locale_key.is_(None))
        .options(selectinload(Contact.phones))
        .order_by(Contact.id)
    )
    if limit:
        query = query.limit(limit)
    rows: list[dict[str, Any]] = []
    for contact in session.scalars(query):
        reason = contact.needs_review_reason
        if not reason:
            placement = locate(
                contact.country,
                contact.state,
                [p.e164 for p in contact.phones if p.e164 and p.valid],
                zone_override=contact.time_zone_override,
            )
            reason = placement.reason or "place not computed yet"
        rows.append(
            {
                "contact_id": contact.id,
                "name": contact.full_name,
                "country": contact.country,
                "state": contact.state,
                "postal_code": contact.postal_code,
                "phones": [p.raw for p in contact.phones],
                "reason": reason,
                "callable": contact.callable,
            }
        )
    return rows


def needs_review_count(session: Session) -> int:
    """How many contacts wait for a manager to set their place."""
    return (
        session.scalar(
            select(func.count()).select_from(Contact).where(Contact.locale_key.is_(None))
        )
        or 0
    )


def set_zone(
    session: Session,
    contact_id: int,
    *,
    zone: str,
    state: str | None = None,
    country: str | None = None,
    actor: str | None = None,
) -> Contact:
    """A manager sets a contact's time zone (and optionally state, country) by hand.

    The locale key is recomputed (the contact becomes callable under its rules), and the
    change is written to the audit log with who, before and after. Raises ValueError for an
    unknown zone or when the country still cannot be determined.
    """
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(
            f'unknown time zone "{zone}" (use an IANA name such as America/Chicago)'
        ) from exc
    contact = session.get(Contact, contact_id)
    if contact is None:
        raise LookupError(f"no contact {contact_id}")
    before = {
        "time_zone_override": contact.time_zone_override,
        "state": contact.state,
        "country": contact.country,
        "locale_key": contact.locale_key,
    }
    if country:
        contact.country = country.strip().upper()
    if state:
        contact.state = region_code(contact.country, state)
    contact.time_zone_override = zone
    placement = locate(
        contact.country,
        contact.state,
        [p.e164 for p in contact.phones if p.e164 and p.valid],
        zone_override=zone,
    )
    if placement.locale is None:
        raise ValueError(f"contact {contact_id}: {placement.reason}; give --country as well")
    marks = [p.business for p in contact.phones if p.e164 and p.valid]
    contact.locale_key = placement.locale.with_business(bool(marks) and all(marks)).key
    from calldesk import queue  # late: the queue imports the rules

    queue.forget_places(session)  # the queue's place list may gain this place
    contact.needs_review_reason = None
    if contact.stage == "needs_review":
        contact.stage = "working" if contact.attempts else "new"
    session.add(
        AuditEntry(
            actor=actor,
            action="rules.set_zone",
            entity="contact",
            entity_id=str(contact.id),
            detail={
                "before": before,
                "after": {
                    "time_zone_override": zone,
                    "state": contact.state,
                    "country": contact.country,
                    "locale_key": contact.locale_key,
                },
            },
        )
    )
    session.flush()
    return contact


def dnc_snapshot_ages(session: Session, at: dt.datetime) -> list[dict[str, Any]]:
    """Per country with a refresh period: the newest registry snapshot, its age, and if stale."""
    newest: dict[str, DncSnapshot] = {}
    for snapshot in session.scalars(select(DncSnapshot)):
        country = (snapshot.country or _SOURCE_COUNTRY.get(snapshot.source, "")).upper()
        if not country:
            continue
        if country not in newest or _taken(snapshot) > _taken(newest[country]):
            newest[country] = snapshot
    rows: list[dict[str, Any]] = []
    today = at.astimezone(dt.UTC).date()
    for country, pack in sorted(active_packs().packs.items()):
        if pack.dnc_refresh_days is None:
            continue
        snapshot = newest.get(country)
        if snapshot is None:
            rows.append(
                {
                    "country": country,
                    "refresh_days": pack.dnc_refresh_days,
                    "snapshot": None,
                    "age_days": None,
                    "stale": None,
                }
            )
            continue
        age = (today - _taken(snapshot)).days
        rows.append(
            {
                "country": country,
                "refresh_days": pack.dnc_refresh_days,
                "snapshot": {
                    "id": snapshot.id,
                    "source": snapshot.source,
                    "file_name": snapshot.file_name,
                    "file_date": _taken(snapshot).isoformat(),
                },
                "age_days": age,
                "stale": age > pack.dnc_refresh_days,
            }
        )
    return rows


def _taken(snapshot: DncSnapshot) -> dt.date:
    return snapshot.file_date or snapshot.imported_at.date()


def dnc_snapshot_warnings(session: Session, at: dt.datetime) -> list[str]:
    """Plain-words warnings for each country whose newest DNC registry snapshot is too old."""
    warnings: list[str] = []
    for row in dnc_snapshot_ages(session, at):
        if row["stale"]:
            snap = row["snapshot"]
            warnings.append(
                f"{row['country']} do-not-call snapshot {snap['file_name']} ({snap['source']}) "
                f"is {row['age_days']} days old; it must be refreshed every "
                f"{row['refresh_days']} days"
            )
    return warnings
