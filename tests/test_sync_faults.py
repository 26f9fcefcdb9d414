"""Sync isolates faults: bad values refused at booking, one bad entry parked while the rest go,
a lease left by a killed run expires quickly, and a killed file run leaves no ``.part`` behind."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from icalendar import Calendar
from sqlalchemy import select
from test_handoff import BANT_A, MEETING, make_world, run_call
from test_sync_support import (
    enqueue_appointment,
    enqueue_graded,
    make_appointment,
    make_lead,
    make_rep,
)

from calldesk.handoff import Booking, HandoffError
from calldesk.models import Appointment, OutboxDelivery, OutboxEntry
from calldesk.store import Store
from calldesk.sync import Target, list_deliveries, run_sync
from calldesk.sync.engine import LEASE_SECONDS, _Lease
from calldesk.sync.ics import write_appointments_ics
from calldesk.sync.secrets import env_var

EVIL_LINK = "https://meet.example/x\r\nATTENDEE:mailto:evil@example.com"


# --- refused at entry ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("booking", "message"),
    [
        (Booking(starts_at=MEETING, meeting_link=EVIL_LINK), "meeting link must be one line"),
        (Booking(starts_at=MEETING, location="Main St\nDESCRIPTION:x"), "place must be one line"),
        (Booking(starts_at=MEETING, meeting_link="javascript:alert(1)"), "web address"),
        (Booking(starts_at=MEETING, location="x" * 301), "longer than 300"),
    ],
)
def test_a_bad_link_or_place_is_refused_at_booking(
    sqlite_store: Store, booking: Booking, message: str
) -> None:
    world = make_world(sqlite_store)
    with pytest.raises(HandoffError, match=message):
        run_call(sqlite_store, world, "bant", BANT_A, booking=booking)
    with sqlite_store.session() as session:  # nothing of the refused call was stored
        assert session.scalar(select(OutboxEntry.id)) is None


# --- one bad entry parked, the rest and the other targets go on ---------------------------------


def _bad_and_good_appointments(store: Store) -> tuple[int, int, int]:
    """A meeting whose link has CR/LF (as a store from before the check holds), one whose time
    cannot be shown in its zone (a year typed as 9999), and a good one."""
    with store.write() as session:
        field = make_rep(session, "Fiona Field", role="field")
        starts = dt.datetime(2027, 1, 5, 15, 0, tzinfo=dt.UTC)
        bad = make_appointment(session, make_lead(session, first="Bad"), field, starts_at=starts)
        bad.meeting_link = EVIL_LINK
        broken = make_appointment(
            session,
            make_lead(session, first="Broken"),
            field,
            starts_at=dt.datetime(9999, 12, 31, 23, 0, tzinfo=dt.UTC),
            time_zone="Pacific/Kiritimati",
        )
        good = make_appointment(session, make_lead(session, first="Good"), field, starts_at=starts)
        for appointment in (bad, broken, good):
            enqueue_appointment(session, appointment)
        return bad.id, broken.id, good.id


def test_a_bad_appointment_is_parked_and_the_rest_goes(sqlite_store: Store, tmp_path: Path) -> None:
    bad, broken, good = _bad_and_good_appointments(sqlite_store)
    config = {
        "cal": Target(name="cal", type="calendar", folder=str(tmp_path / "cal")),
        "sf": Target(name="sf", type="files", folder=str(tmp_path / "sf"), layout="salesforce"),
    }
    report = run_sync(sqlite_store, config=config, max_wait=0)
    cal = report.targets["cal"]
    assert (cal.error, len(cal.files), cal.delivered, cal.failed) == (None, 1, 2, 1)
    text = Path(cal.files[0]).read_bytes()
    # The CR/LF link is written as escaped text on one line: it injects no property.
    assert not any(line.startswith(b"ATTENDEE:mailto:evil") for line in text.splitlines())
    events = Calendar.from_ical(text).walk("VEVENT")
    with sqlite_store.session() as session:
        uids = {a.id: a.uid for a in session.scalars(select(Appointment))}
    assert {str(e["UID"]) for e in events} == {uids[bad], uids[good]}
    bad_event = next(e for e in events if str(e["UID"]) == uids[bad])
    assert "URL" not in bad_event and "\n" not in str(bad_event["LOCATION"])
    [parked] = list_deliveries(sqlite_store, "cal", state="failed")
    assert "cannot be written to a calendar" in (parked.last_error or "")
    with sqlite_store.session() as session:
        assert session.get(OutboxEntry, parked.entry_id).appointment_id == broken
    assert report.targets["sf"].delivered == 3 and report.targets["sf"].files  # not held up

    # The .ics export from the appointments screen and the command line skips it the same way.
    skipped: list[tuple[int, str]] = []
    with sqlite_store.session() as session:
        count = write_appointments_ics(
            session, tmp_path / "all.ics", upcoming_only=False, skipped=skipped
        )
    assert count == 2 and [a for a, _ in skipped] == [broken]


class _Ok(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    seen: list[bytes] = []

    def log_message(self, *args: object) -> None:
        pass

    def do_POST(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.path == "/hang":
            time.sleep(120)
        self.seen.append(body)
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")


@pytest.fixture
def http_url(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv(env_var("crm"), "s3cret")
    _Ok.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Ok)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_an_entry_that_cannot_be_sent_is_parked(
    sqlite_store: Store, http_url: str, tmp_path: Path
) -> None:
    with sqlite_store.write() as session:
        enqueue_graded(session, make_lead(session, first="Before"))
        # A lone surrogate survives the JSON column but no UTF-8 body can carry it.
        session.add(
            OutboxEntry(idempotency_key="broken", kind="lead.note", payload={"note": "\ud800"})
        )
        session.flush()
        enqueue_graded(session, make_lead(session, first="After"))
    config = {
        "crm": Target(name="crm", type="webhook", url=f"{http_url}/in", batch_size=10),
        "sf": Target(name="sf", type="files", folder=str(tmp_path), layout="hubspot"),
    }
    report = run_sync(sqlite_store, config=config, max_wait=0)
    crm = report.targets["crm"]
    assert (crm.delivered, crm.failed, crm.error) == (2, 1, None)
    assert b"Before" in b"".join(_Ok.seen) and b"After" in b"".join(_Ok.seen)
    [parked] = list_deliveries(sqlite_store, "crm", state="failed")
    assert parked.key == "broken" and "cannot be sent as JSON" in (parked.last_error or "")
    assert report.targets["sf"].delivered == 3 and report.targets["sf"].files


# --- a killed run -------------------------------------------------------------------------------


def _python(script: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(script)],
        stdout=subprocess.PIPE,
        text=True,
        env=os.environ.copy(),
    )


def test_the_lease_of_a_killed_run_expires(sqlite_store: Store, http_url: str) -> None:
    assert LEASE_SECONDS <= 30 and _Lease(sqlite_store, "x").seconds == LEASE_SECONDS
    with sqlite_store.write() as session:
        enqueue_graded(session, make_lead(session))
    lease = 3.0  # short for the test; the mechanism is the one of the 30 s default
    child = _python(
        f"""
        from calldesk.store import open_store
        from calldesk.sync import Target, run_sync
        store = open_store({sqlite_store.url!r})
        config = {{"crm": Target(name="crm", type="webhook", url="{http_url}/hang", timeout=120)}}
        def progress(p):
            print(p.message, flush=True)
        run_sync(store, config=config, lease_seconds={lease}, progress=progress)
        """
    )
    try:
        assert child.stdout is not None and "to send" in child.stdout.readline()
        # Alive and stuck in a slow request: the heartbeat keeps the lease for several lengths.
        until = time.monotonic() + 2 * lease
        while time.monotonic() < until:
            assert not _Lease(sqlite_store, "crm").acquire()
            time.sleep(0.2)
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        killed = time.monotonic()
        other = _Lease(sqlite_store, "crm")
        while not other.acquire():
            assert time.monotonic() - killed < lease + 1.5, "the dead run's lease did not expire"
            time.sleep(0.1)
        other.release()
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        assert child.stdout is not None
        child.stdout.close()


def test_a_killed_file_run_leaves_no_part_file(sqlite_store: Store, tmp_path: Path) -> None:
    with sqlite_store.write() as session:
        for n in range(3):
            enqueue_graded(session, make_lead(session, first=f"Lead{n}"))
    folder = tmp_path / "crm"
    child = _python(
        f"""
        import time
        from calldesk.store import open_store
        from calldesk.sync import Target, run_sync
        store = open_store({sqlite_store.url!r})
        config = {{"sf": Target(name="sf", type="files", folder={str(folder)!r})}}
        def progress(p):
            if p.message.startswith("writing"):
                print("writing", flush=True)
                time.sleep(600)
        run_sync(store, config=config, lease_seconds=1.0, progress=progress)
        """
    )
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "writing"
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        assert child.stdout is not None
        child.stdout.close()
    [partial] = list(folder.glob(".*.part"))
    (folder / ".sf-eu-20260101T000000Z.csv.part").write_text("another target's file")
    config = {"sf": Target(name="sf", type="files", folder=str(folder))}
    deadline = time.monotonic() + 5
    while True:
        report = run_sync(sqlite_store, config=config, max_wait=0)
        if report.targets["sf"].error is None or time.monotonic() > deadline:
            break
        time.sleep(0.2)  # the killed run's lease (1 s) runs out
    assert report.targets["sf"].error is None and report.targets["sf"].delivered == 3
    assert not partial.exists()
    assert (folder / ".sf-eu-20260101T000000Z.csv.part").exists()  # not ours: left alone
    assert [p.suffix for p in folder.iterdir() if not p.name.startswith(".")] == [".csv"]
    with sqlite_store.session() as session:
        states = set(session.scalars(select(OutboxDelivery.state)))
    assert states == {"delivered"}


def test_an_export_cleans_the_part_file_of_a_killed_export(
    sqlite_store: Store, tmp_path: Path
) -> None:
    from calldesk.sync.export import export_leads

    with sqlite_store.write() as session:
        make_lead(session)
    out = tmp_path / "leads.csv"
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()  # a pid that no longer runs, as after kill -9
    stale = tmp_path / f".leads.csv.{dead.pid}.part"
    stale.write_text("half a file")
    alive = tmp_path / f".leads.csv.{os.getppid()}.part"  # a running writer's: left alone
    alive.write_text("being written")
    export_leads(sqlite_store, out, grades=["A"])
    assert not stale.exists() and alive.exists() and out.exists()
