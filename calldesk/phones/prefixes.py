"""The exact shortcuts: what phonenumbers would decide about a number, computed once per
*deciding prefix*.

The common North American shapes ("(212) 555-1234", "212.555.1234", "+1 212 555 1234",
"1-212-555-1234") are recognised by one regular expression, and everything phonenumbers would
decide about such a number (validity, region, type, time zones, the reason it is invalid) is
computed once per deciding prefix: the shortest prefix of the national number after which no
pattern in the +1 metadata and no time-zone prefix looks at another digit. The prefix is found
by walking the metadata's own regular expressions (see :func:`pattern_depth`), so the shortcut
is exact by construction; tests compare it with the full parse on every number in the shared
phone corpus and on a large generated set.

The same walk answers other countries (:class:`CountryCodeShortcut`): "+44 20 7946 0958" once
per (country code, digit count, deciding prefix), and digits written without a country code
("(148) 555-0199", "555-0199", "0044 ...") once per (list's region, digit count, deciding
prefix), with the national prefix, the region's international prefix and country code read by
the same patterns phonenumbers reads them with. "001-212-736-4350" from the US takes both of its
readings from these answers. Any other text (letters, extensions, countries whose national
prefix rewrites digits) takes the full parse (:mod:`calldesk.phones.normalizer`).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Sequence
from functools import lru_cache

import phonenumbers
from phonenumbers import CountryCodeSource, NumberParseException
from phonenumbers.data import _COUNTRY_CODE_TO_REGION_CODE
from phonenumbers.phonemetadata import PhoneMetadata
from phonenumbers.tzdata import TIMEZONE_DATA

try:  # Python 3.11+
    import re._constants as sre_c
    import re._parser as sre_parse
except ImportError:  # pragma: no cover - older interpreters
    import sre_constants as sre_c  # type: ignore[no-redef]
    import sre_parse  # type: ignore[no-redef]

from calldesk.phones.numbers import (
    PhoneInfo,
    _drop_frames,
    _parse_failure,
    analyse_number,
    digits_only,
    international_prefix_candidates,
    resolve_international_prefix,
)


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
        self._lock = threading.Lock()

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
            with self._lock:  # (an answer book's shortcut serves every import of a process)
                index = self._answer_index.get(prefix)
                if index is None:
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
