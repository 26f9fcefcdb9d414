"""Booking a grade-A meeting inside the desk: field rep, time (both clocks), place or link."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from calldesk.desk_data import Choice
from calldesk.handoff import Booking
from ui.desk.callback_picker import CallbackPicker
from ui.desk.plain import set_plain


class BookingForm(QFrame):
    """Inline form; Enter books, Esc closes. Emits ``book(Booking)`` (the hand-off's)."""

    book = Signal(object)
    cancelled = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("bookingForm")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QFormLayout(self)
        self.title = QLabel("Book the meeting (grade A)")
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        layout.addRow(self.title)
        self.field_rep = QComboBox()
        self.field_rep.setObjectName("bookingFieldRep")
        layout.addRow("Field &rep:", self.field_rep)
        self.when = CallbackPicker()
        self.when.edit.setObjectName("bookingTime")
        layout.addRow("&When:", self.when)
        self.minutes = QSpinBox()
        self.minutes.setObjectName("bookingMinutes")
        self.minutes.setRange(15, 240)
        self.minutes.setSingleStep(15)
        self.minutes.setSuffix(" min")
        layout.addRow("&Length:", self.minutes)
        self.location = QLineEdit()
        self.location.setObjectName("bookingPlace")
        self.location.setPlaceholderText("Address, or leave empty for an online meeting")
        layout.addRow("&Place:", self.location)
        self.link = QLineEdit()
        self.link.setObjectName("bookingLink")
        self.link.setPlaceholderText("Meeting link (https://…)")
        layout.addRow("Lin&k:", self.link)
        self.error = QLabel()
        self.error.setObjectName("bookingError")
        self.error.setTextFormat(Qt.TextFormat.PlainText)
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b00020;")
        layout.addRow(self.error)
        buttons = QHBoxLayout()
        self.ok = QPushButton("Book and next (Enter)")
        self.ok.setObjectName("bookButton")
        self.ok.clicked.connect(self._book)
        cancel = QPushButton("Cancel (Esc)")
        cancel.clicked.connect(self._cancel)
        buttons.addWidget(self.ok)
        buttons.addWidget(cancel)
        layout.addRow(buttons)
        for edit in (self.location, self.link):
            edit.returnPressed.connect(self._book)
        self.hide()

    def open(
        self,
        field_reps: Sequence[Choice],
        *,
        now: dt.datetime,
        contact_zone: str | None,
        rep_zone: str | None,
        minutes: int,
    ) -> None:
        self.field_rep.clear()
        self.field_rep.addItem("Choose by territory", None)
        for rep in field_reps:
            self.field_rep.addItem(rep.name, rep.id)
        self.field_rep.setCurrentIndex(1 if field_reps else 0)
        self.when.setup(now + dt.timedelta(days=1), contact_zone, rep_zone)
        self.minutes.setValue(minutes)
        self.location.clear()
        self.link.clear()
        self.error.clear()
        self.show()
        self.field_rep.setFocus()

    def show_error(self, message: str) -> None:
        set_plain(self.error, message)
        self.error.show()
        self.when.edit.setFocus()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt API)
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self._book()
        elif event.key() == Qt.Key.Key_Escape:
            self._cancel()
        else:
            super().keyPressEvent(event)

    def _book(self) -> None:
        data = self.field_rep.currentData()
        self.book.emit(
            Booking(
                starts_at=self.when.value(),
                minutes=self.minutes.value(),
                field_rep_id=int(data) if data else None,
                location=self.location.text().strip() or None,
                meeting_link=self.link.text().strip() or None,
            )
        )

    def _cancel(self) -> None:
        self.hide()
        self.cancelled.emit()
