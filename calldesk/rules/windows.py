"""Calling windows in wall-clock time: is an instant inside, and when does that change.

A window is a rule's hours per weekday plus its closed days (Sundays, holidays), read on the
clock of one time zone. Whether an instant is inside is decided by converting the instant to
that zone's wall clock and comparing, so a DST change can never open a window early: 08:00 is
08:00 on the called party's clock whatever the offset. Boundaries (for "next allowed" and for
caching) are computed by converting local boundaries to UTC, and every answer the search gives
is checked against the wall-clock test again.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from dateutil.easter import easter

from calldesk.rules.holiday_book import HolidayDates, holiday_book
from calldesk.rules.packs import WeekHours

UTC = dt.UTC
# How far ahead "next allowed" looks before saying "never" (covers long holiday runs).
HORIZON_DAYS = 21


@functools.cache
def zone_info(name: str) -> ZoneInfo:
    return ZoneInfo(name)


@functools.cache
def holiday_calendar(country: str, subdivisions: tuple[str, ...]) -> tuple[HolidayDates, ...]:
    """Holiday calendars for a country and some of its subdivisions (unknown ones ignored).

    With no known subdivision the country's own calendar is used, or, where the country has
    no national calendar of its own (the UK's nations each have theirs), every subdivision's:
    the strictest reading. The dates come from the ``holidays`` package through the book of
    them kept between runs (:mod:`calldesk.rules.holiday_book`).
    """
    known = holiday_book().subdivisions(country)
    subdivs = tuple(s for s in subdivisions if s in known)
    if subdivs:
        return tuple(HolidayDates(country, s) for s in subdivs)
    if country == "GB":
        return tuple(HolidayDates(country, s) for s in known)
    return (HolidayDates(country),)


@dataclass(frozen=True)
class DayClosures:
    """Closed days given as data: yearly "MM-DD" days, Good Friday, US Election Day, exact dates.

    Quacks like a ``holidays`` calendar (``get(day)``) so a window treats them alike.
    """

    yearly: tuple[str, ...] = ()
    dates: tuple[tuple[dt.date, str], ...] = ()

    def get(self, day: dt.date) -> str | None:
        for when, why in self.dates:
            if when == day:
                return why
        for spec in self.yearly:
            if spec == "good_friday":
                if day == easter(day.year) - dt.timedelta(days=2):
                    return "Good Friday"
            elif spec == "election_day":
                # The Tuesday after the first Monday of November, even years and odd alike.
                if day.month == 11 and day.weekday() == 1 and 2 <= day.day <= 8:
                    return "Election Day"
            elif day.strftime("%m-%d") == spec:
                return "Flag Day" if spec == "06-14" else f"closed day {spec}"
        return None


@dataclass(frozen=True)
class Window:
    """Hours per weekday on one zone's clock, closed on the given holiday calendars."""

    hours: WeekHours
    zone: str
    calendars: tuple[HolidayDates | DayClosures, ...] = ()
    effective: dt.date | None = None  # before this local date the window does not apply
    until: dt.date | None = None  # from this local date on the window does not apply

    def holiday(self, day: dt.date) -> str | None:
        for calendar in self.calendars:
            name = calendar.get(day)
            if name:
                return str(name)
        return None

    def span_on(self, day: dt.date) -> tuple[int, int] | None:
        """The open span of a local day in minutes, or None when closed all day."""
        if (self.effective is not None and day < self.effective) or (
            self.until is not None and day >= self.until
        ):
            return (0, 24 * 60)  # not (or no longer) in force: no restriction from this rule
        span = self.hours[day.weekday()]
        if span is None or (self.calendars and self.holiday(day)):
            return None
        return span

    def local(self, at: dt.datetime) -> dt.datetime:
        return at.astimezone(zone_info(self.zone))

    def inside(self, at: dt.datetime) -> bool:
        """Whether ``at`` is inside the window on this zone's wall clock."""
        local = self.local(at)
        span = self.span_on(local.date())
        if span is None:
            return False
        seconds = local.hour * 3600 + local.minute * 60 + local.second
        return span[0] * 60 <= seconds < span[1] * 60

    def why_outside(self, at: dt.datetime) -> str:
        """Plain words for why ``at`` is outside (assumes it is)."""
        local = self.local(at)
        day = local.date()
        if self.hours[day.weekday()] is None:
            return f"closed on {local.strftime('%A')}s"
        holiday = self.holiday(day) if self.calendars else None
        if holiday:
            return f"closed on holidays ({holiday}, {day.isoformat()})"
        return f"outside hours at {local.strftime('%H:%M')} local"

    def _boundary(self, day: dt.date, minutes: int) -> dt.datetime:
        if minutes >= 24 * 60:
            day, minutes = day + dt.timedelta(days=1), minutes - 24 * 60
        local = dt.datetime.combine(
            day, dt.time(minutes // 60, minutes % 60), tzinfo=zone_info(self.zone)
        )
        return local.astimezone(UTC)

    def spans_from(self, at: dt.datetime, days: int = HORIZON_DAYS):
        """Open spans (UTC start, UTC end) on local days from the day of ``at`` on."""
        day = self.local(at).date() - dt.timedelta(days=1)
        for offset in range(days + 2):
            current = day + dt.timedelta(days=offset)
            span = self.span_on(current)
            if span is not None:
                yield self._boundary(current, span[0]), self._boundary(current, span[1])

    def next_change(self, at: dt.datetime) -> dt.datetime | None:
        """The first boundary after ``at`` (a window opening or closing), if any."""
        for start, end in self.spans_from(at):
            if start > at:
                return start
            if end > at:
                return end
        return None

    def next_open(self, at: dt.datetime) -> dt.datetime | None:
        """The first instant at or after ``at`` that is inside, or None within the horizon."""
        if self.inside(at):
            return at
        for start, end in self.spans_from(at):
            if end <= at:
                continue
            candidate = max(start, at)
            # The wall-clock test is the authority (a boundary in a DST gap is pushed later).
            for _ in range(3):
                if self.inside(candidate):
                    return candidate
                candidate += dt.timedelta(minutes=30)
                if candidate >= end:
                    break
        return None


def next_allowed(
    windows: list[Window],
    at: dt.datetime,
    next_open: Callable[[Window, dt.datetime], dt.datetime | None] | None = None,
) -> dt.datetime | None:
    """The first instant at or after ``at`` inside every window, or None within the horizon
    (``next_open(window, instant)`` answers for a window: a memo may stand in for
    ``Window.next_open``)."""
    if not windows:
        return at
    limit = at + dt.timedelta(days=HORIZON_DAYS)
    candidate = at
    while candidate <= limit:
        latest = candidate
        for window in windows:
            opens = next_open(window, candidate) if next_open else window.next_open(candidate)
            if opens is None:
                return None
            latest = max(latest, opens)
        if latest == candidate:
            return candidate
        candidate = latest
    return None
