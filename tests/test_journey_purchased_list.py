"""Journey 1 of ../shared/JOURNEYS.md, "Monday: the marketing manager loads a purchased list",
walked through the real main window on a fresh, empty store.

Only what the manager can reach: File > Add rep…, the Lists screen's DNC page, a vendor workbook
dropped onto the window, the import wizard's pages, the summary's export button (its save dialog
answered with a temporary path), and the desk. Every clock is the app's injected one (Monday
23 November 2026), so the walk never depends on today's date.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest
from openpyxl import Workbook
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QFileDialog, QWizard
from sqlalchemy import select

from calldesk.models import CallList, Contact, SavedMapping
from calldesk.store import Store, open_store
from tests.conftest import shot_path
from ui.context import AppContext
from ui.importer.wizard import ImportWizard
from ui.main_window import MainWindow
from ui.worker import Background

# Monday 23 November 2026, 15:00 UTC: 10:00 in New York, 07:00 in Vancouver.
MONDAY = dt.datetime(2026, 11, 23, 15, 0, tzinfo=dt.UTC)
DNC_NUMBER = "+12125550177"

HEADER = ["First Name", "Last Name", "Company", "Job Title", "Phone", "Direct", "Email", "State"]
# Phones in every shape a vendor sends; one Canadian, one invalid, one on the DNC list, one person
# twice. "Direct" is the manager's fix: the guess keeps it as a custom field, she maps it to Mobile.
VENDOR_ROWS = [
    [
        "Maria",
        "Chen",
        "Summit Meetings",
        "Event Planner",
        "+1 (212) 555-0102",
        "",
        "maria@summit.example",
        "NY",
    ],  # noqa: E501
    ["James", "Patel", "Summit Meetings", "Office Manager", "212.555.0103", "", "", "NY"],
    ["Priya", "Okafor", "Harbor Events", "Director of Events", "001-212-555-0104", "", "", "NY"],
    ["Oliver", "Hughes", "Thames Venues", "Head of Sales", "011 44 20 7946 0958", "", "", ""],
    ["Chloe", "Tremblay", "Coastal Expos", "Owner", "(604) 555-0142", "", "", "BC"],
    ["Ivan", "Novak", "Broken Digits Ltd", "Planner", "555-CALL-NOW", "", "", "NY"],
    ["Tara", "Quinn", "Short Line Co", "Planner", "12345", "", "", "NY"],
    ["Omar", "Haddad", "Zero Area Inc", "Planner", "(000) 555-0100", "", "", "NY"],
    ["Dora", "Nolan", "Quiet Events", "Coordinator", "(212) 555-0177", "", "", "NY"],
    [
        "Maria",
        "Chen",
        "Summit Meetings",
        "Event Planner",
        "212-555-0102",
        "",
        "maria@summit.example",
        "NY",
    ],  # noqa: E501
    [
        "Noah",
        "Brooks",
        "Northwind Travel",
        "Head of Events",
        "(212) 555-0107",
        "917 555 0108",
        "noah@northwind.example",
        "NY",
    ],  # noqa: E501
]
APRIL_ROWS = [
    [
        "Maria",
        "Chen",
        "Summit Meetings",
        "Event Planner",
        "(212) 555-0102",
        "",
        "maria@summit.example",
        "NY",
    ],  # noqa: E501
    ["Zoe", "Park", "Bay Events", "Planner", "(212) 555-0112", "", "", "NY"],
]


class Clock:
    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


def click(qtbot, widget) -> None:
    assert widget.isEnabled(), widget.objectName() or widget.text()
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def press(qtbot, key, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    """A key as the user presses it: to whatever has the focus."""
    target = QApplication.focusWidget()
    assert target is not None, "nothing has the keyboard focus"
    qtbot.keyClick(target, key, modifier)


def write_workbook(path: Path, rows: list[list[str]]) -> Path:
    book = Workbook()
    sheet = book.active
    sheet.title = "Leads"
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def add_rep(qtbot, window: MainWindow, name: str, role: str, zone: str) -> None:
    """File > Add rep…, filled in as the manager does."""
    file_menu = window.menuBar().actions()[0].menu()
    assert window.add_rep_action in file_menu.actions()
    window.add_rep_action.trigger()
    dialog = window.rep_dialog
    assert dialog is not None and dialog.isVisible()
    qtbot.keyClicks(dialog.name, name)
    dialog.role.setCurrentIndex(dialog.role.findData(role))
    dialog.time_zone.setEditText(zone)
    click(qtbot, dialog.buttons.button(QDialogButtonBox.StandardButton.Save))
    assert not dialog.isVisible(), dialog.error.text()


def drop_file(qtbot, window: MainWindow, path: Path) -> ImportWizard:
    """Drag ``path`` from the file manager and drop it onto the window: the wizard opens on it."""
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(path))])
    enter = QDragEnterEvent(
        QPoint(400, 300),
        Qt.DropAction.CopyAction,
        data,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted()
    drop = QDropEvent(
        QPointF(400, 300),
        Qt.DropAction.CopyAction,
        data,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(window, drop)
    wizard = window.screens["lists"].wizard
    assert isinstance(wizard, ImportWizard)
    qtbot.waitUntil(wizard.isVisible, timeout=5000)
    qtbot.waitUntil(lambda: wizard.file_layout is not None, timeout=10_000)
    return wizard


def next_page(qtbot, wizard: ImportWizard) -> None:
    before = wizard.currentId()
    which = (
        QWizard.WizardButton.CommitButton
        if wizard.currentPage().isCommitPage()
        else QWizard.WizardButton.NextButton
    )
    click(qtbot, wizard.button(which))
    qtbot.waitUntil(lambda: wizard.currentId() != before, timeout=10_000)


def counts(wizard: ImportWizard) -> dict[str, int]:
    labels = wizard.summary_page.count_labels
    return {key: int(label.text().replace(",", "")) for key, label in labels.items()}


def error_rows(wizard: ImportWizard) -> list[list[str]]:
    model = wizard.summary_page.errors_model
    return [
        [str(model.data(model.index(r, c)) or "") for c in range(model.columnCount())]
        for r in range(model.rowCount())
    ]


@pytest.fixture
def fresh_store(tmp_path: Path):
    store = open_store(f"sqlite:///{tmp_path / 'work.sqlite3'}")
    yield store
    store.close()


def test_the_manager_loads_a_purchased_list(
    qtbot, fresh_store: Store, tmp_path: Path, monkeypatch
) -> None:
    clock = Clock(MONDAY)
    window = MainWindow(AppContext(fresh_store, Background(synchronous=True), clock=clock))
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    qtbot.waitExposed(window)

    # --- a new store: nothing in it, and the window says how to add a rep ----------------------
    assert window.no_reps.isVisible()
    add_rep(qtbot, window, "Maya Lind", "manager", "America/New_York")
    add_rep(qtbot, window, "Dana Reyes", "qualifier", "America/New_York")
    assert not window.no_reps.isVisible()

    # the company's own do-not-call number, added on the Lists screen's DNC page
    window.show_screen("lists")
    lists = window.screens["lists"]
    lists.tabs.setCurrentWidget(lists.dnc)
    click(qtbot, lists.dnc.add_button)
    dnc_dialog = lists.dnc.dialog if hasattr(lists.dnc, "dialog") else None
    dnc_dialog = dnc_dialog or next(
        w for w in QApplication.topLevelWidgets() if type(w).__name__ == "DncNumberDialog"
    )
    qtbot.keyClicks(dnc_dialog.number, "(212) 555-0177")
    qtbot.keyClicks(dnc_dialog.why, "Asked never to be called")
    click(qtbot, dnc_dialog.buttons.button(QDialogButtonBox.StandardButton.Ok))
    qtbot.waitUntil(lambda: not dnc_dialog.isVisible(), timeout=3000)

    # --- 2. she drags the vendor's workbook onto the window --------------------------------------
    vendor = write_workbook(tmp_path / "vendor_x_november.xlsx", VENDOR_ROWS)
    wizard = drop_file(qtbot, window, vendor)

    # --- 3. the sheet, as read --------------------------------------------------------------------
    page = wizard.file_page
    assert "a workbook" in page.detected.text() and "“Leads”" in page.detected.text()
    assert "header on row 1" in page.detected.text()
    headers = [page.preview.horizontalHeaderItem(c).text() for c in range(len(HEADER))]
    assert headers == HEADER
    assert page.preview.item(0, 0).text() == "Maria"
    assert page.preview.item(3, 4).text() == "011 44 20 7946 0958"
    wizard.grab().save(str(shot_path("journey1-file.png")))

    # the guessed mapping
    next_page(qtbot, wizard)
    mapping = wizard.mapping_page
    assert mapping.source.currentText() == "Guessed from the column names"
    guessed = {column: mapping.field_of(column) for column in HEADER}
    assert guessed == {
        "First Name": "first_name",
        "Last Name": "last_name",
        "Company": "company",
        "Job Title": "title",
        "Phone": "phone",
        "Direct": guessed["Direct"],
        "Email": "email",
        "State": "state",
    }
    # she fixes one column: "Direct" holds mobile numbers
    assert guessed["Direct"] != "mobile"
    mapping.set_field("Direct", "mobile")
    assert mapping.field_of("Direct") == "mobile"
    assert "8 columns mapped, 0 kept as custom fields." in mapping.status.text()
    # ... and saves the mapping as "Vendor X"
    qtbot.keyClicks(mapping.save_name, "Vendor X")
    click(qtbot, mapping.save_button)
    assert "saved as “Vendor X”" in mapping.status.text()
    with fresh_store.session() as session:
        saved = session.scalar(select(SavedMapping).where(SavedMapping.name == "Vendor X"))
        assert saved is not None and saved.mapping["columns"]["Direct"] == "mobile"
    wizard.grab().save(str(shot_path("journey1-mapping.png")))

    # the list: its name, the default country, what it cost
    next_page(qtbot, wizard)
    options = wizard.options_page
    assert options.list_name.text() == "vendor x november"
    options.list_name.clear()
    qtbot.keyClicks(options.list_name, "Vendor X November")
    assert options.source.currentData() != "trade_show"
    assert not options.event_box.isEnabled()
    options.country.setCurrentIndex(options.country.findData("US"))
    assert options.country.currentData() == "US"
    qtbot.keyClicks(options.cost, "1,250")
    wizard.grab().save(str(shot_path("journey1-options.png")))

    # she starts; a progress bar moves to the end; then the summary
    progress: list[int] = []
    wizard.run_page.bar.valueChanged.connect(progress.append)
    assert wizard.run_page.cancel_button.text() == "&Cancel import"  # she could cancel
    next_page(qtbot, wizard)
    qtbot.waitUntil(lambda: wizard.currentId() == ImportWizard.SUMMARY, timeout=30_000)
    assert progress and progress[-1] == wizard.run_page.bar.maximum()

    # --- 4. the summary --------------------------------------------------------------------------
    summary = counts(wizard)
    # Eleven rows: Maria twice (one duplicate within the file); Ivan, Tara and Omar are stored
    # without their refused numbers, Dora with her number marked do-not-call.
    assert summary["rows"] == 11
    assert summary["imported"] == 10, summary
    assert summary["merged"] == 0  # a fresh store: nobody was known before
    assert summary["duplicates"] == 1
    assert summary["invalid"] == 3
    assert summary["dnc_suppressed"] == 1
    headline = wizard.summary_page.headline.text()
    assert "“Vendor X November” is imported" in headline and "It is callable now." in headline
    # each refused row with its raw text, why, and who it is
    rows = error_rows(wizard)
    shown = {r[2]: (r[1], r[3], r[4]) for r in rows}
    assert shown == {
        "555-CALL-NOW": ("Phone", "not an assigned number in +1", "Ivan Novak, Broken Digits Ltd"),
        "(000) 555-0100": ("Phone", "not an assigned number in +1", "Omar Haddad, Zero Area Inc"),
        "12345": ("Phone", "too short", "Tara Quinn, Short Line Co"),
    }, rows
    # grouped by reason, most first
    reasons = wizard.summary_page.reasons.text().splitlines()
    assert reasons[:2] == ["2 refused: not an assigned number in +1", "1 refused: too short"]
    # the numbers written with an international prefix are said as read
    assert "1 numbers written with international prefix 00 + country code 1: read as +1" in reasons
    assert "1 numbers written with international prefix 011 + country code 44: read as +44" in (
        reasons
    )
    wizard.grab().save(str(shot_path("journey1-summary.png")))

    # she exports the rejected rows for the vendor: the file names each person
    rejected = tmp_path / "vendor x rejected.csv"
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(rejected), ""))
    )
    click(qtbot, wizard.summary_page.export_button)
    qtbot.waitUntil(
        lambda: "rows written" in wizard.summary_page.export_status.text(), timeout=5000
    )
    with open(rejected, encoding="utf-8-sig", newline="") as handle:
        exported = list(csv.DictReader(handle))
    assert len(exported) == len(rows)
    named = {r["value"]: (r["name"], r["reason"]) for r in exported}
    assert named == {
        "555-CALL-NOW": ("Ivan Novak", "not an assigned number in +1"),
        "(000) 555-0100": ("Omar Haddad", "not an assigned number in +1"),
        "12345": ("Tara Quinn", "too short"),
    }, exported
    click(qtbot, wizard.button(QWizard.WizardButton.FinishButton))
    assert not wizard.isVisible()

    # --- 5. the cost is on the list; the people are there with their numbers -------------------
    with fresh_store.session() as session:
        bought = session.scalar(select(CallList).where(CallList.name == "Vendor X November"))
        assert bought is not None and bought.cost == 1250
        people = {
            f"{c.first_name} {c.last_name}": c
            for c in session.scalars(select(Contact))  # a fresh store: all from this list
        }
        assert len(people) == 10
        e164 = {name: sorted(p.e164 for p in c.phones if p.e164) for name, c in people.items()}
        assert [p.dnc for p in people["Dora Nolan"].phones] == [True]
        assert [(p.raw, p.valid) for p in people["Ivan Novak"].phones] == [("555-CALL-NOW", False)]
    assert e164["Priya Okafor"] == ["+12125550104"]  # 001-212-…: read as a US number
    assert e164["Oliver Hughes"] == ["+442079460958"]  # 011 44 …: London
    assert e164["Chloe Tremblay"] == ["+16045550142"]  # Vancouver
    assert e164["Noah Brooks"] == ["+12125550107", "+19175550108"]

    # without any other set-up the list is callable: the desk offers one of its people
    window.show_screen("desk")
    desk = window.screens["desk"]
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    press(qtbot, Qt.Key.Key_R, Qt.KeyboardModifier.AltModifier)  # &Rep
    qtbot.keyClicks(QApplication.focusWidget(), "Dana")
    assert desk.session.rep.currentText() == "Dana Reyes"
    press(qtbot, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: desk.controller.lead is not None, timeout=5000)
    offered = desk.controller.lead.card.name
    assert offered in people and offered not in {"Dora Nolan", "Ivan Novak"}, offered
    assert desk.card.rule.text().startswith("Allowed until "), desk.card.rule.text()
    # the phone to dial is on the card, and more of the list is coming next
    qtbot.waitUntil(lambda: desk.card.phones_layout.count() > 0, timeout=3000)

    def coming() -> list[str]:
        return [desk.queue.coming.item(i).text() for i in range(desk.queue.coming.count())]

    qtbot.waitUntil(
        lambda: any(line.startswith(name) for line in coming() for name in people), timeout=3000
    )
    assert not any(line.startswith(("Dora Nolan", "Ivan Novak", offered)) for line in coming())
    qtbot.wait(50)
    window.grab().save(str(shot_path("journey1-desk.png")))
    press(qtbot, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)  # a break

    # --- December: the vendor's next file, same columns: "Vendor X" is preselected ----------------
    april = write_workbook(tmp_path / "vendor_x_december.xlsx", APRIL_ROWS)
    again = drop_file(qtbot, window, april)
    next_page(qtbot, again)
    assert again.mapping_page.source.currentText() == "Saved: Vendor X"
    assert again.mapping_page.field_of("Direct") == "mobile"
    again.grab().save(str(shot_path("journey1-next-file.png")))
    next_page(qtbot, again)
    next_page(qtbot, again)
    qtbot.waitUntil(lambda: again.currentId() == ImportWizard.SUMMARY, timeout=30_000)
    second = counts(again)
    assert (second["imported"], second["merged"]) == (1, 1)  # Maria was already known
    click(qtbot, again.button(QWizard.WizardButton.FinishButton))
    window.close()
