"""The lists browser as a manager uses it: pick a list, search any way, open a contact."""

from __future__ import annotations

import itertools
import os
import tempfile
from decimal import Decimal
from pathlib import Path

from PySide6.QtCore import Qt
from sqlalchemy import insert

from calldesk.models import CallList, Company, Contact, Email, ListMember, Phone
from calldesk.store import Store
from tests.conftest import REPO
from ui.context import AppContext
from ui.lists.view import ListsView
from ui.worker import Background

# Screenshots are always taken; with CALLDESK_SHOTS=1 they replace the ones in docs/shots.
SHOTS = (
    REPO / "docs" / "shots"
    if os.environ.get("CALLDESK_SHOTS")
    else Path(tempfile.gettempdir()) / "calldesk-shots"
)
FIRST = ("Ada", "Grace", "Alan", "Linus", "Margaret", "Ken", "Barbara", "Dennis", "Frances", "Tim")
LAST = (
    "Lovelace",
    "Hopper",
    "Turing",
    "Torvalds",
    "Hamilton",
    "Thompson",
    "Liskov",
    "Ritchie",
    "Allen",
    "Berners-Lee",
    "Moore",
    "Kay",
)
COMPANIES = (
    "Acme Tools",
    "Globex Corporation",
    "Initech",
    "Umbrella Medical",
    "Stark Freight",
    "Wayne Logistics",
    "Hooli",
    "Vandelay Industries",
)
STATES = (("NY", "212"), ("CA", "415"), ("TX", "512"), ("FL", "305"), ("ON", "416"))
ZONES = {
    "NY": "America/New_York",
    "CA": "America/Los_Angeles",
    "TX": "America/Chicago",
    "FL": "America/New_York",
    "ON": "America/Toronto",
}


def seed_contacts(store: Store, n: int = 300) -> dict[str, int]:
    """A purchased list and a webinar list of realistic contacts (bulk inserted)."""
    with store.write() as s:
        vendor = CallList(name="Vendor X March", source_kind="purchased", cost=Decimal("1800"))
        webinar = CallList(name="Pricing webinar", source_kind="webinar")
        s.add_all([vendor, webinar])
        companies = [Company(name=name, name_key=name.lower()) for name in COMPANIES]
        s.add_all(companies)
        s.flush()
        names = itertools.product(LAST, FIRST)
        contacts, phones, emails, members = [], [], [], []
        for i in range(n):
            last, first = next(names) if i < len(LAST) * len(FIRST) else (f"Last{i}", "Pat")
            state, area = STATES[i % len(STATES)]
            contacts.append(
                {
                    "id": i + 1,
                    "first_name": first,
                    "last_name": last,
                    "company_id": companies[i % len(companies)].id,
                    "title": ("VP Operations", "IT Director", "Office Manager")[i % 3],
                    "state": state,
                    "country": "CA" if state == "ON" else "US",
                    "dnc": i % 47 == 5,
                    "attempts": i % 4,
                }
            )
            phones.append(
                {
                    "contact_id": i + 1,
                    "raw": f"({area}) 555-{i:04d}",
                    "e164": f"+1{area}555{i:04d}",
                    "position": 0,
                    "label": "work",
                    "number_type": "FIXED_LINE_OR_MOBILE",
                    "time_zones": ZONES[state],
                    "dnc": i % 47 == 5,
                }
            )
            emails.append(
                {
                    "contact_id": i + 1,
                    "address": f"{first}.{last}{i}@example.com".lower(),
                    "address_key": f"{first}.{last}{i}@example.com".lower(),
                }
            )
            members.append({"list_id": vendor.id if i % 5 else webinar.id, "contact_id": i + 1})
        s.execute(insert(Contact), contacts)
        s.execute(insert(Phone), phones)
        s.execute(insert(Email), emails)
        s.execute(insert(ListMember), members)
        return {"vendor": vendor.id, "webinar": webinar.id}


def _view(qtbot, store: Store) -> tuple[ListsView, AppContext]:
    ctx = AppContext(store, Background(synchronous=True))
    view = ListsView(ctx)
    qtbot.addWidget(view)
    view.resize(1280, 800)
    view.show()
    qtbot.waitExposed(view)
    return view, ctx


def _rows(view: ListsView) -> list[str]:
    model = view.browser.model
    return [model.data(model.index(r, 0)) for r in range(model.rowCount())]


def test_browse_search_and_open(qtbot, store: Store) -> None:
    ids = seed_contacts(store)
    view, ctx = _view(qtbot, store)
    browser = view.browser
    lists = [browser.lists_table.item(r, 0).text() for r in range(browser.lists_table.rowCount())]
    assert lists[0] == "All contacts" and set(lists[1:]) == {"Vendor X March", "Pricing webinar"}
    assert browser.model.rowCount() == 300 and browser.count_label.text() == "300 contacts"

    browser.show_list(ids["webinar"])
    assert browser.model.rowCount() == 60

    # the number as a person types it, in a format unlike the stored one
    browser.show_list(ids["vendor"])
    qtbot.keyClicks(browser.search, "415.555.0006")
    qtbot.waitUntil(lambda: browser.count_label.text() == "1 contact", timeout=3000)
    assert _rows(view) == ["Barbara Lovelace"]

    browser.search.clear()
    qtbot.keyClicks(browser.search, "hopper initech")
    qtbot.keyClick(browser.search, Qt.Key.Key_Return)
    assert {r.split()[-1] for r in _rows(view)} == {"Hopper"} and len(_rows(view)) >= 1
    model = browser.model
    company_col = 1
    assert {model.data(model.index(r, company_col)) for r in range(model.rowCount())} == {"Initech"}

    # the selected contact's numbers, every one of them with its status
    browser.table.selectRow(0)
    assert browser.phones_title.text() == f"Numbers of {model.data(model.index(0, 0))}"
    assert browser.phones.rowCount() == 1
    assert browser.phones.item(0, 0).text().startswith("+1 ")
    assert browser.phones.item(0, 4).text() in ("valid", "DNC")

    opened: list[int] = []
    ctx.open_contact.connect(opened.append)
    index = model.index(0, 0)
    browser.table.selectRow(0)
    assert browser.open_button.isEnabled()
    qtbot.mouseClick(browser.open_button, Qt.MouseButton.LeftButton)
    browser.table.doubleClicked.emit(index)
    assert opened == [model.id_at(0)] * 2


def test_screenshot_of_the_browser(qtbot, sqlite_store: Store) -> None:
    seed_contacts(sqlite_store)
    view, _ctx = _view(qtbot, sqlite_store)
    view.browser.lists_table.setCurrentCell(1, 0)
    view.browser.table.selectRow(1)  # a DNC contact: its numbers show it
    SHOTS.mkdir(parents=True, exist_ok=True)
    assert view.grab().save(str(SHOTS / "lists-browser.png"))
