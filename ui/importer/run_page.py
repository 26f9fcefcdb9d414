"""Wizard pages 4 and 5: the import running (progress, cancel) and its summary."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWizard,
    QWizardPage,
)

from calldesk import browse
from ui.lists.model import Column, LazyTableModel

if TYPE_CHECKING:
    from ui.importer.wizard import ImportWizard

ERROR_STYLE = "color: #b00020;"
PHASES = {
    "sniffing": "Looking at the file",
    "reading": "Reading rows, checking numbers, finding people already known",
    "storing": "Storing contacts",
    "indexing": "Placing contacts in the queue",
    "finishing": "Finishing",
    "done": "Done",
}


class RunPage(QWizardPage):
    """The import in the background: a progress bar that moves, a cancel that works."""

    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__(wizard)
        self.wiz = wizard
        self.setTitle("Importing")
        self.setSubTitle("You can keep working; the import runs in the background.")
        self.phase = QLabel("Starting…", self)
        self.bar = QProgressBar(self)
        self.bar.setRange(0, 1000)
        self.counts = QLabel("", self)
        self.error = QLabel("", self)
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setWordWrap(True)
        self.cancel_button = QPushButton("&Cancel import", self)
        self.cancel_button.clicked.connect(self.wiz.cancel_import)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.phase)
        layout.addWidget(self.bar)
        layout.addWidget(self.counts)
        layout.addWidget(self.error)
        layout.addLayout(row)
        layout.addStretch(1)
        self._started = 0.0

    def initializePage(self) -> None:  # noqa: N802 (Qt API)
        self.error.setText("")
        self.bar.setValue(0)
        self.cancel_button.setEnabled(True)
        self._started = time.monotonic()
        self.wiz.start_import()

    def show_progress(self, progress: Any) -> None:
        """One progress report of the importer: phase, rows read and stored, fraction done."""
        phase = _get(progress, "phase")
        fraction = _get(progress, "fraction")
        rows_read = _get(progress, "rows_read")
        rows_stored = _get(progress, "rows_stored")
        total = _get(progress, "total_rows") or _get(progress, "rows_total")
        if fraction is None:
            done_bytes, total_bytes = _get(progress, "bytes_read"), _get(progress, "bytes_total")
            if done_bytes is not None and total_bytes:
                fraction = done_bytes / total_bytes
            elif rows_read is not None and total:
                fraction = rows_read / total
        if phase:
            self.phase.setText(PHASES.get(str(phase), str(phase).replace("_", " ").capitalize()))
        if fraction is not None:
            self.bar.setValue(int(max(0.0, min(1.0, float(fraction))) * 1000))
        parts = []
        if rows_read is not None:
            parts.append(f"{rows_read:,} rows read")
        if rows_stored is not None:
            parts.append(f"{rows_stored:,} stored")
        elapsed = time.monotonic() - self._started
        if parts:
            parts.append(f"{elapsed:.0f} s")
        self.counts.setText(", ".join(parts))

    def finished_ok(self) -> None:
        self.bar.setValue(1000)
        self.phase.setText("Done")
        self.cancel_button.setEnabled(False)
        self.completeChanged.emit()

    def failed(self, message: str) -> None:
        self.cancel_button.setEnabled(False)
        self.phase.setText("Stopped")
        self.error.setText(message)
        self.completeChanged.emit()

    def isComplete(self) -> bool:  # noqa: N802 (Qt API)
        return self.wiz.result is not None


def _get(progress: Any, key: str) -> Any:
    if isinstance(progress, dict):
        return progress.get(key)
    return getattr(progress, key, None)


SUMMARY_FIELDS = (
    ("rows", "Rows read"),
    ("imported", "Imported (new contacts)"),
    ("merged", "Merged into contacts already known"),
    ("duplicates", "Duplicates within the file"),
    ("invalid", "Rows with an invalid number"),
    ("dnc_suppressed", "On the do-not-call list (kept, never called)"),
    ("rows_refused", "Rows refused (listed below)"),
    ("cells_refused", "Values refused in stored rows"),
)
ERROR_COLUMNS = (
    Column("Row", lambda e: e.row, align_right=True),
    Column("Column", lambda e: e.column),
    Column("Value", lambda e: e.value),
    Column("Why", lambda e: e.reason),
    Column("Who", lambda e: e.who),
)


class SummaryPage(QWizardPage):
    """What the import did, and every row it refused with the reason, exportable."""

    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__(wizard)
        self.wiz = wizard
        self.setTitle("Summary")
        self.setFinalPage(True)
        self.count_labels: dict[str, QLabel] = {}
        grid = QGridLayout()
        for i, (key, label) in enumerate(SUMMARY_FIELDS):
            value = QLabel("", self)
            value.setObjectName(f"count_{key}")
            grid.addWidget(QLabel(label + ":", self), i // 2, (i % 2) * 2)
            grid.addWidget(value, i // 2, (i % 2) * 2 + 1)
            self.count_labels[key] = value
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        self.headline = QLabel("", self)
        self.headline.setWordWrap(True)
        # refusals grouped by reason, and numbers read from another written form: what a
        # manager must see at a glance ("6,586 numbers in 001- form")
        self.reasons = QLabel("", self)
        self.reasons.setObjectName("reasons")
        self.reasons.setTextFormat(Qt.TextFormat.PlainText)
        self.reasons.setWordWrap(True)
        self.errors_title = QLabel("", self)
        self.errors_model = LazyTableModel(
            ERROR_COLUMNS, self._fetch_errors, wizard.ctx.background, parent=self
        )
        self.errors = QTableView(self)
        self.errors.setModel(self.errors_model)
        self.errors.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.errors.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.errors.verticalHeader().hide()
        self.errors.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.errors.verticalHeader().setDefaultSectionSize(22)
        self.errors.setColumnWidth(0, 60)
        self.errors.setColumnWidth(1, 150)
        self.errors.setColumnWidth(2, 220)
        self.errors.setColumnWidth(3, 300)
        self.errors.horizontalHeader().setStretchLastSection(True)
        self.export_button = QPushButton("&Export rejected rows (CSV)…", self)
        self.export_button.clicked.connect(self._choose_export)
        self.export_status = QLabel("", self)
        export_row = QHBoxLayout()
        export_row.addWidget(self.errors_title, 1)
        export_row.addWidget(self.export_status)
        export_row.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.headline)
        layout.addLayout(grid)
        layout.addWidget(self.reasons)
        layout.addLayout(export_row)
        layout.addWidget(self.errors, 1)

    def _fetch_errors(self, ids: list[int]) -> dict[int, Any]:
        with self.wiz.ctx.store.session() as session:
            return browse.import_error_rows(session, ids)

    def initializePage(self) -> None:  # noqa: N802 (Qt API)
        result = self.wiz.result
        assert result is not None and self.wiz.options is not None
        for key, label in self.count_labels.items():
            label.setText(f"{int(getattr(result, key) or 0):,}")
        name = self.wiz.options.list_name
        if result.already_imported:
            text = f"This file was imported before as “{name}”: nothing new was added."
        else:
            text = (
                f"“{name}” is imported in {result.seconds:.1f} s: {result.imported:,} new "
                f"contacts, {result.merged:,} merged into people already known. "
                "It is callable now."
            )
        notes = list(result.notes)
        if result.shared_numbers:
            notes.append(f"{result.shared_numbers:,} numbers are shared by several people")
        if result.possible_duplicates:
            notes.append(f"{result.possible_duplicates:,} possible duplicates to review")
        if notes:
            text += " " + "; ".join(n[0].upper() + n[1:] for n in notes) + "."
        self.headline.setText(text)
        self.reasons.setText(reason_lines(result))
        self.reasons.setVisible(bool(self.reasons.text()))
        run_id = result.run_id
        store = self.wiz.ctx.store

        def load(_task: Any) -> Any:
            with store.session() as session:
                return browse.import_error_ids(session, run_id)

        def show(ids: Any) -> None:
            self.errors_model.set_ids(ids)
            self.errors_title.setText(
                f"{len(ids):,} rejected or questionable rows" if ids else "No rows were rejected."
            )
            self.export_button.setEnabled(bool(ids))

        if run_id is not None:
            self.wiz.ctx.background.run(load, on_done=show)
        self.wiz.setButtonText(QWizard.WizardButton.FinishButton, "&Done")

    def _choose_export(self) -> None:
        name = f"{self.wiz.options.list_name if self.wiz.options else 'import'} - rejected rows.csv"
        path, _ = QFileDialog.getSaveFileName(self, "Export rejected rows", name, "CSV (*.csv)")
        if path:
            self.export(path)

    def export(self, path: str) -> None:
        """Write the rejected rows to ``path`` as CSV, in the background."""
        run_id = self.wiz.result.run_id if self.wiz.result else None
        store = self.wiz.ctx.store

        def write(_task: Any) -> int:
            with store.session() as session:
                return browse.write_import_errors_csv(session, run_id, path)

        def done(count: int) -> None:
            self.export_status.setStyleSheet("")
            self.export_status.setText(f"{count:,} rows written.")

        def failed(exc: BaseException) -> None:
            self.export_status.setStyleSheet(ERROR_STYLE)
            self.export_status.setText(f"Not exported: {exc}")

        self.wiz.ctx.background.run(write, on_done=done, on_error=failed)


def reason_lines(result: Any) -> str:
    """Refusals grouped by reason, most first, then numbers read from another written form."""
    lines = []
    refused = getattr(result, "refused_by_reason", None) or {}
    for reason, count in sorted(refused.items(), key=lambda kv: (-kv[1], kv[0])):
        lines.append(f"{count:,} refused: {reason}")
    read_as = getattr(result, "numbers_read_as", None) or {}
    for how, count in sorted(read_as.items(), key=lambda kv: (-kv[1], kv[0])):
        lines.append(f"{count:,} numbers written with {how}: read as +{how.split()[-1]}")
    mismatched = getattr(result, "region_mismatches", 0) or 0
    if mismatched:
        lines.append(
            f"{mismatched:,} contacts have a number of another country than their Country "
            "column: that country's calling law applies too"
        )
    business = getattr(result, "business_lines", 0) or 0
    if business:
        lines.append(f"{business:,} numbers marked as business lines by the file")
    return "\n".join(lines)
