"""Sync targets: settings file, secrets, CRM file and calendar targets, review and the CLI."""

from __future__ import annotations

import csv
import json
import os
import stat
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from icalendar import Calendar
from sqlalchemy import select
from test_sync_support import (
    enqueue_appointment,
    enqueue_graded,
    make_appointment,
    make_lead,
    make_rep,
    memory_keyring,  # noqa: F401 (fixture)
)

from calldesk import outbox
from calldesk.cli.main import main
from calldesk.models import Appointment, Contact, DncEntry, OutboxDelivery
from calldesk.store import Store
from calldesk.sync import (
    SyncConfigError,
    Target,
    add_target,
    delete_secret,
    get_secret,
    load_targets,
    remove_target,
    run_sync,
    set_secret,
    skip,
    sync_status,
)
from calldesk.sync.engine import _Lease
from calldesk.sync.secrets import env_var, secrets_file
from calldesk.sync.webhook import verify

# --- settings and secrets ------------------------------------------------------------------


def test_targets_round_trip_and_validation(tmp_path: Path) -> None:
    add_target(Target(name="crm", type="webhook", url="https://crm.example.com/in", batch_size=20))
    add_target(Target(name="sf", type="files", folder=str(tmp_path), layout="salesforce"))
    add_target(Target(name="cal", type="calendar", folder=str(tmp_path / "ics")))
    targets = load_targets()
    assert sorted(targets) == ["cal", "crm", "sf"]
    assert targets["crm"].batch_size == 20 and targets["crm"].timeout == 10.0
    assert targets["sf"].layout == "salesforce" and targets["sf"].format == "csv"
    assert targets["cal"].takes("appointment.booked") and not targets["cal"].takes("lead.graded")
    with pytest.raises(SyncConfigError, match="already exists"):
        add_target(Target(name="crm", type="webhook", url="https://other.example.com"))
    with pytest.raises(SyncConfigError, match="https"):
        add_target(Target(name="plain", type="webhook", url="http://crm.example.com/in"))
    add_target(Target(name="local", type="webhook", url="http://127.0.0.1:8080/in"))
    with pytest.raises(SyncConfigError, match="layout"):
        add_target(Target(name="bad", type="files", folder="/tmp", layout="dynamics"))
    assert remove_target("local").name == "local" and "local" not in load_targets()

    path = Path(os.environ["CALLDESK_CONFIG_DIR"]) / "sync.yaml"
    assert "secret" not in path.read_text().lower().split("\n", 2)[2]
    path.write_text(
        "targets:\n  x:\n    type: webhook\n    url: https://a.example\n    colour: red\n"
    )
    with pytest.raises(SyncConfigError, match="unknown setting 'colour'"):
        load_targets()


def test_secret_goes_to_the_keyring_when_there_is_one(memory_keyring) -> None:  # noqa: F811
    assert set_secret("crm", "k1") == "keyring"
    assert get_secret("crm") == ("k1", "keyring")
    assert not secrets_file().exists()
    delete_secret("crm")
    assert get_secret("crm") is None


def test_without_a_keyring_the_secret_is_a_private_file_or_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import keyring

    assert type(keyring.get_keyring()).__module__.startswith("keyring.backends.fail")
    monkeypatch.setenv(env_var("crm-2"), "from-env")
    assert get_secret("crm-2") == ("from-env", "environment")
    assert set_secret("crm", "k2") == "file"
    path = secrets_file()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "NOT ENCRYPTED" in path.read_text()
    assert get_secret("crm") == ("k2", "file")
    delete_secret("crm")
    assert get_secret("crm") is None and "k2" not in path.read_text()


# --- payloads ------------------------------------------------------------------------------


def test_lead_payload_holds_what_the_issue_lists(store: Store) -> None:
    with store.write() as session:
        qualifier = make_rep(session, "Quinn Qualifier", email="q@calldesk.example")
        field = make_rep(session, "Fiona Field", role="field")
        contact = make_lead(
            session,
            phones=[("813-555-0100", "+18135550100", "work"), ("bad", None, "other")],
            qualifier=qualifier,
            answers={"budget": "yes"},
        )
        appointment = make_appointment(session, contact, field, qualifier=qualifier)
        payload = outbox.lead_payload(session, contact.id, disposition="qualified")
        uid = appointment.uid
    assert payload["contact"]["phones"] == [
        {"e164": "+18135550100", "extension": None, "label": "work", "type": None}
    ]
    assert payload["contact"]["email"].endswith("@ae.example")
    assert payload["company"]["name"] == "Analytical Engines Ltd"
    assert (payload["grade"], payload["why"]) == ("A", "Budget approved, wants a demo")
    assert payload["answers"] == {"budget": "yes"}
    assert payload["qualifier"]["name"] == "Quinn Qualifier"
    assert payload["source_lists"] == ["Spring list"]
    assert payload["appointment"]["uid"] == uid
    assert payload["appointment"]["field_rep"]["name"] == "Fiona Field"
    assert payload["disposition"] == "qualified"
    json.dumps(payload)  # it is stored in a JSON column


def test_numbers_on_the_dnc_list_never_leave(sqlite_store: Store, tmp_path: Path) -> None:
    with sqlite_store.write() as session:
        contact = make_lead(
            session,
            phones=[("1", "+18135550100", "work"), ("2", "+18135550101", "mobile")],
        )
        session.add(DncEntry(e164="+18135550101", source="internal"))
        session.flush()
        assert [
            p["e164"] for p in outbox.lead_payload(session, contact.id)["contact"]["phones"]
        ] == ["+18135550100"]
        enqueue_graded(session, contact)  # written before the contact asked not to be called
        contact_id = contact.id
    with sqlite_store.write() as session:
        session.get(Contact, contact_id).dnc = True

    received: list[bytes] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_POST(self) -> None:  # noqa: N802
            received.append(self.rfile.read(int(self.headers["Content-Length"])))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        set_secret("crm", "k")
        config = {
            "crm": Target(
                name="crm", type="webhook", url=f"http://127.0.0.1:{server.server_address[1]}/"
            )
        }
        assert run_sync(sqlite_store, config=config, max_wait=0).delivered == 1
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
    sent = json.loads(received[0])["entries"][0]["payload"]["contact"]
    assert sent["phones"] == [] and sent["do_not_call"] is True


# --- files and calendar targets ------------------------------------------------------------


def test_files_target_writes_only_what_changed_one_file_per_run(
    store: Store, tmp_path: Path
) -> None:
    folder = tmp_path / "crm"
    config = {
        "sf": Target(name="sf", type="files", folder=str(folder), layout="salesforce"),
        "full": Target(name="full", type="files", folder=str(folder / "x"), format="xlsx"),
    }
    with store.write() as session:
        a = make_lead(session, first="Ann", last="=cmd|'/C calc'!A0")
        b = make_lead(session, first="Bob")
        enqueue_graded(session, a)
        enqueue_graded(session, a)  # graded twice: one row, the latest state
        enqueue_graded(session, b)
        a_id = a.id
    first = run_sync(store, config=config, max_wait=0)
    assert first.targets["sf"].delivered == 3 and first.targets["full"].delivered == 3
    [sf_file] = first.targets["sf"].files
    with open(sf_file, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["FirstName"], r["LastName"]) for r in rows] == [
        ("Ann", "'=cmd|'/C calc'!A0"),
        ("Bob", "Lovelace"),
    ]
    assert Path(first.targets["full"].files[0]).suffix == ".xlsx"

    # Nothing new: no file. Then only Ann changes: the next file holds only Ann.
    assert run_sync(store, config=config, max_wait=0).targets["sf"].files == []
    with store.write() as session:
        session.get(Contact, a_id).grade = "B"
        enqueue_graded(session, session.get(Contact, a_id))
    third = run_sync(store, config=config, max_wait=0)
    [sf_file3] = third.targets["sf"].files
    assert sf_file3 != sf_file
    with open(sf_file3, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["FirstName"], r["Rating"]) for r in rows] == [("Ann", "Warm")]
    assert len(list(folder.glob("sf-*.csv"))) == 2


def test_calendar_target_writes_updates_with_the_same_uid(sqlite_store: Store, tmp_path: Path):
    config = {"cal": Target(name="cal", type="calendar", folder=str(tmp_path / "cal"))}
    with sqlite_store.write() as session:
        field = make_rep(session, "Fiona Field", role="field", email="f@calldesk.example")
        contact = make_lead(session)
        enqueue_graded(session, contact)  # a lead entry: not for the calendar
        appointment = make_appointment(session, contact, field)
        enqueue_appointment(session, appointment)
        appointment_id, uid = appointment.id, appointment.uid
    first = run_sync(sqlite_store, config=config, max_wait=0).targets["cal"]
    assert first.delivered == 1
    with sqlite_store.write() as session:
        moved = session.get(Appointment, appointment_id)
        moved.status, moved.sequence = "cancelled", moved.sequence + 1
        enqueue_appointment(session, moved, outbox.KIND_APPOINTMENT_CANCELLED)
    second = run_sync(sqlite_store, config=config, max_wait=0).targets["cal"]
    events = [
        next(iter(Calendar.from_ical(Path(r.files[0]).read_bytes()).walk("VEVENT")))
        for r in (first, second)
    ]
    assert [str(e["UID"]) for e in events] == [uid, uid]
    assert [int(e["SEQUENCE"]) for e in events] == [0, 1]
    assert str(events[1]["STATUS"]) == "CANCELLED"


def test_stopped_file_run_leaves_no_file_and_marks_nothing(sqlite_store: Store, tmp_path: Path):
    config = {"sf": Target(name="sf", type="files", folder=str(tmp_path / "out"))}
    with sqlite_store.write() as session:
        for i in range(3):
            enqueue_graded(session, make_lead(session, first=f"N{i}"))
    stop = threading.Event()
    stop.set()
    report = run_sync(sqlite_store, config=config, stop=stop, max_wait=0)
    assert report.stopped and report.delivered == 0
    assert not list((tmp_path / "out").glob("*")) if (tmp_path / "out").exists() else True
    assert run_sync(sqlite_store, config=config, max_wait=0).delivered == 3


# --- review, leases, late commits ----------------------------------------------------------


def test_skip_before_any_run_and_target_added_from_now(sqlite_store: Store, tmp_path: Path):
    with sqlite_store.write() as session:
        entries = [enqueue_graded(session, make_lead(session, first=f"S{i}")) for i in range(3)]
        ids = [e.id for e in entries]
    config = {"sf": Target(name="sf", type="files", folder=str(tmp_path / "sf"))}
    assert skip(sqlite_store, ids[1], config=config) == 1
    assert run_sync(sqlite_store, config=config, max_wait=0).delivered == 2
    status = sync_status(sqlite_store, config)["sf"]
    assert (status.delivered, status.skipped, status.pending) == (2, 1, 0)

    late = Target(name="late", type="files", folder=str(tmp_path / "late"), start_after_id=ids[-1])
    config["late"] = late
    assert sync_status(sqlite_store, config)["late"].pending == 0
    with sqlite_store.write() as session:
        enqueue_graded(session, make_lead(session, first="New"))
    assert sync_status(sqlite_store, config)["late"].pending == 1


def test_an_entry_committed_late_with_a_lower_id_is_still_delivered(
    sqlite_store: Store, tmp_path: Path
) -> None:
    config = {"sf": Target(name="sf", type="files", folder=str(tmp_path / "sf"))}
    with sqlite_store.write() as session:
        low = enqueue_graded(session, make_lead(session, first="Low"))
        high = enqueue_graded(session, make_lead(session, first="High"))
        low_id = low.id
    # Pretend "high" was seen by a run before "low" committed: only its delivery exists.
    with sqlite_store.write() as session:
        session.add(OutboxDelivery(outbox_id=high.id, target="sf", state="delivered"))
    assert run_sync(sqlite_store, config=config, max_wait=0).delivered == 1
    with sqlite_store.session() as session:
        state = session.scalar(
            select(OutboxDelivery.state).where(OutboxDelivery.outbox_id == low_id)
        )
    assert state == "delivered"


def test_only_one_run_per_target_at_a_time(sqlite_store: Store, tmp_path: Path) -> None:
    config = {"sf": Target(name="sf", type="files", folder=str(tmp_path / "sf"))}
    with sqlite_store.write() as session:
        enqueue_graded(session, make_lead(session))
    other = _Lease(sqlite_store, "sf", seconds=60)
    assert other.acquire()
    report = run_sync(sqlite_store, config=config, max_wait=0)
    assert report.delivered == 0 and "already" in (report.targets["sf"].error or "")
    other.release()
    assert run_sync(sqlite_store, config=config, max_wait=0).delivered == 1


# --- command line --------------------------------------------------------------------------


def _cli(
    capsys: pytest.CaptureFixture[str],
    *argv: str,
    stdin: str | None = None,
    monkeypatch: pytest.MonkeyPatch | None = None,
) -> tuple[int, dict | None, str]:
    if stdin is not None:
        import io

        assert monkeypatch is not None
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(list(argv))
    captured = capsys.readouterr()
    data = json.loads(captured.out) if "--json" in argv and captured.out.strip() else None
    return code, data, captured.err


def test_sync_command_line(
    sqlite_store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch
) -> None:
    db = ["--db", sqlite_store.url]
    code, data, err = _cli(capsys, "sync", *db, "--json")
    assert code == 2 and "no sync targets" in err

    code, data, err = _cli(
        capsys,
        "sync",
        "target",
        "add",
        "crm",
        "--type",
        "webhook",
        "--url",
        "http://127.0.0.1:9/none",
        "--secret-stdin",
        "--timeout",
        "0.5",
        *db,
        "--json",
        stdin="shh\n",
        monkeypatch=monkeypatch,
    )
    assert code == 0 and data["secret"] == "file" and "NOT ENCRYPTED" not in (data or {})
    code, data, _ = _cli(
        capsys,
        "sync",
        "target",
        "add",
        "sf",
        "--type",
        "files",
        "--folder",
        str(tmp_path / "sf"),
        "--layout",
        "hubspot",
        *db,
        "--json",
    )
    assert code == 0
    code, data, _ = _cli(capsys, "sync", "target", "list", *db, "--json")
    assert [(t["name"], t["type"], t["secret"]) for t in data["targets"]] == [
        ("crm", "webhook", "file"),
        ("sf", "files", None),
    ]

    with sqlite_store.write() as session:
        entry = enqueue_graded(session, make_lead(session))
        entry_id = entry.id

    code, data, _ = _cli(capsys, "sync", "--dry-run", *db, "--json")
    assert code == 0 and data["pending"] == 2 and data["delivered"] == 0

    code, data, _ = _cli(capsys, "sync", "--target", "sf", *db, "--json")
    assert code == 0
    assert set(data) >= {"delivered", "failed", "pending", "targets"}
    assert data["delivered"] == 1 and list(data["targets"]) == ["sf"]

    code, data, _ = _cli(capsys, "sync", *db, "--wait", "0", "--json")  # nobody on port 9
    assert data["targets"]["crm"]["pending"] == 1
    assert "connection failed" in data["targets"]["crm"]["last_error"]

    code, data, _ = _cli(capsys, "sync", "status", "--state", "pending", *db, "--json")
    assert data["targets"]["crm"]["pending"] == 1
    assert data["targets"]["crm"]["pending_entries"][0]["entry_id"] == entry_id
    assert data["targets"]["sf"]["delivered"] == 1

    code, data, err = _cli(capsys, "sync", "retry", str(entry_id), "--target", "sf", *db, "--json")
    assert code == 2 and "delivered" in err
    code, data, _ = _cli(capsys, "sync", "skip", str(entry_id), "--target", "crm", *db, "--json")
    assert code == 0 and data == {"skipped": 1}
    code, data, _ = _cli(capsys, "sync", "status", *db, "--json")
    assert data["targets"]["crm"]["skipped"] == 1 and data["targets"]["crm"]["pending"] == 0

    code, data, _ = _cli(capsys, "sync", "target", "remove", "crm", *db, "--json")
    assert code == 0 and get_secret("crm") is None


def test_webhook_signature_uses_the_stored_secret(
    sqlite_store: Store,
    memory_keyring,  # noqa: F811
) -> None:
    bodies: list[tuple[bytes, str]] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers["Content-Length"]))
            bodies.append((body, self.headers["X-Calldesk-Signature"]))
            self.send_response(204)
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        assert set_secret("hook", "from-keyring") == "keyring"
        url = f"http://127.0.0.1:{server.server_address[1]}/in"
        with sqlite_store.write() as session:
            enqueue_graded(session, make_lead(session))
        report = run_sync(
            sqlite_store, config={"hook": Target(name="hook", type="webhook", url=url)}, max_wait=0
        )
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
    assert report.delivered == 1
    body, signature = bodies[0]
    assert verify(body, "from-keyring", signature) and not verify(body, "other", signature)


def test_unknown_target_and_progress_reports(sqlite_store: Store, tmp_path: Path) -> None:
    from calldesk.sync import SyncError

    config = {"sf": Target(name="sf", type="files", folder=str(tmp_path / "sf"))}
    with pytest.raises(SyncError, match="nope"):
        run_sync(sqlite_store, targets=["nope"], config=config)
    with sqlite_store.write() as session:
        for i in range(3):
            enqueue_graded(session, make_lead(session, first=f"P{i}"))
    seen = []
    run_sync(sqlite_store, config=config, progress=seen.append, max_wait=0)
    assert [(p.target, p.pending) for p in seen][0] == ("sf", 3)
    assert (seen[-1].delivered, seen[-1].pending) == (3, 0) and "wrote" in seen[-1].message
