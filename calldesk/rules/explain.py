"""The explanation of one decision, as ``calldesk rules explain --json`` prints it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from calldesk.rules.decide import decide
from calldesk.rules.engine import UTC


def explain(
    session: Session,
    *,
    phone: str | None = None,
    contact_id: int | None = None,
    at: dt.datetime | None = None,
    campaign_rules: dict[str, Any] | None = None,
    rep: str | None = None,
) -> dict[str, Any]:
    """Why a number or contact may (not) be called at ``at``, for people and for JSON.

    :meth:`calldesk.rules.decide.Verdict.as_dict`: ``{"allowed", "local_time", "zones":
    [{"zone", "from"}], "states": [...], "countries": [...], "line", "exemptions", "rules":
    [{"id", "rule", "source", "effective", "verdict", "detail"}], "next_allowed_at",
    "closes_at", "opens_at", "registry", "overridable", "rule", ...}``. With a phone, the dial
    check (DNC, the number's and the contact's places, caps, counted by number when no contact
    is given); with only a contact, exactly what the queue decides for it.
    """
    if phone is None and contact_id is None:
        raise ValueError("give a phone number, a contact, or both")
    at = (at or dt.datetime.now(UTC)).astimezone(UTC)
    verdict = decide(
        session,
        at=at,
        number=phone,
        contact=contact_id,
        rep=rep,
        purpose="explain",
        campaign_rules=campaign_rules,
    )
    data = verdict.as_dict()
    if data["phone"] is None and phone is not None:
        data["phone"] = phone
    return data


def explain_text(data: dict[str, Any]) -> str:
    """The explanation in plain words, as the desk shows it beside the lead."""
    lines = [
        ("ALLOWED" if data["allowed"] else "NOT ALLOWED") + f" at {data['local_time']}",
        f"Deciding rule: {data['rule']}",
        f"Line: {data.get('line', 'consumer')}",
    ]
    if data.get("closes_at"):
        lines.append(f"Window closes: {data['closes_at']}")
    if data.get("next_allowed_at"):
        lines.append(f"Next allowed: {data['next_allowed_at']}")
    if not data["allowed"]:
        lines.append(
            "Override: a manager, with a reason" if data.get("overridable") else "Override: none"
        )
    for country in data.get("countries", []):
        lines.append(f"Country {country['country']} from {', '.join(country['from']) or 'unknown'}")
    for zone in data["zones"]:
        lines.append(f"Zone {zone['zone']} from {', '.join(zone['from']) or 'unknown'}")
    for state in data["states"]:
        lines.append(f"State {state['state']} from {', '.join(state['from']) or 'unknown'}")
    for state in data.get("registry", []):
        if state.get("message"):
            lines.append(f"Registry: {state['message']}")
    for rule in data["rules"]:
        lines.append(f"  [{rule['verdict']}] {rule['rule']}: {rule['detail']} ({rule['source']})")
    return "\n".join(lines)
