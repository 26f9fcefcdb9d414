"""Reports over a store with 1M contacts and 3M attempts: how long each one takes.

    python bench/bench_reports.py [--db PATH] [--contacts N] [--attempts N] [--keep]
                                  [--rebuild] [--fold N]

The store is written with bulk SQL on the raw sqlite3 connection (INSERT ... SELECT over
recursive CTEs, indexes built afterwards: about 4 minutes here); each report then runs twice
(first run, then warm) through the same core functions the CLI and the screen use, after the
report summaries are brought up to date (built from empty on a new store, ``--rebuild`` times
that on an existing one); then ``--fold`` attempts are added and folded in.
Prints figures; never passes or fails.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import sqlite3
import tempfile
import time
from pathlib import Path

os.environ.setdefault("CALLDESK_DATA_DIR", tempfile.mkdtemp(prefix="calldesk-bench-"))

from calldesk import reports  # noqa: E402
from calldesk.reports import ReportFilter, summary  # noqa: E402
from calldesk.store import open_store  # noqa: E402

QUALIFIERS = 20
FIELD_REPS = 5
LISTS = 10
TS = "strftime('%Y-%m-%d %H:%M:%S', {})|| '.000000'"  # SQLAlchemy's SQLite DATETIME text


def ts(expr: str) -> str:
    return TS.format(expr)


def generate(path: Path, contacts: int, attempts: int) -> None:
    store = open_store(f"sqlite:///{path}")  # creates the schema through the migrations
    store.close()
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=OFF")
    con.execute("PRAGMA cache_size=-262144")
    base = "'2026-09-01 00:00:00'"
    # Indexes are dropped for the bulk insert and built afterwards from sorted data: much
    # faster than maintaining six indexes on three million rows inserted in random order.
    indexes = con.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND "
        "tbl_name IN ('contacts', 'attempts', 'list_members', 'event_engagements', "
        "'appointments', 'callbacks')"
    ).fetchall()
    for name, _sql in indexes:
        con.execute(f'DROP INDEX "{name}"')
    dialled = contacts * 8 // 10

    def dialled_id(expr: str) -> str:
        # The k-th contact whose id is not a multiple of 5.
        return f"(({expr}) % {dialled}) + (({expr}) % {dialled}) / 4 + 1"

    per_list = contacts // LISTS
    event_size = contacts // 20
    with con:
        con.executemany(
            "INSERT INTO reps (id, name, role, time_zone, active, created_at) "
            "VALUES (?, ?, ?, 'America/New_York', 1, '2026-01-01 00:00:00.000000')",
            [(i, f"Qualifier {i:02d}", "qualifier") for i in range(1, QUALIFIERS + 1)]
            + [(QUALIFIERS + i, f"Field rep {i}", "field") for i in range(1, FIELD_REPS + 1)],
        )
        con.executemany(
            "INSERT INTO call_lists (id, name, source_kind, default_country, cost, row_count,"
            " created_at) VALUES (?, ?, 'purchased', 'US', ?, ?, '2026-09-01 00:00:00.000000')",
            [(i, f"List {i:02d}", 1000 * i, per_list) for i in range(1, LISTS + 1)],
        )
        con.executemany(
            "INSERT INTO events (id, name, kind, event_date, follow_up_deadline, cost,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    1,
                    "Expo",
                    "trade_show",
                    "2026-10-01",
                    "2026-10-12",
                    25000,
                    "2026-10-02 09:00:00.000000",
                ),
                (
                    2,
                    "Webinar",
                    "webinar",
                    "2026-10-15",
                    "2026-10-25",
                    3000,
                    "2026-10-16 09:00:00.000000",
                ),
            ],
        )
        con.execute(
            "INSERT INTO campaigns (name, kind, priority, active, is_default, created_at)"
            " VALUES ('Expo sprint', 'event_sprint', 5, 1, 0, '2026-10-02 09:00:00.000000')"
        )
        con.execute("UPDATE campaigns SET event_id = 1 WHERE name = 'Expo sprint'")
        con.execute(
            "INSERT INTO campaign_lists (campaign_id, list_id) SELECT c.id, l.id FROM campaigns c,"
            " call_lists l WHERE c.is_default = 1"
        )
        t = time.perf_counter()
        con.execute(
            f"""
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {contacts})
            INSERT INTO contacts (id, first_name, last_name, created_at, updated_at, stage, grade,
                attempts, next_eligible_at, dnc, callable, locale_key, priority, tier, engagement)
            SELECT i, 'First' || i, 'Last' || (i % 997),
                {ts(f"datetime({base}, '-' || ((i - 1) / {per_list} * 3) || ' days')")},
                {ts(base)},
                CASE WHEN i % 5 <> 0 THEN 'working' ELSE 'new' END,
                CASE WHEN i % 40 = 1 THEN 'B'
                     WHEN i % 40 = 2 THEN 'C' END,
                CASE WHEN i % 5 <> 0 THEN 3 ELSE 0 END,
                CASE WHEN i % 40 IN (1, 2)
                     THEN {ts(f"datetime({base}, '+' || (i % 90) || ' days')")} END,
                0, 1, 'US|NY|America/New_York', 0, 2, 0
            FROM n
            """
        )
        con.execute(
            f"INSERT INTO list_members (list_id, contact_id, added_at) SELECT"
            f" (id - 1) / {per_list} + 1, id, created_at FROM contacts"
        )
        con.execute(
            f"INSERT INTO event_engagements (event_id, contact_id, rating, registered, score)"
            f" SELECT CASE WHEN id <= {contacts - event_size} THEN 1 ELSE 2 END, id,"
            f" CASE id % 3 WHEN 0 THEN 'hot' WHEN 1 THEN 'warm' ELSE 'cold' END, 1, id % 3"
            f" FROM contacts WHERE id > {contacts - 2 * event_size}"
        )
        print(f"contacts, members, engagements: {time.perf_counter() - t:.1f} s", flush=True)
        t = time.perf_counter()
        # Attempt i dials the k-th dialled contact, k = (i * 7919) mod dialled: every contact
        # whose id is not a multiple of 5 (lists and events alike) about attempts/dialled
        # times, spread over 80 days, one rep per attempt.
        con.execute(
            f"""
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {attempts})
            INSERT INTO attempts (id, contact_id, rep_id, campaign_id, started_at, ended_at,
                disposition, conversation, grade, local_hour, local_weekday, manual)
            SELECT i, {dialled_id("(i * 7919)")}, i % {QUALIFIERS} + 1, 1,
                {ts(f"datetime({base}, '+' || (i * 2311 % 6912000) || ' seconds')")},
                NULL,
                CASE WHEN i % 5 = 0 THEN 'qualified' ELSE 'no_answer' END,
                i % 5 = 0,
                CASE WHEN i % 25 = 0 THEN substr('ABCD', (i / 25) % 4 + 1, 1) END,
                8 + (i * 13) % 13, (i * 2311 % 6912000) / 86400 % 7, 0
            FROM n
            """
        )
        print(f"attempts: {time.perf_counter() - t:.1f} s", flush=True)
        t = time.perf_counter()
        appointments = attempts // 100
        con.execute(
            f"""
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {appointments})
            INSERT INTO appointments (id, uid, sequence, contact_id, field_rep_id, qualifier_id,
                starts_at, ends_at, status, reject_reason, outcome, created_at, updated_at)
            SELECT i, 'bench-' || i, 0, {dialled_id("(i * 31)")},
                {QUALIFIERS} + i % {FIELD_REPS} + 1, (i / 10) % {QUALIFIERS} + 1,
                {ts(f"datetime({base}, '+' || (i % 85) || ' days', '+14 hours')")},
                {ts(f"datetime({base}, '+' || (i % 85) || ' days', '+15 hours')")},
                CASE WHEN i % 10 < 2 THEN 'rejected' WHEN i % 10 = 2 THEN 'booked'
                     ELSE 'accepted' END,
                CASE WHEN i % 10 < 2 THEN substr('no_budgetno_need__', (i % 2) * 9 + 1, 9) END,
                CASE i % 10 WHEN 3 THEN 'held' WHEN 4 THEN 'no_show' WHEN 5 THEN 'opportunity'
                     WHEN 6 THEN 'won' WHEN 7 THEN 'lost' WHEN 8 THEN 'held' END,
                {ts(f"datetime({base}, '+' || (i % 85) || ' days')")}, {ts(base)}
            FROM n
            """
        )
        callbacks = contacts // 20
        con.execute(
            f"""
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {callbacks})
            INSERT INTO callbacks (contact_id, rep_id, due_at, personal, kind, status, created_at)
            SELECT {dialled_id("(i * 40)")}, i % {QUALIFIERS} + 1,
                {ts(f"datetime({base}, '+' || (i % 100) || ' days')")}, i % 2,
                CASE WHEN i % 3 = 0 THEN 'callback' ELSE 'follow_up' END,
                CASE WHEN i % 4 = 0 THEN 'done' ELSE 'open' END, {ts(base)}
            FROM n
            """
        )
        print(f"appointments, callbacks: {time.perf_counter() - t:.1f} s", flush=True)
    t = time.perf_counter()
    for _name, sql in indexes:
        con.execute(sql)
    print(f"indexes: {time.perf_counter() - t:.1f} s", flush=True)
    t = time.perf_counter()
    con.execute("ANALYZE")
    con.close()
    print(f"analyze: {time.perf_counter() - t:.1f} s", flush=True)


def timed(label: str, run) -> None:  # type: ignore[no-untyped-def]
    """Run a report twice; wall and CPU time (SQLite works inside this process, so CPU time is
    the report's own work, whatever the machine's load)."""
    times = []
    cpu = []
    result = None
    for _ in range(2):
        t, c = time.perf_counter(), time.process_time()
        result = run()
        times.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)
    rows = sum(len(table.rows) for table in result.tables.values())
    print(
        f"{label:<44} first {times[0]:7.0f} ms ({cpu[0]:5.0f} cpu)   "
        f"warm {times[1]:7.0f} ms ({cpu[1]:5.0f} cpu)   rows {rows}",
        flush=True,
    )
    return result


def add_attempts(path: Path, n: int) -> None:
    """``n`` more attempts on existing contacts, as a day of dialling adds them."""
    con = sqlite3.connect(path)
    with con:
        top = con.execute("SELECT max(id) FROM attempts").fetchone()[0] or 0
        dialled = con.execute("SELECT max(contact_id) FROM attempts").fetchone()[0] or 1
        con.execute(
            f"""
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {n})
            INSERT INTO attempts (id, contact_id, rep_id, campaign_id, started_at, disposition,
                conversation, grade, local_hour, local_weekday, manual)
            SELECT {top} + i, (i * 104729) % {dialled} + 1, i % {QUALIFIERS} + 1, 1,
                {ts("datetime('2026-11-20 09:00:00', '+' || (i * 37) || ' seconds')")},
                CASE WHEN i % 5 = 0 THEN 'qualified' ELSE 'no_answer' END, i % 5 = 0,
                CASE WHEN i % 25 = 0 THEN 'B' END, 9 + i % 8, 4, 0
            FROM n
            """
        )
    con.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="store file (default: a temporary file)")
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--attempts", type=int, default=3_000_000)
    parser.add_argument("--keep", action="store_true", help="reuse --db if it exists")
    parser.add_argument(
        "--rebuild", action="store_true", help="time building the report summaries from empty"
    )
    parser.add_argument(
        "--fold", type=int, default=1000, help="attempts added (kept) to time folding them in"
    )
    args = parser.parse_args()
    path = args.db or Path(tempfile.mkdtemp(prefix="calldesk-bench-")) / "reports.sqlite3"
    if not (args.keep and path.exists()):
        for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            p.unlink(missing_ok=True)
        t = time.perf_counter()
        generate(path, args.contacts, args.attempts)
        print(
            f"generated {args.contacts:,} contacts, {args.attempts:,} attempts in "
            f"{time.perf_counter() - t:.1f} s ({path.stat().st_size / 1e6:.0f} MB)",
            flush=True,
        )
    store = open_store(f"sqlite:///{path}")
    print(f"load average before the reports: {os.getloadavg()[0]:.1f} (2 cores shared)")
    t, c = time.perf_counter(), time.process_time()
    if args.rebuild:
        summary.rebuild(store)
    else:
        summary.refresh(store)  # builds them when the store has none yet
    print(
        f"{'summaries ' + ('rebuilt' if args.rebuild else 'refreshed'):<44} "
        f"{time.perf_counter() - t:7.1f} s ({time.process_time() - c:.1f} s cpu)",
        flush=True,
    )
    week = ReportFilter(date_from=dt.date(2026, 10, 5), date_to=dt.date(2026, 10, 11))
    as_of = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    f = timed("funnel (whole store)", lambda: reports.funnel(store))
    print(
        "   ",
        {
            k: f.main.rows[0][k]
            for k in (
                "contacts",
                "dialled",
                "reached",
                "graded",
                "grade_a",
                "booked",
                "held",
                "won",
                "first_touch_hours",
            )
        },
    )
    timed("funnel --by list", lambda: reports.funnel(store, by="list"))
    timed("funnel --by event", lambda: reports.funnel(store, by="event"))
    timed("funnel --by campaign", lambda: reports.funnel(store, by="campaign"))
    timed("funnel --by rep", lambda: reports.funnel(store, by="rep"))
    timed("funnel --list 3", lambda: reports.funnel(store, ReportFilter(list_id=3)))
    timed("funnel --event 1", lambda: reports.funnel(store, ReportFilter(event_id=1)))
    timed("funnel --by list (one week)", lambda: reports.funnel(store, week, by="list"))
    timed(
        "funnel --rep 7 (one week)",
        lambda: reports.funnel(
            store, ReportFilter(rep_id=7, date_from=week.date_from, date_to=week.date_to)
        ),
    )
    s = timed("scorecard", lambda: reports.scorecard(store))
    q = s.tables["qualifiers"].rows[0]
    print(
        "   ",
        {
            k: q[k]
            for k in (
                "rep",
                "dials",
                "hours",
                "dials_per_hour",
                "booked",
                "accept_rate",
                "held_rate",
            )
        },
    )
    timed("scorecard (one week)", lambda: reports.scorecard(store, week))
    r = timed("lists (list return)", lambda: reports.list_return(store))
    print(
        "   ",
        {
            k: r.main.rows[0][k]
            for k in ("name", "cost", "conversations", "cost_per_conversation", "cost_per_held")
        },
    )
    timed("hours", lambda: reports.best_hours(store))
    timed("hours (one week)", lambda: reports.best_hours(store, week))
    timed("trend by week", lambda: reports.trend(store))
    fg = timed("forgotten", lambda: reports.forgotten(store, as_of=as_of))
    print("   ", {c["kind"]: c["count"] for c in fg.tables["counts"].rows})
    if args.fold:
        add_attempts(path, args.fold)
        t, c = time.perf_counter(), time.process_time()
        summary.refresh(store)
        print(
            f"{f'fold {args.fold:,} new attempts in':<44} "
            f"{(time.perf_counter() - t) * 1000:7.0f} ms ({(time.process_time() - c) * 1000:.0f} cpu)",
            flush=True,
        )
        timed("funnel --by list (after the fold)", lambda: reports.funnel(store, by="list"))
    store.close()
    print(f"load average after the reports: {os.getloadavg()[0]:.1f}")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
