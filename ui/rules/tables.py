"""Small read-only tables shared by the Rules and sync screens (plain text only)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

WARN_BRUSH = QBrush(QColor("#fde2e1"))
ERROR_STYLE = "color: #b00020;"
WARNING_STYLE = (
    "background: #fff4e5; border: 1px solid #e0a100; border-radius: 4px; padding: 6px;"
    " color: #5c3c00;"
)


def plain_label(text: str = "", parent: QWidget | None = None, *, wrap: bool = True) -> QLabel:
    """A label that never interprets its text as rich text."""
    label = QLabel(parent)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(wrap)
    label.setText(text)
    return label


def read_only_table(headers: Sequence[str], parent: QWidget | None = None) -> QTableWidget:
    table = QTableWidget(0, len(headers), parent)
    table.setHorizontalHeaderLabels(list(headers))
    table.verticalHeader().hide()
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setWordWrap(True)
    table.setAlternatingRowColors(True)
    table.horizontalHeader().setStretchLastSection(True)
    return table


def fill(
    table: QTableWidget,
    rows: Sequence[Sequence[Any]],
    *,
    data: Sequence[Any] | None = None,
    warn: Sequence[bool] | None = None,
    resize_rows: bool = True,
) -> None:
    """Replace the rows (each cell shown as plain text); ``data`` rides on column 0.

    With ``resize_rows`` rows grow to show wrapped text; otherwise a long cell is cut short and
    shows all of itself as a tooltip.
    """
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            text = "" if value is None else str(value)
            item = QTableWidgetItem(text)
            if not resize_rows and len(text) > 40:
                item.setToolTip(text)
            if c == 0 and data is not None:
                item.setData(Qt.ItemDataRole.UserRole, data[r])
            if warn is not None and warn[r]:
                item.setBackground(WARN_BRUSH)
            table.setItem(r, c, item)
    if resize_rows:
        table.resizeRowsToContents()


def fit_columns(table: QTableWidget, widths: Sequence[int]) -> None:
    header = table.horizontalHeader()
    for c, width in enumerate(widths):
        header.setSectionResizeMode(c, QHeaderView.ResizeMode.Interactive)
        table.setColumnWidth(c, width)


def selected_data(table: QTableWidget) -> Any:
    rows = table.selectionModel().selectedRows()
    if not rows:
        return None
    item = table.item(rows[0].row(), 0)
    return item.data(Qt.ItemDataRole.UserRole) if item is not None else None


def beside_form(page: QWidget, left: Sequence[QWidget], side: QVBoxLayout, width: int) -> None:
    """Lay ``page`` out as the Rules pages are: a list (``left``, top to bottom; a button
    right-aligned) taking the room, beside a form column ``width`` pixels wide."""
    side.addStretch(1)
    side_box = QWidget(page)
    side_box.setLayout(side)
    side_box.setFixedWidth(width)
    column = QVBoxLayout()
    for widget in left:
        if isinstance(widget, QAbstractButton):
            column.addWidget(widget, 0, Qt.AlignmentFlag.AlignRight)
        else:
            column.addWidget(widget)
    layout = QHBoxLayout(page)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addLayout(column, 1)
    layout.addWidget(side_box)
