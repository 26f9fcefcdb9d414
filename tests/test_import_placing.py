"""The import's quick placement of North American numbers equals calldesk.places.locate."""

from __future__ import annotations

import csv
import random

from calldesk import places
from calldesk.importing.placing import info_entry, nanp_locale, table_entry
from calldesk.phones import PhoneNormalizer
from tests.conftest import REALWORLD

STATES = [None, "", "NY", "ny", "Florida", "fla.", "US-FL", "ON", "Ontario", "QC", "BC", "TX"]
STATES += ["Massachuse", "PR", "GU", "ZZ", "England", "n/a", "CA", "WA", "AK", "HI", "NS"]
COUNTRIES = [None, "", "US", "us", "CA", "GB", "MX", "ZZ", " us "]


def _expected(country: str | None, state: str | None, numbers: list[str]) -> tuple[object, ...]:
    placement = places.locate(country, state or None, numbers)
    return (placement.locale.key if placement.locale else None, placement.reason)


def test_every_area_code_alone_under_every_state_and_country() -> None:
    codes = sorted(places._area_codes())
    assert len(codes) > 300
    decided = 0
    for code in codes:
        entry = table_entry(code)
        if entry is None:
            continue
        decided += 1
        number = f"+1{code}5550147"
        for state in STATES:
            for country in COUNTRIES:
                got = nanp_locale(country, state or None, [entry])
                assert got == _expected(country, state, [number]), (code, state, country)
    assert decided > 300


def test_two_and_three_numbers_in_any_order() -> None:
    rng = random.Random(18)
    codes = [c for c in sorted(places._area_codes()) if table_entry(c)]
    for _ in range(6000):
        picked = [rng.choice(codes) for _ in range(rng.choice((2, 2, 3)))]
        state, country = rng.choice(STATES), rng.choice(COUNTRIES)
        entries = [table_entry(c) for c in picked]
        numbers = [f"+1{c}{rng.randint(200, 999)}{rng.randint(0, 9999):04d}" for c in picked]
        got = nanp_locale(country, state or None, entries)  # type: ignore[arg-type]
        assert got == _expected(country, state, numbers), (picked, state, country)


def test_numbers_of_one_country_place_alike_in_any_order() -> None:
    # The importer's cache shares one key between orders of numbers of one country.
    rng = random.Random(181)
    codes = [c for c in sorted(places._area_codes()) if table_entry(c)]
    by_country: dict[str, list[str]] = {}
    for code in codes:
        by_country.setdefault(table_entry(code)[0], []).append(code)  # type: ignore[index]
    checked = 0
    for country_codes in by_country.values():
        for _ in range(3000 if len(country_codes) > 1 else 0):
            picked = [rng.choice(country_codes) for _ in range(rng.choice((2, 2, 3)))]
            state, country = rng.choice(STATES), rng.choice(COUNTRIES)
            entries = [table_entry(c) for c in picked]
            want = nanp_locale(country, state or None, entries)  # type: ignore[arg-type]
            for order in (entries[::-1], sorted(entries), rng.sample(entries, len(entries))):
                assert nanp_locale(country, state or None, order) == want, (picked, state)  # type: ignore[arg-type]
            checked += 1
    assert checked >= 6000


def _corpus_numbers() -> list[str]:
    path = REALWORLD / "phone-formats" / "libphonenumber_examples_combined.csv"
    with open(path, encoding="utf-8") as handle:
        return [row["e164"] for row in csv.DictReader(handle)]


def test_numbers_outside_the_table_placed_from_their_own_analysis() -> None:
    raws = _corpus_numbers()
    assert len(raws) > 1000
    infos = PhoneNormalizer("US").normalize_many(raws)
    decided = 0
    rng = random.Random(5)
    codes = [c for c in sorted(places._area_codes()) if table_entry(c)]
    for info in infos:
        entry = info_entry(info) if info is not None else None
        if entry is None:
            continue
        decided += 1
        for country, state in ((None, None), ("US", "NY"), ("GB", "England"), ("CA", "ON")):
            got = nanp_locale(country, state, [entry])
            assert got == _expected(country, state, [info.e164]), (info.e164, country, state)
        # Beside a North American number, in either order.
        code = rng.choice(codes)
        nanp = f"+1{code}5550147"
        state, country = rng.choice(STATES), rng.choice(COUNTRIES)
        table = table_entry(code)
        assert nanp_locale(country, state or None, [entry, table]) == _expected(  # type: ignore[list-item]
            country, state, [info.e164, nanp]
        )
        assert nanp_locale(country, state or None, [table, entry]) == _expected(  # type: ignore[list-item]
            country, state, [nanp, info.e164]
        )
    assert decided > 1000  # most of the world's example numbers
