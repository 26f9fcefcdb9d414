"""A number listed as do-not-call after the call leaves calldesk in no payload and no file.

A call is recorded (its ``attempt.recorded`` entry carries ``number_dialled``), the lead is
graded and booked (its entries carry the phones, the notes, the meeting place), and only then
the number joins the DNC list. Sync to a real HTTP receiver on 127.0.0.1, to files targets in
every layout and to the calendar, and the CSV/XLSX exports: the number is in none of them, in
any form, while an unlisted colleague's number still goes out.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from test_sync_support import (
    enqueue_appointment,
    enqueue_graded,
    make_appointment,
    make_lead,
    make_rep,
)

from calldesk import dnc, outcomes
from calldesk.models import Contact, DncEntry
from calldesk.store import Store
from calldesk.sync import Target, run_sync
from calldesk.sync.export import export_leads
from calldesk.sync.privacy import REMOVED, scrub_payloads
from calldesk.sync.secrets import env_var

LISTED = "+18135550142"
FORMS = (LISTED, "8135550142", "555-0142", "555 0142", "5550142")
KEPT = "+18135550177"  # a colleague's own line, never listed
SECRET = "dnc-test-secret"


def _assert_absent(text: str, where: str) -> None:
    for form in FORMS:
        assert form not in text, f"{form} found in {where}"


class _Bodies(BaseHTTPRequestHandler):
    bodies: list[bytes] = []
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:
        pass

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        self.bodies.append(self.rfile.read(int(self.headers["Content-Length"])))
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")


@pytest.fixture
def receiver(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[list[bytes], str]]:
    monkeypatch.setenv(env_var("crm"), SECRET)
    _Bodies.bodies = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Bodies)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield _Bodies.bodies, f"http://127.0.0.1:{server.server_address[1]}/in"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def _called_then_listed(store: Store) -> tuple[int, int]:
    """A recorded call, a grade and a booking for LISTED; then LISTED joins the DNC list."""
    with store.write() as session:
        rep = make_rep(session, "Quinn")
        field = make_rep(session, "Fiona Field", role="field")
        lead = make_lead(
            session,
            first="Dana",
            phones=[("(813) 555-0142", LISTED, "work")],
            why="Call her back on 813-555-0142 after 3",
            answers={"best number": "(813) 555-0142"},
        )
        colleague = make_lead(
            session,
            first="Colin",
            phones=[("813 555 0177", KEPT, "work")],
            why="Direct line 813-555-0177, mornings",
        )
        outcomes.record_outcome(
            session,
            claim_id=None,
            contact_id=lead.id,
            rep_id=rep.id,
            disposition="no_answer",
            number_dialled=LISTED + " ext. 12",
            notes="rang +1 813 555 0142 twice",
            manual=True,
            at=dt.datetime(2026, 11, 3, 15, 0, tzinfo=dt.UTC),
        )
        appointment = make_appointment(
            session, lead, field, starts_at=dt.datetime(2027, 1, 5, 15, 0, tzinfo=dt.UTC)
        )
        appointment.location = "Phone call: (813) 555-0142"
        enqueue_graded(session, lead)
        enqueue_appointment(session, appointment)
        enqueue_graded(session, colleague)
        lead_id, colleague_id = lead.id, colleague.id
    with store.write() as session:
        dnc.add_number(session, LISTED, reason="asked on the phone")
    return lead_id, colleague_id


def test_the_webhook_never_carries_the_listed_number(
    store: Store, receiver: tuple[list[bytes], str]
) -> None:
    sqlite_store = store  # both back ends
    bodies, url = receiver
    _called_then_listed(sqlite_store)
    config = {"crm": Target(name="crm", type="webhook", url=url, batch_size=2)}
    report = run_sync(sqlite_store, config=config, max_wait=0)
    assert report.targets["crm"].delivered == 4 and report.targets["crm"].failed == 0
    text = b"".join(bodies).decode()
    _assert_absent(text, "a webhook body")
    entries = [e for body in bodies for e in json.loads(body)["entries"]]
    kinds = {e["kind"] for e in entries}
    assert kinds == {"attempt.recorded", "lead.graded", "appointment.booked"}
    attempt = next(e for e in entries if e["kind"] == "attempt.recorded")
    assert attempt["payload"]["attempt"]["number_dialled"] is None
    assert attempt["payload"]["attempt"]["notes"] == f"rang {REMOVED} twice"
    dana = next(e for e in entries if e["kind"] == "appointment.booked")["payload"]
    assert dana["contact"]["phones"] == [] and dana["contact"]["do_not_call"] is True
    assert KEPT in text  # the colleague's own number is not collateral damage


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_files_targets_and_calendar_never_carry_it(
    sqlite_store: Store, tmp_path: Path, fmt: str
) -> None:
    _called_then_listed(sqlite_store)
    config = {
        f"{layout}": Target(
            name=layout, type="files", folder=str(tmp_path), layout=layout, format=fmt
        )
        for layout in ("calldesk", "salesforce", "hubspot")
    }
    config["cal"] = Target(name="cal", type="calendar", folder=str(tmp_path))
    report = run_sync(sqlite_store, config=config, max_wait=0)
    files = [Path(f) for t in report.targets.values() for f in t.files]
    assert len(files) == 4
    for path in files:
        if path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as package:
                text = "".join(package.read(n).decode() for n in package.namelist())
        else:
            text = path.read_text(encoding="utf-8-sig")
        _assert_absent(text, path.name)


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "salesforce", "hubspot"])
def test_exports_never_carry_it(store: Store, tmp_path: Path, fmt: str) -> None:
    sqlite_store = store  # both back ends
    _, colleague = _called_then_listed(sqlite_store)
    with sqlite_store.write() as session:
        # The colleague's line is listed too, straight in the registry table: exports must read
        # the list itself, not only the contact's flag.
        session.add(DncEntry(e164=KEPT, source="national"))
        assert session.get(Contact, colleague).dnc is False
    out = tmp_path / ("leads.xlsx" if fmt == "xlsx" else "leads.csv")
    result = export_leads(sqlite_store, out, grades=["A"], fmt=fmt)
    assert result.rows == 1  # the colleague still goes, without the listed number
    if fmt == "xlsx":
        with zipfile.ZipFile(out) as package:
            text = "".join(package.read(n).decode() for n in package.namelist())
    else:
        text = out.read_text(encoding="utf-8-sig")
    _assert_absent(text, out.name)
    for form in (KEPT, "8135550177", "555-0177"):  # not in a phone column, nor in the why
        assert form not in text, form
    assert "Colin" in text and f"Direct line {REMOVED}, mornings" in text


def test_any_payload_shape_is_scrubbed(sqlite_store: Store) -> None:
    with sqlite_store.write() as session:
        dnc.add_number(session, LISTED)
        payload = {
            "custom": {"phone": LISTED, "mobile": "813.555.0142", "other": KEPT},
            "people": [{"e164": LISTED, "label": "work"}, {"e164": KEPT}],
            "text": ["call 813-555-0142 or 813-555-0177"],
            "number": 8135550142,
        }
        [scrubbed] = scrub_payloads(session, [(None, payload)])
    assert scrubbed["custom"] == {"phone": None, "mobile": None, "other": KEPT}
    assert scrubbed["people"] == [{"e164": KEPT}]
    assert scrubbed["text"] == [f"call {REMOVED} or 813-555-0177"]
    assert scrubbed["number"] is None
    assert payload["custom"]["phone"] == LISTED  # the stored entry itself is left as it was
