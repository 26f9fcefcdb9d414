"""The grouped seek offers exactly what seeking place by place offers.

The queue seeks the places that share a window together (one statement per group of places
closing at the same moment; on PostgreSQL one statement for every open group of a band). The
oracle here seeks one place at a time, in the same order (band, then the group that closes
soonest, then place, then least recently tried and oldest), on a store of many places with
different windows (Florida's 20:00 close, Eastern, Central, a two-zone Texas key, Mountain,
Arizona, Pacific, Alaska, Hawaii, Canada), several bands, contacts claimed or cooling down,
and a soonest-closing group with nobody left in the best band.
"""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import text
from test_queue_helpers import make_contact, make_rep

from calldesk import queue, rules
from calldesk.campaigns import queue_rank
from calldesk.store import Store

# Tuesday 24 November 2026, 21:30 UTC: 16:30 in New York, 15:30 in Chicago, 13:30 in Los
# Angeles, 11:30 in Honolulu: every place open, closing at different moments.
AT = dt.datetime(2026, 11, 24, 21, 30, tzinfo=dt.UTC)
KEYS = [
    "US|FL|America/New_York",
    "US|FL|America/Chicago",
    "US|NY|America/New_York",
    "US|NJ,NY|America/New_York",
    "US|IL|America/Chicago",
    "US|TX|America/Chicago,America/Denver",
    "US|CO|America/Denver",
    "US|AZ|America/Phoenix",
    "US|CA|America/Los_Angeles",
    "US|WA|America/Los_Angeles",
    "US|AK|America/Anchorage",
    "US|HI|Pacific/Honolulu",
    "CA|ON|America/Toronto",
    "CA|BC|America/Vancouver",
]
RANKS = [queue_rank(2, 5), queue_rank(2, 1)]


def _fill(store: Store) -> None:
    rng = random.Random(20261124)
    with store.write() as session:
        for i in range(20):
            make_rep(session, f"Rep {i}")
        for n in range(260):
            key = rng.choice(KEYS)
            tried = key.startswith("US|FL") or rng.random() < 0.4  # Florida: best band empty
            fields: dict = {"queue_rank": rng.choice(RANKS), "attempts": 1 if tried else 0}
            if tried:
                fields["last_attempt_at"] = AT - dt.timedelta(days=2, minutes=rng.randrange(5000))
            roll = rng.random()
            if roll < 0.08:
                fields["next_eligible_at"] = AT + dt.timedelta(hours=3)  # cooling down
            make_contact(session, "NY", locale_key=key, last_name=f"G{n}", **fields)
        # Others hold a few claims: those contacts are out of the queue.
        session.execute(
            text(
                "UPDATE contacts SET claimed_by_id = 20, claim_expires_at = :until "
                "WHERE id % 17 = 0"
            ),
            {"until": AT + dt.timedelta(days=1)},
        )


def _per_place(session, at: dt.datetime = AT) -> list[int]:
    """The oracle: one seek per place, in queue order (band, group, place, least recently
    tried, id)."""
    arms = queue._arms(queue._campaign_rows(session), None)
    assert len(arms) == 1
    context = rules.load_context(session, at)
    groups = queue._open_groups(queue._all_keys(session), at, arms[0].rules, context)
    ready = queue._ready_sql(session)
    bands = session.execute(
        text(f"SELECT DISTINCT queue_rank, attempts FROM contacts WHERE {ready} ORDER BY 1, 2")
    ).all()
    order = []
    for rank, attempts in bands:
        for group in groups:
            for key in group:
                order += session.scalars(
                    text(
                        f"SELECT id FROM contacts WHERE queue_rank = :r AND attempts = :a "
                        f"AND locale_key = :k AND {ready} ORDER BY last_attempt_at, id"
                    ),
                    {"r": rank, "a": attempts, "k": key},
                ).all()
    return order


def test_grouped_seek_offers_what_the_per_place_seek_offers(store: Store) -> None:
    _fill(store)
    with store.write() as session:
        oracle = _per_place(session)
        context = rules.load_context(session, AT)
        groups = queue._open_groups(queue._all_keys(session), AT, None, context)
        arms = queue._arms(queue._campaign_rows(session), None)
        walked = list(queue._walk(session, arms, AT, 1, set(), lock=False))
        upcoming = [u["contact_id"] for u in queue.upcoming(session, 1, at=AT, limit=40)]
    # The store is varied as promised: several window groups, the soonest one (Florida)
    # empty in the best band, and most contacts ready.
    assert len(groups) >= 5
    assert groups[0] and all(k.startswith("US|FL") for k in groups[0])
    assert len(oracle) > 150
    assert walked == oracle
    assert upcoming == oracle[:40]
    # The offers themselves: each rep in turn is offered the next contact of the oracle.
    for rep_id in range(1, 16):
        with store.write() as session:
            offer = queue.next_offer(session, rep_id, at=AT)
        assert isinstance(offer, queue.Offer), offer
        assert offer.contact_id == oracle[rep_id - 1]
