"""The import wizard: file -> columns -> list -> importing -> summary.

The pages gather what the manager checks and corrects; the import itself is the importer's
(:mod:`calldesk.importing`), run in the background with its progress callback adapted to the
progress bar and its cancel flag tied to the Cancel button.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QWidget, QWizard

from calldesk import settings
from calldesk.importing import pipeline, readers
from calldesk.importing.mapping import ColumnMapping
from ui.context import AppContext
from ui.importer.file_page import FilePage
from ui.importer.mapping_page import MappingPage
from ui.importer.options_page import OptionsPage
from ui.importer.run_page import RunPage, SummaryPage
from ui.worker import Task


class ImportWizard(QWizard):
    """Import one file as a list (or an event's contacts)."""

    FILE, MAPPING, OPTIONS, RUN, SUMMARY = range(5)

    def __init__(self, ctx: AppContext, path: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle("Import a list")
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, True)
        self.setOption(QWizard.WizardOption.NoCancelButtonOnLastPage, True)
        self.file_layout: readers.FileLayout | None = None
        self.mapping_source: ColumnMapping | None = None
        self.mapping: ColumnMapping | None = None
        self.mapping_name: str | None = None
        self.choices: dict[str, Any] = {}
        self.options: pipeline.ImportOptions | None = None
        self.result: pipeline.ImportResult | None = None
        self.list_id: int | None = None
        self.task: Task | None = None

        self.file_page = FilePage(self)
        self.mapping_page = MappingPage(self)
        self.options_page = OptionsPage(self)
        self.run_page = RunPage(self)
        self.summary_page = SummaryPage(self)
        for page_id, page in enumerate(
            (self.file_page, self.mapping_page, self.options_page, self.run_page, self.summary_page)
        ):
            self.setPage(page_id, page)
        # Once the import starts there is no going back: it runs or it is cancelled whole.
        self.options_page.setCommitPage(True)
        self.setButtonText(QWizard.WizardButton.CommitButton, "&Import")
        self.resize(1000, 680)
        if path:
            self.file_page.load(path)

    def layout_changed(self) -> None:
        """The file was read again (corrections): the mapping must be checked again."""
        self.mapping = None

    # --- running ----------------------------------------------------------------------------

    def import_options(self) -> pipeline.ImportOptions:
        """The importer's options: the file as read on page 1, the mapping, this list."""
        layout = self.file_layout
        assert layout is not None and self.mapping is not None
        csv_file = layout.kind == "csv"
        return pipeline.ImportOptions(
            mapping=self.mapping,
            sheet=layout.sheet if not csv_file else None,
            encoding=layout.encoding if csv_file else None,
            delimiter=layout.delimiter if csv_file else None,
            has_header=layout.has_header,
            skip_rows=layout.skip_rows,
            actor=settings.get("rep_name") or None,
            **self.choices,
        )

    def start_import(self) -> None:
        assert self.file_layout is not None
        self.result = None
        self.options = options = self.import_options()
        store = self.ctx.store
        path = self.file_layout.path
        self.task = self.ctx.background.run(
            lambda task: pipeline.import_file(
                store, path, options, progress=task.progress, cancel=task.cancel_event
            ),
            on_done=self._import_done,
            on_error=self._import_failed,
            on_progress=self.run_page.show_progress,
        )

    def cancel_import(self) -> None:
        """Ask the running import to stop (it rolls back: nothing half-imported stays)."""
        if self.task is not None and self.result is None:
            self.task.cancel()
            self.run_page.phase.setText("Cancelling…")
            self.run_page.cancel_button.setEnabled(False)

    def _import_done(self, result: pipeline.ImportResult) -> None:
        self.task = None
        self.result = result
        self.list_id = result.list_id
        self.run_page.finished_ok()
        self.ctx.data_changed.emit("import")
        if self.currentId() == self.RUN:
            # not from inside the run page's initializePage (a synchronous runner): next turn
            QTimer.singleShot(0, self._to_summary)

    def _to_summary(self) -> None:
        if self.currentId() == self.RUN and self.result is not None:
            self.next()

    def _import_failed(self, exc: BaseException) -> None:
        self.task = None
        if isinstance(exc, pipeline.ImportCancelled):
            message = "The import was cancelled; nothing from this file was stored."
        elif isinstance(exc, pipeline.ImportRefused | readers.ReaderError | ValueError):
            message = f"Not imported: {exc}"
        else:
            message = f"The import failed ({type(exc).__name__}): {exc}. Nothing was stored."
        self.run_page.failed(message)

    def reject(self) -> None:
        self.cancel_import()
        super().reject()
