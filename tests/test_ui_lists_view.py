"""The "Lists & campaigns" screen inside the main window: a dropped file opens the import wizard,
the imported list is shown when it finishes; File > Settings… opens the settings."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from PySide6.QtCore import QMimeData, QPointF, Qt, QTimer, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QApplication, QWizard

from calldesk.store import Store
from tests.conftest import REALWORLD, REPO
from tests.test_ui_import import write_vendor_list
from tests.test_ui_lists_browser import seed_contacts
from ui.context import AppContext
from ui.importer.wizard import ImportWizard
from ui.lists.view import ListsView
from ui.main_window import MainWindow
from ui.settings.dialog import SettingsDialog
from ui.worker import Background

# Screenshots are always taken; with CALLDESK_SHOTS=1 they replace the ones in docs/shots.
SHOTS = (
    REPO / "docs" / "shots"
    if os.environ.get("CALLDESK_SHOTS")
    else Path(tempfile.gettempdir()) / "calldesk-shots"
)


def _window(qtbot, store: Store) -> tuple[MainWindow, AppContext]:
    ctx = AppContext(store, Background(synchronous=True))
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    qtbot.waitExposed(window)
    return window, ctx


def _drop(window: MainWindow, path: Path) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    event = QDropEvent(
        QPointF(400, 300),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    window.dropEvent(event)


def test_dropped_file_is_imported_and_its_list_shown(
    qtbot, sqlite_store: Store, tmp_path: Path
) -> None:
    window, _ctx = _window(qtbot, sqlite_store)
    view = window.screens["lists"]
    assert isinstance(view, ListsView)
    path = write_vendor_list(tmp_path / "dropped_list.csv", 120)
    window.show_screen("desk")
    _drop(window, path)
    wizard = view.wizard
    assert isinstance(wizard, ImportWizard) and wizard.isVisible()
    assert window.tabs.currentWidget() is view.parentWidget()
    assert wizard.file_page.path.text() == str(path)
    qtbot.waitUntil(lambda: wizard.file_layout is not None, timeout=10_000)
    for _ in range(3):
        before = wizard.currentId()
        wizard.next()
        qtbot.waitUntil(lambda b=before: wizard.currentId() != b, timeout=10_000)
    qtbot.waitUntil(lambda: wizard.currentId() == ImportWizard.SUMMARY, timeout=30_000)
    wizard.button(QWizard.WizardButton.FinishButton).click()
    browser = view.browser
    qtbot.waitUntil(lambda: browser.current_list_id() == wizard.list_id, timeout=5000)
    assert browser.model.rowCount() == wizard.result.imported + wizard.result.merged
    row = browser.lists_table.currentRow()
    assert browser.lists_table.item(row, 0).text() == "dropped list"


def test_settings_from_the_file_menu(qtbot, sqlite_store: Store) -> None:
    window, _ctx = _window(qtbot, sqlite_store)
    seen: list[SettingsDialog] = []

    def close_it() -> None:
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, SettingsDialog):
            seen.append(dialog)
            dialog.reject()

    QTimer.singleShot(100, close_it)
    window.settings_action.trigger()
    assert len(seen) == 1
    assert window.settings_action.text() == "&Settings…"


def test_screenshot_of_the_screen_in_the_window(qtbot, sqlite_store: Store) -> None:
    seed_contacts(sqlite_store, 2000)
    window, _ctx = _window(qtbot, sqlite_store)
    window.show_screen("lists")
    view = window.screens["lists"]
    view.browser.lists_table.setCurrentCell(0, 0)
    qtbot.keyClicks(view.browser.search, "hopper")
    view.browser.reload_contacts()
    SHOTS.mkdir(parents=True, exist_ok=True)
    assert window.grab().save(str(SHOTS / "lists-window.png"))


def test_workbook_sheet_is_shown_and_can_be_changed(qtbot, sqlite_store: Store) -> None:
    ctx = AppContext(sqlite_store, Background(synchronous=True))
    wizard = ImportWizard(ctx, str(REALWORLD / "csvkit-examples" / "sheets.xlsx"))
    qtbot.addWidget(wizard)
    wizard.show()
    page = wizard.file_page
    next_button = wizard.button(QWizard.WizardButton.NextButton)
    assert wizard.file_layout is not None and wizard.file_layout.sheet == "data"
    assert [page.sheet.itemText(i) for i in range(page.sheet.count())] == [
        "not this one",
        "data",
        "ʤ",
    ]
    assert "sheet “data” of 3 sheets" in page.detected.text()
    assert "Sheet 'not this one' is empty" in page.detected.text()
    assert not page.encoding.isEnabled() and next_button.isEnabled()
    page.sheet.setCurrentIndex(0)  # the empty sheet: refused, said why
    assert wizard.file_layout is None and "holds no rows" in page.error.text()
    assert not next_button.isEnabled()
    page.sheet.setCurrentIndex(1)  # and back
    assert wizard.file_layout is not None and wizard.file_layout.sheet == "data"
    assert page.error.text() == "" and next_button.isEnabled()
    assert page.preview.horizontalHeaderItem(0).text() == "text"
