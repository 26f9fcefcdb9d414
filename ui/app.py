"""Starting the desktop application: ``calldesk desk`` and the double-clicked app."""

from __future__ import annotations

import os
import sys

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

import calldesk
from calldesk import paths
from calldesk.store import StoreError, open_store
from ui.context import AppContext
from ui.main_window import MainWindow, app_icon

#: The desktop id: the .desktop and AppStream files in packaging/ carry this name, and Wayland
#: shows the window's icon and name only when the application says the same.
DESKTOP_ID = "io.github.calldesk.Calldesk"

#: ``CALLDESK_FIRST_RUN=demo|empty`` answers the first-run question ahead (managed installs,
#: and the smoke test of the bundle, which has nobody to click).
FIRST_RUN_ENV = "CALLDESK_FIRST_RUN"

_keep: list[QApplication] = []


def application() -> QApplication:
    """The QApplication, created once with calldesk's names and icon."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("calldesk")
    app.setApplicationVersion(calldesk.__version__)
    app.setOrganizationName("calldesk")
    app.setDesktopFileName(DESKTOP_ID)
    app.setWindowIcon(app_icon())
    _keep[:] = [app]  # the application lives as long as the process, whoever created it
    return app  # type: ignore[return-value]


def run(db_url: str | None = None) -> int:
    """Open the store and show the main window; returns the application's exit code."""
    app = application()
    store = open_store(db_url)
    ctx = AppContext(store)
    window = MainWindow(ctx)
    window.show()
    try:
        return app.exec()
    finally:
        store.close()


def ask_first_run(parent: QWidget | None = None) -> str | None:
    """Ask how to start a new store: ``"demo"``, ``"empty"`` or None (the person closed it)."""
    box = QMessageBox(parent)
    box.setWindowTitle("Welcome to calldesk")
    box.setIcon(QMessageBox.Icon.Question)
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setText("calldesk has no store on this computer yet. How do you want to start?")
    box.setInformativeText(
        "The demo store holds made-up lists, reps and calls to try the desk with. "
        f"The empty store is for real work. The store is kept in {paths.data_dir()}."
    )
    demo = box.addButton("Try the demo", QMessageBox.ButtonRole.AcceptRole)
    empty = box.addButton("Start empty", QMessageBox.ButtonRole.AcceptRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(demo)
    box.exec()
    clicked = box.clickedButton()
    if clicked is demo:
        return "demo"
    if clicked is empty:
        return "empty"
    return None


def create_store(choice: str, path: str) -> None:
    """Create the store at ``path``, filled with the demo when ``choice`` is ``"demo"``."""
    from calldesk import demo

    store = open_store(path)
    try:
        if choice == "demo":
            demo.build(store)
    finally:
        store.close()


def launch() -> int:
    """The double-clicked app: the desk on the user's store (``CALLDESK_DB`` or the default).

    The first time, when the default store does not exist yet, it asks whether to start with
    the demo or an empty store, and creates it.
    """
    application()  # before any dialog
    db_url = os.environ.get("CALLDESK_DB")
    try:
        if not db_url:
            path = paths.default_db_path()
            if not path.exists():
                preset = os.environ.get(FIRST_RUN_ENV, "").strip().lower()
                choice = preset if preset in ("demo", "empty") else ask_first_run()
                if choice not in ("demo", "empty"):
                    return 0
                QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
                try:
                    create_store(choice, str(path))
                finally:
                    QApplication.restoreOverrideCursor()
            db_url = str(path)
        return run(db_url)
    except (StoreError, OSError) as exc:
        # A double-clicked app has no terminal: say it in a window.
        QMessageBox.critical(None, "calldesk cannot open its store", str(exc))
        return 1
