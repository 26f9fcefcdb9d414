"""Campaigns as a manager sets them up: invalid input is shown, valid input lands in the core."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox
from sqlalchemy import select

from calldesk import campaigns
from calldesk.models import CallList, CampaignList, Contact, Event, ListMember
from calldesk.store import Store
from tests.conftest import REPO
from ui.context import AppContext
from ui.lists.campaign_dialog import parse_retry
from ui.lists.campaigns import CampaignsPage
from ui.worker import Background

# Screenshots are always taken; with CALLDESK_SHOTS=1 they replace the ones in docs/shots.
SHOTS = (
    REPO / "docs" / "shots"
    if os.environ.get("CALLDESK_SHOTS")
    else Path(tempfile.gettempdir()) / "calldesk-shots"
)


def _seed(store: Store) -> dict[str, int]:
    with store.write() as s:
        show = Event(
            name="Expo West 2026",
            kind="trade_show",
            event_date=dt.date(2026, 11, 18),
            follow_up_deadline=dt.date(2026, 11, 28),
        )
        s.add(show)
        s.flush()
        vendor = CallList(name="Vendor X March", source_kind="purchased")
        booth = CallList(name="Expo West badge scans", source_kind="trade_show", event_id=show.id)
        s.add_all([vendor, booth])
        s.flush()
        people = [Contact(first_name=f"P{i}", last_name="Lead") for i in range(6)]
        s.add_all(people)
        s.flush()
        for i, person in enumerate(people):
            s.add(ListMember(list_id=(vendor if i < 4 else booth).id, contact_id=person.id))
        return {"vendor": vendor.id, "booth": booth.id, "event": show.id}


def _page(qtbot, store: Store) -> CampaignsPage:
    ctx = AppContext(store, Background(synchronous=True))
    page = CampaignsPage(ctx)
    qtbot.addWidget(page)
    page.resize(1280, 760)
    page.show()
    return page


def _click_save(qtbot, dialog) -> None:
    qtbot.mouseClick(
        dialog.buttons.button(QDialogButtonBox.StandardButton.Save), Qt.MouseButton.LeftButton
    )


def _check_list(dialog, name: str) -> None:
    for i in range(dialog.lists.count()):
        if dialog.lists.item(i).text() == name:
            dialog.lists.item(i).setCheckState(Qt.CheckState.Checked)


def test_invalid_campaign_shows_the_error_and_stores_nothing(qtbot, store: Store) -> None:
    _seed(store)
    page = _page(qtbot, store)
    qtbot.mouseClick(page.new_button, Qt.MouseButton.LeftButton)
    dialog = page.dialog
    assert dialog is not None and dialog.isVisible()

    _click_save(qtbot, dialog)  # no name at all
    assert "a campaign needs a name" in dialog.error_label.text()

    qtbot.keyClicks(dialog.name, "Vendor X calls")
    qtbot.keyClicks(dialog.hours_from, "25:00")
    qtbot.keyClicks(dialog.hours_to, "17:00")
    _click_save(qtbot, dialog)
    assert "25:00" in dialog.error_label.text() and dialog.isVisible()

    dialog.hours_from.clear()
    qtbot.keyClicks(dialog.hours_from, "09:00")
    dialog.retry.item(0, 2).setText("soon")
    _click_save(qtbot, dialog)
    assert 'Retry for No answer: "soon" is not a delay' in dialog.error_label.text()

    dialog.retry.item(0, 2).setText("")
    for check in dialog.day_boxes.values():
        check.setChecked(False)
    _click_save(qtbot, dialog)
    assert "at least one day" in dialog.error_label.text()

    with store.session() as s:
        assert [c.name for c in campaigns.list_campaigns(s)] == ["Default campaign"]


def test_duplicate_name_is_refused_by_the_core(qtbot, store: Store) -> None:
    _seed(store)
    page = _page(qtbot, store)
    page.open_dialog(None)
    qtbot.keyClicks(page.dialog.name, "Default campaign")
    _click_save(qtbot, page.dialog)
    assert "already exists" in page.dialog.error_label.text()


def test_create_then_edit_a_campaign(qtbot, store: Store) -> None:
    ids = _seed(store)
    page = _page(qtbot, store)
    page.open_dialog(None)
    dialog = page.dialog
    qtbot.keyClicks(dialog.name, "Vendor X calls")
    _check_list(dialog, "Vendor X March")
    dialog.priority.setValue(5)
    dialog.script.setCurrentIndex(dialog.script.findData("bant"))
    assert dialog.script.currentIndex() > 0  # shipped scripts are offered
    qtbot.keyClicks(dialog.hours_from, "09:00")
    qtbot.keyClicks(dialog.hours_to, "17:00")
    dialog.max_attempts.setValue(6)
    dialog.retry.item(0, 2).setText("4h")  # no answer
    dialog.retry.item(1, 2).setText("never")  # busy
    _click_save(qtbot, dialog)
    assert dialog.saved_id is not None, dialog.error_label.text()
    assert not dialog.isVisible()
    with store.session() as s:
        c = campaigns.get_campaign(s, "Vendor X calls")
        assert c.priority == 5 and c.kind == "list" and c.script_key == "bant"
        assert c.rules == {
            "hours": ["09:00", "17:00"],
            "days": ["mon", "tue", "wed", "thu", "fri"],
            "max_attempts": 6,
            "retry": {"no_answer": 240, "busy": None},
        }
        members = s.scalars(
            select(Contact.campaign_id).join(ListMember).where(ListMember.list_id == ids["vendor"])
        ).all()
        assert members == [c.id] * 4  # the list's contacts are now worked under it
    assert [page.table.item(r, 0).text() for r in range(page.table.rowCount())].count(
        "Vendor X calls"
    ) == 1

    # edit: make it an event sprint on the show, swap the list for the badge scans
    page.select_campaign("Vendor X calls")
    qtbot.mouseClick(page.edit_button, Qt.MouseButton.LeftButton)
    dialog = page.dialog
    assert dialog.name.text() == "Vendor X calls" and dialog.hours_to.text() == "17:00"
    assert dialog.retry.item(0, 2).text() == "4h"
    dialog.kind.setCurrentIndex(dialog.kind.findData("event_sprint"))
    dialog.event.setCurrentIndex(dialog.event.findData(ids["event"]))
    assert dialog.has_deadline.isChecked()  # taken from the event's follow-up deadline
    for i in range(dialog.lists.count()):
        dialog.lists.item(i).setCheckState(Qt.CheckState.Unchecked)
    _check_list(dialog, "Expo West badge scans")
    SHOTS.mkdir(parents=True, exist_ok=True)
    assert dialog.grab().save(str(SHOTS / "lists-campaign-dialog.png"))
    _click_save(qtbot, dialog)
    assert not dialog.isVisible(), dialog.error_label.text()
    with store.session() as s:
        c = campaigns.get_campaign(s, "Vendor X calls")
        assert (c.kind, c.event_id, c.deadline) == (
            "event_sprint",
            ids["event"],
            dt.date(2026, 11, 28),
        )
        links = s.scalars(select(CampaignList.list_id).where(CampaignList.campaign_id == c.id))
        assert list(links) == [ids["booth"]]
    row = [page.table.item(0, c).text() for c in range(page.table.columnCount())]
    assert row[0] == "Vendor X calls" and row[7] == "2"  # the badge scans' two contacts
    worked: list[int] = []
    page.ctx.work_campaign.connect(worked.append)
    page.select_campaign("Vendor X calls")
    qtbot.mouseClick(page.work_button, Qt.MouseButton.LeftButton)
    assert worked == [c.id]
    assert page.grab().save(str(SHOTS / "lists-campaigns.png"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", (False, None)),
        ("never", (True, None)),
        ("30", (True, 30)),
        ("4h", (True, 240)),
        ("2d", (True, 2880)),
        (" 15m ", (True, 15)),
    ],
)
def test_retry_text(text: str, expected: tuple[bool, int | None]) -> None:
    assert parse_retry(text) == expected
