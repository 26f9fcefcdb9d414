"""Screenshots of the sync screen at 1280x800 on the demo store: a webhook on 127.0.0.1 that
refuses a few entries, a HubSpot file folder, and a calendar not yet run.

They are always taken and checked; with ``CALLDESK_SHOTS=1`` they are also written to
``docs/shots/`` for the README.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import threading
import zlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from calldesk import demo
from calldesk.store import Store
from calldesk.sync import Target, add_target, set_secret
from tests.conftest import REPO
from tests.test_sync_support import memory_keyring  # noqa: F401
from tests.test_ui_rules_shots import save_shot
from ui.context import AppContext
from ui.sync.view import SyncView
from ui.worker import Background

NOW = dt.datetime(2026, 11, 24, 16, 0, tzinfo=dt.UTC)


def _refused(key: str) -> bool:
    return zlib.crc32(key.encode()) % 9 == 0


class Handler(BaseHTTPRequestHandler):
    """A CRM webhook that refuses some leads for a missing field."""

    def log_message(self, *args: object) -> None:
        pass

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if any(_refused(e["idempotency_key"]) for e in body["entries"]):
            status, answer = 422, b"lead rejected: company size is required"
        else:
            status, answer = 200, b"{}"
        self.send_response(status)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)


@pytest.fixture
def webhook_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hooks/calldesk"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_sync_screenshots_on_the_demo_store(
    sqlite_store: Store,
    qtbot,
    tmp_path: Path,
    webhook_url: str,
    memory_keyring,  # noqa: F811
) -> None:
    demo.build(sqlite_store, seed=7, now=NOW)
    add_target(Target(name="crm-webhook", type="webhook", url=webhook_url))
    set_secret("crm-webhook", "demo-shared-secret")
    add_target(
        Target(name="hubspot-import", type="files", folder=str(tmp_path / "crm"), layout="hubspot")
    )
    view = SyncView(AppContext(sqlite_store, Background(synchronous=True)))
    qtbot.addWidget(view)
    view.resize(1280, 800)
    view.show()
    qtbot.waitExposed(view)
    view.max_wait = 0
    view.run(dry_run=False)
    report = view.last_report
    assert report.targets["crm-webhook"].failed > 0
    assert report.targets["crm-webhook"].delivered > 0
    assert report.targets["hubspot-import"].files
    add_target(Target(name="field-calendar", type="calendar", folder=str(tmp_path / "calendar")))
    view.reload()
    view.run(dry_run=True)
    assert "field-calendar: would send" in view.preview.toPlainText()
    view.targets.selectRow(0)
    assert view.deliveries.target == "crm-webhook"
    assert view.deliveries.table.rowCount() == report.targets["crm-webhook"].failed
    view.deliveries.table.selectRow(0)
    save_shot(view, qtbot, tmp_path, "sync")

    dialog = view.open_add_dialog()
    qtbot.keyClicks(dialog.name, "marketing-hook")
    qtbot.keyClicks(dialog.url, "https://hooks.example.com/calldesk")
    qtbot.keyClicks(dialog.secret, "not shown")
    qtbot.waitExposed(dialog)
    qtbot.wait(50)
    # every field shows whole, and the secret only as dots
    assert dialog.width() >= dialog.sizeHint().width()
    assert dialog.secret.displayText() != "not shown"
    path = tmp_path / "sync-add-target.png"
    assert dialog.grab().save(str(path))
    if os.environ.get("CALLDESK_SHOTS"):
        shutil.copy(path, REPO / "docs" / "shots" / path.name)
    dialog.reject()
