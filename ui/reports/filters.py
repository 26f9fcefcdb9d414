"""The filter bar of the reports screen: date range, list, event, campaign, rep, grouping."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import select

from calldesk.models import CallList, Campaign, Event, Rep
from calldesk.reports import ReportFilter
from calldesk.store import Store

GROUPINGS = (
    ("Everything", None),
    ("Per list", "list"),
    ("Per event", "event"),
    ("Per campaign", "campaign"),
    ("Per rep", "rep"),
)


def filter_choices(store: Store) -> dict[str, list[tuple[int, str]]]:
    """(id, name) of every list, event, campaign and rep, for the filter boxes (background)."""
    with store.session() as session:
        return {
            key: [
                (i, n)
                for i, n in session.execute(select(model.id, model.name).order_by(model.name))
            ]
            for key, model in (
                ("list", CallList),
                ("event", Event),
                ("campaign", Campaign),
                ("rep", Rep),
            )
        }


class FilterBar(QWidget):
    """Emits ``changed`` when the person asks for other figures (Refresh or a new choice)."""

    changed = Signal()
    export_requested = Signal()

    def __init__(self, parent: QWidget | None = None, *, today: dt.date | None = None) -> None:
        super().__init__(parent)
        rows = QVBoxLayout(self)
        rows.setContentsMargins(0, 0, 0, 0)
        layout = QHBoxLayout()
        choices = QHBoxLayout()
        rows.addLayout(layout)
        rows.addLayout(choices)
        self.use_dates = QCheckBox("From", self)
        self.date_from = QDateEdit(self)
        self.date_to = QDateEdit(self)
        today = QDate(today) if today is not None else QDate.currentDate()
        for edit, value in ((self.date_from, today.addDays(-7)), (self.date_to, today)):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setDate(value)
            edit.setEnabled(False)
        self.use_dates.toggled.connect(self.date_from.setEnabled)
        self.use_dates.toggled.connect(self.date_to.setEnabled)
        self.boxes: dict[str, QComboBox] = {}
        layout.addWidget(self.use_dates)
        layout.addWidget(self.date_from)
        layout.addWidget(QLabel("to", self))
        layout.addWidget(self.date_to)
        for key, label in (
            ("list", "List"),
            ("event", "Event"),
            ("campaign", "Campaign"),
            ("rep", "Rep"),
        ):
            box = QComboBox(self)
            box.setObjectName(f"filter_{key}")
            box.addItem(f"Any {label.lower()}", None)
            box.setMinimumContentsLength(12)
            box.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
            self.boxes[key] = box
            choices.addWidget(QLabel(label, self))
            choices.addWidget(box, 1)
        self.grouping = QComboBox(self)
        for text, value in GROUPINGS:
            self.grouping.addItem(text, value)
        layout.addWidget(QLabel("Funnel", self))
        layout.addWidget(self.grouping)
        layout.addStretch(1)
        self.refresh_button = QPushButton("&Refresh", self)
        self.export_button = QPushButton("E&xport table…", self)
        layout.addWidget(self.refresh_button)
        layout.addWidget(self.export_button)
        self.refresh_button.clicked.connect(self.changed)
        self.export_button.clicked.connect(self.export_requested)
        for box in (*self.boxes.values(), self.grouping):
            box.activated.connect(lambda _i: self.changed.emit())
        self.use_dates.toggled.connect(lambda _on: self.changed.emit())

    def set_choices(self, choices: dict[str, list[tuple[int, str]]]) -> None:
        """Fill the boxes (names are plain text in a combo box), keeping what was chosen."""
        for key, box in self.boxes.items():
            current = box.currentData()
            box.blockSignals(True)
            while box.count() > 1:
                box.removeItem(1)
            for ident, name in choices.get(key, []):
                box.addItem(name, ident)
            index = box.findData(current)
            box.setCurrentIndex(max(index, 0))
            box.blockSignals(False)

    def select(self, key: str, ident: int | None) -> None:
        box = self.boxes[key]
        box.setCurrentIndex(max(box.findData(ident), 0))

    def set_range(self, start: dt.date | None, end: dt.date | None) -> None:
        self.use_dates.blockSignals(True)
        self.use_dates.setChecked(start is not None)
        self.date_from.setEnabled(start is not None)
        self.date_to.setEnabled(start is not None)
        self.use_dates.blockSignals(False)
        if start is not None:
            self.date_from.setDate(QDate(start.year, start.month, start.day))
        if end is not None:
            self.date_to.setDate(QDate(end.year, end.month, end.day))

    def report_filter(self) -> ReportFilter:
        """The figures asked for, as the core's filter."""
        start = end = None
        if self.use_dates.isChecked():
            start = self.date_from.date().toPython()
            end = self.date_to.date().toPython()
            if start > end:
                start, end = end, start
        ids: dict[str, Any] = {key: box.currentData() for key, box in self.boxes.items()}
        return ReportFilter(
            list_id=ids["list"],
            event_id=ids["event"],
            campaign_id=ids["campaign"],
            rep_id=ids["rep"],
            date_from=start,
            date_to=end,
        )

    def by(self) -> str | None:
        return self.grouping.currentData()
