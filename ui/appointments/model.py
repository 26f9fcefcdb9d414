"""The field rep's appointments as a table: when, who, grade, where it stands."""

from __future__ import annotations

import re
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from calldesk.appointments import OUTCOMES, REJECT_REASONS, AppointmentView

COLUMNS = ("When", "Contact", "Company", "Grade", "Where it stands")
ID_ROLE = Qt.ItemDataRole.UserRole + 1
Index = QModelIndex | QPersistentModelIndex


def standing(view: AppointmentView) -> str:
    """Where an appointment stands, in the field rep's words."""
    if view.status == "rejected":
        reason = REJECT_REASONS.get(view.reject_reason or "", view.reject_reason or "")
        return f"Rejected: {reason}" + (f" ({view.reject_text})" if view.reject_text else "")
    if view.status == "cancelled":
        return "Cancelled"
    if view.outcome:
        return OUTCOMES.get(view.outcome, view.outcome)
    if view.status == "booked":
        return "To review" if view.upcoming else "To review (meeting passed)"
    if view.status == "accepted":
        return "Accepted" if view.upcoming else "Accepted: record the outcome"
    return view.status.capitalize()


def short_when(view: AppointmentView) -> str:
    """The meeting on the field rep's clock without the year, e.g. ``Wed 25 Nov 09:00 PST``."""
    text = view.when.split(" / ")[0].removesuffix(" (same zone for the contact)")
    return re.sub(r" \d{4} ", " ", text, count=1)


class AppointmentsModel(QAbstractTableModel):
    """Rows of :class:`AppointmentView`, upcoming first (the core's order)."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[AppointmentView] = []

    def set_rows(self, rows: list[AppointmentView]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def row_of(self, appointment_id: int) -> int:
        return next((i for i, v in enumerate(self.rows) if v.id == appointment_id), -1)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802 (Qt API)
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802 (Qt API)
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(  # noqa: N802 (Qt API)
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        view = self.rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return (
                short_when(view),
                view.contact.get("name") or "",
                view.contact.get("company") or "",
                view.grade or "",
                standing(view),
            )[index.column()]
        if role == ID_ROLE:
            return view.id
        if role == Qt.ItemDataRole.ForegroundRole and not view.upcoming:
            return QBrush(QColor("#757575"))
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{view.when}\n{standing(view)}"
        return None
