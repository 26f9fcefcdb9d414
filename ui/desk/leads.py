"""Turning the queue's answer into what the desk shows: a :class:`Lead` or an :class:`Empty`.

Runs on the worker thread (plain data only, no widgets).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from calldesk import desk_data
from calldesk import queue as queue_mod
from calldesk.desk_data import Card
from calldesk.models import Campaign, Contact, Rep
from calldesk.scripts import library
from calldesk.scripts.merge import merge_values, render
from calldesk.scripts.runner import ScriptRunner
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
    phone_id: int | None = None  # the number the queue chose to dial
    dialled: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Empty:
    """Nothing to call: why, and when something may become callable."""

    why: str
    next_at: dt.datetime | None


def _script_key(session: Session, campaign_id: int | None) -> str | None:
    key = None
    if campaign_id is not None:
        key = session.scalar(select(Campaign.script_key).where(Campaign.id == campaign_id))
    if not key:
        key = session.scalar(select(Campaign.script_key).where(Campaign.is_default))
    return key


def build(
    store: Store,
    offer: queue_mod.Offer | queue_mod.QueueEmpty,
    rep_id: int,
    at: dt.datetime,
    prefetched: dict[int, Card] | None = None,
) -> Lead | Empty:
    """The lead for ``offer`` (card, script runner, opener), or why the queue is empty."""
    if isinstance(offer, queue_mod.QueueEmpty):
        return Empty(f"Nothing to call now: {offer.reason}", offer.next_callable_at)
    with store.session() as session:
        card = (prefetched or {}).get(offer.contact_id) or desk_data.load_card(
            session, offer.contact_id
        )
        assert card is not None, "the queue offered a contact that does not exist"
        contact = session.get(Contact, offer.contact_id)
        rep = session.get(Rep, rep_id)
        key = _script_key(session, offer.campaign_id)
        runner, opener, note, objections = None, "", None, ""
        if key:
            try:
                script = library.get_script(session, key)
            except library.ScriptNotFound as exc:
                note = f"No script: {exc}"
            else:
                local = card.local_time(at) or at
                runner = ScriptRunner(
                    script, today=local.date(), default_region=card.country or "US"
                )
                values = merge_values(session, contact, rep)
                opener = _prose(render(script.opener, values).text)
                objections = "\n\n".join(
                    f"“{o.objection}” — {_prose(render(o.response, values).text)}"
                    for o in script.objections
                )
        else:
            note = "This campaign has no script"
    return Lead(
        claim_id=offer.claim_id,
        contact_id=offer.contact_id,
        campaign_id=offer.campaign_id,
        callback_id=offer.callback_id,
        card=card,
        why=f"Why: {offer.reason}",
        rule=offer.why_now[:1].upper() + offer.why_now[1:],
        runner=runner,
        opener=opener,
        script_note=note,
        objections=objections,
        phone_id=(offer.phone or {}).get("id"),
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
