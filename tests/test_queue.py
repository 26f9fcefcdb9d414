"""The queue: order, what it never offers, claims and leases, explanations."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from test_queue_helpers import TUESDAY_10_NY, make_contact, make_list, make_rep

from calldesk import campaigns, outcomes, queue
from calldesk.models import Callback, Claim, Contact, DncEntry
from calldesk.store import Store

AT = TUESDAY_10_NY


def _next(store: Store, rep_id: int, at: dt.datetime = AT, **kw):
    with store.write() as session:
        return queue.next_offer(session, rep_id, at=at, **kw)


def _close(store: Store, claim_id: int, at: dt.datetime = AT) -> None:
    with store.write() as session:
        outcomes.record_outcome(session, claim_id=claim_id, disposition="not_interested", at=at)


def test_offer_says_why_and_claims(store: Store) -> None:
    with store.write() as session:
        ann = make_rep(session, "Ann").id
        contact = make_contact(session, "NY").id
    offer = _next(store, ann)
    assert isinstance(offer, queue.Offer)
    assert offer.contact_id == contact
    assert offer.time_zones == ["America/New_York"]
    assert "10:00" in offer.local_time and "EST" in offer.local_time
    assert "federal" in offer.rule.lower()
    assert "never tried" in offer.reason
    assert offer.expires_at == AT + dt.timedelta(minutes=15)
    with store.session() as session:
        row = session.get(Contact, contact)
        assert row.claimed_by_id == ann
        claim = session.get(Claim, offer.claim_id)
        assert claim.reason["local_time"] == offer.local_time


def test_never_offers_what_must_not_be_called(store: Store) -> None:
    with store.write() as session:
        ann = make_rep(session, "Ann").id
        make_contact(session, "CA")  # 07:00 in Los Angeles: closed
        make_contact(session, "NY", locale_key=None, needs_review_reason="no zone")
        make_contact(session, "NY", callable=False, stage="closed", grade="D")
        make_contact(session, "NY", dnc=True, callable=False)
        make_contact(session, "NY", next_eligible_at=AT + dt.timedelta(hours=2))
        listed = make_contact(session, "NY", e164="+12125550199")
        session.add(DncEntry(e164="+12125550199", source="us_national"))
        good = make_contact(session, "NY").id
        listed_id = listed.id
    offer = _next(store, ann)
    assert isinstance(offer, queue.Offer) and offer.contact_id == good
    _close(store, offer.claim_id)
    empty = _next(store, ann)
    assert isinstance(empty, queue.QueueEmpty)
    # Los Angeles opens at 08:00 PST = 16:00 UTC; the cooling contact is back at 17:00 UTC.
    assert empty.next_callable_at == dt.datetime(2026, 11, 24, 16, 0, tzinfo=dt.UTC)
    assert "US|CA|America/Los_Angeles" in empty.details["closed_places"]
    assert empty.details["needs_review"] == 1
    with store.session() as session:
        # The registry entry added after import took the contact out for good.
        assert session.get(Contact, listed_id).callable is False
    later = _next(store, ann, AT + dt.timedelta(hours=1, minutes=5))
    assert isinstance(later, queue.Offer)
    assert later.time_zones == ["America/Los_Angeles"]


def test_two_reps_never_get_the_same_contact_and_leases_expire(store: Store) -> None:
    with store.write() as session:
        ann, bob = make_rep(session, "Ann").id, make_rep(session, "Bob").id
        only = make_contact(session, "NY").id
    first = _next(store, ann)
    assert isinstance(first, queue.Offer) and first.contact_id == only
    assert isinstance(_next(store, bob, AT + dt.timedelta(minutes=5)), queue.QueueEmpty)
    # Renewed while the card is open, so still held at 15 minutes.
    with store.write() as session:
        queue.renew_claim(session, first.claim_id, at=AT + dt.timedelta(minutes=10))
    assert isinstance(_next(store, bob, AT + dt.timedelta(minutes=16)), queue.QueueEmpty)
    # Ann closed the laptop: 15 minutes after the last renewal the contact returns.
    again = _next(store, bob, AT + dt.timedelta(minutes=26))
    assert isinstance(again, queue.Offer) and again.contact_id == only
    with store.session() as session:
        assert session.get(Claim, first.claim_id).released_at is not None
    with store.write() as session, pytest.raises(queue.QueueError, match="already released"):
        queue.renew_claim(session, first.claim_id, at=AT + dt.timedelta(minutes=27))


def test_release_returns_the_contact(store: Store) -> None:
    with store.write() as session:
        ann, bob = make_rep(session, "Ann").id, make_rep(session, "Bob").id
        make_contact(session, "NY")
    offer = _next(store, ann)
    with store.write() as session:
        queue.release_claim(session, offer.claim_id)
    other = _next(store, bob)
    assert isinstance(other, queue.Offer) and other.contact_id == offer.contact_id


def test_order_events_then_priority_then_fewest_attempts(sqlite_store: Store) -> None:
    store = sqlite_store
    with store.write() as session:
        ann = make_rep(session, "Ann").id
        tried = make_contact(session, "NY", attempts=2, last_attempt_at=AT - dt.timedelta(days=3))
        fresh_old = make_contact(session, "NY")
        fresh_new = make_contact(session, "IL")
        low = make_list(session, "low", [tried, fresh_old, fresh_new])
        vip_contact = make_contact(session, "IL")
        vip = make_list(session, "vip", [vip_contact])
        campaigns.create_campaign(session, "VIP", priority=10, list_ids=[vip.id])
        campaigns.create_campaign(session, "Low", priority=1, list_ids=[low.id])
        warm = make_contact(session, "NY", tier=1, engagement=20)
        hot = make_contact(session, "IL", tier=1, engagement=90)
        show = make_list(session, "show", [warm, hot])
        campaigns.create_campaign(
            session,
            "Show sprint",
            kind="event_sprint",
            deadline=dt.date(2026, 12, 4),
            list_ids=[show.id],
        )
        expected = [hot.id, warm.id, vip_contact.id, fresh_old.id, fresh_new.id, tried.id]
    seen = []
    for _ in expected:
        offer = _next(store, ann)
        assert isinstance(offer, queue.Offer)
        seen.append(offer.contact_id)
        _close(store, offer.claim_id)
    assert seen == expected


def test_campaign_filter_and_paused_campaign(sqlite_store: Store) -> None:
    store = sqlite_store
    with store.write() as session:
        ann = make_rep(session, "Ann").id
        a = make_contact(session, "NY")
        b = make_contact(session, "NY")
        unassigned = make_contact(session, "NY").id
        spring = campaigns.create_campaign(
            session, "Spring", priority=5, list_ids=[make_list(session, "a", [a]).id]
        )
        fall = campaigns.create_campaign(
            session, "Fall", priority=1, list_ids=[make_list(session, "b", [b]).id]
        )
        a_id, b_id, fall_id, spring_id = a.id, b.id, fall.id, spring.id
        default_id = campaigns.default_campaign(session).id
    offer = _next(store, ann, campaign_id=fall_id)
    assert offer.contact_id == b_id and offer.campaign_id == fall_id
    with store.write() as session:
        queue.release_claim(session, offer.claim_id)
        campaigns.update_campaign(session, spring_id, active=False)
    offer = _next(store, ann)
    assert offer.contact_id == b_id  # Spring paused: its contact is not offered
    _close(store, offer.claim_id)
    offer = _next(store, ann)
    assert offer.contact_id == unassigned and offer.campaign_id == default_id
    _close(store, offer.claim_id)
    assert isinstance(_next(store, ann), queue.QueueEmpty)
    assert isinstance(_next(store, ann, campaign_id=spring_id), queue.QueueEmpty)
    with store.write() as session:
        campaigns.update_campaign(session, spring_id, active=True)
    assert _next(store, ann).contact_id == a_id


def test_campaign_hours_narrow_the_window(sqlite_store: Store) -> None:
    store = sqlite_store
    with store.write() as session:
        ann = make_rep(session, "Ann").id
        member = make_contact(session, "NY")
        campaigns.create_campaign(
            session,
            "Afternoons",
            rules={"hours": ["13:00", "17:00"]},
            list_ids=[make_list(session, "l", [member]).id],
        )
    empty = _next(store, ann)  # 10:00 in New York
    assert isinstance(empty, queue.QueueEmpty)
    assert empty.next_callable_at == dt.datetime(2026, 11, 24, 18, 0, tzinfo=dt.UTC)
    assert isinstance(_next(store, ann, AT + dt.timedelta(hours=3)), queue.Offer)


def test_callbacks_come_first_personal_before_open(store: Store) -> None:
    with store.write() as session:
        ann, bob = make_rep(session, "Ann").id, make_rep(session, "Bob").id
        make_contact(session, "NY")  # an ordinary list contact
        mine = make_contact(session, "IL", stage="callback", next_eligible_at=queue.HELD)
        anyone = make_contact(session, "NY", stage="callback", next_eligible_at=queue.HELD)
        bobs = make_contact(session, "NY", stage="callback", next_eligible_at=queue.HELD)
        session.add_all(
            [
                Callback(
                    contact_id=anyone.id,
                    rep_id=bob,
                    due_at=AT - dt.timedelta(hours=1),
                    personal=False,
                ),
                Callback(contact_id=mine.id, rep_id=ann, due_at=AT - dt.timedelta(minutes=5)),
                Callback(contact_id=bobs.id, rep_id=bob, due_at=AT - dt.timedelta(minutes=30)),
            ]
        )
        ids = (mine.id, anyone.id, bobs.id)
    first = _next(store, ann)
    assert first.contact_id == ids[0] and "your callback" in first.reason
    assert first.callback_id is not None
    with store.write() as session:
        outcomes.record_outcome(
            session, claim_id=first.claim_id, disposition="not_interested", at=AT
        )
        assert session.get(Callback, first.callback_id).status == "done"
    second = _next(store, ann)
    assert second.contact_id == ids[1] and "open callback" in second.reason
    _close(store, second.claim_id)
    # Bob's personal callback is 30 minutes late: not yet released (60 minutes by default).
    third = _next(store, ann)
    assert third.contact_id not in ids
    _close(store, third.claim_id)
    late = _next(store, ann, AT + dt.timedelta(minutes=31))
    assert late.contact_id == ids[2] and "another rep" in late.reason


def test_callback_waits_for_the_window(sqlite_store: Store) -> None:
    store = sqlite_store
    with store.write() as session:
        ann = make_rep(session, "Ann").id
        west = make_contact(session, "CA", stage="callback", next_eligible_at=queue.HELD)
        session.add(Callback(contact_id=west.id, rep_id=ann, due_at=AT - dt.timedelta(hours=1)))
    assert isinstance(_next(store, ann), queue.QueueEmpty)  # 07:00 in Los Angeles
    offer = _next(store, ann, AT + dt.timedelta(hours=1))
    assert isinstance(offer, queue.Offer) and offer.callback_id is not None


def test_upcoming_due_callbacks_stats_and_today(store: Store) -> None:
    with store.write() as session:
        ann = make_rep(session, "Ann").id
        contacts = [make_contact(session, "NY").id for _ in range(3)]
        make_contact(session, "CA")
        session.add(Callback(contact_id=contacts[2], rep_id=ann, due_at=AT + dt.timedelta(hours=2)))
    with store.session() as session:
        preview = queue.upcoming(session, ann, at=AT, limit=5)
        assert [p["contact_id"] for p in preview] == contacts
        due = queue.due_callbacks(session, ann, at=AT)
        assert [d["contact_id"] for d in due] == [contacts[2]] and not due[0]["overdue"]
    offer = _next(store, ann)
    with store.write() as session:
        outcomes.record_outcome(session, claim_id=offer.claim_id, disposition="busy", at=AT)
    with store.session() as session:
        figures = queue.stats(session, AT)
        today = queue.rep_today(session, ann, AT)
    assert figures["contacts"] == 4 and figures["cooling_down"] == 1 and figures["ready"] == 3
    assert figures["callbacks_open"] == 1 and figures["callbacks_due"] == 0
    assert today["dials"] == 1 and today["by_disposition"] == {"busy": 1}


def test_cap_refusal_moves_the_contact_out_until_allowed(sqlite_store: Store) -> None:
    store = sqlite_store
    with store.write() as session:
        ann = make_rep(session, "Ann").id
        florida = make_contact(session, "FL").id
    # Florida: three calls per 24 h, whoever calls and on whichever number.
    for minutes in (0, 40, 80):
        at = AT + dt.timedelta(minutes=minutes)
        offer = _next(store, ann, at)
        assert isinstance(offer, queue.Offer) and offer.contact_id == florida
        with store.write() as session:
            outcomes.record_outcome(session, claim_id=offer.claim_id, disposition="busy", at=at)
    empty = _next(store, ann, AT + dt.timedelta(hours=3))
    assert isinstance(empty, queue.QueueEmpty)
    with store.session() as session:
        held_until = session.get(Contact, florida).next_eligible_at
    assert held_until is not None and held_until >= AT + dt.timedelta(hours=24)


def test_rep_holds_one_claim_at_a_time(store: Store) -> None:
    with store.write() as session:
        ann = make_rep(session, "Ann").id
        make_contact(session, "NY")
        make_contact(session, "NY")
    first = _next(store, ann)
    second = _next(store, ann)
    assert second.contact_id != first.contact_id
    with store.session() as session:
        held = session.scalars(
            select(Claim.id).where(Claim.rep_id == ann, Claim.released_at.is_(None))
        ).all()
        assert held == [second.claim_id]
