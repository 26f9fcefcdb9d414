"""Where a contact is: locale keys, NANP area codes, and narrowing zones by the address."""

from __future__ import annotations

import csv
from zoneinfo import ZoneInfo

import pytest

from calldesk import paths
from calldesk.locale import (
    Locale,
    derive_locale,
    locate,
    nanp_country,
    nanp_states,
    nanp_zones,
    number_country,
    number_zones,
    parse_key,
    region_code,
    region_zones,
)


def test_key_round_trip() -> None:
    locale = Locale("US", ("FL", "TX"), ("America/Chicago", "America/New_York"))
    assert locale.key == "US|FL,TX|America/Chicago,America/New_York"
    assert parse_key(locale.key) == locale
    assert parse_key("GB||Europe/London") == Locale("GB", (), ("Europe/London",))


@pytest.mark.parametrize(
    ("number", "states", "country"),
    [
        ("+13055550123", ("FL",), "US"),
        ("+14055550123", ("OK",), "US"),
        ("+14105550123", ("MD",), "US"),
        ("+14165550123", ("ON",), "CA"),
        ("+19025550123", ("NS", "PE"), "CA"),
        ("+18005550123", (), None),  # toll-free: no place
        ("+447700900123", (), None),  # not NANP
        ("3055550123", (), None),  # not E.164
    ],
)
def test_nanp_states(number: str, states: tuple[str, ...], country: str | None) -> None:
    assert nanp_states(number) == states
    assert nanp_country(number) == country


def test_phonenumbers_errors_are_corrected_by_the_table() -> None:
    # Published libphonenumber bugs: 623 Arizona -> Denver, 551 New Jersey -> Los Angeles,
    # 308 Nebraska spans Central and Mountain.
    assert nanp_zones("+16235550100") == ("America/Phoenix",)
    assert nanp_zones("+15515550100") == ("America/New_York",)
    assert set(nanp_zones("+13085550100")) == {"America/Chicago", "America/Denver"}
    assert set(nanp_zones("+18505550100")) == {"America/New_York", "America/Chicago"}


def test_area_code_table_is_consistent() -> None:
    path = paths.resource("nanp_area_codes.csv")
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(line for line in handle if not line.startswith("#")))
    assert len(rows) > 400
    codes = [r["area_code"] for r in rows]
    assert len(codes) == len(set(codes))
    for row in rows:
        assert row["country"] in ("US", "CA")
        plausible = {z for s in row["regions"].split("|") for z in region_zones(row["country"], s)}
        assert plausible, row
        for zone in row["zones"].split("|"):
            ZoneInfo(zone)
            assert zone in plausible, row  # a number's zone is one its state keeps


def test_number_zones_outside_nanp() -> None:
    assert number_zones("+442079460000") == ("Europe/London",)
    assert number_country("+442079460000") == "GB"
    assert number_zones("+18005550100") == ()  # toll-free lists every zone: no information
    assert number_zones("not a number") == ()


def test_locate_records_where_each_value_came_from() -> None:
    placement = locate("US", "TX", ["+13055550123"])
    assert placement.locale is not None
    assert placement.locale.states == ("FL", "TX")
    assert placement.state_sources == {"TX": ["address"], "FL": ["area code of +13055550123"]}
    assert placement.zone_sources["America/New_York"] == ["number +13055550123"]
    assert placement.zone_sources["America/Chicago"] == ["address state TX"]


def test_address_narrows_a_multi_zone_number() -> None:
    # 850 (Florida panhandle) spans Eastern and Central; a Florida address keeps both, an
    # address in Alabama (Central) adds nothing new but Alabama's rules.
    both = locate("US", None, ["+18505550100"])
    assert both.locale is not None
    assert set(both.locale.zones) == {"America/New_York", "America/Chicago"}
    # 308 with a Nebraska address keeps both Nebraska zones (no postal code to narrow further).
    ne = locate("US", "NE", ["+13085550100"])
    assert ne.locale is not None and set(ne.locale.zones) == {"America/Chicago", "America/Denver"}


def test_derive_locale_narrows_wrong_phone_zones_by_address() -> None:
    # phonenumbers once said Los Angeles for 551 (New Jersey); the address says New Jersey.
    locale, reason = derive_locale("US", "NJ", [("America/Los_Angeles",)], ("NJ",))
    assert reason is None and locale is not None
    assert locale.zones == ("America/New_York",)
    # A Californian mobile, address in New Jersey: both places apply.
    locale, _ = derive_locale("US", "NJ", [("America/Los_Angeles",)], ("CA",))
    assert locale is not None
    assert set(locale.zones) == {"America/Los_Angeles", "America/New_York"}
    # Without an address nothing is narrowed.
    locale, _ = derive_locale("US", None, [("America/Denver",)], ("AZ",))
    assert locale is not None and locale.zones == ("America/Denver",)


def test_address_alone_gives_zones_of_its_state() -> None:
    locale, reason = derive_locale("US", "OK", [], ())
    assert reason is None and locale is not None and locale.zones == ("America/Chicago",)


@pytest.mark.parametrize(
    ("country", "state", "numbers", "reason"),
    [
        (None, None, [], "country unknown"),
        ("US", None, [], "time zone unknown"),
        ("US", None, ["+18005550100"], "time zone unknown"),
        ("US", "ZZ", [], "time zone unknown"),
    ],
)
def test_unknown_place_fails_closed(country, state, numbers, reason) -> None:
    placement = locate(country, state, numbers)
    assert placement.locale is None
    assert placement.reason is not None and placement.reason.startswith(reason)


def test_manual_zone_override_replaces_zones() -> None:
    placement = locate("US", None, ["+18005550100"], zone_override="America/Chicago")
    assert placement.locale is not None and placement.locale.zones == ("America/Chicago",)
    assert placement.zone_sources == {"America/Chicago": ["set by hand"]}


@pytest.mark.parametrize(
    ("country", "text", "code"),
    [
        ("US", "Florida", "FL"),
        ("US", "fla.", "FL"),
        ("US", "US-FL", "FL"),
        ("US", " fl ", "FL"),
        ("US", "Massachuse", "MA"),  # cut at 10 characters by the list's column
        ("US", "West Virgi", "WV"),
        ("US", "Virginia", "VA"),
        ("US", "Washington DC", "DC"),
        ("CA", "Québec", "QC"),
        (None, "Ontario", "ON"),
        ("GB", "Northern Ireland", "NIR"),
        ("GB", "LND", "LND"),  # a county code: kept, matches no rule
        ("US", "Zzz", "ZZZ"),
        ("US", "", None),
    ],
)
def test_region_code(country, text, code) -> None:
    assert region_code(country, text) == code


def test_state_written_out_still_brings_its_rules() -> None:
    # A Dallas number with the address state spelled out: Florida's rules must apply.
    placement = locate("US", "Florida", ["+12145550100"])
    assert placement.locale is not None and placement.locale.states == ("FL", "TX")
    locale, _ = derive_locale("US", None, [("America/Chicago",)], ("Oklahoma", "TX"))
    assert locale is not None and locale.states == ("OK", "TX")
