"""PostgreSQL: the queue's first statement of a transaction goes with its BEGIN (one round
trip), as a statement the queue prepares on the connection; one that psycopg dropped (it
deallocates every prepared statement after a rollback) is prepared again, and a failing
statement raises psycopg's error and leaves a transaction the session rolls back.
"""

from __future__ import annotations

import datetime as dt

import psycopg
import pytest
from sqlalchemy import exc, text
from test_queue_helpers import fill_new_york

from calldesk import queue
from calldesk.store import Store

pytestmark = pytest.mark.postgres

AT = dt.datetime(2026, 11, 24, 18, 0, tzinfo=dt.UTC)  # a Tuesday, 13:00 in New York


def _ours(session) -> list[str]:
    return list(
        session.execute(
            text(
                "SELECT statement FROM pg_prepared_statements WHERE name LIKE 'calldesk_q%' "
                "ORDER BY prepare_time"
            )
        ).scalars()
    )


def test_the_first_statement_is_sent_with_begin_and_prepared(pg_store: Store) -> None:
    fill_new_york(pg_store, 2)
    with pg_store.write() as session:
        assert queue._q(session, "SELECT count(*) FROM contacts WHERE id > ?", 0).scalar() == 6
        raw = session.connection().connection.driver_connection
        assert raw.pgconn.transaction_status != 0  # inside the transaction it began
        # Prepared under the queue's own name, placeholders numbered for the server.
        assert _ours(session) == ["SELECT count(*) FROM contacts WHERE id > $1"]
        # Later statements of the transaction go through psycopg's cursor as before.
        assert queue._q(session, "SELECT count(*) FROM reps WHERE id > ?", 0).scalar() == 2
        assert len(_ours(session)) == 1
    with pg_store.write() as session:
        # The next transaction runs it again without preparing it again.
        assert queue._q(session, "SELECT count(*) FROM contacts WHERE id > ?", 0).scalar() == 6
        assert len(_ours(session)) == 1


def test_offers_go_on_after_psycopg_dropped_the_prepared_statements(pg_store: Store) -> None:
    fill_new_york(pg_store, 2)
    for _ in range(3):
        with pg_store.write() as session:
            assert isinstance(queue.next_offer(session, 1, at=AT), queue.Offer)
    with pg_store.write() as session:
        assert _ours(session)
        session.rollback()  # a real ROLLBACK: psycopg sends DEALLOCATE ALL after it
    with pg_store.write() as session:
        offer = queue.next_offer(session, 2, at=AT)
        assert isinstance(offer, queue.Offer)
    with pg_store.write() as session:
        held = session.execute(
            text("SELECT claimed_by_id FROM contacts WHERE id = :id"), {"id": offer.contact_id}
        ).scalar()
        assert held == 2


def test_a_failing_first_statement_raises_and_rolls_back(pg_store: Store) -> None:
    fill_new_york(pg_store, 2)
    with pytest.raises(psycopg.errors.DivisionByZero), pg_store.write() as session:
        queue._q(session, "UPDATE reps SET name = 'x' WHERE id = 1 / ?", 0)
    with pg_store.write() as session:
        assert queue._q(session, "SELECT count(*) FROM reps WHERE name = ?", "x").scalar() == 0
        rows = queue._q(session, "SELECT id FROM reps WHERE id = ? FOR UPDATE", 1).all()
        assert [r[0] for r in rows] == [1]


def test_the_plan_reuses_the_campaigns_until_they_change(pg_store: Store) -> None:
    from calldesk.models import Campaign
    from calldesk.queue.housekeeping import _plan

    fill_new_york(pg_store, 2)
    for _ in range(2):
        with pg_store.write() as session:
            assert isinstance(queue.next_offer(session, 1, at=AT), queue.Offer)
    with pg_store.write() as session:
        first = _plan(session, AT, None)
        again = _plan(session, AT, None)
        assert first is not None and again is not None
        # Read as text and worked out once: the same rows and arms, not parsed again.
        assert isinstance(first.campaigns, str)
        assert again.rows is first.rows and again.arms is first.arms
        campaign = session.query(Campaign).order_by(Campaign.id).first()
        assert campaign is not None
        campaign.rules = {**(campaign.rules or {}), "max_attempts": 4}
    with pg_store.write() as session:
        assert isinstance(queue.next_offer(session, 1, at=AT), queue.Offer)
        changed = _plan(session, AT, None)
        assert changed is not None and changed.rows is not first.rows
        assert changed.arms[0].rules is not None and changed.arms[0].rules["max_attempts"] == 4


def test_a_lost_connection_is_an_error_not_a_wait(pg_store: Store) -> None:
    fill_new_york(pg_store, 2)
    dsn = pg_store.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    # (the session's end finds the connection lost too)
    with pytest.raises(exc.OperationalError), pg_store.write() as session:
        raw = session.connection().connection.driver_connection
        assert raw.pgconn.transaction_status == 0  # (psycopg begins on the first statement)
        with psycopg.connect(dsn, autocommit=True) as other:
            other.execute("SELECT pg_terminate_backend(%s)", (raw.info.backend_pid,))
        with pytest.raises(psycopg.OperationalError):
            queue._q(session, "SELECT count(*) FROM contacts WHERE id > ?", 0)
    with pg_store.write() as session:  # the store goes on with a new connection
        assert queue._q(session, "SELECT count(*) FROM contacts WHERE id > ?", 0).scalar() == 6
