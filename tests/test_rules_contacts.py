"""Per-person rules on real stores: caps across reps and numbers, typed numbers, explanations,
the needs-review list, setting a zone by hand, DNC snapshot age, campaign narrowing."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from calldesk.models import AuditEntry, Campaign, Contact, DncEntry, DncSnapshot
from calldesk.rules import (
    DialRefused,
    RulePackError,
    authorize_dial,
    check_dial,
    contact_status,
    dnc_snapshot_warnings,
    explain,
    locale_status,
    needs_review,
    rules_overview,
    set_zone,
    validate_campaign_rules,
)
from calldesk.store import Store
from tests.conftest import give_registry_copy
from tests.rules_helpers import add_attempt, add_contact, add_rep

UTC = dt.UTC
NY = ZoneInfo("America/New_York")
CHI = ZoneInfo("America/Chicago")
MIAMI = "+13055550123"
MIAMI_2 = "+17865550188"
DALLAS = "+12145550100"
TULSA = "+19185550100"
BALTIMORE = "+14105550100"


def ny(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=NY).astimezone(UTC)


def test_florida_cap_counts_every_rep_number_and_callback(store: Store) -> None:
    with store.write() as session:
        contact = add_contact(session, [MIAMI, MIAMI_2], state="FL")
        alice, bob = add_rep(session, "Alice"), add_rep(session, "Bob")
        add_attempt(session, contact, ny("2026-11-24 09:00"), rep=alice)
        add_attempt(session, contact, ny("2026-11-24 11:00"), rep=bob, phone_index=1)
        status = contact_status(session, contact.id, ny("2026-11-24 12:00"))
        assert status.allowed
        add_attempt(session, contact, ny("2026-11-24 12:00"), rep=alice, disposition="callback")
        status = contact_status(session, contact.id, ny("2026-11-24 12:05"))
        assert not status.allowed
        assert "3 calls in the last 24 h" in status.rule
        # Callable again when the 09:00 attempt leaves the rolling 24 hours.
        assert status.next_allowed_at == ny("2026-11-25 09:00")
        assert status.changes_at == status.next_allowed_at
        cap = next(c for c in status.checks if c.rule_id == "us-fl-cap")
        assert cap.verdict == "refused" and "3 of 3" in cap.detail
        assert not contact_status(session, contact.id, ny("2026-11-25 08:59")).allowed
        assert contact_status(session, contact.id, ny("2026-11-25 09:00")).allowed


def test_british_columbia_allows_one_call_in_30_days_to_a_consumer(store: Store) -> None:
    van = ZoneInfo("America/Vancouver")

    def bc(text: str) -> dt.datetime:
        return dt.datetime.fromisoformat(text).replace(tzinfo=van).astimezone(UTC)

    with store.write() as session:
        contact = add_contact(session, ["+16045550123"], state="BC", country="CA")
        assert contact_status(session, contact.id, bc("2026-11-24 11:00")).allowed
        add_attempt(session, contact, bc("2026-11-24 11:00"))
        status = contact_status(session, contact.id, bc("2026-12-10 11:00"))
        assert not status.allowed
        cap = next(c for c in status.checks if c.rule_id == "ca-bc-30d-cap")
        assert cap.verdict == "refused" and "1 of 1 calls used in the last 720 h" in cap.detail
        assert status.next_allowed_at == bc("2026-12-24 11:00")  # 720 h after the call
        assert contact_status(session, contact.id, bc("2026-12-24 11:00")).allowed


def test_cap_frees_only_inside_the_window(store: Store) -> None:
    with store.write() as session:
        contact = add_contact(session, [MIAMI], state="FL")
        for when in ("2026-11-24 17:00", "2026-11-24 18:00", "2026-11-24 19:00"):
            add_attempt(session, contact, ny(when))
        # The cap frees at 17:00 the next day; Florida's window is open then.
        status = contact_status(session, contact.id, ny("2026-11-24 19:30"))
        assert status.next_allowed_at == ny("2026-11-25 17:00")
        for when in ("2026-11-25 19:40", "2026-11-25 19:50", "2026-11-25 19:55"):
            add_attempt(session, contact, ny(when))
        # Frees at 19:40 the next day, open until 20:00.
        status = contact_status(session, contact.id, ny("2026-11-25 19:58"))
        assert status.next_allowed_at == ny("2026-11-26 19:40")


def test_cap_applies_to_florida_number_with_texas_address(store: Store) -> None:
    with store.write() as session:
        contact = add_contact(session, [MIAMI], state="TX")
        assert "FL" in contact.locale_key and "TX" in contact.locale_key
        for hour in (9, 10, 11):
            add_attempt(session, contact, ny(f"2026-11-24 {hour:02d}:00"))
        assert not contact_status(session, contact.id, ny("2026-11-24 12:00")).allowed
        texan = add_contact(session, [DALLAS], state="TX")
        for hour in (9, 10, 11):
            add_attempt(session, texan, ny(f"2026-11-24 {hour:02d}:00"))
        assert contact_status(session, texan.id, ny("2026-11-24 12:00")).allowed


def test_oklahoma_and_maryland_caps(store: Store) -> None:
    with store.write() as session:
        for number, state in ((TULSA, "OK"), (BALTIMORE, "MD")):
            contact = add_contact(session, [number], state=state)
            for hour in (9, 10, 11):
                add_attempt(session, contact, ny(f"2026-11-24 {hour:02d}:00"))
            status = contact_status(session, contact.id, ny("2026-11-24 13:00"))
            assert not status.allowed, state
            assert f"us-{state.lower()}-cap" in {c.rule_id for c in status.checks}


def test_cap_not_in_effect_before_its_date(store: Store) -> None:
    with store.write() as session:
        contact = add_contact(session, [BALTIMORE], state="MD")
        for hour in (9, 10, 11):
            add_attempt(session, contact, ny(f"2023-11-24 {hour:02d}:00"))
        # Maryland's cap took effect 2024-01-01.
        assert contact_status(session, contact.id, ny("2023-11-24 13:00")).allowed
        for hour in (9, 10, 11):
            add_attempt(session, contact, ny(f"2024-01-02 {hour:02d}:00"))
        assert not contact_status(session, contact.id, ny("2024-01-02 13:00")).allowed


def test_contact_without_place_never_allowed(store: Store) -> None:
    with store.write() as session:
        contact = add_contact(session, [])
        assert contact.locale_key is None
        status = contact_status(session, contact.id, ny("2026-11-24 12:00"))
        assert not status.allowed and status.next_allowed_at is None
        assert "needs review" in status.rule
        with pytest.raises(LookupError):
            contact_status(session, 999_999, ny("2026-11-24 12:00"))


def test_dnc_contact_never_allowed(store: Store) -> None:
    with store.write() as session:
        contact = add_contact(session, [DALLAS], state="TX", dnc=True)
        status = contact_status(session, contact.id, ny("2026-11-24 12:00"))
        assert not status.allowed and status.next_allowed_at is None
        assert status.checks[0].rule_id == "dnc"


def test_check_dial_refuses_outside_window_and_dnc(store: Store) -> None:
    with store.write() as session:
        evening = ny("2026-11-24 20:30")
        status = check_dial(session, e164="(305) 555-0123", contact_id=None, at=evening)
        assert not status.allowed and "Florida" in status.rule
        assert status.next_allowed_at == ny("2026-11-25 08:00")
        assert check_dial(session, e164=DALLAS, contact_id=None, at=evening).allowed
        session.add(DncEntry(e164=DALLAS, source="internal", reason="asked"))
        session.flush()
        status = check_dial(session, e164=DALLAS, contact_id=None, at=evening)
        assert not status.allowed and status.checks[0].rule_id == "dnc"
        bad = check_dial(session, e164="12", contact_id=None, at=evening)
        assert not bad.allowed and "not a valid phone number" in bad.rule


def test_typed_number_adds_to_the_contacts_place(store: Store) -> None:
    with store.write() as session:
        # A Texan (8-21) dialled on a Florida mobile typed by hand: Florida's 20:00 applies.
        contact = add_contact(session, [DALLAS], state="TX")
        at = ny("2026-11-24 20:15")  # 19:15 in Dallas
        assert contact_status(session, contact.id, at).allowed
        status = check_dial(session, e164=MIAMI, contact_id=contact.id, at=at)
        assert not status.allowed and "FL" in status.states


def test_authorize_dial_needs_a_manager_and_reason(store: Store) -> None:
    with store.write() as session:
        add_rep(session, "Morgan", role="manager")
        add_rep(session, "Riley")
        contact = add_contact(session, [MIAMI], state="FL")
        late = ny("2026-11-24 20:30")
        with pytest.raises(DialRefused, match="Florida"):
            authorize_dial(session, e164=MIAMI, contact_id=contact.id, at=late)
        with pytest.raises(DialRefused, match="only a manager"):
            authorize_dial(
                session,
                e164=MIAMI,
                contact_id=contact.id,
                at=late,
                override_by="Riley",
                override_reason="asked for it",
            )
        with pytest.raises(DialRefused, match="reason"):
            authorize_dial(
                session, e164=MIAMI, contact_id=contact.id, at=late, override_by="Morgan"
            )
        status = authorize_dial(
            session,
            e164=MIAMI,
            contact_id=contact.id,
            at=late,
            override_by="Morgan",
            override_reason="contact asked to be called at 20:30",
        )
        assert not status.allowed  # overridden, not allowed: the attempt keeps the reason
        session.add(DncEntry(e164=MIAMI, source="internal"))
        session.flush()
        with pytest.raises(DialRefused, match="Do not call"):
            authorize_dial(
                session,
                e164=MIAMI,
                contact_id=contact.id,
                at=ny("2026-11-24 12:00"),
                override_by="Morgan",
                override_reason="manager says so",
            )


def test_explain_names_zones_states_and_sources(store: Store) -> None:
    with store.write() as session:
        contact = add_contact(session, [MIAMI], state="TX")
        data = explain(session, contact_id=contact.id, at=ny("2026-11-24 20:15"))
        json.dumps(data)
        assert data["allowed"] is False
        # Texas spans Central and Mountain (El Paso); without a postal code both apply.
        zones = {z["zone"]: z["from"] for z in data["zones"]}
        assert zones == {
            "America/New_York": [f"number {MIAMI}"],
            "America/Chicago": ["address state TX"],
            "America/Denver": ["address state TX"],
        }
        sources = {s["state"]: s["from"] for s in data["states"]}
        assert sources["TX"] == ["address"]
        assert sources["FL"] == [f"area code of {MIAMI}"]
        verdicts = {r["id"]: r["verdict"] for r in data["rules"]}
        assert verdicts["us-fl"] == "refused" and verdicts["us-federal"] == "allowed"
        # Texas opens at 9:00 (Tex. Bus. & Com. Code 301.051(b)): 9:00 Mountain is 11:00 Eastern.
        assert data["next_allowed_at"] == ny("2026-11-25 11:00").isoformat()
        assert "EST" in data["local_time"] and "CST" in data["local_time"]


def test_phonenumbers_zone_errors_are_narrowed_by_state(store: Store) -> None:
    with store.write() as session:
        arizona = add_contact(session, ["+16235550100"], state="AZ")
        assert arizona.locale_key == "US|AZ|America/Phoenix"
        jersey = add_contact(session, ["+15515550100"])
        assert jersey.locale_key == "US|NJ|America/New_York"
        nebraska = add_contact(session, ["+13085550100"])
        assert nebraska.locale_key == "US|NE|America/Chicago,America/Denver"


def test_needs_review_and_set_zone(store: Store) -> None:
    with store.write() as session:
        add_rep(session, "Morgan", role="manager")
        lost = add_contact(session, ["+18005550100"])  # toll-free: no place
        known = add_contact(session, [DALLAS], state="TX")
        rows = needs_review(session)
        assert [r["contact_id"] for r in rows] == [lost.id]
        assert "unknown" in rows[0]["reason"]
        assert not contact_status(session, lost.id, ny("2026-11-24 12:00")).allowed
        with pytest.raises(ValueError, match="unknown time zone"):
            set_zone(session, lost.id, zone="Mars/Olympus", actor="Morgan")
        set_zone(session, lost.id, zone="America/Chicago", state="ok", country="US", actor="Morgan")
        refreshed = session.get(Contact, lost.id)
        assert refreshed.locale_key == "US|OK|America/Chicago"
        assert refreshed.stage == "new" and refreshed.needs_review_reason is None
        assert contact_status(session, lost.id, ny("2026-11-24 12:00")).allowed
        audit = session.scalars(select(AuditEntry).where(AuditEntry.action == "rules.set_zone"))
        entry = audit.one()
        assert entry.actor == "Morgan" and entry.entity_id == str(lost.id)
        assert entry.detail["before"]["locale_key"] is None
        assert entry.detail["after"]["locale_key"] == "US|OK|America/Chicago"
        assert needs_review(session) == []
        assert known.locale_key


def test_dnc_snapshot_warnings(store: Store) -> None:
    at = dt.datetime(2026, 11, 23, 12, tzinfo=UTC)
    with store.write() as session:
        assert dnc_snapshot_warnings(session, at) == []
        session.add_all(
            [
                DncSnapshot(
                    source="us_national",
                    country="US",
                    file_name="us-old.txt",
                    file_date=dt.date(2026, 10, 1),
                ),
                DncSnapshot(
                    source="ca_dncl",
                    country=None,
                    file_name="ca.txt",
                    file_date=dt.date(2026, 11, 1),
                ),
                DncSnapshot(
                    source="uk_tps",
                    country="GB",
                    file_name="tps.txt",
                    file_date=dt.date(2026, 10, 25),
                ),
            ]
        )
        session.flush()
        warnings = dnc_snapshot_warnings(session, at)
        assert len(warnings) == 2
        assert any("US" in w and "53 days" in w and "31 days" in w for w in warnings)
        assert any("GB" in w and "29 days" in w and "28 days" in w for w in warnings)
        session.add(
            DncSnapshot(
                source="us_national",
                country="US",
                file_name="us-new.txt",
                file_date=dt.date(2026, 11, 20),
            )
        )
        session.flush()
        warnings = dnc_snapshot_warnings(session, at)
        assert len(warnings) == 1 and warnings[0].startswith("GB")


def test_campaign_can_narrow_but_never_widen() -> None:
    key = "US|TX|America/Chicago"
    tue = dt.datetime(2026, 11, 24, tzinfo=CHI)
    narrow = {"hours": ["09:00", "17:00"], "days": ["mon", "tue", "wed", "thu", "fri"]}
    assert not locale_status(key, tue.replace(hour=8, minute=30), narrow).allowed
    assert locale_status(key, tue.replace(hour=9), narrow).allowed
    assert not locale_status(key, tue.replace(hour=17), narrow).allowed
    saturday = dt.datetime(2026, 11, 28, 12, tzinfo=CHI)
    status = locale_status(key, saturday, narrow)
    assert not status.allowed and "Campaign" in status.rule
    assert status.next_allowed_at == dt.datetime(2026, 11, 30, 9, tzinfo=CHI).astimezone(UTC)
    wide = {"hours": ["06:00", "23:00"]}
    assert not locale_status(key, tue.replace(hour=7), wide).allowed
    assert not locale_status(key, tue.replace(hour=21, minute=30), wide).allowed
    notes = validate_campaign_rules(wide)
    assert notes and "can only narrow" in notes[0]
    assert validate_campaign_rules(narrow) == []
    thanksgiving = dt.datetime(2026, 11, 26, 12, tzinfo=CHI)
    assert locale_status(key, thanksgiving).allowed
    assert not locale_status(key, thanksgiving, {"skip_holidays": True}).allowed
    with pytest.raises(RulePackError):
        validate_campaign_rules({"hours": ["9am", "5pm"]})
    with pytest.raises(RulePackError):
        validate_campaign_rules({"days": ["funday"]})
    broken = locale_status(key, tue.replace(hour=12), {"hours": "17:00-09:00"})
    assert not broken.allowed and "campaign rules are invalid" in broken.rule


def _cli(db: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from calldesk.cli.main import main; sys.exit(main(sys.argv[1:]))",
            "--db",
            db,
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_cli_explain_review_set_zone(sqlite_store: Store) -> None:
    with sqlite_store.write() as session:
        lost = add_contact(session, ["+18885550100"])
        florida = add_contact(session, [MIAMI], state="FL")
        campaign = Campaign(name="Nine to five", rules={"hours": ["09:00", "17:00"]})
        session.add(campaign)
        session.flush()
        lost_id, florida_id, campaign_id = lost.id, florida.id, campaign.id
    give_registry_copy(sqlite_store, dt.date(2026, 11, 20))
    db = sqlite_store.url
    result = _cli(
        db, "rules", "explain", "--phone", "305-555-0123", "--at", "2026-11-25T01:30:00Z", "--json"
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["allowed"] is False and data["local_time"] == "Tue 20:30 EST"
    assert set(data) >= {"allowed", "local_time", "zones", "states", "rules", "next_allowed_at"}
    assert data["next_allowed_at"] == "2026-11-25T13:00:00+00:00"
    result = _cli(
        db,
        "rules",
        "explain",
        "--contact",
        str(florida_id),
        "--campaign",
        str(campaign_id),
        "--at",
        "2026-11-24T13:30:00Z",
        "--json",
    )
    data = json.loads(result.stdout)
    # 08:30 in Miami: Florida allows it, the campaign (09:00-17:00) does not.
    assert data["allowed"] is False and "Campaign" in data["rule"]
    result = _cli(db, "rules", "review", "--json")
    assert [r["contact_id"] for r in json.loads(result.stdout)["contacts"]] == [lost_id]
    result = _cli(
        db,
        "rules",
        "set-zone",
        "--contact",
        str(lost_id),
        "--zone",
        "America/Denver",
        "--state",
        "CO",
        "--country",
        "US",
        "--by",
        "Morgan",
        "--json",
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["locale_key"] == "US|CO|America/Denver"
    assert json.loads(_cli(db, "rules", "review", "--json").stdout)["count"] == 0
    bad = _cli(db, "rules", "explain", "--phone", MIAMI, "--at", "yesterday", "--json")
    assert bad.returncode == 2 and bad.stdout == "" and "ISO 8601" in bad.stderr
    packs = json.loads(_cli(db, "rules", "packs", "--json").stdout)["packs"]
    assert {p["country"] for p in packs} >= {"US", "CA", "GB"}


def test_cli_check_dial_refuses_and_allows_a_manager_override(sqlite_store: Store) -> None:
    with sqlite_store.write() as session:
        add_rep(session, "Morgan", role="manager")
        contact_id = add_contact(session, [MIAMI], state="FL").id
    give_registry_copy(sqlite_store, dt.date(2026, 11, 20))
    db = sqlite_store.url
    late = "2026-11-25T01:30:00Z"  # 20:30 in Miami
    refused = _cli(
        db,
        "rules",
        "check-dial",
        "--phone",
        MIAMI,
        "--contact",
        str(contact_id),
        "--at",
        late,
        "--json",
    )
    assert refused.returncode == 1
    data = json.loads(refused.stdout)
    assert data["dial"] == "refused" and "Florida" in data["reason"]
    half = _cli(
        db,
        "rules",
        "check-dial",
        "--phone",
        MIAMI,
        "--at",
        late,
        "--override-by",
        "Morgan",
        "--json",
    )
    assert half.returncode == 2 and "--reason" in half.stderr
    overridden = _cli(
        db,
        "rules",
        "check-dial",
        "--phone",
        MIAMI,
        "--contact",
        str(contact_id),
        "--at",
        late,
        "--override-by",
        "Morgan",
        "--reason",
        "asked for 20:30",
        "--json",
    )
    assert overridden.returncode == 0, overridden.stderr
    data = json.loads(overridden.stdout)
    assert data["dial"] == "overridden" and data["override_reason"] == "asked for 20:30"
    fine = _cli(
        db, "rules", "check-dial", "--phone", MIAMI, "--at", "2026-11-24T15:00:00Z", "--json"
    )
    assert fine.returncode == 0 and json.loads(fine.stdout)["dial"] == "allowed"


def test_rules_overview_for_the_rules_screen(sqlite_store: Store) -> None:
    at = dt.datetime(2026, 11, 23, 12, tzinfo=UTC)
    with sqlite_store.write() as session:
        add_contact(session, [])
        session.add_all(
            [
                Campaign(name="Wide", rules={"hours": ["07:00", "22:00"], "max_attempts": 6}),
                Campaign(name="Broken", rules={"days": ["someday"]}),
                DncSnapshot(
                    source="us_national",
                    country="US",
                    file_name="us.txt",
                    file_date=dt.date(2026, 10, 1),
                ),
            ]
        )
        session.flush()
        data = rules_overview(session, at)
    json.dumps(data)
    assert {p["country"] for p in data["packs"]} >= {"US", "CA", "GB"}
    assert data["needs_review"] == 1
    campaigns = {c["name"]: c for c in data["campaigns"]}
    assert campaigns["Wide"]["narrowing"] == {"hours": ["07:00", "22:00"]}
    assert any("can only narrow" in n for n in campaigns["Wide"]["notes"])
    assert "not a day of the week" in campaigns["Broken"]["error"]
    us = next(row for row in data["dnc_snapshots"] if row["country"] == "US")
    assert us["stale"] is True and us["age_days"] == 53
    assert len(data["warnings"]) == 1


def test_caps_count_attempts_read_beforehand_and_read_what_they_do_not_cover(
    store: Store,
) -> None:
    """``known_attempt_times``: attempts a caller read already (the queue, with the contact)
    stand for the store's when they cover the cap's window; a window they do not cover is
    read from the store."""
    from calldesk.rules import apply_caps, cap_horizon, known_attempt_times

    assert cap_horizon() >= 720  # British Columbia: one call in 30 days
    at = ny("2026-11-24 12:05")
    with store.write() as session:
        contact = add_contact(session, [MIAMI], state="FL")
        alice = add_rep(session, "Alice")
        for hour in ("09:00", "11:00", "12:00"):
            add_attempt(session, contact, ny(f"2026-11-24 {hour}"), rep=alice)
        status = locale_status(contact.locale_key, at)
        read = [ny("2026-11-24 09:00"), ny("2026-11-24 11:00"), ny("2026-11-24 12:00")]

        def cap(times) -> str:
            checked = apply_caps(session, status, contact.id, at, times=times)
            return next(c.detail for c in checked.checks if c.rule_id == "us-fl-cap")

        assert cap(None).startswith("3 of 3")
        # Read beforehand over the whole window (one of them left out, to see it is used).
        covering = (at - dt.timedelta(hours=48), at, read[1:])
        assert cap(known_attempt_times(session, contact.id, covering)).startswith("2 of 3")
        # Read from a later start, or up to another moment: the store is asked.
        late = (at - dt.timedelta(hours=2), at, read[1:])
        assert cap(known_attempt_times(session, contact.id, late)).startswith("3 of 3")
        other = (at - dt.timedelta(hours=48), at - dt.timedelta(minutes=1), read[1:])
        assert cap(known_attempt_times(session, contact.id, other)).startswith("3 of 3")
