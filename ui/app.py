"""Starting the desktop application: ``calldesk desk`` and the double-clicked app."""

from __future__ import annotations

import os
import sys

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

import calldesk
from calldesk import paths
from calldesk.reps import use_profile_of
from calldesk.store import StoreError, open_store, resolve_url
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
    """Open the store (the remembered one when none is named) and show the main window;
    returns the application's exit code."""
    app = application()
    open_window(db_url)
    try:
        return app.exec()
    finally:
        for window in _windows:
            window.ctx.store.close()
        _windows.clear()


def open_window(db_url: str | None = None) -> MainWindow:
    """Open the store (the remembered one when none is named) in a new, shown main window.

    When Settings saves another data location the window is replaced by one on that store
    (:func:`switch_store`); the rep and campaign remembered for that store come with it.
    """
    store = open_store(db_url)
    use_profile_of(store.url)
    window = MainWindow(AppContext(store))
    window.store_chosen.connect(lambda url, old=window: switch_store(old, url))
    window.show()
    _windows.append(window)  # a window without a Python reference would be collected
    return window


def switch_store(window: MainWindow, url: str) -> MainWindow:
    """Close ``window`` and its store and open the store at ``url`` in a new window.

    A store that cannot be opened (a server gone since Settings checked it) is said in a
    message and the current window stays as it is.
    """
    try:
        replacement = open_window(url)
    except Exception as exc:  # noqa: BLE001 - told to the person, nothing is lost
        QMessageBox.warning(
            window, "Data location", f"The new data location cannot be opened: {exc}"
        )
        return window
    old_store = window.ctx.store
    window.close()
    old_store.close()
    if window in _windows:
        _windows.remove(window)
    return replacement


_windows: list[MainWindow] = []


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
    """The double-clicked app: the desk on the user's store (``CALLDESK_DB``, the data location
    chosen in Settings, or the default file).

    The first time, when the default store does not exist yet, it asks whether to start with
    the demo or an empty store, and creates it.
    """
    application()  # before any dialog
    try:
        db_url = resolve_url()  # CALLDESK_DB, the data location chosen in Settings, or the default
        if db_url == f"sqlite:///{paths.default_db_path()}":
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
