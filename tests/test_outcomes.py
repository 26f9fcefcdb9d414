"""Recording an outcome: one transaction, the contact's new state, callbacks, DNC at once."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys

import pytest
from sqlalchemy import func, select, text
from test_queue_helpers import TUESDAY_10_NY, make_contact, make_list, make_rep

from calldesk import campaigns, outcomes, queue
from calldesk.models import (
    Attempt,
    Callback,
    Claim,
    Contact,
    DncEntry,
    OutboxEntry,
    Phone,
    RuleLedgerEntry,
)
from calldesk.store import Store
from tests.conftest import give_registry_copy

AT = TUESDAY_10_NY
CLI = [sys.executable, "-c", "import sys; from calldesk.cli.main import main; sys.exit(main())"]


def _offer(store: Store, rep_id: int, at: dt.datetime = AT) -> queue.Offer:
    with store.write() as session:
        offer = queue.next_offer(session, rep_id, at=at)
    assert isinstance(offer, queue.Offer)
    return offer


@pytest.mark.parametrize(
    ("code", "delay"),
    [
        ("no_answer", dt.timedelta(hours=4)),
        ("busy", dt.timedelta(minutes=30)),
        ("voicemail", dt.timedelta(days=2)),
    ],
)
def test_retry_delay_per_disposition(store: Store, code: str, delay: dt.timedelta) -> None:
    with store.write() as session:
        ann = make_rep(session, "Ann").id
        contact_id = make_contact(session, "NY", phones=2).id
    offer = _offer(store, ann)
    with store.write() as session:
        result = outcomes.record_outcome(
            session, claim_id=offer.claim_id, disposition=code, notes="left word", at=AT
        )
    assert result.contact["attempts"] == 1
    assert result.contact["next_eligible_at"] == (AT + delay).isoformat()
    assert result.contact["stage"] == "working" and result.contact["callable"]
    with store.session() as session:
        attempt = session.get(Attempt, result.attempt_id)
        assert attempt.number_dialled == offer.phone["e164"]
        assert (attempt.local_hour, attempt.local_weekday) == (10, 1)
        assert attempt.disposition == code and attempt.notes == "left word"
        assert session.get(Claim, offer.claim_id).released_at == AT
        contact = session.get(Contact, contact_id)
        assert contact.claimed_by_id is None and contact.last_attempt_at == AT
        entry = session.scalar(select(OutboxEntry).where(OutboxEntry.contact_id == contact_id))
        assert entry.kind == "attempt.recorded"
        assert entry.idempotency_key == f"attempt-{result.attempt_id}"
        assert entry.payload["attempt"]["disposition"] == code
    # Not offered while cooling down, offered again after.
    with store.write() as session:
        assert isinstance(queue.next_offer(session, ann, at=AT + delay / 2), queue.QueueEmpty)
    assert _offer(store, ann, AT + delay).contact_id == contact_id


def test_gatekeeper_retries_next_business_day_at_nine(sqlite_store: Store) -> None:
    store = sqlite_store
    friday_4pm_ny = dt.datetime(2026, 11, 27, 21, 0, tzinfo=dt.UTC)
    with store.write() as session:
        ann = make_rep(session, "Ann").id
        make_contact(session, "NY")
    offer = _offer(store, ann, friday_4pm_ny)
    with store.write() as session:
        result = outcomes.record_outcome(
            session, claim_id=offer.claim_id, disposition="gatekeeper", at=friday_4pm_ny
        )
    # Monday 30 November, 09:00 in New York.
    assert result.contact["next_eligible_at"] == "2026-11-30T14:00:00+00:00"


def test_campaign_retry_override_and_attempt_cap(sqlite_store: Store) -> None:
    store = sqlite_store
    with store.write() as session:
        ann = make_rep(session, "Ann").id
        contact = make_contact(session, "NY")
        campaigns.create_campaign(
            session,
            "Tight",
            rules={"retry": {"no_answer": 60}, "max_attempts": 2},
            list_ids=[make_list(session, "l", [contact]).id],
        )
    offer = _offer(store, ann)
    with store.write() as session:
        first = outcomes.record_outcome(
            session, claim_id=offer.claim_id, disposition="no_answer", at=AT
        )
    assert first.contact["next_eligible_at"] == (AT + dt.timedelta(hours=1)).isoformat()
    later = AT + dt.timedelta(hours=1)
    offer = _offer(store, ann, later)
    with store.write() as session:
        second = outcomes.record_outcome(
            session, claim_id=offer.claim_id, disposition="no_answer", at=later
        )
    assert not second.contact["callable"] and "cap" in second.contact["closed_reason"]


def test_do_not_call_takes_effect_before_the_next_contact(store: Store) -> None:
    with store.write() as session:
        ann, bob = make_rep(session, "Ann").id, make_rep(session, "Bob").id
        asker = make_contact(session, "NY", phones=2)
        # A colleague on the same main line, with a direct line of her own.
        colleague = make_contact(session, "NY", e164=asker.phones[0].e164, phones=2)
        # Someone reachable only on the asker's number.
        only_shared = make_contact(session, "NY", e164=asker.phones[1].e164)
        make_contact(session, "IL")  # someone else, for the next card
        numbers = sorted(p.e164 for p in asker.phones)
        ids = asker.id, colleague.id, only_shared.id
        session.add(Callback(contact_id=asker.id, rep_id=ann, due_at=AT + dt.timedelta(days=1)))
    offer = _offer(store, ann)
    assert offer.contact_id == ids[0]
    bobs = _offer(store, bob)
    with store.write() as session:
        result, nxt = outcomes.record_and_next(
            session, claim_id=offer.claim_id, disposition="do_not_call", at=AT
        )
    assert result.dnc_numbers == numbers
    assert isinstance(nxt, queue.Offer)
    assert nxt.phone["e164"] not in numbers
    with store.session() as session:
        assert set(
            session.scalars(select(DncEntry.e164).where(DncEntry.source == "internal"))
        ) == set(numbers)
        asker_row = session.get(Contact, ids[0])
        assert asker_row.dnc and not asker_row.callable
        assert session.get(Contact, ids[1]).callable  # her own line is still fine
        assert not session.get(Contact, ids[2]).callable
        shared = session.scalars(select(Phone).where(Phone.e164.in_(numbers))).all()
        assert all(p.dnc for p in shared) and len(shared) == 4
        assert session.scalar(select(Callback.status).where(Callback.contact_id == ids[0])) == (
            "cancelled"
        )
    # Whoever gets the colleague next dials her own line, never the shared one.
    with store.write() as session:
        queue.release_claim(session, bobs.claim_id)
        queue.release_claim(session, nxt.claim_id)
    seen = set()
    for rep in (ann, bob, ann):
        with store.write() as session:
            got = queue.next_offer(session, rep, at=AT)
        if isinstance(got, queue.Offer):
            assert got.phone["e164"] not in numbers
            seen.add(got.contact_id)
    assert ids[0] not in seen and ids[2] not in seen


def test_callback_needs_a_time_and_comes_back(store: Store) -> None:
    with store.write() as session:
        ann = make_rep(session, "Ann").id
        contact_id = make_contact(session, "NY").id
    offer = _offer(store, ann)
    with store.write() as session, pytest.raises(outcomes.OutcomeError, match="callback time"):
        outcomes.record_outcome(session, claim_id=offer.claim_id, disposition="callback", at=AT)
    with store.session() as session:  # nothing of the refused outcome was stored
        assert session.scalar(select(func.count()).select_from(Attempt)) == 0
    due = AT + dt.timedelta(days=2)
    with store.write() as session:
        result = outcomes.record_outcome(
            session,
            claim_id=offer.claim_id,
            disposition="callback",
            callback_at=due,
            notes="Thursday at ten",
            at=AT,
        )
    assert result.contact["held"] and result.contact["stage"] == "callback"
    with store.write() as session:
        assert isinstance(
            queue.next_offer(session, ann, at=AT + dt.timedelta(days=1)), queue.QueueEmpty
        )
    back = _offer(store, ann, due)
    assert back.contact_id == contact_id and back.callback_id == result.callback_id


def test_final_dispositions_close_and_bad_number_moves_on(store: Store) -> None:
    with store.write() as session:
        ann = make_rep(session, "Ann").id
        two_lines = make_contact(session, "NY", phones=2)
        first_line = two_lines.phones[0].e164
    offer = _offer(store, ann)
    assert offer.phone["e164"] == first_line
    with store.write() as session:
        result = outcomes.record_outcome(
            session, claim_id=offer.claim_id, disposition="bad_number", at=AT
        )
    assert result.contact["callable"]
    again = _offer(store, ann)
    assert again.contact_id == result.contact_id and again.phone["e164"] != first_line
    with store.write() as session:
        result = outcomes.record_outcome(
            session, claim_id=again.claim_id, disposition="bad_number", at=AT
        )
    assert not result.contact["callable"] and result.contact["stage"] == "closed"
    with store.write() as session:
        other_id = make_contact(session, "IL", first_name="Zed").id
    last = _offer(store, ann)
    assert last.contact_id == other_id
    with store.write() as session, pytest.raises(outcomes.OutcomeError, match="notes"):
        outcomes.record_outcome(session, claim_id=last.claim_id, disposition="wrong_person", at=AT)
    with store.write() as session:
        result = outcomes.record_outcome(
            session, claim_id=last.claim_id, disposition="not_interested", at=AT
        )
    assert result.contact["stage"] == "closed" and not result.contact["callable"]
    with store.write() as session, pytest.raises(queue.QueueError, match="already released"):
        outcomes.record_outcome(session, claim_id=last.claim_id, disposition="busy", at=AT)


def test_manual_dial_keeps_the_override(sqlite_store: Store) -> None:
    store = sqlite_store
    with store.write() as session:
        ann = make_rep(session, "Ann").id
        contact_id = make_contact(session, "CA").id
        result = outcomes.record_outcome(
            session,
            claim_id=None,
            contact_id=contact_id,
            rep_id=ann,
            disposition="no_answer",
            number_dialled="+14155550100",
            manual=True,
            override_by="Maria (manager)",
            override_reason="customer asked to be called at 7",
            at=AT,
        )
    with store.session() as session:
        attempt = session.get(Attempt, result.attempt_id)
    assert attempt.manual and attempt.override_by == "Maria (manager)"
    assert attempt.override_reason == "customer asked to be called at 7"
    assert attempt.local_hour == 7 and attempt.number_dialled == "+14155550100"


def test_outcome_is_all_or_nothing(sqlite_store: Store) -> None:
    store = sqlite_store
    with store.write() as session:
        ann = make_rep(session, "Ann").id
        contact_id = make_contact(session, "NY").id
    offer = _offer(store, ann)
    with store.write() as session:  # a stale outbox entry with the key the attempt will use
        session.add(OutboxEntry(idempotency_key="attempt-1", kind="x", payload={}))
    with pytest.raises(Exception, match="(?i)unique"), store.write() as session:
        outcomes.record_outcome(session, claim_id=offer.claim_id, disposition="busy", at=AT)
    with store.session() as session:
        contact = session.get(Contact, contact_id)
        assert contact.attempts == 0 and contact.next_eligible_at is None
        assert contact.claimed_by_id == ann
        assert session.scalar(select(func.count()).select_from(Attempt)) == 0
        assert session.get(Claim, offer.claim_id).released_at is None


def test_command_line_next_and_record(tmp_path) -> None:
    db = str(tmp_path / "cli.sqlite3")

    def run(*args: str) -> dict:
        done = subprocess.run(
            [*CLI, "--db", db, *args, "--json"],
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    run("rep", "add", "Ann")
    from calldesk.store import open_store

    store = open_store(f"sqlite:///{db}")
    with store.write() as session:
        contact_id = make_contact(session, "NY").id
    give_registry_copy(store, dt.date(2026, 11, 20))
    store.close()
    offer = run("queue", "next", "--rep", "Ann", "--at", "2026-11-24T15:00:00Z")
    assert offer["lead"]["id"] == contact_id and offer["claim_id"]
    assert offer["time_zones"] == ["America/New_York"] and offer["rule"]
    assert "10:00" in offer["local_time"]
    recorded = run(
        "call",
        "record",
        "--claim",
        str(offer["claim_id"]),
        "--disposition",
        "callback",
        "--callback",
        "2026-11-26T15:00:00Z",
        "--notes",
        "Thursday",
        "--answers",
        '{"budget": "yes"}',
        "--at",
        "2026-11-24T15:03:00Z",
    )
    assert recorded["attempt"]["answers"] == {"budget": "yes"}
    assert recorded["contact"]["stage"] == "callback" and recorded["callback_id"]
    empty = run("queue", "next", "--rep", "Ann", "--at", "2026-11-24T15:05:00Z")
    assert empty["lead"] is None and empty["next_callable_at"] == "2026-11-26T15:00:00+00:00"
    stats = run("queue", "stats")
    assert stats["callbacks_open"] == 1 and stats["contacts"] == 1
    bad = subprocess.run(
        [
            *CLI,
            "--db",
            db,
            "call",
            "record",
            "--claim",
            "999",
            "--disposition",
            "busy",
            "--json",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 2 and "no claim 999" in bad.stderr and bad.stdout == ""


def _grade(grade: str, **extra):
    from calldesk.scripts.grading import GradeResult

    return GradeResult(
        grade=grade,
        why=f"grade {grade} because the answers said so",
        disposition="qualified",
        rule_number=1,
        deciding=(),
        script_key="bant",
        script_version=1,
        answers={"need": "yes"},
        **extra,
    )


def test_qualified_hands_off_through_the_grade(sqlite_store: Store) -> None:
    store = sqlite_store
    with store.write() as session:
        ann = make_rep(session, "Ann").id
        nurture_id = make_contact(session, "NY").id
        giveaway_id = make_contact(session, "NY").id
    offer = _offer(store, ann)
    with store.write() as session, pytest.raises(outcomes.OutcomeError, match="grade"):
        outcomes.record_outcome(session, claim_id=offer.claim_id, disposition="qualified", at=AT)
    with store.write() as session:
        result = outcomes.record_outcome(
            session,
            claim_id=offer.claim_id,
            disposition="qualified",
            grade_result=_grade("C", days=90),
            at=AT,
        )
    assert result.contact_id == nurture_id
    assert result.contact["grade"] == "C" and result.contact["held"]
    assert result.attempt["grade"] == "C" and result.attempt["script_key"] == "bant"
    offer = _offer(store, ann)
    assert offer.contact_id == giveaway_id
    with store.write() as session:
        result = outcomes.record_outcome(
            session,
            claim_id=offer.claim_id,
            disposition="qualified",
            grade_result=_grade("D"),
            at=AT,
        )
    assert result.contact["stage"] == "closed" and not result.contact["callable"]
    with store.session() as session:
        kinds = set(session.scalars(select(OutboxEntry.kind)))
        nurture = session.scalar(select(Callback).where(Callback.contact_id == nurture_id))
    assert {"attempt.recorded", "lead.graded"} <= kinds
    assert nurture.kind == "nurture" and not nurture.personal
    with store.write() as session:
        assert isinstance(queue.next_offer(session, ann, at=AT), queue.QueueEmpty)


def test_driver_inserts_store_what_the_orm_stores(store: Store) -> None:
    """The attempt, ledger and outbox rows a call writes with prepared driver INSERTs hold
    what the ORM stores for the same values (times, JSON text, JSON null, booleans)."""
    with store.write() as session:
        ann = make_rep(session, "Ann").id
        make_contact(session, "NY")
    offer = _offer(store, ann)
    with store.write() as session:
        result = outcomes.record_outcome(
            session, claim_id=offer.claim_id, disposition="no_answer", at=AT
        )
    tables = ((Attempt, "id"), (RuleLedgerEntry, "attempt_id"), (OutboxEntry, "id"))
    with store.write() as session:
        written = {
            Attempt: session.get(Attempt, result.attempt_id),
            RuleLedgerEntry: session.get(RuleLedgerEntry, result.attempt_id),
            OutboxEntry: session.scalar(
                select(OutboxEntry).where(OutboxEntry.contact_id == offer.contact_id)
            ),
        }
        values = {
            model: {c.key: getattr(written[model], c.key) for c in model.__table__.columns}
            for model, _ in tables
        }
        again = Attempt(**{k: v for k, v in values[Attempt].items() if k != "id"})
        session.add(again)
        session.flush()
        values[RuleLedgerEntry]["attempt_id"] = again.id
        values[OutboxEntry]["idempotency_key"] = "written by the ORM"
        copies = {
            Attempt: again,
            RuleLedgerEntry: RuleLedgerEntry(**values[RuleLedgerEntry]),
            OutboxEntry: OutboxEntry(**{k: v for k, v in values[OutboxEntry].items() if k != "id"}),
        }
        session.add_all([copies[RuleLedgerEntry], copies[OutboxEntry]])
        session.flush()
        for model, key in tables:
            columns = [c.key for c in model.__table__.columns if c.key not in (key, "attempt_id")]
            if model is OutboxEntry:
                columns.remove("idempotency_key")
            sql = ", ".join(f"CAST({c} AS TEXT)" for c in columns)
            table = model.__table__.name
            rows = [
                session.execute(
                    text(f"SELECT {sql} FROM {table} WHERE {key} = :id"),
                    {"id": getattr(obj, key)},
                ).one()
                for obj in (written[model], copies[model])
            ]
            assert rows[0] == rows[1], table
