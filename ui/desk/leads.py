"""Turning the queue's answer into what the desk shows: a :class:`Lead` or an :class:`Empty`.

Runs on the worker thread (plain data only, no widgets).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from calldesk import desk_checks, desk_data
from calldesk import queue as queue_mod
from calldesk.desk_data import Card
from calldesk.models import Campaign, Contact, Rep
from calldesk.scripts import library
from calldesk.scripts.merge import merge_values
from calldesk.scripts.model import ScriptDef
from calldesk.scripts.runner import ScriptRunner, personalise
from calldesk.store import Store
from ui.desk.queue_panel import ComingLine


@dataclass
class Lead:
    """The contact on the desk: the claim, the card, and the script run for this call."""

    claim_id: int
    contact_id: int
    campaign_id: int | None
    callback_id: int | None
    card: Card
    why: str
    rule: str
    runner: ScriptRunner | None
    opener: str
    script_note: str | None
    objections: str = ""
    closing: str = ""
    merge: dict[str, str | None] = field(default_factory=dict)
    phone_id: int | None = None  # the number the queue chose to dial
    dialled: dict[str, Any] = field(default_factory=dict)
    #: the rules' verdict when the card was offered: until when calling is allowed (None: no
    #: end known), the contact's place and the campaign's narrowing (callback times are checked
    #: against them)
    allowed_until: dt.datetime | None = None
    locale_key: str | None = None
    campaign_rules: dict[str, Any] | None = None


@dataclass(frozen=True)
class Empty:
    """Nothing to call: why, and when something may become callable."""

    why: str
    next_at: dt.datetime | None


def default_campaign_id(session: Session) -> int | None:
    return session.scalar(select(Campaign.id).where(Campaign.is_default))


def _script_key(session: Session, campaign_id: int | None) -> str | None:
    key = None
    if campaign_id is not None:
        key = session.scalar(select(Campaign.script_key).where(Campaign.id == campaign_id))
    if not key:
        key = session.scalar(select(Campaign.script_key).where(Campaign.is_default))
    return key


@dataclass(frozen=True)
class Prepared:
    """Everything a card shows that does not depend on the claim: loaded ahead of time."""

    contact_id: int
    campaign_id: int | None
    card: Card
    script: ScriptDef | None
    opener: str
    objections: str
    note: str | None
    closing: str = ""
    merge: dict[str, str | None] = field(default_factory=dict)


def prepare(
    session: Session, contact_id: int, campaign_id: int | None, rep_id: int
) -> Prepared | None:
    """The card, script, opener and objections of ``contact_id`` called by ``rep_id``."""
    card = desk_data.load_card(session, contact_id)
    if card is None:
        return None
    key = _script_key(session, campaign_id)
    script, opener, note, objections, closing = None, "", None, "", ""
    values: dict[str, str | None] = {}
    if key:
        try:
            script = library.get_script(session, key)
        except library.ScriptNotFound as exc:
            note = f"No script: {exc}"
        else:
            contact = session.get(Contact, contact_id)
            campaign = session.get(Campaign, campaign_id) if campaign_id else None
            # the sprint's own event first: the script of that sprint speaks of it
            event_id = campaign.event_id if campaign is not None else None
            values = merge_values(session, contact, session.get(Rep, rep_id), event_id=event_id)
            script = personalise(script, values)  # no merge syntax reaches the screen
            opener = _prose(script.opener)
            closing = _prose(script.closing) if script.closing else ""
            objections = "\n\n".join(
                f"“{o.objection}” — {_prose(o.response)}" for o in script.objections
            )
    else:
        note = "This campaign has no script"
    return Prepared(
        contact_id, campaign_id, card, script, opener, objections, note, closing, values
    )


def build(
    store: Store,
    offer: queue_mod.Offer | queue_mod.QueueEmpty,
    rep_id: int,
    at: dt.datetime,
    prefetched: dict[int, Prepared] | None = None,
    verdict: desk_checks.CardVerdict | None = None,
) -> Lead | Empty:
    """The lead for ``offer`` (card, script runner, opener), or why the queue is empty.

    ``prefetched`` holds cards prepared while the rep was on the previous call; one is used
    when the queue offers that contact under the same campaign.
    """
    if isinstance(offer, queue_mod.QueueEmpty):
        return Empty(f"Nothing to call now: {offer.reason}", offer.next_callable_at)
    ready = (prefetched or {}).get(offer.contact_id)
    if ready is None or ready.campaign_id != offer.campaign_id:
        with store.session() as session:
            ready = prepare(session, offer.contact_id, offer.campaign_id, rep_id)
    assert ready is not None, "the queue offered a contact that does not exist"
    runner = None
    if ready.script is not None:
        local = ready.card.local_time(at) or at
        runner = ScriptRunner(
            ready.script, today=local.date(), default_region=ready.card.country or "US"
        )
    return Lead(
        claim_id=offer.claim_id,
        contact_id=offer.contact_id,
        campaign_id=offer.campaign_id,
        callback_id=offer.callback_id,
        card=ready.card,
        why=f"Why: {offer.reason}",
        rule=offer.why_now[:1].upper() + offer.why_now[1:],
        runner=runner,
        opener=ready.opener,
        script_note=ready.note,
        objections=ready.objections,
        closing=ready.closing,
        merge=ready.merge,
        phone_id=(offer.phone or {}).get("id"),
        allowed_until=verdict.until if verdict else None,
        locale_key=verdict.locale_key if verdict else None,
        campaign_rules=verdict.campaign_rules if verdict else None,
    )


def _prose(text: str) -> str:
    """Script text as a paragraph: YAML line breaks inside a paragraph are not sentences."""
    paragraphs = [" ".join(p.split()) for p in text.strip().split("\n\n")]
    return "\n\n".join(p for p in paragraphs if p)


def coming_lines(items: list[dict[str, Any]]) -> list[ComingLine]:
    """The queue's upcoming contacts as the queue panel lists them."""
    lines = []
    for item in items:
        kind = "event sprint" if item.get("tier") == 1 else "list"
        attempts = item.get("attempts") or 0
        tried = "never tried" if attempts == 0 else f"tried {attempts}×"
        lines.append(
            ComingLine(
                item["contact_id"], item["name"], None, f"{kind}, {tried}", item.get("local_time")
            )
        )
    return lines
