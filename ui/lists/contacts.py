"""The lists browser: imported lists on the left, their contacts (lazy, searchable) on the right."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QItemSelectionModel, Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
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

from calldesk import browse, settings
from ui.context import AppContext
from ui.lists.model import Column, LazyTableModel

CONTACT_COLUMNS = (
    Column("Name", lambda r: r.name),
    Column("Company", lambda r: r.company),
    Column("Title", lambda r: r.title),
    Column(
        "Phone",
        lambda r: r.phone + (f"  (+{r.phones - 1})" if r.phones > 1 else "") if r.phone else None,
    ),
    Column("Email", lambda r: r.email),
    Column("State", lambda r: r.state),
    Column("Stage", lambda r: r.stage),
    Column("Grade", lambda r: r.grade),
    Column("DNC", lambda r: "DNC" if r.dnc else ""),
    Column("Tries", lambda r: r.attempts, align_right=True),
)
LIST_HEADERS = ("List", "Source", "Contacts", "Cost")
PHONE_HEADERS = ("Number", "Label", "Type", "Time zones", "Status")
SEARCH_DELAY_MS = 250


def _money(value: Any) -> str:
    return "" if value is None else f"{value:,.2f}"


class ContactsBrowser(QWidget):
    """Pick a list (or every contact), search it, open a contact on the desk."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._search_generation = 0
        self._list_ids: list[int | None] = []
        self._wanted_list: int | None = None

        self.lists_table = QTableWidget(0, len(LIST_HEADERS), self)
        self.lists_table.setHorizontalHeaderLabels(LIST_HEADERS)
        self.lists_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.lists_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.lists_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.lists_table.verticalHeader().hide()
        self.lists_table.setWordWrap(False)
        header = self.lists_table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col in range(1, len(LIST_HEADERS)):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        self.lists_table.itemSelectionChanged.connect(self._list_chosen)

        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Search by name, company, email or any format of a number")
        self.search.setClearButtonEnabled(True)
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.reload_contacts)
        self.search.textChanged.connect(lambda _text: self._search_timer.start())
        self.search.returnPressed.connect(self.reload_contacts)
        self.count_label = QLabel("", self)
        self.count_label.setMinimumWidth(120)
        self.open_button = QPushButton("&Open contact", self)
        self.open_button.setEnabled(False)
        self.open_button.clicked.connect(self.open_selected)

        self.model = LazyTableModel(CONTACT_COLUMNS, self._fetch_rows, ctx.background, parent=self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setDefaultSectionSize(24)
        self.table.verticalHeader().hide()
        # Fixed row heights and widths: the view never measures a million rows.
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        for col, width in enumerate((130, 125, 105, 125, 135, 45, 55, 45, 40, 45)):
            self.table.setColumnWidth(col, width)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.doubleClicked.connect(lambda index: self.open_row(index.row()))
        self.table.activated.connect(lambda index: self.open_row(index.row()))
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._selection_changed())
        self.phones_title = QLabel("", self)
        self.phones = QTableWidget(0, len(PHONE_HEADERS), self)
        self.phones.setHorizontalHeaderLabels(PHONE_HEADERS)
        self.phones.verticalHeader().hide()
        self.phones.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.phones.horizontalHeader().setStretchLastSection(True)
        for col, width in enumerate((190, 80, 160, 260)):
            self.phones.setColumnWidth(col, width)
        self.phones.setMaximumHeight(120)
        self.phones.setWordWrap(False)

        left = QWidget(self)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(QLabel("<b>Lists</b>", left))
        left_layout.addWidget(self.lists_table)

        right = QWidget(self)
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        bar = QHBoxLayout()
        bar.addWidget(self.search, 1)
        bar.addWidget(self.count_label)
        bar.addWidget(self.open_button)
        right_layout.addLayout(bar)
        right_layout.addWidget(self.table, 1)
        right_layout.addWidget(self.phones_title)
        right_layout.addWidget(self.phones)

        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([370, 910])
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)

        ctx.data_changed.connect(self._data_changed)
        self.reload_lists()

    # --- lists ------------------------------------------------------------------------------

    def reload_lists(self) -> None:
        store = self.ctx.store

        def load(_task: Any) -> list[browse.ListSummary]:
            with store.session() as session:
                return browse.lists(session)

        self.ctx.background.run(load, on_done=self._show_lists)

    def _show_lists(self, summaries: list[browse.ListSummary]) -> None:
        chosen = self._wanted_list if self._wanted_list is not None else self.current_list_id()
        self._wanted_list = None
        self.lists_table.blockSignals(True)
        self.lists_table.setRowCount(len(summaries) + 1)
        self._list_ids = [None] + [s.id for s in summaries]
        all_row = ("All contacts", "", "", "")
        rows = [all_row] + [
            (
                s.name + (f" — {s.event_name}" if s.event_name else ""),
                s.source_kind.replace("_", " "),
                f"{s.contacts:,}",
                _money(s.cost),
            )
            for s in summaries
        ]
        for r, values in enumerate(rows):
            for c, value in enumerate(values):
                item = QTableWidgetItem(value)
                if c >= 2:
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                self.lists_table.setItem(r, c, item)
        self.lists_table.blockSignals(False)
        row = self._list_ids.index(chosen) if chosen in self._list_ids else 0
        self.lists_table.selectionModel().select(
            self.lists_table.model().index(row, 0),
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        self.lists_table.setCurrentCell(row, 0)

    def current_list_id(self) -> int | None:
        row = self.lists_table.currentRow()
        return self._list_ids[row] if 0 <= row < len(self._list_ids) else None

    def show_list(self, list_id: int) -> None:
        """Show this list's contacts (after an import: once the lists are reloaded)."""
        if list_id in self._list_ids:
            self.lists_table.setCurrentCell(self._list_ids.index(list_id), 0)
        else:
            self._wanted_list = list_id
            self.reload_lists()

    def _list_chosen(self) -> None:
        self.reload_contacts()

    # --- contacts ---------------------------------------------------------------------------

    def _fetch_rows(self, ids: list[int]) -> dict[int, browse.ContactRow]:
        with self.ctx.store.session() as session:
            return browse.contact_rows(session, ids)

    def reload_contacts(self) -> None:
        self._search_timer.stop()
        self._search_generation += 1
        generation = self._search_generation
        list_id = self.current_list_id()
        query = self.search.text()
        country = settings.get("default_country") or "US"
        store = self.ctx.store
        self.count_label.setText("Searching…")

        def load(_task: Any) -> Any:
            with store.session() as session:
                return browse.contact_ids(
                    session, list_id=list_id, query=query, default_country=country
                )

        def done(ids: Any) -> None:
            if generation != self._search_generation:
                return  # a newer search is on its way
            self.model.set_ids(ids)
            noun = "contact" if len(ids) == 1 else "contacts"
            self.count_label.setText(f"{len(ids):,} {noun}")
            self.open_button.setEnabled(False)

        self.ctx.background.run(load, on_done=done)

    def selected_contact_id(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.id_at(rows[0].row()) if rows else None

    def _selection_changed(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        row_index = rows[0].row() if rows else -1
        contact_id = self.model.id_at(row_index)
        self.open_button.setEnabled(contact_id is not None)
        if contact_id is None:
            self.phones_title.setText("")
            self.phones.setRowCount(0)
            return
        store = self.ctx.store

        def load(_task: Any) -> list[browse.PhoneRow]:
            with store.session() as session:
                return browse.contact_phones(session, contact_id)

        def show(phones: list[browse.PhoneRow]) -> None:
            if self.selected_contact_id() != contact_id:
                return
            row = self.model.row_at(row_index)
            name = row.name if row is not None and row.id == contact_id else "this contact"
            self.phones_title.setText(f"Numbers of {name}")
            self.phones.setRowCount(len(phones))
            for r, phone in enumerate(phones):
                status = (
                    "DNC"
                    if phone.dnc
                    else "valid"
                    if phone.valid
                    else (f"invalid: {phone.invalid_reason or 'not a number'}")
                )
                if phone.shared:
                    status += ", shared with others"
                values = (
                    phone.display,
                    phone.label or "",
                    (phone.number_type or "").replace("_", " ").lower(),
                    ", ".join(phone.time_zones),
                    status,
                )
                for c, value in enumerate(values):
                    self.phones.setItem(r, c, QTableWidgetItem(value))

        self.ctx.background.run(load, on_done=show)

    def open_row(self, row: int) -> None:
        contact_id = self.model.id_at(row)
        if contact_id is not None:
            self.ctx.open_contact.emit(contact_id)

    def open_selected(self) -> None:
        contact_id = self.selected_contact_id()
        if contact_id is not None:
            self.ctx.open_contact.emit(contact_id)

    def _data_changed(self, what: str) -> None:
        if what in ("lists", "import", "all"):
            self.reload_lists()
        elif what in ("contacts", "dnc"):
            self.model.refresh()
