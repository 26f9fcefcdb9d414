"""A Qt table model over one report table (the core's :class:`calldesk.reports.Table`).

Report tables are small (a row per list, rep, hour or forgotten item, capped), so the model
holds the rows it was given. Text comes from the core's formatter, so the screen shows what
the command line prints; sorting uses the raw values.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from calldesk.reports import Table
from calldesk.reports.text import format_value

Index = QModelIndex | QPersistentModelIndex

SORT_ROLE = Qt.ItemDataRole.UserRole + 1
ROW_ROLE = Qt.ItemDataRole.UserRole + 2
FLAG_BRUSH = QBrush(QColor(255, 224, 204))


class ReportTableModel(QAbstractTableModel):
    """Rows of a report table; rows whose ``flag`` is set are shaded."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.columns: list[tuple[str, str]] = []
        self.rows: list[dict[str, Any]] = []

    def set_table(self, table: Table | None) -> None:
        self.beginResetModel()
        self.columns = list(table.columns) if table else []
        self.rows = list(table.rows) if table else []
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802 (Qt API)
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802 (Qt API)
        return 0 if parent.isValid() else len(self.columns)

    def headerData(  # noqa: N802 (Qt API)
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.columns[section][1] if 0 <= section < len(self.columns) else None
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        key = self.columns[index.column()][0]
        value = row.get(key)
        if role == Qt.ItemDataRole.DisplayRole:
            return format_value(key, value)
        if role == SORT_ROLE:
            return _sortable(value)
        if role == ROW_ROLE:
            return row
        if role == Qt.ItemDataRole.TextAlignmentRole and isinstance(value, int | float | Decimal):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.BackgroundRole and row.get("flag"):
            return FLAG_BRUSH
        if role == Qt.ItemDataRole.ToolTipRole and key == "flag" and value:
            return f"{row.get('rep', '')}: {value}"
        if role == Qt.ItemDataRole.ToolTipRole and key == "name" and value:
            return str(value)  # a long name may be cut in its column
        return None


def _sortable(value: Any) -> Any:
    # One type per column for QSortFilterProxyModel: numbers as float, the rest as text.
    if value is None:
        return float("-inf")
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float | Decimal):
        return float(value)
    if isinstance(value, dt.datetime):
        return value.timestamp()
    return str(value).casefold()
