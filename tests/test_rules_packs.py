"""Rule packs as data: the shipped packs, validation messages, and a manager's override."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from calldesk.rules import active_packs, clear_caches, locale_status, shipped_packs
from calldesk.rules.packs import (
    RulePackError,
    format_week_hours,
    load_pack_file,
    override_dir,
    parse_pack,
)

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _fresh_packs() -> Iterator[None]:
    clear_caches()
    yield
    clear_caches()


def test_shipped_packs_are_valid_and_sourced() -> None:
    packs = shipped_packs()
    assert {"US", "CA", "GB"} <= set(packs)
    for pack in packs.values():
        assert pack.dnc_refresh_days in (28, 31)
        for rule in pack.rules:
            assert rule.source.strip() and rule.effective <= dt.date(2026, 11, 23)
            if "vendor table" in rule.source:
                assert rule.effective_note, rule.id  # says the statute's date was not verified
    us = packs["US"]
    assert {r.cap.calls for r in us.rules if r.cap} == {3}
    assert {s for r in us.rules if r.cap for s in r.states} == {"FL", "OK", "MD", "OR"}
    assert packs["US"].rules_for(("FL",))[0].id == "us-federal"
    assert {r.id for r in us.rules_for(("TX",))} == {"us-federal", "us-tx"}


def test_every_pack_file_loads_on_its_own() -> None:
    for path in sorted((REPO / "resources" / "rules").glob("*.yaml")):
        pack = load_pack_file(path)
        assert path.stem.upper() == pack.country


GOOD_RULE = {
    "id": "x",
    "name": "X",
    "hours": {"daily": "08:00-21:00"},
    "source": "a statute",
    "effective": "2020-01-01",
}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"hours": {"daily": "8-21"}}, 'not written "HH:MM-HH:MM"'),
        ({"hours": {"daily": "21:00-08:00"}}, "end before they start"),
        ({"hours": {"daily": "08:00-25:00"}}, "not a time of day"),
        ({"hours": {"someday": "08:00-21:00"}}, "unknown day"),
        ({"source": ""}, "source is required"),
        ({"effective": "last year"}, "not a date"),
        ({"cap": {"calls": 0, "hours": 24}}, "cap must be"),
        ({"clock": "Mars/Olympus"}, "unknown time zone"),
        ({"closed_on_holidays": "yes"}, "true or false"),
        ({"exec": "rm -rf /"}, "unknown key"),
    ],
)
def test_invalid_rule_is_refused_with_where_and_why(change: dict, message: str) -> None:
    data = {"country": "US", "rules": [{**GOOD_RULE, **change}]}
    with pytest.raises(RulePackError, match=message) as info:
        parse_pack(data, "us.yaml")
    assert str(info.value).startswith("us.yaml rule")


def test_invalid_pack_shapes() -> None:
    with pytest.raises(RulePackError, match="country"):
        parse_pack({"country": "USA", "rules": [GOOD_RULE]}, "x.yaml")
    with pytest.raises(RulePackError, match="non-empty list"):
        parse_pack({"country": "US", "rules": []}, "x.yaml")
    with pytest.raises(RulePackError, match="id used twice"):
        parse_pack({"country": "US", "rules": [GOOD_RULE, GOOD_RULE]}, "x.yaml")


def test_week_hours_in_plain_words() -> None:
    pack = shipped_packs()
    assert format_week_hours(pack["US"].rules[0].hours) == "daily 08:00-21:00"
    assert (
        format_week_hours(pack["CA"].rules[0].hours) == "Mon-Fri 09:00-21:30, Sat-Sun 10:00-18:00"
    )
    gb = format_week_hours(pack["GB"].rules[0].hours)
    assert gb == "Mon-Fri 08:00-21:00, Sat 09:00-21:00, Sun closed"


def test_manager_override_replaces_the_shipped_pack() -> None:
    at = dt.datetime(2026, 11, 24, 14, 30, tzinfo=dt.UTC)  # 09:30 in Toronto
    assert locale_status("CA|ON|America/Toronto", at).allowed
    folder = override_dir()
    folder.mkdir(parents=True, exist_ok=True)
    pack = {
        "country": "CA",
        "name": "Canada (team policy)",
        "dnc_refresh_days": 31,
        "rules": [{**GOOD_RULE, "id": "ca-team", "hours": {"daily": "10:00-18:00"}}],
    }
    (folder / "ca.yaml").write_text(yaml.safe_dump(pack), encoding="utf-8")
    (folder / "gb.yaml").write_text("country: GB\nrules: nope\n", encoding="utf-8")
    clear_caches()
    in_use = active_packs()
    assert in_use.overridden == ("CA",)
    assert in_use.packs["CA"].path.startswith("override")
    assert len(in_use.problems) == 1 and "gb.yaml" in in_use.problems[0]
    assert in_use.packs["GB"] is shipped_packs()["GB"]  # the broken override is not used
    status = locale_status("CA|ON|America/Toronto", at)
    assert not status.allowed and "ca-team" in {c.rule_id for c in status.checks}
