"""What the calling rules cost: per call, and on next-contact latency at a million contacts.

    python bench/bench_rules.py [--contacts 1000000] [--offers 400] [--db PATH] [--json]

1. *Per call*: ``locale_status`` cold (pack evaluation, cache cleared before each call) and warm
   (cached until the verdict may change), ``contact_status`` on a Florida contact (window plus
   a 3-per-24-h cap counted over its attempts), ``check_dial`` on a typed number, the dial
   key's ``authorize_dial`` and the card's ``decide``.
2. *Next contact at N contacts*: a SQLite store of N contacts spread over every NANP area code
   (about 400 locale keys, overlays and caps included: Florida, Oklahoma, Maryland, Alabama...)
   is generated once with bulk SQL and reused. ``queue.next_offer`` is timed with the real
   rules engine and with a stand-in that allows everything (no rule evaluated), alternating
   batches so both see the same machine load, and the time spent inside the rules engine is
   measured within each offer (its share of the offer is the rule check's cost).

The clock is a Tuesday at 17:00 UTC (12:00 New York, 07:00 Honolulu: some keys are closed)
and moves 15 s per offer. Figures are printed, never judged.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

NOW = dt.datetime(2026, 11, 24, 17, 0, tzinfo=dt.UTC)
STAMP = "2026-11-01 12:00:00.000000"


def _ms(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 4),
        "p99_ms": round(p99 * 1000, 4),
        "n": len(ordered),
    }


def _places() -> list[tuple[str, str, str, str]]:
    """(area code, country, state, locale key) for every geographic NANP area code."""
    from calldesk.locale import _area_codes, locate

    places = []
    for code, (country, states, _zones) in sorted(_area_codes().items()):
        placement = locate(country, states[0], [f"+1{code}5550100"])
        if placement.locale is not None:
            places.append((code, country, states[0], placement.locale.key))
    return places


def _count(path: Path) -> int:
    if not path.exists():
        return -1
    try:
        with sqlite3.connect(path) as conn:
            return conn.execute("SELECT count(*) FROM contacts").fetchone()[0]
    except sqlite3.Error:
        return -1


def generate(path: Path, contacts: int) -> float:
    """A store of ``contacts`` ready contacts over every area code; returns seconds."""
    from calldesk import reps
    from calldesk.store import open_store

    started = time.perf_counter()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    store = open_store(f"sqlite:///{path}")
    with store.write() as session:
        reps.add_rep(session, "Bench Rep", time_zone="America/Chicago")
    store.close()
    places = _places()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    indexes = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type='index' AND sql IS NOT NULL "
        "AND tbl_name IN ('contacts', 'phones')"
    ).fetchall()
    with conn:
        for name, _sql in indexes:
            conn.execute(f'DROP INDEX "{name}"')

        def contact_rows():
            for i in range(1, contacts + 1):
                _code, country, state, key = places[i % len(places)]
                yield (i, state, country, STAMP, STAMP, key)

        conn.executemany(
            "INSERT INTO contacts (id, first_name, last_name, state, country, created_at,"
            " updated_at, stage, attempts, dnc, callable, locale_key, priority, tier,"
            " engagement, queue_rank) VALUES (?, 'Pat', 'Lee', ?, ?, ?, ?, 'new', 0, 0, 1, ?,"
            " 0, 2, 0, 2000000000000000)",
            contact_rows(),
        )

        def phone_rows():
            for i in range(1, contacts + 1):
                code = places[i % len(places)][0]
                number = f"+1{code}{2000000 + i % 7999999:07d}"
                yield (i, i, number, number)

        conn.executemany(
            "INSERT INTO phones (id, contact_id, position, label, raw, e164, valid, shared, dnc)"
            " VALUES (?, ?, 0, 'work', ?, ?, 1, 0, 0)",
            phone_rows(),
        )
        for _name, sql in indexes:
            conn.execute(sql)
    conn.execute("ANALYZE")
    conn.close()
    return time.perf_counter() - started


def _fresh_registry(store) -> None:
    """US and Canadian registry copies five days old at the bench's clock: without them every
    consumer call is refused (fail closed) and next_offer would time an empty queue."""
    from sqlalchemy import select

    from calldesk.models import DncSnapshot

    with store.write() as session:
        for source, country in (("us_national", "US"), ("ca_dncl", "CA")):
            if session.scalar(select(DncSnapshot.id).where(DncSnapshot.source == source)):
                continue
            taken = (NOW - dt.timedelta(days=5)).date()
            session.add(
                DncSnapshot(
                    source=source, country=country, file_name=f"bench-{source}", file_date=taken
                )
            )


def per_call(store) -> dict[str, dict[str, float]]:
    """Cost of each public rules function, one call at a time."""
    from calldesk import rules
    from calldesk.models import Attempt, Contact, Phone
    from calldesk.rules import engine

    keys = [p[3] for p in _places()]
    figures: dict[str, dict[str, float]] = {}
    cold, warm = [], []
    for i, key in enumerate(keys * 3):
        at = NOW + dt.timedelta(seconds=i)
        engine.clear_caches()
        t0 = time.perf_counter()
        rules.locale_status(key, at)
        cold.append(time.perf_counter() - t0)
    for i in range(20_000):
        key = keys[i % len(keys)]
        at = NOW + dt.timedelta(seconds=i // len(keys))
        t0 = time.perf_counter()
        rules.locale_status(key, at)
        warm.append(time.perf_counter() - t0)
    figures["locale_status cold (evaluate a key)"] = _ms(cold)
    figures["locale_status warm (cached key)"] = _ms(warm)

    with store.write() as session:
        contact = Contact(
            first_name="Flo",
            last_name="Rida",
            state="FL",
            country="US",
            locale_key="US|FL|America/New_York",
        )
        contact.phones = [Phone(raw="+13055550100", e164="+13055550100", valid=True)]
        session.add(contact)
        session.flush()
        for hour in (1, 2):
            session.add(
                Attempt(
                    contact_id=contact.id,
                    disposition="no_answer",
                    started_at=NOW - dt.timedelta(hours=hour),
                )
            )
        contact_id = contact.id
    samples, dials, authorized, cards = [], [], [], []
    with store.session() as session:
        for i in range(2_000):
            at = NOW + dt.timedelta(seconds=i)
            t0 = time.perf_counter()
            rules.contact_status(session, contact_id, at)
            samples.append(time.perf_counter() - t0)
        for i in range(500):
            at = NOW + dt.timedelta(seconds=i)
            t0 = time.perf_counter()
            rules.check_dial(session, e164="(305) 555-0100", contact_id=contact_id, at=at)
            dials.append(time.perf_counter() - t0)
        # The dial key: the one entry point (re-check at the instant of the dial).
        for i in range(500):
            at = NOW + dt.timedelta(seconds=i)
            t0 = time.perf_counter()
            rules.authorize_dial(session, e164="+13055550100", contact_id=contact_id, at=at)
            authorized.append(time.perf_counter() - t0)
        for i in range(500):
            at = NOW + dt.timedelta(seconds=i)
            t0 = time.perf_counter()
            rules.decide(session, at=at, contact=contact_id, purpose="card")
            cards.append(time.perf_counter() - t0)
    with store.write() as session:  # leave the store as generated, so the next run reuses it
        session.delete(session.get(Contact, contact_id))
    figures["contact_status (Florida, 2 attempts in 24 h)"] = _ms(samples)
    figures["check_dial (typed number + contact)"] = _ms(dials)
    figures["authorize_dial (dial key: number + contact)"] = _ms(authorized)
    figures["decide (card: contact, places and why)"] = _ms(cards)
    return figures


def _allow_all():
    """A stand-in rules engine that evaluates nothing and allows every contact."""
    from calldesk.rules import LocaleStatus

    status = LocaleStatus(True, None, None, "", (), (), "no rules (bench stand-in)", [])

    def locale_status(key, at, campaign_rules=None, context=None):
        return status

    def contact_status(session, contact_id, at, campaign_rules=None):
        return status

    def load_context(session, at):
        return None

    return SimpleNamespace(
        locale_status=locale_status, contact_status=contact_status, load_context=load_context
    )


def _timed(spent: list[float]):
    """The real rules engine, adding the time spent inside it to ``spent[0]``."""
    from calldesk import rules

    def locale_status(key, at, campaign_rules=None, context=None):
        t0 = time.perf_counter()
        try:
            return rules.locale_status(key, at, campaign_rules, context)
        finally:
            spent[0] += time.perf_counter() - t0

    def load_context(session, at):
        t0 = time.perf_counter()
        try:
            return rules.load_context(session, at)
        finally:
            spent[0] += time.perf_counter() - t0

    def contact_status(session, contact_id, at, campaign_rules=None):
        t0 = time.perf_counter()
        try:
            return rules.contact_status(session, contact_id, at, campaign_rules)
        finally:
            spent[0] += time.perf_counter() - t0

    return SimpleNamespace(
        locale_status=locale_status, contact_status=contact_status, load_context=load_context
    )


def next_contact(store, offers: int) -> dict[str, object]:
    """next_offer p50/p99 with the real rules and with the allow-all stand-in."""
    from sqlalchemy import select

    from calldesk import queue
    from calldesk.models import Rep
    from calldesk.queue import base as queue_base
    from calldesk.rules import engine

    real_rules = queue_base._rules
    stand_in = _allow_all()
    spent = [0.0]
    timed = _timed(spent)
    inside: list[float] = []
    shares: list[float] = []
    with store.session() as session:
        rep_id = session.scalar(select(Rep.id).where(Rep.name == "Bench Rep"))
    samples: dict[str, list[float]] = {"with rules": [], "without rules": []}
    clock = [NOW]
    batch = 20
    try:
        for round_ in range(offers // batch):
            for label in (
                ("with rules", "without rules")
                if round_ % 2
                else (
                    "without rules",
                    "with rules",
                )
            ):
                engine_ = timed if label == "with rules" else stand_in
                queue_base._rules = lambda engine_=engine_: engine_
                for _ in range(batch):
                    clock[0] += dt.timedelta(seconds=15)
                    spent[0] = 0.0
                    t0 = time.perf_counter()
                    with store.write() as session:
                        offer = queue.next_offer(session, rep_id, at=clock[0])
                    total = time.perf_counter() - t0
                    samples[label].append(total)
                    if label == "with rules":
                        inside.append(spent[0])
                        shares.append(spent[0] / total * 100)
                    assert getattr(offer, "lead", None) is not None, offer
        # And the worst case for the rules: every key evaluated afresh (cache cleared).
        queue_base._rules = real_rules
        cold = []
        for _ in range(max(offers // 10, 10)):
            clock[0] += dt.timedelta(seconds=15)
            engine.clear_caches()
            t0 = time.perf_counter()
            with store.write() as session:
                queue.next_offer(session, rep_id, at=clock[0])
            cold.append(time.perf_counter() - t0)
    finally:
        queue_base._rules = real_rules
    with_rules, without = _ms(samples["with rules"]), _ms(samples["without rules"])
    return {
        "time inside the rules engine per offer": _ms(inside),
        "rules share of each offer pct (p50)": round(statistics.median(shares), 1),
        "with rules": with_rules,
        "without rules": without,
        "with rules, rule cache cleared before each offer": _ms(cold),
        "overhead_p50_pct": round(
            (with_rules["p50_ms"] - without["p50_ms"]) / without["p50_ms"] * 100, 1
        ),
        "overhead_p99_pct": round(
            (with_rules["p99_ms"] - without["p99_ms"]) / without["p99_ms"] * 100, 1
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--offers", type=int, default=400)
    parser.add_argument("--db", type=Path, help="store to generate or reuse")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    from calldesk.store import open_store

    db = args.db or Path(tempfile.gettempdir()) / f"calldesk-bench-rules-{args.contacts}.sqlite3"
    generated = None
    if _count(db) != args.contacts:
        generated = round(generate(db, args.contacts), 1)
    store = open_store(f"sqlite:///{db}")
    _fresh_registry(store)
    try:
        result = {
            "contacts": args.contacts,
            "store": str(db),
            "generated_s": generated,
            "per_call": per_call(store),
            "next_contact": next_contact(store, args.offers),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        }
    finally:
        store.close()
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"contacts: {result['contacts']:,} ({db}; generated in {generated} s)")
    for name, fig in result["per_call"].items():
        print(f"  {name:48s} p50 {fig['p50_ms']:.4f} ms  p99 {fig['p99_ms']:.4f} ms")
    nc = result["next_contact"]
    for name in ("with rules", "without rules", "with rules, rule cache cleared before each offer"):
        fig = nc[name]
        print(f"  next_offer {name:50s} p50 {fig['p50_ms']:.3f} ms  p99 {fig['p99_ms']:.3f} ms")
    fig = nc["time inside the rules engine per offer"]
    share = nc["rules share of each offer pct (p50)"]
    print(
        f"  time inside the rules engine per offer{'':23s} p50 {fig['p50_ms']:.3f} ms  "
        f"p99 {fig['p99_ms']:.3f} ms ({share}% of each offer, p50)"
    )
    print(
        f"  with minus without rules (noisy A/B): p50 {nc['overhead_p50_pct']}%, "
        f"p99 {nc['overhead_p99_pct']}%"
    )
    print(f"  peak RSS {result['peak_rss_mb']} MB")


if __name__ == "__main__":
    main()
