"""PostgreSQL: a claim found by the seek that rides with the housekeeping statement.

What the transaction reads after the offer sees the claim, a rollback leaves no trace of it,
what is committed is what the offer says, and a second offer in one transaction releases the
first.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, text
from test_queue_helpers import fill_new_york

from calldesk import queue
from calldesk.models import Claim, Contact
from calldesk.store import Store

pytestmark = pytest.mark.postgres

AT = dt.datetime(2026, 11, 24, 18, 0, tzinfo=dt.UTC)  # a Tuesday, 13:00 in New York


def _warm(store: Store) -> None:
    """One offer, so the next call of this process knows the place list (the plan)."""
    with store.write() as session:
        assert isinstance(queue.next_offer(session, 3, at=AT), queue.Offer)


def test_the_claim_is_read_back_before_commit_and_kept_after(pg_store: Store) -> None:
    fill_new_york(pg_store, 3)
    _warm(pg_store)
    with pg_store.write() as session:
        offer = queue.next_offer(session, 1, at=AT)
        assert isinstance(offer, queue.Offer)
        # The ORM, Core and the queue's own statements all see the claim at once.
        claim = session.get(Claim, offer.claim_id)
        assert claim is not None and claim.rep_id == 1 and claim.released_at is None
        held = session.execute(
            text("SELECT claimed_by_id FROM contacts WHERE id = :id"), {"id": offer.contact_id}
        ).scalar()
        assert held == 1
        assert (
            queue._q(session, "SELECT count(*) FROM claims WHERE id = ?", offer.claim_id).scalar()
            == 1
        )
    with pg_store.write() as session:
        claim = session.get(Claim, offer.claim_id)
        contact = session.get(Contact, offer.contact_id)
        assert claim is not None and contact is not None
        assert claim.reason["why"] == offer.reason
        assert claim.reason["why_now"] == offer.why_now
        assert claim.reason["phone"]["e164"] == offer.phone["e164"]
        assert claim.expires_at.replace(tzinfo=dt.UTC) == offer.expires_at
        assert contact.claimed_by_id == 1
        assert contact.claim_expires_at.replace(tzinfo=dt.UTC) == offer.expires_at


def test_a_rollback_leaves_no_claim(pg_store: Store) -> None:
    fill_new_york(pg_store, 3)
    _warm(pg_store)
    with pg_store.write() as session:
        before = session.scalar(select(text("count(*)")).select_from(Claim))
    with pytest.raises(RuntimeError), pg_store.write() as session:
        offer = queue.next_offer(session, 1, at=AT)
        assert isinstance(offer, queue.Offer)
        raise RuntimeError("the rep closed the desk")
    with pg_store.write() as session:
        assert session.scalar(select(text("count(*)")).select_from(Claim)) == before
        contact = session.get(Contact, offer.contact_id)
        assert contact is not None and contact.claimed_by_id is None


def test_a_second_offer_in_one_transaction_releases_the_first(pg_store: Store) -> None:
    fill_new_york(pg_store, 3)
    _warm(pg_store)
    with pg_store.write() as session:
        first = queue.next_offer(session, 1, at=AT)
        second = queue.next_offer(session, 1, at=AT)
    assert isinstance(first, queue.Offer) and isinstance(second, queue.Offer)
    assert first.contact_id != second.contact_id
    with pg_store.write() as session:
        old = session.get(Claim, first.claim_id)
        new = session.get(Claim, second.claim_id)
        assert old is not None and old.released_at is not None
        assert new is not None and new.released_at is None
        claimed = session.scalars(
            select(Contact.id).where(Contact.claimed_by_id == 1).order_by(Contact.id)
        ).all()
        assert claimed == [second.contact_id]
