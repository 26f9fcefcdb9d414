"""Offers: :func:`next_offer` claims the contact a rep should call now and says why (a due
callback first, then the walk of the queue), or says why there is none.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from calldesk import campaigns as campaigns_mod
from calldesk.locale import parse_key
from calldesk.models import Callback, Contact
from calldesk.queue import base
from calldesk.queue.arms import _CampaignRow, _campaigns_and_arms
from calldesk.queue.base import DEFAULT_LEASE, _now
from calldesk.queue.claims import (
    _claim,
    _lock_unclaimed,
    _release_rep_claims,
    release_expired_claims,
    wake_cooled,
)
from calldesk.queue.driver import _is_pg
from calldesk.queue.housekeeping import _housekeeping, _plan
from calldesk.queue.lead import _load_lead, _numbers, _orm, lead_dict, local_time_text
from calldesk.queue.overview import QueueEmpty, explain_empty
from calldesk.queue.seek import _walk

_CALLBACK_SCAN = 50


@dataclass
class Offer:
    """A contact handed to a rep: the claim, the lead, and why this contact and why now."""

    claim_id: int
    contact_id: int
    rep_id: int
    campaign_id: int | None
    callback_id: int | None
    phone: dict[str, Any] | None
    lead: dict[str, Any]
    reason: str  # why this contact
    why_now: str  # why now: the rule that allows the call
    local_time: str
    time_zones: list[str]
    states: list[str]
    rule: str
    claimed_at: dt.datetime
    expires_at: dt.datetime
    checks: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["claimed_at"] = self.claimed_at.isoformat()
        data["expires_at"] = self.expires_at.isoformat()
        return data


def _block(contact: Contact, status: Any, at: dt.datetime) -> None:
    """A candidate the per-person check refused: out of the queue until it may be called."""
    when = status.next_allowed_at
    if when is None or when <= at:
        when = at + dt.timedelta(hours=24)  # look again tomorrow rather than never
    contact.next_eligible_at = when


def _campaign_of(
    contact: Contact, campaigns: dict[int, _CampaignRow]
) -> tuple[int | None, _CampaignRow | None]:
    if contact.campaign_id is not None and contact.campaign_id in campaigns:
        return contact.campaign_id, campaigns[contact.campaign_id]
    default = next((c for c in campaigns.values() if c.is_default), None)
    return (default.id if default else None), default


def _explain_list(contact: Contact, campaign: _CampaignRow | None) -> str:
    name = campaign.name if campaign else "no campaign"
    tried = (
        "never tried"
        if contact.attempts == 0
        else f"tried {contact.attempts} time{'s' if contact.attempts != 1 else ''}"
    )
    if contact.tier == 1:
        heat = f", engagement {contact.engagement}" if contact.engagement else ""
        return f"event sprint {name}{heat}; {tried}"
    return f"list contact in {name} (priority {contact.priority}); {tried}"


def _make_offer(
    session: Session,
    contact: Contact,
    phones: list[dict[str, Any]],
    rep_id: int,
    campaign_id: int | None,
    callback_id: int | None,
    status: Any,
    why: str,
    at: dt.datetime,
    lease: dt.timedelta,
) -> Offer:
    """Claim the contact and say why."""
    phone = phones[0]
    zones = tuple(status.zones) or parse_key(contact.locale_key or "||").zones
    local = local_time_text(at, zones) if zones else status.local_time
    why_now = f"allowed now: {status.rule}" if status.rule else "allowed now"
    reason = {
        "why": why,
        "why_now": why_now,
        "local_time": local,
        "time_zones": list(zones),
        "states": list(status.states),
        "rule": status.rule,
        "phone": {"id": phone["id"], "e164": phone["e164"]},
    }
    claim_id, expires = _claim(
        session, contact, rep_id, campaign_id, callback_id, at, lease, reason
    )
    return Offer(
        claim_id=claim_id,
        contact_id=contact.id,
        rep_id=rep_id,
        campaign_id=campaign_id,
        callback_id=callback_id,
        phone=phone,
        lead=lead_dict(session, contact, phones),
        reason=why,
        why_now=why_now,
        local_time=local,
        time_zones=list(zones),
        states=list(status.states),
        rule=status.rule,
        claimed_at=at,
        expires_at=expires,
        checks=[_check_dict(c) for c in (status.checks or [])],
    )


_FIELDS: dict[type, tuple[str, ...]] = {}


def _check_dict(check: Any) -> dict[str, Any]:
    # A known dataclass type first: hasattr() of a missing attribute raises inside, and an
    # offer converts a dozen checks.
    names = _FIELDS.get(type(check))
    if names is not None:
        return {name: getattr(check, name) for name in names}
    if hasattr(check, "to_dict"):
        return check.to_dict()
    if hasattr(check, "__dataclass_fields__"):
        # asdict() deep-copies every value; a check holds only text and tuples of text, so
        # reading the fields gives the same dict for a tenth of the cost (once per offer).
        names = _FIELDS.setdefault(type(check), tuple(f.name for f in fields(check)))
    if names is not None:
        return {name: getattr(check, name) for name in names}
    return {"check": str(check)}


def _no_phone(contact: Contact) -> None:
    contact.callable = False
    contact.stage = "needs_review" if contact.stage in ("new", "working") else contact.stage
    contact.needs_review_reason = "no number left to call (all invalid or on the DNC list)"


def _callback_offer(
    session: Session,
    rep_id: int,
    campaigns: dict[int, _CampaignRow],
    campaign_id: int | None,
    at: dt.datetime,
    lease: dt.timedelta,
    skipped: set[int],
) -> Offer | None:
    rows = session.execute(
        select(
            Callback.id, Callback.contact_id, Callback.rep_id, Callback.personal, Callback.due_at
        )
        .where(Callback.status == "open", Callback.due_at <= at)
        .order_by(Callback.due_at)
        .limit(_CALLBACK_SCAN)
    ).all()
    if not rows:
        return None
    contacts = {
        c.id: c
        for c in session.scalars(select(Contact).where(Contact.id.in_({r[1] for r in rows})))
    }

    def release_minutes(contact: Contact) -> int:
        _, camp = _campaign_of(contact, campaigns)
        value = (camp.rules or {}).get("callback_release_minutes") if camp else None
        return int(value or campaigns_mod.DEFAULT_CALLBACK_RELEASE_MINUTES)

    ranked: list[tuple[int, dt.datetime, Any, str]] = []
    for cb_id, contact_id, owner, personal, due in rows:
        contact = contacts.get(contact_id)
        if contact is None or contact_id in skipped:
            continue
        if campaign_id is not None and _campaign_of(contact, campaigns)[0] != campaign_id:
            continue
        if personal and owner == rep_id:
            ranked.append((0, due, (cb_id, contact), "your callback"))
        elif not personal or owner is None:
            ranked.append((1, due, (cb_id, contact), "open callback"))
        elif due <= at - dt.timedelta(minutes=release_minutes(contact)):
            ranked.append((2, due, (cb_id, contact), "another rep's callback, not taken in time"))
    ranked.sort(key=lambda r: (r[0], r[1]))
    engine = base._rules()
    for _, due, (cb_id, contact), label in ranked:
        if contact.claimed_by_id is not None or not contact.callable or contact.dnc:
            continue
        if contact.grade == "D" or contact.locale_key is None:
            continue
        cid, camp = _campaign_of(contact, campaigns)
        status = engine.contact_status(session, contact.id, at, camp.rules if camp else None)
        if not status.allowed:
            continue
        if not _lock_unclaimed(session, contact.id):
            continue
        phones = _numbers(session, contact.id)
        if not phones or phones[0]["dnc"]:
            _no_phone(contact)
            continue
        due_local = local_time_text(due, tuple(status.zones)) if status.zones else due.isoformat()
        why = f"{label}, due {due_local}"
        return _make_offer(session, contact, phones, rep_id, cid, cb_id, status, why, at, lease)
    return None


def next_offer(
    session: Session,
    rep_id: int,
    *,
    campaign_id: int | None = None,
    at: dt.datetime | None = None,
    lease: dt.timedelta = DEFAULT_LEASE,
) -> Offer | QueueEmpty:
    """Claim the contact ``rep_id`` should call now and say why; or say why there is none.

    Call inside a write transaction (``with store.write() as session``). A rep holds one claim
    at a time: any claim the rep still holds is released first.
    """
    at = _now(at)
    session.flush()  # what this transaction changed (an outcome, a DNC) counts for the seek
    leads: dict[int, Any] = {}
    # PostgreSQL: the seek rides with the housekeeping statement when the last call's place
    # list and campaigns still hold (one round trip fewer).
    plan = _plan(session, at, campaign_id) if _is_pg(session) else None
    expired, cooled, first_due, holding, version, campaign_json, released, seek = _housekeeping(
        session, at, rep_id, plan, leads
    )
    if expired:
        release_expired_claims(session, at)
    # A claim still held is a skip: that contact goes back, but not to this rep right away.
    # (PostgreSQL: the claims still running were released by the housekeeping statement;
    # ``holding`` is then whether the rep holds one whose lease ran out.)
    skipped = released | _release_rep_claims(session, rep_id, at) if holding else released
    if cooled:
        wake_cooled(session, at)
    if plan is not None and campaign_json == plan.campaigns:
        campaigns, arms = plan.rows, plan.arms  # read as the plan read them: no second parse
    else:
        campaigns, arms = _campaigns_and_arms(session, campaign_json, campaign_id)
    if first_due is not None and first_due <= at:
        offer = _callback_offer(session, rep_id, campaigns, campaign_id, at, lease, skipped)
        if offer is not None:
            return offer
    engine = base._rules()
    if seek is not None and (len(arms) != 1 or arms[0] != plan.arm):
        seek = None
        leads.clear()
    # The store's facts once for the walk and the rules' decisions on its candidates.
    context = engine.load_context(session, at)
    walk = _walk(
        session,
        arms,
        at,
        1,
        skipped,
        lock=True,
        version=version,
        leads=leads,
        seek=seek,
        context=context,
    )
    for contact_id in walk:
        # One driver read of the contact per candidate (no ORM load; on PostgreSQL read by
        # the seek itself); the rare paths that change the contact (blocked, no number left)
        # go through the ORM object as before.
        contact = _load_lead(session, contact_id, leads)
        if contact.dnc or contact.grade == "D":
            _orm(session, contact_id).callable = False  # marked since it entered the index
            continue
        cid, camp = _campaign_of(contact, campaigns)
        # The rules read the contact the queue already holds (no second load).
        status = engine.contact_status(
            session, contact, at, camp.rules if camp else None, context=context
        )
        if not status.allowed:
            _block(_orm(session, contact_id), status, at)
            continue
        phones = _numbers(session, contact.id, leads.pop(-contact_id, None))
        if not phones or phones[0]["dnc"]:
            _no_phone(_orm(session, contact_id))
            continue
        why = _explain_list(contact, camp)
        return _make_offer(session, contact, phones, rep_id, cid, None, status, why, at, lease)
    return explain_empty(session, at, campaign_id=campaign_id, arms=arms)
