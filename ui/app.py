"""Starting the desktop application."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QApplication

import calldesk
from calldesk.reps import use_profile_of
from calldesk.store import open_store
from ui.context import AppContext
from ui.main_window import MainWindow, app_icon


def run(db_url: str | None = None) -> int:
    """Open the store and show the main window; returns the application's exit code."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("calldesk")
    app.setApplicationVersion(calldesk.__version__)
    app.setOrganizationName("calldesk")
    app.setDesktopFileName("calldesk")
    app.setWindowIcon(app_icon())
    open_window(db_url)
    try:
        return app.exec()
    finally:
        for window in _windows:
            window.ctx.store.close()


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
        from PySide6.QtWidgets import QMessageBox

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
