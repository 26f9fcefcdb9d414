"""Wizard page 1: the file, how it was read (encoding, delimiter, sheet, header) and a preview."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWizardPage,
)

from calldesk.importing import readers

if TYPE_CHECKING:
    from ui.importer.wizard import ImportWizard

ERROR_STYLE = "color: #b00020;"
ENCODINGS = (
    ("utf-8", "UTF-8"),
    ("utf-16-le", "UTF-16 little-endian"),
    ("utf-16-be", "UTF-16 big-endian"),
    ("utf-32-le", "UTF-32 little-endian"),
    ("utf-32-be", "UTF-32 big-endian"),
    ("cp1252", "Windows-1252 (Western European)"),
    ("latin-1", "Latin-1 (ISO 8859-1)"),
)
DELIMITERS = ((",", "Comma ,"), (";", "Semicolon ;"), ("\t", "Tab"), ("|", "Pipe |"))
DELIMITER_WORDS = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}


def encoding_label(codec: str | None) -> str:
    for value, label in ENCODINGS:
        if value == codec:
            return label
    return codec or ""


class FilePage(QWizardPage):
    """Choose the file; see and correct how it is read."""

    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__(wizard)
        self.wiz = wizard
        self.setTitle("The file")
        self.setSubTitle("Check how the file was read: the preview should show one contact a row.")
        self._filling = False
        self._generation = 0
        self._last: readers.FileLayout | None = None  # last good read: corrections start here

        self.path = QLineEdit(self)
        self.path.setReadOnly(True)
        self.path.setPlaceholderText("Choose a CSV or XLSX file, or drop one on the window")
        choose = QPushButton("&Choose file…", self)
        choose.clicked.connect(self._choose)
        path_row = QHBoxLayout()
        path_row.addWidget(self.path, 1)
        path_row.addWidget(choose)

        self.encoding = QComboBox(self)
        for value, label in ENCODINGS:
            self.encoding.addItem(label, value)
        self.delimiter = QComboBox(self)
        for value, label in DELIMITERS:
            self.delimiter.addItem(label, value)
        self.sheet = QComboBox(self)
        self.has_header = QCheckBox("First row holds the column names", self)
        self.skip_rows = QSpinBox(self)
        self.skip_rows.setRange(0, 1000)
        self.skip_rows.setSuffix(" rows")
        for widget in (self.encoding, self.delimiter, self.sheet):
            widget.currentIndexChanged.connect(lambda _i: self._override())
        self.has_header.toggled.connect(lambda _c: self._override())
        self.skip_rows.valueChanged.connect(lambda _v: self._override())

        form = QFormLayout()
        form.addRow("File:", path_row)
        read_row = QHBoxLayout()
        read_row.addWidget(QLabel("Encoding:", self))
        read_row.addWidget(self.encoding, 2)
        read_row.addWidget(QLabel("Delimiter:", self))
        read_row.addWidget(self.delimiter, 1)
        read_row.addWidget(QLabel("Sheet:", self))
        read_row.addWidget(self.sheet, 1)
        form.addRow("Read as:", read_row)
        header_row = QHBoxLayout()
        header_row.addWidget(self.has_header)
        header_row.addWidget(QLabel("Skip above the header:", self))
        header_row.addWidget(self.skip_rows)
        header_row.addStretch(1)
        form.addRow("", header_row)

        self.detected = QLabel("", self)
        self.detected.setWordWrap(True)
        self.error = QLabel("", self)
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setWordWrap(True)
        self.preview = QTableWidget(0, 0, self)
        self.preview.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.preview.horizontalHeader().setDefaultSectionSize(130)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.detected)
        layout.addWidget(self.error)
        layout.addWidget(self.preview, 1)

    # --- reading ----------------------------------------------------------------------------

    def _choose(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Import a list", "", "Lists (*.csv *.txt *.tsv *.psv *.xlsx)"
        )
        if path:
            self.load(path)

    def load(self, path: str, **overrides: Any) -> None:
        """Sniff ``path`` in the background (with the user's corrections) and show it."""
        self.path.setText(path)
        self.error.setText("")
        self.detected.setText("Reading…")
        self._generation += 1
        generation = self._generation

        def sniff(_task: Any) -> readers.FileLayout:
            return readers.sniff_file(path, **overrides)

        def done(layout: readers.FileLayout) -> None:
            if generation == self._generation:
                self.show_layout(layout)

        def failed(exc: BaseException) -> None:
            if generation != self._generation:
                return
            self.wiz.file_layout = None
            if self._last is None or str(self._last.path) != path:
                self._last = None
            self.detected.setText("")
            self.error.setText(str(exc))
            self.preview.setRowCount(0)
            self.preview.setColumnCount(0)
            self.completeChanged.emit()

        self.wiz.ctx.background.run(sniff, on_done=done, on_error=failed)

    def _override(self) -> None:
        layout = self._last
        if self._filling or layout is None:
            return
        if layout.kind == "spreadsheet":
            changes: dict[str, Any] = {"sheet": self.sheet.currentText() or None}
            if changes["sheet"] != layout.sheet:
                # a new sheet has its own header row: guess again
                self.load(str(layout.path), **changes)
                return
        else:
            changes = {
                "encoding": self.encoding.currentData(),
                "delimiter": self.delimiter.currentData(),
            }
        changes["has_header"] = self.has_header.isChecked()
        changes["skip_rows"] = self.skip_rows.value()
        self.load(str(layout.path), **changes)

    def show_layout(self, layout: readers.FileLayout) -> None:
        self.wiz.file_layout = self._last = layout
        self._filling = True
        try:
            spreadsheet = layout.kind == "spreadsheet"
            self.encoding.setEnabled(not spreadsheet)
            self.delimiter.setEnabled(not spreadsheet)
            self.sheet.setEnabled(spreadsheet and len(layout.sheets) > 1)
            if not spreadsheet:
                index = self.encoding.findData(layout.encoding)
                if index < 0:
                    self.encoding.addItem(layout.encoding or "", layout.encoding)
                    index = self.encoding.count() - 1
                self.encoding.setCurrentIndex(index)
                self.delimiter.setCurrentIndex(max(0, self.delimiter.findData(layout.delimiter)))
            self.sheet.clear()
            self.sheet.addItems(layout.sheets)
            if layout.sheet:
                self.sheet.setCurrentText(layout.sheet)
            self.has_header.setChecked(layout.has_header)
            self.skip_rows.setValue(layout.skip_rows)
        finally:
            self._filling = False
        self.detected.setText(describe(layout))
        self.preview.clear()
        self.preview.setColumnCount(len(layout.headers))
        self.preview.setHorizontalHeaderLabels(layout.headers)
        self.preview.setRowCount(len(layout.preview))
        for r, row in enumerate(layout.preview):
            for c, value in enumerate(row):
                self.preview.setItem(r, c, QTableWidgetItem(value))
        self.wiz.layout_changed()
        self.completeChanged.emit()

    def isComplete(self) -> bool:  # noqa: N802 (Qt API)
        return self.wiz.file_layout is not None


def describe(layout: readers.FileLayout) -> str:
    """One line saying how the file was read, as the manager checks it."""
    name = Path(layout.path).name
    size = (
        f"{layout.size / 1_048_576:.1f} MB"
        if layout.size >= 1_048_576
        else (f"{max(1, layout.size // 1024)} KB")
    )
    if layout.kind == "spreadsheet":
        sheet = f"sheet “{layout.sheet}”"
        if len(layout.sheets) > 1:
            sheet += f" of {len(layout.sheets)} sheets"
        parts = [f"{name}: a workbook ({size}), {sheet}"]
    else:
        delimiter = DELIMITER_WORDS.get(layout.delimiter or "", repr(layout.delimiter))
        bom = " with byte-order mark" if layout.bom_length else ""
        parts = [
            f"{name}: text ({size}), encoding {encoding_label(layout.encoding)}{bom}, "
            f"delimiter {delimiter}"
        ]
    parts.append(
        f"{len(layout.headers)} columns, header on row {layout.skip_rows + 1}"
        if layout.has_header
        else f"{len(layout.headers)} columns, no header row"
    )
    text = ", ".join(parts) + "."
    if layout.notes:
        text += " " + " ".join(note[0].upper() + note[1:] + "." for note in layout.notes)
    return text
