"""Starting the desktop application."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QApplication

import calldesk
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
    store = open_store(db_url)
    ctx = AppContext(store)
    window = MainWindow(ctx)
    window.show()
    try:
        return app.exec()
    finally:
        store.close()
