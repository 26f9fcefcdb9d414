"""Cell values as the import reads them: countries, yes/no, minutes, ratings, times, e-mail
addresses, and the engagement score an event contact's values add up to."""

from __future__ import annotations

import datetime as dt
import re

# An e-mail address's shape, with the characters no part of one holds filled in: Python's
# pattern (_EMAIL) and polars' (EMAIL_POLARS, Rust's regex) are this one shape.
_EMAIL_SHAPE = "^[^{0}]+@[^{0}]+\\.[^{0}]{{2,}}$"
_EMAIL = re.compile(_EMAIL_SHAPE.format(r"@\s,;<>"))
# Python's \s for text: what str.isspace() calls a space (Rust's \s, polars', leaves out
# U+001C..U+001F). tests/test_import_values.py checks it against every code point.
PYTHON_SPACES = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
EMAIL_POLARS = _EMAIL_SHAPE.format("@,;<>" + "".join(f"\\x{{{ord(c):x}}}" for c in PYTHON_SPACES))
_YES = {"yes", "y", "true", "1", "x", "attended", "checked in", "ja", "oui", "si"}
_NO = {"no", "n", "false", "0", "absent", "did not attend", "no show", "nein", "non"}


def email_shapes(values: list[str]) -> list[bool]:
    """Which of ``values`` (stripped) have an e-mail address's shape, as :data:`_EMAIL` says,
    a column at a time: the same answers in a fraction of the time a match per value takes.
    (Stripped: ``$`` in Python's patterns also matches before a final line end.)"""
    import polars as pl

    return pl.Series(values, dtype=pl.String).str.contains(EMAIL_POLARS).to_list()


_COUNTRY_NAMES = {
    "usa": "US",
    "unitedstates": "US",
    "unitedstatesofamerica": "US",
    "america": "US",
    "canada": "CA",
    "unitedkingdom": "GB",
    "uk": "GB",
    "greatbritain": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northernireland": "GB",
    "germany": "DE",
    "deutschland": "DE",
    "france": "FR",
    "ireland": "IE",
    "australia": "AU",
    "newzealand": "NZ",
    "mexico": "MX",
    "spain": "ES",
    "italy": "IT",
    "netherlands": "NL",
    "belgium": "BE",
    "switzerland": "CH",
    "austria": "AT",
    "sweden": "SE",
    "norway": "NO",
    "denmark": "DK",
    "finland": "FI",
    "india": "IN",
    "japan": "JP",
    "brazil": "BR",
    "puertorico": "PR",
}


def country_code(text: str | None) -> str | None:
    """ISO 3166 alpha-2 from what lists write: "US", "usa", "United States", "Canada"."""
    if not text:
        return None
    key = re.sub(r"[^a-z]", "", text.casefold())
    if len(key) == 2:
        return key.upper()
    return _COUNTRY_NAMES.get(key)


def _yes_no(text: str) -> bool | None:
    key = text.strip().casefold()
    if key in _YES:
        return True
    if key in _NO:
        return False
    return None


def _minutes(text: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    match = re.match(r"^(\d+):(\d{2})(?::(\d{2}))?$", text)
    if match:  # h:mm[:ss] or mm:ss exports
        if match[3] is not None:
            return int(match[1]) * 60 + int(match[2])
        return int(match[1])
    try:
        return max(0, round(float(text.replace(",", "."))))
    except ValueError:
        return None


def _rating(text: str) -> str | None:
    key = text.strip().casefold()
    if not key:
        return None
    if key in ("hot", "a", "5", "4", "high", "very interested"):
        return "hot"
    if key in ("warm", "b", "3", "medium", "interested"):
        return "warm"
    if key in ("cold", "c", "d", "1", "2", "low", "not interested"):
        return "cold"
    return key[:20]


def engagement_score(
    rating: str | None,
    attended: bool | None,
    minutes: int | None,
    questions: str | None,
    booth_notes: str | None,
    download_title: str | None,
) -> int:
    """How hot an event contact is, for the queue (higher first)."""
    score = 10
    score += {"hot": 50, "warm": 25, "cold": 0}.get(rating or "", 10 if rating else 0)
    if attended is True:
        score += 20
    elif attended is False:
        score -= 5
    if minutes:
        score += min(minutes, 60) // 3
    if questions:
        score += 15
    if booth_notes:
        score += 5
    if download_title:
        score += 10
    return max(score, 0)


def _parse_time(text: str) -> dt.datetime | None:
    text = text.strip()
    if not text:
        return None
    for fmt in (
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%m/%d/%Y %H:%M:%S",
        "%m/%d/%Y %H:%M",
        "%m/%d/%Y %I:%M %p",
        "%b %d, %Y %H:%M:%S",
        "%b %d, %Y %I:%M %p",
        "%Y-%m-%d",
        "%m/%d/%Y",
    ):
        try:
            return dt.datetime.strptime(text, fmt).replace(tzinfo=dt.UTC)
        except ValueError:
            continue
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
