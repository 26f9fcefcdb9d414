"""The do-not-call list: search it, add a number, remove one (who and why, audited), import a
registry file. The rules are :mod:`calldesk.dnc`'s; this page gathers input and shows results."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from calldesk import browse, dnc, settings
from ui.context import AppContext
from ui.lists.model import Column, LazyTableModel

ERROR_STYLE = "color: #b00020;"
DNC_COLUMNS = (
    Column("Number", lambda e: e.display),
    Column("Source", lambda e: e.source.replace("_", " ")),
    Column("Reason", lambda e: e.reason),
    Column("Added by", lambda e: e.added_by),
    Column("Added", lambda e: e.added_at.strftime("%Y-%m-%d %H:%M UTC")),
)
AUDIT_HEADERS = ("When (UTC)", "Who", "What", "Number or file", "Why")
SOURCE_LABELS = {
    None: "Detect (FTC flat file, else a plain list)",
    "us_national": "US National DNC Registry",
    "ca_dncl": "Canada National DNCL",
    "uk_tps": "UK TPS",
    "uk_ctps": "UK CTPS",
    "file": "Other list (one number a line)",
}


def _country() -> str:
    return settings.get("default_country") or "US"


class DncNumberDialog(QDialog):
    """Add a number, or remove one: who does it and why (a removal must say why)."""

    def __init__(
        self, ctx: AppContext, removing: bool, number: str = "", parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.removing = removing
        self.done_result: Any = None
        self.setWindowTitle("Remove from the DNC list" if removing else "Add to the DNC list")
        self.number = QLineEdit(number, self)
        self.number.setPlaceholderText("Any format, e.g. (212) 555-0147 or +44 20 7946 0958")
        self.who = QLineEdit(settings.get("rep_name") or "", self)
        self.who.setPlaceholderText("Your name (kept in the audit log)")
        self.why = QLineEdit(self)
        self.why.setPlaceholderText(
            "e.g. registry entry was a wrong number, customer consent on file"
            if removing
            else "e.g. asked not to be called again"
        )
        form = QFormLayout()
        form.addRow("Number:", self.number)
        form.addRow("Who:", self.who)
        form.addRow("Why:", self.why)
        note = QLabel(
            "Removing a number is written to the audit log with your name and reason; its "
            "contacts return to the queue if nothing else keeps them out."
            if removing
            else "The number leaves every rep's queue at once and is never exported for calling.",
            self,
        )
        note.setWordWrap(True)
        self.error = QLabel("", self)
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(
            "&Remove" if removing else "&Add"
        )
        self.buttons.accepted.connect(self.apply)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.resize(520, 220)

    def apply(self) -> None:
        number, who, why = self.number.text().strip(), self.who.text().strip(), self.why.text()
        if not number:
            self.error.setText("Type the number.")
            return
        if self.removing and not who:
            self.error.setText("Say who is removing this number: it goes in the audit log.")
            return
        if self.removing and not why.strip():
            self.error.setText("Say why this number may be called again: it goes in the audit log.")
            return
        store, country, removing = self.ctx.store, _country(), self.removing

        def write(_task: Any) -> Any:
            with store.write() as session:
                if removing:
                    return dnc.remove_number(
                        session, number, reason=why, country=country, actor=who
                    )
                entry, marked = dnc.add_number(
                    session, number, country=country, reason=why.strip() or None, actor=who or None
                )
                return {"e164": entry.e164, "contacts_marked": marked}

        def done(result: Any) -> None:
            self.buttons.setEnabled(True)
            self.done_result = result
            self.ctx.data_changed.emit("dnc")
            self.accept()

        def failed(exc: BaseException) -> None:
            self.buttons.setEnabled(True)
            self.error.setText(str(exc) if isinstance(exc, dnc.DncError) else repr(exc))

        self.buttons.setEnabled(False)
        self.ctx.background.run(write, on_done=done, on_error=failed)


class DncPage(QWidget):
    """Every number on the DNC list (lazy), the latest changes, and the actions on it."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.dialog: DncNumberDialog | None = None
        self._generation = 0

        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Find a number (any format or a few digits)")
        self.search.setClearButtonEnabled(True)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(250)
        self._timer.timeout.connect(self.reload)
        self.search.textChanged.connect(lambda _t: self._timer.start())
        self.search.returnPressed.connect(self.reload)
        self.count_label = QLabel("", self)
        self.count_label.setMinimumWidth(120)
        self.add_button = QPushButton("&Add number…", self)
        self.add_button.clicked.connect(lambda: self.open_dialog(removing=False))
        self.remove_button = QPushButton("&Remove…", self)
        self.remove_button.clicked.connect(lambda: self.open_dialog(removing=True))
        self.import_source = QComboBox(self)
        for key, label in SOURCE_LABELS.items():
            self.import_source.addItem(label, key)
        self.import_button = QPushButton("&Import file…", self)
        self.import_button.clicked.connect(self._choose_file)
        self.status = QLabel("", self)
        self.status.setWordWrap(True)

        self.model = LazyTableModel(DNC_COLUMNS, self._fetch, ctx.background, parent=self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(24)
        for col, width in enumerate((170, 190, 330, 150)):
            self.table.setColumnWidth(col, width)
        self.table.horizontalHeader().setStretchLastSection(True)

        self.audit = QTableWidget(0, len(AUDIT_HEADERS), self)
        self.audit.setHorizontalHeaderLabels(AUDIT_HEADERS)
        self.audit.verticalHeader().hide()
        self.audit.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.audit.horizontalHeader().setStretchLastSection(True)
        for col, width in enumerate((150, 140, 90, 300)):
            self.audit.setColumnWidth(col, width)

        bar = QHBoxLayout()
        bar.addWidget(self.search, 1)
        bar.addWidget(self.count_label)
        bar.addWidget(self.add_button)
        bar.addWidget(self.remove_button)
        bar.addSpacing(16)
        bar.addWidget(self.import_source)
        bar.addWidget(self.import_button)
        lower = QWidget(self)
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        lower_layout.addWidget(QLabel("<b>Recent changes</b> (audit log)", lower))
        lower_layout.addWidget(self.audit)
        splitter = QSplitter(self)
        splitter.setOrientation(splitter.orientation().Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(lower)
        splitter.setSizes([480, 220])
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.status)
        layout.addWidget(splitter, 1)
        ctx.data_changed.connect(self._data_changed)
        self.reload()

    # --- data -------------------------------------------------------------------------------

    def _fetch(self, ids: list[int]) -> dict[int, browse.DncRow]:
        with self.ctx.store.session() as session:
            return browse.dnc_rows(session, ids)

    def reload(self) -> None:
        self._timer.stop()
        self._generation += 1
        generation = self._generation
        query, country, store = self.search.text(), _country(), self.ctx.store

        def load(_task: Any) -> tuple[Any, list[browse.AuditRow]]:
            with store.session() as session:
                ids = browse.dnc_ids(session, query=query, default_country=country)
                return ids, browse.audit_entries(session, action_prefix="dnc.", limit=100)

        def done(found: tuple[Any, list[browse.AuditRow]]) -> None:
            if generation != self._generation:
                return
            ids, audit = found
            self.model.set_ids(ids)
            count = len(ids)
            self.count_label.setText(
                "no numbers" if not count else "1 number" if count == 1 else f"{count:,} numbers"
            )
            self._show_audit(audit)

        self.ctx.background.run(load, on_done=done)

    def _show_audit(self, rows: list[browse.AuditRow]) -> None:
        self.audit.setRowCount(len(rows))
        for r, entry in enumerate(rows):
            detail = entry.detail or {}
            values = (
                entry.at.strftime("%Y-%m-%d %H:%M"),
                entry.actor or "",
                entry.action.removeprefix("dnc.").replace("_", " "),
                entry.entity_id if entry.entity == "dnc_entry" else str(detail.get("file") or ""),
                str(detail.get("reason") or "")
                if entry.entity == "dnc_entry"
                else f"{detail.get('numbers', 0):,} numbers ({detail.get('source', '')})",
            )
            for c, value in enumerate(values):
                self.audit.setItem(r, c, QTableWidgetItem(value))

    def selected_number(self) -> str:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return ""
        row = self.model.row_at(rows[0].row())
        return row.e164 if row is not None else ""

    # --- actions ----------------------------------------------------------------------------

    def open_dialog(self, removing: bool) -> DncNumberDialog:
        number = self.selected_number() if removing else ""
        self.dialog = DncNumberDialog(self.ctx, removing, number, self)
        self.dialog.accepted.connect(self._dialog_done)
        self.dialog.open()
        return self.dialog

    def _dialog_done(self) -> None:
        dialog = self.dialog
        if dialog is None or dialog.done_result is None:
            return
        result = dialog.done_result
        if dialog.removing:
            self.status.setText(
                f"{result['e164']} removed from the DNC list; "
                f"{result['reopened']} contacts back in the queue."
            )
        else:
            self.status.setText(
                f"{result['e164']} added to the DNC list; "
                f"{result['contacts_marked']} contacts taken out of the queue."
            )

    def _choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Import a DNC file", "", "DNC files (*.txt *.csv);;All files (*)"
        )
        if path:
            self.import_file(path)

    def import_file(self, path: str) -> None:
        """Load a registry or plain DNC file in the background."""
        store, country = self.ctx.store, _country()
        source = self.import_source.currentData()
        actor = settings.get("rep_name") or None
        self.import_button.setEnabled(False)
        self.status.setStyleSheet("")
        self.status.setText(f"Importing {Path(path).name}…")

        def load(task: Any) -> dnc.DncFileResult:
            return dnc.import_dnc_file(
                store, path, source=source, country=country, actor=actor, progress=task.progress
            )

        def progress(lines: Any) -> None:
            if isinstance(lines, int):
                self.status.setText(f"Importing {Path(path).name}: {lines:,} numbers read…")

        def done(result: dnc.DncFileResult) -> None:
            self.import_button.setEnabled(True)
            text = (
                f"{Path(path).name}: {result.numbers:,} numbers ({result.added:,} new) from "
                f"{SOURCE_LABELS.get(result.source, result.source)}, "
                f"{result.contacts_marked:,} contacts taken out of the queue."
            )
            if result.invalid:
                text += f" {len(result.invalid):,} lines were not phone numbers."
            self.status.setText(text)
            self.ctx.data_changed.emit("dnc")

        def failed(exc: BaseException) -> None:
            self.import_button.setEnabled(True)
            self.status.setStyleSheet(ERROR_STYLE)
            self.status.setText(f"Not imported: {exc}")

        self.ctx.background.run(load, on_done=done, on_error=failed, on_progress=progress)

    def _data_changed(self, what: str) -> None:
        if what in ("dnc", "all"):
            self.reload()
