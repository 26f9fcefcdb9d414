"""Journey 4 through the real window on a fresh store: the field rep and the Monday report.

Reps are added from the window (File > Add rep…); a purchased list is imported and four
meetings are booked headless (``calldesk call record``, as a qualifier's graded calls); then
the field rep works the appointments screen: accepts two, rejects one with a reason, exports
the week to .ics, and after the meetings (the app's clock moved) records held, no-show and an
opportunity (the last without a formal accept). The rejected contact is back in the
qualifier's queue with the reason, and the reports screen's funnel and scorecard agree.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from icalendar import Calendar
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QFileDialog
from sqlalchemy import select

from calldesk import desk_data, queue
from calldesk.cli.main import main as cli
from calldesk.importing.pipeline import ImportOptions, import_file
from calldesk.models import Appointment, Callback
from calldesk.store import Store, open_store
from tests.conftest import shot_path
from ui.context import AppContext
from ui.desk.lead_card import LeadCard
from ui.main_window import MainWindow
from ui.worker import Background

AT = dt.datetime(2026, 11, 23, 18, 0, tzinfo=dt.UTC)  # Monday 10:00 in California
WEDNESDAY = dt.datetime(2026, 11, 25, 17, 0, tzinfo=dt.UTC)  # 09:00 in California
LIST = """First Name,Last Name,Company,Title,Phone,State
Lena,Park,Acme Analytics,Director of Operations,+1 408 555 0100,CA
Rob,Chen,Birch Systems,CFO,+1 408 555 0111,CA
Ina,Moss,Cedar Labs,Office Manager,+1 408 555 0122,CA
Tom,Hale,Delta Foods,COO,+1 408 555 0133,CA
"""
BANT_A = [
    "role_fit=decides",
    "need=active",
    "timeline=now",
    "budget=approved",
    "wants_meeting=yes",
]


class Clock:
    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


def click(qtbot, widget) -> None:
    assert widget.isEnabled(), widget.objectName() or widget.text()
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def add_rep(qtbot, window: MainWindow, name: str, role: str, zone: str, territory: str) -> None:
    dialog = window.add_rep()
    qtbot.keyClicks(dialog.name, name)
    dialog.role.setCurrentIndex(dialog.role.findData(role))
    dialog.time_zone.setEditText(zone)
    qtbot.keyClicks(dialog.territory, territory)
    click(qtbot, dialog.buttons.button(QDialogButtonBox.StandardButton.Save))
    assert not dialog.isVisible(), dialog.error.text()


def book(capsys, db: list[str], minutes_after: int) -> int:
    """A qualifier's graded call, booked headless with the field rep."""
    assert (
        cli(["queue", "next", "--rep", "Maya Qualifier", "--at", AT.isoformat(), "--json", *db])
        == 0
    )
    claim_id = json.loads(capsys.readouterr().out)["claim_id"]
    starts = WEDNESDAY + dt.timedelta(minutes=minutes_after)
    args = ["call", "record", "--claim", str(claim_id), "--disposition", "qualified"]
    args += [a for pair in BANT_A for a in ("--answer", pair)]
    args += ["--book-with", "Dana West", "--meeting-at", starts.isoformat(), "--minutes", "45"]
    args += ["--link", "https://meet.example/dana", "--at", AT.isoformat(), "--json", *db]
    assert cli(args) == 0
    return json.loads(capsys.readouterr().out)["handoff"]["appointment"]["id"]


@pytest.fixture
def fresh_store(tmp_path: Path):
    store = open_store(f"sqlite:///{tmp_path / 'work.sqlite3'}")
    yield store
    store.close()


def test_field_rep_week_and_the_monday_report(
    qtbot, fresh_store: Store, tmp_path: Path, capsys, monkeypatch
) -> None:
    clock = Clock(AT)
    window = MainWindow(AppContext(fresh_store, Background(synchronous=True), clock=clock))
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    assert window.no_reps.isVisible()  # a fresh store: the window offers to add one
    add_rep(qtbot, window, "Maya Qualifier", "qualifier", "America/New_York", "")
    add_rep(qtbot, window, "Dana West", "field", "America/Los_Angeles", "US-CA")
    assert not window.no_reps.isVisible()

    vendor = tmp_path / "vendor.csv"
    vendor.write_text(LIST, encoding="utf-8")
    assert import_file(fresh_store, vendor, ImportOptions(list_name="Vendor X")).imported == 4
    db = ["--db", fresh_store.url]
    ids = [book(capsys, db, 90 * i) for i in range(4)]  # 09:00, 10:30, 12:00, 13:30
    window.ctx.data_changed.emit("appointments")

    # 1. Dana opens the appointments handed to her
    window.show_screen("appointments")
    view = window.screens["appointments"]
    view.rep.setCurrentIndex(view.rep.findText("Dana West"))
    assert [r.id for r in view.model.rows] == ids
    assert view.counts.text() == "4 upcoming, 4 waiting for your review"
    view.select(ids[0])
    assert view.detail.fields["qualifier"].text() == "Maya Qualifier"
    assert view.detail.fields["when"].text().startswith("Wed 25 Nov 2026 09:00 PST")
    assert "Need:" in view.detail.summary.text()
    # not yet: Record outcome is greyed, and says why
    assert not view.outcome_button.isEnabled()
    assert view.action_hint.isVisible()
    assert view.action_hint.text().startswith("Record outcome opens when the meeting starts")
    assert view.outcome_button.toolTip() == view.action_hint.text()

    # accepts two
    table_top = view.table.mapTo(view, view.table.rect().topLeft()).y()
    for appointment_id in ids[:2]:
        view.select(appointment_id)
        click(qtbot, view.accept_button)
    assert view.message.text().startswith("Accepted")
    # the message line is reserved: the table did not move under the cursor
    assert view.table.mapTo(view, view.table.rect().topLeft()).y() == table_top

    # rejects one, with a reason
    view.select(ids[2])
    click(qtbot, view.reject_button)
    view.reject_form.pick("not_decision_maker")
    qtbot.keyClicks(view.reject_form.text, "The COO signs, not the office manager")
    click(qtbot, view.reject_form.confirm)
    assert "back in the qualifier's queue" in view.message.text()
    assert view.counts.text() == "3 upcoming, 1 waiting for your review"
    qtbot.wait(50)
    window.grab().save(str(tmp_path / "journey4-appointments.png"))
    window.grab().save(str(shot_path("journey4-appointments.png")))

    # exports the week to her calendar: the message agrees with the header
    week = tmp_path / "week.ics"
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(week), ""))
    )
    click(qtbot, view.export.upcoming)
    assert view.message.text().startswith(f"Saved 3 upcoming meetings to {week}")
    assert "(and 1 rejected or cancelled, marked off in your calendar)" in view.message.text()
    events = Calendar.from_ical(week.read_bytes()).walk("VEVENT")
    statuses = sorted(str(e["status"]) for e in events)
    assert statuses == ["CANCELLED", "CONFIRMED", "CONFIRMED", "TENTATIVE"]

    # 2. the rejected contact is back in the qualifier's queue with the reason
    with fresh_store.write() as s:
        maya = s.scalar(select(Callback.rep_id).where(Callback.kind == "rejected"))
        offer = queue.next_offer(s, maya, at=AT + dt.timedelta(hours=1))
        assert isinstance(offer, queue.Offer) and offer.callback_id is not None
        callback = s.get(Callback, offer.callback_id)
        assert "Not the decision maker: The COO signs, not the office manager" in callback.notes
        assert callback.contact_id == s.get(Appointment, ids[2]).contact_id
        queue.release_claim(s, offer.claim_id, at=AT + dt.timedelta(hours=1))
        card = desk_data.load_card(s, callback.contact_id)
    # the qualifier's card shows the whole reason, at the contact's own time (not UTC)
    lead_card = LeadCard()
    qtbot.addWidget(lead_card)
    lead_card.show_card(card)
    shown = lead_card.grade_stage.text()
    assert "Open rejected: due Mon 23 Nov 10:00 PST their time" in shown
    assert shown.endswith("Not the decision maker: The COO signs, not the office manager")
    assert "UTC" not in shown

    # after the meetings (Thursday): held, no-show, and an opportunity never formally accepted
    clock.now = dt.datetime(2026, 11, 26, 17, 0, tzinfo=dt.UTC)
    view.refresh()
    for appointment_id, outcome in ((ids[0], "held"), (ids[1], "no_show"), (ids[3], "opportunity")):
        view.select(appointment_id)
        assert not view.action_hint.isVisible()
        click(qtbot, view.outcome_button)
        view.outcome_form.pick(outcome)
        click(qtbot, view.outcome_form.confirm)
        assert view.message.text() == "Outcome saved."
    with fresh_store.session() as s:
        outcomes = {a.id: (a.status, a.outcome) for a in s.scalars(select(Appointment))}
    assert outcomes[ids[3]] == ("booked", "opportunity")  # recorded without a formal accept

    # 4. Monday: the manager opens the reports
    window.show_screen("reports")
    reports = window.screens["reports"]
    funnel = reports.pages[0].report.main.rows[0]
    assert (funnel["booked"], funnel["accepted"], funnel["rejected"]) == (4, 3, 1)
    assert (funnel["held"], funnel["no_show"], funnel["opportunity"]) == (2, 1, 1)
    reports.tabs.setCurrentIndex(1)  # scorecards
    score = reports.pages[1].report
    (dana,) = score.tables["field_reps"].rows
    assert dana["rep"] == "Dana West"
    assert (dana["received"], dana["pending"], dana["accepted"], dana["rejected"]) == (4, 0, 3, 1)
    assert (
        dana["received"]
        == dana["pending"] + dana["accepted"] + dana["rejected"] + dana["cancelled"]
    )
    assert dana["accepted"] == funnel["accepted"]
    assert (dana["held"], dana["no_show"], dana["opportunity"]) == (2, 1, 1)
    (maya_row,) = score.tables["qualifiers"].rows
    assert (maya_row["booked"], maya_row["accepted"], maya_row["held"]) == (4, 3, 2)
    # what the screen shows is the same figures
    shown = reports.pages[1].field_model
    headers = [shown.headerData(c, Qt.Orientation.Horizontal) for c in range(shown.columnCount())]
    cells = {h: shown.index(0, c).data() for c, h in enumerate(headers)}
    assert (cells["Received"], cells["Awaiting review"], cells["Accepted"]) == ("4", "0", "3")
    qtbot.wait(50)
    window.grab().save(str(shot_path("journey4-scorecard.png")))
    reports.tabs.setCurrentIndex(2)  # list return
    qtbot.wait(50)
    window.grab().save(str(shot_path("journey4-return.png")))
    window.close()
