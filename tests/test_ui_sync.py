"""The sync screen as a manager uses it, against a real HTTP receiver on 127.0.0.1: add a
webhook (its secret never shown back), see a refused entry with the reason, retry it until it
is delivered, stop a running sync, preview, skip, and write CRM files."""

from __future__ import annotations

import csv
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox
from sqlalchemy import select

from calldesk.models import OutboxDelivery
from calldesk.store import Store
from calldesk.sync import Target, add_target, load_targets
from calldesk.sync.webhook import SIGNATURE_HEADER, verify
from tests.test_sync_support import enqueue_graded, make_lead, memory_keyring  # noqa: F401
from ui.context import AppContext
from ui.sync.view import SyncView
from ui.worker import Background

SECRET = "s3cret-Shared-Key"


class Receiver:
    """Answers 422 to the first ``refuse`` requests, then 200; keeps each accepted key once."""

    def __init__(self, *, refuse: int = 0, delay: float = 0.0) -> None:
        self.refuse = refuse
        self.refuse_status = 422
        self.delay = delay
        self.requests = 0
        self.accepted: list[str] = []
        self.bad_signatures = 0
        self.lock = threading.Lock()


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            body = self.rfile.read(int(self.headers["Content-Length"]))
            time.sleep(receiver.delay)
            with receiver.lock:
                receiver.requests += 1
                if not verify(body, SECRET, self.headers.get(SIGNATURE_HEADER, "")):
                    receiver.bad_signatures += 1
                    status, answer = 401, b"bad signature"
                elif receiver.requests <= receiver.refuse:
                    status, answer = receiver.refuse_status, b"missing field: lead source"
                    if status == 503:
                        answer = b"down for maintenance"
                else:
                    status, answer = 200, b"{}"
                    for entry in json.loads(body)["entries"]:
                        if entry["idempotency_key"] not in receiver.accepted:
                            receiver.accepted.append(entry["idempotency_key"])
            self.send_response(status)
            if status == 503:
                self.send_header("Retry-After", "600")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

    return Handler


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    state = Receiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield state, f"http://127.0.0.1:{server.server_address[1]}/hooks/calldesk"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture
def no_keyring() -> Iterator[None]:
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        yield
    finally:
        keyring.set_keyring(previous)


def _view(qtbot, store: Store, background: Background | None = None) -> SyncView:
    view = SyncView(AppContext(store, background or Background(synchronous=True)))
    qtbot.addWidget(view)
    view.resize(1280, 800)
    view.show()
    return view


def _graded(store: Store, count: int) -> list[int]:
    with store.write() as s:
        return [enqueue_graded(s, make_lead(s, first=f"Lead{i}")).id for i in range(count)]


def _states(store: Store) -> dict[int, str]:
    with store.session() as s:
        return dict(s.execute(select(OutboxDelivery.outbox_id, OutboxDelivery.state)).all())


def _cells(table, column: int) -> list[str]:
    return [table.item(r, column).text() for r in range(table.rowCount())]


def _add_webhook(qtbot, view: SyncView, url: str) -> None:
    dialog = view.open_add_dialog()
    qtbot.keyClicks(dialog.name, "crm-hook")
    qtbot.keyClicks(dialog.url, url)
    qtbot.keyClicks(dialog.secret, SECRET)
    assert dialog.secret.text() == SECRET and dialog.secret.displayText() != SECRET
    qtbot.mouseClick(
        dialog.buttons.button(QDialogButtonBox.StandardButton.Save), Qt.MouseButton.LeftButton
    )


def test_refused_entry_shows_why_and_is_delivered_after_retry(
    qtbot,
    store: Store,
    receiver,
    memory_keyring,  # noqa: F811
) -> None:
    state, url = receiver
    state.refuse = 1
    view = _view(qtbot, store)
    assert "No sync targets yet" in view.status.text()
    _add_webhook(qtbot, view, url)
    assert load_targets()["crm-hook"].url == url
    assert memory_keyring.secrets[("calldesk-sync", "crm-hook")] == SECRET
    assert "secret is kept in the system keyring" in view.status.text()
    assert _cells(view.targets, 3) == ["in the system keyring"]
    for r in range(view.targets.rowCount()):
        assert SECRET not in " ".join(_cells(view.targets, c)[r] for c in range(10))

    (entry,) = _graded(store, 1)
    view.ctx.data_changed.emit("outcomes")
    assert _cells(view.targets, 4) == ["1"]  # pending before any run has seen it
    view.max_wait = 0
    qtbot.mouseClick(view.run_button, Qt.MouseButton.LeftButton)

    assert state.requests == 1 and state.accepted == []
    assert _states(store) == {entry: "failed"}
    assert "0 delivered, 1 parked" in view.status.text()
    assert _cells(view.targets, 6) == ["1"]
    assert _cells(view.targets, 9) == ["HTTP 422 Unprocessable Entity: missing field: lead source"]
    panel = view.deliveries
    assert panel.state.currentData() == "failed"
    assert _cells(panel.table, 0) == [f"#{entry}"]
    assert _cells(panel.table, 3) == ["parked"]  # with its reason beside it
    assert _cells(panel.table, 6) == ["HTTP 422 Unprocessable Entity: missing field: lead source"]

    panel.select_entry(entry)
    assert panel.retry_button.isEnabled()
    qtbot.mouseClick(panel.retry_button, Qt.MouseButton.LeftButton)
    assert _states(store) == {entry: "pending"}
    assert panel.table.rowCount() == 0  # no longer failed
    qtbot.mouseClick(view.run_button, Qt.MouseButton.LeftButton)

    assert _states(store) == {entry: "delivered"}
    assert state.bad_signatures == 0
    assert len(state.accepted) == 1 and state.requests == 2
    assert _cells(view.targets, 5) == ["1"] and _cells(view.targets, 6) == ["0"]
    panel.show_state("delivered")
    assert _cells(panel.table, 0) == [f"#{entry}"]
    assert not panel.retry_button.isEnabled()  # a delivered entry is never sent again


def test_stop_ends_a_running_sync_cleanly(qtbot, sqlite_store: Store, receiver, monkeypatch):
    state, url = receiver
    state.delay = 0.05
    monkeypatch.setenv("CALLDESK_SYNC_SECRET_CRM_HOOK", SECRET)
    add_target(Target(name="crm-hook", type="webhook", url=url, batch_size=1))
    entries = _graded(sqlite_store, 60)
    background = Background()
    view = _view(qtbot, sqlite_store, background)
    try:
        qtbot.waitUntil(lambda: view.targets.rowCount() == 1)
        assert _cells(view.targets, 3) == ["from the environment"]
        qtbot.mouseClick(view.run_button, Qt.MouseButton.LeftButton)
        assert view.stop_button.isEnabled() and not view.run_button.isEnabled()
        qtbot.waitUntil(lambda: len(state.accepted) >= 3, timeout=10000)
        assert view.progress.maximum() == 60
        qtbot.mouseClick(view.stop_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: view.task is None, timeout=10000)
    finally:
        assert background.wait(10000)
    report = view.last_report
    assert report.stopped
    states = _states(sqlite_store)
    delivered = sorted(e for e, s in states.items() if s == "delivered")
    assert 3 <= len(delivered) < 60
    assert len(state.accepted) == len(delivered)  # each delivered once, none marked unsent
    assert sorted(states) == entries
    assert all(s in ("delivered", "pending") for s in states.values())
    assert view.status.text().startswith("Sync stopped.")
    assert view.run_button.isEnabled() and not view.stop_button.isEnabled()
    qtbot.waitUntil(lambda: _cells(view.targets, 4) == [str(60 - len(delivered))])


def test_preview_skip_and_crm_files(qtbot, sqlite_store: Store, tmp_path: Path) -> None:
    view = _view(qtbot, sqlite_store)
    dialog = view.open_add_dialog()
    qtbot.keyClicks(dialog.name, "hubspot-drop")
    dialog.kind.setCurrentIndex(dialog.kind.findData("files"))
    assert dialog.secret.isHidden() and not dialog.folder.isHidden()
    qtbot.keyClicks(dialog.folder, str(tmp_path / "crm"))
    dialog.layout_choice.setCurrentIndex(dialog.layout_choice.findData("hubspot"))
    qtbot.mouseClick(
        dialog.buttons.button(QDialogButtonBox.StandardButton.Save), Qt.MouseButton.LeftButton
    )
    assert load_targets()["hubspot-drop"].layout == "hubspot"
    keep, drop = _graded(sqlite_store, 2)
    view.reload()

    qtbot.mouseClick(view.preview_button, Qt.MouseButton.LeftButton)
    preview = view.preview.toPlainText()
    assert preview.startswith("hubspot-drop: would send 2")
    assert f"#{keep} lead.graded" in preview and f"#{drop} lead.graded" in preview
    assert not (tmp_path / "crm").exists()  # a preview writes nothing
    assert set(_states(sqlite_store).values()) == {"pending"}

    view.deliveries.show_state("pending")
    view.deliveries.select_entry(drop)
    qtbot.mouseClick(view.deliveries.skip_button, Qt.MouseButton.LeftButton)
    assert _states(sqlite_store) == {keep: "pending", drop: "skipped"}
    qtbot.mouseClick(view.run_button, Qt.MouseButton.LeftButton)
    assert _states(sqlite_store) == {keep: "delivered", drop: "skipped"}
    (written,) = (tmp_path / "crm").iterdir()
    with written.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["First Name"] for r in rows] == ["Lead0"]


def test_secret_without_keyring_is_said_to_be_unencrypted(
    qtbot, sqlite_store: Store, no_keyring
) -> None:
    view = _view(qtbot, sqlite_store)
    _add_webhook(qtbot, view, "https://crm.example.com/hooks/calldesk")
    assert "NOT encrypted" in view.status.text()
    assert _cells(view.targets, 3) == ["in a private file (NOT encrypted)"]
    view.targets.selectRow(0)
    qtbot.mouseClick(view.remove_button, Qt.MouseButton.LeftButton)
    assert load_targets() == {}
    assert view.targets.rowCount() == 0

    dialog = view.open_add_dialog()
    qtbot.keyClicks(dialog.name, "plain")
    qtbot.keyClicks(dialog.url, "http://crm.example.com/hook")
    qtbot.keyClicks(dialog.secret, SECRET)
    qtbot.mouseClick(
        dialog.buttons.button(QDialogButtonBox.StandardButton.Save), Qt.MouseButton.LeftButton
    )
    assert "must use https" in dialog.error.text()
    assert load_targets() == {}


def test_receiver_down_leaves_the_entry_waiting_with_the_reason_until_retried(
    qtbot, sqlite_store: Store, receiver, monkeypatch
) -> None:
    state, url = receiver
    state.refuse, state.refuse_status = 1, 503
    monkeypatch.setenv("CALLDESK_SYNC_SECRET_CRM_HOOK", SECRET)
    add_target(Target(name="crm-hook", type="webhook", url=url))
    (entry,) = _graded(sqlite_store, 1)
    view = _view(qtbot, sqlite_store)
    qtbot.mouseClick(view.run_button, Qt.MouseButton.LeftButton)

    # Retry-After: 600 is further away than the run waits: it ends, the entry waits
    assert _states(sqlite_store) == {entry: "pending"}
    assert "will retry after: HTTP 503 Service Unavailable: down for maintenance" in (
        view.status.text()
    )
    assert _cells(view.targets, 9) == ["HTTP 503 Service Unavailable: down for maintenance"]
    assert _cells(view.targets, 8) != [""]  # when the next try is due
    panel = view.deliveries
    panel.show_state("pending")
    panel.select_entry(entry)
    assert panel.table.item(0, 5).text()
    qtbot.mouseClick(panel.retry_button, Qt.MouseButton.LeftButton)
    assert _cells(view.targets, 8) == [""]  # due now
    qtbot.mouseClick(view.run_button, Qt.MouseButton.LeftButton)
    assert _states(sqlite_store) == {entry: "delivered"}
    assert state.requests == 2 and len(state.accepted) == 1
