"""The event sprint board as a marketing manager watches it: an event imported with a deadline,
its figures moving as the desk works the contacts, and one click to work the sprint."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import Qt
from sqlalchemy import select

from calldesk import outcomes, queue, reps
from calldesk.importing.pipeline import ImportOptions, import_file
from calldesk.models import Campaign, Event
from calldesk.scripts import ScriptRunner
from calldesk.scripts.library import get_script, install_defaults
from calldesk.sprints import sprint_board
from calldesk.store import Store
from tests.conftest import shot_path
from ui.context import AppContext
from ui.sprints.view import SprintBoard
from ui.worker import Background

# Tuesday 24 November 2026, 15:00 UTC: 10:00 in New York, the calling window is open.
AT = dt.datetime(2026, 11, 24, 15, 0, tzinfo=dt.UTC)
TODAY = AT.date()
SCANS = """First Name,Last Name,Company,Phone,Email,State,Rating,Booth Notes
Ava,Stone,Harbor Events,+1 212 555 0147,ava@harbor.example,NY,Hot,wants a demo of the API
Ben,Ortiz,Lakeside Meetings,+1 212 736 5000,ben@lakeside.example,NY,Hot,asked about pricing
Cara,Wu,Summit Planners,+1 617 555 0123,cara@summit.example,MA,Warm,
Dev,Rao,Atlas Travel,+1 212 555 0199,dev@atlas.example,NY,Cold,came for the giveaway
"""


def import_show(store: Store, tmp_path: Path) -> tuple[int, int, int]:
    """The booth's badge scans as a trade show with a 10-day follow-up: (event, sprint, rep)."""
    with store.write() as s:
        install_defaults(s)
        rep = reps.add_rep(s, "Ada Moreno", role="qualifier", time_zone="America/New_York")
        rep_id = rep.id
    path = tmp_path / "expo-scans.csv"
    path.write_text(SCANS, encoding="utf-8")
    result = import_file(
        store,
        path,
        ImportOptions(
            list_name="Expo East badge scans",
            source="trade_show",
            event="Expo East 2026",
            event_date=dt.date(2026, 11, 20),
            follow_up_days=10,
        ),
    )
    assert result.imported == 4
    with store.session() as s:
        sprint = s.scalar(select(Campaign).where(Campaign.kind == "event_sprint"))
        assert sprint is not None and sprint.event_id == result.event_id
        return result.event_id, sprint.id, rep_id


def work_one(store: Store, rep_id: int, campaign_id: int, disposition: str, **kw) -> int:
    """The desk's loop: take the next contact of the sprint, record how the call ended."""
    with store.write() as s:
        offer = queue.next_offer(s, rep_id, campaign_id=campaign_id, at=AT)
        assert isinstance(offer, queue.Offer), offer
        grade_result = None
        if disposition == "qualified":
            runner = ScriptRunner(get_script(s, "trade_show"), today=TODAY)
            runner.answer("giveaway")  # came for the giveaway: graded D at once
            grade_result = runner.result()
            kw["answers"] = runner.answers
        outcomes.record_outcome(
            s,
            claim_id=offer.claim_id,
            disposition=disposition,
            grade_result=grade_result,
            at=AT + dt.timedelta(minutes=2),
            **kw,
        )
        return offer.contact_id


def board(qtbot, store: Store) -> SprintBoard:
    view = SprintBoard(AppContext(store, Background(synchronous=True)), today=lambda: TODAY)
    qtbot.addWidget(view)
    view.resize(1280, 800)
    view.show()
    return view


def figure(view: SprintBoard, event_id: int, key: str) -> str:
    card = view.card_for(event_id)
    assert card is not None
    return card.values[key].text()


def test_board_moves_as_the_sprint_is_worked(qtbot, sqlite_store: Store, tmp_path: Path) -> None:
    event_id, sprint_id, rep_id = import_show(sqlite_store, tmp_path)
    view = board(qtbot, sqlite_store)
    card = view.card_for(event_id)
    assert card is not None
    assert card.title.text() == "Expo East 2026"
    assert card.deadline.text() == "6 days left (deadline Mon 30 Nov)"
    assert figure(view, event_id, "contacts") == "4"
    assert figure(view, event_id, "reached") == "0 (0%)"
    assert figure(view, event_id, "untouched") == "4"
    assert figure(view, event_id, "untouched_hot") == "2"
    assert card.time_bar.value() == 40  # 4 of the 10 days gone
    assert card.reach_bar.value() == 0
    assert "behind the clock" in card.pace.text()
    assert "2 hot contacts nobody has called yet" in view.status.text()

    # The hot booth visitors come first: the first call goes unanswered...
    first = work_one(sqlite_store, rep_id, sprint_id, "no_answer")
    view.ctx.data_changed.emit("attempts")
    assert figure(view, event_id, "untouched_hot") == "1"
    assert figure(view, event_id, "untouched") == "3"
    assert figure(view, event_id, "reached") == "0 (0%)"  # dialled is not reached

    # ...the second one is reached and graded D (came for the giveaway).
    second = work_one(sqlite_store, rep_id, sprint_id, "qualified")
    assert second != first
    view.ctx.data_changed.emit("attempts")
    card = view.card_for(event_id)
    assert figure(view, event_id, "untouched_hot") == "0"
    assert figure(view, event_id, "reached") == "1 (25%)"
    assert figure(view, event_id, "graded") == "1   A 0  B 0  C 0  D 1"
    assert figure(view, event_id, "reached_48h") == "0%"  # the show was 4 days ago
    assert figure(view, event_id, "appointments") == "0"
    assert card.reach_bar.value() == 25
    with sqlite_store.session() as s:
        assert s.get(Event, event_id).follow_up_deadline == dt.date(2026, 11, 30)

    # One click works this sprint at the desk.
    with qtbot.waitSignal(view.ctx.work_campaign) as signal:
        qtbot.mouseClick(card.work_button, Qt.MouseButton.LeftButton)
    assert signal.args == [sprint_id]


def test_board_without_events_says_how_to_start_one(qtbot, sqlite_store: Store) -> None:
    view = board(qtbot, sqlite_store)
    assert view.cards == []
    assert view.empty.isVisible()
    assert "Import" in view.empty.text()


def test_an_event_without_a_deadline_cannot_be_worked_as_a_sprint(
    qtbot, sqlite_store: Store
) -> None:
    with sqlite_store.write() as s:
        s.add(Event(name="<b>Spring</b> webinar", kind="webinar"))
    view = board(qtbot, sqlite_store)
    card = view.cards[0]
    assert card.title.text() == "<b>Spring</b> webinar"  # plain text, never markup
    assert card.title.textFormat() == Qt.TextFormat.PlainText
    assert card.deadline.text() == "No follow-up deadline"
    assert not card.work_button.isEnabled()
    assert sprint_board(sqlite_store, today=TODAY)[0].time_used is None


def test_sprints_are_ordered_by_deadline_and_finished_ones_come_last(sqlite_store: Store) -> None:
    with sqlite_store.write() as s:
        for name, deadline in (
            ("Later", TODAY + dt.timedelta(days=9)),
            ("Over", TODAY - dt.timedelta(days=3)),
            ("Soon", TODAY + dt.timedelta(days=1)),
            ("Open-ended", None),
        ):
            s.add(Event(name=name, kind="seminar", follow_up_deadline=deadline))
    figures = sprint_board(sqlite_store, today=TODAY)
    assert [f.name for f in figures] == ["Soon", "Later", "Over", "Open-ended"]
    assert [f.days_left for f in figures] == [1, 9, -3, None]


def test_hot_nobody_called_opens_the_list_of_them(
    qtbot, sqlite_store: Store, tmp_path: Path
) -> None:
    event_id, _sprint_id, _rep_id = import_show(sqlite_store, tmp_path)
    view = board(qtbot, sqlite_store)
    hot = view.card_for(event_id).values["untouched_hot"]
    assert hot.text() == "2" and hot.isEnabled()
    opened: list[int] = []
    view.ctx.open_contact.connect(opened.append)
    qtbot.mouseClick(hot, Qt.MouseButton.LeftButton)
    dialog = view.hot_dialog
    assert dialog.isVisible()
    cells = [
        [dialog.table.item(r, c).text() for c in range(dialog.table.columnCount())]
        for r in range(dialog.table.rowCount())
    ]
    assert [(row[0], row[2], row[4]) for row in cells] == [
        ("Ava Stone", "Harbor Events", "wants a demo of the API"),
        ("Ben Ortiz", "Lakeside Meetings", "asked about pricing"),
    ]
    assert dialog.heading.text().startswith("2 hot contacts nobody has dialled yet")
    dialog.table.selectRow(1)
    qtbot.mouseClick(dialog.open_button, Qt.MouseButton.LeftButton)
    assert opened == [dialog.rows[1].contact_id]
    qtbot.wait(50)
    view.window().grab().save(str(shot_path("sprints-board.png")))
    dialog.grab().save(str(shot_path("sprints-hot.png")))
