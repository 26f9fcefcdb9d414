"""The explanation of one decision, as ``calldesk rules explain --json`` prints it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from calldesk.models import Contact
from calldesk.rules.contacts import check_dial, contact_status, normalize_number, place_of
from calldesk.rules.engine import UTC


def explain(
    session: Session,
    *,
    phone: str | None = None,
    contact_id: int | None = None,
    at: dt.datetime | None = None,
    campaign_rules: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Why a number or contact may (not) be called at ``at``, for people and for JSON.

    ``{"allowed", "local_time", "zones": [{"zone", "from"}], "states": [{"state", "from"}],
    "rules": [{"id", "rule", "source", "effective", "verdict", "detail"}], "next_allowed_at",
    "rule", ...}``. With a phone, the typed-number check (DNC, the number's and the contact's
    places, caps); with only a contact, exactly what the queue decides for it.
    """
    if phone is None and contact_id is None:
        raise ValueError("give a phone number, a contact, or both")
    at = (at or dt.datetime.now(UTC)).astimezone(UTC)
    contact = session.get(Contact, contact_id) if contact_id is not None else None
    if contact_id is not None and contact is None:
        raise LookupError(f"no contact {contact_id}")
    number = None
    if phone is not None:
        number = normalize_number(phone, contact.country if contact else None)
        status = check_dial(
            session, e164=phone, contact_id=contact_id, at=at, campaign_rules=campaign_rules
        )
    else:
        assert contact_id is not None
        status = contact_status(session, contact_id, at, campaign_rules)
    placement = place_of(session, e164=number, contact=contact)
    zone_sources = dict(placement.zone_sources)
    state_sources = dict(placement.state_sources)
    if phone is None and contact is not None and contact.locale_key:
        # The queue decides on the stored key; show its zones even where sources are unknown.
        for zone in status.zones:
            zone_sources.setdefault(zone, ["stored locale"])
        for state in status.states:
            state_sources.setdefault(state, ["stored locale"])
    data = status.as_dict()
    data.update(
        {
            "at": at.isoformat(),
            "phone": number or phone,
            "contact_id": contact_id,
            "zones": [{"zone": z, "from": zone_sources.get(z, [])} for z in status.zones]
            or [{"zone": z, "from": s} for z, s in zone_sources.items()],
            "states": [{"state": s, "from": state_sources.get(s, [])} for s in status.states]
            or [{"state": s, "from": f} for s, f in state_sources.items()],
        }
    )
    return data


def explain_text(data: dict[str, Any]) -> str:
    """The explanation in plain words, as the desk shows it beside the lead."""
    lines = [
        ("ALLOWED" if data["allowed"] else "NOT ALLOWED") + f" at {data['local_time']}",
        f"Deciding rule: {data['rule']}",
    ]
    if data.get("next_allowed_at"):
        lines.append(f"Next allowed: {data['next_allowed_at']}")
    for zone in data["zones"]:
        lines.append(f"Zone {zone['zone']} from {', '.join(zone['from']) or 'unknown'}")
    for state in data["states"]:
        lines.append(f"State {state['state']} from {', '.join(state['from']) or 'unknown'}")
    for rule in data["rules"]:
        lines.append(f"  [{rule['verdict']}] {rule['rule']}: {rule['detail']} ({rule['source']})")
    return "\n".join(lines)
