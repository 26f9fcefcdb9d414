"""Calling rules for a person: their place's window plus per-person caps, and typed numbers.

Caps such as "3 calls per 24 h" (Florida, Oklahoma, Maryland) count every Attempt to the
contact, by every rep, on every number, in every campaign, callbacks included, in a rolling
window ending at the moment checked.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

import phonenumbers
from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from calldesk.locale import Placement, locate, parse_key
from calldesk.models import Attempt, Contact, DncEntry, Phone
from calldesk.rules.engine import UTC, LocaleStatus, RuleCheck, _states_of, locale_status
from calldesk.rules.packs import Rule, pack_for
from calldesk.rules.windows import zone_info


def _cap_rules(locale_key: str | None, at: dt.datetime) -> list[Rule]:
    if not locale_key:
        return []
    try:
        locale = parse_key(locale_key)
    except ValueError:
        return []
    zone = locale.zones[0] if locale.zones else "UTC"
    rules = []
    for country in locale.countries:
        pack = pack_for(country)
        if pack is None:
            continue
        for rule in pack.rules_for(_states_of(locale, country)):
            if rule.cap is None or (locale.business and not rule.binds_business):
                continue
            local_day = at.astimezone(zone_info(rule.clock or zone)).date()
            if rule.in_effect(local_day):
                rules.append(rule)
    return rules


def attempt_times(session: Session, contact_id: int, since: dt.datetime, until: dt.datetime):
    """Start times of every attempt to a contact in ``(since, until]``, oldest first."""
    return list(
        session.scalars(
            select(Attempt.started_at)
            .where(
                Attempt.contact_id == contact_id,
                Attempt.started_at > since,
                Attempt.started_at <= until,
            )
            .order_by(Attempt.started_at)
        )
    )


def apply_caps(
    session: Session,
    status: LocaleStatus,
    contact_id: int,
    at: dt.datetime,
    campaign_rules: dict[str, Any] | None = None,
) -> LocaleStatus:
    """``status`` with the per-person caps of its locale applied for ``contact_id`` at ``at``."""
    rules = _cap_rules(status.locale_key, at)
    if not rules:
        return status
    longest = max(r.cap.hours for r in rules if r.cap)
    times = attempt_times(session, contact_id, at - dt.timedelta(hours=longest), at)
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
        return replace(status, checks=checks)
    later = locale_status(status.locale_key, free_at, campaign_rules)
    next_at = free_at if later.allowed else later.next_allowed_at
    return replace(
        status,
        allowed=False,
        next_allowed_at=next_at,
        changes_at=next_at,
        rule=deciding if status.allowed else status.rule,
        checks=checks,
    )


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
    contact_id: int,
    at: dt.datetime,
    campaign_rules: dict[str, Any] | None = None,
) -> LocaleStatus:
    """May this contact be called at ``at``: their locale's window plus per-person caps.

    A contact without a locale key (needs review) or on the DNC list is never allowed. When
    refused, ``next_allowed_at`` says when the contact becomes callable (None: not by itself).
    Raises LookupError for an unknown contact id.
    """
    contact = session.get(Contact, contact_id)
    if contact is None:
        raise LookupError(f"no contact {contact_id}")
    at = at.astimezone(UTC)
    status = locale_status(contact.locale_key, at, campaign_rules)
    if not contact.locale_key and contact.needs_review_reason:
        status = replace(status, rule=f"not callable: {contact.needs_review_reason} (needs review)")
    if contact.dnc:
        return _refused(status, _dnc_check("the contact asked not to be called"))
    return apply_caps(session, status, contact_id, at, campaign_rules)


def normalize_number(text: str, default_region: str | None = "US") -> str | None:
    """A typed number in E.164, or None when it is not a valid number."""
    try:
        parsed = phonenumbers.parse(text.strip(), (default_region or "US").upper())
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


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
    """Check a number a rep types by hand: the same rules as a queue offer.

    The typed number's own place (area code, zones) applies together with the contact's
    (address, other numbers); DNC and per-person caps apply. A refused dial says why; a
    manager's override is recorded with the attempt (Attempt.override_by/override_reason).
    """
    at = at.astimezone(UTC)
    contact = session.get(Contact, contact_id) if contact_id is not None else None
    if contact_id is not None and contact is None:
        raise LookupError(f"no contact {contact_id}")
    number = normalize_number(e164, contact.country if contact else None) if e164 else None
    placement = place_of(session, e164=number, contact=contact)
    if number is None:
        status = locale_status(None, at, campaign_rules)
        return _refused(
            status,
            RuleCheck(
                "number",
                "A valid phone number",
                "phonenumbers",
                "",
                "refused",
                f'"{e164}" is not a valid phone number',
            ),
        )
    key = placement.locale.key if placement.locale else None
    status = locale_status(key, at, campaign_rules)
    if placement.locale is None and placement.reason:
        status = replace(status, rule=f"not callable: {placement.reason}")
    if is_dnc_number(session, number):
        return _refused(status, _dnc_check(f"{number} is on the do-not-call list"))
    if contact is not None:
        if contact.dnc:
            return _refused(status, _dnc_check("the contact asked not to be called"))
        status = apply_caps(session, status, contact.id, at, campaign_rules)
    return status


class DialRefused(Exception):
    """A dial the rules refuse; ``status`` says why and when it is next allowed."""

    def __init__(self, message: str, status: LocaleStatus) -> None:
        super().__init__(message)
        self.status = status


def authorize_dial(
    session: Session,
    *,
    e164: str,
    contact_id: int | None,
    at: dt.datetime,
    campaign_rules: dict[str, Any] | None = None,
    override_by: str | None = None,
    override_reason: str | None = None,
) -> LocaleStatus:
    """Check a hand-typed dial and refuse it unless allowed or overridden by a manager.

    Outside the calling window (or over a cap) a dial goes ahead only with an override: a rep
    named ``override_by`` whose role is manager, and a reason (record both on the Attempt).
    A number on the do-not-call list, or one whose place is unknown, is refused even then.
    Raises :class:`DialRefused`.
    """
    status = check_dial(
        session, e164=e164, contact_id=contact_id, at=at, campaign_rules=campaign_rules
    )
    if status.allowed:
        return status
    hard = [c for c in status.checks if c.verdict == "refused" and c.rule_id in _NOT_OVERRIDABLE]
    if hard:
        raise DialRefused(f"refused: {hard[0].rule}: {hard[0].detail}", status)
    if override_by is None:
        raise DialRefused(f"refused: {status.rule}", status)
    from calldesk.models import Rep  # the override must come from a manager

    manager = session.scalar(select(Rep).where(Rep.name == override_by))
    if manager is None or manager.role != "manager":
        raise DialRefused(f"refused: only a manager may override ({override_by} is not)", status)
    if not (override_reason or "").strip():
        raise DialRefused("refused: an override needs a reason", status)
    return status


_NOT_OVERRIDABLE = {"dnc", "number", "fail-closed"}
