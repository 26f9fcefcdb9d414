"""The "Lists & campaigns" screen: lists browser, campaigns and the do-not-call list.

It also owns the import wizard's entry point: File > Import and a file dropped on the window
emit ``ctx.import_file(path)``, and this screen opens the wizard on it.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QFileDialog,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ui.context import AppContext
from ui.lists.campaigns import CampaignsPage
from ui.lists.contacts import ContactsBrowser
from ui.lists.dnc import DncPage


class ListsView(QWidget):
    """Lists, campaigns and DNC for the marketing manager."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.wizard = None
        self.import_button = QPushButton("&Import a list or event…", self)
        self.import_button.clicked.connect(self._choose_file)
        self.tabs = QTabWidget(self)
        self.browser = ContactsBrowser(ctx, self.tabs)
        self.campaigns = CampaignsPage(ctx, self.tabs)
        self.dnc = DncPage(ctx, self.tabs)
        self.tabs.addTab(self.browser, "Lists")
        self.tabs.addTab(self.campaigns, "Campaigns")
        self.tabs.addTab(self.dnc, "Do not call")
        self.tabs.setCornerWidget(self.import_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.tabs)
        ctx.import_file.connect(self.open_import_wizard)

    def _choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Import a list", "", "Lists (*.csv *.txt *.tsv *.psv *.xlsx)"
        )
        if path:
            self.open_import_wizard(path)

    def open_import_wizard(self, path: str = "") -> None:
        """Open the import wizard on ``path`` (the main window also asks for this)."""
        from ui.importer.wizard import ImportWizard

        self.ctx.show_screen.emit("lists")
        self.wizard = ImportWizard(self.ctx, path, self)
        self.wizard.finished.connect(self._wizard_closed)
        self.wizard.open()

    def _wizard_closed(self, _result: int) -> None:
        wizard = self.wizard
        if wizard is not None and wizard.list_id is not None:
            self.tabs.setCurrentWidget(self.browser)
            self.browser.show_list(wizard.list_id)

    def shutdown(self) -> None:
        if self.wizard is not None:
            self.wizard.cancel_import()
