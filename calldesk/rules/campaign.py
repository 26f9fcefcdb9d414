"""A campaign's narrowing of the legal rules: its own hours, days of week and holidays.

``Campaign.rules`` may hold ``{"hours": ["09:00", "17:00"], "days": ["mon", ..., "fri"],
"skip_holidays": true}`` (other keys belong to the queue: attempt caps, retry delays). The
narrowing is one more rule checked beside the pack's, so it can only ever narrow: a campaign
window wider than the law changes nothing, and :func:`validate_campaign_rules` says so.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from calldesk.rules.packs import (
    DAY_NAMES,
    Rule,
    RulePack,
    RulePackError,
    Span,
    format_week_hours,
    pack_for,
    parse_span,
)

CAMPAIGN_KEYS = ("hours", "days", "skip_holidays")


def _parse_hours(value: Any) -> Span:
    if isinstance(value, list | tuple) and len(value) == 2:
        return parse_span(f"{value[0]}-{value[1]}", "campaign")
    if isinstance(value, str):
        return parse_span(value, "campaign")
    raise RulePackError('campaign: hours must be ["HH:MM", "HH:MM"] or "HH:MM-HH:MM"')


def _parse_days(value: Any) -> tuple[int, ...]:
    if not isinstance(value, list | tuple) or not value:
        raise RulePackError('campaign: days must be a non-empty list such as ["mon", "tue"]')
    days: list[int] = []
    for day in value:
        name = str(day).strip().lower()[:3]
        if name not in DAY_NAMES:
            raise RulePackError(f'campaign: "{day}" is not a day of the week')
        days.append(DAY_NAMES.index(name))
    return tuple(sorted(set(days)))


def campaign_rule(
    campaign_rules: dict[str, Any] | None, pack: RulePack | None = None
) -> tuple[Rule | None, list[str]]:
    """The campaign's narrowing as a rule (None if it narrows nothing) and notes about it.

    Raises :class:`RulePackError` when the narrowing is malformed.
    """
    if not campaign_rules:
        return None, []
    if not isinstance(campaign_rules, dict):
        raise RulePackError("campaign: rules must be a mapping")
    has_hours = campaign_rules.get("hours") not in (None, [], "")
    has_days = campaign_rules.get("days") not in (None, [])
    skip = campaign_rules.get("skip_holidays", False)
    if not isinstance(skip, bool):
        raise RulePackError("campaign: skip_holidays must be true or false")
    if not (has_hours or has_days or skip):
        return None, []
    span = _parse_hours(campaign_rules["hours"]) if has_hours else (0, 24 * 60)
    days = _parse_days(campaign_rules["days"]) if has_days else tuple(range(7))
    hours = tuple(span if day in days else None for day in range(7))
    rule = Rule(
        id="campaign",
        name="Campaign calling hours",
        country=pack.country if pack else "",
        states=(),
        hours=hours,
        closed_on_holidays=skip,
        cap=None,
        clock=None,
        source="campaign settings (narrows the legal rules, never widens them)",
        effective=dt.date(1970, 1, 1),
        business="binds",
        business_source="the campaign's own hours apply to every call it makes",
    )
    return rule, _notes(rule, pack)


def _notes(rule: Rule, pack: RulePack | None) -> list[str]:
    notes: list[str] = []
    if pack is None:
        return notes
    for legal in pack.rules:
        if legal.states:
            continue
        for day in range(7):
            mine, law = rule.hours[day], legal.hours[day]
            if mine is None:
                continue
            if law is None or mine[0] < law[0] or mine[1] > law[1]:
                notes.append(
                    f"campaign hours {format_week_hours(rule.hours)} reach outside "
                    f"{legal.name} ({format_week_hours(legal.hours)}) in {pack.country}: "
                    "the legal rule still applies (a campaign can only narrow)"
                )
                break
    return notes


def validate_campaign_rules(
    campaign_rules: dict[str, Any] | None, countries: tuple[str, ...] = ("US", "CA", "GB")
) -> list[str]:
    """Check a campaign's narrowing; returns notes in plain words (empty: narrows cleanly).

    Raises :class:`RulePackError` for a malformed narrowing (bad hours, unknown day). A window
    wider than the law is not an error (the law still applies) but is reported in the notes.
    """
    notes: list[str] = []
    campaign_rule(campaign_rules, None)  # shape errors first, once
    for country in countries:
        pack = pack_for(country)
        if pack is not None:
            notes.extend(campaign_rule(campaign_rules, pack)[1])
    return notes
