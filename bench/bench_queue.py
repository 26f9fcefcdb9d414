"""Queue benchmark: next-contact and record-then-next latency on SQLite at 10k, 100k and 1M
contacts, and claims per second with 1, 4 and 16 clients on PostgreSQL.

    python bench/bench_queue.py --sizes 10000,100000,1000000 --samples 300
    python bench/bench_queue.py --sizes 0 --pg postgresql+psycopg://u:p@host/db --clients 1,4,16

Two kinds of store, kept in --dir for the next run: synthetic ones generated with bulk SQL
(60 places; --sizes), and ones filled by calldesk's own importer from the reference pipeline's
generator (every NANP area code, thousands of distinct places; --imported):

    python bench/bench_queue.py --imported 100000,1000000 --sizes 0 --samples 1000

Scenarios on SQLite, all at a fixed moment so the figures are repeatable:

- midday: 18:00 UTC on a Tuesday, every US and Canadian zone open;
- dawn: 13:05 UTC, only Eastern time open (08:05 there, 07:05 in Chicago): most of the best
  band sits in closed places;
- claimed on top: dawn again with the 15,000 best Eastern contacts claimed by other reps.

Each sample is one whole transaction (``with store.write()``), commit included.
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing
import os
import resource
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import text

from calldesk import outcomes, queue, reps, rules
from calldesk.campaigns import queue_rank
from calldesk.store import open_store

MIDDAY = dt.datetime(2026, 11, 24, 18, 0, tzinfo=dt.UTC)
DAWN = dt.datetime(2026, 11, 24, 13, 5, tzinfo=dt.UTC)

# (locale key, weight): US states by zone roughly as people live, a few split states and
# Canadian provinces. 60 keys.
PLACES = [
    *[
        (f"US|{s}|America/New_York", w)
        for s, w in [
            ("NY", 6),
            ("FL", 7),
            ("PA", 4),
            ("OH", 4),
            ("GA", 3),
            ("NC", 3),
            ("NJ", 3),
            ("VA", 3),
            ("MA", 2),
            ("MD", 2),
            ("SC", 2),
            ("CT", 1),
            ("ME", 1),
            ("NH", 1),
            ("RI", 1),
            ("VT", 1),
            ("DE", 1),
            ("DC", 1),
            ("WV", 1),
        ]
    ],
    ("US|MI|America/Detroit", 3),
    ("US|IN|America/Indiana/Indianapolis", 2),
    ("US|KY|America/Kentucky/Louisville", 1),
    ("US|FL|America/Chicago", 1),
    *[
        (f"US|{s}|America/Chicago", w)
        for s, w in [
            ("TX", 8),
            ("IL", 4),
            ("TN", 2),
            ("MO", 2),
            ("WI", 2),
            ("MN", 2),
            ("AL", 2),
            ("LA", 2),
            ("OK", 1),
            ("IA", 1),
            ("AR", 1),
            ("MS", 1),
            ("KS", 1),
            ("NE", 1),
        ]
    ],
    ("US|TX|America/Chicago,America/Denver", 1),
    ("US|ND,SD|America/Chicago,America/Denver", 1),
    *[(f"US|{s}|America/Denver", w) for s, w in [("CO", 2), ("UT", 1), ("NM", 1), ("MT", 1)]],
    ("US|AZ|America/Phoenix", 2),
    ("US|ID|America/Boise", 1),
    *[(f"US|{s}|America/Los_Angeles", w) for s, w in [("CA", 12), ("WA", 2), ("OR", 1), ("NV", 1)]],
    ("US|AK|America/Anchorage", 1),
    ("US|HI|Pacific/Honolulu", 1),
    ("CA|ON|America/Toronto", 3),
    ("CA|QC|America/Toronto", 2),
    ("CA|BC|America/Vancouver", 1),
    ("CA|AB|America/Edmonton", 1),
    ("CA|MB|America/Winnipeg", 1),
    ("CA|NS|America/Halifax", 1),
]


def build(path: Path, size: int) -> None:
    """A store of ``size`` contacts: 3 campaigns and an event sprint, 30% already tried,
    15% cooling down, made with bulk SQL."""
    if path.exists():
        return
    tmp = path.with_suffix(".building")
    for leftover in tmp.parent.glob(tmp.name + "*"):
        leftover.unlink()
    store = open_store(f"sqlite:///{tmp}")
    with store.write() as session:
        for i in range(20):
            reps.add_rep(session, f"Rep {i}")
        session.execute(
            text(
                "INSERT INTO campaigns (name, kind, priority, active, is_default, created_at, "
                "deadline) VALUES ('Purchased A', 'list', 5, 1, 0, '2026-11-01', NULL), "
                "('Purchased B', 'list', 1, 1, 0, '2026-11-01', NULL), "
                "('Expo sprint', 'event_sprint', 0, 1, 0, '2026-11-01', '2026-12-04')"
            )
        )
    store.close()
    slots = [key for key, weight in PLACES for _ in range(weight)]
    ranks = {
        "a": queue_rank(2, 5),
        "b": queue_rank(2, 1),
        "d": queue_rank(2, 0),
        "e": queue_rank(1, 0, 0, dt.date(2026, 12, 4)),
    }
    conn = sqlite3.connect(tmp)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("CREATE TEMP TABLE slots (i INTEGER PRIMARY KEY, key TEXT, state TEXT)")
    conn.executemany(
        "INSERT INTO slots VALUES (?, ?, ?)",
        [(i, key, key.split("|")[1].split(",")[0]) for i, key in enumerate(slots)],
    )
    indexes = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type='index' AND tbl_name IN "
        "('contacts','phones') AND sql IS NOT NULL"
    ).fetchall()
    for name, _ in indexes:  # build the indexes once at the end: much faster
        conn.execute(f"DROP INDEX {name}")
    # h: a well-mixed hash of the row number, so every property is spread over every place.
    conn.execute(
        f"""
        INSERT INTO contacts (id, first_name, last_name, country, state, created_at, updated_at,
            stage, attempts, last_attempt_at, next_eligible_at, dnc, callable, locale_key,
            priority, tier, engagement, campaign_id, queue_rank)
        WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < {size}),
        h AS (SELECT n, (n * 2654435761) % 4294967296 AS h FROM seq)
        SELECT n, 'First' || (h % 997), 'Last' || (h % 9973),
            substr(s.key, 1, 2), s.state, '2026-10-01 00:00:00.000000',
            '2026-10-01 00:00:00.000000',
            CASE WHEN h % 100 < 30 THEN 'working' ELSE 'new' END,
            CASE WHEN h % 100 < 30 THEN 1 + h % 3 ELSE 0 END,
            CASE WHEN h % 100 < 30 THEN '2026-11-2' || (h % 3) || ' 15:00:00.000000' END,
            CASE WHEN h % 100 < 15 THEN '2026-11-2' || (5 + h % 3) || ' 12:00:00.000000' END,
            0, 1, s.key,
            CASE WHEN h % 100 < 3 THEN 0 WHEN h % 100 < 70 THEN 5 ELSE 1 END,
            CASE WHEN h % 100 < 3 THEN 1 ELSE 2 END,
            CASE WHEN h % 100 < 3 THEN h % 100 ELSE 0 END,
            CASE WHEN h % 100 < 3 THEN 3 WHEN h % 100 < 70 THEN 1
                 WHEN h % 100 < 98 THEN 2 ELSE NULL END,
            CASE WHEN h % 100 < 3 THEN {ranks["e"]} - (h % 100)
                 WHEN h % 100 < 70 THEN {ranks["a"]}
                 WHEN h % 100 < 98 THEN {ranks["b"]} ELSE {ranks["d"]} END
        FROM h JOIN slots s ON s.i = (h / 7) % {len(slots)}
        """
    )
    conn.execute(
        """
        INSERT INTO phones (contact_id, position, raw, e164, valid, shared, dnc, region)
        SELECT id, 0, '+1' || (2000000000 + id), '+1' || (2000000000 + id), 1, 0, 0,
            substr(locale_key, 1, 2) FROM contacts
        """
    )
    conn.commit()
    for _, sql in indexes:
        conn.execute(sql)
    conn.execute("ANALYZE")
    conn.commit()
    conn.close()
    tmp.rename(path)


def _pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def measure_next(
    store, at: dt.datetime, samples: int
) -> tuple[list[float], list[float], list[float]]:
    """Latency of next_offer (a rep skipping to the next card each time): wall, CPU of the
    process, CPU of the rep's thread (without the checkpointer thread's share)."""
    times, cpu, own = [], [], []
    for i in range(samples + 20):
        rep_id = 1 + i % 20
        start, cpu_start = time.perf_counter(), time.process_time()
        thread_start = time.thread_time()
        with store.write() as session:
            offer = queue.next_offer(session, rep_id, at=at)
        elapsed, cpu_used = time.perf_counter() - start, time.process_time() - cpu_start
        thread_used = time.thread_time() - thread_start
        assert isinstance(offer, queue.Offer), offer
        if i >= 20:  # warm-up: caches, statement preparation
            times.append(elapsed * 1000)
            cpu.append(cpu_used * 1000)
            own.append(thread_used * 1000)
    return times, cpu, own


def measure_record_next(
    store, at: dt.datetime, samples: int
) -> tuple[list[float], list[float], list[float], float]:
    """Latency of record-outcome-then-claim-next in one transaction (save-and-next), saves back
    to back: wall, CPU of the process, CPU of the rep's thread (the one that saves), and the
    checkpointer thread's CPU per save (it copies the WAL back on the other core; the process
    CPU of a sample includes whatever of it ran meanwhile)."""
    with store.write() as session:
        offer = queue.next_offer(session, 1, at=at)
    times, cpu, own = [], [], []
    checkpointer = store.checkpointer
    copied = 0.0
    for i in range(samples + 20):
        if i == 20 and checkpointer is not None:
            copied = checkpointer.cpu_seconds
        start, cpu_start = time.perf_counter(), time.process_time()
        thread_start = time.thread_time()
        with store.write() as session:
            _, offer = outcomes.record_and_next(
                session, claim_id=offer.claim_id, disposition="no_answer", at=at
            )
        elapsed, cpu_used = time.perf_counter() - start, time.process_time() - cpu_start
        thread_used = time.thread_time() - thread_start
        assert isinstance(offer, queue.Offer), offer
        if i >= 20:
            times.append(elapsed * 1000)
            cpu.append(cpu_used * 1000)
            own.append(thread_used * 1000)
    per_save = 0.0
    if checkpointer is not None:
        per_save = (checkpointer.cpu_seconds - copied) * 1000 / samples
    return times, cpu, own, per_save


def claim_top(store, at: dt.datetime, count: int) -> None:
    """Other reps hold the ``count`` best contacts of the places open at ``at``."""
    with store.write() as session:
        context = rules.load_context(session, at)
        groups = queue._open_groups(queue._all_keys(session), at, None, context)
        keys = [k for g in groups for k in g]
        marks = ",".join(f"'{k}'" for k in keys)
        session.execute(
            text(
                "UPDATE contacts SET claimed_by_id = 20, claim_expires_at = :until WHERE id IN ("
                f"SELECT id FROM contacts WHERE locale_key IN ({marks}) AND callable = 1 "
                "AND claimed_by_id IS NULL AND next_eligible_at IS NULL "
                "ORDER BY queue_rank, attempts, id LIMIT :n)"
            ),
            {"until": "2027-01-01 00:00:00.000000", "n": count},
        )


def build_imported(path: Path, size: int, generator: Path) -> None:
    """A store filled the way a team fills it: the reference generator's list (every NANP area
    code, addresses that disagree with the numbers: thousands of distinct places) and its DNC
    file, loaded with ``calldesk dnc import`` and ``calldesk import``; 20 reps."""
    if path.exists():
        return
    if not generator.is_file():
        raise SystemExit(f"no reference generator at {generator} (give --reference-gen)")
    tmp = path.with_suffix(".building")
    for leftover in tmp.parent.glob(tmp.name + "*"):
        leftover.unlink()
    data = path.parent / f"reference-{size}"
    data.mkdir(exist_ok=True)
    csv_file, dnc_file = data / f"contacts_{size}.csv", data / f"dnc_{size}.txt"
    env = {**os.environ, "REFERENCE_DATA": str(data)}
    if not csv_file.exists():
        subprocess.run([sys.executable, str(generator), str(size), str(data)], env=env, check=True)
    url = f"sqlite:///{tmp}"
    calldesk = [sys.executable, "-m", "calldesk", "--db", url]
    subprocess.run([*calldesk, "init"], check=True, stdout=subprocess.DEVNULL)
    subprocess.run(
        [*calldesk, "dnc", "import", str(dnc_file)], check=True, stdout=subprocess.DEVNULL
    )
    subprocess.run(
        [*calldesk, "import", str(csv_file), "--list", "Reference list", "--source", "purchased"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    store = open_store(url)
    with store.write() as session:
        for i in range(20):
            reps.add_rep(session, f"Rep {i}")
    store.close()
    tmp.rename(path)
    for leftover in tmp.parent.glob(tmp.name + "*"):
        leftover.unlink()


def run_sqlite(size: int, folder: Path, samples: int, generator: Path | None = None) -> None:
    """Next and record-then-next at midday, at dawn and at dawn with the top claimed; on the
    synthetic store of ``size`` contacts, or (``generator`` given) on the imported one."""
    kind = "imported" if generator is not None else "synthetic"
    path = folder / (f"queue-imported-{size}.sqlite3" if generator else f"queue-{size}.sqlite3")
    started = time.perf_counter()
    fresh = not path.exists()
    if generator is not None:
        build_imported(path, size, generator)
    else:
        build(path, size)
    if fresh:
        print(
            f"built {kind} {size:,} contacts in {time.perf_counter() - started:.1f} s", flush=True
        )
    load_before = os.getloadavg()
    work = folder / f"{path.stem}-run.sqlite3"
    for leftover in folder.glob(work.name + "*"):
        leftover.unlink()
    src = sqlite3.connect(path)
    dst = sqlite3.connect(work)
    src.backup(dst)
    src.close()
    dst.close()
    store = open_store(f"sqlite:///{work}")
    _fresh_registry(store)
    with store.write() as session:
        places = session.execute(text("SELECT count(DISTINCT locale_key) FROM contacts")).scalar()
        contacts = session.execute(text("SELECT count(*) FROM contacts")).scalar()
    rows = []
    held = min(15_000, size // 20)
    for label, at, prep in (
        ("midday, all zones open", MIDDAY, None),
        ("dawn, only Eastern open", DAWN, None),
        (f"dawn, {held:,} best claimed by others", DAWN, held),
    ):
        if prep:
            claim_top(store, at, prep)
        nxt = measure_next(store, at, samples)
        rec = measure_record_next(store, at, samples)
        rows.append((label, nxt, rec))
    store.close()
    for leftover in folder.glob(work.name + "*"):
        leftover.unlink()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    load = os.getloadavg()
    print(
        f"\nSQLite, {kind} store, {contacts:,} contacts in {places:,} places ({samples} samples "
        f"each; peak RSS {rss:.0f} MB; load average 1/5/15 min before "
        f"{'/'.join(f'{v:.2f}' for v in load_before)}, after {'/'.join(f'{v:.2f}' for v in load)})."
        "\nms p50/p99: wall, and CPU of this process (time.process_time per call); CPU max too."
        "\n'rep thread': CPU of the thread that calls (time.thread_time), without the store's"
        "\ncheckpointer thread, which copies the WAL back into the file on the other core (every"
        "\n256 commits: the process CPU of the 2-3 calls it overlaps includes it); 'ckpt/save':"
        "\nthat thread's CPU per save."
    )
    print(
        f"{'scenario':<40} {'next wall':>13} {'next cpu':>13} {'rep thread':>13} {'max':>6} "
        f"{'rec+next wall':>15} {'cpu':>13} {'max':>6} {'rep thread':>13} {'max':>6} "
        f"{'ckpt/save':>9}"
    )
    for label, (nxt, nxt_cpu, nxt_own), (rec, rec_cpu, rec_own, per_save) in rows:
        print(
            f"{label:<40} {_fmt(nxt):>13} {_fmt(nxt_cpu):>13} {_fmt(nxt_own):>13} "
            f"{max(nxt_own):>6.2f} {_fmt(rec):>15} {_fmt(rec_cpu):>13} {max(rec_cpu):>6.2f} "
            f"{_fmt(rec_own):>13} {max(rec_own):>6.2f} {per_save:>9.3f}",
            flush=True,
        )


def _fmt(samples: list[float]) -> str:
    return f"{statistics.median(samples):.2f}/{_pct(samples, 0.99):.2f}"


def _fresh_registry(store) -> None:
    """US and Canadian registry copies five days old at the bench's clock: without them every
    consumer call is refused (fail closed, issue 14) and the bench would time an empty queue."""
    from sqlalchemy import select

    from calldesk.models import DncSnapshot

    with store.write() as session:
        for source, country in (("us_national", "US"), ("ca_dncl", "CA")):
            if session.scalar(select(DncSnapshot.id).where(DncSnapshot.source == source)):
                continue
            taken = (MIDDAY - dt.timedelta(days=5)).date()
            session.add(
                DncSnapshot(
                    source=source, country=country, file_name=f"bench-{source}", file_date=taken
                )
            )


# --- PostgreSQL -----------------------------------------------------------------------------


def _pg_client(url: str, rep_id: int, seconds: float, mode: str, out, start, finish) -> None:
    store = open_store(url, upgrade=False)
    done = 0
    at = MIDDAY
    try:
        with store.write() as session:
            offer = queue.next_offer(session, rep_id, at=at)
        out.put(("ready", rep_id, 0))
        start.wait()  # every client starts together, after the slowest one has started up
        end = time.perf_counter() + seconds
        cpu_start = time.process_time()
        while time.perf_counter() < end and isinstance(offer, queue.Offer):
            with store.write() as session:
                if mode == "claim":
                    offer = queue.next_offer(session, rep_id, at=at)
                else:
                    _, offer = outcomes.record_and_next(
                        session, claim_id=offer.claim_id, disposition="not_interested", at=at
                    )
            done += 1
        out.put(("done", rep_id, done))
        out.put(("cpu", rep_id, time.process_time() - cpu_start))
        finish.wait(60)  # keep the server session until the parent has read the server's CPU
    except BaseException as exc:  # tell the parent instead of leaving it waiting
        out.put(("error", rep_id, repr(exc)))
        raise
    finally:
        store.close()


def _server_cpu() -> dict[int, float] | None:
    """CPU seconds used so far by each process of the local PostgreSQL server (None: not
    local or not readable): the server's share of each claim."""
    tick = os.sysconf("SC_CLK_TCK")
    total: dict[int, float] = {}
    found = False
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)
            name = fields[0].split("(", 1)[1]
            if name not in ("postgres", "postmaster"):
                continue
            parts = fields[1].split()
            total[int(stat.parent.name)] = (int(parts[11]) + int(parts[12])) / tick
            found = True
        except (OSError, IndexError, ValueError):
            continue
    return total if found else None


def _wait_events(url: str, start, stop, out) -> None:
    """Sample pg_stat_activity every 10 ms: what the server's sessions wait on during a run."""
    import collections

    import psycopg

    conninfo = url.replace("postgresql+psycopg://", "postgresql://")
    counts: collections.Counter = collections.Counter()
    with psycopg.connect(conninfo, autocommit=True) as conn:
        start.wait()  # connected and imported before the clients start: samples the run only
        while not stop.is_set():
            for state, kind, event in conn.execute(
                "SELECT state, coalesce(wait_event_type, '-'), coalesce(wait_event, '-') "
                "FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
            ):
                counts[f"{state}:{kind}:{event}"] += 1
            time.sleep(0.01)
    out.put(dict(counts))


def _double_claims(url: str) -> int:
    """Contacts handed to two reps: two open claims at once, or called twice (a contact
    recorded at the bench's fixed moment is never callable again at that moment)."""
    store = open_store(url, upgrade=False)
    try:
        with store.write() as session:
            return sum(
                session.execute(text(sql)).scalar() or 0
                for sql in (
                    "SELECT count(*) FROM (SELECT contact_id FROM claims WHERE released_at IS "
                    "NULL GROUP BY contact_id HAVING count(*) > 1) d",
                    "SELECT count(*) FROM (SELECT contact_id FROM attempts GROUP BY contact_id "
                    "HAVING count(*) > 1) d",
                )
            )
    finally:
        store.close()


def run_pg(url: str, clients: list[int], contacts: int, seconds: float) -> None:
    store = open_store(url)
    _fresh_registry(store)
    with store.write() as session:
        session.execute(
            text(
                "TRUNCATE contacts, phones, claims, attempts, outbox, callbacks, "
                "reps RESTART IDENTITY CASCADE"
            )
        )
        for i in range(max(clients)):
            reps.add_rep(session, f"Rep {i}")
        n = len(PLACES)
        keys = "ARRAY[" + ",".join(f"'{k}'" for k, _ in PLACES) + "]"
        session.execute(
            text(
                f"""
                INSERT INTO contacts (first_name, last_name, country, created_at, updated_at,
                    stage, attempts, dnc, callable, locale_key, priority, tier, engagement,
                    queue_rank)
                SELECT 'F', 'L' || g, 'US', now(), now(), 'new', 0, false, true,
                    ({keys})[1 + (g * 7) % {n}], 0, 2, 0, {queue_rank(2, 0)}
                FROM generate_series(1, {contacts}) g
                """
            )
        )
        session.execute(
            text(
                "INSERT INTO phones (contact_id, position, raw, e164, valid, shared, dnc) "
                "SELECT id, 0, 'x', '+1' || (2000000000 + id), true, false, false FROM contacts"
            )
        )
    with store.engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
    store.close()
    ctx = multiprocessing.get_context("spawn")
    print(f"\nPostgreSQL, {contacts:,} contacts, {seconds:.0f} s per run")
    print(
        f"{'clients':>8} {'claims/s (next only)':>22} {'record+next/s':>15} "
        f"{'client CPU ms/claim':>20} {'server CPU ms/claim':>20} {'double':>7} {'load':>6}  "
        "server sessions (share of samples, claim run)"
    )
    for count in clients:
        rates = []
        per_claim: list[str] = []
        waits: dict[str, int] = {}
        for mode in ("claim", "record"):
            client_cpu = 0.0
            finish = ctx.Event()
            sampler_out = ctx.Queue()
            stop = ctx.Event()
            out = ctx.Queue()
            start = ctx.Event()
            sampler = None
            if mode == "claim":
                sampler = ctx.Process(target=_wait_events, args=(url, start, stop, sampler_out))
                sampler.start()
            procs = [
                ctx.Process(target=_pg_client, args=(url, 1 + i, seconds, mode, out, start, finish))
                for i in range(count)
            ]
            for p in procs:
                p.start()
            ready = 0
            while ready < count:
                kind, _, info = out.get(timeout=300)
                if kind == "error":
                    raise SystemExit(f"a client failed: {info}")
                ready += kind == "ready"
            server_before = _server_cpu()
            start.set()
            started = time.perf_counter()
            total = 0
            finished = 0
            reported = 0
            while finished < count:
                kind, _, n_done = out.get(timeout=600)
                if kind == "error":
                    raise SystemExit(f"a client failed: {n_done}")
                if kind == "done":
                    total += n_done
                    finished += 1
                elif kind == "cpu":
                    client_cpu += n_done
                    reported += 1
            elapsed = max(time.perf_counter() - started, seconds)
            while reported < count:
                kind, _, used = out.get(timeout=60)
                if kind == "cpu":
                    client_cpu += used
                    reported += 1
            server_after = _server_cpu()
            finish.set()
            for p in procs:
                p.join()
            if sampler is not None:
                stop.set()
                waits = sampler_out.get(timeout=30)
                sampler.join()
            rates.append(total / elapsed)
            if mode == "claim":
                per_claim.append(f"{1000 * client_cpu / max(total, 1):.2f}")
                server = "n/a"
                if server_before is not None and server_after is not None:
                    used = sum(v - server_before.get(pid, 0.0) for pid, v in server_after.items())
                    server = f"{1000 * used / max(total, 1):.2f}"
                per_claim.append(server)
        seen = sum(waits.values()) or 1
        top = ", ".join(
            f"{name} {100 * n / seen:.0f}%"
            for name, n in sorted(waits.items(), key=lambda kv: -kv[1])[:4]
        )
        print(
            f"{count:>8} {rates[0]:>22.0f} {rates[1]:>15.0f} {per_claim[0]:>20} "
            f"{per_claim[1]:>20} {_double_claims(url):>7} {os.getloadavg()[0]:>6.2f}  {top}",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--dir", default=os.environ.get("TMPDIR", "/tmp") + "/calldesk-bench-queue")
    parser.add_argument(
        "--imported",
        default="100000,1000000",
        help="sizes of the stores filled by calldesk's importer from the reference generator "
        "(0: none)",
    )
    parser.add_argument(
        "--reference-gen",
        default=os.environ.get(
            "REFERENCE_GEN",
            str(
                Path(
                    os.environ.get(
                        "CALLDESK_SHARED", Path(__file__).resolve().parents[2] / "shared"
                    )
                )
                / "reference"
                / "import-limit"
                / "gen.py"
            ),
        ),
        help="the reference pipeline's generator (run as a program, never imported)",
    )
    parser.add_argument("--pg", help="PostgreSQL URL (its tables are emptied!)")
    parser.add_argument("--clients", default="1,4,16")
    parser.add_argument("--pg-contacts", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    folder = Path(args.dir)
    folder.mkdir(parents=True, exist_ok=True)
    print(
        f"python {sys.version.split()[0]}, sqlite {sqlite3.sqlite_version}, {os.cpu_count()} cpus"
    )
    for size in (int(s) for s in args.imported.split(",") if int(s) > 0):
        run_sqlite(size, folder, args.samples, Path(args.reference_gen))
    for size in (int(s) for s in args.sizes.split(",") if int(s) > 0):
        run_sqlite(size, folder, args.samples)
    if args.pg:
        run_pg(args.pg, [int(c) for c in args.clients.split(",")], args.pg_contacts, args.seconds)


if __name__ == "__main__":
    main()
