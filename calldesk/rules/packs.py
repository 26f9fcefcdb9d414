"""Rule packs: the calling rules of one country, as data (``resources/rules/<cc>.yaml``).

A pack holds a national window and state/province overlays; each rule names its hours per day
of week in the called party's local time (or a fixed ``clock`` zone), whether it closes on the
state's or country's holidays (calendars from the ``holidays`` package), an optional per-person
cap in a rolling window, its source and the date it took effect. Packs are validated on load
with messages that name the file and the rule; nothing in them is evaluated as code.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from calldesk import paths
from calldesk.yamlload import load_yaml

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_GROUPS: dict[str, tuple[int, ...]] = {
    "daily": tuple(range(7)),
    "weekdays": (0, 1, 2, 3, 4),
    "weekends": (5, 6),
    **{name: (i,) for i, name in enumerate(DAY_NAMES)},
}
# Applied in this order so that a single day overrides its group.
_GROUP_ORDER = ("daily", "weekdays", "weekends", *DAY_NAMES)
_SPAN = re.compile(r"^(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$")

Span = tuple[int, int]  # minutes after local midnight: [start, end)
WeekHours = tuple[Span | None, ...]  # Monday first; None: closed all day


class RulePackError(ValueError):
    """A rule pack or campaign narrowing is invalid; the message says where and why."""


@dataclass(frozen=True)
class Cap:
    """At most ``calls`` attempts to one person in any rolling ``hours`` hours."""

    calls: int
    hours: int


@dataclass(frozen=True)
class Rule:
    """One calling rule: a window (hours per weekday, holidays) and optionally a per-person cap."""

    id: str
    name: str
    country: str
    states: tuple[str, ...]  # empty: national, applies to every contact of the country
    hours: WeekHours
    closed_on_holidays: bool
    cap: Cap | None
    clock: str | None  # a fixed zone ("8-20 Central"); None: the contact's own zones
    source: str
    effective: dt.date
    effective_note: str | None = None
    until: dt.date | None = None  # the law stopped applying on this local day (amended, repealed)
    business: str = "binds"  # "exempt": protects consumers/residences only; "binds": every call
    business_source: str = ""  # why (the statute's words on business lines)
    also_closed: tuple[str, ...] = ()  # further closed days: "MM-DD" yearly, or "election_day"

    def applies_to(self, states: tuple[str, ...]) -> bool:
        return not self.states or any(s in self.states for s in states)

    def in_effect(self, day: dt.date) -> bool:
        return day >= self.effective and (self.until is None or day < self.until)

    @property
    def binds_business(self) -> bool:
        """Whether the rule applies to a call to a business line too."""
        return self.business == "binds"


@dataclass(frozen=True)
class RulePack:
    """Every calling rule of one country."""

    country: str
    name: str
    holidays: str  # country code for the ``holidays`` package
    dnc_refresh_days: int | None
    rules: tuple[Rule, ...]
    path: str = field(default="", compare=False)
    version: str = field(default="", compare=False)  # "<pack version>+<digest of its file>"

    def rules_for(self, states: tuple[str, ...]) -> tuple[Rule, ...]:
        """The rules that apply to a contact in ``states`` (national rules always)."""
        return tuple(r for r in self.rules if r.applies_to(states))


def parse_span(text: str, where: str) -> Span:
    """``"08:00-21:00"`` as minutes after midnight; an error names ``where``."""
    match = _SPAN.match(str(text).strip())
    if not match:
        raise RulePackError(f'{where}: hours "{text}" are not written "HH:MM-HH:MM"')
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if h1 > 23 or h2 > 24 or m1 > 59 or m2 > 59 or (h2 == 24 and m2):
        raise RulePackError(f'{where}: hours "{text}" are not a time of day')
    start, end = h1 * 60 + m1, h2 * 60 + m2
    if end <= start:
        raise RulePackError(f'{where}: hours "{text}" end before they start')
    return start, end


def parse_week_hours(spec: Any, where: str) -> WeekHours:
    """Hours per weekday from ``{daily|weekdays|weekends|mon..sun: "HH:MM-HH:MM" | closed}``."""
    if not isinstance(spec, dict) or not spec:
        raise RulePackError(f"{where}: hours must be a mapping such as {{daily: '08:00-21:00'}}")
    unknown = set(spec) - set(_DAY_GROUPS)
    if unknown:
        raise RulePackError(
            f"{where}: unknown day(s) {sorted(unknown)} in hours (use {', '.join(_GROUP_ORDER)})"
        )
    week: list[Span | None] = [None] * 7
    for group in _GROUP_ORDER:
        if group not in spec:
            continue
        value = spec[group]
        span = None if value in ("closed", None, False) else parse_span(value, f"{where} {group}")
        for day in _DAY_GROUPS[group]:
            week[day] = span
    return tuple(week)


def format_week_hours(hours: WeekHours) -> str:
    """Plain words: "daily 08:00-21:00" or "Mon-Fri 09:00-21:30, Sat-Sun 10:00-18:00"."""

    def span_text(span: Span | None) -> str:
        if span is None:
            return "closed"
        return f"{span[0] // 60:02d}:{span[0] % 60:02d}-{span[1] // 60:02d}:{span[1] % 60:02d}"

    if len(set(hours)) == 1:
        return f"daily {span_text(hours[0])}"
    parts: list[str] = []
    start = 0
    for i in range(1, 8):
        if i == 7 or hours[i] != hours[start]:
            days = DAY_NAMES[start].title()
            if i - 1 > start:
                days += "-" + DAY_NAMES[i - 1].title()
            parts.append(f"{days} {span_text(hours[start])}")
            start = i
    return ", ".join(parts)


def _zone(name: Any, where: str) -> str:
    try:
        ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise RulePackError(f'{where}: unknown time zone "{name}"') from exc
    return str(name)


def _date(value: Any, where: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise RulePackError(f'{where}: effective "{value}" is not a date (YYYY-MM-DD)') from exc


_RULE_KEYS = {
    "id",
    "name",
    "states",
    "hours",
    "closed_on_holidays",
    "cap",
    "clock",
    "source",
    "effective",
    "effective_note",
    "until",
    "business",
    "business_source",
    "also_closed",
}
_ALSO_CLOSED = re.compile(r"^(\d{2}-\d{2}|election_day|good_friday)$")


def parse_pack(data: Any, origin: str) -> RulePack:
    """Validate one pack's YAML data; raises :class:`RulePackError` naming ``origin``."""
    if not isinstance(data, dict):
        raise RulePackError(f"{origin}: a rule pack is a mapping with country, name and rules")
    country = str(data.get("country") or "").upper()
    if not re.fullmatch(r"[A-Z]{2}", country):
        raise RulePackError(f"{origin}: country must be an ISO 3166-1 code such as US")
    raw_rules = data.get("rules")
    if not isinstance(raw_rules, list) or not raw_rules:
        raise RulePackError(f"{origin}: rules must be a non-empty list")
    refresh = data.get("dnc_refresh_days")
    if refresh is not None and (not isinstance(refresh, int) or refresh <= 0):
        raise RulePackError(f"{origin}: dnc_refresh_days must be a positive whole number")
    rules: list[Rule] = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_rules):
        where = f"{origin} rule {index + 1}"
        if not isinstance(raw, dict):
            raise RulePackError(f"{where}: each rule is a mapping")
        rule_id = str(raw.get("id") or "")
        if not rule_id:
            raise RulePackError(f"{where}: id is required")
        where = f"{origin} rule {rule_id}"
        if rule_id in seen:
            raise RulePackError(f"{where}: id used twice")
        seen.add(rule_id)
        unknown = set(raw) - _RULE_KEYS
        if unknown:
            raise RulePackError(f"{where}: unknown key(s) {sorted(unknown)}")
        for required in ("name", "hours", "source", "effective"):
            if not raw.get(required):
                raise RulePackError(f"{where}: {required} is required")
        states = raw.get("states") or []
        if not isinstance(states, list) or not all(isinstance(s, str) and s for s in states):
            raise RulePackError(f"{where}: states must be a list of subdivision codes")
        cap = None
        if raw.get("cap") is not None:
            cap_raw = raw["cap"]
            if (
                not isinstance(cap_raw, dict)
                or set(cap_raw) != {"calls", "hours"}
                or not all(isinstance(v, int) and v > 0 for v in cap_raw.values())
            ):
                raise RulePackError(f"{where}: cap must be {{calls: N, hours: H}} (positive)")
            cap = Cap(cap_raw["calls"], cap_raw["hours"])
        business = str(raw.get("business") or "binds")  # unstated: the stricter reading
        if business not in ("exempt", "binds"):
            raise RulePackError(f"{where}: business must be exempt or binds")
        also_closed = raw.get("also_closed") or []
        if not isinstance(also_closed, list) or not all(
            isinstance(d, str) and _ALSO_CLOSED.match(d) for d in also_closed
        ):
            raise RulePackError(
                f'{where}: also_closed is a list of "MM-DD", good_friday or election_day'
            )
        until = _date(raw["until"], where) if raw.get("until") else None
        effective = _date(raw["effective"], where)
        if until is not None and until <= effective:
            raise RulePackError(f"{where}: until must be after effective")
        closed = raw.get("closed_on_holidays", False)
        if not isinstance(closed, bool):
            raise RulePackError(f"{where}: closed_on_holidays must be true or false")
        rules.append(
            Rule(
                id=rule_id,
                name=str(raw["name"]),
                country=country,
                states=tuple(s.upper() for s in states),
                hours=parse_week_hours(raw["hours"], where),
                closed_on_holidays=closed,
                cap=cap,
                clock=_zone(raw["clock"], where) if raw.get("clock") else None,
                source=str(raw["source"]),
                effective=effective,
                effective_note=str(raw["effective_note"]) if raw.get("effective_note") else None,
                until=until,
                business=business,
                business_source=str(raw.get("business_source") or ""),
                also_closed=tuple(also_closed),
            )
        )
    return RulePack(
        country=country,
        name=str(data.get("name") or country),
        holidays=str(data.get("holidays") or country),
        dnc_refresh_days=refresh,
        rules=tuple(rules),
        path=origin,
        version=str(data.get("version") or "unversioned"),
    )


def load_pack_file(path: Path) -> RulePack:
    """Read and validate one pack file."""
    text = path.read_text(encoding="utf-8")
    try:
        data = load_yaml(text)
    except yaml.YAMLError as exc:
        raise RulePackError(f"{path.name}: not valid YAML: {exc}") from exc
    pack = parse_pack(data, path.name)
    # The ledger keeps this: which text of the law decided a call, even after an edit.
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:10]
    return dataclasses.replace(pack, version=f"{pack.version}+{digest}")


@functools.cache
def shipped_packs() -> dict[str, RulePack]:
    """Every pack shipped in ``resources/rules``, by country code (read once, validated)."""
    packs: dict[str, RulePack] = {}
    for path in sorted(paths.resource("rules").glob("*.yaml")):
        pack = load_pack_file(path)
        if pack.country in packs:
            raise RulePackError(f"{path.name}: a second pack for {pack.country}")
        packs[pack.country] = pack
    return packs


def override_dir() -> Path:
    """Where a manager puts a pack that replaces the shipped one (``<config>/rules/xx.yaml``)."""
    return paths.config_dir() / "rules"


@dataclass(frozen=True)
class PackSet:
    """The packs in use (shipped, or a manager's override per country) and any problems."""

    packs: dict[str, RulePack]
    overridden: tuple[str, ...]
    problems: tuple[str, ...]


_active: PackSet | None = None


def active_packs() -> PackSet:
    """The packs in use: a valid override replaces the shipped pack of its country.

    An invalid override is not used (the shipped pack stays in force) and is reported in
    ``problems`` so the Rules screen and ``calldesk rules packs`` can say why.
    """
    global _active
    if _active is None:
        packs = dict(shipped_packs())
        overridden: list[str] = []
        problems: list[str] = []
        folder = override_dir()
        for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
            try:
                pack = load_pack_file(path)
            except (RulePackError, OSError) as exc:
                problems.append(f"{path}: {exc}; the shipped pack stays in force")
                continue
            packs[pack.country] = dataclasses.replace(pack, path=f"override {path}")
            overridden.append(pack.country)
        _active = PackSet(packs, tuple(overridden), tuple(problems))
    return _active


def reload_packs() -> None:
    """Read the packs again (after a manager edits an override)."""
    global _active
    _active = None


def pack_for(country: str) -> RulePack | None:
    """The pack in use for ``country`` (ISO code), or None when there is none (fail closed)."""
    return active_packs().packs.get(country.upper())
