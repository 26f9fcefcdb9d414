"""The calling rules on the desk, at the instant of the dial (issue 14).

A card whose calling window closes while it is open says so and refuses the dial; a number on
the do-not-call list cannot be dialled, not even with a manager; any other refusal needs a
manager's confirmation, and the attempt keeps the rep who dialled and the manager who confirmed.
Driven by keys and clicks through the real window, on a real SQLite store, with the desk's
clock injected.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QApplication
from test_ui_desk import (
    START,
    Clock,
    Softphone,
    add_contact,
    attempts,
    build_store,
    on_card,
    press,
    type_text,
)

from calldesk import reps as reps_mod
from calldesk import settings as preferences
from calldesk.dnc import add_number
from calldesk.models import Callback, Contact
from calldesk.queue import HELD
from calldesk.store import Store
from ui.context import AppContext
from ui.desk.view import DeskView
from ui.worker import Background

# 20:59:50 in New York (Tuesday 24 November 2026): ten seconds before the federal window closes.
LATE = dt.datetime(2026, 11, 25, 1, 59, 50, tzinfo=dt.UTC)


def _desk(store: Store, qtbot, now: dt.datetime, *, manager: bool = True):
    ids = build_store(store)
    if manager:
        with store.write() as session:
            reps_mod.add_rep(session, "Maya Lind", role="manager", time_zone="America/Chicago")
            reps_mod.add_rep(session, "Sam Other", time_zone="America/Chicago")
    preferences.save(rep_name="Dana Reyes")
    clock = Clock(now)
    phone = Softphone()
    QDesktopServices.setUrlHandler("tel", phone, "dial")
    view = DeskView(AppContext(store, Background(synchronous=True)), clock=clock)
    view.ids = ids  # type: ignore[attr-defined]
    qtbot.addWidget(view)
    view.resize(1280, 800)
    view.show()
    qtbot.waitExposed(view)
    view.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is view)
    return view, clock, phone


def _close(view: DeskView) -> None:
    QDesktopServices.unsetUrlHandler("tel")
    view.shutdown()


def test_a_card_whose_window_closes_while_open_says_so_and_refuses_the_dial(
    sqlite_store: Store, qtbot
) -> None:
    view, clock, phone = _desk(sqlite_store, qtbot, LATE)
    try:
        press(qtbot, Qt.Key.Key_Return)
        assert on_card(view) == view.ids["rich"]
        assert view.card.rule.text().startswith("Allowed until 21:00 their time")
        assert view.card.phone_buttons[0].isEnabled()
        clock.advance(seconds=11)  # 21:00:01 in New York: the desk's timer notices by itself
        qtbot.waitUntil(lambda: view.card.rule.text().startswith("Not allowed now"), timeout=3000)
        assert "closed at 21:00 their time" in view.card.rule.text()
        assert "Allowed" not in view.card.rule.text()
        assert not view.card.phone_buttons[0].isEnabled()
        press(qtbot, Qt.Key.Key_F10)  # the dial key asks the rules again: refused
        assert phone.urls == []
        assert view.manual.isVisible()
        assert view.manual.text.text().startswith("Refused: +12125550101")
        # outside the hours is a refusal a manager may override (the law allows it)
        assert view.manual.can_override
        assert [view.manual.manager.itemText(i) for i in range(view.manual.manager.count())] == [
            "Maya Lind"
        ]
    finally:
        _close(view)


def test_the_dial_key_checks_at_the_instant_even_before_the_timer(
    sqlite_store: Store, qtbot
) -> None:
    view, clock, phone = _desk(sqlite_store, qtbot, LATE)
    try:
        press(qtbot, Qt.Key.Key_Return)
        view.tick_timer.stop()  # the card cannot have noticed: the dial key alone must refuse
        clock.advance(seconds=11)
        assert view.card.rule.text().startswith("Allowed until")
        press(qtbot, Qt.Key.Key_F10)
        assert phone.urls == []
        assert view.card.rule.text().startswith("Not allowed now")
    finally:
        _close(view)


def test_a_dnc_number_typed_on_the_desk_cannot_be_dialled_even_by_a_manager(
    sqlite_store: Store, qtbot
) -> None:
    view, _clock, phone = _desk(sqlite_store, qtbot, START)
    try:
        with sqlite_store.write() as session:
            add_number(session, "+12125550199", source="internal", reason="asked on 2026-11-20")
        press(qtbot, Qt.Key.Key_Return)
        assert on_card(view) == view.ids["rich"]
        press(qtbot, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
        type_text(qtbot, "(212) 555-0199")
        press(qtbot, Qt.Key.Key_Return)
        assert phone.urls == []
        assert view.manual.isVisible()
        text = view.manual.text.text()
        assert "do-not-call" in text and "cannot be overridden" in text, text
        assert not view.manual.can_override
        assert not view.manual.button.isVisible()
        # nor is an invalid number
        view.manual.reset()
        press(qtbot, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
        type_text(qtbot, "555 12")
        press(qtbot, Qt.Key.Key_Return)
        assert phone.urls == []
        assert "not a valid phone number" in view.manual.text.text()
        assert not view.manual.can_override
        press(qtbot, Qt.Key.Key_F1)
        assert [a.number_dialled for a in attempts(sqlite_store, view.ids["rich"])] == [
            "+12125550101"  # the call was saved on the card's own number, never the DNC one
        ]
    finally:
        _close(view)


def test_a_manager_override_is_stored_with_the_rep_and_the_manager(
    sqlite_store: Store, qtbot
) -> None:
    view, _clock, phone = _desk(sqlite_store, qtbot, START)
    try:
        press(qtbot, Qt.Key.Key_Return)
        # 07:00 in San Francisco: outside the hours; a manager may confirm an override
        press(qtbot, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
        type_text(qtbot, "415 555 0123")
        press(qtbot, Qt.Key.Key_Return)
        assert phone.urls == []
        refusal = view.manual.text.text()
        assert refusal.startswith("Refused:") and "07:00" in refusal, refusal
        assert view.manual.can_override and view.manual.button.isVisible()
        assert QApplication.focusWidget() is view.manual.manager
        assert view.manual.manager.currentText() == "Maya Lind"  # only managers are offered
        qtbot.mouseClick(view.manual.button, Qt.MouseButton.LeftButton)
        assert phone.urls == []  # no reason yet: nothing dialled
        qtbot.mouseClick(view.manual.reason, Qt.MouseButton.LeftButton)
        type_text(qtbot, "Customer asked us to call at 7 sharp")
        press(qtbot, Qt.Key.Key_Return)
        assert phone.urls == ["tel:+14155550123"]
        assert not view.manual.isVisible()
        press(qtbot, Qt.Key.Key_F1)
        (attempt,) = attempts(sqlite_store, view.ids["rich"])
        assert attempt.manual is True
        assert attempt.number_dialled == "+14155550123"
        assert attempt.rep_id == view.ids["rep"]  # the rep who dialled
        assert attempt.override_by == "Maya Lind"  # the manager who confirmed
        assert attempt.override_reason == "Customer asked us to call at 7 sharp"
    finally:
        _close(view)


def test_without_a_manager_no_override_is_offered(sqlite_store: Store, qtbot) -> None:
    view, _clock, phone = _desk(sqlite_store, qtbot, START, manager=False)
    try:
        press(qtbot, Qt.Key.Key_Return)
        press(qtbot, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
        type_text(qtbot, "415 555 0123")
        press(qtbot, Qt.Key.Key_Return)
        assert phone.urls == []
        assert "this store has no manager" in view.manual.text.text()
        assert not view.manual.can_override
    finally:
        _close(view)


def test_when_the_verdict_runs_out_but_the_rules_still_allow_the_card_stays_allowed(
    sqlite_store: Store, qtbot
) -> None:
    """The card's "until" is the next instant the verdict *may* change: there the desk asks the
    rules again rather than guessing, and a call still allowed stays allowed."""
    view, clock, phone = _desk(sqlite_store, qtbot, START)
    try:
        press(qtbot, Qt.Key.Key_Return)
        lead = view.controller.lead
        # as if the engine had said "may change in 5 s" (a rule boundary that keeps the call
        # allowed)
        view.card.show_card(
            lead.card, why=lead.why, rule=lead.rule, allowed_until=START + dt.timedelta(seconds=5)
        )
        clock.advance(seconds=6)
        qtbot.waitUntil(
            lambda: view.card.rule.text().startswith("Allowed until 21:00"), timeout=3000
        )
        assert view.card.phone_buttons[0].isEnabled()
        press(qtbot, Qt.Key.Key_F10)
        assert phone.urls == ["tel:+12125550101"]
    finally:
        _close(view)


def test_the_callback_banner_names_only_callbacks_due_and_callable_now(
    sqlite_store: Store, qtbot
) -> None:
    view, clock, _phone = _desk(sqlite_store, qtbot, START)
    try:
        with sqlite_store.write() as session:
            # due at 06:30 in San Francisco: due, but not callable before 08:00 their time
            west = add_contact(
                session, "Liam", "Roy", "+14155550110", state="CA", zone="America/Los_Angeles"
            )
            rep_id = view.ids["rep"]
            for contact_id, due in (
                (west.id, START - dt.timedelta(minutes=30)),
                (view.ids["gate"], START + dt.timedelta(minutes=30)),  # not due yet
            ):
                session.add(
                    Callback(
                        contact_id=contact_id,
                        rep_id=rep_id,
                        due_at=due,
                        personal=True,
                        kind="callback",
                        status="open",
                        created_at=START - dt.timedelta(days=1),
                    )
                )
            session.get(Contact, view.ids["gate"]).next_eligible_at = HELD
        press(qtbot, Qt.Key.Key_Return)
        view.controller.refresh_side()
        rows = [view.queue.callbacks.item(i).text() for i in range(view.queue.callbacks.count())]
        assert any(r.startswith("DUE") and "Liam Roy" in r for r in rows), rows
        assert view.queue.banner.isHidden()  # Liam is due but may not be called now
        clock.now = START + dt.timedelta(minutes=31)  # Olivia's is due, and she is callable
        view.controller.refresh_side()
        assert view.queue.banner.isVisible()
        assert view.queue.banner_text.text() == (
            "Callback due now: Olivia Schmidt. It comes next in the queue."
        )
        press(qtbot, Qt.Key.Key_F1)  # the card on screen is saved; the callback comes next
        assert view.controller.lead.card.name == "Olivia Schmidt"
        view.controller.refresh_side()
        assert view.queue.banner.isHidden()  # on the card now: nothing left to announce
    finally:
        _close(view)
