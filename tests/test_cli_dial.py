"""A number typed by hand goes through the same rules on the command line: refused outside
the window with the reason, allowed by a manager's override that stays with the attempt."""

import json

from sqlalchemy import select

from calldesk.cli.main import main
from calldesk.models import Attempt, Contact, Phone, RuleLedgerEntry
from calldesk.reps import add_rep
from calldesk.store import Store

# Tuesday 24 Nov 2026, 21:30 in Miami: after Florida's 20:00 and the federal 21:00.
LATE = "2026-11-25T02:30:00+00:00"
# Tuesday 24 Nov 2026, 11:00 in Miami.
MORNING = "2026-11-24T16:00:00+00:00"


def _florida_contact(store: Store) -> int:
    with store.write() as session:
        add_rep(session, "Ada Moreno", role="qualifier")
        add_rep(session, "Morgan Lee", role="manager")
        contact = Contact(
            first_name="Rosa",
            last_name="Diaz",
            state="FL",
            country="US",
            locale_key="US|FL|America/New_York",
        )
        session.add(contact)
        session.flush()
        session.add(
            Phone(
                contact_id=contact.id,
                raw="(305) 555-0123",
                e164="+13055550123",
                region="US",
                time_zones="America/New_York",
            )
        )
        return contact.id


def _dial(store: Store, *extra: str) -> int:
    return main(
        [
            "--db",
            store.url,
            "call",
            "dial",
            "--rep",
            "Ada Moreno",
            "--phone",
            "305.555.0123",
            "--disposition",
            "no_answer",
            "--json",
            *extra,
        ]
    )


def _attempts(store: Store) -> list[Attempt]:
    with store.session() as session:
        return list(session.scalars(select(Attempt)))


def test_late_dial_is_refused_with_the_reason(sqlite_store: Store, capsys) -> None:
    _florida_contact(sqlite_store)
    assert _dial(sqlite_store, "--at", LATE) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "refused" in captured.err and "next allowed 2026-11-25T13:00:00+00:00" in captured.err
    assert _attempts(sqlite_store) == []


def test_only_a_manager_with_a_reason_can_override(store: Store, capsys) -> None:
    _florida_contact(store)
    assert _dial(store, "--at", LATE, "--override-by", "Ada Moreno", "--reason", "asked") == 1
    assert "only a manager" in capsys.readouterr().err
    assert _dial(store, "--at", LATE, "--override-by", "Morgan Lee") == 1
    assert "needs a reason" in capsys.readouterr().err
    assert _attempts(store) == []

    reason = "Client asked us to call after their evening board meeting"
    assert _dial(store, "--at", LATE, "--override-by", "Morgan Lee", "--reason", reason) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["dialled_by"], out["confirmed_by"]) == ("Ada Moreno", "Morgan Lee")
    (attempt,) = _attempts(store)
    assert attempt.manual and attempt.number_dialled == "+13055550123"
    assert (attempt.override_by, attempt.override_reason) == ("Morgan Lee", reason)
    # The compliance ledger keeps the refusal that was overridden, and both names.
    with store.session() as session:
        entry = session.get(RuleLedgerEntry, attempt.id)
        assert (entry.rep, entry.override_by, entry.override_reason) == (
            "Ada Moreno",
            "Morgan Lee",
            reason,
        )
        assert entry.allowed is False and "outside hours at 21:30" in entry.decision["rule"]


def test_dial_inside_the_window_is_recorded_without_override(sqlite_store: Store, capsys) -> None:
    _florida_contact(sqlite_store)
    assert _dial(sqlite_store, "--at", MORNING) == 0
    capsys.readouterr()
    (attempt,) = _attempts(sqlite_store)
    assert attempt.manual and attempt.override_by is None and attempt.disposition == "no_answer"
