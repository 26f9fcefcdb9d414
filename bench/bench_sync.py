"""Sync throughput to a local webhook, and export time for a million graded leads.

    python bench/bench_sync.py [--entries N] [--rows N] [--formats csv,salesforce,xlsx] [--keep]

1. ``--entries`` outbox entries (default 10,000, payloads as ``lead_payload`` writes them) are
   delivered by ``run_sync`` to an HTTP server on 127.0.0.1 that checks every signature, at
   several batch sizes; prints entries/s and requests.
2. ``--rows`` graded contacts (default 1,000,000, each with a company, two phones, an email, a
   list and a graded attempt) are written with bulk SQL (INSERT ... SELECT over recursive CTEs),
   then exported with ``export_leads`` in each format; prints CPU seconds (user + sys of the
   process, all its threads), wall time, rows/s, peak RSS (sampled with psutil while the export
   runs, so it shows the export's memory, not the generator's) and the load average before
   and after (figures are for a quiet machine: see bench/README.md).

Prints figures; never passes or fails.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import sqlite3
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

os.environ.setdefault("CALLDESK_DATA_DIR", tempfile.mkdtemp(prefix="calldesk-bench-"))
os.environ.setdefault("CALLDESK_CONFIG_DIR", tempfile.mkdtemp(prefix="calldesk-bench-"))

import psutil  # noqa: E402
from sqlalchemy import insert  # noqa: E402

from calldesk.models import OutboxEntry, utcnow  # noqa: E402
from calldesk.store import open_store  # noqa: E402
from calldesk.sync import Target, run_sync  # noqa: E402
from calldesk.sync.export import export_leads  # noqa: E402
from calldesk.sync.webhook import verify  # noqa: E402

SECRET = "bench-secret"
TS = "strftime('%Y-%m-%d %H:%M:%S', {}) || '.000000'"  # SQLAlchemy's SQLite DATETIME text


def _payload(i: int) -> dict:
    """A payload the size of a real one (lead_payload of a graded contact with an appointment)."""
    return {
        "contact": {
            "id": i,
            "first_name": f"First{i}",
            "last_name": f"Last{i % 997}",
            "full_name": f"First{i} Last{i % 997}",
            "title": "Head of Operations",
            "phones": [
                {
                    "e164": f"+1813{i % 10_000_000:07d}",
                    "extension": None,
                    "label": "work",
                    "type": "FIXED_LINE",
                }
            ],
            "email": f"first{i}@company{i % 5000}.example",
            "emails": [f"first{i}@company{i % 5000}.example"],
            "street": "1 Main St",
            "city": "Tampa",
            "state": "FL",
            "postal_code": "33602",
            "country": "US",
            "do_not_call": False,
        },
        "company": {
            "id": i % 5000,
            "name": f"Company {i % 5000}",
            "website": None,
            "industry": "Manufacturing",
            "city": "Tampa",
            "state": "FL",
            "country": "US",
        },
        "grade": "A",
        "why": "Budget approved, decision maker, wants a demo this quarter",
        "stage": "appointment",
        "answers": {
            "budget": "yes",
            "authority": "decision maker",
            "need": "40 seats",
            "timeline": "Q3",
        },
        "qualifier": {"id": 1, "name": "Quinn Qualifier", "email": "quinn@calldesk.example"},
        "script": {"key": "bant", "version": 3},
        "source": {
            "lists": [{"id": 1, "name": "Expo 2026 badge scans", "source_kind": "event"}],
            "events": [
                {
                    "id": 1,
                    "name": "Expo 2026",
                    "kind": "trade_show",
                    "date": "2026-10-01",
                    "rating": "hot",
                    "attended": True,
                }
            ],
        },
        "source_lists": ["Expo 2026 badge scans"],
        "appointment": None,
    }


class _Receiver(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    received = 0
    requests = 0
    bad = 0

    def log_message(self, *args: object) -> None:
        pass

    def do_POST(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).requests += 1
        if not verify(body, SECRET, self.headers.get("X-Calldesk-Signature", "")):
            type(self).bad += 1
        type(self).received += len(json.loads(body)["entries"])
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()


def bench_webhook(entries: int, batch_sizes: list[int]) -> None:
    os.environ["CALLDESK_SYNC_SECRET_CRM"] = SECRET
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    try:
        for batch in batch_sizes:
            tmp = Path(tempfile.mkdtemp(prefix="calldesk-bench-sync-"))
            store = open_store(f"sqlite:///{tmp / 'sync.sqlite3'}")
            now = utcnow()
            with store.write() as session:
                session.execute(
                    insert(OutboxEntry),
                    [
                        {
                            "idempotency_key": f"bench-{i}",
                            "kind": "lead.graded",
                            "contact_id": None,
                            "payload": _payload(i),
                            "created_at": now,
                        }
                        for i in range(entries)
                    ],
                )
            _Receiver.received = _Receiver.requests = _Receiver.bad = 0
            config = {"crm": Target(name="crm", type="webhook", url=url, batch_size=batch)}
            t = time.perf_counter()
            report = run_sync(store, config=config, max_wait=0)
            elapsed = time.perf_counter() - t
            store.close()
            print(
                f"webhook batch {batch:>4}: {report.delivered:,} entries in {elapsed:6.2f} s "
                f"= {report.delivered / elapsed:8,.0f} entries/s, {_Receiver.requests:,} requests, "
                f"bad signatures {_Receiver.bad}, received {_Receiver.received:,}",
                flush=True,
            )
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def generate(path: Path, rows: int) -> None:
    """``rows`` graded contacts with company, phones, email, list and graded attempt."""
    store = open_store(f"sqlite:///{path}")
    store.close()
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=OFF")
    con.execute("PRAGMA cache_size=-262144")
    now = TS.format("'2026-11-01 10:00:00'")
    companies = max(1, rows // 20)
    seq = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {})"
    with con:
        con.execute(
            "INSERT INTO reps (id, name, role, email, time_zone, active, created_at) VALUES "
            f"(1, 'Quinn Qualifier', 'qualifier', 'quinn@calldesk.example', "
            f"'America/New_York', 1, {now})"
        )
        con.execute(
            "INSERT INTO call_lists (id, name, source_kind, default_country, row_count, "
            f"created_at) VALUES (1, 'Bench list', 'purchased', 'US', {rows}, {now})"
        )
        con.execute(
            f"""{seq.format(companies)}
            INSERT INTO companies (id, name, name_key, website, industry, created_at)
            SELECT i, 'Company ' || i, 'company ' || i, 'https://c' || i || '.example',
                   'Manufacturing', {now} FROM n"""
        )
        con.execute(
            f"""{seq.format(rows)}
            INSERT INTO contacts (id, company_id, first_name, last_name, title, street, city,
                state, postal_code, country, created_at, updated_at, stage, grade, grade_why,
                attempts, dnc, callable, locale_key, priority, tier, engagement)
            SELECT i, i % {companies} + 1, 'First' || i,
                CASE WHEN i % 1000 = 0 THEN '=HYPERLINK("x")' ELSE 'Last' || (i % 997) END,
                'Head of Operations', i || ' Main St', 'Tampa', 'FL', '33602', 'US',
                {now}, {now}, 'nurture', substr('ABCD', i % 4 + 1, 1),
                'Budget approved, decision maker', 2, 0, 1, 'US|FL|America/New_York', 0, 2, 0
            FROM n"""
        )
        con.execute(
            "INSERT INTO phones (contact_id, position, label, raw, e164, number_type, region, "
            "time_zones, valid, shared, dnc) SELECT id, 0, 'work', '(813) 555-' || id, "
            "'+1813' || substr('0000000' || id, -7, 7), 'FIXED_LINE', 'US', 'America/New_York', "
            "1, 0, 0 FROM contacts"
        )
        con.execute(
            "INSERT INTO phones (contact_id, position, label, raw, e164, number_type, region, "
            "time_zones, valid, shared, dnc) SELECT id, 1, 'mobile', '(727) 555-' || id, "
            "'+1727' || substr('0000000' || id, -7, 7), 'MOBILE', 'US', 'America/New_York', "
            "1, 0, 0 FROM contacts"
        )
        con.execute(
            "INSERT INTO emails (contact_id, address, address_key, shared, role_address) "
            "SELECT id, 'first' || id || '@c' || company_id || '.example', "
            "'first' || id || '@c' || company_id || '.example', 0, 0 FROM contacts"
        )
        con.execute(
            f"INSERT INTO list_members (list_id, contact_id, added_at) "
            f"SELECT 1, id, {now} FROM contacts"
        )
        con.execute(
            "INSERT INTO attempts (contact_id, rep_id, started_at, disposition, conversation, "
            "answers, script_key, script_version, grade, grade_why, manual) "
            f"SELECT id, 1, {now}, 'qualified', 1, "
            '\'{"budget": "yes", "need": "40 seats", "timeline": "Q3"}\', '
            "'bant', 3, grade, grade_why, 0 FROM contacts"
        )
    con.execute("ANALYZE")
    con.close()


class PeakRss:
    """Samples this process's RSS with psutil every few milliseconds."""

    def __init__(self) -> None:
        self.process = psutil.Process()
        self.start = self.peak = self.process.memory_info().rss
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run)

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, self.process.memory_info().rss)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.process.memory_info().rss)


def _load(load: tuple[float, float, float]) -> str:
    return "/".join(f"{x:.1f}" for x in load)


def bench_export(rows: int, formats: list[str], keep: bool, db: Path | None) -> None:
    path = db or Path(tempfile.gettempdir()) / f"calldesk-bench-export-{rows}.sqlite3"
    if not (keep and path.exists()):
        for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            p.unlink(missing_ok=True)
        t = time.perf_counter()
        # In a child process: the generator's SQLite cache must not count in the export's RSS.
        child = multiprocessing.get_context("spawn").Process(target=generate, args=(path, rows))
        child.start()
        child.join()
        print(
            f"generated {rows:,} graded contacts in {time.perf_counter() - t:.1f} s "
            f"({path.stat().st_size / 1e6:.0f} MB)",
            flush=True,
        )
    store = open_store(f"sqlite:///{path}")
    out_dir = Path(tempfile.mkdtemp(prefix="calldesk-bench-out-"))
    try:
        for fmt in formats:
            out = out_dir / f"leads-{fmt}.{'xlsx' if fmt == 'xlsx' else 'csv'}"
            load_before = os.getloadavg()
            with PeakRss() as rss:
                t = time.perf_counter()
                before = os.times()
                result = export_leads(store, out, grades=["A", "B", "C", "D"], fmt=fmt)
                after = os.times()
                elapsed = time.perf_counter() - t
            user, system = after.user - before.user, after.system - before.system
            load_after = os.getloadavg()
            # CPU time (user + sys, every thread of the process) beside wall time: on a shared
            # box the wall time mostly measures the load; the load average says how shared.
            print(
                f"export {fmt:<10}: {result.rows:,} rows, CPU {user + system:6.1f} s "
                f"(user {user:.1f} + sys {system:.1f}), wall {elapsed:6.1f} s "
                f"({result.rows / elapsed:8,.0f} rows/s), file {out.stat().st_size / 1e6:6.0f} MB, "
                f"RSS before {rss.start / 1e6:.0f} MB, peak {rss.peak / 1e6:.0f} MB, "
                f"load average (1/5/15 min) {_load(load_before)} -> {_load(load_after)}",
                flush=True,
            )
            out.unlink()
    finally:
        store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--batches", default="1,50,100", help="webhook batch sizes")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--formats", default="csv,salesforce,hubspot,xlsx")
    parser.add_argument("--db", type=Path, help="export store file (default: in the temp dir)")
    parser.add_argument("--keep", action="store_true", help="reuse the export store if it exists")
    parser.add_argument("--skip-webhook", action="store_true")
    parser.add_argument("--skip-export", action="store_true")
    args = parser.parse_args()
    if not args.skip_webhook:
        bench_webhook(args.entries, [int(b) for b in args.batches.split(",")])
    if not args.skip_export:
        bench_export(args.rows, args.formats.split(","), args.keep, args.db)


if __name__ == "__main__":
    main()
