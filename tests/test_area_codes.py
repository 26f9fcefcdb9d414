"""The area code table checked as a whole: against phonenumbers' time zone metadata, against
the zones of the state it serves, and against NANPA's overlay complexes (resources).

What the check found and resources/nanp_area_codes.csv now says (issue 14, "2026 review"):
689 Orlando overlay -> Eastern (phonenumbers: Central); 448 Panhandle overlay -> Eastern and
Central (was Eastern only); 257 BC-wide overlay -> every BC zone (was Vancouver only); 807
northwestern Ontario -> adds Atikokan (Eastern without DST); 907 Alaska -> every Alaska zone.
"""

from __future__ import annotations

import csv

import phonenumbers
import pytest
from phonenumbers import timezone

from calldesk import paths
from calldesk.places import nanp_zones, region_zones


def _rows(name: str) -> list[dict[str, str]]:
    with paths.resource(name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(line for line in handle if not line.startswith("#")))


TABLE = {row["area_code"]: row for row in _rows("nanp_area_codes.csv")}
OVERLAYS = {row["complex"]: row["area_codes"].split("|") for row in _rows("nanp_overlays.csv")}


def _zones(code: str) -> set[str]:
    return set(TABLE[code]["zones"].split("|"))


def _plausible(code: str) -> set[str]:
    row = TABLE[code]
    return {z for s in row["regions"].split("|") for z in region_zones(row["country"], s)}


def _phonenumbers_zones(code: str) -> set[str]:
    found: set[str] = set()
    for exchange in ("201", "555", "734", "986"):
        number = phonenumbers.parse(f"+1{code}{exchange}0100")
        found |= {z for z in timezone.time_zones_for_number(number) if z != "Etc/Unknown"}
    return set() if len(found) > 6 else found


def test_every_zone_of_the_table_is_kept_in_the_state_it_serves() -> None:
    wrong = {code: _zones(code) - _plausible(code) for code in TABLE}
    assert {code: zones for code, zones in wrong.items() if zones} == {}


def test_the_table_disagrees_with_phonenumbers_only_where_a_note_says_why() -> None:
    unexplained = []
    for code, row in TABLE.items():
        metadata = _phonenumbers_zones(code) & _plausible(code)
        if metadata and metadata != _zones(code) and not row["note"].strip():
            unexplained.append((code, sorted(_zones(code)), sorted(metadata)))
    assert unexplained == []


@pytest.mark.parametrize("complex_name", sorted(OVERLAYS))
def test_codes_of_one_overlay_complex_share_their_zones(complex_name: str) -> None:
    codes = [c for c in OVERLAYS[complex_name] if c in TABLE]
    assert len(codes) >= 2, f"{complex_name}: the table should hold its codes"
    assert len({frozenset(_zones(c)) for c in codes}) == 1, {c: _zones(c) for c in codes}


@pytest.mark.parametrize(
    ("code", "zones"),
    [
        ("689", {"America/New_York"}),
        ("448", {"America/New_York", "America/Chicago"}),
        ("850", {"America/New_York", "America/Chicago"}),
        ("257", _zones("250")),
        ("807", {"America/Winnipeg", "America/Toronto", "America/Atikokan"}),
    ],
)
def test_corrected_area_codes(code: str, zones: set[str]) -> None:
    assert set(nanp_zones(f"+1{code}5550100")) == zones
