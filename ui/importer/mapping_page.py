"""Wizard page 2: which column holds what. Guessed, from a preset or a saved mapping; corrected
by hand and saved under a name for the next file of the same shape."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWizardPage,
)

from calldesk.importing import mapping as mappings
from calldesk.importing.mapping import ColumnMapping

if TYPE_CHECKING:
    from ui.importer.wizard import ImportWizard

CUSTOM = ""  # the combo's data for "keep as a custom field"
ERROR_STYLE = "color: #b00020;"
GUESSED = "auto"


class MappingPage(QWizardPage):
    """Each column of the file with sample values and the field it goes to."""

    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__(wizard)
        self.wiz = wizard
        self.setTitle("Columns")
        self.setSubTitle(
            "Check what each column holds. Columns left as custom fields are kept on the contact."
        )
        self._choices: dict[str, ColumnMapping] = {}
        self._filling = False

        self.source = QComboBox(self)
        self.source.currentIndexChanged.connect(lambda _i: self._source_chosen())
        self.save_name = QLineEdit(self)
        self.save_name.setPlaceholderText("Save this mapping as… (e.g. Vendor X)")
        self.save_button = QPushButton("&Save mapping", self)
        self.save_button.clicked.connect(self.save_mapping)
        self.status = QLabel("", self)
        self.status.setWordWrap(True)

        self.table = QTableWidget(0, 3, self)
        self.table.setHorizontalHeaderLabels(("Column in the file", "First values", "Goes to"))
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)

        top = QHBoxLayout()
        top.addWidget(QLabel("Mapping:", self))
        top.addWidget(self.source, 1)
        top.addSpacing(20)
        top.addWidget(self.save_name, 1)
        top.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.status)
        layout.addWidget(self.table, 1)

    # --- choices ----------------------------------------------------------------------------

    def initializePage(self) -> None:  # noqa: N802 (Qt API)
        layout = self.wiz.file_layout
        if layout is None:
            return
        store = self.wiz.ctx.store

        def load(_task: Any) -> list[ColumnMapping]:
            with store.session() as session:
                return mappings.saved_mappings(session)

        self.wiz.ctx.background.run(load, on_done=self._offer)

    def _offer(self, saved: list[ColumnMapping]) -> None:
        layout = self.wiz.file_layout
        assert layout is not None
        guessed = mappings.guess_mapping(layout.headers, layout.preview)
        self._choices = {GUESSED: guessed}
        self._filling = True
        self.source.clear()
        self.source.addItem("Guessed from the column names", GUESSED)
        for preset in mappings.list_presets():
            key = f"preset:{preset.name}"
            self._choices[key] = preset
            self.source.addItem(f"Preset: {preset.label or preset.name}", key)
        for mapping in saved:
            key = f"saved:{mapping.name}"
            self._choices[key] = mapping
            self.source.addItem(f"Saved: {mapping.name}", key)
        self._filling = False
        # a saved mapping made for a file with these columns (the vendor's next file), or one
        # that fits every column of this file, is the likeliest choice
        best = GUESSED
        matched = mappings.matching_mapping(saved, layout.headers, layout.has_header)
        if matched is not None:
            best = f"saved:{matched.name}"
        for mapping in saved if matched is None else ():
            names = mapping.column_names(layout.headers, layout.has_header)
            if names and len(mapping.bind(names)) + len(mapping.ignored(names)) == len(names):
                best = f"saved:{mapping.name}"
                break
        if best == GUESSED:
            # a preset that places more of the file's columns than the guess is the likelier
            # reading (a Zoom report: Join Time, not Registration Time, is when they came)
            names = layout.headers if layout.has_header else []

            def placed(mapping: ColumnMapping) -> int:
                return len(mapping.bind(names)) + len(mapping.ignored(names))

            fits = max(mappings.list_presets(), key=placed, default=None)
            if fits is not None and placed(fits) > max(placed(guessed), 0.8 * len(names) - 1):
                best = f"preset:{fits.name}"
        self.source.setCurrentIndex(max(0, self.source.findData(best)))
        self._source_chosen()

    def _source_chosen(self) -> None:
        if self._filling:
            return
        mapping = self._choices.get(self.source.currentData())
        if mapping is not None:
            self.apply(mapping)

    def choose(self, text: str) -> None:
        """Pick a mapping by the text the manager sees (tests and keyboard users)."""
        index = self.source.findText(text)
        if index < 0:
            raise LookupError(text)
        self.source.setCurrentIndex(index)

    # --- table ------------------------------------------------------------------------------

    def apply(self, mapping: ColumnMapping) -> None:
        """Show the file's columns with the fields ``mapping`` gives them."""
        layout = self.wiz.file_layout
        assert layout is not None
        names = mapping.column_names(layout.headers, layout.has_header)
        bound = mapping.bind(names)
        ignored = mapping.ignored(names)
        self.table.setRowCount(len(names))
        for row, name in enumerate(names):
            self.table.setItem(row, 0, QTableWidgetItem(name))
            samples = [r[row] for r in layout.preview[:4] if row < len(r) and r[row].strip()]
            self.table.setItem(row, 1, QTableWidgetItem("  ·  ".join(samples)))
            combo = QComboBox(self.table)
            combo.addItem("(keep as a custom field)", CUSTOM)
            for key, label in mappings.FIELDS.items():
                combo.addItem(label, key)
            target = "ignore" if row in ignored else bound.get(row, CUSTOM)
            combo.setCurrentIndex(max(0, combo.findData(target)))
            combo.currentIndexChanged.connect(lambda _i: self._edited())
            self.table.setCellWidget(row, 2, combo)
        self.wiz.mapping_source = mapping
        self._show_status()

    def set_field(self, column: str, field: str) -> None:
        """Send ``column`` to ``field`` (as choosing it in the row's list does)."""
        for row in range(self.table.rowCount()):
            if self.table.item(row, 0).text() == column:
                combo = self.table.cellWidget(row, 2)
                combo.setCurrentIndex(combo.findData(field))
                return
        raise LookupError(column)

    def field_of(self, column: str) -> str:
        for row in range(self.table.rowCount()):
            if self.table.item(row, 0).text() == column:
                return self.table.cellWidget(row, 2).currentData()
        raise LookupError(column)

    def _edited(self) -> None:
        self._show_status()

    def current_mapping(self) -> ColumnMapping:
        """The mapping as the table shows it now."""
        base = self.wiz.mapping_source or ColumnMapping()
        columns: dict[str, str] = {}
        for row in range(self.table.rowCount()):
            field = self.table.cellWidget(row, 2).currentData()
            if field != CUSTOM:
                columns[self.table.item(row, 0).text()] = field
        layout = self.wiz.file_layout
        headers = None
        if layout is not None and not layout.has_header:
            headers = [self.table.item(r, 0).text() for r in range(self.table.rowCount())]
        return ColumnMapping(
            columns=columns,
            name=base.name,
            has_header=base.has_header,
            delimiter=base.delimiter,
            source=base.source,
            label=base.label,
            headers=headers or base.headers,
            source_headers=[self.table.item(r, 0).text() for r in range(self.table.rowCount())],
        )

    def _show_status(self) -> None:
        mapping = self.current_mapping()
        fields = set(mapping.columns.values())
        has_phone = bool(fields & set(mappings.PHONE_FIELDS))
        has_name = bool(fields & {"first_name", "last_name", "full_name", "company"})
        custom = self.table.rowCount() - len(mapping.columns)
        text = f"{len(mapping.columns)} columns mapped, {custom} kept as custom fields."
        if not has_phone:
            text += " No phone column: nobody from this file can be called."
        if not has_name:
            text += " No name or company column."
        self.status.setStyleSheet("" if has_phone else ERROR_STYLE)
        self.status.setText(text)

    def save_mapping(self) -> None:
        """Save the mapping as shown under the name typed beside the button."""
        name = self.save_name.text().strip()
        if not name:
            self.status.setStyleSheet(ERROR_STYLE)
            self.status.setText("Type a name to save this mapping under (e.g. Vendor X).")
            return
        mapping = self.current_mapping()
        store = self.wiz.ctx.store

        def save(_task: Any) -> str:
            with store.write() as session:
                return mappings.save_mapping(session, name, mapping).name

        def done(saved: str) -> None:
            self.wiz.mapping_name = saved
            key = f"saved:{saved}"
            self._choices[key] = ColumnMapping.from_dict(mapping.to_dict(), name=saved)
            if self.source.findData(key) < 0:
                self._filling = True
                self.source.addItem(f"Saved: {saved}", key)
                self.source.setCurrentIndex(self.source.count() - 1)
                self._filling = False
            self.status.setStyleSheet("")
            self.status.setText(f"Mapping saved as “{saved}”.")

        def failed(exc: BaseException) -> None:
            self.status.setStyleSheet(ERROR_STYLE)
            self.status.setText(f"Mapping not saved: {exc}")

        self.wiz.ctx.background.run(save, on_done=done, on_error=failed)

    def validatePage(self) -> bool:  # noqa: N802 (Qt API)
        self.wiz.mapping = self.current_mapping()
        return True
