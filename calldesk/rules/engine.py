"""The verdict for a place and a moment: may this locale be called now, and if not, when.

:func:`locale_status` evaluates every rule of the contact's country pack that applies to the
locale's states, on the clock of every one of its zones (or the rule's own ``clock``), plus the
campaign's narrowing. Allowed only when every (rule, zone) pair is inside its window: the
strictest wins. Results are cached per (locale key, campaign rules) until the instant the
verdict may change, so the queue pays for one evaluation per key per window change.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import itertools
import json
from dataclasses import dataclass, field
from typing import Any

from calldesk.places import Locale, _region_zones, parse_key
from calldesk.rules.campaign import CAMPAIGN_KEYS, campaign_rule
from calldesk.rules.context import RulesContext
from calldesk.rules.packs import (
    Rule,
    RulePack,
    RulePackError,
    format_week_hours,
    pack_for,
    reload_packs,
)
from calldesk.rules.windows import (
    DayClosures,
    Window,
    holiday_calendar,
    next_allowed,
    zone_info,
)

UTC = dt.UTC


@dataclass(frozen=True)
class RuleCheck:
    """One rule checked for one locale at one moment, with its source and verdict."""

    rule_id: str
    rule: str  # plain words, e.g. "Florida calling hours and 3 calls per 24 h"
    source: str
    effective: str  # ISO date the rule took effect
    verdict: str  # "allowed" | "refused" | "not in effect" | "exempt"
    detail: str  # plain words: "20:30 EST is outside 08:00-20:00"
    zones: tuple[str, ...] = ()
    states: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.rule_id,
            "rule": self.rule,
            "source": self.source,
            "effective": self.effective,
            "verdict": self.verdict,
            "detail": self.detail,
            "zones": list(self.zones),
            "states": list(self.states),
        }


@dataclass(frozen=True)
class LocaleStatus:
    """Whether a locale (or a contact) may be called at a moment, and why.

    ``next_allowed_at`` is None when calling is allowed now or will never be (unknown place,
    no rule pack); ``changes_at`` is the next instant the verdict may change (None: never by
    itself), so callers may cache a verdict per locale key until then.
    """

    allowed: bool
    next_allowed_at: dt.datetime | None
    changes_at: dt.datetime | None
    local_time: str
    zones: tuple[str, ...]
    states: tuple[str, ...]
    rule: str
    checks: list[RuleCheck] = field(default_factory=list)
    country: str | None = None
    locale_key: str | None = None
    countries: tuple[str, ...] = ()
    business: bool = False
    packs: tuple[str, ...] = ()  # "US 2026.12+<digest>" per pack that decided

    def as_dict(self) -> dict[str, Any]:
        """A JSON-able form (times as ISO 8601 UTC)."""
        return {
            "countries": list(self.countries),
            "line": "business" if self.business else "consumer",
            "packs": list(self.packs),
            "allowed": self.allowed,
            "next_allowed_at": _iso(self.next_allowed_at),
            "changes_at": _iso(self.changes_at),
            "local_time": self.local_time,
            "zones": list(self.zones),
            "states": list(self.states),
            "country": self.country,
            "locale_key": self.locale_key,
            "rule": self.rule,
            "rules": [c.as_dict() for c in self.checks],
        }


def _iso(value: dt.datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value else None


def local_time_text(at: dt.datetime, zones: tuple[str, ...]) -> str:
    """The contact's local time in plain words, e.g. "Tue 14:05 EST" (each distinct clock)."""
    texts: list[str] = []
    for zone in zones:
        text = at.astimezone(zone_info(zone)).strftime("%a %H:%M %Z")
        if text not in texts:
            texts.append(text)
    return " / ".join(texts) if texts else "unknown"


def _safe_local_time(at: dt.datetime, zones: tuple[str, ...]) -> str:
    try:
        return local_time_text(at, zones)
    except Exception:  # a zone name that does not exist: the place is unknown
        return "unknown"


def _require_aware(at: dt.datetime) -> dt.datetime:
    if at.tzinfo is None:
        raise ValueError(f"naive datetime {at!r}: calling rules need an aware (UTC) instant")
    return at.astimezone(UTC)


# --- compiled locale ---------------------------------------------------------------------


@dataclass
class _Pair:
    rule: Rule
    window: Window


def _rule_window(rule: Rule, zone: str, locale: Locale, pack: RulePack) -> Window:
    calendars: tuple[Any, ...] = ()
    states = _states_of(locale, pack.country)
    if rule.closed_on_holidays:
        # A state overlay closes on that state's holidays; a national rule (or a campaign's
        # "skip holidays") on the holidays of every state the contact may be in.
        subdivs = tuple(s for s in states if s in rule.states) or states
        calendars = holiday_calendar(pack.holidays, tuple(sorted(subdivs)))
    if rule.also_closed:
        calendars = (*calendars, DayClosures(yearly=rule.also_closed))
    return Window(rule.hours, zone, calendars, rule.effective, rule.until)


def _states_of(locale: Locale, country: str) -> tuple[str, ...]:
    """The locale's states that belong to ``country`` (codes of no known country count too)."""
    table = _region_zones()
    return tuple(
        s
        for s in locale.states
        if (country, s) in table or not any((c, s) in table for c in ("US", "CA", "GB"))
    )


def _closed_rule(country: str, days: tuple[tuple[dt.date, str], ...]) -> tuple[Rule, DayClosures]:
    rule = Rule(
        id=f"closed-days-{country.lower()}",
        name=f"Closed days entered by a manager ({country})",
        country=country,
        states=(),
        hours=((0, 24 * 60),) * 7,
        closed_on_holidays=False,
        cap=None,
        clock=None,
        source="; ".join(sorted({why for _, why in days})),
        effective=dt.date(1970, 1, 1),
        business="binds",
        business_source="a closed day closes every call (calldesk policy)",
    )
    return rule, DayClosures(dates=days)


@dataclass
class _Compiled:
    locale: Locale | None
    pairs: list[_Pair]
    refusal: str | None  # set when the locale can never be called (fail closed)
    notes: list[str]
    exempt: list[Rule] = field(default_factory=list)  # skipped: the line is a business line
    registry: list[str] = field(default_factory=list)  # registry refusals (consumer calls)
    packs: tuple[str, ...] = ()
    plan: Any = None  # the pairs as the decision reads them: see _window_plan


def _compile(
    locale_key: str, campaign_rules: dict[str, Any] | None, context: RulesContext | None = None
) -> _Compiled:
    try:
        locale = parse_key(locale_key)
    except (ValueError, AttributeError):
        return _Compiled(None, [], f'locale "{locale_key}" is not a valid locale key', [])
    if not locale.zones:
        return _Compiled(locale, [], "time zone unknown: set it by hand (needs review)", [])
    for zone in locale.zones:
        try:
            zone_info(zone)
        except Exception:
            return _Compiled(locale, [], f'unknown time zone "{zone}"', [])
    packs: list[RulePack] = []
    for country in locale.countries:
        pack = pack_for(country)
        if pack is None:
            return _Compiled(locale, [], f"no calling rules for country {country}", [])
        packs.append(pack)
    notes: list[str] = []
    exempt: list[Rule] = []
    pairs: list[_Pair] = []
    registry: list[str] = []
    for pack in packs:
        states = _states_of(locale, pack.country)
        rules = list(pack.rules_for(states))
        if campaign_rules:
            try:
                narrowing, more = campaign_rule(campaign_rules, pack)
            except RulePackError as exc:
                return _Compiled(locale, [], f"campaign rules are invalid: {exc}", [])
            notes.extend(more)
            if narrowing is not None and not any(p.rule.id == "campaign" for p in pairs):
                rules.append(narrowing)
        for rule in rules:
            if locale.business and not rule.binds_business:
                exempt.append(rule)
                continue
            for zone in (rule.clock,) if rule.clock else locale.zones:
                pairs.append(_Pair(rule, _rule_window(rule, zone, locale, pack)))
        if context is not None:
            days = context.closed_for(pack.country, states)
            if days:
                rule, closures = _closed_rule(pack.country, days)
                for zone in locale.zones:
                    window = Window(rule.hours, zone, (closures,), rule.effective)
                    pairs.append(_Pair(rule, window))
            if context.enforce_registry and not locale.business:
                state = context.registry_for(pack.country)
                if state is not None and not state.ok:
                    registry.append(state.message)
    versions = tuple(f"{p.country} {p.version}" for p in packs)
    return _Compiled(locale, pairs, None, notes, exempt, registry, versions)


_last_campaign: list[Any] = [None, None, ""]  # [rules object, a copy of it, its key]


def _campaign_key(campaign_rules: dict[str, Any] | None) -> str:
    """A cache key for the narrowing part of a campaign's rules (the rest is the queue's)."""
    if not campaign_rules:
        return ""
    # The queue asks about every locale key with the same rules object: compare, not encode.
    if campaign_rules is _last_campaign[0] and campaign_rules == _last_campaign[1]:
        return _last_campaign[2]
    narrowing = {k: campaign_rules[k] for k in CAMPAIGN_KEYS if k in campaign_rules}
    key = json.dumps(narrowing, sort_keys=True, default=str) if narrowing else ""
    _last_campaign[:] = [campaign_rules, copy.deepcopy(campaign_rules), key]
    return key


_compiled_cache: dict[tuple[str, str, str], _Compiled] = {}


@dataclass
class _CachedStatus:
    valid_from: dt.datetime
    valid_until: dt.datetime
    minute: dt.datetime  # the UTC minute ``status.local_time`` was written for
    status: LocaleStatus


_MINUTE = dt.timedelta(minutes=1)
_CACHE_HORIZON = dt.timedelta(hours=6)
_status_cache: dict[tuple[str, str, str], _CachedStatus] = {}
_CACHE_LIMIT = 50_000


def _compiled(
    locale_key: str,
    campaign_key: str,
    campaign_rules: dict[str, Any] | None,
    context: RulesContext | None = None,
):
    key = (locale_key, campaign_key, context.version if context is not None else "")
    compiled = _compiled_cache.get(key)
    if compiled is None:
        if len(_compiled_cache) > _CACHE_LIMIT:
            _compiled_cache.clear()
        compiled = _compile(locale_key, campaign_rules, context)
        _compiled_cache[key] = compiled
    return compiled


def clear_caches() -> None:
    """Forget packs, compiled locales and cached verdicts (after a pack override is edited)."""
    reload_packs()
    _compiled_cache.clear()
    _status_cache.clear()
    _minute.clear()
    _last_memo.clear()


def _evaluate(compiled: _Compiled, at: dt.datetime) -> LocaleStatus:
    """The full verdict (words and checks) of a compiled place at ``at``: the decision is
    :func:`_decide`'s, the one the queue groups places by; only the wording is done here."""
    locale = compiled.locale
    zones = locale.zones if locale else ()
    states = locale.states if locale else ()
    country = locale.country if locale else None
    key = locale.key if locale else None
    facts = {
        "countries": locale.countries if locale else (),
        "business": locale.business if locale else False,
        "packs": compiled.packs,
    }
    if compiled.refusal:
        return LocaleStatus(
            allowed=False,
            next_allowed_at=None,
            changes_at=None,
            local_time=_safe_local_time(at, zones),
            zones=zones,
            states=states,
            rule=f"not callable: {compiled.refusal}",
            checks=[
                RuleCheck(
                    "fail-closed",
                    "A contact whose place cannot be determined is not called",
                    "calldesk policy (COMPLIANCE.md: fail closed)",
                    "",
                    "refused",
                    compiled.refusal,
                    zones,
                    states,
                )
            ],
            country=country,
            locale_key=key,
            **facts,
        )
    plan = _window_plan(compiled)
    memo = _memo_at(at)
    # A place refused for want of a registry copy needs the words only, not when it opens.
    decision = _decide(plan, memo, exact=not compiled.registry)
    checks = list(plan.exempt)
    closed = set(decision.closed)
    reasons: dict[int, str] = {}
    for (rule, positions), words, lapsed in zip(
        plan.rules, plan.words, decision.lapsed, strict=True
    ):
        hours, pair_zones, rule_states = words
        if lapsed:
            local_day = memo.local_day(plan.pairs[positions[0]][1])
            checks.append(
                RuleCheck(
                    rule.id,
                    rule.name,
                    rule.source,
                    rule.effective.isoformat(),
                    "not in effect",
                    f"takes effect {rule.effective.isoformat()}"
                    if local_day < rule.effective
                    else f"no longer in force since {rule.until.isoformat() if rule.until else ''}",
                    pair_zones,
                    rule_states,
                )
            )
            continue
        clocks = memo.clocks(pair_zones)
        outside = [i for i in positions if i in closed]
        if outside:
            for i in outside:
                reasons[i] = plan.pairs[i][1].why_outside(at)
            why = "; ".join(f"{plan.pairs[i][1].zone}: {reasons[i]}" for i in outside)
            detail = f"{clocks}: {why} (allowed {hours})"
            verdict = "refused"
        else:
            detail = f"{clocks} is inside {hours}"
            verdict = "allowed"
        if rule.closed_on_holidays:
            detail += "; closed on holidays"
        checks.append(
            RuleCheck(
                rule.id,
                rule.name,
                rule.source,
                rule.effective.isoformat(),
                verdict,
                detail,
                pair_zones,
                rule_states,
            )
        )
    if compiled.registry:
        # Fail closed: without a fresh registry copy no consumer call is lawful to place.
        for message in compiled.registry:
            checks.insert(
                0,
                RuleCheck(
                    "registry",
                    "Do-not-call registry copy at most 31 days old",
                    "16 CFR 310.4(b)(3)(iv); 47 CFR 64.1200(c)(2); CRTC Unsolicited "
                    "Telecommunications Rules (National DNCL)",
                    "",
                    "refused",
                    message,
                    zones,
                    states,
                ),
            )
        return LocaleStatus(
            allowed=False,
            next_allowed_at=None,
            changes_at=None,
            local_time=memo.clocks(zones),
            zones=zones,
            states=states,
            rule=f"not callable: {compiled.registry[0]}",
            checks=checks,
            country=country,
            locale_key=key,
            **facts,
        )
    if not decision.allowed:
        first = decision.closed[0]
        rule = plan.pairs[first][0]
        return LocaleStatus(
            allowed=False,
            next_allowed_at=decision.changes_at,
            changes_at=decision.changes_at,
            local_time=memo.clocks(zones),
            zones=zones,
            states=states,
            rule=f"{rule.name}: {reasons[first]} ({rule.source})",
            checks=checks,
            country=country,
            locale_key=key,
            **facts,
        )
    return LocaleStatus(
        allowed=True,
        next_allowed_at=None,
        changes_at=decision.changes_at,
        local_time=memo.clocks(zones),
        zones=zones,
        states=states,
        rule=_strictest(plan, decision),
        checks=checks,
        country=country,
        locale_key=key,
        **facts,
    )


def _window_key(window: Window) -> int:
    """A window by value, as a number (the same for equal windows for the life of the
    process, so the caches of window answers hash a number, not the hours of a week): a
    holiday calendar by identity (``holiday_calendar`` keeps every calendar it made for the
    life of the process), closed days by value."""
    calendars = tuple(c if isinstance(c, DayClosures) else id(c) for c in window.calendars)
    value = (window.hours, window.zone, calendars, window.effective, window.until)
    number = _window_numbers.get(value)
    if number is None:
        number = _window_numbers[value] = next(_numbers)
    return number


_numbers = itertools.count(1)
_window_numbers: dict[Any, int] = {}
_group_numbers: dict[Any, int] = {}


@functools.lru_cache(maxsize=1024)
def _hours_text(hours: Any) -> str:
    """:func:`format_week_hours`, written once per distinct week of hours."""
    return format_week_hours(hours)


def _strictest(plan: _Plan, decision: _Decision) -> str:
    """The rule that closes first: the one a rep is really working under."""
    if not plan.pairs:
        return "no calling-hours rule binds this business line (see the exemptions)"
    first = decision.first_change
    rule = plan.pairs[0 if first is None else first][0]
    return f"{rule.name} ({_hours_text(rule.hours)}; {rule.source})"


def _keys(locale_key: str, campaign_rules: dict[str, Any] | None) -> tuple[str, str]:
    """The place's key as the campaign sees it and the campaign's key: a campaign that calls
    businesses only makes every line a business line."""
    if campaign_rules and campaign_rules.get("business_lines") and not locale_key.endswith("|B"):
        locale_key += "|B"
    return locale_key, (_campaign_key(campaign_rules) if campaign_rules else "")


def locale_status(
    locale_key: str | None,
    at: dt.datetime,
    campaign_rules: dict[str, Any] | None = None,
    context: RulesContext | None = None,
) -> LocaleStatus:
    """May a contact with ``locale_key`` be called at ``at`` (aware), and if not, when.

    Every rule of the country's pack that applies to one of the key's states is checked on the
    clock of every one of its zones, with the campaign's narrowing; allowed only when all pass.
    An unknown key (None, no zone, no pack) is never allowed. ``context`` adds the store's
    facts (closed days a manager entered, registry copies: :func:`calldesk.rules.context.
    load_context`); None decides on the packs alone. Cached per key until the verdict may change.
    """
    if at.tzinfo is not dt.UTC:
        at = _require_aware(at)
    if not locale_key:
        return _evaluate(_Compiled(None, [], "place unknown (needs review)", []), at)
    locale_key, campaign_key = _keys(locale_key, campaign_rules)
    cache_key = (locale_key, campaign_key, context.version if context is not None else "")
    cached = _status_cache.get(cache_key)
    if cached is not None and cached.valid_from <= at < cached.valid_until:
        if cached.minute <= at < cached.minute + _MINUTE:
            return cached.status  # the hot path: same verdict, same words
        # The same verdict in a new minute: the words are written again, since every check
        # says what a clock read (the compliance ledger keeps them with the call).
        compiled = _compiled(locale_key, campaign_key, campaign_rules, context)
        cached.minute = at.replace(second=0, microsecond=0)
        cached.status = _evaluate(compiled, at)
        return cached.status
    compiled = _compiled(locale_key, campaign_key, campaign_rules, context)
    status = _evaluate(compiled, at)
    if len(_status_cache) > _CACHE_LIMIT:
        _status_cache.clear()
    # Cached until the verdict may change, and at most a few hours so holiday calendars and
    # rules taking effect are read again.
    until = at + _CACHE_HORIZON
    if status.changes_at is not None and status.changes_at < until:
        until = status.changes_at
    _status_cache[cache_key] = _CachedStatus(at, until, at.replace(second=0, microsecond=0), status)
    return status


class _Minute:
    """What windows answer during one UTC minute, shared by every instant of it: whether each
    window is open, its next boundary, each zone's local day and clock text. Rules' hours are
    whole minutes of a zone's wall clock, so on a zone whose offset is whole minutes (every
    zone today) none of these can change within a UTC minute; a zone that is not is never
    shared."""

    __slots__ = ("start", "end", "inside", "change", "day", "clocks", "whole")

    def __init__(self, start: dt.datetime) -> None:
        self.start = start
        self.end = start + _MINUTE
        self.inside: dict[Any, bool] = {}
        self.change: dict[Any, dt.datetime | None] = {}
        self.day: dict[str, dt.date] = {}
        self.clocks: dict[tuple[str, ...], str] = {}
        self.whole: dict[str, bool] = {}

    def shared(self, zone: str, at: dt.datetime) -> bool:
        whole = self.whole.get(zone)
        if whole is None:
            try:
                offset = at.astimezone(zone_info(zone)).utcoffset()
            except Exception:  # an unknown zone: never shared (the place is refused anyway)
                return False
            whole = self.whole[zone] = offset is not None and not offset % _MINUTE
        return whole


_minute: list[_Minute] = []


def _minute_of(at: dt.datetime) -> _Minute:
    if _minute and _minute[0].start <= at < _minute[0].end:
        return _minute[0]
    minute = _Minute(at.replace(second=0, microsecond=0))
    _minute[:] = [minute]
    return minute


class WindowMemo:
    """What each calling window answers at one instant, shared by every locale key asked
    about that instant: the places of a store are a few thousand combinations of a few dozen
    (rule, zone) windows, so one recomputation of the queue's open places asks each window
    once instead of once per place (and the answers that hold for the whole minute are
    shared with every other instant of it). Use one memo for one instant only."""

    def __init__(self, at: dt.datetime) -> None:
        self.at = at
        # (group, exact) -> (decision, plan): the plan keeps alive the objects its
        # fingerprint names by identity, so their ids are not reused while the memo lives.
        self.verdicts: dict[Any, tuple[_Decision, _Plan]] = {}
        self._minute = _minute_of(at)
        self._open: dict[tuple[Any, dt.datetime], dt.datetime | None] = {}

    @staticmethod
    def _key(window: Window) -> int:
        return _window_key(window)

    def inside(self, window: Window, key: int | None = None) -> bool:
        if key is None:
            key = _window_key(window)
        shared = self._minute.inside
        hit = shared.get(key)
        if hit is None:
            hit = window.inside(self.at)
            if self._minute.shared(window.zone, self.at):
                shared[key] = hit
        return hit

    def next_change(self, window: Window, key: int | None = None) -> dt.datetime | None:
        if key is None:
            key = _window_key(window)
        shared = self._minute.change
        if key in shared:
            return shared[key]
        change = window.next_change(self.at)
        if self._minute.shared(window.zone, self.at):
            shared[key] = change
        return change

    def next_open(self, window: Window, at: dt.datetime) -> dt.datetime | None:
        key = (_window_key(window), at)
        if key not in self._open:
            self._open[key] = window.next_open(at)
        return self._open[key]

    def local_day(self, window: Window) -> dt.date:
        shared = self._minute.day
        day = shared.get(window.zone)
        if day is None:
            day = window.local(self.at).date()
            if self._minute.shared(window.zone, self.at):
                shared[window.zone] = day
        return day

    def clocks(self, zones: tuple[str, ...]) -> str:
        """:func:`local_time_text` at this instant."""
        shared = self._minute.clocks
        text = shared.get(zones)
        if text is None:
            text = local_time_text(self.at, zones)
            if all(self._minute.shared(zone, self.at) for zone in zones):
                shared[zones] = text
        return text

    def next_allowed(self, windows: list[Window]) -> dt.datetime | None:
        """:func:`calldesk.rules.windows.next_allowed` from this instant, windows memoised."""
        return next_allowed(windows, self.at, self.next_open)


_last_memo: list[WindowMemo] = []


def _memo_at(at: dt.datetime) -> WindowMemo:
    """The memo of ``at`` for :func:`locale_status`: places asked about the same instant (the
    queue's open places, a bench) share their decisions; other instants share the minute."""
    if _last_memo and _last_memo[0].at == at:
        return _last_memo[0]
    memo = WindowMemo(at)
    _last_memo[:] = [memo]
    return memo


@dataclass(frozen=True)
class _Plan:
    """A compiled place's (rule, window) pairs as the decision reads them, made once per
    compiled place: the pairs with their window keys, a fingerprint of them (the rules by
    identity: pack rules are shared objects; the windows by value), each rule once with the
    positions of its pairs (first appearance order), and what the words need of each rule."""

    pairs: tuple[tuple[Rule, Window, int], ...]
    fingerprint: Any
    group: int  # the fingerprint as a number (the memo's key)
    rules: tuple[tuple[Rule, tuple[int, ...]], ...]
    windows: list[Window]
    words: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...]  # hours, zones, states
    exempt: tuple[RuleCheck, ...]  # the business exemptions' checks (no time in them)


@dataclass(frozen=True)
class _Decision:
    """The one decision for a place at an instant, without words.

    A rule not in effect on the local day of its first pair refuses nothing (``lapsed``, per
    rule of the plan); every other rule's windows must all be open (``closed``: the positions
    of the pairs that are not, rule by rule). ``changes_at``: allowed, the first boundary of
    any window; refused, when every window is next open (or, not ``exact``, a lower bound:
    the latest opening among the closed windows). ``first_change``: allowed, the pair whose
    window changes first (the strictest rule), if any."""

    allowed: bool
    changes_at: dt.datetime | None
    lapsed: tuple[bool, ...]
    closed: tuple[int, ...]
    first_change: int | None = None


def _decide(plan: _Plan, memo: WindowMemo, exact: bool = True) -> _Decision:
    """Whether the place of ``plan`` may be called at ``memo.at`` and until when: the one
    place that decides, for :func:`locale_status` (which words it) and :func:`locale_window`
    (which groups the queue's places by it). Places with one fingerprint share it."""
    known = memo.verdicts.get((plan.group, exact))
    if known is not None:
        return known[0]
    pairs = plan.pairs
    lapsed = tuple(
        not rule.in_effect(memo.local_day(pairs[positions[0]][1])) for rule, positions in plan.rules
    )
    closed = tuple(
        i
        for (_, positions), off in zip(plan.rules, lapsed, strict=True)
        if not off
        for i in positions
        if not memo.inside(pairs[i][1], pairs[i][2])
    )
    if closed:
        if exact:
            changes_at = memo.next_allowed(plan.windows)
        else:
            # None of the closed windows can be open before the last of them opens.
            changes_at = None
            for i in closed:
                opens = memo.next_change(pairs[i][1], pairs[i][2])
                if opens is None:
                    changes_at = None
                    break
                if changes_at is None or opens > changes_at:
                    changes_at = opens
        decision = _Decision(False, changes_at, lapsed, closed)
    else:
        first: tuple[dt.datetime, int] | None = None
        for i, (_, window, key) in enumerate(pairs):
            change = memo.next_change(window, key)
            if change is not None and (first is None or change < first[0]):
                first = (change, i)
        if first is None:
            decision = _Decision(True, None, lapsed, closed)
        else:
            decision = _Decision(True, first[0], lapsed, closed, first[1])
    memo.verdicts[(plan.group, exact)] = (decision, plan)
    return decision


def locale_window(
    locale_key: str | None,
    memo: WindowMemo,
    campaign_rules: dict[str, Any] | None = None,
    context: RulesContext | None = None,
    *,
    exact: bool = True,
) -> tuple[bool, dt.datetime | None]:
    """``(allowed, changes_at)`` of :func:`locale_status` at ``memo.at``: the same decision
    (:func:`_decide`) from the same compiled rules, without the words, the checks or the cache
    entry (what the queue needs to group thousands of places by when they close).

    With ``exact=False`` a refused place's ``changes_at`` is a lower bound instead of the
    search for the first instant inside every window: the latest opening among its windows
    that are closed now (none of them can be inside before it opens). Enough for a cache that
    must be dropped no later than the verdict changes."""
    at = memo.at
    if not locale_key:
        return False, None
    locale_key, campaign_key = _keys(locale_key, campaign_rules)
    cache_key = (locale_key, campaign_key, context.version if context is not None else "")
    cached = _status_cache.get(cache_key)
    if cached is not None and cached.valid_from <= at < cached.valid_until:
        return cached.status.allowed, cached.status.changes_at
    compiled = _compiled(locale_key, campaign_key, campaign_rules, context)
    if compiled.refusal or compiled.registry:
        return False, None
    decision = _decide(_window_plan(compiled), memo, exact)
    return decision.allowed, decision.changes_at


def window_fingerprint(
    locale_key: str | None,
    campaign_rules: dict[str, Any] | None = None,
    context: RulesContext | None = None,
) -> Any:
    """What :func:`locale_window` decides a place from, as a hashable value: places with the
    same fingerprint get the same answer at every instant (the same rules on the same clocks
    and calendars), so a caller may ask once per fingerprint. Valid while the rule packs,
    the campaign's rules and ``context`` stay the same."""
    if not locale_key:
        return ("refused",)
    locale_key, campaign_key = _keys(locale_key, campaign_rules)
    compiled = _compiled(locale_key, campaign_key, campaign_rules, context)
    if compiled.refusal or compiled.registry:
        return ("refused",)
    return _window_plan(compiled).fingerprint


def _window_plan(compiled: _Compiled) -> _Plan:
    """The compiled place's :class:`_Plan`, made on first use."""
    plan = compiled.plan
    if plan is None:
        pairs = tuple((p.rule, p.window, _window_key(p.window)) for p in compiled.pairs)
        by_rule: dict[str, list[int]] = {}
        for i, (rule, _, _) in enumerate(pairs):
            by_rule.setdefault(rule.id, []).append(i)
        rules = tuple((pairs[ps[0]][0], tuple(ps)) for ps in by_rule.values())
        locale = compiled.locale
        zones = locale.zones if locale else ()
        states = locale.states if locale else ()
        words = tuple(
            (
                _hours_text(rule.hours),
                tuple(pairs[i][1].zone for i in positions),
                tuple(s for s in states if s in rule.states) if rule.states else (),
            )
            for rule, positions in rules
        )
        exempt = tuple(
            RuleCheck(
                rule.id,
                rule.name,
                rule.source,
                rule.effective.isoformat(),
                "exempt",
                "business line: "
                + (rule.business_source or "the rule protects consumers and residences only"),
                zones,
                tuple(s for s in states if s in rule.states),
            )
            for rule in compiled.exempt
        )
        fingerprint = tuple((id(rule), key) for rule, _, key in pairs)
        group = _group_numbers.get(fingerprint)
        if group is None:
            if len(_group_numbers) > _CACHE_LIMIT:
                _group_numbers.clear()  # numbers are never reused: less sharing, no mix-up
            group = _group_numbers[fingerprint] = next(_numbers)
        plan = compiled.plan = _Plan(
            pairs,
            fingerprint,
            group,
            rules,
            [window for _, window, _ in pairs],
            words,
            exempt,
        )
    return plan
