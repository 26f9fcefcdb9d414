"""Phone numbers as the desk sees them: E.164 plus extension, type, region and time zones.

Every number goes through phonenumbers (:func:`parse_phone`, :func:`analyse_number`); the
international dialling prefixes people write instead of "+" are resolved here too. A full
parse costs ~120 µs, so a million-row list takes the exact shortcuts of
:mod:`calldesk.phones.prefixes` through :class:`calldesk.phones.normalizer.PhoneNormalizer`.
"""

from __future__ import annotations

import re
import traceback
from typing import NamedTuple

import phonenumbers
from phonenumbers import CountryCodeSource, NumberParseException, PhoneNumberFormat, PhoneNumberType
from phonenumbers import timezone as pn_timezone
from phonenumbers.data import _COUNTRY_CODE_TO_REGION_CODE

NANP_REGIONS: frozenset[str] = frozenset(_COUNTRY_CODE_TO_REGION_CODE[1])
UNKNOWN_ZONE = "Etc/Unknown"

_TYPE_NAMES = {
    value: name
    for name, value in vars(PhoneNumberType).items()
    if name.isupper() and isinstance(value, int)
}

# The shapes a purchased North American list is made of. Group 1/2: area code (bare or in
# parentheses), 3: exchange, 4: line. Anything else goes through the full parse.
NANP_SHAPE = re.compile(
    r"^\s*(?:\+?1[ .\-]?)?(?:\(([2-9]\d{2})\)|([2-9]\d{2}))[ .\-]?(\d{3})[ .\-]?(\d{4})\s*$"
)
# The same shape for polars (Rust regex): only ASCII digits.
NANP_SHAPE_POLARS = r"^\s*(?:\+?1[ .\-]?)?(?:\(([2-9][0-9]{2})\)|([2-9][0-9]{2}))[ .\-]?([0-9]{3})[ .\-]?([0-9]{4})\s*$"
# The same shape with an extension written the common ways (" x123", " ext. 123", " #123"):
# phonenumbers reads these digits as the extension and the number as without it (the
# equivalence is tested against the full parse).
NANP_EXT_POLARS = NANP_SHAPE_POLARS[: -len(r"\s*$")] + r"(?:\s*(?:x|ext\.?|#)\s*([0-9]{1,7}))?\s*$"
# "001-212-736-4350" (00, then 1 and a North American number) from the US or Canada, whose
# own international prefix is 011: the "00" reading is the shortcut's; "001" is parsed.
_IDD_NANP = re.compile(
    r"^\s*00(1[ .\-]?(?:\(([2-9][0-9]{2})\)|([2-9][0-9]{2}))[ .\-]?([0-9]{3})[ .\-]?([0-9]{4}))\s*$"
)
# Only "+1 ..." may take the shortcut when the list's country is outside North America.
_PLUS_ONE = re.compile(r"^\s*\+1")


class PhoneInfo(NamedTuple):
    """What phonenumbers makes of one raw phone text.

    ``e164`` is None when the number is invalid; ``reason`` then says why in plain words and
    ``raw`` keeps the text exactly as it was in the file.
    """

    raw: str
    e164: str | None
    extension: str | None
    valid: bool
    number_type: str | None
    region: str | None
    time_zones: tuple[str, ...]
    reason: str | None
    # How the text was read when it needed more than a plain parse, e.g. "international
    # prefix 00 + country code 1" for "001-212-736-4350"; None for plain numbers.
    note: str | None = None

    @property
    def key(self) -> tuple[str, str | None] | None:
        """The identity of the number for dedupe and DNC: (E.164, extension)."""
        return (self.e164, self.extension) if self.e164 else None


def _drop_frames(exc: BaseException) -> None:
    """Clear the finished frames of a caught phonenumbers error (and of the errors it was
    raised from). phonenumbers.parse keeps an error and its traceback in locals
    (``_, e, _ = sys.exc_info()``) and raises another: traceback and frame make a cycle, which
    holds the callers' frames (an import batch's whole data) until the collector runs."""
    seen: BaseException | None = exc
    while seen is not None:
        traceback.clear_frames(seen.__traceback__)
        seen.__traceback__ = None
        seen = seen.__context__


_PARSE_REASONS = {
    NumberParseException.INVALID_COUNTRY_CODE: "unknown or missing country code",
    NumberParseException.NOT_A_NUMBER: "not a phone number",
    NumberParseException.TOO_SHORT_AFTER_IDD: "too short after the international prefix",
    NumberParseException.TOO_SHORT_NSN: "too short",
    NumberParseException.TOO_LONG: "too long",
}

_POSSIBLE_REASONS = {
    phonenumbers.ValidationResult.INVALID_COUNTRY_CODE: "unknown country code",
    phonenumbers.ValidationResult.TOO_SHORT: "too short",
    phonenumbers.ValidationResult.TOO_LONG: "too long",
    phonenumbers.ValidationResult.INVALID_LENGTH: "wrong number of digits",
    phonenumbers.ValidationResult.IS_POSSIBLE_LOCAL_ONLY: "local number without area code",
}


def _parse_failure(raw: str, exc: NumberParseException) -> PhoneInfo:
    """The analysis of a text phonenumbers refused to parse."""
    reason = _PARSE_REASONS.get(exc.error_type, str(exc))
    return PhoneInfo(raw, None, None, False, None, None, (), reason)


def parse_phone(raw: str, default_country: str | None) -> PhoneInfo | None:
    """The full phonenumbers analysis of ``raw`` (None for an empty cell).

    ``default_country`` (ISO 3166 alpha-2) applies to numbers written without a country code.
    A number written with an international dialling prefix instead of "+" ("001-212-736-4350",
    "0044 20 7946 0958", "011 49 30 1234567") is read as "+" and the country code when that,
    and only that, gives a valid number (``note`` says so; ``raw`` keeps the text). Invalid
    numbers are returned with ``valid=False`` and a reason, never corrected.
    """
    text = raw.strip()
    if not text:
        return None
    region = (default_country or "ZZ").upper()
    try:
        number = phonenumbers.parse(text, region, keep_raw_input=True)
    except NumberParseException as exc:
        _drop_frames(exc)
        first = _parse_failure(raw, exc)
    else:
        first = analyse_number(raw, number)
        if first.valid and number.country_code_source == CountryCodeSource.FROM_NUMBER_WITH_IDD:
            # "011 49 30 ..." from the US: phonenumbers knows the home prefix; say so, so the
            # summary counts every number written with an international prefix.
            return first._replace(note=_idd_note(text, number.country_code))
    if first.valid:
        return first
    resolved = resolve_international_prefix(raw)
    if resolved is None:
        return first
    return resolved


# International dialling prefixes people write in front of a country code instead of "+":
# 00 (most of the world), 011 (North America), 0011 (Australia), 010 (Japan), 001/002/005/
# 008/009 (carrier prefixes in Asia), 810 (Russia and neighbours).
IDD_PREFIXES: tuple[str, ...] = (
    "00",
    "011",
    "0011",
    "010",
    "001",
    "002",
    "005",
    "008",
    "009",
    "810",
)
_LEADING_IDD = re.compile(r"^\s*\(?\s*(?:0|8)")


def _idd_note(text: str, country_code: int) -> str:
    digits = digits_only(text)
    code = str(country_code)
    for prefix in sorted(IDD_PREFIXES, key=len, reverse=True):
        if digits.startswith(prefix + code):
            return f"international prefix {prefix} + country code {code}"
    return f"an international prefix + country code {code}"


def _after_digits(text: str, count: int) -> str:
    """``text`` after its first ``count`` digits (separators between them dropped)."""
    seen = 0
    for index, ch in enumerate(text):
        if ch.isdigit():
            seen += 1
            if seen == count:
                return text[index + 1 :]
    return ""


def international_prefix_candidates(raw: str) -> list[tuple[str, str]]:
    """(prefix, "+..." text) for each international prefix ``raw`` may start with."""
    text = raw.strip()
    if "+" in text or not _LEADING_IDD.match(text):
        return []
    digits = digits_only(text)
    return [
        (prefix, "+" + _after_digits(text, len(prefix)).lstrip(" -./)"))
        for prefix in IDD_PREFIXES
        if digits.startswith(prefix) and len(digits) > len(prefix) + 6
    ]


def resolve_international_prefix(
    raw: str, known: dict[str, tuple[PhoneInfo, int] | None] | None = None
) -> PhoneInfo | None:
    """The number ``raw`` names when read with an international prefix, if exactly one
    reading is a valid number; an invalid :class:`PhoneInfo` saying so when two readings
    are valid; None when no reading is. ``known``: the reading after a prefix as (analysis,
    country code), or None when it is not a valid number, when the caller knows it already
    (the North American shortcut's)."""
    found: dict[str, PhoneInfo] = {}
    grouped: dict[str, PhoneInfo] = {}  # readings whose prefix is a group of its own
    for prefix, text in international_prefix_candidates(raw):
        if known is not None and prefix in known:
            given = known[prefix]
            if given is None:
                continue
            info, country_code = given
        else:
            try:
                number = phonenumbers.parse(text, None)
            except NumberParseException as exc:
                _drop_frames(exc)
                continue
            info, country_code = analyse_number(raw, number), number.country_code
        if not info.valid:
            continue
        note = f"international prefix {prefix} + country code {country_code}"
        reading = info._replace(note=note)
        found.setdefault(info.e164, reading)  # type: ignore[arg-type]
        rest = _after_digits(raw.strip(), len(prefix))
        written = raw.strip().lstrip("( ")
        if written.startswith(prefix) and rest[:1] and not rest[0].isdigit():
            grouped.setdefault(info.e164, reading)  # type: ignore[arg-type]
    if len(found) > 1 and len(grouped) == 1:
        # "001 1-604-836-0349": the writer's own spacing says which prefix was meant.
        found = grouped
    if len(found) == 1:
        return next(iter(found.values()))
    if len(found) > 1:
        readings = " or ".join(sorted(found))
        return PhoneInfo(
            raw, None, None, False, None, None, (), f"reads as more than one number ({readings})"
        )
    return None


def analyse_number(raw: str, number: phonenumbers.PhoneNumber) -> PhoneInfo:
    """What phonenumbers says about an already parsed ``number`` written as ``raw``.

    The same calls as ``is_valid_number``, ``number_type``, ``region_code_for_number`` and
    ``time_zones_for_number``, without looking the region up four times.
    """
    extension = number.extension or None
    region = phonenumbers.region_code_for_number(number)
    if not phonenumbers.is_valid_number_for_region(number, region):
        return PhoneInfo(raw, None, extension, False, None, None, (), _invalid_reason(number))
    e164 = phonenumbers.format_number(number, PhoneNumberFormat.E164)
    kind = phonenumbers.number_type(number)
    if kind != PhoneNumberType.UNKNOWN and phonenumbers.is_number_type_geographical(
        kind, number.country_code
    ):
        found = pn_timezone.time_zones_for_geographical_number(number)
    else:
        found = pn_timezone.time_zones_for_number(number)
    zones = tuple(z for z in found if z != UNKNOWN_ZONE)
    return PhoneInfo(raw, e164, extension, True, _TYPE_NAMES.get(kind), region, zones, None)


def _invalid_reason(number: phonenumbers.PhoneNumber) -> str:
    possible = phonenumbers.is_possible_number_with_reason(number)
    if possible in _POSSIBLE_REASONS:
        return _POSSIBLE_REASONS[possible]
    where = phonenumbers.region_code_for_number(number)
    if where is None or where == "ZZ":
        where = f"+{number.country_code}"
    return f"not an assigned number in {where}"


def type_label(number_type: str | None) -> str | None:
    """A short word for the UI ("mobile", "landline") from phonenumbers' type name."""
    return {
        "FIXED_LINE": "landline",
        "MOBILE": "mobile",
        "FIXED_LINE_OR_MOBILE": "landline or mobile",
        "TOLL_FREE": "toll-free",
        "VOIP": "VoIP",
    }.get(number_type or "", (number_type or "").lower().replace("_", " ") or None)


def digits_only(text: str) -> str:
    return "".join(filter(str.isdigit, text))
