"""The calling desk at a million contacts: launch to a ready desk, record-then-next, peak RSS.

    python bench/bench_desk.py [--contacts 1000000] [--records 300] [--db PATH] [--json]

The store is generated once with bulk SQL (1M contacts over five US time zones, a phone each,
100k companies; reps and the default scripts through the core) and reused while it has the
asked size. Then a fresh process launches the desk offscreen exactly as the app does (the
store opened, the real background runner, DeskView shown, the rep starts calling) and:

- *launch to ready*: from process start (and from interpreter start, measured by the parent)
  until the first lead card is on screen;
- *record then next*: F1 (no answer) pressed through the desk's shortcut until the next card
  is on screen and painted, as the rep sees it (p50/p99 over ``--records`` calls, with
  ``--think-ms`` between calls: the time a rep spends on the phone, during which the desk
  refreshes its queue panel and prefetches the next card);
- *peak RSS* of the desk process.

The desk's clock is fixed on a weekday at 17:00 UTC so every generated contact is inside its
calling window; it moves 15 s per call. Figures are printed, never judged.
"""

from __future__ import annotations

import time

PROCESS_START = time.perf_counter()  # before the heavy imports: launch includes them

import argparse  # noqa: E402
import datetime as dt  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import shutil  # noqa: E402
import sqlite3  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from calldesk import demo_data  # noqa: E402

NOW = dt.datetime(2026, 11, 24, 17, 0, tzinfo=dt.UTC)  # Tuesday: 12:00 New York, 09:00 LA
PLACES = (
    ("NY", "America/New_York", "212"),
    ("IL", "America/Chicago", "312"),
    ("CO", "America/Denver", "303"),
    ("AZ", "America/Phoenix", "602"),
    ("CA", "America/Los_Angeles", "415"),
)
# The demo's name pools: the bench store looks like the demo.
FIRST = demo_data.FIRST[:13]
LAST = demo_data.LAST[:13]
STAMP = "2026-11-01 00:00:00.000000"


def _count(path: Path) -> int:
    if not path.exists():
        return -1
    try:
        with sqlite3.connect(path) as conn:
            return conn.execute("SELECT count(*) FROM contacts").fetchone()[0]
    except sqlite3.Error:
        return -1


def schema_digest() -> str:
    """A short digest of the schema this calldesk creates: a generated store is reused only
    while the tables and indexes are the same (the queue's speed depends on its indexes)."""
    import hashlib

    from calldesk.store import open_store

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "schema.sqlite3"
        open_store(f"sqlite:///{path}").close()
        with sqlite3.connect(path) as conn:
            rows = conn.execute(
                "SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name"
            ).fetchall()
    return hashlib.sha256(repr(rows).encode()).hexdigest()[:10]


def generate(path: Path, contacts: int) -> float:
    """Create the store at ``path`` with ``contacts`` callable contacts; returns seconds."""
    from calldesk import reps
    from calldesk.scripts import library
    from calldesk.store import open_store

    started = time.perf_counter()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    store = open_store(f"sqlite:///{path}")
    with store.write() as session:
        library.install_defaults(session)
        reps.add_rep(session, "Bench Rep", time_zone="America/Chicago")
        reps.add_rep(session, "Field Rep", role="field", territory="US-NY")
    store.close()

    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    indexes = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type='index' AND sql IS NOT NULL "
        "AND tbl_name IN ('contacts', 'phones', 'companies')"
    ).fetchall()
    with conn:
        for name, _sql in indexes:
            conn.execute(f'DROP INDEX "{name}"')
        companies = max(contacts // 10, 1)
        conn.executemany(
            "INSERT INTO companies (id, name, name_key, country, created_at) "
            "VALUES (?, ?, ?, 'US', ?)",
            ((i, f"Company {i}", f"company {i}", STAMP) for i in range(1, companies + 1)),
        )

        def contact_rows():
            for i in range(1, contacts + 1):
                state, zone, _area = PLACES[i % len(PLACES)]
                yield (
                    i,
                    (i - 1) // 10 + 1,
                    FIRST[i % len(FIRST)],
                    LAST[(i // 7) % len(LAST)],
                    "Event Planner",
                    state,
                    STAMP,
                    STAMP,
                    f"US|{state}|{zone}",
                )

        conn.executemany(
            "INSERT INTO contacts (id, company_id, first_name, last_name, title, state, country,"
            " created_at, updated_at, stage, attempts, dnc, callable, locale_key, priority, tier,"
            " engagement, queue_rank) VALUES (?, ?, ?, ?, ?, ?, 'US', ?, ?, 'new', 0, 0, 1, ?,"
            " 0, 2, 0, 2000000000000000)",
            contact_rows(),
        )

        def phone_rows():
            for i in range(1, contacts + 1):
                _state, zone, area = PLACES[i % len(PLACES)]
                number = f"+1{area}{2000000 + i % 7999999:07d}"
                yield (i, i, number, number, zone)

        conn.executemany(
            "INSERT INTO phones (id, contact_id, position, label, raw, e164, number_type,"
            " region, time_zones, valid, shared, dnc) VALUES (?, ?, 0, 'work', ?, ?,"
            " 'FIXED_LINE', 'US', ?, 1, 0, 0)",
            phone_rows(),
        )
        for _name, sql in indexes:
            conn.execute(sql)
    conn.execute("ANALYZE")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return time.perf_counter() - started


def child(db: Path, records: int, think_ms: int) -> None:
    """The desk process: launch, start calling, record ``records`` calls; print JSON."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import resource

    from PySide6.QtCore import QEventLoop, Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from calldesk import settings as preferences
    from calldesk.store import open_store
    from ui.context import AppContext
    from ui.desk.view import DeskView

    imported = time.perf_counter()
    app = QApplication.instance() or QApplication([])
    store = open_store(f"sqlite:///{db}")
    opened = time.perf_counter()
    preferences.save(rep_name="Bench Rep")
    now = [NOW]
    ctx = AppContext(store)
    view = DeskView(ctx, clock=lambda: now[0])
    view.resize(1280, 800)
    view.show()
    view.activateWindow()

    def wait(condition) -> None:
        while not condition():
            app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents, 50)

    coming: list[object] = []
    view.controller.coming_changed.connect(coming.append)
    # The desk is ready: rep and campaign picked, who comes first shown; Enter starts.
    wait(lambda: view.session.rep.count() > 0 and bool(coming))
    shown = time.perf_counter()
    view._start()  # what Enter on "Start calling" does
    wait(lambda: view.controller.lead is not None)
    view.repaint()
    ready = time.perf_counter()
    ready_wall = time.time()

    latencies = []
    # keystroke -> card laid out (the store's work: record, next claim, the card's data)
    laid_out: list[float] = []
    view.controller.card_latency.connect(lambda seconds: laid_out.append(seconds * 1000))
    for _ in range(records):
        # The rep talks (or listens to the ring) before the next key: the desk refreshes its
        # queue panel and prefetches the next card meanwhile, in the background.
        deadline = time.perf_counter() + think_ms / 1000
        while time.perf_counter() < deadline:
            app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents, 20)
        previous = view.controller.lead.contact_id
        now[0] += dt.timedelta(seconds=15)
        started = time.perf_counter()
        QTest.keyClick(view, Qt.Key.Key_F1)
        wait(
            lambda prev=previous: (
                view.controller.lead is not None and view.controller.lead.contact_id != prev
            )
        )
        view.repaint()  # on screen, painted
        latencies.append((time.perf_counter() - started) * 1000)
    view.shutdown()
    ctx.background.wait(10000)
    store.close()
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "imports_s": imported - PROCESS_START,
                "open_store_s": opened - imported,
                "shown_s": shown - PROCESS_START,
                "ready_s": ready - PROCESS_START,
                "first_card_s": ready - shown,
                "ready_wall": ready_wall,
                "latency_ms": latencies,
                "laid_out_ms": laid_out[-len(latencies) :] if latencies else [],
                "peak_rss_mib": peak_kib / 1024,
            }
        )
    )


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--records", type=int, default=300)
    parser.add_argument("--db", type=Path, default=Path(tempfile.gettempdir()) / "bench_desk")
    parser.add_argument(
        "--think-ms", type=int, default=1000, help="pause between calls (the rep on the phone)"
    )
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.db, args.records, args.think_ms)
        return

    args.db.mkdir(parents=True, exist_ok=True)
    db = args.db / f"desk-{args.contacts}-{schema_digest()}.sqlite3"
    generated = None
    if _count(db) != args.contacts:
        print(f"generating {args.contacts:,} contacts in {db} ...", file=sys.stderr)
        generated = generate(db, args.contacts)
    # Each run starts from the generated state: copy it, so recorded calls do not pile up.
    run_db = args.db / "run.sqlite3"
    for suffix in ("-wal", "-shm"):
        Path(f"{run_db}{suffix}").unlink(missing_ok=True)
    # A plain file copy of the checkpointed store (a backup() into a WAL-mode file would leave
    # the whole store in the -wal file, which makes the first reads slow).
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    shutil.copyfile(db, run_db)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env["CALLDESK_CONFIG_DIR"] = tempfile.mkdtemp(prefix="bench-desk-config-")
    env["CALLDESK_DATA_DIR"] = tempfile.mkdtemp(prefix="bench-desk-data-")
    launched = time.time()
    out = subprocess.run(
        [
            sys.executable,
            __file__,
            "--child",
            "--db",
            str(run_db),
            "--records",
            str(args.records),
            "--think-ms",
            str(args.think_ms),
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    data = json.loads(out.stdout.strip().splitlines()[-1])
    latencies = data["latency_ms"]
    figures = {
        "contacts": args.contacts,
        "generate_s": generated,
        "launch_to_ready_s": data["ready_wall"] - launched,
        "in_process_to_ready_s": data["ready_s"],
        "imports_s": data["imports_s"],
        "desk_shown_s": data["shown_s"],
        "first_card_after_start_s": data["first_card_s"],
        "open_store_s": data["open_store_s"],
        "records": len(latencies),
        "record_then_next_p50_ms": statistics.median(latencies),
        "record_then_next_p99_ms": percentile(latencies, 0.99),
        "record_then_next_max_ms": max(latencies),
        "laid_out_p50_ms": statistics.median(data["laid_out_ms"]),
        "laid_out_p99_ms": percentile(data["laid_out_ms"], 0.99),
        "peak_rss_mib": data["peak_rss_mib"],
    }
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    if generated is not None:
        print(f"store generated in {generated:.1f} s")
    print(f"contacts                      {args.contacts:,}")
    print(f"launch to ready desk          {figures['launch_to_ready_s'] * 1000:.0f} ms")
    print(f"  (in process, after python)  {figures['in_process_to_ready_s'] * 1000:.0f} ms")
    print(f"  imports                     {figures['imports_s'] * 1000:.0f} ms")
    print(f"  open store                  {figures['open_store_s'] * 1000:.0f} ms")
    print(
        f"  desk ready (rep picked, who comes first shown)  {figures['desk_shown_s'] * 1000:.0f} ms"
    )
    print(f"  first card after Enter      {figures['first_card_after_start_s'] * 1000:.0f} ms")
    print(
        f"record then next card         p50 {figures['record_then_next_p50_ms']:.1f} ms, "
        f"p99 {figures['record_then_next_p99_ms']:.1f} ms, "
        f"max {figures['record_then_next_max_ms']:.1f} ms ({len(latencies)} calls, "
        f"{args.think_ms} ms between calls)"
    )
    print(
        f"  of which card laid out      p50 {figures['laid_out_p50_ms']:.1f} ms, "
        f"p99 {figures['laid_out_p99_ms']:.1f} ms (record + next claim + card data, off-thread)"
    )
    print(f"peak RSS (desk process)       {figures['peak_rss_mib']:.0f} MiB")


if __name__ == "__main__":
    main()
