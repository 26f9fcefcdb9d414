"""Property tests: over every time zone the phone metadata knows and the DST changes of the
next years, the queue never offers a contact outside its window or on the DNC list, and every
contact that may be called is offered.

Contacts carry US locale keys with arbitrary zones (one to three of them), so the US federal
window (08:00-21:00 in every zone of the contact) is the oracle, computed here with zoneinfo,
independently of the rules engine.
"""

from __future__ import annotations

import datetime as dt
import functools
import shutil
import tempfile
import zoneinfo
from pathlib import Path

import phonenumbers.tzdata
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from calldesk import outcomes, queue, reps
from calldesk.models import Contact, DncEntry, Phone
from calldesk.store import open_store


def _metadata_zones() -> list[str]:
    zones = set()
    for names in phonenumbers.tzdata.TIMEZONE_DATA.values():
        zones.update(names)
    usable = []
    for name in sorted(zones - {"Etc/Unknown"}):
        try:
            zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            continue
        usable.append(name)
    return usable


ZONES = _metadata_zones()
YEARS = range(2026, 2031)


@functools.cache
def transitions(zone: str) -> tuple[dt.datetime, ...]:
    """UTC instants in 2026-2030 at which ``zone``'s UTC offset changes (to the minute)."""
    tz = zoneinfo.ZoneInfo(zone)
    start = dt.datetime(YEARS[0], 1, 1, tzinfo=dt.UTC)
    found = []
    step = dt.timedelta(days=1)
    t = start
    offset = t.astimezone(tz).utcoffset()
    while t.year <= YEARS[-1]:
        u = t + step
        new = u.astimezone(tz).utcoffset()
        if new != offset:
            low, high = t, u
            while high - low > dt.timedelta(minutes=1):
                mid = low + (high - low) / 2
                if mid.astimezone(tz).utcoffset() == offset:
                    low = mid
                else:
                    high = mid
            found.append(high.replace(second=0, microsecond=0))
            offset = new
        t = u
    return tuple(found)


def allowed(zones: tuple[str, ...], at: dt.datetime) -> bool:
    """The US federal window: 08:00 to 21:00 on the contact's clock, in every zone it may be in."""
    for zone in zones:
        local = at.astimezone(zoneinfo.ZoneInfo(zone))
        if not dt.time(8, 0) <= local.time().replace(tzinfo=None) < dt.time(21, 0):
            return False
    return True


@functools.cache
def _template() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="calldesk-queue-prop-"))
    path = folder / "template.sqlite3"
    store = open_store(f"sqlite:///{path}")
    with store.write() as session:
        reps.add_rep(session, "Ann")
    store.close()
    return path


@pytest.fixture
def fresh_store(tmp_path):
    """A function that copies the template store (migrated, one rep) to a new file."""
    counter = iter(range(10**6))

    def make():
        target = tmp_path / f"s{next(counter)}.sqlite3"
        shutil.copy(_template(), target)
        return open_store(f"sqlite:///{target}")

    return make


contact_specs = st.lists(
    st.tuples(
        st.lists(st.sampled_from(ZONES), min_size=1, max_size=3, unique=True),
        st.sampled_from(["ok", "ok", "ok", "dnc_flag", "dnc_registry", "unknown"]),
    ),
    min_size=1,
    max_size=6,
)


@st.composite
def instants(draw, specs):
    """A moment near a DST change of one of the contacts' zones (or any moment in 2026-2030)."""
    zones = [z for zs, _ in specs for z in zs]
    zone = draw(st.sampled_from(zones))
    changes = transitions(zone)
    if changes and draw(st.booleans()):
        base = draw(st.sampled_from(changes))
        return base + dt.timedelta(minutes=draw(st.integers(-26 * 60, 26 * 60)))
    days = draw(st.integers(0, 5 * 365))
    minutes = draw(st.integers(0, 24 * 60 - 1))
    return dt.datetime(2026, 1, 1, tzinfo=dt.UTC) + dt.timedelta(days=days, minutes=minutes)


def _fill(store, specs) -> dict[int, tuple[tuple[str, ...], str]]:
    made = {}
    with store.write() as session:
        for i, (zones, kind) in enumerate(specs):
            zones = tuple(sorted(zones))
            number = f"+1212555{i:04d}"
            contact = Contact(
                first_name="P",
                last_name=str(i),
                country="US",
                locale_key=None if kind == "unknown" else f"US||{','.join(zones)}",
                dnc=kind == "dnc_flag",
                callable=kind != "dnc_flag",
            )
            contact.phones.append(
                Phone(raw=number, e164=number, dnc=kind == "dnc_flag", time_zones="|".join(zones))
            )
            session.add(contact)
            if kind == "dnc_registry":  # a registry file imported after the list
                session.add(DncEntry(e164=number, source="us_national"))
            session.flush()
            made[contact.id] = (zones, kind)
    return made


def _drain(store, at: dt.datetime, offered: dict[int, dt.datetime]) -> None:
    for _ in range(20):
        with store.write() as session:
            offer = queue.next_offer(session, 1, at=at)
            if isinstance(offer, queue.QueueEmpty):
                return
            assert offer.contact_id not in offered, "offered twice"
            offered[offer.contact_id] = at
            outcomes.record_outcome(
                session, claim_id=offer.claim_id, disposition="not_interested", at=at
            )
    raise AssertionError("the queue never ran dry")


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(data=st.data(), specs=contact_specs)
def test_offers_exactly_the_callable_contacts_at_any_moment(fresh_store, data, specs) -> None:
    at = data.draw(instants(specs))
    store = fresh_store()
    try:
        made = _fill(store, specs)
        offered: dict[int, dt.datetime] = {}
        _drain(store, at, offered)
    finally:
        store.close()
    expected = {cid for cid, (zones, kind) in made.items() if kind == "ok" and allowed(zones, at)}
    for cid in offered:
        zones, kind = made[cid]
        assert kind == "ok", f"offered a {kind} contact"
        assert allowed(zones, at), f"offered outside the window: {zones} at {at.isoformat()}"
    assert set(offered) == expected, f"at {at.isoformat()}"


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(data=st.data(), specs=contact_specs)
def test_every_callable_contact_is_offered_across_a_dst_change(fresh_store, data, specs) -> None:
    zones = [z for zs, _ in specs for z in zs]
    zone = data.draw(st.sampled_from(zones))
    changes = transitions(zone) or (dt.datetime(2027, 3, 14, 7, 0, tzinfo=dt.UTC),)
    start = data.draw(st.sampled_from(changes)) - dt.timedelta(hours=14)
    steps = [start + dt.timedelta(minutes=30 * i) for i in range(2 * 28)]  # 28 h
    store = fresh_store()
    try:
        made = _fill(store, specs)
        offered: dict[int, dt.datetime] = {}
        for at in steps:
            _drain(store, at, offered)
    finally:
        store.close()
    for cid, at in offered.items():
        zones_of, kind = made[cid]
        assert kind == "ok" and allowed(zones_of, at)
    expected = {
        cid
        for cid, (zones_of, kind) in made.items()
        if kind == "ok" and any(allowed(zones_of, at) for at in steps)
    }
    assert set(offered) == expected
    # Offered at the first step its window was open: never later, never earlier.
    for cid, at in offered.items():
        first = next(t for t in steps if allowed(made[cid][0], t))
        assert at == first


def test_metadata_yields_many_zones_with_dst_changes() -> None:
    assert len(ZONES) > 250
    assert len(transitions("America/New_York")) == 10
    assert transitions("America/New_York")[0] == dt.datetime(2026, 3, 8, 7, 0, tzinfo=dt.UTC)
    assert transitions("Asia/Tokyo") == ()
