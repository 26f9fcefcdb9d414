"""Sync runs by itself while the window is open; "Run sync" sends what waits, now.

A real HTTP receiver on 127.0.0.1 (from the sync screen's tests): the CRM is down (503 with
Retry-After: 600), the window's timer leaves the entry waiting (next-try time honoured) and the
screen says what waits and why; the CRM is back and a press on "Run sync" delivers it at once.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from sqlalchemy import select

from calldesk.models import OutboxDelivery
from calldesk.store import Store
from calldesk.sync import Target, add_target
from tests.conftest import shot_path
from tests.test_ui_sync import SECRET, _graded
from tests.test_ui_sync import receiver as receiver  # noqa: F401 (the fixture)
from ui.context import AppContext
from ui.main_window import MainWindow
from ui.worker import Background


def _states(store: Store) -> dict[int, str]:
    with store.session() as s:
        return dict(s.execute(select(OutboxDelivery.outbox_id, OutboxDelivery.state)).all())


def test_graded_leads_flow_by_themselves_and_run_sync_sends_what_waits_now(
    qtbot,
    sqlite_store: Store,
    receiver,  # noqa: F811 (the fixture)
    monkeypatch,
) -> None:
    state, url = receiver
    monkeypatch.setenv("CALLDESK_SYNC_SECRET_CRM_HOOK", SECRET)
    add_target(Target(name="crm-hook", type="webhook", url=url))
    window = MainWindow(AppContext(sqlite_store, Background(synchronous=True)))
    qtbot.addWidget(window)
    schedule = window.sync_schedule
    assert schedule.timer.isActive()  # nobody has to press anything

    # A graded lead is recorded at the desk; the next tick delivers it
    (first,) = _graded(sqlite_store, 1)
    assert schedule.tick()
    assert _states(sqlite_store) == {first: "delivered"} and len(state.accepted) == 1

    # The CRM goes down: the tick leaves the lead waiting and does not wait for it
    state.refuse, state.refuse_status = state.requests + 1, 503
    (second,) = _graded(sqlite_store, 1)
    schedule.tick()
    assert _states(sqlite_store)[second] == "pending"
    requests = state.requests
    schedule.tick()  # next try is 10 min away: honoured, nothing is sent
    assert state.requests == requests

    # The sync screen shows what waits and why
    window.show()
    window.show_screen("sync")
    view = window.screens["sync"]
    waiting = view.waiting.text()
    assert "crm-hook: 1 waiting (next try " in waiting
    assert "HTTP 503 Service Unavailable: down for maintenance" in waiting
    assert "Sync runs by itself every 1 min" in waiting

    # The CRM is back: Run sync before the next-try time sends it now
    qtbot.mouseClick(view.run_button, Qt.MouseButton.LeftButton)
    assert _states(sqlite_store) == {first: "delivered", second: "delivered"}
    assert len(state.accepted) == 2  # nothing twice
    assert "1 delivered, 0 parked, 0 pending" in view.status.text()
    assert "Nothing waits: everything was delivered." in view.waiting.text()
    qtbot.wait(100)  # let the layout take the new lines in
    view.grab().save(str(shot_path("sync-delivered.png")))
    window.close()
