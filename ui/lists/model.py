"""A table model over any number of rows that keeps only their ids and fetches rows in pages.

The ids come from a core lookup (``browse.contact_ids``: 8 bytes a row); the rows of a page are
fetched in the background the first time a view asks for one of them, and only the most
recently used pages are kept. A million contacts scroll smoothly because a view only ever asks
for the few dozen rows it shows.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from ui.worker import Background

Index = QModelIndex | QPersistentModelIndex

ID_ROLE = Qt.ItemDataRole.UserRole + 1
ROW_ROLE = Qt.ItemDataRole.UserRole + 2


@dataclass(frozen=True)
class Column:
    """One column: its header and how to read its text from a row."""

    header: str
    text: Callable[[Any], Any]
    align_right: bool = False


class LazyTableModel(QAbstractTableModel):
    """Rows identified by ids; each page of rows is fetched once, when first shown."""

    def __init__(
        self,
        columns: Sequence[Column],
        fetch_rows: Callable[[list[int]], dict[int, Any]],
        background: Background,
        *,
        page_size: int = 200,
        max_pages: int = 40,
        parent: Any = None,
    ) -> None:
        super().__init__(parent)
        self.columns = list(columns)
        self._fetch_rows = fetch_rows
        self._background = background
        self.page_size = page_size
        self.max_pages = max_pages
        self._ids: Sequence[int] = ()
        self._pages: OrderedDict[int, dict[int, Any]] = OrderedDict()
        self._pending: set[int] = set()
        self._generation = 0
        self._in_data = False
        self.fetches = 0  # pages fetched so far (tests and the status line read it)

    # --- ids --------------------------------------------------------------------------------

    def set_ids(self, ids: Sequence[int]) -> None:
        """Show these rows, in this order; every cached page is dropped."""
        self.beginResetModel()
        self._generation += 1
        self._ids = ids
        self._pages.clear()
        self._pending.clear()
        self.endResetModel()

    def refresh(self) -> None:
        """Fetch the shown rows again (the rows changed, the ids did not)."""
        self._generation += 1
        self._pages.clear()
        self._pending.clear()
        if self._ids:
            self.dataChanged.emit(
                self.index(0, 0), self.index(len(self._ids) - 1, len(self.columns) - 1)
            )

    def id_at(self, row: int) -> int | None:
        if 0 <= row < len(self._ids):
            return int(self._ids[row])
        return None

    def row_of(self, row_id: int) -> int | None:
        """The row showing ``row_id`` if it is shown (a linear scan: call it rarely)."""
        for row, value in enumerate(self._ids):
            if value == row_id:
                return row
        return None

    def cached_pages(self) -> int:
        return len(self._pages)

    def row_at(self, row: int) -> Any | None:
        """The fetched row at ``row``, or ``None`` while its page is on its way."""
        if not 0 <= row < len(self._ids):
            return None
        page_no = row // self.page_size
        page = self._pages.get(page_no)
        if page is None:
            self._request(page_no)
            page = self._pages.get(page_no)  # a synchronous runner has filled it already
            if page is None:
                return None
        else:
            self._pages.move_to_end(page_no)
        return page.get(int(self._ids[row]))

    # --- fetching ---------------------------------------------------------------------------

    def _request(self, page_no: int) -> None:
        if page_no in self._pending:
            return
        self._pending.add(page_no)
        start = page_no * self.page_size
        ids = [int(i) for i in self._ids[start : start + self.page_size]]
        generation = self._generation
        self._background.run(
            lambda _task: self._fetch_rows(ids),
            on_done=lambda rows: self._page_arrived(generation, page_no, rows),
            on_error=lambda _exc: self._pending.discard(page_no),
        )

    def _page_arrived(self, generation: int, page_no: int, rows: dict[int, Any]) -> None:
        if generation != self._generation:
            return  # the ids changed while this page was on its way
        self._pending.discard(page_no)
        self.fetches += 1
        self._pages[page_no] = rows
        while len(self._pages) > self.max_pages:
            self._pages.popitem(last=False)
        if self._in_data:
            return  # fetched inline while answering data(): the caller gets it directly
        first = page_no * self.page_size
        last = min(first + self.page_size, len(self._ids)) - 1
        if last >= first:
            self.dataChanged.emit(self.index(first, 0), self.index(last, len(self.columns) - 1))

    # --- Qt model ---------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802 (Qt API)
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802 (Qt API)
        return 0 if parent.isValid() else len(self.columns)

    def headerData(  # noqa: N802 (Qt API)
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.columns):
            return self.columns[section].header
        if orientation == Qt.Orientation.Vertical:
            return str(section + 1)
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if role == ID_ROLE:
            return self.id_at(index.row())
        if role not in (
            Qt.ItemDataRole.DisplayRole,
            Qt.ItemDataRole.ToolTipRole,
            Qt.ItemDataRole.TextAlignmentRole,
            ROW_ROLE,
        ):
            return None
        column = self.columns[index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if column.align_right:
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            return None
        self._in_data = True
        try:
            row = self.row_at(index.row())
        finally:
            self._in_data = False
        if role == ROW_ROLE:
            return row
        if row is None:
            return "…" if index.column() == 0 else None
        value = column.text(row)
        return None if value is None else str(value)
