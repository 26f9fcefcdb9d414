"""Per-prefix answers for "+<country code>" numbers and international-prefix forms equal the
full parse: generated numbers of every shape, each compared with :func:`parse_phone`."""

from __future__ import annotations

import random

import phonenumbers
from phonenumbers import PhoneNumberFormat, PhoneNumberType
from phonenumbers.data import _COUNTRY_CODE_TO_REGION_CODE

from calldesk.phones.normalizer import PhoneNormalizer
from calldesk.phones.numbers import parse_phone
from calldesk.phones.prefixes import CountryCodeShortcut

_TYPES = (
    PhoneNumberType.FIXED_LINE,
    PhoneNumberType.MOBILE,
    PhoneNumberType.TOLL_FREE,
    PhoneNumberType.VOIP,
    PhoneNumberType.PREMIUM_RATE,
)


def _examples() -> list[tuple[int, str]]:
    """(country code, national significant number) of every example number in the metadata."""
    found = []
    for code, regions in sorted(_COUNTRY_CODE_TO_REGION_CODE.items()):
        for region in regions:
            for kind in _TYPES:
                if region == "001":
                    example = phonenumbers.example_number_for_non_geo_entity(code)
                else:
                    example = phonenumbers.example_number_for_type(region, kind)
                if example is not None:
                    found.append((code, phonenumbers.national_significant_number(example)))
    return found


def _vary(rng: random.Random, nsn: str) -> str:
    """The example with its tail replaced by random digits, sometimes a digit short or long."""
    keep = rng.randint(0, len(nsn))
    digits = nsn[:keep] + "".join(rng.choice("0123456789") for _ in range(len(nsn) - keep))
    roll = rng.random()
    if roll < 0.1:
        return digits[:-1]
    if roll < 0.2:
        return digits + rng.choice("0123456789")
    return digits


def _written(rng: random.Random, code: int, nsn: str) -> str:
    """The number written with "+" the ways people write it."""
    shape = rng.randrange(9)
    if shape == 0:
        return f"+{code}{nsn}"
    if shape == 1:
        return f"+{code} {nsn}"
    if shape == 2:
        return f"+{code} (0){nsn}"
    if shape == 3:
        return f"+{code} 0{nsn}"
    if shape == 4:
        return f" +{code}-{nsn[:3]}-{nsn[3:]} "
    if shape == 5:
        return f"+{code}.{nsn[:2]}.{nsn[2:5]}.{nsn[5:]}".rstrip(".")
    if shape == 6:
        return f"+{code} ({nsn[:3]}) {nsn[3:]}"
    if shape == 7:
        number = phonenumbers.PhoneNumber(country_code=code, national_number=int(nsn or "0"))
        return phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)
    return f"+{code}  {nsn[:4]}  {nsn[4:]} x{rng.randint(1, 999)}"


def _idd_written(rng: random.Random, code: int, nsn: str) -> str:
    """The number written with an international prefix instead of "+"."""
    prefix = rng.choice(["00", "011", "001", "0011", "010", "810"])
    sep = rng.choice(["", " ", "-", " - ", "."])
    return f"{prefix}{sep}{code}{rng.choice(['', ' ', '-'])}{nsn}"


def _nanp(rng: random.Random) -> str:
    area = rng.choice(
        [f"{rng.randint(200, 999)}", "212", "416", "604", "268", "876", "203", "441", "800"]
    )
    return f"{area}{rng.randint(0, 999):03d}{rng.randint(0, 9999):04d}"


def _assert_equal_to_full_parse(raws: list[str], regions: tuple[str, ...]) -> list[int]:
    full_parses = []
    for region in regions:
        normalizer = PhoneNormalizer(region, prefix_after=0)
        got = normalizer.normalize_many(raws)
        for raw, info in zip(raws, got, strict=True):
            assert info == parse_phone(raw, region), (raw, region)
        one_by_one = PhoneNormalizer(region, prefix_after=0)
        for raw in raws[:3000]:
            assert one_by_one.normalize(raw) == parse_phone(raw, region), (raw, region)
        full_parses.append(normalizer.full_parses)
    return full_parses


def test_country_code_numbers_equal_the_full_parse() -> None:
    rng = random.Random(2026)
    examples = _examples()
    assert len(examples) > 500
    raws = []
    for _ in range(4):
        for code, nsn in examples:
            raws.append(_written(rng, code, _vary(rng, nsn)))
    # Random digits after random country codes, valid or not.
    codes = sorted(_COUNTRY_CODE_TO_REGION_CODE)
    for _ in range(3000):
        length = rng.randint(2, 16)
        digits = "".join(rng.choice("0123456789") for _ in range(length))
        raws.append(_written(rng, rng.choice(codes), digits))
    full = _assert_equal_to_full_parse(raws, ("US", "GB", "DE"))
    # Most of them are answered per prefix.
    assert max(full) < len(set(raws)) // 2


def test_same_prefix_numbers_share_one_answer() -> None:
    rng = random.Random(7)
    raws = [f"+44 20 7946 {rng.randint(0, 9999):04d}" for _ in range(500)]
    raws += [f"+49 30 {rng.randint(1000000, 9999999)}" for _ in range(500)]
    normalizer = PhoneNormalizer("US", prefix_after=0)
    got = normalizer.normalize_many(raws)
    assert [g.e164 for g in got] == [parse_phone(r, "US").e164 for r in raws]  # type: ignore[union-attr]
    assert normalizer.full_parses == 0
    assert normalizer.country_codes.keys_seen < 50


def test_international_prefix_forms_equal_the_full_parse() -> None:
    rng = random.Random(18)
    examples = _examples()
    raws = []
    for _ in range(3000):
        nanp = _nanp(rng)
        sep = rng.choice(["-", " ", ".", ""])
        head = rng.choice(["001", "001-", "001 ", " 001 ", "00 1 ", "011 1 ", "0011 "])
        area = rng.choice([f"({nanp[:3]}) ", nanp[:3] + sep])
        raws.append(f"{head}{area}{nanp[3:6]}{sep}{nanp[6:]}")
    for code, nsn in rng.sample(examples, 600):
        raws.append(_idd_written(rng, code, _vary(rng, nsn)))
    _assert_equal_to_full_parse(raws, ("US", "CA", "GB"))


def test_double_zero_one_numbers_take_no_full_parse() -> None:
    # "001-212-736-4350" from the US and Canada: "00" + a North American number, or "001" +
    # another country code; both readings are answered per prefix.
    rng = random.Random(3)
    raws = []
    for _ in range(2000):
        area = rng.choice(["212", "416", "604", "305", "713", "809", "203", "441", "907"])
        exchange, line = rng.randint(200, 999), rng.randint(0, 9999)
        raws.append(f"001-{area}-{exchange}-{line:04d}")
    full = _assert_equal_to_full_parse(raws, ("US", "CA"))
    assert max(full) < len(set(raws)) // 10


def test_invalid_area_codes_and_odd_punctuation_equal_the_full_parse() -> None:
    rng = random.Random(5)
    raws = []
    for _ in range(3000):
        nanp = _nanp(rng)
        area = f"{rng.choice('01')}{nanp[1:3]}"
        shape = rng.randrange(6)
        if shape == 0:
            raws.append(f"({area}) {nanp[3:6]}-{nanp[6:]}")
        elif shape == 1:
            raws.append(f"{area}-{nanp[3:6]}-{nanp[6:]}")
        elif shape == 2:
            raws.append(f"+1 {area} {nanp[3:6]} {nanp[6:]}")
        elif shape == 3:
            raws.append(f"+1 ({nanp[:3]}) {nanp[3:6]}-{nanp[6:]} ext. {rng.randint(1, 9999)}")
        elif shape == 4:
            raws.append(f"+1 ({nanp[:3]})  {nanp[3:6]}..{nanp[6:]}")
        else:
            raws.append(f"+({nanp[:3]}) {nanp[3:]}")
    _assert_equal_to_full_parse(raws, ("US", "CA", "GB"))


def test_non_geographic_and_rewriting_countries_take_the_full_parse() -> None:
    shortcut = CountryCodeShortcut()
    assert shortcut.info("+800 1234 5678") is None  # non-geographic: no region metadata
    assert shortcut.info("+44 20 7946 0958 ext 12") is None  # text other than digits
    found = shortcut.info("+44 20 7946 0958")
    assert found is not None and found[1] == 44
    assert found[0] == parse_phone("+44 20 7946 0958", "US")


def _national_written(rng: random.Random, region: str, nsn: str) -> str:
    """The number as written on a list of ``region``: national format, bare digits, with the
    national prefix, local parts, odd punctuation."""
    shape = rng.randrange(7)
    if shape == 0:
        try:
            number = phonenumbers.parse(nsn, region)
        except phonenumbers.NumberParseException:
            return nsn
        return phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)
    if shape == 1:
        return nsn
    if shape == 2:
        return f"0{nsn}"
    if shape == 3:
        return f"({nsn[:3]}) {nsn[3:6]}-{nsn[6:]}".rstrip("-")
    if shape == 4:
        return f"{nsn[:3]}.{nsn[3:]}"
    if shape == 5:
        return f" 1 {nsn[:4]} {nsn[4:]} "
    return f"{rng.choice(['0', '8', '00', '011', '1'])}{nsn}"


def test_national_numbers_equal_the_full_parse() -> None:
    rng = random.Random(99)
    by_region: dict[str, list[str]] = {}
    for regions in _COUNTRY_CODE_TO_REGION_CODE.values():
        for region in regions:
            if region == "001":
                continue
            for kind in _TYPES:
                example = phonenumbers.example_number_for_type(region, kind)
                if example is not None:
                    nsn = phonenumbers.national_significant_number(example)
                    by_region.setdefault(region, []).append(nsn)
    for region in ("US", "CA", "GB", "DE", "FR", "IT", "JM", "AU", "IN", "CH"):
        raws = []
        for _ in range(600):
            nsn = _vary(rng, rng.choice(by_region[region]))
            raws.append(_national_written(rng, region, nsn))
        for _ in range(300):
            # Other countries' numbers and random digit strings written on this list.
            other = rng.choice(sorted(by_region))
            raws.append(_national_written(rng, region, _vary(rng, rng.choice(by_region[other]))))
            length = rng.randint(3, 15)
            raws.append("".join(rng.choice("0123456789") for _ in range(length)))
            # Odd punctuation, down to two digits ("4.8" is not a number, "48" may be).
            raws.append("".join(rng.choice("0123456789 -.()") for _ in range(rng.randint(2, 18))))
        _assert_equal_to_full_parse(raws, (region,))


def test_local_and_wrong_length_north_american_numbers_equal_the_full_parse() -> None:
    rng = random.Random(12)
    raws = []
    for _ in range(3000):
        nanp = _nanp(rng)
        shape = rng.randrange(6)
        if shape == 0:
            raws.append(f"{nanp[3:6]}-{nanp[6:]}")  # local, no area code
        elif shape == 1:
            raws.append(nanp[:-1])
        elif shape == 2:
            raws.append(nanp + rng.choice("0123456789"))
        elif shape == 3:
            raws.append(f"{rng.choice('0123456789')}{nanp}")
        elif shape == 4:
            raws.append(f"{nanp[:3]}-{rng.choice('01')}{nanp[4:6]}-{nanp[6:]}")
        else:
            raws.append(f"1 ({rng.choice('01')}{nanp[1:3]}) {nanp[3:6]}-{nanp[6:]}")
    full = _assert_equal_to_full_parse(raws, ("US", "CA"))
    assert max(full) < len(set(raws)) // 4


def test_per_prefix_answers_start_after_some_full_parses() -> None:
    # Small lists parse (cheaper than working out prefixes); big ones switch, same answers.
    rng = random.Random(21)
    raws = [f"+44 20 {rng.randint(1000, 9999)} {rng.randint(0, 9999):04d}" for _ in range(400)]
    normalizer = PhoneNormalizer("US", prefix_after=100)
    got = normalizer.normalize_many(raws)
    assert got == [parse_phone(raw, "US") for raw in raws]
    assert normalizer.full_parses == 100
    assert normalizer.shortcut_hits == len(set(raws)) - 100
