"""The SQLite seek joins a TEMP table of the open places (per connection, loaded once per list
of open groups): its statements read the queue index in queue order with no sort, and a list
loaded by a transaction that was rolled back (the rows, or the whole table, gone with it) is
loaded again, with the same answers as seeking place by place. A claim's first statement
reads the lead card with the contact it finds, as the lead's own read does. Offers and saves
(SQLite and PostgreSQL) leave no cycles for the collector.
"""

from __future__ import annotations

import datetime as dt

import pytest
from test_queue_grouped import AT, _fill, _per_place
from test_queue_helpers import TUESDAY_10_NY, make_contact, make_rep

from calldesk import queue, rules
from calldesk.models import Company, Contact, DncEntry, Email
from calldesk.queue import seek
from calldesk.queue.arms import _Arm
from calldesk.queue.driver import _q, _raw
from calldesk.queue.lead import _numbers
from calldesk.store import Store

# 02:30 UTC: 21:30 in New York (closed), 18:30 in Los Angeles: other groups than at AT.
LATER = AT + dt.timedelta(hours=5)


def _walked(session, at: dt.datetime, limit: int = 1) -> list[int]:
    arms = queue._arms(queue._campaign_rows(session), None)
    return list(queue._walk(session, arms, at, limit, set(), lock=False))


def _table_there(session) -> bool:
    return bool(
        _q(
            session,
            "SELECT count(*) FROM sqlite_temp_master WHERE name = ?",
            seek._PLACES,
        ).scalar()
    )


def test_seek_statements_read_the_index_in_queue_order(sqlite_store: Store) -> None:
    _fill(sqlite_store)
    with sqlite_store.write() as session:
        _walked(session, AT)  # the connection's place table exists from here on
        arms = [
            _Arm(None, True, True, None),
            _Arm(1, False, False, None),
            _Arm(None, False, True, None),
        ]
        for arm in arms:
            where, _ = queue.arms._arm_where(arm)
            for ids in (set(), {1}, {1, 2}):
                skip, _ = seek._skip_sqlite(ids)
                seek._first_band_seek(session, arm, [["US|NY|America/New_York"]], ids, {}, AT)
                for sql in (
                    seek._seek_places_sql(where, skip),
                    seek._first_band_sqls[(where, skip)],
                ):
                    plan = " | ".join(
                        row[3]
                        for row in _q(session, f"EXPLAIN QUERY PLAN {sql}", *[1] * sql.count("?"))
                    )
                    assert "TEMP B-TREE" not in plan, plan
                    assert "AUTOMATIC" not in plan, plan
                    assert "SEARCH op USING PRIMARY KEY (place_grp>? AND place_grp<?)" in plan
                    assert "attempts=? AND locale_key=?)" in plan, plan


def test_a_list_loaded_in_a_rolled_back_transaction_is_loaded_again(sqlite_store: Store) -> None:
    _fill(sqlite_store)
    with sqlite_store.write() as session:
        oracle, later = _per_place(session, AT), _per_place(session, LATER)
    assert oracle != later
    queue.forget_places()
    # The first list of the connection, loaded (and the table created) in a transaction that
    # is then rolled back: the table is gone, the connection's record still says loaded.
    with pytest.raises(RuntimeError), sqlite_store.write() as session:
        assert _walked(session, AT) == oracle
        raise RuntimeError("rolled back")
    with sqlite_store.write() as session:
        assert "_queue_places" in _raw(session)[0].info
        assert not _table_there(session)
        assert _walked(session, AT) == oracle
        assert _walked(session, AT, limit=7) == oracle
    # A second list loaded in a transaction rolled back: its rows are gone, the first list's
    # rows are still there.
    with pytest.raises(RuntimeError), sqlite_store.write() as session:
        assert _walked(session, LATER) == later
        raise RuntimeError("rolled back")
    with sqlite_store.write() as session:
        assert _table_there(session)
        assert _walked(session, LATER) == later
        assert _walked(session, AT) == oracle
    # Offers go on in the oracle's order.
    for rep_id in range(1, 6):
        with sqlite_store.write() as session:
            offer = queue.next_offer(session, rep_id, at=AT)
        assert isinstance(offer, queue.Offer), offer
        assert offer.contact_id == oracle[rep_id - 1]


def test_a_connection_holds_a_few_lists_then_starts_again(sqlite_store: Store) -> None:
    _fill(sqlite_store)
    moments = [AT + dt.timedelta(minutes=30 * h) for h in range(-30, 12)]
    with sqlite_store.write() as session:
        oracles = [_per_place(session, at) for at in moments]
        keys = queue._all_keys(session)
        lists = {
            tuple(map(tuple, queue._open_groups(keys, at, None, rules.load_context(session, at))))
            for at in moments
        }
    assert len(lists) > seek._PLACES_LISTS  # the table is emptied and started again
    for _ in range(2):
        for at, oracle in zip(moments, oracles, strict=True):
            queue.forget_places()  # new list objects: found again by their content
            with sqlite_store.write() as session:
                assert _walked(session, at, limit=3) == oracle
                held = _raw(session)[0].info["_queue_places"]
                assert len(held.by_content) <= seek._PLACES_LISTS


def test_the_first_seek_reads_the_card_as_the_lead_read_does(sqlite_store: Store) -> None:
    with sqlite_store.write() as session:
        make_rep(session, "Ana")
        company = Company(name="Red Textiles", name_key="red textiles")
        session.add(company)
        session.flush()
        contact = make_contact(
            session,
            "NY",
            phones=3,
            company_id=company.id,
            title="Buyer",
            city="Albany",
            notes="asked for Tuesday",
        )
        session.add_all(
            [Email(contact_id=contact.id, address=a, address_key=a) for a in ("b@x.us", "a@x.us")]
        )
        # The first number went on the DNC list after import: marked, dialled last.
        session.add(DncEntry(e164=contact.phones[0].e164, source="internal"))
        contact_id, dnc_number = contact.id, contact.phones[0].e164
    with sqlite_store.write() as session:
        offer = queue.next_offer(session, 1, at=TUESDAY_10_NY)
        assert isinstance(offer, queue.Offer), offer
        assert offer.contact_id == contact_id
    with sqlite_store.write() as session:  # the ORM's copy, its company, emails and numbers
        held = session.get(Contact, contact_id)
        numbers = _numbers(session, contact_id)
        expected = queue.lead_dict(session, held, numbers)
    assert offer.lead == expected
    assert offer.lead["company"] == "Red Textiles"
    assert offer.lead["emails"] == ["b@x.us", "a@x.us"]
    assert [p["dnc"] for p in offer.lead["phones"]] == [False, False, True]
    assert offer.lead["phones"][-1]["e164"] == dnc_number
    assert offer.phone == numbers[0]


@pytest.mark.parametrize("store_name", ["sqlite_store", "pg_store"])
def test_offers_and_saves_leave_nothing_for_the_cycle_collector(
    store_name: str, request: pytest.FixtureRequest
) -> None:
    """Offering and saving calls frees what they made as they end: the cycle collector's
    passes (every dozen calls once something made cycles) were most of the desk's slowest
    calls. The queue kept its session's transaction in the session, a cycle of ~50 objects."""
    import gc

    from calldesk import outcomes

    store: Store = request.getfixturevalue(store_name)
    _fill(store)
    with store.write() as session:
        rep = make_rep(session, "Collector").id

    def offer_and_save() -> None:
        with store.write() as session:
            offer = queue.next_offer(session, rep, at=AT)
        assert isinstance(offer, queue.Offer), offer
        with store.write() as session:
            outcomes.record_and_next(
                session, claim_id=offer.claim_id, disposition="no_answer", at=AT
            )

    offer_and_save()  # caches filled
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        for _ in range(5):
            offer_and_save()
        found = gc.collect()
        kinds = sorted({type(o).__name__ for o in gc.garbage})
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
    assert found == 0, kinds


def test_the_caps_count_the_attempts_read_with_the_contact(sqlite_store: Store) -> None:
    """A claim's first statement reads the contact's attempts of the longest cap window with
    the contact: Florida's cap (3 calls per 24 h) is counted from them, no statement of its
    own; an attempt older than 24 h but inside the window read does not count."""
    from calldesk import outcomes

    with sqlite_store.write() as session:
        ann = make_rep(session, "Ann").id
        florida = make_contact(session, "FL").id
    moments = [TUESDAY_10_NY - dt.timedelta(hours=25), TUESDAY_10_NY]
    for at in [*moments, TUESDAY_10_NY + dt.timedelta(minutes=40)]:
        with sqlite_store.write() as session:
            offer = queue.next_offer(session, ann, at=at)
            assert isinstance(offer, queue.Offer) and offer.contact_id == florida
            outcomes.record_outcome(session, claim_id=offer.claim_id, disposition="busy", at=at)
    at = TUESDAY_10_NY + dt.timedelta(minutes=80)
    statements: list[str] = []
    with sqlite_store.write() as session:
        raw, _ = _raw(session)
        raw.set_trace_callback(statements.append)
        try:
            offer = queue.next_offer(session, ann, at=at)
        finally:
            raw.set_trace_callback(None)
        assert isinstance(offer, queue.Offer) and offer.contact_id == florida
        # The verdict is the rules' own for the contact (which reads the attempts itself).
        assert offer.checks == [
            queue.offers._check_dict(c) for c in rules.contact_status(session, florida, at).checks
        ]
    cap = next(c for c in offer.checks if c["rule_id"] == "us-fl-cap")
    assert cap["verdict"] == "allowed" and "2 of 3 calls used" in cap["detail"]
    assert not [s for s in statements if "FROM attempts WHERE contact_id" in s.split("(")[0]]
    assert not [s for s in statements if s.startswith("SELECT started_at FROM attempts")]
