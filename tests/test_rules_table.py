"""One row per rule of ../shared/COMPLIANCE.md, at instants just inside and just outside.

Each row names a locale key, a local wall-clock time in a named zone, and whether calling is
allowed then. Local times are converted to UTC with zoneinfo here, so the engine is tested on
the instants a called party would see on their own clock (including both DST changes of 2026
and 2027, Sundays and state holidays).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import holidays
import pytest

from calldesk.rules import locale_status, shipped_packs
from calldesk.rules.windows import HORIZON_DAYS

UTC = dt.UTC
NY, CHI, LA_ZONE, TOR, LON = (
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "America/Toronto",
    "Europe/London",
)


def local(zone: str, text: str) -> dt.datetime:
    """A wall-clock time in ``zone`` as an aware UTC instant."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)


# (rule, locale key, zone of the clock, local time, allowed)
# 2026-11-24 is a Tuesday, 2026-11-28 a Saturday, 2026-11-29 a Sunday.
ROWS = [
    # US federal 8:00-21:00 every day (a California contact: no state overlay)
    ("us-federal", f"US|CA|{LA_ZONE}", LA_ZONE, "2026-11-24 07:59", False),
    ("us-federal", f"US|CA|{LA_ZONE}", LA_ZONE, "2026-11-24 08:00", True),
    ("us-federal", f"US|CA|{LA_ZONE}", LA_ZONE, "2026-11-24 20:59", True),
    ("us-federal", f"US|CA|{LA_ZONE}", LA_ZONE, "2026-11-24 21:00", False),
    ("us-federal", f"US|CA|{LA_ZONE}", LA_ZONE, "2026-11-29 12:00", True),  # Sundays are fine
    # Florida 8:00-20:00
    ("us-fl", f"US|FL|{NY}", NY, "2026-11-24 07:59", False),
    ("us-fl", f"US|FL|{NY}", NY, "2026-11-24 08:00", True),
    ("us-fl", f"US|FL|{NY}", NY, "2026-11-24 19:59", True),
    ("us-fl", f"US|FL|{NY}", NY, "2026-11-24 20:00", False),
    # Oklahoma 8:00-20:00
    ("us-ok", f"US|OK|{CHI}", CHI, "2026-11-24 07:59", False),
    ("us-ok", f"US|OK|{CHI}", CHI, "2026-11-24 08:00", True),
    ("us-ok", f"US|OK|{CHI}", CHI, "2026-11-24 19:59", True),
    ("us-ok", f"US|OK|{CHI}", CHI, "2026-11-24 20:00", False),
    # Maryland 8:00-20:00
    ("us-md", f"US|MD|{NY}", NY, "2026-11-24 07:59", False),
    ("us-md", f"US|MD|{NY}", NY, "2026-11-24 08:00", True),
    ("us-md", f"US|MD|{NY}", NY, "2026-11-24 19:59", True),
    ("us-md", f"US|MD|{NY}", NY, "2026-11-24 20:00", False),
    # Alabama 8:00-20:00, no Sundays, no state holidays (Confederate Memorial Day 2027-04-26)
    ("us-al", f"US|AL|{CHI}", CHI, "2026-11-24 07:59", False),
    ("us-al", f"US|AL|{CHI}", CHI, "2026-11-24 08:00", True),
    ("us-al", f"US|AL|{CHI}", CHI, "2026-11-24 19:59", True),
    ("us-al", f"US|AL|{CHI}", CHI, "2026-11-24 20:00", False),
    ("us-al", f"US|AL|{CHI}", CHI, "2026-11-28 19:59", True),  # Saturday
    ("us-al", f"US|AL|{CHI}", CHI, "2026-11-29 12:00", False),  # Sunday
    ("us-al", f"US|AL|{CHI}", CHI, "2026-11-30 08:00", True),  # Monday after
    ("us-al", f"US|AL|{CHI}", CHI, "2027-04-26 12:00", False),  # state holiday
    ("us-al", f"US|AL|{CHI}", CHI, "2027-04-27 12:00", True),
    # Louisiana 8:00-20:00, no Sundays, no state holidays (Mardi Gras 2027-02-09)
    ("us-la", f"US|LA|{CHI}", CHI, "2026-11-24 20:00", False),
    ("us-la", f"US|LA|{CHI}", CHI, "2026-11-24 19:59", True),
    ("us-la", f"US|LA|{CHI}", CHI, "2026-11-29 12:00", False),  # Sunday
    ("us-la", f"US|LA|{CHI}", CHI, "2027-02-09 12:00", False),  # Mardi Gras
    ("us-la", f"US|LA|{CHI}", CHI, "2027-02-10 12:00", True),
    # Mississippi 8:00-20:00 Central, no Sundays: read on the Central clock even for a
    # contact whose number says Eastern
    ("us-ms", f"US|MS|{NY}", CHI, "2026-11-24 07:59", False),  # 08:59 in New York
    ("us-ms", f"US|MS|{NY}", CHI, "2026-11-24 08:00", True),
    ("us-ms", f"US|MS|{NY}", CHI, "2026-11-24 19:59", True),  # 20:59 in New York
    ("us-ms", f"US|MS|{NY}", CHI, "2026-11-24 20:00", False),
    ("us-ms", f"US|MS|{CHI}", CHI, "2026-11-29 12:00", False),  # Sunday
    # Massachusetts 8:00-20:00
    ("us-ma", f"US|MA|{NY}", NY, "2026-11-24 07:59", False),
    ("us-ma", f"US|MA|{NY}", NY, "2026-11-24 08:00", True),
    ("us-ma", f"US|MA|{NY}", NY, "2026-11-24 19:59", True),
    ("us-ma", f"US|MA|{NY}", NY, "2026-11-24 20:00", False),
    # Connecticut 9:00-20:00 since 2023-10-01 (P.A. 23-98), 9:00-21:00 before
    ("us-ct-2023", f"US|CT|{NY}", NY, "2026-11-24 08:59", False),
    ("us-ct-2023", f"US|CT|{NY}", NY, "2026-11-24 09:00", True),
    ("us-ct-2023", f"US|CT|{NY}", NY, "2026-11-24 19:59", True),
    ("us-ct-2023", f"US|CT|{NY}", NY, "2026-11-24 20:00", False),
    ("us-ct", f"US|CT|{NY}", NY, "2023-09-29 20:30", True),
    ("us-ct", f"US|CT|{NY}", NY, "2023-09-29 21:00", False),
    # Kentucky 10:00-21:00
    ("us-ky", f"US|KY|{NY}", NY, "2026-11-24 09:59", False),
    ("us-ky", f"US|KY|{NY}", NY, "2026-11-24 10:00", True),
    ("us-ky", f"US|KY|{NY}", NY, "2026-11-24 20:59", True),
    ("us-ky", f"US|KY|{NY}", NY, "2026-11-24 21:00", False),
    # Michigan, New Mexico 9:00-21:00 (vendor table); Minnesota 9:00-21:00 (325E.30)
    ("us-mi-nm", "US|MI|America/Detroit", "America/Detroit", "2026-11-24 08:59", False),
    ("us-mi-nm", "US|MI|America/Detroit", "America/Detroit", "2026-11-24 09:00", True),
    ("us-mn", f"US|MN|{CHI}", CHI, "2026-11-24 08:59", False),
    ("us-mn", f"US|MN|{CHI}", CHI, "2026-11-24 20:59", True),
    ("us-mi-nm", "US|NM|America/Denver", "America/Denver", "2026-11-24 09:00", True),
    ("us-mi-nm", "US|NM|America/Denver", "America/Denver", "2026-11-24 21:00", False),
    # Nevada: no statutory live-call window (NRS 597.814 binds only automatic dialers): federal
    ("us-federal", f"US|NV|{LA_ZONE}", LA_ZONE, "2026-11-24 07:59", False),
    ("us-federal", f"US|NV|{LA_ZONE}", LA_ZONE, "2026-11-24 08:00", True),
    ("us-federal", f"US|NV|{LA_ZONE}", LA_ZONE, "2026-11-24 20:59", True),
    ("us-federal", f"US|NV|{LA_ZONE}", LA_ZONE, "2026-11-24 21:00", False),
    # Pennsylvania: Act 47 from 2026-10-18 (9:00-19:00, no Sundays), 8:00-21:00 before;
    # legal holidays closed since 2019-12-03 (73 P.S. 2245(a)(10))
    ("us-pa-2026", f"US|PA|{NY}", NY, "2026-11-24 18:59", True),
    ("us-pa-2026", f"US|PA|{NY}", NY, "2026-11-24 19:00", False),
    ("us-pa", f"US|PA|{NY}", NY, "2026-10-16 20:30", True),
    ("us-pa", f"US|PA|{NY}", NY, "2026-10-16 21:00", False),
    ("us-pa-holidays", f"US|PA|{NY}", NY, "2026-11-26 12:00", False),  # Thanksgiving
    ("us-pa-holidays", f"US|PA|{NY}", NY, "2026-11-24 12:00", True),
    # Rhode Island Mon-Fri 9:00-18:00, Sat 10:00-17:00, no Sundays
    ("us-ri", f"US|RI|{NY}", NY, "2026-11-24 17:59", True),
    ("us-ri", f"US|RI|{NY}", NY, "2026-11-28 17:00", False),
    # Utah 8:00-21:00, no Sundays
    ("us-ut", "US|UT|America/Denver", "America/Denver", "2026-11-24 20:59", True),
    ("us-ut", "US|UT|America/Denver", "America/Denver", "2026-11-29 12:00", False),
    # Texas Mon-Sat 9:00-21:00, Sunday 12:00-21:00
    ("us-tx", f"US|TX|{CHI}", CHI, "2026-11-29 11:59", False),
    ("us-tx", f"US|TX|{CHI}", CHI, "2026-11-29 12:00", True),
    # Oregon 8:00-20:00 since 2026-01-01 (HB 3865)
    ("us-or", f"US|OR|{LA_ZONE}", LA_ZONE, "2026-11-24 20:00", False),
    ("us-or", f"US|OR|{LA_ZONE}", LA_ZONE, "2025-11-24 20:00", True),
    # Washington ends 20:00; Wyoming 8:00-20:00
    ("us-wa", f"US|WA|{LA_ZONE}", LA_ZONE, "2026-11-24 20:00", False),
    ("us-wy", "US|WY|America/Denver", "America/Denver", "2026-11-24 19:59", True),
    # British Columbia: no calls on statutory holidays (BC Day 2026-08-03)
    ("ca-bc", "CA|BC|America/Vancouver", "America/Vancouver", "2026-08-03 12:00", False),
    ("ca-bc", "CA|BC|America/Vancouver", "America/Vancouver", "2026-08-04 12:00", True),
    # the 30-day cap is per person (tests/test_rules_contacts.py); the window itself is open
    ("ca-bc-30d", "CA|BC|America/Vancouver", "America/Vancouver", "2026-08-04 12:00", True),
    # Canada: weekdays 9:00-21:30, weekends 10:00-18:00
    ("ca-crtc", f"CA|ON|{TOR}", TOR, "2026-11-24 08:59", False),
    ("ca-crtc", f"CA|ON|{TOR}", TOR, "2026-11-24 09:00", True),
    ("ca-crtc", f"CA|ON|{TOR}", TOR, "2026-11-24 21:29", True),
    ("ca-crtc", f"CA|ON|{TOR}", TOR, "2026-11-24 21:30", False),
    ("ca-crtc", f"CA|ON|{TOR}", TOR, "2026-11-28 09:59", False),
    ("ca-crtc", f"CA|ON|{TOR}", TOR, "2026-11-28 10:00", True),
    ("ca-crtc", f"CA|ON|{TOR}", TOR, "2026-11-29 17:59", True),
    ("ca-crtc", f"CA|ON|{TOR}", TOR, "2026-11-29 18:00", False),
    # United Kingdom: Mon-Fri 8:00-21:00, Sat 9:00-21:00, no Sundays or bank holidays
    ("gb-guidance", f"GB|ENG|{LON}", LON, "2026-11-24 07:59", False),
    ("gb-guidance", f"GB|ENG|{LON}", LON, "2026-11-24 08:00", True),
    ("gb-guidance", f"GB|ENG|{LON}", LON, "2026-11-24 20:59", True),
    ("gb-guidance", f"GB|ENG|{LON}", LON, "2026-11-24 21:00", False),
    ("gb-guidance", f"GB|ENG|{LON}", LON, "2026-11-28 08:59", False),
    ("gb-guidance", f"GB|ENG|{LON}", LON, "2026-11-28 09:00", True),
    ("gb-guidance", f"GB|ENG|{LON}", LON, "2026-11-29 12:00", False),  # Sunday
    ("gb-guidance", f"GB|ENG|{LON}", LON, "2026-12-28 12:00", False),  # Boxing Day (observed)
    ("gb-guidance", f"GB|ENG|{LON}", LON, "2026-11-30 12:00", True),  # St Andrew's: Scotland only
    ("gb-guidance", f"GB||{LON}", LON, "2026-11-30 12:00", False),  # nation unknown: every one's
]


@pytest.mark.parametrize(("rule_id", "key", "zone", "when", "allowed"), ROWS)
def test_rule_table(rule_id: str, key: str, zone: str, when: str, allowed: bool) -> None:
    status = locale_status(key, local(zone, when))
    assert status.allowed is allowed, (status.rule, [c.detail for c in status.checks])
    verdicts = {c.rule_id: c.verdict for c in status.checks}
    assert rule_id in verdicts, "the rule of this row must be among those checked"
    if not allowed:
        assert status.next_allowed_at is not None and status.next_allowed_at > local(zone, when)
        later = locale_status(key, status.next_allowed_at)
        assert later.allowed


def test_every_compliance_rule_has_a_table_row() -> None:
    shipped = {rule.id for pack in shipped_packs().values() for rule in pack.rules}
    assert shipped == {row[0] for row in ROWS}


def test_table_dates_are_what_the_rows_claim() -> None:
    al = holidays.country_holidays("US", subdiv="AL", years=2027)
    la = holidays.country_holidays("US", subdiv="LA", years=2027)
    fl = holidays.country_holidays("US", subdiv="FL", years=2027)
    assert dt.date(2027, 4, 26) in al and dt.date(2027, 4, 26) not in fl
    assert dt.date(2027, 2, 9) in la
    assert dt.date(2026, 11, 29).weekday() == 6


def test_state_holiday_closes_only_that_state() -> None:
    at = local(CHI, "2027-04-26 12:00")
    assert not locale_status(f"US|AL|{CHI}", at).allowed
    assert locale_status(f"US|TX|{CHI}", at).allowed
    assert locale_status(f"US|OK|{CHI}", at).allowed


# --- DST: a change must never open a window early (nor close it late) --------------------

# (zone, key, date of the change, day tested). US and Canada change on a Sunday morning, when
# their windows are open; the UK changes on a Sunday, when it is closed all day, so the UK rows
# test the Sunday (closed) and the Monday after against the offset before the change.
DST_CHANGES = [
    (NY, f"US|FL|{NY}", "2026-03-08", "2026-03-08"),
    (NY, f"US|FL|{NY}", "2026-11-01", "2026-11-01"),
    (NY, f"US|FL|{NY}", "2027-03-14", "2027-03-14"),
    (NY, f"US|FL|{NY}", "2027-11-07", "2027-11-07"),
    (LA_ZONE, f"US|CA|{LA_ZONE}", "2026-03-08", "2026-03-08"),
    (LA_ZONE, f"US|CA|{LA_ZONE}", "2026-11-01", "2026-11-01"),
    (LA_ZONE, f"US|CA|{LA_ZONE}", "2027-03-14", "2027-03-14"),
    (LA_ZONE, f"US|CA|{LA_ZONE}", "2027-11-07", "2027-11-07"),
    (TOR, f"CA|ON|{TOR}", "2026-03-08", "2026-03-08"),
    (TOR, f"CA|ON|{TOR}", "2026-11-01", "2026-11-01"),
    (TOR, f"CA|ON|{TOR}", "2027-03-14", "2027-03-14"),
    (TOR, f"CA|ON|{TOR}", "2027-11-07", "2027-11-07"),
    (LON, f"GB|ENG|{LON}", "2026-03-29", "2026-03-30"),
    (LON, f"GB|ENG|{LON}", "2026-10-25", "2026-10-26"),
    (LON, f"GB|ENG|{LON}", "2027-03-28", "2027-03-30"),  # 29th: Easter Monday
    (LON, f"GB|ENG|{LON}", "2027-10-31", "2027-11-01"),
]


def _window(key: str, day: dt.date) -> tuple[dt.time, dt.time]:
    if key.startswith("CA"):
        return (dt.time(9), dt.time(21, 30)) if day.weekday() < 5 else (dt.time(10), dt.time(18))
    if key.startswith("US|FL"):
        return dt.time(8), dt.time(20)
    return dt.time(8), dt.time(21)


@pytest.mark.parametrize(("zone", "key", "change", "day"), DST_CHANGES)
def test_dst_change_never_opens_early(zone: str, key: str, change: str, day: str) -> None:
    change_day = dt.date.fromisoformat(change)
    date = dt.date.fromisoformat(day)
    tz = ZoneInfo(zone)
    before = dt.datetime.combine(change_day - dt.timedelta(days=1), dt.time(12), tzinfo=tz)
    after = dt.datetime.combine(change_day + dt.timedelta(days=1), dt.time(12), tzinfo=tz)
    assert before.utcoffset() != after.utcoffset(), "the row must straddle a DST change"
    if change_day != date:  # the UK: closed on the Sunday of the change, all day
        sunday = dt.datetime.combine(change_day, dt.time(0), tzinfo=tz).astimezone(UTC)
        for hour in range(24):
            assert not locale_status(key, sunday + dt.timedelta(hours=hour)).allowed
    opens, closes = _window(key, date)
    start = dt.datetime.combine(date, opens, tzinfo=tz).astimezone(UTC)
    end = dt.datetime.combine(date, closes, tzinfo=tz).astimezone(UTC)
    second = dt.timedelta(seconds=1)
    assert not locale_status(key, start - second).allowed
    assert locale_status(key, start).allowed
    assert locale_status(key, end - second).allowed
    assert not locale_status(key, end).allowed
    # The instant the window would open with the previous day's offset is still closed.
    stale_offset = before.utcoffset()
    assert stale_offset is not None
    naive_start = dt.datetime.combine(date, opens) - stale_offset
    naive = naive_start.replace(tzinfo=UTC)
    assert locale_status(key, naive).allowed is (naive >= start)
    # Scanning minute by minute across the change day agrees with the wall clock.
    midnight = dt.datetime.combine(date, dt.time(0), tzinfo=tz).astimezone(UTC)
    status = locale_status(key, midnight)
    assert not status.allowed and status.next_allowed_at == start
    at = midnight
    while at < midnight + dt.timedelta(hours=25):
        wall = at.astimezone(tz)
        inside = opens <= wall.time() < closes and wall.date() == date
        if wall.date() == date:
            assert locale_status(key, at).allowed is inside, wall
        at += dt.timedelta(minutes=15)


def test_next_allowed_skips_sunday_and_holiday() -> None:
    # Saturday 2026-12-26 20:30 in Alabama: Sunday closed, Monday 28th is not an AL holiday
    # (Christmas observed is Friday 25th), so Monday 08:00.
    status = locale_status(f"US|AL|{CHI}", local(CHI, "2026-12-26 20:30"))
    assert not status.allowed
    assert status.next_allowed_at == local(CHI, "2026-12-28 08:00")
    # The UK after Christmas 2026: Sat 26th is Boxing Day, Sun closed, Mon 28th observed.
    status = locale_status(f"GB|ENG|{LON}", local(LON, "2026-12-24 21:30"))
    assert status.next_allowed_at == local(LON, "2026-12-29 08:00")


def test_several_zones_need_every_zone_inside() -> None:
    key = f"US|FL|{CHI},{NY}"
    # 08:30 Eastern is 07:30 Central: refused until 08:00 Central.
    status = locale_status(key, local(NY, "2026-11-24 08:30"))
    assert not status.allowed
    assert status.next_allowed_at == local(CHI, "2026-11-24 08:00")
    # 19:30 Central is 20:30 Eastern: refused (Florida ends at 20:00 on every clock).
    assert not locale_status(key, local(CHI, "2026-11-24 19:30")).allowed
    status = locale_status(key, local(CHI, "2026-11-24 12:00"))
    assert status.allowed
    assert status.changes_at == local(NY, "2026-11-24 20:00")
    assert "EST" in status.local_time and "CST" in status.local_time


def test_strictest_state_wins_when_number_and_address_disagree() -> None:
    # Address in Texas (federal 8-21), number from Florida (8-20): Florida's end applies.
    key = f"US|FL,TX|{CHI},{NY}"
    assert not locale_status(key, local(NY, "2026-11-24 20:15")).allowed
    assert locale_status(key, local(NY, "2026-11-24 19:45")).allowed


@pytest.mark.parametrize(
    "key",
    [None, "", "US||", "XX||Europe/Paris", "DE||Europe/Berlin", "US|FL|Not/AZone", "garbage"],
)
def test_unknown_place_is_never_allowed(key: str | None) -> None:
    for hour in range(0, 24, 3):
        status = locale_status(key, dt.datetime(2026, 11, 24, hour, tzinfo=UTC))
        assert not status.allowed
        assert status.next_allowed_at is None
        assert status.rule.startswith("not callable")


def test_cached_verdict_follows_the_clock() -> None:
    key = f"US|OK|{CHI}"
    inside = locale_status(key, local(CHI, "2026-11-24 19:00"))
    assert inside.allowed and inside.changes_at == local(CHI, "2026-11-24 20:00")
    again = locale_status(key, local(CHI, "2026-11-24 19:30"))
    assert again.allowed and again.local_time == "Tue 19:30 CST"
    assert not locale_status(key, local(CHI, "2026-11-24 20:00")).allowed


def test_naive_instant_is_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        locale_status(f"US|OK|{CHI}", dt.datetime(2026, 11, 24, 12))


def test_never_within_horizon_says_none() -> None:
    # A campaign that calls only on Sundays, in Alabama (no Sundays): never.
    status = locale_status(
        f"US|AL|{CHI}", local(CHI, "2026-11-24 12:00"), {"days": ["sun"], "hours": "09:00-17:00"}
    )
    assert not status.allowed and status.next_allowed_at is None
    assert HORIZON_DAYS >= 14
