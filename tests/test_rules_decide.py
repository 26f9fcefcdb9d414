"""The one decision (calldesk.rules.decide) on real stores: whose law, overrides, business
lines, registry copies, closed days, caps by number, and the compliance ledger."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from calldesk import outcomes, queue
from calldesk.cli.main import main
from calldesk.models import Attempt, DncEntry, DncSnapshot, RuleLedgerEntry
from calldesk.places import locate, region_mismatch
from calldesk.rules import DialRefused, authorize_dial, decide, explain
from calldesk.rules.ledger import export_ledger
from calldesk.rules.marks import add_closed_day, mark_business, phone_type, remove_closed_day
from calldesk.store import Store
from tests.rules_helpers import add_attempt, add_contact, add_rep

UTC = dt.UTC
TORONTO = "+14165550100"
MIAMI = "+13055550123"
DALLAS = "+12145550100"
NEW_ORLEANS = "+15045550100"


def at_local(zone: str, text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)


# --- whose law -----------------------------------------------------------------------------


def test_a_toronto_number_in_a_us_row_keeps_canadas_rules(sqlite_store: Store) -> None:
    placement = locate("US", None, [TORONTO])
    assert placement.locale is not None
    assert placement.locale.key == "CA,US|ON|America/Toronto"
    assert placement.country_sources == {"CA": [f"number {TORONTO}"], "US": ["country column"]}
    # Saturday 2026-11-28 20:33 in Toronto: US federal hours would allow it, the CRTC's not.
    saturday = at_local("America/Toronto", "2026-11-28 20:33")
    with sqlite_store.write() as session:
        contact = add_contact(session, [TORONTO], country="US")
        verdict = decide(session, at=saturday, contact=contact.id, purpose="card")
        assert not verdict.allowed
        assert "CRTC" in verdict.rule
        countries = {c["country"]: c["from"] for c in verdict.as_dict()["countries"]}
        assert countries["CA"] == [f"number {TORONTO}"] and "US" in countries
        ids = {c.rule_id for c in verdict.checks}
        assert {"ca-crtc", "us-federal"} <= ids
        # The same row with a Texas address adds Texas's rules too (Sunday from noon only).
        texan = add_contact(session, [TORONTO], country="US", state="TX")
        sunday = at_local("America/Toronto", "2026-11-29 11:30")  # 10:30 in Dallas
        verdict = decide(session, at=sunday, contact=texan.id, purpose="card")
        assert not verdict.allowed
        assert "us-tx" in {c.rule_id for c in verdict.checks if c.verdict == "refused"}


def test_region_mismatch_is_named_for_the_import_summary() -> None:
    assert region_mismatch("United States", [TORONTO]) == (
        f"{TORONTO} is a number in CA (ON); the row says US"
    )
    assert region_mismatch("USA", [MIAMI]) is None
    assert region_mismatch(None, [TORONTO]) is None
    assert region_mismatch("Canada", [MIAMI, TORONTO]).startswith(MIAMI)


# --- the dial: one entry point, one contract ------------------------------------------------


def test_authorize_dial_contract(sqlite_store: Store) -> None:
    late = at_local("America/New_York", "2026-11-24 20:30")  # after Florida's 20:00
    with sqlite_store.write() as session:
        add_rep(session, "Ada", "qualifier")
        add_rep(session, "Morgan", "manager")
        contact = add_contact(session, [MIAMI], state="FL", country="US")
        with pytest.raises(DialRefused, match="a manager may override") as refused:
            authorize_dial(session, e164=MIAMI, contact_id=contact.id, at=late, rep="Ada")
        assert refused.value.verdict.overridable
        assert refused.value.verdict.opens_at == at_local("America/New_York", "2026-11-25 08:00")
        with pytest.raises(DialRefused, match="only a manager"):
            authorize_dial(
                session,
                e164=MIAMI,
                contact_id=contact.id,
                at=late,
                rep="Ada",
                override_by="Ada",
                override_reason="asked for it",
            )
        with pytest.raises(DialRefused, match="needs a reason"):
            authorize_dial(
                session,
                e164=MIAMI,
                contact_id=contact.id,
                at=late,
                override_by="Morgan",
                override_reason=" ",
            )
        verdict = authorize_dial(
            session,
            e164=MIAMI,
            contact_id=contact.id,
            at=late,
            rep="Ada",
            override_by="Morgan",
            override_reason="the customer asked us to call after 8",
        )
        assert not verdict.allowed and verdict.override_by == "Morgan" and verdict.rep == "Ada"
        # The attempt and its ledger row keep both names.
        rep_id = session.scalar(select(Attempt.rep_id).limit(1))
        assert rep_id is None
        from calldesk.models import Rep

        ada = session.scalar(select(Rep).where(Rep.name == "Ada"))
        result = outcomes.record_outcome(
            session,
            claim_id=None,
            contact_id=contact.id,
            rep_id=ada.id,
            disposition="no_answer",
            number_dialled=MIAMI,
            started_at=late,
            manual=True,
            at=late,
            verdict=verdict,
        )
        entry = session.get(RuleLedgerEntry, result.attempt_id)
        assert entry is not None
        assert (entry.rep, entry.override_by) == ("Ada", "Morgan")
        assert entry.override_reason == "the customer asked us to call after 8"
        assert entry.allowed is False and entry.line == "consumer"
        attempt = session.get(Attempt, result.attempt_id)
        assert attempt.override_by == "Morgan" and attempt.rep_id == ada.id


@pytest.mark.parametrize(
    ("number", "expected"),
    [("+1 305 555 0123", "Do not call"), ("555-0100", "valid phone number"), ("+18005550100", "")],
)
def test_dnc_invalid_and_unknown_place_are_never_overridable(
    sqlite_store: Store, number: str, expected: str
) -> None:
    noon = at_local("America/New_York", "2026-11-24 12:00")
    with sqlite_store.write() as session:
        add_rep(session, "Morgan", "manager")
        session.add(DncEntry(e164=MIAMI, source="internal"))
        session.flush()
        with pytest.raises(DialRefused, match="no override possible") as refused:
            authorize_dial(
                session,
                e164=number,
                contact_id=None,
                at=noon,
                override_by="Morgan",
                override_reason="manager says so",
            )
        assert expected in str(refused.value)
        assert not refused.value.verdict.overridable
        assert refused.value.verdict.hard_refusal is not None


# --- business lines ----------------------------------------------------------------------


def test_business_line_gets_the_exemptions_with_their_sources(sqlite_store: Store) -> None:
    sunday_morning = at_local("America/Chicago", "2026-11-29 10:00")  # Texas: Sunday from 12
    with sqlite_store.write() as session:
        contact = add_contact(session, [DALLAS], state="TX", country="US")
        consumer = decide(session, at=sunday_morning, number=DALLAS, contact=contact.id)
        assert not consumer.allowed and consumer.line == "consumer"
        assert mark_business(session, e164=DALLAS, actor="Morgan") == 1
        assert contact.locale_key.endswith("|B")
        business = decide(session, at=sunday_morning, number=DALLAS, contact=contact.id)
        assert business.allowed and business.line == "business"
        assert any("301.001" in e for e in business.exemptions)
        # The queue's view (the contact's key) agrees.
        assert decide(session, at=sunday_morning, contact=contact.id, purpose="offer").allowed
        # Florida binds business calls: still refused after 20:00.
        florida = add_contact(session, [MIAMI], state="FL", country="US")
        mark_business(session, contact_id=florida.id)
        late = at_local("America/New_York", "2026-11-24 20:30")
        verdict = decide(session, at=late, number=MIAMI, contact=florida.id)
        assert not verdict.allowed and "Florida" in verdict.rule
        # Back to consumer: the key follows.
        mark_business(session, e164=DALLAS, business=False)
        assert not contact.locale_key.endswith("|B")


def test_campaign_default_marks_every_line_business(sqlite_store: Store) -> None:
    sunday_morning = at_local("America/Chicago", "2026-11-29 10:00")
    with sqlite_store.write() as session:
        contact = add_contact(session, [DALLAS], state="TX", country="US")
        verdict = decide(
            session,
            at=sunday_morning,
            number=DALLAS,
            contact=contact.id,
            campaign_rules={"business_lines": True},
        )
        assert verdict.allowed and verdict.line == "business"


def test_phone_type_cells() -> None:
    assert phone_type("Business") is True and phone_type(" b2b ") is True
    assert phone_type("Residential") is False and phone_type("no") is False
    assert phone_type("") is None and phone_type("maybe") is None


# --- registry copies (fail closed) ---------------------------------------------------------


def test_no_or_stale_registry_copy_refuses_consumer_calls(
    sqlite_store: Store, registry_gate: None
) -> None:
    noon = at_local("America/New_York", "2026-11-24 12:00")
    with sqlite_store.write() as session:
        contact = add_contact(session, [MIAMI], state="FL", country="US")
        verdict = decide(session, at=noon, contact=contact.id, purpose="explain")
        assert not verdict.allowed
        assert "no National Do Not Call Registry copy" in verdict.rule
        assert "calldesk dnc import" in verdict.rule
        assert verdict.overridable  # a manager may, with a reason; never silently
        session.add(
            DncSnapshot(
                source="us_national", country="US", file_name="us-2026-10-23.txt",
                file_date=dt.date(2026, 10, 23),
            )
        )  # fmt: skip
        session.flush()
        from calldesk.rules.context import invalidate

        invalidate()
        # 32 days old on 2026-11-24: still refused; 31 days old the day before: allowed.
        stale = decide(session, at=noon, contact=contact.id)
        assert not stale.allowed and "32 days old" in stale.rule
        fresh = decide(session, at=noon - dt.timedelta(days=1), contact=contact.id)
        assert fresh.allowed
        assert any(r.get("age_days") == 31 for r in fresh.registry)
        # A business line does not need the consumer registry.
        mark_business(session, contact_id=contact.id)
        assert decide(session, at=noon, contact=contact.id).allowed
        # A Canadian consumer: no DNCL copy at all, refused.
        toronto = add_contact(session, [TORONTO], state="ON", country="CA")
        weekday = at_local("America/Toronto", "2026-11-24 12:00")
        assert "National DNCL" in decide(session, at=weekday, contact=toronto.id).rule


def test_queue_offers_nothing_without_a_registry_copy(
    sqlite_store: Store, registry_gate: None
) -> None:
    noon = at_local("America/New_York", "2026-11-24 12:00")
    with sqlite_store.write() as session:
        rep = add_rep(session, "Ada")
        add_contact(session, [MIAMI], state="FL", country="US")
        empty = queue.next_offer(session, rep.id, at=noon)
        assert isinstance(empty, queue.QueueEmpty)
        assert "no National Do Not Call Registry copy" in empty.reason
        assert "calldesk dnc import" in empty.reason
        session.add(
            DncSnapshot(
                source="us_national", country="US", file_name="us.txt",
                file_date=dt.date(2026, 11, 20),
            )
        )  # fmt: skip
        session.flush()
        from calldesk.rules.context import invalidate

        invalidate()
        assert isinstance(queue.next_offer(session, rep.id, at=noon), queue.Offer)


# --- closed days ---------------------------------------------------------------------------


def test_a_managers_closed_day_closes_that_state_only(sqlite_store: Store) -> None:
    noon = at_local("America/Chicago", "2026-12-01 12:00")
    with sqlite_store.write() as session:
        louisiana = add_contact(session, [NEW_ORLEANS], state="LA", country="US")
        texas = add_contact(session, [DALLAS], state="TX", country="US")
        assert decide(session, at=noon, contact=louisiana.id).allowed
        entry = add_closed_day(
            session,
            country="US",
            state="Louisiana",
            day=dt.date(2026, 12, 1),
            reason="Declared state of emergency (hurricane)",
            source="LPSC General Order R-29617; Governor's proclamation 123 JML 2026",
            actor="Morgan",
        )
        assert entry.state == "LA"
        verdict = decide(session, at=noon, contact=louisiana.id, purpose="explain")
        assert not verdict.allowed and "R-29617" in verdict.rule
        assert decide(session, at=noon, contact=texas.id).allowed
        assert decide(session, at=noon + dt.timedelta(days=1), contact=louisiana.id).allowed
        remove_closed_day(session, entry.id, actor="Morgan")
        assert decide(session, at=noon, contact=louisiana.id).allowed
        with pytest.raises(ValueError, match="source"):
            add_closed_day(session, country="US", day=dt.date(2026, 12, 2), reason="x", source="")


# --- caps when only a number is given ------------------------------------------------------


def test_caps_are_counted_for_a_number_alone(sqlite_store: Store) -> None:
    start = at_local("America/New_York", "2026-11-24 09:00")
    with sqlite_store.write() as session:
        contact = add_contact(session, [MIAMI], state="FL", country="US")
        for hours in (0, 1, 2):
            add_attempt(session, contact, start + dt.timedelta(hours=hours))
        later = start + dt.timedelta(hours=3)
        data = explain(session, phone="305-555-0123", at=later)
        assert data["allowed"] is False
        caps = [r for r in data["rules"] if r["id"] == "us-fl-cap"]
        assert caps and caps[0]["verdict"] == "refused" and "3 of 3" in caps[0]["detail"]
        assert data["next_allowed_at"] == (start + dt.timedelta(hours=24)).isoformat()


# --- the ledger ----------------------------------------------------------------------------


def test_ledger_holds_one_row_per_attempt_of_a_test_day(store: Store) -> None:
    day = at_local("America/Chicago", "2026-11-24 09:00")
    with store.write() as session:
        rep = add_rep(session, "Ada")
        for number in ("+12145550101", "+12145550102", "+12145550103"):
            add_contact(session, [number], state="TX", country="US")
        recorded = []
        offer = queue.next_offer(session, rep.id, at=day)
        for i in range(3):
            assert isinstance(offer, queue.Offer)
            when = day + dt.timedelta(minutes=10 * (i + 1))
            result, offer = outcomes.record_and_next(
                session, claim_id=offer.claim_id, disposition="no_answer", at=when
            )
            recorded.append(result.attempt_id)
    with store.session() as session:
        count = session.scalar(select(func.count()).select_from(RuleLedgerEntry))
        assert count == 3
        text = export_ledger(session, day, day + dt.timedelta(days=1), "csv")
        rows = list(csv.DictReader(io.StringIO(text)))
        assert [int(r["attempt_id"]) for r in rows] == recorded
        for row in rows:
            assert row["allowed"] == "True" and row["line"] == "consumer"
            assert row["rep"] == "Ada" and row["locale_key"].startswith("US|TX|")
            assert "us-tx: allowed (Tex. Bus. & Com. Code" in row["rules"]
            assert row["packs"].startswith("US 2026.12+")
            assert row["number"].startswith("+1214555010")  # a plain number: kept as it is
        data = json.loads(export_ledger(session, day, day + dt.timedelta(days=1), "json"))
        assert len(data) == 3 and data[0]["local_time"].startswith("Tue 09:00")
        assert export_ledger(session, day + dt.timedelta(days=1), None, "json") == "[]"


def test_cli_ledger_closed_days_and_phone_type(sqlite_store: Store, capsys) -> None:
    url = sqlite_store.url
    with sqlite_store.write() as session:
        add_contact(session, [DALLAS], state="TX", country="US")
    args = ["--db", url, "rules", "closed", "add", "--country", "US", "--state", "TX"]
    args += ["--day", "2026-12-24", "--reason", "Proclaimed holiday", "--source", "Proc. 1"]
    assert main([*args, "--json"]) == 0
    added = json.loads(capsys.readouterr().out)
    assert added["state"] == "TX" and added["day"] == "2026-12-24"
    assert main(["--db", url, "rules", "closed", "list", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)["closed_days"]) == 1
    bad = ["--db", url, "rules", "closed", "add", "--country", "US", "--day", "24/12/2026"]
    assert main([*bad, "--reason", "x", "--source", "y"]) == 2
    assert "not a date" in capsys.readouterr().err
    assert main(["--db", url, "rules", "closed", "remove", str(added["id"])]) == 0
    capsys.readouterr()
    phone = ["--db", url, "leads", "phone-type", "--phone", "(214) 555-0100", "--type"]
    assert main([*phone, "business", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["phones_changed"] == 1
    assert main([*phone, "business"]) == 0  # again: nothing changes, no error
    capsys.readouterr()
    sunday = "2026-11-29T16:00:00Z"  # 10:00 in Dallas
    assert main(["--db", url, "rules", "explain", "--phone", DALLAS, "--at", sunday, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["allowed"] is True and data["line"] == "business" and data["exemptions"]
    assert main(["--db", url, "rules", "ledger", "--format", "json", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["count"] == 0


def test_card_verdict_closes_with_the_window(sqlite_store: Store) -> None:
    from calldesk.desk_data import load_card

    # Vancouver, Saturday: the CRTC weekend window ends at 18:00.
    before = at_local("America/Vancouver", "2026-11-28 17:59:40")
    with sqlite_store.write() as session:
        contact = add_contact(session, ["+16045550100"], state="BC", country="CA")
        card = load_card(session, contact.id, at=before)
        assert card is not None and card.allowed_now
        assert card.verdict.closes_at == at_local("America/Vancouver", "2026-11-28 18:00")
        assert card.allowed_at(before + dt.timedelta(seconds=19))
        assert not card.allowed_at(at_local("America/Vancouver", "2026-11-28 18:00:20"))
        with pytest.raises(DialRefused):
            authorize_dial(
                session,
                e164="+16045550100",
                contact_id=contact.id,
                at=at_local("America/Vancouver", "2026-11-28 18:00:20"),
            )
        assert load_card(session, contact.id).verdict is None


def test_rules_overview_says_consumer_calls_are_refused(
    sqlite_store: Store, registry_gate: None
) -> None:
    from calldesk.rules import rules_overview

    noon = at_local("America/New_York", "2026-11-24 12:00")
    with sqlite_store.write() as session:
        session.add(
            DncSnapshot(
                source="us_national", country="US", file_name="old.txt",
                file_date=dt.date(2026, 9, 1),
            )
        )  # fmt: skip
        session.flush()
        from calldesk.rules.context import invalidate

        invalidate()
        data = rules_overview(session, noon)
    assert data["registry_gate"] is True
    us = next(w for w in data["warnings"] if "National Do Not Call Registry" in w)
    assert "84 days old" in us and "consumer calls to US are refused" in us
    assert any("National DNCL" in w for w in data["warnings"])
    assert not any(w.startswith("US do-not-call snapshot") for w in data["warnings"])


def test_a_business_campaign_is_offered_under_business_rules(sqlite_store: Store) -> None:
    sunday_morning = at_local("America/Chicago", "2026-11-29 10:00")  # Texas: Sunday from 12
    with sqlite_store.write() as session:
        from calldesk.models import Campaign

        rep = add_rep(session, "Ada")
        add_contact(session, [DALLAS], state="TX", country="US")
        assert isinstance(queue.next_offer(session, rep.id, at=sunday_morning), queue.QueueEmpty)
        default = session.scalar(select(Campaign).where(Campaign.is_default))
        if default is None:
            default = Campaign(name="Default", is_default=True)
            session.add(default)
        default.rules = {"business_lines": True}
        session.flush()
        offer = queue.next_offer(session, rep.id, at=sunday_morning)
        assert isinstance(offer, queue.Offer)
