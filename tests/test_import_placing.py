"""The import's quick placement of North American numbers equals calldesk.places.locate."""

from __future__ import annotations

import random

from calldesk import places
from calldesk.importing.placing import nanp_locale, table_entry

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
