"""Campaigns as the queue sees them: every campaign read in one go, and the arms to seek (one
index over every active campaign in the usual case, or one per campaign when their rules or
their state differ).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from calldesk.queue.base import QueueError
from calldesk.queue.driver import _q


@dataclass(frozen=True)
class _Arm:
    """One index to seek: every active campaign at once, or one campaign."""

    campaign_id: int | None  # None with all=True: the main index
    all: bool
    include_unassigned: bool  # contacts with campaign_id NULL (the default campaign)
    rules: dict[str, Any] | None


@dataclass(frozen=True)
class _CampaignRow:
    id: int
    name: str
    kind: str
    active: bool
    is_default: bool
    rules: dict[str, Any] | None


# Every campaign as one JSON array of rows (id order), read with the housekeeping statement.
_CAMPAIGNS_JSON = {
    False: "(SELECT json_group_array(json_array(id, name, kind, active, is_default, json(rules))) "
    "FROM (SELECT * FROM campaigns ORDER BY id))",
    True: "(SELECT json_agg(json_build_array(id, name, kind, active, is_default, rules) "
    "ORDER BY id) FROM campaigns)",
}


def _campaign_rows(session: Session, prefetched: Any = None) -> dict[int, _CampaignRow]:
    """Every campaign as the queue sees it; ``prefetched`` is the JSON array the housekeeping
    statement read (one round trip fewer per call)."""
    if prefetched is not None:
        rows = json.loads(prefetched) if isinstance(prefetched, str) else prefetched
    else:
        rows = _q(
            session, "SELECT id, name, kind, active, is_default, rules FROM campaigns ORDER BY id"
        ).all()
    out = {}
    for cid, name, kind, active, is_default, rules in rows:
        if isinstance(rules, str):
            rules = json.loads(rules)
        out[cid] = _CampaignRow(cid, name, kind, bool(active), bool(is_default), rules)
    return out


def _campaigns_and_arms(
    session: Session, prefetched: Any, campaign_id: int | None
) -> tuple[dict[int, _CampaignRow], list[_Arm]]:
    """:func:`_campaign_rows` and :func:`_arms` for the campaigns the housekeeping read, kept
    while they read the same (both stores read them as JSON text: the same text, the same
    rows and arms, no parse per call; the PostgreSQL plan asks here too)."""
    if isinstance(prefetched, str):
        hit = _last_arms[0]
        if hit is not None and hit[0] == prefetched and hit[1] == campaign_id:
            return hit[2], hit[3]
    campaigns = _campaign_rows(session, prefetched)
    arms = _arms(campaigns, campaign_id)
    if isinstance(prefetched, str):
        _last_arms[0] = (prefetched, campaign_id, campaigns, arms)
    return campaigns, arms


_last_arms: list[Any] = [None]  # (the JSON text, the campaign asked, its rows, its arms)


def _arms(campaigns: dict[int, _CampaignRow], campaign_id: int | None) -> list[_Arm]:
    default = next((c for c in campaigns.values() if c.is_default), None)
    if campaign_id is not None:
        chosen = campaigns.get(campaign_id)
        if chosen is None:
            raise QueueError(f"no campaign {campaign_id}")
        if not chosen.active:
            return []
        arms = [_Arm(chosen.id, False, False, chosen.rules)]
        if chosen.is_default:
            arms.append(_Arm(None, False, True, chosen.rules))
        return arms
    active = [c for c in campaigns.values() if c.active]
    inactive = [c for c in campaigns.values() if not c.active]
    rule_sets = {repr(sorted((c.rules or {}).items())) for c in active}
    if not inactive and len(rule_sets) <= 1:
        # The usual case: one seek over every campaign's contacts.
        return [_Arm(None, True, True, active[0].rules if active else None)]
    arms = [_Arm(c.id, False, False, c.rules) for c in active if not c.is_default]
    if default is not None and default.active:
        arms.append(_Arm(default.id, False, False, default.rules))
        arms.append(_Arm(None, False, True, default.rules))
    return arms


def _arm_where(arm: _Arm) -> tuple[str, tuple[Any, ...]]:
    if arm.all:
        return "", ()
    if arm.include_unassigned:
        return "campaign_id IS NULL AND ", ()
    return "campaign_id = ? AND ", (arm.campaign_id,)
