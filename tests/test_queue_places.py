"""The queue's cached place list notices a place a manager sets at once (no count of the
contacts without a place on every call any more)."""

from __future__ import annotations

from test_queue_helpers import TUESDAY_10_NY, make_contact, make_rep

from calldesk import queue
from calldesk.rules import review
from calldesk.store import Store


def test_a_place_set_by_review_is_offered_at_once(store: Store) -> None:
    with store.write() as session:
        make_rep(session, "Ana")
        make_contact(session, "NY", last_name="Known")
        # A contact whose place is unknown, in a place no other contact has (Honolulu).
        lost = make_contact(session, "NY", last_name="Lost", locale_key=None)
        lost_id = lost.id
    with store.write() as session:  # the place list is read and cached without Honolulu
        first = queue.next_offer(session, 1, at=TUESDAY_10_NY)
        assert isinstance(first, queue.Offer) and first.contact_id != lost_id
    with store.write() as session:
        review.set_zone(session, lost_id, zone="Pacific/Honolulu", state="HI", country="US")
    # 15:00 UTC is 05:00 in Honolulu: closed. At 20:00 UTC (10:00 there) it is open, and the
    # only contact left there is the one that just got its place.
    at = TUESDAY_10_NY.replace(hour=20)
    with store.write() as session:
        offer = queue.next_offer(session, 1, at=at)  # skips "Known" (claimed: released now)
        assert isinstance(offer, queue.Offer)
        offered = {offer.contact_id}
        second = queue.next_offer(session, 1, at=at)
        assert isinstance(second, queue.Offer)
        offered.add(second.contact_id)
    assert lost_id in offered
