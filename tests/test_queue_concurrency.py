"""Sixteen reps on one PostgreSQL queue: nobody gets a contact twice, nothing is lost, and a
killed rep's claim comes back after the lease."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import queue as stdqueue
import time

import pytest
from sqlalchemy import func, insert, select

from calldesk import outcomes, queue, reps
from calldesk.models import Attempt, Claim, Contact, Phone
from calldesk.store import open_store
from tests.conftest import give_registry_copy

pytestmark = pytest.mark.postgres

AT = dt.datetime(2026, 11, 24, 15, 0, tzinfo=dt.UTC)  # 10:00 in New York
CONTACTS = 480
WORKERS = 16
KILLED = 2


def _work(url: str, rep_id: int, at_iso: str, results, die_after_claim: bool, start=None) -> None:
    """One rep: claim, record, claim the next... until the queue is empty. With ``start`` (a
    barrier), the reps begin together: a process takes seconds to start on a busy machine, and
    the first ones would otherwise empty the queue before the last ones ask."""
    at = dt.datetime.fromisoformat(at_iso)
    store = open_store(url, upgrade=False)
    got: list[int] = []
    try:
        if start is not None:
            start.wait(timeout=300)
        with store.write() as session:
            offer = queue.next_offer(session, rep_id, at=at)
        if die_after_claim:
            results.put(("claimed", rep_id, [offer.contact_id]))
            time.sleep(600)  # the parent kills this process while it holds the claim
        while isinstance(offer, queue.Offer):
            got.append(offer.contact_id)
            with store.write() as session:
                _, offer = outcomes.record_and_next(
                    session, claim_id=offer.claim_id, disposition="not_interested", at=at
                )
        results.put(("done", rep_id, got))
    except BaseException as exc:  # report, so the parent fails with the reason
        results.put(("error", rep_id, repr(exc)))
        raise
    finally:
        store.close()


def _seed(url: str) -> list[int]:
    store = open_store(url)
    with store.write() as session:
        rep_ids = [reps.add_rep(session, f"Rep {i}").id for i in range(WORKERS + 1)]
        session.execute(
            insert(Contact),
            [
                {
                    "first_name": "P",
                    "last_name": str(i),
                    "country": "US",
                    "state": "NY",
                    "locale_key": "US|NY|America/New_York",
                }
                for i in range(CONTACTS)
            ],
        )
        ids = session.scalars(select(Contact.id)).all()
        session.execute(
            insert(Phone),
            [
                {"contact_id": cid, "raw": "x", "e164": f"+1212{cid:07d}", "position": 0}
                for cid in ids
            ],
        )
    give_registry_copy(store, AT.date() - dt.timedelta(days=3))  # the workers enforce it
    store.close()
    return rep_ids


def test_sixteen_reps_drain_the_queue(pg_url: str) -> None:
    rep_ids = _seed(pg_url)
    ctx = multiprocessing.get_context("spawn")
    results = ctx.Queue()
    # The reps about to be killed report on a queue of their own: a process killed right after
    # writing may leave that queue's write lock taken, which must not block the others.
    last_words = ctx.Queue()
    doomed = [
        ctx.Process(target=_work, args=(pg_url, rep_ids[i], AT.isoformat(), last_words, True))
        for i in range(KILLED)
    ]
    for process in doomed:
        process.start()
    held: dict[int, list[int]] = {}
    while len(held) < KILLED:
        kind, rep_id, payload = last_words.get(timeout=300)
        assert kind == "claimed", payload
        held[rep_id] = payload
    for process in doomed:
        process.kill()  # closed the laptop mid-call
        process.join(timeout=30)
    start = ctx.Barrier(WORKERS - KILLED)
    workers = [
        ctx.Process(target=_work, args=(pg_url, rep_ids[i], AT.isoformat(), results, False, start))
        for i in range(KILLED, WORKERS)
    ]
    for process in workers:
        process.start()
    done: dict[int, list[int]] = {}
    deadline = time.monotonic() + 600
    while len(done) < len(workers):
        try:
            kind, rep_id, payload = results.get(timeout=max(1, deadline - time.monotonic()))
        except stdqueue.Empty:
            pytest.fail(f"only {len(done)} of {len(workers)} reps finished")
        assert kind == "done", payload
        done[rep_id] = payload
    for process in workers:
        process.join(timeout=60)
        assert process.exitcode == 0

    handed = [cid for got in done.values() for cid in got]
    killed = {cid for got in held.values() for cid in got}
    assert len(handed) == len(set(handed)), "a contact was handed to two reps"
    assert not killed & set(handed), "a claimed contact was handed out during its lease"
    assert len(handed) + len(killed) == CONTACTS, "contacts were lost"
    assert sum(1 for got in done.values() if got) > WORKERS // 2  # the work was shared

    # After the lease the killed reps' contacts come back, to the next rep who asks.
    store = open_store(pg_url)
    later = AT + dt.timedelta(minutes=16)
    back = set()
    with store.write() as session:
        offer = queue.next_offer(session, rep_ids[-1], at=later)
    while isinstance(offer, queue.Offer):
        back.add(offer.contact_id)
        with store.write() as session:
            _, offer = outcomes.record_and_next(
                session, claim_id=offer.claim_id, disposition="not_interested", at=later
            )
    assert back == killed
    with store.session() as session:
        assert session.scalar(select(func.count()).select_from(Attempt)) == CONTACTS
        assert session.scalar(select(func.max(Contact.attempts))) == 1
        assert session.scalar(select(func.count()).where(Contact.claimed_by_id.is_not(None))) == 0
        claims = session.execute(
            select(Claim.contact_id, Claim.claimed_at, Claim.released_at).order_by(
                Claim.contact_id, Claim.claimed_at, Claim.id
            )
        ).all()
    store.close()
    previous: dict[int, dt.datetime] = {}
    for contact_id, claimed_at, released_at in claims:
        assert released_at is not None
        if contact_id in previous:
            assert previous[contact_id] <= claimed_at, f"overlapping claims on {contact_id}"
        previous[contact_id] = released_at
