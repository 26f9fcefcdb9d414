"""The queue's grouping verdict (``rules.locale_window``) is ``rules.locale_status``'s verdict:
allowed and changes-at for the same place at the same instant, whatever the campaign's
narrowing; places with one window fingerprint get one answer.

Places, instants and narrowings are generated; the places are built from the shipped area-code
table (several states and zones, business lines, foreign countries, unknown zones).
"""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from calldesk.locale import _area_codes
from calldesk.rules import (
    WindowMemo,
    clear_caches,
    locale_status,
    locale_window,
    window_fingerprint,
)
from calldesk.rules.engine import _status_cache

UTC = dt.UTC
_CODES = sorted(_area_codes().items())

NARROWINGS = [
    None,
    {"skip_holidays": True},
    {"business_lines": True},
    {"hours": "09:00-17:00"},
]


@st.composite
def places(draw: st.DrawFn) -> str:
    picked = draw(st.lists(st.sampled_from(_CODES), min_size=1, max_size=3))
    countries = sorted({row[0] for _, row in picked})
    states = sorted({s for _, row in picked for s in row[1] if s})
    zones = sorted({z for _, row in picked for z in row[2] if z})
    if draw(st.booleans()):
        zones = zones[:1]
    key = f"{','.join(countries)}|{','.join(states)}|{','.join(zones)}"
    return key + ("|B" if draw(st.booleans()) else "")


instants = st.datetimes(
    min_value=dt.datetime(2025, 12, 20), max_value=dt.datetime(2027, 1, 10), timezones=st.just(UTC)
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    keys=st.lists(places() | st.sampled_from(["", "US||", "ZZ|X|America/New_York"]), max_size=6),
    at=instants,
    narrowing=st.sampled_from(NARROWINGS),
)
def test_locale_window_is_the_verdict_of_locale_status(
    keys: list[str], at: dt.datetime, narrowing: dict | None
) -> None:
    memo = WindowMemo(at)
    for exact in (True, False):
        for key in keys:
            _status_cache.clear()  # worked out from the rules, not read back from the cache
            allowed, changes = locale_window(key, memo, narrowing, exact=exact)
            status = locale_status(key, at, narrowing)
            assert allowed == status.allowed, key
            if exact or allowed:
                assert changes == status.changes_at, key
            elif status.changes_at is not None:
                # The queue's bound: never later than the verdict may change.
                assert changes is not None and at < changes <= status.changes_at, key


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(keys=st.lists(places(), min_size=2, max_size=8), at=instants)
def test_one_fingerprint_one_verdict(keys: list[str], at: dt.datetime) -> None:
    verdicts: dict[object, tuple[bool, dt.datetime | None]] = {}
    for key in keys:
        status = locale_status(key, at)
        verdict = (status.allowed, status.changes_at)
        assert verdicts.setdefault(window_fingerprint(key), verdict) == verdict, key


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    keys=st.lists(places(), min_size=1, max_size=6),
    at=instants,
    seconds=st.lists(st.integers(min_value=0, max_value=239), min_size=2, max_size=5),
    narrowing=st.sampled_from(NARROWINGS),
)
def test_answers_shared_within_a_minute_are_worked_out_afresh(
    keys: list[str], at: dt.datetime, seconds: list[int], narrowing: dict | None
) -> None:
    """What a window answers is shared by every instant of a UTC minute (and a decision by
    places with one fingerprint at one instant): the verdicts read from those shares, at
    instants of one minute and of the next ones, are the ones worked out from nothing."""
    minute = at.replace(second=0, microsecond=0)
    moments = [minute + dt.timedelta(seconds=s, microseconds=s * 7919) for s in sorted(seconds)]
    shared = []
    for moment in moments:
        for key in keys:
            _status_cache.clear()  # the verdict is worked out, from the shared answers
            shared.append(locale_status(key, moment, narrowing).as_dict())
    fresh = []
    for moment in moments:
        for key in keys:
            clear_caches()  # nothing shared
            fresh.append(locale_status(key, moment, narrowing).as_dict())
    assert shared == fresh, keys


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    keys=st.lists(places(), min_size=1, max_size=4),
    at=instants,
    minutes=st.lists(st.integers(min_value=0, max_value=600), min_size=2, max_size=6),
    narrowing=st.sampled_from(NARROWINGS),
)
def test_a_cached_verdict_says_the_clock_of_the_instant_asked(
    keys: list[str], at: dt.datetime, minutes: list[int], narrowing: dict | None
) -> None:
    """A verdict kept until it may change is read at later instants: its words (the local
    time and every check's clock, which the compliance ledger keeps with the call) are those
    of the instant asked, as if worked out afresh then."""
    clear_caches()
    moments = [at + dt.timedelta(minutes=m, seconds=m % 50) for m in sorted(minutes)]
    kept = [locale_status(key, moment, narrowing).as_dict() for moment in moments for key in keys]
    fresh = []
    for moment in moments:
        for key in keys:
            clear_caches()
            fresh.append(locale_status(key, moment, narrowing).as_dict())
    assert kept == fresh, keys
