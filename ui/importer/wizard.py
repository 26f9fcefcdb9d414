"""The import wizard (being built)."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget, QWizard

from ui.context import AppContext


class ImportWizard(QWizard):
    def __init__(self, ctx: AppContext, path: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.list_id: int | None = None

    def cancel_import(self) -> None:
        pass
