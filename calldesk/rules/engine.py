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
import json
from dataclasses import dataclass, field, replace
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
    plan: Any = None  # (pairs with their window keys, fingerprint): see _window_plan


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
    _changes.clear()


def _evaluate(compiled: _Compiled, at: dt.datetime) -> LocaleStatus:
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
    checks: list[RuleCheck] = [
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
    ]
    refused: list[tuple[_Pair, str]] = []
    # The same clocks are read for most rules of a place: written once per evaluation.
    clock_texts: dict[tuple[str, ...], str] = {}
    by_rule: dict[str, list[_Pair]] = {}
    for pair in compiled.pairs:
        by_rule.setdefault(pair.rule.id, []).append(pair)
    for rule_id, pairs in by_rule.items():
        rule = pairs[0].rule
        hours = _hours_text(rule.hours)
        rule_states = tuple(s for s in states if s in rule.states) if rule.states else ()
        pair_zones = tuple(p.window.zone for p in pairs)
        local_day = pairs[0].window.local(at).date()
        if not rule.in_effect(local_day):
            checks.append(
                RuleCheck(
                    rule_id,
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
        outside = [(p, p.window.why_outside(at)) for p in pairs if not p.window.inside(at)]
        clocks = clock_texts.get(pair_zones)
        if clocks is None:
            clocks = clock_texts[pair_zones] = local_time_text(at, pair_zones)
        if outside:
            refused.extend(outside)
            reasons = "; ".join(f"{p.window.zone}: {why}" for p, why in outside)
            detail = f"{clocks}: {reasons} (allowed {hours})"
            verdict = "refused"
        else:
            detail = f"{clocks} is inside {hours}"
            verdict = "allowed"
        if rule.closed_on_holidays:
            detail += "; closed on holidays"
        checks.append(
            RuleCheck(
                rule_id,
                rule.name,
                rule.source,
                rule.effective.isoformat(),
                verdict,
                detail,
                pair_zones,
                rule_states,
            )
        )
    windows = [p.window for p in compiled.pairs]
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
            local_time=local_time_text(at, zones),
            zones=zones,
            states=states,
            rule=f"not callable: {compiled.registry[0]}",
            checks=checks,
            country=country,
            locale_key=key,
            **facts,
        )
    if refused:
        next_at = next_allowed(windows, at)
        first, why = refused[0]
        deciding = f"{first.rule.name}: {why} ({first.rule.source})"
        return LocaleStatus(
            allowed=False,
            next_allowed_at=next_at,
            changes_at=next_at,
            local_time=local_time_text(at, zones),
            zones=zones,
            states=states,
            rule=deciding,
            checks=checks,
            country=country,
            locale_key=key,
            **facts,
        )
    nexts = [_next_change(w, at) for w in windows]
    changes = [c for c in nexts if c is not None]
    strictest = _strictest(compiled.pairs, at, nexts)
    return LocaleStatus(
        allowed=True,
        next_allowed_at=None,
        changes_at=min(changes) if changes else None,
        local_time=local_time_text(at, zones),
        zones=zones,
        states=states,
        rule=strictest,
        checks=checks,
        country=country,
        locale_key=key,
        **facts,
    )


def _window_key(window: Window) -> Any:
    """A window by value: a holiday calendar by identity (``holiday_calendar`` keeps every
    calendar it made for the life of the process), closed days by value."""
    calendars = tuple(c if isinstance(c, DayClosures) else id(c) for c in window.calendars)
    return (window.hours, window.zone, calendars, window.effective, window.until)


_changes: dict[Any, tuple[dt.datetime, dt.datetime | None]] = {}


def _next_change(window: Window, at: dt.datetime) -> dt.datetime | None:
    """``window.next_change(at)``, remembered per window until that change: from any instant
    between the one it was worked out at and the change itself, the first boundary ahead is
    the same one. The places of a store share a few thousand windows."""
    key = _window_key(window)
    hit = _changes.get(key)
    if hit is not None and hit[1] is not None and hit[0] <= at < hit[1]:
        return hit[1]
    change = window.next_change(at)
    if len(_changes) > _CACHE_LIMIT:
        _changes.clear()
    _changes[key] = (at, change)
    return change


@functools.lru_cache(maxsize=1024)
def _hours_text(hours: Any) -> str:
    """:func:`format_week_hours`, written once per distinct week of hours."""
    return format_week_hours(hours)


def _strictest(
    pairs: list[_Pair], at: dt.datetime, nexts: list[dt.datetime | None] | None = None
) -> str:
    """The rule that closes first from ``at``: the one a rep is really working under
    (``nexts``: each pair's next change, when already worked out)."""
    if not pairs:
        return "no calling-hours rule binds this business line (see the exemptions)"
    if nexts is None:
        nexts = [pair.window.next_change(at) for pair in pairs]
    best: tuple[dt.datetime, _Pair] | None = None
    for pair, change in zip(pairs, nexts, strict=True):
        if change is not None and (best is None or change < best[0]):
            best = (change, pair)
    pair = pairs[0] if best is None else best[1]
    return f"{pair.rule.name} ({_hours_text(pair.rule.hours)}; {pair.rule.source})"


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
        # The hot path: same verdict; the local time text only changes once a minute.
        if not (cached.minute <= at < cached.minute + _MINUTE):
            minute = at.replace(second=0, microsecond=0)
            cached.minute = minute
            cached.status = replace(
                cached.status, local_time=_safe_local_time(minute, cached.status.zones)
            )
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


class WindowMemo:
    """What each calling window answers at one instant, shared by every locale key asked
    about that instant: the places of a store are a few thousand combinations of a few dozen
    (rule, zone) windows, so one recomputation of the queue's open places asks each window
    once instead of once per place. Use one memo for one instant only."""

    def __init__(self, at: dt.datetime) -> None:
        self.at = at
        self.verdicts: dict[Any, tuple[tuple[bool, dt.datetime | None], Any]] = {}
        self._inside: dict[Any, bool] = {}
        self._change: dict[Any, dt.datetime | None] = {}
        self._open: dict[tuple[Any, dt.datetime], dt.datetime | None] = {}
        self._day: dict[str, dt.date] = {}

    @staticmethod
    def _key(window: Window) -> Any:
        # Holiday calendars are cached objects (unhashable dicts): known by identity.
        calendars = tuple(id(c) for c in window.calendars)
        return (window.hours, window.zone, calendars, window.effective, window.until)

    def inside(self, window: Window, key: Any = None) -> bool:
        if key is None:
            key = self._key(window)
        hit = self._inside.get(key)
        if hit is None:
            hit = self._inside[key] = window.inside(self.at)
        return hit

    def next_change(self, window: Window, key: Any = None) -> dt.datetime | None:
        if key is None:
            key = self._key(window)
        if key not in self._change:
            self._change[key] = window.next_change(self.at)
        return self._change[key]

    def next_open(self, window: Window, at: dt.datetime) -> dt.datetime | None:
        key = (self._key(window), at)
        if key not in self._open:
            self._open[key] = window.next_open(at)
        return self._open[key]

    def local_day(self, window: Window) -> dt.date:
        day = self._day.get(window.zone)
        if day is None:
            day = self._day[window.zone] = window.local(self.at).date()
        return day

    def next_allowed(self, windows: list[Window]) -> dt.datetime | None:
        """:func:`calldesk.rules.windows.next_allowed` from this instant, windows memoised."""
        return next_allowed(windows, self.at, self.next_open)


def locale_window(
    locale_key: str | None,
    memo: WindowMemo,
    campaign_rules: dict[str, Any] | None = None,
    context: RulesContext | None = None,
    *,
    exact: bool = True,
) -> tuple[bool, dt.datetime | None]:
    """``(allowed, changes_at)`` of :func:`locale_status` at ``memo.at``: the same verdict
    from the same compiled rules, without the words, the checks or the cache entry (what the
    queue needs to group thousands of places by when they close).

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
    pairs, fingerprint = _window_plan(compiled)
    # Places whose rules put the same windows in the same order share one answer.
    known = memo.verdicts.get((fingerprint, exact))
    if known is not None:
        return known[0]
    # As _evaluate: a rule not in effect on the local day of its first pair refuses nothing.
    refused = False
    bound: dt.datetime | None = None
    seen: dict[str, bool] = {}
    for rule, window, key in pairs:
        in_effect = seen.get(rule.id)
        if in_effect is None:
            in_effect = seen[rule.id] = rule.in_effect(memo.local_day(window))
        if in_effect and not memo.inside(window, key):
            refused = True
            if exact:
                break
            opens = memo.next_change(window, key)
            if opens is None:
                bound = None
                break
            if bound is None or opens > bound:
                bound = opens
    if refused:
        windows = [window for _, window, _ in pairs]
        verdict = (False, memo.next_allowed(windows) if exact else bound)
    else:
        changes = [c for c in (memo.next_change(w, k) for _, w, k in pairs) if c is not None]
        verdict = (True, min(changes) if changes else None)
    # The pairs are kept with the answer: the objects the fingerprint names by identity stay
    # alive (their ids are not reused) for as long as the memo is.
    memo.verdicts[(fingerprint, exact)] = (verdict, pairs)
    return verdict


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
    return _window_plan(compiled)[1]


def _window_plan(compiled: _Compiled) -> tuple[tuple[tuple[Rule, Window, Any], ...], Any]:
    """The compiled place's (rule, window) pairs and a fingerprint of them, made once per
    compiled place: the rules (by identity: pack rules are shared objects) and the windows
    (hours, zone, calendars, dates)."""
    plan = compiled.plan
    if plan is None:
        pairs = tuple((p.rule, p.window, WindowMemo._key(p.window)) for p in compiled.pairs)
        fingerprint = tuple((id(rule), key) for rule, _, key in pairs)
        plan = compiled.plan = (pairs, fingerprint)
    return plan
