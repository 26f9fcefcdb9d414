"""Campaigns: what a queue is built from (lists and events, a script, calling rules, a priority).

A contact is worked under one campaign at a time: the best active campaign among those that hold
it (an event sprint before a list campaign; then the higher priority; then the older campaign).
That campaign and the contact's place in the queue are denormalised onto the contact
(``Contact.campaign_id``, ``Contact.queue_rank``) so that the queue finds the next contact with
one index seek per locale instead of joining lists and events on every call. Whatever changes
membership or ranking (adding a list, editing a priority, pausing a campaign) calls
:func:`assign_contacts`.

``Campaign.rules`` holds the campaign's calling rules as data::

    {"hours": ["09:00", "17:00"], "days": ["mon", "tue", "wed", "thu", "fri"],
     "skip_holidays": true,                      # narrowing: read by calldesk.rules
     "max_attempts": 6, "max_per_day": 2,        # attempt caps per contact
     "retry": {"no_answer": 240, "busy": 30},    # minutes per disposition; null = never again
     "callback_release_minutes": 60}             # another rep's missed callback goes to anyone
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import and_, bindparam, exists, func, or_, select, update
from sqlalchemy.orm import Session

from calldesk.models import (
    CallList,
    Campaign,
    CampaignList,
    Contact,
    EventEngagement,
    ListMember,
)

KINDS = ("list", "event_sprint")
QUEUE_KEYS = ("max_attempts", "max_per_day", "retry", "callback_release_minutes")
NARROWING_KEYS = ("hours", "days", "skip_holidays")
DEFAULT_CALLBACK_RELEASE_MINUTES = 60

# queue_rank = tier * TIER - priority * PRIORITY - engagement * ENGAGEMENT + deadline_day: hotter
# event contacts come before a sooner deadline (the hottest of every sprint first, JOURNEYS.md
# day 2), the deadline breaks ties. Each field fits below the next one's unit (int64 overall).
_TIER = 10**15
_PRIORITY = 10**9
_ENGAGEMENT = 10**5
_MAX_PRIORITY = 99_999
_MAX_ENGAGEMENT = 9_999
_MAX_DEADLINE_DAY = 99_999
_EPOCH = dt.date(2000, 1, 1)


class CampaignError(ValueError):
    """A campaign definition is invalid or a campaign cannot be found."""


def queue_rank(
    tier: int, priority: int = 0, engagement: int = 0, deadline: dt.date | None = None
) -> int:
    """A contact's place in the queue as one integer, lower called first.

    Order: tier (1 event sprint, 2 list), then campaign priority (higher first), then engagement
    (hotter first, across sprints too), then the sprint's deadline (sooner first; none last).
    """
    priority = max(-_MAX_PRIORITY, min(_MAX_PRIORITY, int(priority)))
    engagement = max(0, min(_MAX_ENGAGEMENT, int(engagement)))
    day = 0
    if tier == 1:
        day = (
            _MAX_DEADLINE_DAY
            if deadline is None
            else max(0, min(_MAX_DEADLINE_DAY - 1, (deadline - _EPOCH).days))
        )
    return tier * _TIER - priority * _PRIORITY - engagement * _ENGAGEMENT + day


def _rank_base(campaign: Campaign) -> tuple[int, int]:
    """(tier, rank with zero engagement) of the contacts worked under ``campaign``."""
    tier = 1 if campaign.kind == "event_sprint" else 2
    return tier, queue_rank(tier, campaign.priority, 0, campaign.deadline)


def validate_rules(
    rules: dict[str, Any] | None, disposition_codes: Iterable[str] | None = None
) -> dict[str, Any]:
    """Check a campaign's calling rules; returns them cleaned. Raises :class:`CampaignError`."""
    if rules is None:
        return {}
    if not isinstance(rules, dict):
        raise CampaignError("rules must be a mapping")
    unknown = set(rules) - set(QUEUE_KEYS) - set(NARROWING_KEYS)
    if unknown:
        raise CampaignError(
            f"unknown rule(s) {', '.join(sorted(unknown))}; known: "
            f"{', '.join(NARROWING_KEYS + QUEUE_KEYS)}"
        )
    clean = dict(rules)
    for key in ("max_attempts", "max_per_day", "callback_release_minutes"):
        value = clean.get(key)
        if value is None:
            clean.pop(key, None)
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise CampaignError(f"{key} must be a whole number of at least 1, got {value!r}")
    retry = clean.get("retry")
    if retry is not None:
        if not isinstance(retry, dict):
            raise CampaignError('retry must map disposition codes to minutes: {"busy": 30}')
        codes = set(disposition_codes) if disposition_codes is not None else None
        for code, minutes in retry.items():
            if codes is not None and code not in codes:
                raise CampaignError(f"retry: unknown disposition {code!r}")
            if minutes is not None and (
                isinstance(minutes, bool) or not isinstance(minutes, int) or minutes < 0
            ):
                raise CampaignError(f"retry.{code} must be minutes >= 0 or null (never again)")
    narrowing = {k: clean[k] for k in NARROWING_KEYS if k in clean}
    if narrowing:
        from calldesk.rules.campaign import validate_campaign_rules
        from calldesk.rules.packs import RulePackError

        try:
            validate_campaign_rules(narrowing)
        except RulePackError as exc:
            raise CampaignError(str(exc)) from exc
    return clean


def get_campaign(session: Session, id_or_name: int | str) -> Campaign:
    """A campaign by id or name; raises :class:`CampaignError` when there is none."""
    campaign = None
    if isinstance(id_or_name, int) or str(id_or_name).isdigit():
        campaign = session.get(Campaign, int(id_or_name))
    if campaign is None:
        campaign = session.scalar(select(Campaign).where(Campaign.name == str(id_or_name)))
    if campaign is None:
        raise CampaignError(f"no campaign {id_or_name!r}")
    return campaign


def default_campaign(session: Session) -> Campaign | None:
    """The campaign contacts without one are worked under."""
    return session.scalar(select(Campaign).where(Campaign.is_default).order_by(Campaign.id))


def list_campaigns(session: Session, *, active_only: bool = False) -> list[Campaign]:
    """Campaigns, best first (event sprints, then priority)."""
    query = select(Campaign)
    if active_only:
        query = query.where(Campaign.active)
    campaigns = list(session.scalars(query))
    return sorted(campaigns, key=lambda c: (_rank_base(c)[1], c.id))


def _disposition_codes(session: Session) -> list[str]:
    from calldesk.models import Disposition

    return list(session.scalars(select(Disposition.code)))


def create_campaign(
    session: Session,
    name: str,
    *,
    kind: str = "list",
    priority: int = 0,
    script_key: str | None = None,
    event_id: int | None = None,
    deadline: dt.date | None = None,
    rules: dict[str, Any] | None = None,
    list_ids: Iterable[int] = (),
    active: bool = True,
) -> Campaign:
    """Create a campaign, attach its lists and place their contacts in the queue."""
    name = (name or "").strip()
    if not name:
        raise CampaignError("a campaign needs a name")
    if kind not in KINDS:
        raise CampaignError(f"kind must be one of {', '.join(KINDS)}, got {kind!r}")
    if session.scalar(select(Campaign.id).where(Campaign.name == name)) is not None:
        raise CampaignError(f"a campaign named {name!r} already exists")
    if kind == "event_sprint" and event_id is None and not list(list_ids):
        raise CampaignError("an event sprint needs an event or a list")
    campaign = Campaign(
        name=name,
        kind=kind,
        priority=int(priority),
        script_key=script_key,
        event_id=event_id,
        deadline=deadline,
        rules=validate_rules(rules, _disposition_codes(session)) or None,
        active=active,
    )
    session.add(campaign)
    session.flush()
    for list_id in list_ids:
        _attach(session, campaign.id, list_id)
    assign_contacts(session, [campaign.id])
    return campaign


def update_campaign(session: Session, id_or_name: int | str, **changes: Any) -> Campaign:
    """Change a campaign (name, priority, script_key, deadline, rules, active, event_id) and
    re-place its contacts in the queue."""
    campaign = get_campaign(session, id_or_name)
    allowed = {"name", "priority", "script_key", "deadline", "rules", "active", "event_id", "kind"}
    unknown = set(changes) - allowed
    if unknown:
        raise CampaignError(f"cannot change {', '.join(sorted(unknown))}")
    if "kind" in changes and changes["kind"] not in KINDS:
        raise CampaignError(f"kind must be one of {', '.join(KINDS)}")
    if "rules" in changes:
        changes["rules"] = validate_rules(changes["rules"], _disposition_codes(session)) or None
    if "active" in changes and not changes["active"] and campaign.is_default:
        # Contacts with no campaign of their own are worked under the default one.
        pass
    for key, value in changes.items():
        setattr(campaign, key, value)
    session.flush()
    assign_contacts(session, [campaign.id])
    return campaign


def _attach(session: Session, campaign_id: int, list_id: int) -> None:
    if session.get(CallList, list_id) is None:
        raise CampaignError(f"no list {list_id}")
    if session.get(CampaignList, (campaign_id, list_id)) is None:
        session.add(CampaignList(campaign_id=campaign_id, list_id=list_id))
        session.flush()


def add_list(session: Session, campaign_id: int, list_id: int) -> None:
    """Put a list's contacts into a campaign (and into the queue under it)."""
    get_campaign(session, campaign_id)
    _attach(session, campaign_id, list_id)
    assign_contacts(session, [campaign_id])


def remove_list(session: Session, campaign_id: int, list_id: int) -> None:
    """Take a list out of a campaign; its contacts move to their next best campaign."""
    link = session.get(CampaignList, (campaign_id, list_id))
    if link is not None:
        members = select(ListMember.contact_id).where(ListMember.list_id == list_id)
        session.delete(link)
        session.flush()
        _reassign(session, members)


def _members(campaign: Campaign) -> Any:
    """SELECT of the contact ids a campaign holds (lists, and an event sprint's event)."""
    via_lists = (
        select(ListMember.contact_id)
        .join(CampaignList, CampaignList.list_id == ListMember.list_id)
        .where(CampaignList.campaign_id == campaign.id)
    )
    if campaign.event_id is None:
        return via_lists
    via_event = select(EventEngagement.contact_id).where(
        EventEngagement.event_id == campaign.event_id
    )
    via_event_lists = (
        select(ListMember.contact_id)
        .join(CallList, CallList.id == ListMember.list_id)
        .where(CallList.event_id == campaign.event_id)
    )
    return via_lists.union(via_event, via_event_lists)


def assign_contacts(session: Session, campaign_ids: Iterable[int] | None = None) -> int:
    """Re-place the contacts of these campaigns (all when None) under their best active campaign.

    Bulk SQL, one UPDATE per campaign: campaigns are applied from worst to best, so the last
    one that holds a contact wins. Returns the number of campaigns applied.
    """
    campaigns = list(session.scalars(select(Campaign)))
    if campaign_ids is None:
        affected = None
    else:
        wanted = set(campaign_ids)
        targets = [c for c in campaigns if c.id in wanted]
        if not targets:
            return 0
        parts = [_members(c) for c in targets]
        affected = parts[0] if len(parts) == 1 else parts[0].union(*parts[1:])
    return _apply(session, campaigns, affected)


def _reassign(session: Session, contact_ids_select: Any) -> int:
    campaigns = list(session.scalars(select(Campaign)))
    return _apply(session, campaigns, contact_ids_select)


def _apply(session: Session, campaigns: list[Campaign], affected: Any) -> int:
    # Worst first: inactive campaigns (so a paused campaign's contacts keep pointing at it and
    # stay out of "every active campaign"), then active ones from lowest to highest rank.
    def order(c: Campaign) -> tuple[int, int, int]:
        return (1 if c.active else 0, -_rank_base(c)[1], -c.id)

    applied = 0
    affected_ids = None
    if affected is not None:
        affected_ids = select(affected.subquery().c[0])
    # Start from "no campaign of its own" (the default campaign), then let campaigns claim.
    default = next((c for c in campaigns if c.is_default), None)
    default_priority = default.priority if default else 0
    reset = update(Contact)
    if affected_ids is not None:
        reset = reset.where(Contact.id.in_(affected_ids))
    session.execute(
        reset.values(
            campaign_id=None,
            tier=2,
            priority=default_priority,
            queue_rank=bindparam("base0", queue_rank(2, default_priority))
            - _clamp(func.coalesce(Contact.engagement, 0), 0, _MAX_ENGAGEMENT) * _ENGAGEMENT,
        )
    )
    for campaign in sorted(campaigns, key=order):
        tier, base = _rank_base(campaign)
        members = select(_members(campaign).subquery().c[0])
        where = [Contact.id.in_(members)]
        if affected_ids is not None:
            where.append(Contact.id.in_(affected_ids))
        values: dict[str, Any] = {
            "campaign_id": None if campaign.is_default else campaign.id,
            "tier": tier,
            "priority": campaign.priority,
        }
        if campaign.event_id is not None:
            score = (
                select(EventEngagement.score)
                .where(
                    EventEngagement.event_id == campaign.event_id,
                    EventEngagement.contact_id == Contact.id,
                )
                .scalar_subquery()
            )
            values["engagement"] = func.coalesce(score, Contact.engagement)
        session.execute(update(Contact).where(*where).values(**values))
        clamped = func.coalesce(Contact.engagement, 0)
        session.execute(
            update(Contact)
            .where(*where)
            .values(
                queue_rank=bindparam("base", base)
                - _clamp(clamped, 0, _MAX_ENGAGEMENT) * _ENGAGEMENT
            )
        )
        applied += 1
    _place_in_several_sprints(session, campaigns, affected_ids)
    session.flush()
    # The bulk updates bypassed the session: contacts it holds must be read again.
    for obj in list(session.identity_map.values()):
        if isinstance(obj, Contact):
            session.expire(obj)
    return applied


def _place_in_several_sprints(
    session: Session, campaigns: list[Campaign], affected_ids: Any
) -> None:
    """A contact at several events is worked in the sprint the rep can speak to most personally.

    The bulk pass left her in whichever sprint was applied last; here, among the active sprints
    of the events she engaged with, the one chosen is: the higher campaign priority, then the
    event where she left booth notes, then a trade show (met in person), then her hottest
    engagement, then the sooner deadline. Her opener then names that event (the same choice as
    :func:`calldesk.scripts.merge.merge_values`). Only people at two or more such events are read.
    """
    from calldesk.models import Event

    sprints: dict[int, Campaign] = {}
    for campaign in sorted(
        (c for c in campaigns if c.active and c.kind == "event_sprint" and c.event_id),
        key=lambda c: _rank_base(c)[1],
        reverse=True,
    ):
        sprints[campaign.event_id] = campaign  # the best-ranked sprint of an event wins
    if len(sprints) < 2:
        return
    in_sprints = EventEngagement.event_id.in_(list(sprints))
    several = (
        select(EventEngagement.contact_id)
        .where(in_sprints)
        .group_by(EventEngagement.contact_id)
        .having(func.count(func.distinct(EventEngagement.event_id)) > 1)
    )
    if affected_ids is not None:
        several = several.where(EventEngagement.contact_id.in_(affected_ids))
    rows = session.execute(
        select(
            EventEngagement.contact_id,
            EventEngagement.event_id,
            EventEngagement.score,
            EventEngagement.booth_notes,
            Event.kind,
        )
        .join(Event, Event.id == EventEngagement.event_id)
        .where(in_sprints, EventEngagement.contact_id.in_(several))
    ).all()
    best: dict[int, tuple[tuple[Any, ...], Campaign, int]] = {}
    for contact_id, event_id, score, booth_notes, kind in rows:
        campaign = sprints[event_id]
        deadline = campaign.deadline or dt.date.max
        key = (
            campaign.priority,
            bool(booth_notes),
            kind == "trade_show",
            score or 0,
            -deadline.toordinal(),
            -campaign.id,
        )
        if contact_id not in best or key > best[contact_id][0]:
            best[contact_id] = (key, campaign, score or 0)
    if not best:
        return
    table = Contact.__table__  # Core: one executemany, no ORM bulk machinery
    session.execute(
        update(table)
        .where(table.c.id == bindparam("cid"))
        .values(
            campaign_id=bindparam("campaign"),
            tier=1,
            priority=bindparam("priority"),
            engagement=bindparam("heat"),
            queue_rank=bindparam("rank"),
        ),
        [
            {
                "cid": contact_id,
                "campaign": campaign.id,
                "priority": campaign.priority,
                "heat": heat,
                "rank": queue_rank(1, campaign.priority, heat, campaign.deadline),
            }
            for contact_id, (_key, campaign, heat) in best.items()
        ],
    )


def _clamp(expr: Any, low: int, high: int) -> Any:
    from sqlalchemy import case

    return case((expr < low, low), (expr > high, high), else_=expr)


def campaign_counts(session: Session, campaign: Campaign) -> dict[str, int]:
    """Contacts worked under a campaign: total, ready now, cooling down, claimed, closed."""
    column = Contact.campaign_id
    where = column.is_(None) if campaign.is_default else column == campaign.id
    row = session.execute(
        select(
            func.count(),
            func.sum(
                and_(
                    Contact.callable,
                    Contact.claimed_by_id.is_(None),
                    Contact.next_eligible_at.is_(None),
                    Contact.locale_key.is_not(None),
                ).cast(_int())
            ),
            func.sum(Contact.next_eligible_at.is_not(None).cast(_int())),
            func.sum(Contact.claimed_by_id.is_not(None).cast(_int())),
            func.sum(or_(Contact.callable.is_(False), Contact.callable.is_(None)).cast(_int())),
        ).where(where)
    ).one()
    return {
        "contacts": int(row[0] or 0),
        "ready": int(row[1] or 0),
        "cooling_down": int(row[2] or 0),
        "claimed": int(row[3] or 0),
        "not_callable": int(row[4] or 0),
    }


def _int() -> Any:
    from sqlalchemy import Integer

    return Integer()


def campaign_dict(session: Session, campaign: Campaign, *, counts: bool = False) -> dict[str, Any]:
    """A campaign as plain data for JSON and the desk."""
    lists = list(
        session.scalars(select(CampaignList.list_id).where(CampaignList.campaign_id == campaign.id))
    )
    data: dict[str, Any] = {
        "id": campaign.id,
        "name": campaign.name,
        "kind": campaign.kind,
        "priority": campaign.priority,
        "active": campaign.active,
        "is_default": campaign.is_default,
        "script_key": campaign.script_key,
        "event_id": campaign.event_id,
        "deadline": campaign.deadline.isoformat() if campaign.deadline else None,
        "rules": campaign.rules or {},
        "list_ids": lists,
    }
    if counts:
        data["counts"] = campaign_counts(session, campaign)
    return data


def has_member(session: Session, campaign: Campaign, contact_id: int) -> bool:
    """Whether a campaign holds this contact (through a list or its event)."""
    members = _members(campaign).subquery()
    return bool(session.scalar(select(exists().where(members.c[0] == contact_id))))
