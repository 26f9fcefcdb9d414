"""The locale key of a contact whose numbers are all North American, without building sources.

:func:`calldesk.places.locate` records where every country, state and zone came from (for the
card's "why"); the import keeps only the locale key. For numbers whose area code is in the
shipped table (country and zones known there), everything locate reads of a number is that
table entry, so the key follows from (country column, address state, area codes) with the
same steps and no per-number text work. Other numbers go to locate itself. A test keeps the
two equal over every area code and the shared phone corpus.
"""

from __future__ import annotations

from calldesk import places
from calldesk.phones import PhoneInfo
from calldesk.places import Locale, region_code, region_zones

_Entry = tuple[str, tuple[str, ...], tuple[str, ...]]
# A number the row loop read from a row: (label, raw text, E.164 or None, analysis, extension).
RowPhone = tuple[str, str, str | None, PhoneInfo, str | None]


def table_entry(area_code: str) -> _Entry | None:
    """The area-code table entry when locate would read the number from it alone."""
    entry = places._area_codes().get(area_code)
    # An entry without a country or zones sends locate to phonenumbers: not decided here.
    if entry is None or not entry[0] or not entry[2]:
        return None
    return entry


def info_entry(info: PhoneInfo) -> _Entry | None:
    """What locate reads of a valid number outside the area-code table, from the number's
    own analysis: its country (phonenumbers' region of the number), no state, its zones (none
    when phonenumbers gives a country-wide list of more than six). None when the number is
    invalid or its area code is in the table (its states would count: locate decides)."""
    if not info.valid or not info.region or not info.e164:
        return None
    if info.e164.startswith("+1") and info.e164[2:5] in places._area_codes():
        return None
    zones = info.time_zones
    # analyse_number drops only "Etc/Unknown" (which phonenumbers gives alone): the count is
    # the count locate's six-zone test sees.
    return (info.region, (), () if len(zones) > 6 else tuple(z for z in zones if z))


def nanp_locale(
    country: str | None, address_state: str | None, entries: list[_Entry]
) -> tuple[str | None, str | None]:
    """(locale key, None), or (None, why), as ``locate(country, address_state, numbers)``
    gives it when ``entries`` (in order) are the numbers' :func:`table_entry` or
    :func:`info_entry`."""
    column = (country or "").strip().upper() or None
    number_countries: list[str] = []
    countries: set[str] = set()
    for found, _states, _zones in entries:
        countries.add(found)
        if found not in number_countries:
            number_countries.append(found)
    if column:
        countries.add(column)
    own = number_countries[0] if number_countries else column
    region = region_code(own or column, address_state) if address_state else None
    region_country = None
    states: set[str] = set()
    if region:
        region_country = (
            places._region_country(region, [column, *number_countries]) or own or column
        )
        states.add(region)
        if region_country:
            countries.add(region_country)
    own = own or region_country
    state_country: dict[str, str | None] = {region: region_country} if region else {}
    zone_set: set[str] = set()
    for found, number_states, zones in entries:
        for state in number_states:
            states.add(state)
            state_country.setdefault(state, found)
        plausible = {
            z for s in (*number_states, region) if s for z in region_zones(state_country.get(s), s)
        }
        narrowed = [z for z in zones if z in plausible] if plausible and region else []
        zone_set.update(narrowed or zones)
    if region:
        own_zones = region_zones(region_country, region)
        if own_zones and not any(z in zone_set for z in own_zones):
            zone_set.update(own_zones)
    sorted_zones = sorted(z for z in zone_set if z and z != "Etc/Unknown")
    if not own:
        return None, "country unknown (no valid number and no country in the address)"
    if not sorted_zones:
        return None, "time zone unknown (no valid number with a known zone)"
    also = tuple(sorted(countries - {own}))
    return Locale(own, tuple(sorted(states)), tuple(sorted_zones), also, False).key, None
