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

from collections.abc import Iterable
from dataclasses import dataclass


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
    states = sorted({s for s in (address_state, *phone_states) if s})
    if not country:
        return None, "country unknown (no valid number and no country in the address)"
    if not zones:
        return None, "time zone unknown (no valid number with a known zone)"
    return Locale(country.upper(), tuple(states), tuple(zones)), None
