"""Where a contact is, as the calling rules see it.

A contact's *locale key* names the set of places whose rules apply to it: its country, every
state or province it may be in (from its address and from its numbers' area codes) and every
time zone it may be in (from its numbers, narrowed by the address). Contacts that share a key
are opened and closed together by the calling rules, so the queue checks each key once per
moment instead of each contact. ``None`` means the place cannot be determined: such a contact
is never offered (fail closed) and waits in the "needs review" list.

Key format: ``"CC|ST1,ST2|Zone/One,Zone/Two"`` (states and zones sorted; either may be empty
but not both).
"""

from __future__ import annotations

import csv
import functools
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from calldesk import paths


@dataclass(frozen=True)
class Locale:
    country: str
    states: tuple[str, ...]
    zones: tuple[str, ...]

    @property
    def key(self) -> str:
        return f"{self.country}|{','.join(self.states)}|{','.join(self.zones)}"


def parse_key(key: str) -> Locale:
    country, states, zones = key.split("|")
    return Locale(
        country, tuple(s for s in states.split(",") if s), tuple(z for z in zones.split(",") if z)
    )


@functools.cache
def _area_codes() -> dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]]:
    """NANP area code -> (country, states/provinces, plausible zones), from the shipped file."""
    table: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {}
    with paths.resource("nanp_area_codes.csv").open(encoding="utf-8", newline="") as handle:
        rows = csv.DictReader(line for line in handle if not line.startswith("#"))
        for row in rows:
            table[row["area_code"]] = (
                row["country"],
                tuple(row["regions"].split("|")),
                tuple(row["zones"].split("|")),
            )
    return table


@functools.cache
def _region_zones() -> dict[tuple[str, str], tuple[str, ...]]:
    table: dict[tuple[str, str], tuple[str, ...]] = {}
    with paths.resource("nanp_regions.csv").open(encoding="utf-8", newline="") as handle:
        rows = csv.DictReader(line for line in handle if not line.startswith("#"))
        for row in rows:
            table[(row["country"], row["region"])] = tuple(row["zones"].split("|"))
    return table


def _area_code(e164: str) -> str | None:
    digits = e164.lstrip("+")
    if len(digits) == 11 and digits.startswith("1") and digits.isdigit():
        return digits[1:4]
    return None


def nanp_states(e164: str) -> tuple[str, ...]:
    """The state(s) or province(s) of a NANP number's area code, e.g. ``("FL",)``; ``()`` if none.

    Florida and Oklahoma presume a number with one of their area codes belongs to a resident,
    so these states' rules apply to the number wherever the address says the person lives.
    """
    code = _area_code(e164)
    entry = _area_codes().get(code) if code else None
    return entry[1] if entry else ()


def nanp_country(e164: str) -> str | None:
    """``"US"`` or ``"CA"`` for a geographic NANP number, None otherwise."""
    code = _area_code(e164)
    entry = _area_codes().get(code) if code else None
    return entry[0] if entry else None


def nanp_zones(e164: str) -> tuple[str, ...]:
    """The zones plausible for a NANP number's area code (corrected where phonenumbers errs)."""
    code = _area_code(e164)
    entry = _area_codes().get(code) if code else None
    return entry[2] if entry else ()


_REGION_NAMES = {
    "US": {
        "alabama": "AL",
        "alaska": "AK",
        "arizona": "AZ",
        "arkansas": "AR",
        "california": "CA",
        "colorado": "CO",
        "connecticut": "CT",
        "delaware": "DE",
        "districtofcolumbia": "DC",
        "washingtondc": "DC",
        "florida": "FL",
        "georgia": "GA",
        "hawaii": "HI",
        "idaho": "ID",
        "illinois": "IL",
        "indiana": "IN",
        "iowa": "IA",
        "kansas": "KS",
        "kentucky": "KY",
        "louisiana": "LA",
        "maine": "ME",
        "maryland": "MD",
        "massachusetts": "MA",
        "michigan": "MI",
        "minnesota": "MN",
        "mississippi": "MS",
        "missouri": "MO",
        "montana": "MT",
        "nebraska": "NE",
        "nevada": "NV",
        "newhampshire": "NH",
        "newjersey": "NJ",
        "newmexico": "NM",
        "newyork": "NY",
        "northcarolina": "NC",
        "northdakota": "ND",
        "ohio": "OH",
        "oklahoma": "OK",
        "oregon": "OR",
        "pennsylvania": "PA",
        "rhodeisland": "RI",
        "southcarolina": "SC",
        "southdakota": "SD",
        "tennessee": "TN",
        "texas": "TX",
        "utah": "UT",
        "vermont": "VT",
        "virginia": "VA",
        "washington": "WA",
        "westvirginia": "WV",
        "wisconsin": "WI",
        "wyoming": "WY",
        # common abbreviations seen in lists
        "fla": "FL",
        "calif": "CA",
        "mass": "MA",
        "okla": "OK",
        "tenn": "TN",
        "ariz": "AZ",
        "conn": "CT",
        "mich": "MI",
        "minn": "MN",
        "miss": "MS",
        "nev": "NV",
        "penn": "PA",
        "wash": "WA",
        "wisc": "WI",
        "colo": "CO",
    },
    "CA": {
        "alberta": "AB",
        "britishcolumbia": "BC",
        "colombiebritannique": "BC",
        "manitoba": "MB",
        "newbrunswick": "NB",
        "nouveaubrunswick": "NB",
        "newfoundlandandlabrador": "NL",
        "newfoundland": "NL",
        "terreneuveetlabrador": "NL",
        "novascotia": "NS",
        "nouvelleecosse": "NS",
        "northwestterritories": "NT",
        "nunavut": "NU",
        "ontario": "ON",
        "princeedwardisland": "PE",
        "ileduprinceedouard": "PE",
        "quebec": "QC",
        "saskatchewan": "SK",
        "yukon": "YT",
        "pq": "QC",
        "nfld": "NL",
    },
    "GB": {
        "england": "ENG",
        "scotland": "SCT",
        "wales": "WLS",
        "cymru": "WLS",
        "northernireland": "NIR",
    },
}


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed.casefold() if c.isalnum())


@functools.lru_cache(maxsize=4096)
def region_code(country: str | None, text: str | None) -> str | None:
    """A state/province/nation as its code: "Florida", "fla.", "US-FL", "fl" -> "FL".

    Names cut short by a list's column width ("Massachuse") are recognised when the prefix
    names one region only. Text that names no known region comes back upper-cased, so it is
    still shown (and a manager can fix it) but matches no rule.
    """
    if not text or not text.strip():
        return None
    raw = text.strip().upper()
    country = (country or "").upper()
    if "-" in raw and raw.split("-", 1)[0] in _REGION_NAMES:
        country, raw = raw.split("-", 1)
    countries = [country] if country in _REGION_NAMES else list(_REGION_NAMES)
    for candidate in countries:
        if (candidate, raw) in _region_zones():
            return raw
    folded = _fold(raw)
    for candidate in countries:
        names = _REGION_NAMES[candidate]
        if folded in names:
            return names[folded]
        if len(folded) >= 5:
            matches = {code for name, code in names.items() if name.startswith(folded)}
            if len(matches) == 1:
                return matches.pop()
    return raw


def region_zones(country: str | None, region: str | None) -> tuple[str, ...]:
    """The zones anyone in a US state / Canadian province / UK nation keeps; ``()`` if unknown."""
    if not country or not region:
        return ()
    code = region_code(country, region)
    return _region_zones().get((country.upper(), code or ""), ())


def number_zones(e164: str) -> tuple[str, ...]:
    """A number's time zones: the NANP table for US/Canadian numbers, phonenumbers otherwise."""
    zones = nanp_zones(e164)
    if zones:
        return zones
    import phonenumbers  # late: only numbers outside the NANP table need it
    from phonenumbers import timezone

    try:
        parsed = phonenumbers.parse(e164)
    except phonenumbers.NumberParseException:
        return ()
    if not phonenumbers.is_valid_number(parsed):
        return ()
    found = timezone.time_zones_for_number(parsed)
    # A country-wide fallback list (toll-free, non-geographic) says nothing about the place.
    if len(found) > 6:
        return ()
    return tuple(z for z in found if z and z != "Etc/Unknown")


def number_country(e164: str) -> str | None:
    """The ISO country of a number (phonenumbers), or None when it cannot be parsed."""
    country = nanp_country(e164)
    if country:
        return country
    import phonenumbers

    try:
        parsed = phonenumbers.parse(e164)
    except phonenumbers.NumberParseException:
        return None
    return (
        phonenumbers.region_code_for_number(parsed)
        if phonenumbers.is_valid_number(parsed)
        else None
    )


@dataclass
class Placement:
    """Where a contact is and what from: the locale (None: unknown) and each value's sources."""

    locale: Locale | None
    reason: str | None
    zone_sources: dict[str, list[str]] = field(default_factory=dict)
    state_sources: dict[str, list[str]] = field(default_factory=dict)


def locate(
    country: str | None,
    address_state: str | None,
    numbers: Iterable[str],
    *,
    zone_override: str | None = None,
) -> Placement:
    """The zones and states of a contact, and from what (number, area code, address).

    Every number contributes its zones (the NANP table, else phonenumbers) and its area code's
    state; the address contributes its state and that state's zones. When the address state is
    known a number's zones are narrowed to those plausible for the states in play; numbers from
    another state keep their own zones too (the person may be at either place: strictest wins).
    A manager's ``zone_override`` replaces the zones.
    """
    zone_sources: dict[str, list[str]] = {}
    state_sources: dict[str, list[str]] = {}
    numbers = [n for n in numbers if n]
    country = (country or "").upper() or None
    if not country:
        for number in numbers:
            country = number_country(number)
            if country:
                break
    address_state = region_code(country, address_state)
    if address_state:
        state_sources.setdefault(address_state, []).append("address")
    for number in numbers:
        states = nanp_states(number)
        for state in states:
            state_sources.setdefault(state, []).append(f"area code of {number}")
        zones = number_zones(number)
        plausible = {z for s in (*states, address_state) for z in region_zones(country, s)}
        narrowed = [z for z in zones if z in plausible] if plausible and address_state else []
        for zone in narrowed or zones:
            zone_sources.setdefault(zone, []).append(f"number {number}")
    if address_state:
        own = region_zones(country, address_state)
        if own and not any(z in zone_sources for z in own):
            for zone in own:
                zone_sources.setdefault(zone, []).append(f"address state {address_state}")
    if zone_override:
        zone_sources = {zone_override: ["set by hand"]}
    locale, reason = derive_locale(country, None, [tuple(zone_sources)], tuple(state_sources))
    return Placement(locale, reason, zone_sources, state_sources)


def derive_locale(
    country: str | None,
    address_state: str | None,
    phone_zones: Iterable[Iterable[str]],
    phone_states: Iterable[str] = (),
) -> tuple[Locale | None, str | None]:
    """The locale of a contact, or ``(None, reason)`` when it cannot be determined.

    ``phone_zones`` holds the time zones of each valid number; ``phone_states`` the states
    its area codes belong to (NANP). Every candidate applies: the rules take the strictest.
    """
    zones = sorted({z for zs in phone_zones for z in zs if z and z != "Etc/Unknown"})
    address_state = region_code(country, address_state)
    states = sorted({region_code(country, s) or "" for s in (address_state, *phone_states) if s})
    own = region_zones(country, address_state)
    if own:
        # The address narrows the numbers' zones to those plausible for the states in play
        # (phonenumbers maps some area codes wrongly) and is itself a place the person may be.
        # A zone no state in play keeps is a metadata error: drop it.
        plausible = {z for s in states for z in region_zones(country, s)}
        zones = [z for z in zones if z in plausible]
        if not set(zones) & set(own):
            zones = sorted({*zones, *own})
    if not country:
        return None, "country unknown (no valid number and no country in the address)"
    if not zones:
        return None, "time zone unknown (no valid number with a known zone)"
    return Locale(country.upper(), tuple(states), tuple(zones)), None
