"""Everything the manager's Rules screen shows, in one call (run it off the UI thread)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from calldesk.models import Campaign
from calldesk.rules.campaign import CAMPAIGN_KEYS, validate_campaign_rules
from calldesk.rules.context import load_context
from calldesk.rules.packs import RulePackError, active_packs, format_week_hours
from calldesk.rules.review import dnc_snapshot_ages, dnc_snapshot_warnings, needs_review_count


def pack_summaries() -> list[dict[str, Any]]:
    """Every pack in use, rule by rule, in plain words with sources and effective dates."""
    in_use = active_packs()
    packs = []
    for country, pack in sorted(in_use.packs.items()):
        packs.append(
            {
                "country": country,
                "name": pack.name,
                "file": pack.path,
                "overridden": country in in_use.overridden,
                "dnc_refresh_days": pack.dnc_refresh_days,
                "version": pack.version,
                "rules": [
                    {
                        "id": r.id,
                        "rule": r.name,
                        "states": list(r.states),
                        "hours": format_week_hours(r.hours),
                        "closed_on_holidays": r.closed_on_holidays,
                        "cap": {"calls": r.cap.calls, "hours": r.cap.hours} if r.cap else None,
                        "clock": r.clock,
                        "source": r.source,
                        "effective": r.effective.isoformat(),
                        "effective_note": r.effective_note,
                        "until": r.until.isoformat() if r.until else None,
                        "business": r.business,
                        "business_source": r.business_source,
                    }
                    for r in pack.rules
                ],
            }
        )
    return packs


def campaign_narrowings(session: Session) -> list[dict[str, Any]]:
    """Each campaign's narrowing of the legal rules, and whether it narrows cleanly."""
    rows = []
    for campaign in session.scalars(select(Campaign).order_by(Campaign.id)):
        narrowing = {k: v for k, v in (campaign.rules or {}).items() if k in CAMPAIGN_KEYS}
        try:
            notes, error = validate_campaign_rules(narrowing), None
        except RulePackError as exc:
            notes, error = [], str(exc)
        rows.append(
            {
                "campaign_id": campaign.id,
                "name": campaign.name,
                "active": campaign.active,
                "narrowing": narrowing,
                "notes": notes,
                "error": error,
            }
        )
    return rows


def rules_overview(session: Session, at: dt.datetime) -> dict[str, Any]:
    """Packs in use, campaign narrowings, the needs-review count, DNC snapshot ages, registry
    copies (and whether consumer calls are refused for want of one), closed days."""
    from calldesk.rules.marks import closed_days_list

    context = load_context(session, at)
    registry = [r.as_dict() for r in context.registry]
    warnings = dnc_snapshot_warnings(session, at)
    # Fail closed: a missing or stale registry copy refuses consumer calls; say so first.
    refused = [r for r in registry if not r["ok"]] if context.enforce_registry else []
    refusals = [r["message"] for r in refused]
    # A stale copy's warning is already said by its refusal.
    warnings = [w for w in warnings if not any(w.startswith(f"{r['country']} ") for r in refused)]
    return {
        "packs": pack_summaries(),
        "pack_problems": list(active_packs().problems),
        "campaigns": campaign_narrowings(session),
        "needs_review": needs_review_count(session),
        "dnc_snapshots": dnc_snapshot_ages(session, at),
        "registry": registry,
        "registry_gate": context.enforce_registry,
        "closed_days": closed_days_list(session),
        "warnings": refusals + warnings,
    }
