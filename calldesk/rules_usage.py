"""Which rule packs each campaign's contacts bring in: the Rules screen's "packs in use".

A campaign starts with the full pack of each contact's country, overlays included, so what is
in use follows from the contacts it holds: their locale keys name the country and the states.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from calldesk.models import Campaign, Contact
from calldesk.places import parse_key
from calldesk.rules import active_packs


def packs_per_campaign(session: Session) -> list[dict[str, Any]]:
    """Per campaign (contacts of none count under the default one): the packs and rules its contacts bring.

    ``[{"campaign_id", "name", "contacts", "unplaced", "packs": [{"country", "name",
    "contacts", "rules": [rule names that apply to at least one contact]}]}]``. ``unplaced``
    counts contacts with no locale key (never offered; they wait in "needs review"). One
    grouped scan of the contacts: run it off the UI thread.
    """
    # Contacts with no campaign of their own are worked under the default one.
    default_id = session.scalar(select(Campaign.id).where(Campaign.is_default).limit(1))
    counts: dict[int | None, dict[str | None, int]] = defaultdict(lambda: defaultdict(int))
    for campaign_id, key, count in session.execute(
        select(Contact.campaign_id, Contact.locale_key, func.count()).group_by(
            Contact.campaign_id, Contact.locale_key
        )
    ):
        counts[campaign_id if campaign_id is not None else default_id][key] += count
    names = dict(session.execute(select(Campaign.id, Campaign.name).order_by(Campaign.id)).all())
    packs = active_packs().packs
    rows: list[dict[str, Any]] = []
    for campaign_id in [*names, *(c for c in counts if c not in names)]:
        keys = counts.get(campaign_id, {})
        per_country: dict[str, dict[str, Any]] = {}
        for key, count in keys.items():
            if key is None:
                continue
            locale = parse_key(key)
            # Every country of the key brings its pack (a Toronto number in a US row: both).
            for country in locale.countries:
                entry = per_country.setdefault(country, {"contacts": 0, "rules": set()})
                entry["contacts"] += count
                pack = packs.get(country)
                if pack is not None:
                    entry["rules"].update(r.name for r in pack.rules_for(tuple(locale.states)))
        rows.append(
            {
                "campaign_id": campaign_id,
                "name": names.get(campaign_id, "(no campaign)")
                if campaign_id is not None
                else "(no campaign)",
                "contacts": sum(keys.values()),
                "unplaced": keys.get(None, 0),
                "packs": [
                    {
                        "country": country,
                        "name": packs[country].name if country in packs else None,
                        "contacts": entry["contacts"],
                        "rules": sorted(entry["rules"]),
                    }
                    for country, entry in sorted(per_country.items())
                ],
            }
        )
    return rows
