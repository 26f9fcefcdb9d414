"""The Rules screen as a manager uses it: place a needs-review contact by hand, try a number
outside its window, see campaign narrowings that try to widen and a stale registry snapshot."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt
from sqlalchemy import select

from calldesk import campaigns, dnc
from calldesk.models import AuditEntry, Contact
from calldesk.store import Store
from tests.conftest import REALWORLD, shot_path
from tests.rules_helpers import add_contact
from ui.context import AppContext
from ui.rules.view import RulesView
from ui.worker import Background

NOW = dt.datetime(2026, 11, 24, 16, 0, tzinfo=dt.UTC)  # Tuesday, 11:00 in New York


def _view(qtbot, store: Store) -> RulesView:
    view = RulesView(AppContext(store, Background(synchronous=True)), clock=lambda: NOW)
    qtbot.addWidget(view)
    view.resize(1280, 800)
    view.show()
    return view


def _review_ids(view: RulesView) -> list[int]:
    table = view.review.table
    return [int(table.item(r, 0).text()) for r in range(table.rowCount())]


def test_setting_a_zone_takes_the_contact_off_the_review_list(qtbot, store: Store) -> None:
    with store.write() as s:
        toll_free = add_contact(s, ["+18005550199"])  # no zone, no state: needs review
        placed = add_contact(s, ["+13055550123"])
        unknown_id, placed_id = toll_free.id, placed.id
    view = _view(qtbot, store)
    assert _review_ids(view) == [unknown_id]
    assert view.tabs.tabText(1) == "Needs review (1)"
    page = view.review
    assert not page.set_button.isEnabled()

    page.select_contact(unknown_id)
    assert page.set_button.isEnabled()
    assert str(unknown_id) in page.chosen.text()
    # a zone that does not exist is refused and changes nothing
    # (typed with setEditText: key clicks would open the completer's popup)
    page.zone.setEditText("Mars/Olympus_Mons")
    qtbot.mouseClick(page.set_button, Qt.MouseButton.LeftButton)
    assert page.message.text().startswith("Not set: unknown time zone")
    assert _review_ids(view) == [unknown_id]

    page.zone.setEditText("America/Chicago")
    qtbot.keyClicks(page.state, "Texas")
    qtbot.keyClicks(page.who, "Morgan Lee")
    qtbot.mouseClick(page.set_button, Qt.MouseButton.LeftButton)

    assert _review_ids(view) == []
    assert view.tabs.tabText(1) == "Needs review"
    assert "placed (US|TX|America/Chicago)" in page.message.text()
    with store.session() as s:
        contact = s.get(Contact, unknown_id)
        assert contact.locale_key == "US|TX|America/Chicago"
        assert contact.state == "TX"
        assert contact.time_zone_override == "America/Chicago"
        audit = s.scalars(select(AuditEntry).where(AuditEntry.action == "rules.set_zone")).all()
        assert [(a.actor, a.entity_id) for a in audit] == [("Morgan Lee", str(unknown_id))]
        assert audit[0].detail["before"]["locale_key"] is None
        assert s.get(Contact, placed_id).locale_key == "US|FL|America/New_York"


def test_try_a_number_outside_its_window(qtbot, sqlite_store: Store) -> None:
    view = _view(qtbot, sqlite_store)
    page = view.try_number
    view.tabs.setCurrentWidget(page)
    qtbot.keyClicks(page.phone, "(305) 555-0123")  # Miami: Florida, 08:00-20:00
    page.set_moment(dt.datetime(2026, 11, 23, 20, 30), "America/New_York")
    qtbot.mouseClick(page.explain_button, Qt.MouseButton.LeftButton)

    assert page.verdict.text().startswith("Not allowed at Mon 23 Nov 2026 20:30 EST")
    summary = page.summary.text()
    assert "Next allowed: Tue 24 Nov 2026 08:00 EST" in summary
    assert page.result["next_allowed_at"] == "2026-11-24T13:00:00+00:00"
    assert "Line: consumer" in summary and "Override: a manager may allow" in summary
    places = [page.places.item(r, 0).text() for r in range(page.places.rowCount())]
    assert places == ["Country US", "Zone America/New_York", "State FL"]
    assert page.places.item(2, 1).text() == "area code of +13055550123"
    rules = {
        page.rules.item(r, 1).text(): page.rules.item(r, 0).text()
        for r in range(page.rules.rowCount())
    }
    # the federal window is still open at 20:30; Florida's closed at 20:00
    # caps are counted for a number alone too (no calls to it yet)
    assert rules == {
        "US federal calling hours": "allowed",
        "Florida calling hours and 3 calls per 24 h": "REFUSED",
        "Florida calling hours and 3 calls per 24 h (cap)": "allowed",
    }
    florida = next(
        r for r in range(page.rules.rowCount()) if page.rules.item(r, 0).text() != "allowed"
    )
    assert "Fla. Stat. 501.616" in page.rules.item(florida, 3).text()

    # the same number inside the window, in a campaign that narrows to 09:00-17:00
    page.set_moment(dt.datetime(2026, 11, 24, 8, 30), "America/New_York")
    qtbot.mouseClick(page.explain_button, Qt.MouseButton.LeftButton)
    assert page.verdict.text().startswith("Allowed")
    with sqlite_store.write() as s:
        campaigns.update_campaign(s, 1, rules={"hours": ["09:00", "17:00"]})
    view.ctx.data_changed.emit("campaigns")
    page.campaign.setCurrentIndex(page.campaign.findData(1))
    qtbot.mouseClick(page.explain_button, Qt.MouseButton.LeftButton)
    assert page.verdict.text().startswith("Not allowed")
    assert "Next allowed: Tue 24 Nov 2026 09:00 EST" in page.summary.text()

    page.phone.clear()
    qtbot.keyClicks(page.phone, "555-CALL")
    qtbot.mouseClick(page.explain_button, Qt.MouseButton.LeftButton)
    assert page.verdict.text().startswith("Not allowed")
    assert "not a valid phone number" in page.summary.text()


def test_narrowings_that_widen_and_stale_snapshots_are_warned(qtbot, sqlite_store: Store) -> None:
    with sqlite_store.write() as s:
        add_contact(s, ["+13055550123"])
        add_contact(s, ["+14165550123"])  # Toronto
        campaigns.update_campaign(
            s, 1, rules={"hours": ["07:00", "22:00"], "days": ["mon", "tue", "wed"]}
        )
        campaigns.assign_contacts(s)
    dnc.import_dnc_file(
        sqlite_store,
        REALWORLD / "dnc" / "ftc_dnc_fulllist_flatfile_first10rows.txt",
        file_date=dt.date(2026, 9, 1),
    )
    view = _view(qtbot, sqlite_store)
    assert view.warnings.isVisible()
    assert "US do-not-call snapshot" in view.warnings.text()
    assert "84 days old" in view.warnings.text()

    page = view.packs
    row = next(
        r
        for r in range(page.campaigns.rowCount())
        if page.campaigns.item(r, 0).text() == "Default campaign"
    )
    assert page.campaigns.item(row, 3).text() == "hours 07:00–22:00; days mon, tue, wed"
    assert page.campaigns.item(row, 4).text().startswith("3 warnings: wider than the legal hours")
    assert page.campaigns.item(row, 2).text() == "Canada (1), United States (1)"
    assert not page.campaign_warnings.isVisible()
    page.campaigns.selectRow(row)
    assert page.campaign_warnings.isVisible()
    assert "reach outside US federal calling hours" in page.campaign_warnings.text()
    shown = {page.rules.item(r, 1).text() for r in range(page.rules.rowCount())}
    assert "Florida calling hours and 3 calls per 24 h" in shown
    assert "Oklahoma calling hours and 3 calls per 24 h" not in shown  # no Oklahoma contact
    us = next(
        r for r in range(page.snapshots.rowCount()) if page.snapshots.item(r, 0).text() == "US"
    )
    assert page.snapshots.item(us, 5).text().startswith("TOO OLD")


def test_a_manager_closes_a_day_for_one_state_and_opens_it_again(qtbot, store: Store) -> None:
    from calldesk.rules import decide

    with store.write() as s:
        louisiana = add_contact(s, ["+15045550100"], state="LA", country="US").id
        texas = add_contact(s, ["+12145550100"], state="TX", country="US").id
    view = _view(qtbot, store)
    page = view.closed
    view.tabs.setCurrentWidget(page)
    assert view.tabs.tabText(3) == "Closed days"
    assert page.day.date().toPython() == NOW.date()  # the screen's clock, not today's date
    assert page.table.rowCount() == 0 and "No extra closed days" in page.count.text()

    # a day without its source is refused and nothing is written
    qtbot.keyClicks(page.state, "Louisiana")
    qtbot.keyClicks(page.reason, "State of emergency: hurricane")
    qtbot.mouseClick(page.add_button, Qt.MouseButton.LeftButton)
    assert page.message.text().startswith("Not added: a closed day needs a source")
    assert page.table.rowCount() == 0

    qtbot.keyClicks(page.source, "Governor's proclamation 123 JML 2026")
    qtbot.keyClicks(page.who, "Morgan Lee")
    qtbot.mouseClick(page.add_button, Qt.MouseButton.LeftButton)
    assert page.message.text() == "US-LA is closed for calling on 2026-11-24."
    assert [page.table.item(0, c).text() for c in range(5)] == [
        "2026-11-24",
        "US-LA",
        "State of emergency: hurricane",
        "Governor's proclamation 123 JML 2026",
        "Morgan Lee",
    ]
    with store.session() as s:
        verdict = decide(s, at=NOW, contact=louisiana, purpose="explain")
        assert not verdict.allowed and "123 JML 2026" in verdict.rule
        assert decide(s, at=NOW, contact=texas).allowed
        audit = s.scalars(select(AuditEntry).where(AuditEntry.action.like("rules.closed_day%")))
        assert [(a.action, a.actor) for a in audit] == [("rules.closed_day.add", "Morgan Lee")]
    assert view.grab().save(str(shot_path("rules-closed-days.png")))

    page.table.selectRow(0)
    qtbot.mouseClick(page.remove_button, Qt.MouseButton.LeftButton)
    assert page.message.text() == "US-LA on 2026-11-24 is open for calling again."
    assert page.table.rowCount() == 0
    with store.session() as s:
        assert decide(s, at=NOW, contact=louisiana).allowed
