"""Calling rules for a person: their place's window plus per-person caps, and typed numbers.

Caps such as "3 calls per 24 h" (Florida, Oklahoma, Maryland) count every Attempt to the
contact, by every rep, on every number, in every campaign, callbacks included, in a rolling
window ending at the moment checked.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from calldesk.locale import Placement, locate, parse_key
from calldesk.models import Contact, DncEntry, Phone
from calldesk.rules.engine import LocaleStatus, RuleCheck, _states_of, locale_status
from calldesk.rules.packs import Rule, active_packs, pack_for
from calldesk.rules.windows import zone_info


def _cap_rules(locale_key: str | None, at: dt.datetime) -> list[Rule]:
    """The caps of the place's rules that are in effect at ``at`` (on the rule's clock)."""
    rules = []
    for rule, zone in _caps_of(locale_key):
        if rule.in_effect(at.astimezone(zone_info(zone)).date()):
            rules.append(rule)
    return rules


def _caps_of(locale_key: str | None) -> tuple[tuple[Rule, str], ...]:
    """Every rule with a cap that applies to the place (each with the zone whose day says
    whether it is in effect), worked out once per place and set of packs in use: every offer
    asks."""
    if not locale_key:
        return ()
    packs = active_packs()
    hit = _caps_cache.get(locale_key)
    if hit is not None and hit[0] is packs:
        return hit[1]
    try:
        locale = parse_key(locale_key)
    except ValueError:
        return ()
    zone = locale.zones[0] if locale.zones else "UTC"
    caps = []
    for country in locale.countries:
        pack = pack_for(country)
        if pack is None:
            continue
        for rule in pack.rules_for(_states_of(locale, country)):
            if rule.cap is None or (locale.business and not rule.binds_business):
                continue
            caps.append((rule, rule.clock or zone))
    if len(_caps_cache) > 50_000:
        _caps_cache.clear()
    _caps_cache[locale_key] = (packs, tuple(caps))
    return _caps_cache[locale_key][1]


# locale key -> (the packs in use when worked out, its cap rules): read again after a reload.
_caps_cache: dict[str, tuple[Any, tuple[tuple[Rule, str], ...]]] = {}


def cap_horizon() -> int:
    """The longest cap window (hours) of any rule in the packs in use (0: no cap anywhere):
    attempts older than that never count. The queue reads a contact's attempts since then
    with the contact itself (:func:`known_attempt_times`), one statement fewer per offer."""
    packs = active_packs()
    if _horizon[0] is not packs:
        hours = [r.cap.hours for p in packs.packs.values() for r in p.rules if r.cap is not None]
        _horizon[:] = [packs, max(hours, default=0)]
    return _horizon[1]


_horizon: list[Any] = [None, 0]  # the packs it was worked out for, the hours


def known_attempt_times(
    session: Session,
    contact_id: int,
    known: tuple[dt.datetime, dt.datetime, list[dt.datetime]] | None,
):
    """``times(since, until)`` for :func:`apply_caps` from attempts already read: ``known``
    is (after, until, the start times of every attempt to the contact in ``(after, until]``,
    oldest first). A window it does not cover is read as :func:`attempt_times` reads it."""

    def times(since: dt.datetime, until: dt.datetime) -> list[dt.datetime]:
        if known is not None and known[0] <= since and until == known[1]:
            return [t for t in known[2] if t > since]
        return attempt_times(session, contact_id, since, until)

    return times


_ATTEMPT_TIMES = (
    "SELECT started_at FROM attempts WHERE contact_id = {p} AND started_at > {p} "
    "AND started_at <= {p} ORDER BY started_at"
)


def attempt_times(session: Session, contact_id: int, since: dt.datetime, until: dt.datetime):
    """Start times of every attempt to a contact in ``(since, until]``, oldest first.

    Asked for every offer (the caps): one statement on the driver's cursor, the moments bound
    the way the store writes them (naive UTC; text on SQLite), no ORM round."""
    conn = session.connection()
    pg = conn.dialect.name == "postgresql"
    bounds = [v.astimezone(dt.UTC).replace(tzinfo=None) for v in (since, until)]
    if not pg:
        bounds = [v.isoformat(sep=" ", timespec="microseconds") for v in bounds]
    cursor = conn.connection.cursor()
    try:
        cursor.execute(_ATTEMPT_TIMES.format(p="%s" if pg else "?"), (contact_id, *bounds))
        rows = cursor.fetchall()
    finally:
        cursor.close()
    out = []
    for (value,) in rows:
        if isinstance(value, str):
            value = dt.datetime.fromisoformat(value)
        out.append(value.replace(tzinfo=dt.UTC))
    return out


def apply_caps(
    session: Session,
    status: LocaleStatus,
    contact_id: int | None,
    at: dt.datetime,
    campaign_rules: dict[str, Any] | None = None,
    *,
    context: Any = None,
    times: Any = None,
) -> LocaleStatus:
    """``status`` with the per-person caps of its locale applied for ``contact_id`` at ``at``.

    ``times(since, until)`` gives the attempts to count when there is no contact (a number
    alone: every attempt to anyone who has it, :func:`calldesk.rules.decide.number_attempt_times`).
    """
    rules = _cap_rules(status.locale_key, at)
    if not rules:
        return status
    longest = max(r.cap.hours for r in rules if r.cap)
    since = at - dt.timedelta(hours=longest)
    if times is not None:
        times = times(since, at)
    elif contact_id is not None:
        times = attempt_times(session, contact_id, since, at)
    else:
        times = []
    checks = list(status.checks)
    free_at: dt.datetime | None = None
    deciding = ""
    for rule in rules:
        assert rule.cap is not None
        window_start = at - dt.timedelta(hours=rule.cap.hours)
        recent = [t for t in times if t > window_start]
        used = len(recent)
        states = tuple(s for s in status.states if s in rule.states)
        if used >= rule.cap.calls:
            # Callable again once enough of the recent attempts have left the rolling window.
            frees = recent[used - rule.cap.calls] + dt.timedelta(hours=rule.cap.hours)
            if free_at is None or frees > free_at:
                free_at = frees
                deciding = (
                    f"{rule.name}: {used} calls in the last {rule.cap.hours} h "
                    f"(at most {rule.cap.calls}; {rule.source})"
                )
            verdict, detail = (
                "refused",
                (
                    f"{used} of {rule.cap.calls} calls used in the last {rule.cap.hours} h "
                    f"(every rep, every number, every campaign); next call from {frees.isoformat()}"
                ),
            )
        else:
            verdict, detail = (
                "allowed",
                (
                    f"{used} of {rule.cap.calls} calls used in the last {rule.cap.hours} h "
                    "(every rep, every number, every campaign)"
                ),
            )
        checks.append(
            RuleCheck(
                f"{rule.id}-cap",
                f"{rule.name} (cap)",
                rule.source,
                rule.effective.isoformat(),
                verdict,
                detail,
                status.zones,
                states,
            )
        )
    if free_at is None:
        return _with_checks(status, checks)
    later = locale_status(status.locale_key, free_at, campaign_rules, context)
    next_at = free_at if later.allowed else later.next_allowed_at
    return replace(
        status,
        allowed=False,
        next_allowed_at=next_at,
        changes_at=next_at,
        rule=deciding if status.allowed else status.rule,
        checks=checks,
    )


def _with_checks(status: LocaleStatus, checks: list[RuleCheck]) -> LocaleStatus:
    """``replace(status, checks=checks)`` without re-running the dataclass's ``__init__``
    through ``dataclasses.replace`` (a fifth of an offer's rules decision): the same fields,
    the checks replaced."""
    copy = object.__new__(LocaleStatus)
    copy.__dict__.update(status.__dict__)
    copy.__dict__["checks"] = checks
    return copy


def _refused(status: LocaleStatus, check: RuleCheck) -> LocaleStatus:
    return replace(
        status,
        allowed=False,
        next_allowed_at=None,
        changes_at=None,
        rule=f"{check.rule}: {check.detail}",
        checks=[check, *status.checks],
    )


def _dnc_check(detail: str) -> RuleCheck:
    return RuleCheck(
        "dnc",
        "Do not call",
        "47 CFR 64.1200(c)(2); CRTC National DNCL; PECR reg. 21 (TPS); internal requests",
        "",
        "refused",
        detail,
    )


def contact_status(
    session: Session,
    contact_id: int | Any,
    at: dt.datetime,
    campaign_rules: dict[str, Any] | None = None,
    *,
    context: Any = None,
) -> LocaleStatus:
    """May this contact be called at ``at``: :func:`calldesk.rules.decide` on the contact alone.

    A contact without a locale key (needs review) or on the DNC list is never allowed. When
    refused, ``next_allowed_at`` says when the contact becomes callable (None: not by itself).
    Raises LookupError for an unknown contact id. ``contact_id`` may also be the contact
    itself (the model object, or the queue's one-statement read of its columns): no load then.
    ``context``: the store's facts at ``at`` (:func:`calldesk.rules.load_context`), if the
    caller holds them already.
    """
    from calldesk.rules.decide import decide

    return decide(
        session,
        at=at,
        contact=contact_id,
        purpose="offer",
        campaign_rules=campaign_rules or {},
        context=context,
    ).status


def normalize_number(text: str, default_region: str | None = "US") -> str | None:
    """A typed number in E.164, or None when it is not a valid number (the dial policy of
    :mod:`calldesk.phones`, the one reader of numbers: 00/011/001 prefixes included)."""
    from calldesk.phones import Policy, to_e164

    return to_e164(text, (default_region or "US").upper(), Policy.DIAL)


def place_of(session: Session, *, e164: str | None, contact: Contact | None) -> Placement:
    """Zones and states for a typed number and/or a contact, with their sources."""
    numbers: list[str] = []
    if e164:
        numbers.append(e164)
    country = state = override = None
    if contact is not None:
        numbers.extend(
            p.e164 for p in contact.phones if p.e164 and p.valid and p.e164 not in numbers
        )
        country, state, override = contact.country, contact.state, contact.time_zone_override
    return locate(country, state, numbers, zone_override=override)


def is_dnc_number(session: Session, e164: str) -> bool:
    """Whether ``e164`` is on the DNC list (internal or registry) or flagged on a phone."""
    listed = session.scalar(select(exists().where(DncEntry.e164 == e164)))
    if listed:
        return True
    return bool(session.scalar(select(exists().where(Phone.e164 == e164, Phone.dnc.is_(True)))))


def check_dial(
    session: Session,
    *,
    e164: str,
    contact_id: int | None,
    at: dt.datetime,
    campaign_rules: dict[str, Any] | None = None,
) -> LocaleStatus:
    """Check a number a rep types by hand: :func:`calldesk.rules.decide` for the number (its own
    place with the contact's, DNC, caps). Use :func:`calldesk.rules.authorize_dial` to dial."""
    from calldesk.rules.decide import decide

    return decide(
        session, at=at, number=e164, contact=contact_id, campaign_rules=campaign_rules
    ).status
