"""Property tests: generated contacts (random NANP numbers, addresses in another state, no
address, several numbers) and instants, on a real SQLite store.

The oracle below restates COMPLIANCE.md by hand (not from the YAML packs), so a pack that
drifts from the facts fails here too.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import holidays
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from calldesk.locale import _area_codes, nanp_country, nanp_states, nanp_zones, region_zones
from calldesk.rules import contact_status, locale_status
from calldesk.store import Store
from tests.rules_helpers import add_attempt, add_contact, add_rep

UTC = dt.UTC
EARLY = dt.date(2000, 1, 1)  # rules whose statute date was not verified apply to every instant
T = dt.time

# The 2026 law (COMPLIANCE.md "2026 review") restated by hand, per state, for a consumer line:
# state -> list of (in force from, until, {weekday: (opens, closes) or None}, holidays closed,
# fixed clock). Weekday 0 is Monday; a missing weekday means the default of the entry ("*").
US_STATES: dict[str, list[tuple[dt.date, dt.date | None, dict, bool, str | None]]] = {
    "FL": [(dt.date(2021, 7, 1), None, {"*": (T(8), T(20))}, False, None)],
    "OK": [(dt.date(2022, 11, 1), None, {"*": (T(8), T(20))}, False, None)],
    "MD": [(dt.date(2024, 1, 1), None, {"*": (T(8), T(20))}, False, None)],
    "AL": [(EARLY, None, {"*": (T(8), T(20)), 6: None}, True, None)],
    "LA": [(EARLY, None, {"*": (T(8), T(20)), 6: None}, True, None)],
    "MS": [(EARLY, None, {"*": (T(8), T(20)), 6: None}, False, "America/Chicago")],
    "MA": [(EARLY, None, {"*": (T(8), T(20))}, False, None)],
    "CT": [
        (dt.date(2023, 10, 1), None, {"*": (T(9), T(20))}, False, None),
        (EARLY, dt.date(2023, 10, 1), {"*": (T(9), T(21))}, False, None),
    ],
    "KY": [(EARLY, None, {"*": (T(10), T(21))}, False, None)],
    "MI": [(EARLY, None, {"*": (T(9), T(21))}, False, None)],
    "MN": [(EARLY, None, {"*": (T(9), T(21))}, False, None)],
    "NM": [(EARLY, None, {"*": (T(9), T(21))}, False, None)],
    "PA": [
        (dt.date(2026, 10, 18), None, {"*": (T(9), T(19)), 6: None}, False, None),
        (EARLY, dt.date(2026, 10, 18), {"*": (T(8), T(21))}, False, None),
        (dt.date(2019, 12, 3), None, {"*": (T(0), None)}, True, None),
    ],
    "RI": [
        (EARLY, None, {"*": (T(9), T(18)), 5: (T(10), T(17)), 6: None}, True, None),
    ],
    "UT": [(EARLY, None, {"*": (T(8), T(21)), 6: None}, True, None)],
    "TX": [(EARLY, None, {"*": (T(9), T(21)), 6: (T(12), T(21))}, False, None)],
    "OR": [(dt.date(2026, 1, 1), None, {"*": (T(8), T(20))}, False, None)],
    "WA": [(EARLY, None, {"*": (T(8), T(20))}, False, None)],
    "WY": [(EARLY, None, {"*": (T(8), T(20))}, False, None)],
}
# Rules that bind a business line too (the others protect consumers or residences only).
BINDS_BUSINESS = {"FL", "OK", "MD", "MS", "MI", "NM", "RI", "UT", "WA"}
BINDS_BUSINESS_PA_FROM = dt.date(2026, 10, 18)  # Act 47's hours; PA holidays: consumers only
CAPPED = {
    "FL": dt.date(2021, 7, 1),
    "OK": dt.date(2022, 11, 1),
    "MD": dt.date(2024, 1, 1),
    "OR": dt.date(2026, 1, 1),
}

AREA_CODES = {
    country: sorted(code for code, entry in _area_codes().items() if entry[0] == country)
    for country in ("US", "CA")
}
STATES = {
    "US": sorted({s for c in AREA_CODES["US"] for s in _area_codes()[c][1]}),
    "CA": sorted({s for c in AREA_CODES["CA"] for s in _area_codes()[c][1]}),
}


def _inside(at: dt.datetime, zone: str, opens: dt.time, closes: dt.time | None) -> bool:
    wall = at.astimezone(ZoneInfo(zone))
    return opens <= wall.time() and (closes is None or wall.time() < closes)


def _pa_closed(day: dt.date) -> bool:
    from dateutil.easter import easter

    if day in holidays.country_holidays("US", subdiv="PA"):
        return True
    if (day.month, day.day) == (6, 14) or day == easter(day.year) - dt.timedelta(days=2):
        return True
    return day.month == 11 and day.weekday() == 1 and 2 <= day.day <= 8  # Election Day


def _state_allows(state: str, zone: str, at: dt.datetime, business: bool) -> bool:
    for since, until, week, holidays_closed, clock in US_STATES.get(state, []):
        if business:
            if state == "PA":
                if holidays_closed or since < BINDS_BUSINESS_PA_FROM:
                    continue
            elif state not in BINDS_BUSINESS:
                continue
        clock_zone = clock or zone
        local = at.astimezone(ZoneInfo(clock_zone))
        if local.date() < since or (until is not None and local.date() >= until):
            continue
        span = week.get(local.weekday(), week["*"])
        if span is None or not _inside(at, clock_zone, *span):
            return False
        if holidays_closed:
            closed = (
                _pa_closed(local.date())
                if state == "PA"
                else local.date() in holidays.country_holidays("US", subdiv=state)
            )
            if closed:
                return False
    return True


def state_country(state: str) -> str:
    return "CA" if state in STATES["CA"] else "US"


def oracle_allows(
    country: str | None,
    numbers: list[str],
    address_state: str | None,
    at: dt.datetime,
    *,
    business: bool = False,
) -> bool:
    """Whether calling is allowed by COMPLIANCE.md for every place the contact may be: the
    numbers' countries, the row's country column and the address state's country all apply."""
    zones = {z for n in numbers for z in nanp_zones(n)}
    if address_state:
        own = set(region_zones(state_country(address_state), address_state))
        if own and not zones & own:
            zones |= own
    states = {s for n in numbers for s in nanp_states(n)} | ({address_state} - {None})
    countries = {nanp_country(n) for n in numbers} - {None}
    countries |= {state_country(s) for s in states}
    if country:
        countries.add(country)
    if not zones or not countries:
        return False
    for zone in zones:
        wall = at.astimezone(ZoneInfo(zone))
        if "CA" in countries:
            weekend = wall.weekday() >= 5
            opens, closes = (T(10), T(18)) if weekend else (T(9), T(21, 30))
            if not _inside(at, zone, opens, closes):
                return False
            bc_holiday = wall.date() in holidays.country_holidays("CA", subdiv="BC")
            if not business and "BC" in states and bc_holiday:
                return False
        if "US" in countries:
            if not business and not _inside(at, zone, T(8), T(21)):
                return False
            for state in states:
                if state_country(state) == "US" and not _state_allows(state, zone, at, business):
                    return False
    return True


# Half the US contacts are built around one state with an overlay of its own (a number from
# there, the address there or elsewhere), so that every overlay is exercised often.
CODES_OF = {
    state: sorted(c for c in AREA_CODES["US"] if state in _area_codes()[c][1])
    for state in US_STATES
}


def _number(draw: st.DrawFn, codes: list[str]) -> str:
    code = draw(st.sampled_from(codes))
    return f"+1{code}{draw(st.integers(200, 999))}{draw(st.integers(0, 9999)):04d}"


@st.composite
def contacts(draw: st.DrawFn) -> tuple[str, list[str], str | None]:
    country = draw(st.sampled_from(["US", "US", "US", "CA"]))
    others = draw(st.integers(min_value=0, max_value=2))
    if country == "US" and draw(st.booleans()):
        target = draw(st.sampled_from(sorted(US_STATES)))
        numbers = [_number(draw, CODES_OF[target])]
        numbers += [_number(draw, AREA_CODES["US"]) for _ in range(others)]
        state = draw(st.sampled_from([None, target, draw(st.sampled_from(STATES["US"]))]))
        return country, numbers, state
    numbers = [_number(draw, AREA_CODES[country]) for _ in range(others + 1)]
    state = draw(st.one_of(st.none(), st.sampled_from(STATES[country])))
    return country, numbers, state


instants = st.datetimes(
    min_value=dt.datetime(2026, 1, 1), max_value=dt.datetime(2028, 12, 31), timezones=st.just(UTC)
)

PROPERTY = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


EDGES = [
    dt.time(h, m)
    for h, m in ((8, 0), (9, 0), (10, 0), (12, 0), (17, 0), (18, 0), (19, 0), (20, 0), (21, 0))
] + [dt.time(21, 30)]


@st.composite
def instants_near_edges(draw: st.DrawFn, zones: list[str]) -> dt.datetime:
    """Mostly a second either side of a window edge on one of the contact's clocks."""
    if draw(st.integers(0, 3)) == 0:
        return draw(instants)
    zone = ZoneInfo(draw(st.sampled_from(zones or ["America/New_York"])))
    day = draw(st.dates(min_value=dt.date(2026, 1, 1), max_value=dt.date(2028, 12, 31)))
    edge = dt.datetime.combine(day, draw(st.sampled_from(EDGES)), tzinfo=zone)
    return edge.astimezone(UTC) + dt.timedelta(seconds=draw(st.sampled_from([-1, 0])))


@PROPERTY
@given(contact=contacts(), data=st.data())
def test_never_allowed_outside_any_applicable_rule(
    sqlite_store: Store, contact: tuple[str, list[str], str | None], data: st.DataObject
) -> None:
    country, numbers, state = contact
    zones = sorted({z for n in numbers for z in nanp_zones(n)} | {"America/Chicago"})
    at = data.draw(instants_near_edges(zones))
    with sqlite_store.write() as session:
        stored = add_contact(session, numbers, state=state, country=country)
        status = contact_status(session, stored.id, at)
    expected = oracle_allows(country, numbers, state, at)
    assert status.allowed is expected, (stored.locale_key, at, status.rule)
    if not status.allowed and status.next_allowed_at is not None:
        assert status.next_allowed_at > at
        assert oracle_allows(country, numbers, state, status.next_allowed_at)
        just_before = status.next_allowed_at - dt.timedelta(seconds=1)
        if just_before > at:
            assert not oracle_allows(country, numbers, state, just_before)


@PROPERTY
@given(
    zone=st.sampled_from(sorted({z for e in _area_codes().values() for z in e[2]})),
    at=instants,
)
def test_locale_verdict_matches_wall_clock_in_every_zone(zone: str, at: dt.datetime) -> None:
    # Every zone the phone metadata yields, across the DST changes of 2026-2028.
    status = locale_status(f"US||{zone}", at)
    assert status.allowed is _inside(at, zone, dt.time(8), dt.time(21))
    if status.allowed:
        assert status.changes_at is not None and status.changes_at > at
        assert not locale_status(f"US||{zone}", status.changes_at).allowed


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    contact=contacts(),
    start=instants,
    gaps=st.lists(st.integers(min_value=1, max_value=240), min_size=6, max_size=20),
    reps=st.integers(min_value=1, max_value=4),
    choices=st.randoms(use_true_random=False),
)
def test_never_a_fourth_call_in_24_hours_where_capped(
    sqlite_store: Store,
    contact: tuple[str, list[str], str | None],
    start: dt.datetime,
    gaps: list[int],
    reps: int,
    choices,
) -> None:
    country, numbers, state = contact
    assume(country == "US")
    # Make the cap apply through the address or a number half of the time.
    if choices.random() < 0.5:
        state = choices.choice(sorted(CAPPED))
    with sqlite_store.write() as session:
        stored = add_contact(session, numbers, state=state, country=country)
        team = [add_rep(session, f"rep-{stored.id}-{i}") for i in range(reps)]
        at = start
        made: list[dt.datetime] = []
        for gap in gaps:
            at += dt.timedelta(minutes=gap)
            status = contact_status(session, stored.id, at)
            if status.allowed:
                add_attempt(
                    session,
                    stored,
                    at,
                    rep=choices.choice(team),
                    disposition=choices.choice(["no_answer", "callback", "voicemail"]),
                    phone_index=choices.randrange(len(numbers)),
                )
                made.append(at)
            elif status.next_allowed_at is not None:
                assert contact_status(session, stored.id, status.next_allowed_at).allowed
    states = {s for n in numbers for s in nanp_states(n)} | ({state} - {None})
    capped = [s for s in states if s in CAPPED]
    if not capped:
        return
    for i, when in enumerate(made):
        if when.date() < min(CAPPED[s] for s in capped):
            continue
        in_window = [t for t in made[: i + 1] if t > when - dt.timedelta(hours=24)]
        assert len(in_window) <= 3, (stored.locale_key, made)


@PROPERTY
@given(at=instants, country=st.sampled_from(["US", "CA", "GB", None]))
def test_unknown_zone_never_offered(sqlite_store: Store, at: dt.datetime, country) -> None:
    with sqlite_store.write() as session:
        # No number, or a toll-free one, and no address: the place cannot be known.
        stored = add_contact(session, ["+18005550100"] if country else [], country=country)
        assert stored.locale_key is None
        status = contact_status(session, stored.id, at)
    assert not status.allowed and status.next_allowed_at is None


SWEEP_DAYS = [
    dt.date(2026, 3, 8),  # US/Canada spring change
    dt.date(2026, 11, 1),  # US/Canada autumn change (a Sunday)
    dt.date(2026, 11, 24),  # a Tuesday
    dt.date(2026, 11, 28),  # a Saturday
    dt.date(2027, 2, 9),  # Mardi Gras (Louisiana)
    dt.date(2027, 3, 14),
    dt.date(2027, 4, 26),  # Confederate Memorial Day (Alabama)
    dt.date(2027, 11, 7),
    dt.date(2026, 10, 18),  # Pennsylvania Act 47 (a Sunday)
    dt.date(2026, 11, 3),  # Election Day (Pennsylvania)
    dt.date(2026, 6, 14),  # Flag Day (Pennsylvania), a Sunday
    dt.date(2023, 9, 30),  # Connecticut before P.A. 23-98
    dt.date(2026, 8, 3),  # British Columbia Day
]


def test_every_overlay_at_every_edge() -> None:
    """A sweep beside the random search: each overlay state, its numbers, edges on each clock."""
    checked = refused = 0
    for state in sorted(US_STATES):
        for address in (None, state, "TX"):
            numbers = [f"+1{CODES_OF[state][0]}5550100"]
            key = add_key("US", numbers, address)
            zones = sorted({*key.split("|")[2].split(","), "America/Chicago"})
            for day in SWEEP_DAYS:
                for zone in zones:
                    for edge in EDGES:
                        wall = dt.datetime.combine(day, edge, tzinfo=ZoneInfo(zone))
                        for offset in (-1, 0):
                            at = wall.astimezone(UTC) + dt.timedelta(seconds=offset)
                            expected = oracle_allows("US", numbers, address, at)
                            assert locale_status(key, at).allowed is expected, (key, wall, offset)
                            checked += 1
                            refused += not expected
    assert checked > 1000 and 0 < refused < checked


def add_key(country: str, numbers: list[str], state: str | None) -> str:
    from calldesk.locale import locate

    placement = locate(country, state, numbers)
    assert placement.locale is not None
    return placement.locale.key


@PROPERTY
@given(
    contact=contacts(),
    column=st.sampled_from([None, "US", "CA", "GB"]),
    address=st.one_of(st.none(), st.sampled_from(STATES["US"] + STATES["CA"])),
    business=st.booleans(),
    data=st.data(),
)
def test_conflicting_columns_never_allow_an_offer_or_dial_outside_a_rule(
    sqlite_store: Store,
    contact: tuple[str, list[str], str | None],
    column: str | None,
    address: str | None,
    business: bool,
    data: st.DataObject,
) -> None:
    """Rows whose Country column and address disagree with their numbers: the numbers'
    countries always apply, so neither the queue nor the dial check allows a call that any
    rule of any place the person may be in forbids (business lines: binding rules only)."""
    from calldesk import queue
    from calldesk.rules import decide
    from calldesk.rules.marks import mark_business

    _, numbers, _ = contact
    zones = sorted({z for n in numbers for z in nanp_zones(n)} | {"America/Chicago"})
    at = data.draw(instants_near_edges(zones))
    with sqlite_store.write() as session:
        stored = add_contact(session, numbers, state=address, country=column)
        assume(stored.locale_key is not None)
        if business:
            mark_business(session, contact_id=stored.id)
        expected = oracle_allows(column, numbers, address, at, business=business)
        dial = decide(session, at=at, number=numbers[0], contact=stored.id)
        assert not dial.allowed or expected, (stored.locale_key, at, dial.rule)
        rep = add_rep(session, f"rep-{stored.id}")
        offer = queue.next_offer(session, rep.id, at=at)
        if isinstance(offer, queue.Offer) and offer.contact_id == stored.id:
            assert expected, (stored.locale_key, at, offer.rule)
        if isinstance(offer, queue.Offer):
            queue.release_claim(session, offer.claim_id, at=at)
