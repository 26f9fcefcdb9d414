"""Screenshots of the desk at 1280x800 (empty queue, mid-script, callback picker, help).

They are always taken and checked; with ``CALLDESK_SHOTS=1`` they are also written to
``docs/shots/desk-*.png`` for the README.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from sqlalchemy import select
from test_ui_desk import START, Clock, build_store, on_card, press

from calldesk import reps as reps_mod
from calldesk import settings as preferences
from calldesk.models import Company, Contact, Email, EventEngagement
from tests.conftest import REPO
from ui.context import AppContext
from ui.desk.view import DeskView
from ui.worker import Background


def _real_names(store) -> None:
    """The README shows these pictures: real-looking people, not the plain-text test's
    ``<b>x</b>`` strings."""
    with store.write() as session:
        for contact in session.scalars(select(Contact)):
            if contact.first_name == "<b>x</b>":
                contact.first_name = "Sarah"
        for email in session.scalars(select(Email).where(Email.address == "x@acme.example")):
            email.address = email.address_key = "sarah.lopez@acme.example"
        for company in session.scalars(select(Company)):
            company.name = company.name.replace("<b>", "").replace("</b>", "")
        for engagement in session.scalars(select(EventEngagement)):
            engagement.booth_notes = "Asked about pricing for 300 seats"


def _desk(store, qtbot, clock: Clock) -> DeskView:
    preferences.save(rep_name="Dana Reyes")
    view = DeskView(AppContext(store, Background(synchronous=True)), clock=clock)
    qtbot.addWidget(view)
    view.resize(1280, 800)
    view.show()
    qtbot.waitExposed(view)
    view.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is view)
    return view


def _shot(view: DeskView, qtbot, tmp_path, name: str) -> None:
    qtbot.wait(1200)  # the queue panel is refreshed a moment after a card appears
    image = view.grab().toImage()
    ratio = image.devicePixelRatio()  # 2 on a high-DPI screen (QT_SCALE_FACTOR=2)
    # nothing forced the desk wider or taller than the screen
    assert (image.width() / ratio, image.height() / ratio) == (1280, 800)
    path = tmp_path / f"desk-{name}.png"
    assert image.save(str(path))
    if os.environ.get("CALLDESK_SHOTS"):
        target = REPO / "docs" / "shots"
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, target / path.name)


def test_screenshots(sqlite_store, qtbot, tmp_path) -> None:
    build_store(sqlite_store)
    _real_names(sqlite_store)
    # 03:00 UTC: 22:00 in New York, every window closed
    clock = Clock(dt.datetime(2026, 11, 25, 3, 0, tzinfo=dt.UTC))
    view = _desk(sqlite_store, qtbot, clock)
    press(qtbot, Qt.Key.Key_Return)
    assert on_card(view) is None
    assert "calling window" in view.card.rule.text()
    assert "your time" in view.card.why.text()
    assert QApplication.focusWidget() is view  # typing goes nowhere, shortcuts still work
    _shot(view, qtbot, tmp_path, "empty")
    view.shutdown()

    clock.now = START
    view = _desk(sqlite_store, qtbot, clock)
    press(qtbot, Qt.Key.Key_Return)
    for key in ("1", "1"):
        press(qtbot, key)
        press(qtbot, Qt.Key.Key_Return)
    press(qtbot, "1")
    assert view.script.runner.current.id == "timeline"
    _shot(view, qtbot, tmp_path, "mid-script")
    press(qtbot, Qt.Key.Key_F8)
    assert view.bar.picker.isVisible()
    _shot(view, qtbot, tmp_path, "callback")
    press(qtbot, Qt.Key.Key_Escape)
    press(qtbot, "?")
    assert view.help.isVisible()
    _shot(view, qtbot, tmp_path, "help")
    view.shutdown()


def test_booking_and_refusal_screenshots(sqlite_store, qtbot, tmp_path) -> None:
    """The booking panel leaves the card whole at 1280x800; a refused dial says why."""
    build_store(sqlite_store)
    with sqlite_store.write() as session:
        reps_mod.add_rep(session, "Maya Lind", role="manager", time_zone="America/Chicago")
    _real_names(sqlite_store)
    view = _desk(sqlite_store, qtbot, Clock(START))
    press(qtbot, Qt.Key.Key_Return)
    press(qtbot, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(QApplication.focusWidget(), "415 555 0123")
    press(qtbot, Qt.Key.Key_Return)
    assert view.manual.isVisible() and view.manual.can_override
    _shot(view, qtbot, tmp_path, "refused")
    press(qtbot, Qt.Key.Key_Escape)
    for key in ("1", "1", "1", "3"):  # decides, looking, now, no budget
        press(qtbot, key)
        press(qtbot, Qt.Key.Key_Return)
    press(qtbot, "y")
    press(qtbot, Qt.Key.Key_Return)
    press(qtbot, Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier)  # no notes
    press(qtbot, Qt.Key.Key_F9)
    assert view.booking.isVisible()
    _shot(view, qtbot, tmp_path, "booking")
    # the card keeps its height: its name, rule and phones stay in sight beside the form
    card = view.card
    assert card.viewport().height() >= 500, card.viewport().height()
    phones = card.phones_box.mapTo(card.viewport(), card.phones_box.rect().bottomLeft())
    assert 0 < phones.y() < card.viewport().height()
    assert view.booking.ok.visibleRegion().boundingRect().size() == view.booking.ok.size()
    view.shutdown()
