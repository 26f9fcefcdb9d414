"""The field rep's appointments screen, walked as a field rep: pick yourself, read what the
qualifier learned, accept one, reject one with a reason (it goes back to the qualifier's queue),
record what happened, export to the calendar."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from icalendar import Calendar
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog
from sqlalchemy import select
from test_appointments import another_contact, book
from test_handoff import AT, MEETING, make_world

from calldesk import queue
from calldesk.models import Appointment, Callback
from calldesk.store import Store
from ui.appointments.view import AppointmentsView
from ui.context import AppContext
from ui.worker import Background


class Clock:
    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


def click(qtbot, widget) -> None:
    assert widget.isEnabled(), widget.objectName()
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def screen(qtbot, store: Store, clock: Clock) -> AppointmentsView:
    view = AppointmentsView(AppContext(store, Background(synchronous=True)), clock=clock)
    qtbot.addWidget(view)
    view.resize(1280, 800)
    view.show()
    return view


def choose_rep(view: AppointmentsView, name: str) -> None:
    index = view.rep.findText(name)
    assert index >= 0, name
    view.rep.setCurrentIndex(index)


def status(store: Store, appointment_id: int) -> Appointment:
    with store.session() as s:
        appointment = s.get(Appointment, appointment_id)
        s.expunge(appointment)
        return appointment


@pytest.fixture
def booked(sqlite_store: Store) -> tuple:
    world = make_world(sqlite_store)
    lena = book(sqlite_store, world)  # Wed 25 Nov 09:00 in California
    rob = book(
        sqlite_store,
        world,
        MEETING + dt.timedelta(days=1),
        contact_id=another_contact(sqlite_store, world),
    )
    return world, lena, rob


def test_field_rep_reviews_and_the_rejection_goes_back_to_the_qualifier(
    qtbot, sqlite_store: Store, booked
) -> None:
    world, lena, rob = booked
    clock = Clock(AT + dt.timedelta(hours=1))  # Monday 11:00 in California
    view = screen(qtbot, sqlite_store, clock)
    assert [view.rep.itemText(i) for i in range(view.rep.count())] == ["Dana West", "Eli East"]

    choose_rep(view, "Eli East")
    assert view.model.rowCount() == 0
    assert "No appointments" in view.counts.text()
    choose_rep(view, "Dana West")
    assert [r.id for r in view.model.rows] == [lena, rob]  # upcoming, soonest first
    assert view.counts.text() == "2 upcoming, 2 waiting for your review"

    # Everything the qualifier learned, as plain text.
    view.select(lena)
    detail = view.detail
    assert detail.who.text().startswith("Lena Park")
    assert detail.fields["qualifier"].text() == "Maya Qualifier"
    assert detail.fields["when"].text() == "Wed 25 Nov 2026 09:00 PST (same zone for the contact)"
    assert detail.fields["grade"].text().startswith("A (meet now)")
    assert "Wants a meeting: Yes" in detail.summary.text()
    answers = {c.text(): v.text() for c, v in detail.answer_labels}
    assert answers["Budget amount:"] == "40,000 USD"
    assert detail.notes.text() == "Spoke for six minutes"
    assert detail.summary.textFormat() == Qt.TextFormat.PlainText
    assert not view.outcome_button.isEnabled()  # the meeting has not happened yet

    # Accept Rob's meeting.
    view.select(rob)
    click(qtbot, view.accept_button)
    assert status(sqlite_store, rob).status == "accepted"
    assert view.selected_id() == rob and not view.accept_button.isEnabled()

    # Reject Lena's: a reason is required, "Other" needs words.
    view.select(lena)
    click(qtbot, view.reject_button)
    form = view.reject_form
    assert form.isVisible()
    click(qtbot, form.confirm)
    assert "Pick a reason" in form.error.text()
    form.pick("other")
    click(qtbot, form.confirm)
    assert "required for Other" in form.error.text()
    assert status(sqlite_store, lena).status == "booked"
    form.pick("not_decision_maker")
    qtbot.keyClicks(form.text, "Her VP signs; she only gathers quotes")
    click(qtbot, form.confirm)
    assert not form.isVisible()
    rejected = status(sqlite_store, lena)
    assert rejected.status == "rejected"
    assert rejected.reject_reason == "not_decision_maker"
    assert "back in the qualifier's queue" in view.message.text()
    assert view.detail.fields["standing"].text() == (
        "Rejected: Not the decision maker (Her VP signs; she only gathers quotes)"
    )

    # Only what is still on: the rejected meeting leaves the list, then comes back.
    view.show_all.setChecked(False)
    assert [r.id for r in view.model.rows] == [rob]
    view.show_all.setChecked(True)
    assert [r.id for r in view.model.rows] == [lena, rob]

    # The qualifier sees it come back: a personal "rejected" callback, offered first.
    with sqlite_store.write() as s:
        callback = s.scalar(select(Callback).where(Callback.kind == "rejected"))
        assert callback.rep_id == world.qualifier_id and callback.personal
        assert callback.contact_id == world.contact_id
        assert "Not the decision maker" in callback.notes
        offer = queue.next_offer(s, world.qualifier_id, at=clock.now)
        assert isinstance(offer, queue.Offer)
        assert offer.contact_id == world.contact_id and offer.callback_id == callback.id

    # After Rob's meeting: record what happened.
    clock.now = MEETING + dt.timedelta(days=1, hours=2)
    view.refresh()
    view.select(rob)
    click(qtbot, view.outcome_button)
    outcome = view.outcome_form
    assert outcome.isVisible() and not outcome.move_row.isVisible()
    outcome.pick("opportunity")
    qtbot.keyClicks(outcome.feedback, "Good fit, proposal next week")
    click(qtbot, outcome.confirm)
    done = status(sqlite_store, rob)
    assert (done.outcome, done.feedback) == ("opportunity", "Good fit, proposal next week")
    assert view.detail.fields["standing"].text() == "Opportunity"
    assert not view.reject_button.isEnabled()


def test_the_choice_of_field_rep_is_remembered(qtbot, sqlite_store: Store, booked) -> None:
    clock = Clock(AT)
    view = screen(qtbot, sqlite_store, clock)
    choose_rep(view, "Eli East")
    again = screen(qtbot, sqlite_store, clock)
    assert again.rep.currentText() == "Eli East"
    assert again.model.rowCount() == 0


def test_rescheduled_meeting_moves_and_clashes_are_refused(
    qtbot, sqlite_store: Store, booked
) -> None:
    _world, lena, rob = booked
    clock = Clock(MEETING + dt.timedelta(minutes=5))  # Lena's meeting has started
    view = screen(qtbot, sqlite_store, clock)
    view.select(lena)
    click(qtbot, view.outcome_button)
    form = view.outcome_form
    form.pick("rescheduled")
    assert form.move_row.isVisible()
    form.move.setChecked(True)
    # onto Rob's meeting (Thu 09:00 in California): refused, nothing changes
    form.new_start.setDate(form.new_start.date().fromString("2026-11-26", "yyyy-MM-dd"))
    form.new_start.setTime(form.new_start.time().fromString("09:15", "HH:mm"))
    click(qtbot, form.confirm)
    assert form.error.text() and form.isVisible()
    assert status(sqlite_store, lena).outcome is None
    form.new_start.setTime(form.new_start.time().fromString("14:00", "HH:mm"))
    click(qtbot, form.confirm)
    moved = status(sqlite_store, lena)
    assert moved.outcome == "rescheduled"
    assert moved.starts_at == dt.datetime(2026, 11, 26, 22, 0, tzinfo=dt.UTC)  # 14:00 PST
    assert rob != lena


def test_export_to_the_calendar(qtbot, sqlite_store: Store, booked, tmp_path: Path, monkeypatch):
    _world, lena, rob = booked
    view = screen(qtbot, sqlite_store, Clock(AT))
    target = tmp_path / "week"
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(target), ""))
    )
    click(qtbot, view.export.upcoming)
    calendar = Calendar.from_ical((tmp_path / "week.ics").read_bytes())
    uids = {str(e["uid"]) for e in calendar.walk("VEVENT")}
    assert uids == {status(sqlite_store, a).uid for a in (lena, rob)}
    assert "Saved 2 upcoming meetings" in view.message.text()

    view.select(rob)
    click(qtbot, view.export.one)
    one = Calendar.from_ical((tmp_path / "week.ics").read_bytes())
    assert [str(e["uid"]) for e in one.walk("VEVENT")] == [status(sqlite_store, rob).uid]
