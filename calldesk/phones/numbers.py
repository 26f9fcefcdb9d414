"""Phone numbers as the desk sees them: E.164 plus extension, type, region and time zones.

Every number goes through phonenumbers. A full parse costs ~120 µs, so a million-row list needs
an exact shortcut: the common North American shapes ("(212) 555-1234", "212.555.1234",
"+1 212 555 1234", "1-212-555-1234") are recognised by one regular expression, and everything
phonenumbers would decide about such a number (validity, region, type, time zones, the reason
it is invalid) is computed once per *deciding prefix*: the shortest prefix of the national
number after which no pattern in the +1 metadata and no time-zone prefix looks at another
digit. The prefix is found by walking the metadata's own regular expressions (see
:func:`pattern_depth`), so the shortcut is exact by construction; tests compare it with the
full parse on every number in the shared phone corpus and on a large generated set.

The same walk answers other countries (:class:`CountryCodeShortcut`): "+44 20 7946 0958" once
per (country code, digit count, deciding prefix), and digits written without a country code
("(148) 555-0199", "555-0199", "0044 ...") once per (list's region, digit count, deciding
prefix), with the national prefix, the region's international prefix and country code read by
the same patterns phonenumbers reads them with. "001-212-736-4350" from the US takes both of its
readings from these answers. Any other text (letters, extensions, countries whose national
prefix rewrites digits) takes the full parse, cached per distinct text.
"""

from __future__ import annotations

import re
import traceback
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import NamedTuple

import phonenumbers
from phonenumbers import CountryCodeSource, NumberParseException, PhoneNumberFormat, PhoneNumberType
from phonenumbers import timezone as pn_timezone
from phonenumbers.data import _COUNTRY_CODE_TO_REGION_CODE
from phonenumbers.phonemetadata import PhoneMetadata
from phonenumbers.tzdata import TIMEZONE_DATA

try:  # Python 3.11+
    import re._constants as sre_c
    import re._parser as sre_parse
except ImportError:  # pragma: no cover - older interpreters
    import sre_constants as sre_c  # type: ignore[no-redef]
    import sre_parse  # type: ignore[no-redef]

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


# --- the exact shortcut for +1 numbers ---------------------------------------------------


class _Unsupported(Exception):
    """A regular expression construct the depth walk does not know: no shortcut then."""


def _char_matches(op: object, av: object, ch: int) -> bool:
    if op is sre_c.LITERAL:
        return ch == av
    if op is sre_c.NOT_LITERAL:
        return ch != av
    if op is sre_c.ANY:
        return True
    if op is sre_c.IN:
        negate = False
        hit = False
        for item_op, item_av in av:  # type: ignore[union-attr]
            if item_op is sre_c.NEGATE:
                negate = True
            elif item_op is sre_c.LITERAL:
                hit = hit or ch == item_av
            elif item_op is sre_c.RANGE:
                hit = hit or item_av[0] <= ch <= item_av[1]
            elif item_op is sre_c.CATEGORY and item_av is sre_c.CATEGORY_DIGIT:
                hit = hit or 48 <= ch <= 57
            else:
                raise _Unsupported(item_op)
        return hit != negate
    raise _Unsupported(op)


_DIGITS = tuple(range(48, 58))

# A pattern compiled for the depth walk: ("c", allowed digits, accepts any digit),
# ("b", alternatives) or ("r", low, high, body); sequences are tuples of nodes.
_Node = tuple


def _compile(items: Sequence[tuple[object, object]]) -> tuple[_Node, ...]:
    nodes: list[_Node] = []
    for op, av in items:
        if op is sre_c.AT:
            continue
        if op in (sre_c.LITERAL, sre_c.NOT_LITERAL, sre_c.IN, sre_c.ANY):
            allowed = frozenset(chr(d) for d in _DIGITS if _char_matches(op, av, d))
            nodes.append(("c", allowed, len(allowed) == 10))
        elif op is sre_c.BRANCH:
            nodes.append(("b", tuple(_compile(alt) for alt in av[1])))  # type: ignore[index]
        elif op is sre_c.SUBPATTERN:
            nodes.extend(_compile(av[-1]))  # type: ignore[index]
        elif op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT, getattr(sre_c, "POSSESSIVE_REPEAT", None)):
            low, high, sub = av  # type: ignore[misc]
            nodes.append(("r", low, high, _compile(sub)))
        else:
            raise _Unsupported(op)
    return tuple(nodes)


def _walk(
    nodes: tuple[_Node, ...], starts: frozenset[int], prefix: str, length: int
) -> tuple[frozenset[int], int]:
    """Positions reachable after ``nodes`` and the furthest position any digit test reaches.

    Walks every path of the pattern consistent with the known ``prefix`` over a digit string of
    ``length``; a test that accepts every digit does not count as looking at that digit.
    """
    positions = starts
    depth = 0
    known = len(prefix)
    for node in nodes:
        kind = node[0]
        if kind == "c":
            allowed, any_digit = node[1], node[2]
            moved = set()
            for p in positions:
                if p >= length:
                    continue
                if p < known:
                    if prefix[p] in allowed:
                        moved.add(p + 1)
                else:
                    moved.add(p + 1)
                    if not any_digit:
                        depth = max(depth, p + 1)
            positions = frozenset(moved)
        elif kind == "b":
            ends: set[int] = set()
            for alternative in node[1]:
                end, d = _walk(alternative, positions, prefix, length)
                ends |= end
                depth = max(depth, d)
            positions = frozenset(ends)
        else:
            low, high, body = node[1], min(node[2], length), node[3]
            current = positions
            result = set(positions) if low == 0 else set()
            for count in range(1, high + 1):
                current, d = _walk(body, current, prefix, length)
                depth = max(depth, d)
                if not current:
                    break
                if count >= low:
                    result |= current
            positions = frozenset(result)
        if not positions:
            break
    return positions, depth


@lru_cache(maxsize=4096)
def _compiled(pattern: str) -> tuple[_Node, ...] | None:
    try:
        return _compile(list(sre_parse.parse(pattern)))
    except _Unsupported:
        return None


def _span(nodes: tuple[_Node, ...]) -> tuple[int, float]:
    """The fewest and most digits a compiled pattern consumes."""
    low, high = 0, 0.0
    for node in nodes:
        if node[0] == "c":
            low, high = low + 1, high + 1
        elif node[0] == "b":
            spans = [_span(alternative) for alternative in node[1]]
            low += min(a for a, _ in spans)
            high += max(b for _, b in spans)
        else:
            inner_low, inner_high = _span(node[3])
            low += node[1] * inner_low
            high += node[2] * inner_high if inner_high else 0
    return low, high


@lru_cache(maxsize=4096)
def _length_range(pattern: str) -> tuple[int, float]:
    nodes = _compiled(pattern)
    return _span(nodes) if nodes is not None else (0, float("inf"))


def pattern_depth(pattern: str, prefix: str, length: int, *, whole: bool = False) -> int:
    """How many leading digits ``pattern`` may look at, for digit strings of ``length``
    starting with ``prefix``.

    If every digit test of every path consistent with ``prefix`` ends at or before position
    ``d``, then whether such a string matches depends only on its first ``d`` digits: the
    remaining ones are consumed by tests that accept any digit. Unknown constructs answer
    ``length`` (the whole number decides). ``whole``: the pattern must match the whole string
    (as phonenumbers matches type patterns); when no path consistent with ``prefix`` ends at
    ``length``, no such string matches, and the answer is 0.
    """
    nodes = _compiled(pattern)
    if nodes is None:
        return length
    if whole:
        shortest, longest = _length_range(pattern)
        if not shortest <= length <= longest:
            return 0  # no string of this length matches: nothing is looked at
    ends, depth = _walk(nodes, frozenset({0}), prefix, length)
    if whole and length not in ends:
        return 0
    return depth


_DESCS = (
    "general_desc",
    "fixed_line",
    "mobile",
    "toll_free",
    "premium_rate",
    "shared_cost",
    "personal_number",
    "voip",
    "pager",
    "uan",
    "voicemail",
    "no_international_dialling",
)


# A pattern and whether phonenumbers matches it against the whole string (type patterns) or
# only its start (leading digits, national prefix).
_Pattern = tuple[str, bool]


def _region_patterns(regions: Iterable[str]) -> tuple[_Pattern, ...] | None:
    """Every pattern phonenumbers matches a national number of these regions against (leading
    digits, each type's pattern); None when a region has no metadata."""
    patterns: list[_Pattern] = []
    for region in regions:
        metadata = PhoneMetadata.metadata_for_region(region)
        if metadata is None:
            return None
        if metadata.leading_digits:
            patterns.append((metadata.leading_digits, False))
        for name in _DESCS:
            desc = getattr(metadata, name, None)
            if desc is not None and desc.national_number_pattern:
                patterns.append((desc.national_number_pattern, True))
    return tuple(dict.fromkeys(patterns))


def _nanp_patterns() -> tuple[str, ...]:
    regions = [r for r in _COUNTRY_CODE_TO_REGION_CODE[1] if PhoneMetadata.metadata_for_region(r)]
    return tuple(dict.fromkeys(p for p, _ in _region_patterns(regions) or ()))


def _tz_reach(country_code: int) -> dict[str, int]:
    """For each national prefix, the length of the longest time-zone prefix (national digits)
    of ``country_code`` starting with it: the time zones of a number are decided by its first
    ``reach`` national digits."""
    code = str(country_code)
    reach: dict[str, int] = {}
    for key in TIMEZONE_DATA:
        if key.startswith(code) and len(key) > len(code):
            national = key[len(code) :]
            for cut in range(len(national) + 1):
                head = national[:cut]
                reach[head] = max(reach.get(head, 0), len(national))
    return reach


class NanpShortcut:
    """Exact per-prefix answers for 10-digit North American national numbers."""

    LENGTH = 10

    def __init__(self) -> None:
        self._patterns = _nanp_patterns()
        # Longest time-zone prefix (national digits) that starts with a given national prefix.
        self._tz_reach = _tz_reach(1)
        self._decided: dict[str, bool] = {}
        self._alive: dict[str, tuple[str, ...]] = {}
        self._answer_index: dict[str, int] = {}
        self.answer_list: list[PhoneInfo] = []

    def _depth(self, prefix: str) -> int:
        # A pattern whose digit tests all stay within the area code for this area code stays
        # there for every longer prefix too (a longer prefix only removes paths), so each
        # area code keeps just the few patterns that look further.
        area = prefix[:3]
        alive = self._alive.get(area)
        if alive is None:
            alive = tuple(
                p for p in self._patterns if pattern_depth(p, area, self.LENGTH) > len(area)
            )
            self._alive[area] = alive
        depth = self._tz_reach.get(prefix, 0)
        for pattern in alive:
            depth = max(depth, pattern_depth(pattern, prefix, self.LENGTH))
            if depth >= self.LENGTH:
                break
        return depth

    def decides(self, prefix: str) -> bool:
        """True when ``prefix`` alone decides everything phonenumbers says about the number."""
        decided = self._decided.get(prefix)
        if decided is None:
            decided = len(prefix) >= self.LENGTH or self._depth(prefix) <= len(prefix)
            self._decided[prefix] = decided
        return decided

    def deciding_prefix(self, national: str) -> str:
        """The shortest prefix of ``national`` that decides everything phonenumbers says."""
        for cut in range(3, self.LENGTH + 1):
            if self.decides(national[:cut]):
                return national[:cut]
        return national

    def answer_id(self, prefix: str) -> int:
        """Index in :attr:`answer_list` of the analysis shared by numbers with ``prefix``."""
        index = self._answer_index.get(prefix)
        if index is None:
            # The number parse_phone("+1" + sample) would build, without the text parsing.
            sample = prefix + "0" * (self.LENGTH - len(prefix))
            answer = analyse_number(
                "+1" + sample, phonenumbers.PhoneNumber(country_code=1, national_number=int(sample))
            )
            index = len(self.answer_list)
            self.answer_list.append(answer)
            self._answer_index[prefix] = index
        return index

    def info(self, raw: str, national: str) -> PhoneInfo:
        """The analysis of ``raw`` whose national number is ``national`` (10 digits)."""
        answer = self.answer_list[self.answer_id(self.deciding_prefix(national))]
        if answer.valid:
            return PhoneInfo(raw, "+1" + national, None, True, *answer[4:])
        return answer._replace(raw=raw)

    @property
    def keys_seen(self) -> int:
        return len(self.answer_list)


# "+44 20 7946 0958", "+49 (0)30 1234567": a plus sign, then only digits and the separators
# phonenumbers drops ([ .-()]), so that its parse sees nothing but the digit string.
_PLUS_TEXT = re.compile(r"\s*\+[0-9 ().\-]*[0-9]\s*", re.ASCII)
# "(148) 555-0199", "555-0199": digits and those separators only, on a list of one country.
_NATIONAL_TEXT = re.compile(r"\s*[0-9(][0-9 ().\-]*[0-9]\s*", re.ASCII)
# phonenumbers' limits on a national number (shorter or longer ones raise before analysis).
_NSN_LENGTHS = range(2, 18)


def _country_code(digits: str) -> tuple[int, str]:
    """(country code, rest) as phonenumbers reads the digits after "+"; (0, digits) if none."""
    if digits[:1] == "0":
        return 0, digits
    for cut in range(1, min(len(digits), 3) + 1):
        code = int(digits[:cut])
        if code in _COUNTRY_CODE_TO_REGION_CODE:
            return code, digits[cut:]
    return 0, digits


class _CountryPlan:
    """The patterns phonenumbers applies to the digits of a number of one country code:
    written after "+<code>" (``home`` None), or without a country code on a list whose
    default region is ``home``."""

    def __init__(
        self, country_code: int, patterns: tuple[_Pattern, ...], home: str | None = None
    ) -> None:
        self.country_code = country_code
        self.home = home
        self.patterns = patterns
        # The region whose national prefix phonenumbers strips: the main region of the code,
        # or the list's own.
        metadata = PhoneMetadata.metadata_for_region(
            home or _COUNTRY_CODE_TO_REGION_CODE[country_code][0]
        )
        assert metadata is not None and metadata.general_desc is not None
        self.general: str = metadata.general_desc.national_number_pattern  # type: ignore[assignment]
        strip = metadata.national_prefix_for_parsing or None
        self.strip = re.compile(strip) if strip else None
        # Read on the digits when looking for a national prefix (the general pattern tells
        # whether stripping it leaves a number).
        self.whole: tuple[_Pattern, ...] = ((strip, False), (self.general, True)) if strip else ()
        self.general_only: tuple[_Pattern, ...] = ((self.general, True),)
        idd = metadata.international_prefix if home else None
        self.idd = re.compile(idd) if idd else None
        self.idd_only: tuple[_Pattern, ...] = ((idd, False),) if idd else ()
        self._looking: dict[tuple[int, int, str], tuple[_Pattern, ...]] = {}
        self.tz_reach = _tz_reach(country_code)

    def _strip_decided(self, prefix: str, length: int, start: int) -> bool:
        """True when ``prefix`` decides whether and how far the national prefix is stripped
        from the digits after ``start`` (``start`` digits of ``prefix`` are known)."""
        if self.strip is None:
            return True
        rest = prefix[start:]
        if self._looking_past(self.whole, rest, length - start):
            return False
        found = self.strip.match(rest + "0" * (length - len(prefix)))
        if found:
            end = start + found.end()
            if end > len(prefix):
                return False
            if self._looking_past(self.general_only, prefix[end:], length - end):
                return False
        return True

    def decide(self, prefix: str, length: int) -> tuple[PhoneInfo, int] | None:
        """(analysis, digits stripped as a national prefix) shared by every ``length``-digit
        national part starting with ``prefix``, or None when more digits decide.

        phonenumbers reads these digits with regular expressions only (and their length): the
        international prefix pattern and the country code (without "+"), the national prefix
        pattern and the general pattern, then every type and leading-digits pattern and the
        time-zone prefixes on the number left after the national prefix. When none of those
        looks past ``prefix``, every such number takes the same path through the parse as the
        sample ``prefix`` + zeros, so the sample's answer is theirs.
        """
        known = len(prefix)
        sample = prefix + "0" * (length - known)
        if self.home is not None:
            if self._looking_past(self.idd_only, prefix, length):
                return None
            if self.idd is not None and self.idd.match(sample):
                return None  # an international prefix: not this plan's reading
            code = str(self.country_code)
            if code.startswith(prefix) and known < len(code):
                return None  # whether the digits start with the country code is open
            if prefix.startswith(code) and not (
                self._strip_decided(prefix, length, len(code))
                and not self._looking_past(self.general_only, prefix, length)
                and not self._looking_past(
                    self.general_only, prefix[len(code) :], length - len(code)
                )
            ):
                return None
        if not self._strip_decided(prefix, length, 0):
            return None
        starts = [0]
        if self.strip is not None:
            found = self.strip.match(sample)
            if found:
                starts.append(found.end())
        # The national number starts after 0 or ``end`` digits: look at its patterns before
        # parsing the sample, so that undecided prefixes cost no parse.
        if not any(self._decided_from(prefix, length, cut) for cut in starts):
            return None
        text = sample if self.home is not None else f"+{self.country_code}{sample}"
        try:
            number = phonenumbers.parse(text, self.home, keep_raw_input=True)
        except NumberParseException as exc:
            _drop_frames(exc)
            # Decided by lengths and the national prefix alone.
            return _parse_failure(text, exc), 0
        if self.home is not None and number.country_code_source != (
            CountryCodeSource.FROM_DEFAULT_COUNTRY
        ):
            return None
        info = analyse_number(text, number)
        stripped = length - len(phonenumbers.national_significant_number(number))
        if stripped not in starts or not self._decided_from(prefix, length, stripped):
            return None
        return info, stripped

    def _decided_from(self, prefix: str, length: int, start: int) -> bool:
        """True when the national number starting after ``start`` digits is decided by
        ``prefix``: its leading zeros, time-zone prefixes and every pattern."""
        rest = prefix[start:]
        room = len(prefix) - start
        if not rest.strip("0"):
            # The count of leading zeros kept in the number would depend on later digits.
            return False
        if self.tz_reach.get(rest, 0) > room:
            return False
        return not self._looking_past(self.patterns, rest, length - start)

    def _looking_past(
        self, patterns: tuple[_Pattern, ...], prefix: str, length: int
    ) -> tuple[_Pattern, ...]:
        """Those of ``patterns`` that look past ``prefix`` in ``length``-digit numbers.

        A pattern that does not look past a prefix does not look past any longer one (a longer
        prefix only removes paths), so each prefix tests only what its parent left.
        """
        key = (id(patterns), length, prefix)
        found = self._looking.get(key)
        if found is None:
            parent = self._looking_past(patterns, prefix[:-1], length) if prefix else patterns
            found = tuple(
                (p, whole)
                for p, whole in parent
                if pattern_depth(p, prefix, length, whole=whole) > len(prefix)
            )
            self._looking[key] = found
        return found


# Prefixes remembered per normaliser (decided or not): a bound on memory for odd lists.
_MAX_PREFIXES = 200_000


class CountryCodeShortcut:
    """Exact per-prefix answers for numbers written with "+" and a country code, or with
    digits only on a list of a known country.

    The answer is worked out once per (plan, number of digits, deciding prefix) by
    :meth:`_CountryPlan.decide`; numbers it cannot decide (unusual text, non-geographic
    codes, countries whose national prefix rewrites digits) return None.
    """

    def __init__(self) -> None:
        self._plans: dict[int | str, _CountryPlan | None] = {}
        self._decided: dict[tuple[int | str, int, str], tuple[PhoneInfo, int] | None] = {}

    def _plan(self, key: int | str) -> _CountryPlan | None:
        """The plan for "+<code>" numbers (``key`` the code) or national numbers of a list
        whose default region is ``key``."""
        if key not in self._plans:
            plan = None
            home = key if isinstance(key, str) else None
            metadata = PhoneMetadata.metadata_for_region(home) if home else None
            code = metadata.country_code if metadata is not None else key
            regions = _COUNTRY_CODE_TO_REGION_CODE.get(code, ())  # type: ignore[call-overload]
            if regions and all(len(r) == 2 and r.isalpha() for r in regions):
                patterns = _region_patterns(regions)
                stripping = PhoneMetadata.metadata_for_region(home or regions[0])
                if (
                    patterns is not None
                    and stripping is not None
                    and stripping.general_desc is not None
                    and stripping.general_desc.national_number_pattern
                    and not stripping.national_prefix_transform_rule
                ):
                    plan = _CountryPlan(code, patterns, home)  # type: ignore[arg-type]
            self._plans[key] = plan
        return self._plans[key]

    def _answer(self, key: int | str, digits: str) -> tuple[PhoneInfo, int] | None:
        plan = self._plan(key)
        length = len(digits)
        if plan is None or length not in _NSN_LENGTHS:
            return None
        for cut in range(1, length):
            found = (key, length, digits[:cut])
            if found in self._decided:
                decided = self._decided[found]
            else:
                decided = plan.decide(digits[:cut], length)
                if len(self._decided) < _MAX_PREFIXES:
                    self._decided[found] = decided
            if decided is not None:
                return decided
        return None

    def info(self, raw: str) -> tuple[PhoneInfo, int] | None:
        """(what :func:`parse_phone` says about ``raw``, its country code), or None when
        ``raw`` is not such a number or its prefix does not decide."""
        if not _PLUS_TEXT.fullmatch(raw):
            return None
        code, rest = _country_code(digits_only(raw))
        if code == 0:
            return None
        decided = self._answer(code, rest)
        if decided is None:
            return None
        answer, stripped = decided
        if answer.valid:
            return answer._replace(raw=raw, e164=f"+{code}{rest[stripped:]}"), code
        return answer._replace(raw=raw), code

    def national(self, raw: str, home: str) -> PhoneInfo | None:
        """What :func:`parse_phone` says about ``raw`` (digits and separators, no "+") on a
        list whose default region is ``home``, or None when the prefix does not decide."""
        if not _NATIONAL_TEXT.fullmatch(raw):
            return None
        digits = digits_only(raw)
        if len(digits) < 3:
            # Two digits are a number to phonenumbers only when written bare.
            return None
        decided = self._answer(home, digits)
        if decided is None:
            return None
        answer, stripped = decided
        plan = self._plan(home)
        assert plan is not None
        if answer.valid:
            return answer._replace(raw=raw, e164=f"+{plan.country_code}{digits[stripped:]}")
        first = answer._replace(raw=raw)
        # parse_phone reads an invalid number after each international prefix it starts with.
        known = self.readings(raw)
        if known is None:
            return None
        return resolve_international_prefix(raw, known) or first

    def readings(
        self, raw: str, given: dict[str, tuple[PhoneInfo, int] | None] | None = None
    ) -> dict[str, tuple[PhoneInfo, int] | None] | None:
        """The reading of ``raw`` after each international prefix it may start with (those
        ``given`` aside), as :func:`resolve_international_prefix` takes them; None when one
        is not decided."""
        known = dict(given or {})
        for prefix, text in international_prefix_candidates(raw):
            if prefix in known:
                continue
            reading = self.info(text)
            if reading is None:
                if _PLUS_TEXT.fullmatch(text) and _country_code(digits_only(text))[0] == 0:
                    # No country code starts these digits: phonenumbers refuses the reading.
                    known[prefix] = None
                    continue
                return None
            known[prefix] = (reading[0]._replace(raw=raw), reading[1]) if reading[0].valid else None
        return known

    @property
    def keys_seen(self) -> int:
        return sum(1 for v in self._decided.values() if v is not None)


class PhoneNormalizer:
    """Normalises many numbers fast: the exact shortcuts for common shapes, else full parses.

    Results of texts outside the North American shape are cached per distinct text (up to
    50,000); the shortcuts keep only their per-prefix answers (bounded), so memory does not
    grow with the list. ``full_parses`` counts the texts that needed phonenumbers' parse;
    after ``prefix_after`` of them, other shapes are answered per prefix too.
    """

    def __init__(
        self, default_country: str | None, *, fast: bool = True, prefix_after: int = 1000
    ) -> None:
        self.default_country = (default_country or "").upper() or None
        self.fast = fast
        # Per-prefix answers outside North America cost pattern walks and a sample parse per
        # prefix (and compiling each country's patterns once): worth it on big lists only, so
        # they start after this many full parses. The answers are the same either way.
        self.prefix_after = prefix_after
        self.nanp = NanpShortcut()
        self.country_codes = CountryCodeShortcut()
        self._slow_cache: dict[str, PhoneInfo | None] = {}
        self.full_parses = 0
        self.shortcut_hits = 0

    def normalize(self, raw: str | None) -> PhoneInfo | None:
        """One number; None for an empty cell."""
        if raw is None:
            return None
        if self.fast:
            match = NANP_SHAPE.match(raw)
            if match and (self.default_country in NANP_REGIONS or _PLUS_ONE.match(raw)):
                self.shortcut_hits += 1
                return self.nanp.info(raw, (match[1] or match[2]) + match[3] + match[4])
        return self._slow(raw)

    def _slow(self, raw: str) -> PhoneInfo | None:
        try:
            return self._slow_cache[raw]
        except KeyError:
            pass
        info = None
        if self.fast and self.full_parses >= self.prefix_after:
            info = self._by_prefix(raw)
        if info is None:
            self.full_parses += 1
            if self.fast:
                # "001-212-...": the "00" reading from the North American answers, the
                # others parsed.
                info = self._nanp_idd(raw, every=False)
            if info is None:
                info = parse_phone(raw, self.default_country)
        else:
            self.shortcut_hits += 1
        if len(self._slow_cache) < 50_000:
            self._slow_cache[raw] = info
        return info

    def _by_prefix(self, raw: str) -> PhoneInfo | None:
        """What :func:`parse_phone` says about ``raw`` from per-prefix answers, without a
        full parse; None when the shape has no such answers."""
        if _PLUS_TEXT.fullmatch(raw):
            # The default country plays no part once the text names its country code.
            found = self.country_codes.info(raw)
            return found[0] if found is not None else None
        if self.default_country is None:
            return None
        if self.default_country in ("US", "CA") and _IDD_NANP.match(raw):
            return self._nanp_idd(raw, every=True)
        return self.country_codes.national(raw, self.default_country)

    def _nanp_idd(self, raw: str, *, every: bool) -> PhoneInfo | None:
        """What parse_phone says about "001-212-736-4350" on a US or Canadian list, the
        readings after "00" (and with ``every`` the others) from per-prefix answers; None
        when ``raw`` has another shape or (with ``every``) a reading is not decided."""
        match = _IDD_NANP.match(raw) if self.default_country in ("US", "CA") else None
        if not match:
            return None
        # "001-212-736-4350": the raw text itself is never valid here (two leading zeros, 13
        # digits; 00 is not the US or Canadian international prefix), so parse_phone goes
        # straight to the readings after each international prefix: "00" reads a North
        # American number, "001" (an Asian carrier prefix) reads "+212-736-4350".
        national = (match[2] or match[3]) + match[4] + match[5]
        plain = self.nanp.info(raw, national)
        known: dict[str, tuple[PhoneInfo, int] | None] | None = {
            "00": (plain, 1) if plain.valid else None
        }
        if every:
            known = self.country_codes.readings(raw, known)
            if known is None:
                return None
        # None when no reading is valid: parse_phone then gives the raw text's own analysis.
        return resolve_international_prefix(raw, known)

    def normalize_many(self, raws: Iterable[str | None]) -> list[PhoneInfo | None]:
        """Many numbers (None or empty for empty cells), each analysed exactly."""
        values = list(raws)
        e164s, infos = self.normalize_column(values)
        out: list[PhoneInfo | None] = []
        for raw, e164, info in zip(values, e164s, infos, strict=True):
            if info is None or raw is None:
                out.append(None)
            elif info.valid:
                out.append(info._replace(raw=raw, e164=e164))
            else:
                out.append(info._replace(raw=raw))
        return out

    def normalize_column(
        self, raws: Sequence[str | None]
    ) -> tuple[list[str | None], list[PhoneInfo | None]]:
        """A column of raw numbers as (E.164 per cell, shared analysis per cell).

        The analysis objects are shared between numbers with the same deciding prefix: use
        them for validity, type, region, zones, extension and reason, and the E.164 list for
        the number itself. This is the importer's hot path: vectorised, no object per cell.
        """
        import polars as pl

        n = len(raws)
        e164s: list[str | None] = [None] * n
        infos: list[PhoneInfo | None] = [None] * n
        if n == 0:
            return e164s, infos
        frame = pl.DataFrame({"raw": pl.Series(raws, dtype=pl.String)}).with_row_index("i")
        frame = frame.filter(pl.col("raw").str.strip_chars().str.len_chars() > 0)
        if self.fast:
            groups = pl.col("raw").str.extract_groups(NANP_EXT_POLARS)
            frame = frame.with_columns(
                national=pl.coalesce(groups.struct.field("1"), groups.struct.field("2"))
                + groups.struct.field("3")
                + groups.struct.field("4"),
                ext=groups.struct.field("5"),
            )
            if self.default_country not in NANP_REGIONS:
                frame = frame.with_columns(
                    national=pl.when(pl.col("raw").str.contains(r"^\s*\+1"))
                    .then(pl.col("national"))
                    .otherwise(None)
                )
            fast = frame.filter(pl.col("national").is_not_null())
            slow = frame.filter(pl.col("national").is_null())
            if fast.height:
                self.shortcut_hits += fast.height
                answer_ids = self._answer_ids(fast["national"])
                answers = self.nanp.answer_list
                for i, national, answer_id, ext in zip(
                    fast["i"].to_list(),
                    fast["national"].to_list(),
                    answer_ids,
                    fast["ext"].to_list(),
                    strict=True,
                ):
                    answer = answers[answer_id]
                    infos[i] = answer._replace(extension=ext) if ext else answer
                    if answer.valid:
                        e164s[i] = "+1" + national
        else:
            slow = frame
        for i, raw in zip(slow["i"].to_list(), slow["raw"].to_list(), strict=True):
            info = self._slow(raw)
            infos[i] = info
            if info is not None:
                e164s[i] = info.e164
        return e164s, infos

    def _answer_ids(self, nationals: object) -> list[int]:
        """Answer index per national number: resolve deciding prefixes level by level."""
        import polars as pl

        series: pl.Series = nationals  # type: ignore[assignment]
        ids = pl.Series("id", [None] * series.len(), dtype=pl.Int64)
        pending = pl.DataFrame({"n": series}).with_row_index("i")
        nanp = self.nanp
        for cut in range(3, NanpShortcut.LENGTH + 1):
            if pending.height == 0:
                break
            heads = pending["n"].str.slice(0, cut)
            decided = {h: nanp.answer_id(h) for h in heads.unique().to_list() if nanp.decides(h)}
            if cut == NanpShortcut.LENGTH:
                decided = {h: nanp.answer_id(h) for h in heads.unique().to_list()}
            if not decided:
                continue
            mapped = heads.replace_strict(decided, default=None, return_dtype=pl.Int64)
            hit = mapped.is_not_null()
            ids = ids.scatter(pending["i"].filter(hit), mapped.filter(hit))
            pending = pending.filter(~hit)
        return ids.to_list()


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
