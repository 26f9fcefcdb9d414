"""Holiday dates, worked out a year at a time and kept between runs.

Whether a day is a holiday comes from the ``holidays`` package, which builds a country's
calendar from its rules: importing it and a country's module costs about 0.12 s of CPU, on
every start of a command that decides a calling window (``calldesk queue next``). The dates a
calendar gives for a year are the same for one release of the package, so they are kept in a
file of the data folder named by that release: a command starts with them and imports the
package only for a calendar or a year the file does not hold yet.

A year's dates are worked out by the package alone (a calendar made for that year), which
gives the answers the package's own calendar gives for every day of it, observed days
included (``tests/test_rules_holiday_book.py`` compares them day by day).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import importlib.util
import sys
import threading
from pathlib import Path
from typing import Any

from calldesk import __version__
from calldesk.paths import cache_file, read_cache, write_cache

_FORMAT = 1


@functools.cache
def _fingerprint() -> str | None:
    """The ``holidays`` release, as a digest of its version file. The desktop bundle keeps no
    source: there calldesk's version names the release it was built with (from the lock)."""
    spec = importlib.util.find_spec("holidays")
    origin = spec.origin if spec is not None else None
    try:
        version = (Path(origin).parent / "version.py").read_bytes() if origin else None
    except OSError:
        version = None
    if version is None:
        if not getattr(sys, "frozen", False):
            return None  # (an installation without it: nothing kept between runs)
        version = f"frozen {__version__}".encode()
    return hashlib.sha256(b"%d|" % _FORMAT + version).hexdigest()[:16]


class HolidayBook:
    """The holiday dates a process knows, read from and written to ``path`` (None: kept in
    memory only). Thread-safe: windows are decided on the desk's threads too."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._lock = threading.Lock()
        data = read_cache(path) if path is not None else None
        try:
            self._subdivisions: dict[str, list[str]] = dict(data["subdivisions"])
            self._years: dict[str, dict[str, str]] = dict(data["years"])
        except (KeyError, TypeError, ValueError):  # (None: no file yet)
            self._subdivisions, self._years = {}, {}

    def subdivisions(self, country: str) -> tuple[str, ...]:
        """The subdivisions the package has calendars for in ``country``."""
        known = self._subdivisions.get(country)
        if isinstance(known, list) and all(type(s) is str for s in known):
            return tuple(known)
        import holidays  # (not kept yet, or a spoilt entry: worked out again)

        known = list(holidays.country_holidays(country).subdivisions)
        with self._lock:
            self._subdivisions[country] = known
        self._save()
        return tuple(known)

    def year(self, country: str, subdiv: str | None, year: int) -> dict[dt.date, str]:
        """The holidays of one calendar in one year, by date."""
        key = f"{country}|{subdiv or ''}|{year}"
        kept = self._years.get(key)
        if kept is not None:
            try:
                dates = {dt.date.fromisoformat(day): name for day, name in kept.items()}
                if all(day.year == year and type(name) is str for day, name in dates.items()):
                    return dates
            except (AttributeError, TypeError, ValueError):
                pass  # a spoilt entry: worked out again
        import holidays

        options: dict[str, Any] = {"years": year}
        if subdiv:
            options["subdiv"] = subdiv
        dates = {
            day: str(name) for day, name in holidays.country_holidays(country, **options).items()
        }
        with self._lock:
            self._years[key] = {day.isoformat(): name for day, name in dates.items()}
        self._save()
        return dates

    def _save(self) -> None:
        if self.path is None:
            return
        with self._lock:
            data = {"subdivisions": dict(self._subdivisions), "years": dict(self._years)}
        write_cache(self.path, data)


_book: HolidayBook | None = None
_book_lock = threading.Lock()


def holiday_book() -> HolidayBook:
    """The process's book, read from the data folder on first use."""
    global _book
    fingerprint = _fingerprint()
    path = cache_file("holidays", fingerprint) if fingerprint else None
    with _book_lock:
        if _book is None or _book.path != path:  # (tests move the data folder)
            _book = HolidayBook(path)
        return _book


class HolidayDates:
    """One holiday calendar (a country's, or one subdivision's): ``get(day)`` answers as the
    ``holidays`` package's calendars do (the holiday's name, or None), from the book."""

    __slots__ = ("country", "subdiv", "_years")

    def __init__(self, country: str, subdiv: str | None = None) -> None:
        self.country = country
        self.subdiv = subdiv
        self._years: dict[int, dict[dt.date, str]] = {}

    def get(self, day: dt.date) -> str | None:
        dates = self._years.get(day.year)
        if dates is None:
            dates = self._years[day.year] = holiday_book().year(self.country, self.subdiv, day.year)
        return dates.get(day)

    def __repr__(self) -> str:
        where = f"{self.country}-{self.subdiv}" if self.subdiv else self.country
        return f"HolidayDates({where})"
