"""The one decision: may this number (or contact) be dialled by this rep at this instant, and why.

:func:`decide` is the single home of that decision. The queue, the desk's card and dial key, a
hand-typed number, callbacks, ``calldesk rules explain``, ``calldesk call dial`` and the Rules
screen all come here (the queue through the same cached verdicts per place), and every attempt
keeps the verdict that allowed it (:mod:`calldesk.rules.ledger`).

What decides, in order: the number (an invalid one is never dialled), the do-not-call list, the
contact's places (its numbers' countries always, plus what the address or a Country column adds:
:mod:`calldesk.places`), whether the line is a business line (business exemptions, each with its
source), every rule of every pack in play plus the campaign's narrowing and a manager's closed
days, the registry copy's age (consumer calls only), and per-person caps (counted for a number
alone too). DNC, an invalid number and an unknown place are never overridable; any other
refusal may be overridden by a rep whose role is manager, with a reason.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session

from calldesk.models import Attempt, Campaign, Contact, DncEntry, Phone, Rep
from calldesk.places import Placement, locate, parse_key
from calldesk.rules.contacts import (
    _dnc_check,
    _refused,
    apply_caps,
    known_attempt_times,
    normalize_number,
)
from calldesk.rules.context import RulesContext, load_context
from calldesk.rules.engine import UTC, LocaleStatus, RuleCheck, locale_status

# Refusals no one may override: the number itself, the do-not-call list, an unknown place.
NOT_OVERRIDABLE = frozenset({"dnc", "number", "fail-closed"})
OVERRIDE_ROLE = "manager"
PURPOSES = ("offer", "card", "dial", "callback", "explain")


@dataclass(frozen=True)
class Verdict:
    """Whether a dial is allowed, and the whole explanation a compliance officer reads.

    ``status`` is the rules' answer (zones, states, every rule checked with its statute, local
    time); ``closes_at`` is when an allowed window closes, ``opens_at`` when a refused one
    next opens (None: not by itself). ``overridable`` says whether a manager may let the dial
    go ahead anyway; ``override_by`` names the manager who did (with ``override_reason``).
    """

    allowed: bool
    at: dt.datetime
    purpose: str
    number: str | None
    contact_id: int | None
    rep: str | None
    status: LocaleStatus
    line: str  # "business" | "consumer"
    places: dict[str, Any] = field(default_factory=dict)
    registry: list[dict[str, Any]] = field(default_factory=list)
    overridable: bool = False
    override_by: str | None = None
    override_reason: str | None = None

    @property
    def rule(self) -> str:
        return self.status.rule

    @property
    def local_time(self) -> str:
        return self.status.local_time

    @property
    def next_allowed_at(self) -> dt.datetime | None:
        return self.status.next_allowed_at

    @property
    def closes_at(self) -> dt.datetime | None:
        """When the window closes (allowed now), else None."""
        return self.status.changes_at if self.allowed else None

    @property
    def opens_at(self) -> dt.datetime | None:
        """When calling is next allowed (refused now); None when allowed or never by itself."""
        return None if self.allowed else self.status.next_allowed_at

    @property
    def checks(self) -> list[RuleCheck]:
        return self.status.checks

    @property
    def exemptions(self) -> list[str]:
        """The business exemptions used, in plain words with their sources."""
        return [f"{c.rule}: {c.detail}" for c in self.status.checks if c.verdict == "exempt"]

    @property
    def hard_refusal(self) -> RuleCheck | None:
        """The refusal no override can lift (DNC, invalid number, unknown place), if any."""
        for check in self.status.checks:
            if check.verdict == "refused" and check.rule_id in NOT_OVERRIDABLE:
                return check
        return None

    def as_dict(self) -> dict[str, Any]:
        """JSON-able (times ISO 8601 UTC), as ``calldesk rules explain --json`` prints it."""
        data = self.status.as_dict()
        data.update(
            {
                "at": self.at.isoformat(),
                "purpose": self.purpose,
                "phone": self.number,
                "contact_id": self.contact_id,
                "rep": self.rep,
                "line": self.line,
                "exemptions": self.exemptions,
                "closes_at": self.closes_at.isoformat() if self.closes_at else None,
                "opens_at": self.opens_at.isoformat() if self.opens_at else None,
                "registry": self.registry,
                "overridable": self.overridable,
                "override_role": OVERRIDE_ROLE if self.overridable else None,
                "override_by": self.override_by,
                "override_reason": self.override_reason,
            }
        )
        data.update(self.places)
        return data


def _key_business(key: str) -> bool:
    """Whether a locale key says business line (parsed once per key: every offer asks)."""
    business = _business_of.get(key)
    if business is None:
        business = parse_key(key).business
        if len(_business_of) > 50_000:
            _business_of.clear()
        _business_of[key] = business
    return business


_business_of: dict[str, bool] = {}


def _registry_dicts(context: RulesContext) -> list[dict[str, Any]]:
    """The registry copies' states as a verdict lists them: written once per context (cached
    for a few seconds by :func:`load_context`), copied for each verdict."""
    hit = _registry_of[0]
    if hit is None or hit[0] is not context:
        hit = _registry_of[0] = (context, tuple(r.as_dict() for r in context.registry))
    return [dict(d) for d in hit[1]]


_registry_of: list[Any] = [None]  # (the context, its registry as dicts): the last one asked


def _aware(at: dt.datetime) -> dt.datetime:
    if at.tzinfo is None:
        raise ValueError(f"naive datetime {at!r}: calling rules need an aware (UTC) instant")
    return at.astimezone(UTC)


def _contact(session: Session, contact: Contact | int | None) -> Contact | None:
    if contact is None or isinstance(contact, Contact) or hasattr(contact, "locale_key"):
        return contact  # a model object, or the queue's one-statement read of the same columns
    found = session.get(Contact, int(contact))
    if found is None:
        raise LookupError(f"no contact {contact}")
    return found


def _rep_name(session: Session, rep: Rep | str | int | None) -> str | None:
    if rep is None or isinstance(rep, str):
        return rep
    if isinstance(rep, Rep):
        return rep.name
    return session.scalar(select(Rep.name).where(Rep.id == int(rep)))


def is_business_number(session: Session, e164: str, contact_id: int | None = None) -> bool:
    """Whether ``e164`` is marked as a business line (on this contact, or anywhere if none)."""
    query = select(Phone.business).where(Phone.e164 == e164)
    if contact_id is not None:
        query = query.where(Phone.contact_id == contact_id)
    marks = list(session.scalars(query))
    # Fail closed: a number marked consumer anywhere (or nowhere) gets the consumer rules.
    return bool(marks) and all(marks)


def contact_is_business(session: Session, contact_id: int) -> bool:
    """Whether every valid number of a contact is a business line (its locale key says |B)."""
    marks = list(
        session.scalars(
            select(Phone.business).where(
                Phone.contact_id == contact_id, Phone.valid.is_(True), Phone.e164.is_not(None)
            )
        )
    )
    return bool(marks) and all(marks)


def _places(placement: Placement | None, status: LocaleStatus, stored: bool) -> dict[str, Any]:
    zone_sources = dict(placement.zone_sources) if placement else {}
    state_sources = dict(placement.state_sources) if placement else {}
    country_sources = dict(placement.country_sources) if placement else {}
    if stored:
        for zone in status.zones:
            zone_sources.setdefault(zone, ["stored locale"])
        for state in status.states:
            state_sources.setdefault(state, ["stored locale"])
        for country in status.countries:
            country_sources.setdefault(country, ["stored locale"])
    zones = list(status.zones) or list(zone_sources)
    states = list(status.states) or list(state_sources)
    countries = list(status.countries) or list(country_sources)
    return {
        "zones": [{"zone": z, "from": zone_sources.get(z, [])} for z in zones],
        "states": [{"state": s, "from": state_sources.get(s, [])} for s in states],
        "countries": [{"country": c, "from": country_sources.get(c, [])} for c in countries],
    }


def number_attempt_times(
    session: Session, e164: str, since: dt.datetime, until: dt.datetime
) -> list[dt.datetime]:
    """Start times of every attempt to a number, or to anyone who has that number, in
    ``(since, until]``: caps counted when only a number is known."""
    owners = select(Phone.contact_id).where(Phone.e164 == e164).scalar_subquery()
    return list(
        session.scalars(
            select(Attempt.started_at)
            .where(
                or_(
                    Attempt.contact_id.in_(owners),
                    Attempt.number_dialled == e164,
                    Attempt.number_dialled.like(f"{e164} ext.%"),
                ),
                Attempt.started_at > since,
                Attempt.started_at <= until,
            )
            .order_by(Attempt.started_at)
        )
    )


def decide(
    session: Session,
    *,
    at: dt.datetime,
    number: str | None = None,
    contact: Contact | int | Any | None = None,
    rep: Rep | str | int | None = None,
    purpose: str = "dial",
    campaign_rules: dict[str, Any] | None = None,
    campaign_id: int | None = None,
    business: bool | None = None,
    context: RulesContext | None = None,
) -> Verdict:
    """May ``number`` (or ``contact``'s first callable number) be dialled by ``rep`` at ``at``?

    ``number`` is text (parsed with the contact's country as the default region) or E.164;
    with only ``contact``, the verdict is exactly the queue's for it (its stored places, caps).
    ``business`` forces the line type (None: the phone's mark, or the campaign's default
    ``business_lines``). ``campaign_rules`` (or ``campaign_id``) adds a campaign's narrowing.
    Raises LookupError for an unknown contact, ValueError for a naive instant or no subject.
    """
    if purpose not in PURPOSES:
        raise ValueError(f"purpose must be one of {', '.join(PURPOSES)}")
    if number is None and contact is None:
        raise ValueError("give a phone number, a contact, or both")
    at = _aware(at)
    person = _contact(session, contact)
    rep_name = _rep_name(session, rep)
    if campaign_rules is None:
        cid = campaign_id if campaign_id is not None else (person.campaign_id if person else None)
        if cid is not None:
            campaign_rules = session.scalar(select(Campaign.rules).where(Campaign.id == cid))
    context = context if context is not None else load_context(session, at)
    registry = _registry_dicts(context)
    if not context.enforce_registry:
        registry.append({"gate": "off", "message": "registry check turned off (test setting)"})

    def verdict(status: LocaleStatus, placement: Placement | None, stored: bool, e164, line):
        hard = any(c.verdict == "refused" and c.rule_id in NOT_OVERRIDABLE for c in status.checks)
        return Verdict(
            allowed=status.allowed,
            at=at,
            purpose=purpose,
            number=e164,
            contact_id=person.id if person else None,
            rep=rep_name,
            status=status,
            line=line,
            places=_places(placement, status, stored),
            registry=registry,
            overridable=not status.allowed and not hard,
        )

    e164: str | None = None
    if number is not None:
        e164 = normalize_number(number, person.country if person else None)
        if e164 is None:
            status = _refused(
                locale_status(None, at),
                RuleCheck(
                    "number",
                    "A valid phone number",
                    "phonenumbers",
                    "",
                    "refused",
                    f'"{number}" is not a valid phone number',
                ),
            )
            return verdict(status, None, False, None, "consumer")
    campaign_business = bool((campaign_rules or {}).get("business_lines"))
    listed_phone = False
    if e164 is not None:
        # One read of the number's phones answers both "marked business?" and "flagged DNC?".
        rows = session.execute(
            select(Phone.contact_id, Phone.business, Phone.dnc).where(Phone.e164 == e164)
        ).all()
        listed_phone = any(r.dnc for r in rows)
        mine = [r for r in rows if person is None or r.contact_id == person.id]
    if business is None:
        if campaign_business:
            business = True
        elif e164 is not None:
            # Fail closed: marked business on every phone row, else consumer rules.
            business = bool(mine) and all(r.business for r in mine)
        else:
            # The contact's key says it: every valid number of theirs is a business line.
            key = person.locale_key if person is not None else None
            business = bool(key) and _key_business(key)
    line = "business" if business else "consumer"

    placement: Placement | None = None
    stored = False
    if e164 is None:
        assert person is not None
        key = person.locale_key
        if key and business != _key_business(key):
            key = parse_key(key).with_business(business).key
        stored = True
        if purpose in ("explain", "card"):
            # Where each place came from (the queue decides on the stored key alone).
            placement = locate(
                person.country,
                person.state,
                [p.e164 for p in person.phones if p.e164 and p.valid],
                zone_override=person.time_zone_override,
            )
    else:
        numbers = [e164]
        country = state = override = None
        if person is not None:
            numbers.extend(
                p.e164 for p in person.phones if p.e164 and p.valid and p.e164 not in numbers
            )
            country, state, override = person.country, person.state, person.time_zone_override
        placement = locate(country, state, numbers, zone_override=override, business=business)
        key = placement.locale.key if placement.locale else None
    status = locale_status(key, at, campaign_rules, context)
    if person is not None and not person.locale_key and person.needs_review_reason and stored:
        status = replace(status, rule=f"not callable: {person.needs_review_reason} (needs review)")
    elif not stored and placement is not None and placement.locale is None and placement.reason:
        status = replace(status, rule=f"not callable: {placement.reason}")
    if e164 is not None and (
        listed_phone or session.scalar(select(exists().where(DncEntry.e164 == e164)))
    ):
        return verdict(
            _refused(status, _dnc_check(f"{e164} is on the do-not-call list")),
            placement,
            stored,
            e164,
            line,
        )
    if person is not None and person.dnc:
        return verdict(
            _refused(status, _dnc_check("the contact asked not to be called")),
            placement,
            stored,
            e164,
            line,
        )
    if person is not None:
        # The queue's read of the contact may carry its recent attempts (no statement then).
        known = getattr(person, "recent_attempts", None)
        times = known_attempt_times(session, person.id, known) if known is not None else None
        status = apply_caps(
            session, status, person.id, at, campaign_rules, context=context, times=times
        )
    elif e164 is not None:
        status = apply_caps(
            session,
            status,
            None,
            at,
            campaign_rules,
            context=context,
            times=lambda since, until: number_attempt_times(session, e164, since, until),
        )
    return verdict(status, placement, stored, e164, line)


class DialRefused(Exception):
    """A dial the rules refuse; ``verdict`` (and ``status``) say why and when it next opens."""

    def __init__(self, message: str, verdict: Verdict) -> None:
        super().__init__(message)
        self.verdict = verdict
        self.status = verdict.status


def authorize_dial(
    session: Session,
    *,
    e164: str,
    contact_id: int | None,
    at: dt.datetime,
    rep: Rep | str | int | None = None,
    campaign_rules: dict[str, Any] | None = None,
    campaign_id: int | None = None,
    override_by: str | None = None,
    override_reason: str | None = None,
    purpose: str = "dial",
) -> Verdict:
    """The one entry point for a dial (desk dial key, hand-typed number, ``calldesk call dial``).

    Re-checks at ``at`` with :func:`decide`. Allowed: returns the verdict. Refused: raises
    :class:`DialRefused`, unless the refusal is overridable (not DNC, not an invalid number,
    not an unknown place) and ``override_by`` names a rep whose role is manager and
    ``override_reason`` is given; then the verdict is returned with ``allowed`` False and
    ``override_by``/``override_reason`` set. Record the attempt with ``rep_id`` = the rep who
    dialled and ``override_by``/``override_reason`` from the verdict (the ledger keeps both).
    """
    verdict = decide(
        session,
        at=at,
        number=e164,
        contact=contact_id,
        rep=rep,
        purpose=purpose,
        campaign_rules=campaign_rules,
        campaign_id=campaign_id,
    )
    if verdict.allowed:
        return verdict
    hard = verdict.hard_refusal
    if hard is not None:
        raise DialRefused(f"refused: {hard.rule}: {hard.detail} (no override possible)", verdict)
    if override_by is None:
        raise DialRefused(
            f"refused: {verdict.rule} (a manager may override, with a reason)", verdict
        )
    manager = session.scalar(select(Rep).where(Rep.name == override_by.strip()))
    if manager is None or manager.role != OVERRIDE_ROLE:
        raise DialRefused(f"refused: only a manager may override ({override_by} is not)", verdict)
    if not (override_reason or "").strip():
        raise DialRefused("refused: an override needs a reason", verdict)
    return replace(verdict, override_by=manager.name, override_reason=override_reason.strip())
