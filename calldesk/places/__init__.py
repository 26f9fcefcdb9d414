"""A contact's places: its countries, states and time zones (the one home of that decision).

Whose law applies starts from the **number**: a number's own country always applies (a Toronto
number gets Canada's rules whatever the row's Country column says); an address or a Country
column can add places, and so stricter rules, never take the number's away.

A contact's *locale key* names the set of places whose rules apply to it: its country, every
state or province it may be in (from its address and from its numbers' area codes) and every
time zone it may be in (from its numbers, narrowed by the address). Contacts that share a key
are opened and closed together by the calling rules, so the queue checks each key once per
moment instead of each contact. ``None`` means the place cannot be determined: such a contact
is never offered (fail closed) and waits in the "needs review" list.

Key format: ``"CC|ST1,ST2|Zone/One,Zone/Two"`` (states and zones sorted; either may be empty
but not both). A contact in more than one country lists them all, sorted (``"CA,US|ON|..."``);
a contact whose every number is a business line ends in ``"|B"`` (business exemptions apply).
"""

from __future__ import annotations

import csv
import functools
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from calldesk import paths


@dataclass(frozen=True)
class Locale:
    """The places of a contact: ``country`` (the number's) plus ``also`` (added by the row)."""

    country: str
    states: tuple[str, ...]
    zones: tuple[str, ...]
    also: tuple[str, ...] = ()  # further countries whose rules apply too (address, column)
    business: bool = False  # every number is a business line: business exemptions apply

    @property
    def countries(self) -> tuple[str, ...]:
        """Every country whose rules apply, sorted."""
        return tuple(sorted({self.country, *self.also}))

    @property
    def key(self) -> str:
        key = f"{','.join(self.countries)}|{','.join(self.states)}|{','.join(self.zones)}"
        return key + "|B" if self.business else key

    def with_business(self, business: bool) -> Locale:
        """The same places with the business flag set or cleared."""
        return Locale(self.country, self.states, self.zones, self.also, business)


def parse_key(key: str) -> Locale:
    """A locale key back into its places (raises ValueError for a malformed key)."""
    parts = key.split("|")
    if len(parts) == 4 and parts[3] == "B":
        business = True
    elif len(parts) == 3:
        business = False
    else:
        raise ValueError(f"not a locale key: {key!r}")
    countries = [c for c in parts[0].split(",") if c]
    if not countries:
        raise ValueError(f"not a locale key (no country): {key!r}")
    return Locale(
        countries[0],
        tuple(s for s in parts[1].split(",") if s),
        tuple(z for z in parts[2].split(",") if z),
        tuple(countries[1:]),
        business,
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
    country_sources: dict[str, list[str]] = field(default_factory=dict)


def _region_country(region: str, candidates: Iterable[str | None]) -> str | None:
    """The country (of ``candidates`` first, then any) that has a region coded ``region``."""
    table = _region_zones()
    for country in [*candidates, *_REGION_NAMES]:
        if country and (country, region) in table:
            return country
    return None


def locate(
    country: str | None,
    address_state: str | None,
    numbers: Iterable[str],
    *,
    zone_override: str | None = None,
    business: bool = False,
) -> Placement:
    """The countries, states and zones of a contact, and from what (number, area code, address).

    The first valid number's country is the contact's own (its national law always applies);
    other numbers' countries, the row's ``country`` column (ISO code) and the address state's
    country are added, never substituted. Every number contributes its zones (the NANP table,
    else phonenumbers) and its area code's state; the address contributes its state and that
    state's zones. When the address state is known a number's zones are narrowed to those
    plausible for the states in play; numbers from elsewhere keep their own zones too (the
    person may be at either place: strictest wins). A manager's ``zone_override`` replaces the
    zones. ``business``: every number is a business line (the locale key says so).
    """
    zone_sources: dict[str, list[str]] = {}
    state_sources: dict[str, list[str]] = {}
    country_sources: dict[str, list[str]] = {}
    numbers = [n for n in numbers if n]
    column = (country or "").strip().upper() or None
    number_countries: list[str] = []
    for number in numbers:
        found = number_country(number)
        if found:
            country_sources.setdefault(found, []).append(f"number {number}")
            if found not in number_countries:
                number_countries.append(found)
    if column:
        country_sources.setdefault(column, []).append("country column")
    own = number_countries[0] if number_countries else column
    region = region_code(own or column, address_state) if address_state else None
    region_country = None
    if region:
        region_country = _region_country(region, [column, *number_countries]) or own or column
        state_sources.setdefault(region, []).append("address")
        if region_country:
            country_sources.setdefault(region_country, []).append(f"address state {region}")
    own = own or region_country
    state_country: dict[str, str | None] = {region: region_country} if region else {}
    for number in numbers:
        states = nanp_states(number)
        for state in states:
            state_sources.setdefault(state, []).append(f"area code of {number}")
            state_country.setdefault(state, nanp_country(number))
        zones = number_zones(number)
        plausible = {
            z for s in (*states, region) if s for z in region_zones(state_country.get(s), s)
        }
        narrowed = [z for z in zones if z in plausible] if plausible and region else []
        for zone in narrowed or zones:
            zone_sources.setdefault(zone, []).append(f"number {number}")
    if region:
        own_zones = region_zones(region_country, region)
        if own_zones and not any(z in zone_sources for z in own_zones):
            for zone in own_zones:
                zone_sources.setdefault(zone, []).append(f"address state {region}")
    if zone_override:
        zone_sources = {zone_override: ["set by hand"]}
    zones = sorted(z for z in zone_sources if z and z != "Etc/Unknown")
    if not own:
        return Placement(
            None,
            "country unknown (no valid number and no country in the address)",
            zone_sources,
            state_sources,
            country_sources,
        )
    if not zones:
        return Placement(
            None,
            "time zone unknown (no valid number with a known zone)",
            zone_sources,
            state_sources,
            country_sources,
        )
    also = tuple(sorted(set(country_sources) - {own}))
    locale = Locale(own, tuple(sorted(state_sources)), tuple(zones), also, business)
    return Placement(locale, None, zone_sources, state_sources, country_sources)


def region_mismatch(column_country: str | None, numbers: Iterable[str]) -> str | None:
    """Why a row's Country column disagrees with its numbers, in plain words; None if it does not.

    For the import summary: "+14165550100 is a number in Canada (ON); the row says US". The
    number's country still applies (and the column's is added): see :func:`locate`.
    """
    column = country_code(column_country) if column_country else None
    if not column:
        return None
    for number in numbers:
        found = number_country(number) if number else None
        if found and found != column:
            states = nanp_states(number)
            where = f" ({'/'.join(states)})" if states else ""
            return f"{number} is a number in {found}{where}; the row says {column}"
    return None


_COUNTRY_NAMES = {
    "us": "US",
    "usa": "US",
    "unitedstates": "US",
    "unitedstatesofamerica": "US",
    "america": "US",
    "etatsunis": "US",
    "ca": "CA",
    "can": "CA",
    "canada": "CA",
    "gb": "GB",
    "uk": "GB",
    "gbr": "GB",
    "unitedkingdom": "GB",
    "greatbritain": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northernireland": "GB",
}


def country_code(text: str | None) -> str | None:
    """A country as its ISO code: "United States", "USA", "us" -> "US"; other two-letter codes
    as given (upper-cased); None when the text names no country calldesk knows."""
    if not text or not text.strip():
        return None
    folded = _fold(text)
    if folded in _COUNTRY_NAMES:
        return _COUNTRY_NAMES[folded]
    raw = text.strip().upper()
    return raw if len(raw) == 2 and raw.isalpha() else None


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


def contact_zones(contact: Any) -> tuple[str, ...]:
    """The zones of a contact, the one rule everywhere: a manager's zone, else the zones of its
    stored places, else those its numbers and address give (``()``: unknown, never guessed)."""
    if contact.time_zone_override:
        return (contact.time_zone_override,)
    if contact.locale_key:
        try:
            return parse_key(contact.locale_key).zones
        except ValueError:
            pass
    numbers = [p.e164 for p in contact.phones if p.e164 and p.valid]
    placement = locate(contact.country, contact.state, numbers)
    return placement.locale.zones if placement.locale else ()


def contact_clock(contact: Any) -> str | None:
    """The zone a contact's clock is shown and scheduled in: the first of :func:`contact_zones`."""
    zones = contact_zones(contact)
    return zones[0] if zones else None
