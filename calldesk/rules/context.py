"""What the store adds to the law: extra closed days a manager entered and registry snapshots.

The rule packs are the law as data; these are the facts of one team's store that the same
decision needs: a governor's proclaimed holiday or Louisiana's emergency ban (``closed_days``,
entered by a manager with a source), and whether the national do-not-call registry copy the
team screens against is fresh enough to make consumer calls (at most 31 days old in the US and
Canada; none at all refuses: fail closed). Loaded once per store and day and cached briefly, so
the queue pays nothing per offer.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from calldesk.models import ClosedDay, DncSnapshot
from calldesk.rules.packs import active_packs

# Registry files that are a country's national do-not-call registry (others are plain lists).
REGISTRY_SOURCES = {"us_national": "US", "ca_dncl": "CA"}
REGISTRY_NAMES = {"US": "National Do Not Call Registry", "CA": "National DNCL"}
# Whether the gate is enforced. Only code in the same process can turn it off (a test suite
# whose throw-away stores hold no registry copy): no setting, flag or environment variable does,
# so a user cannot. The Rules screen, ``rules explain`` and the ledger say so whenever it is off.
_gate = {"enforce": True}


@dataclass(frozen=True)
class RegistryState:
    """The registry copy in use for one country at one day, and whether consumer calls may go."""

    country: str
    refresh_days: int
    file_name: str | None
    source: str | None
    file_date: dt.date | None
    age_days: int | None
    ok: bool
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "country": self.country,
            "refresh_days": self.refresh_days,
            "file_name": self.file_name,
            "source": self.source,
            "file_date": self.file_date.isoformat() if self.file_date else None,
            "age_days": self.age_days,
            "ok": self.ok,
            "message": self.message,
        }


@dataclass(frozen=True)
class RulesContext:
    """Store facts for the rules at one day: closed days and registry states (hashable key)."""

    day: dt.date
    closed: tuple[tuple[str, str, dt.date, str], ...] = ()  # country, state or "", day, why
    registry: tuple[RegistryState, ...] = ()
    enforce_registry: bool = True
    version: str = field(default="", compare=False)

    def registry_for(self, country: str) -> RegistryState | None:
        for state in self.registry:
            if state.country == country:
                return state
        return None

    def closed_for(self, country: str, states: tuple[str, ...]) -> tuple[tuple[dt.date, str], ...]:
        """Extra closed days for a contact in ``country`` and ``states`` (country-wide too)."""
        return tuple(
            (day, why) for c, s, day, why in self.closed if c == country and (not s or s in states)
        )


def registry_gate_enabled() -> bool:
    """Whether stale or missing registry copies refuse consumer calls (always, unless code in
    this process called ``set_registry_gate(False)``)."""
    return _gate["enforce"]


def set_registry_gate(enforce: bool) -> None:
    """Turn the registry gate on or off in this process only (test suites whose stores hold no
    registry copy); cached contexts are dropped so the next decision sees the change."""
    _gate["enforce"] = enforce
    invalidate()


def registry_states(session: Session, at: dt.datetime) -> tuple[RegistryState, ...]:
    """Per country whose pack requires a registry: the newest copy taken on or before ``at``."""
    day = at.astimezone(dt.UTC).date()
    newest: dict[str, DncSnapshot] = {}
    for snapshot in session.scalars(
        select(DncSnapshot).where(DncSnapshot.source.in_(list(REGISTRY_SOURCES)))
    ):
        country = REGISTRY_SOURCES[snapshot.source]
        taken = snapshot.file_date or snapshot.imported_at.date()
        if taken > day:
            continue  # a copy taken after the instant checked did not exist then
        if country not in newest or taken > (
            newest[country].file_date or newest[country].imported_at.date()
        ):
            newest[country] = snapshot
    states: list[RegistryState] = []
    for country, pack in sorted(active_packs().packs.items()):
        if country not in REGISTRY_NAMES or pack.dnc_refresh_days is None:
            continue
        name = REGISTRY_NAMES[country]
        snapshot = newest.get(country)
        fix = (
            f"import a fresh copy with `calldesk dnc import FILE --source "
            f"{'us_national' if country == 'US' else 'ca_dncl'} --file-date YYYY-MM-DD` "
            "(or mark the number as a business line if it is one)"
        )
        if snapshot is None:
            states.append(
                RegistryState(
                    country,
                    pack.dnc_refresh_days,
                    None,
                    None,
                    None,
                    None,
                    False,
                    f"no {name} copy has been imported: consumer calls to {country} are "
                    f"refused until one is; {fix}",
                )
            )
            continue
        taken = snapshot.file_date or snapshot.imported_at.date()
        age = (day - taken).days
        ok = age <= pack.dnc_refresh_days
        message = f"{name} copy {snapshot.file_name} of {taken.isoformat()} is {age} days old" + (
            ""
            if ok
            else f" (at most {pack.dnc_refresh_days}): consumer calls to {country} are "
            f"refused until a fresh copy is imported; {fix}"
        )
        states.append(
            RegistryState(
                country,
                pack.dnc_refresh_days,
                snapshot.file_name,
                snapshot.source,
                taken,
                age,
                ok,
                message,
            )
        )
    return tuple(states)


def closed_days(session: Session) -> tuple[tuple[str, str, dt.date, str], ...]:
    """Every extra closed day a manager entered: (country, state or "", day, reason + source)."""
    rows = session.execute(
        select(
            ClosedDay.country, ClosedDay.state, ClosedDay.day, ClosedDay.reason, ClosedDay.source
        )
    ).all()
    return tuple(sorted((c, s or "", d, f"{r} ({src})" if src else r) for c, s, d, r, src in rows))


_cache: dict[tuple[int, dt.date], tuple[float, int, RulesContext]] = {}
_generation = [0]
_TTL_SECONDS = 30.0  # another process's edit (a new registry copy) is seen within this


def invalidate() -> None:
    """Forget cached contexts (after a closed day or a registry copy is written)."""
    _generation[0] += 1
    _cache.clear()


def load_context(session: Session, at: dt.datetime) -> RulesContext:
    """The store facts for deciding at ``at`` (cached per store and day for a few seconds)."""
    day = at.astimezone(dt.UTC).date()
    key = (id(session.get_bind()), day)
    now = time.monotonic()
    hit = _cache.get(key)
    if hit is not None and hit[1] == _generation[0] and now - hit[0] < _TTL_SECONDS:
        return hit[2]
    closed = closed_days(session)
    registry = registry_states(session, at)
    enforce = registry_gate_enabled()
    version = repr((closed, tuple((r.country, r.ok, r.message) for r in registry), enforce))
    context = RulesContext(day, closed, registry, enforce, version)
    if len(_cache) > 64:
        _cache.clear()
    _cache[key] = (now, _generation[0], context)
    return context
