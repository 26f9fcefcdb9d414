"""The phone fast path gives exactly what full phonenumbers gives, on real and generated numbers."""

from __future__ import annotations

import csv
import random

import phonenumbers
import pytest
from phonenumbers import timezone

from calldesk.phones.normalizer import PhoneNormalizer
from calldesk.phones.numbers import NANP_REGIONS, parse_phone
from calldesk.phones.prefixes import NanpShortcut, pattern_depth
from tests.conftest import REALWORLD

PHONES = REALWORLD / "phone-formats"


def _corpus() -> list[tuple[str, str]]:
    """(raw text, default country) for every number in the shared phone corpus."""
    cases: list[tuple[str, str]] = []
    with open(PHONES / "libphonenumber_examples_combined.csv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            region = row["region"] if len(row["region"]) == 2 else "US"
            cases.append((row["national_significant_number"], region))
            cases.append((row["e164"], "US"))
            cases.append((row["e164"], "GB"))
    for name, column in (
        ("phony_normalize_cases.csv", "input"),
        ("phony_plausibility_cases.csv", "input"),
        ("phony_vanity_cases.csv", "input"),
    ):
        with open(PHONES / name, encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                for region in ("US", "CH", "DE"):
                    cases.append((row[column], region))
    for path in sorted((PHONES / "libphonenumber-metadata-examples").glob("*.csv")):
        with open(path, encoding="utf-8") as handle:
            rows = csv.reader(handle, delimiter=";")
            next(rows, None)
            for row in rows:
                if len(row) < 3:
                    continue
                region, number = row[0].strip(), row[2].strip().strip('"')
                if len(region) == 2 and number:
                    cases.append((number, region))
                    cases.append((number, "US"))
    return cases


def _generated(seed: int, count: int) -> list[tuple[str, str]]:
    """North American numbers over every area code 200-999, in every common written shape,
    valid and not, with US, Canadian and Caribbean lists, plus near-shapes."""
    rng = random.Random(seed)
    shapes = (
        "({a}) {b}-{c}",
        "{a}-{b}-{c}",
        "{a}.{b}.{c}",
        "+1 {a} {b} {c}",
        "1-{a}-{b}-{c}",
        "{a}{b}{c}",
        "+1{a}{b}{c}",
        "({a}){b}-{c}",
        " {a} {b} {c} ",
        "1 ({a}) {b}-{c}",
        "+1-{a}-{b}-{c}",
        "1{a}{b}{c}",
        # near-shapes that must take the full parse (or give the same answer)
        "{a}-{b}-{c} x12",
        "+{a} {b} {c}",
        "({a}) {b} - {c}",
        "{a}/{b}/{c}",
        "011 1 {a} {b} {c}",
        "{b}-{c}",
    )
    cases = []
    regions = ("US", "US", "US", "CA", "JM", "GB")
    for i in range(count):
        area = f"{200 + i % 800}"
        exchange = f"{rng.randint(0, 999):03d}"
        line = f"{rng.randint(0, 9999):04d}"
        shape = rng.choice(shapes)
        cases.append((shape.format(a=area, b=exchange, c=line), rng.choice(regions)))
    return cases


def _plain_phonenumbers(raw: str, region: str) -> tuple[object, ...] | None:
    """What the textbook phonenumbers calls say, one number at a time (the reference)."""
    if not raw.strip():
        return None
    try:
        number = phonenumbers.parse(raw.strip(), region)
    except phonenumbers.NumberParseException:
        return (None, None, False, None, None, ())
    extension = number.extension or None
    if not phonenumbers.is_valid_number(number):
        return (None, extension, False, None, None, ())
    zones = tuple(z for z in timezone.time_zones_for_number(number) if z != "Etc/Unknown")
    kind = phonenumbers.number_type(number)
    name = next(k for k, v in vars(phonenumbers.PhoneNumberType).items() if v == kind)
    return (
        phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
        extension,
        True,
        name,
        phonenumbers.region_code_for_number(number),
        zones,
    )


def _fields(info: object) -> tuple[object, ...] | None:
    if info is None:
        return None
    return (info.e164, info.extension, info.valid, info.number_type, info.region, info.time_zones)


def _assert_same(cases: list[tuple[str, str]]) -> int:
    by_region: dict[str, list[str]] = {}
    for raw, region in cases:
        by_region.setdefault(region, []).append(raw)
    shortcut = 0
    for region, raws in by_region.items():
        normalizer = PhoneNormalizer(region)
        fast = normalizer.normalize_many(raws)
        one_by_one = PhoneNormalizer(region)
        single = [one_by_one.normalize(raw) for raw in raws[:2000]]
        for raw, got in zip(raws, fast, strict=True):
            full = parse_phone(raw, region)
            assert got == full, (raw, region)
            plain = _plain_phonenumbers(raw, region)
            if full is not None and full.note and not (plain and plain[2]):
                # Deliberate: an international prefix written instead of "+" ("0041 44 ...")
                # is read as "+41 44 ..." when that is a valid number; phonenumbers agrees on
                # the "+" text, and refused the text as written.
                prefix = full.note.split()[2]
                plus = "+" + raw.strip()[len(prefix) :].lstrip(" -./)")
                assert _fields(full) == _plain_phonenumbers(plus, region), (raw, region)
                continue
            assert _fields(full) == plain, (raw, region)
        for raw, got in zip(raws[:2000], single, strict=True):
            assert got == parse_phone(raw, region), (raw, region)
        shortcut += normalizer.shortcut_hits
    return shortcut


def test_fast_path_equals_phonenumbers_on_the_shared_corpus() -> None:
    cases = _corpus()
    assert len(cases) > 3000
    assert _assert_same(cases) > 100  # the North American examples took the shortcut


def test_fast_path_equals_phonenumbers_on_generated_numbers() -> None:
    cases = _generated(seed=2026, count=16_000)
    hits = _assert_same(cases)
    assert hits > 8_000


def test_deciding_prefix_is_short_for_common_areas_and_exact_for_islands() -> None:
    shortcut = NanpShortcut()
    assert len(shortcut.deciding_prefix("2125550147")) <= 6
    # Antigua's numbers are told apart several digits deep: the prefix must go that far.
    assert len(shortcut.deciding_prefix("2684601234")) >= 5
    assert shortcut.keys_seen == 0


def test_pattern_depth_counts_only_digit_tests() -> None:
    assert pattern_depth(r"[2-9]\d{9}", "", 10) == 1
    assert pattern_depth(r"212[2-9]\d{6}", "212", 10) == 4
    assert pattern_depth(r"212[2-9]\d{6}", "305", 10) == 0  # no path is consistent
    assert pattern_depth(r"(?:2(?:0[1-3]|1[02-9]))\d{7}", "21", 10) == 3


@pytest.mark.parametrize(
    ("raw", "region", "e164", "valid"),
    [
        ("(212) 155-0147", "US", None, False),  # no exchange starts with 1
        ("(212) 736-5000", "US", "+12127365000", True),
        ("1-212-736-5000", "US", "+12127365000", True),
        ("+1 416 155 0199", "GB", None, False),
        ("+1 416 736 2100", "GB", "+14167362100", True),
        ("020 7946 0958", "GB", "+442079460958", True),
        ("12345", "US", None, False),
        ("n/a", "US", None, False),
    ],
)
def test_invalid_numbers_keep_raw_text_and_a_reason(
    raw: str, region: str, e164: str | None, valid: bool
) -> None:
    info = PhoneNormalizer(region).normalize_many([raw])[0]
    assert info is not None
    assert info.raw == raw
    assert info.valid is valid
    assert info.e164 == e164
    if not valid:
        assert info.reason
    else:
        assert info.time_zones


def test_extension_is_kept() -> None:
    info = parse_phone("212-736-5000 ext. 42", "US")
    assert info is not None and info.e164 == "+12127365000" and info.extension == "42"


def test_nanp_regions_cover_canada_and_caribbean() -> None:
    assert {"US", "CA", "JM", "PR"} <= NANP_REGIONS


def test_extensions_take_the_shortcut_and_equal_the_full_parse() -> None:
    bases = ["212-736-5000", "(604) 836-0349", "+1 907 555 1212", "212.155.0147", "8005550100"]
    marks = [" x", "x", " ext ", " ext. ", "#", " # ", " X", " EXT. ", " extension "]
    digits = ["4", "42", "4242", "1234567", "12345678"]
    raws = [f"{b}{m}{d}{t}" for b in bases for m in marks for d in digits for t in ("", " ")]
    for region in ("US", "CA", "GB"):
        normalizer = PhoneNormalizer(region)
        got = normalizer.normalize_many(raws)
        for raw, info in zip(raws, got, strict=True):
            assert info == parse_phone(raw, region), (raw, region)
        if region != "GB":
            # x / ext / ext. / # with up to 7 digits, lower case: the shortcut (no full parse).
            assert normalizer.shortcut_hits >= len(bases) * 5 * 4 * 2


def test_double_zero_before_a_north_american_number_equals_the_full_parse() -> None:
    # "001-212-736-5000" from the US: "00" + 1 and the number, or "001" + another country
    # ("001-203-..." is Egypt's +20); the shortcut answers the first reading only.
    from calldesk.places import _area_codes

    rng = random.Random(11)
    codes = [*sorted(_area_codes()), "555", "800", "911", "200"]
    raws = []
    for code in codes:
        rest = f"{rng.randint(100, 999)}{rng.randint(0, 9999):04d}"
        sep = rng.choice(["-", " ", ".", ""])
        head = rng.choice(["001", "001 ", "001-", " 001 "])
        area = rng.choice([f"({code}) ", code + sep])
        raws.append(f"{head}{area}{rest[:3]}{sep}{rest[3:]}")
    for region in ("US", "CA"):
        normalizer = PhoneNormalizer(region)
        for raw, info in zip(raws, normalizer.normalize_many(raws), strict=True):
            assert info == parse_phone(raw, region), (raw, region)
    readings = {parse_phone(raw, "US").note for raw in raws}  # type: ignore[union-attr]
    assert "international prefix 00 + country code 1" in readings
    assert any(note and note.startswith("international prefix 001 +") for note in readings)
