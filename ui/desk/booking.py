"""Booking a grade-A meeting inside the desk: the field rep for the contact's territory, their
free slots over the next working days, the time (both clocks), place or link."""

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
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QWidget,
)

from calldesk.desk_checks import FieldRepChoice, free_slots, slot_problem
from calldesk.desk_data import to_zone
from calldesk.handoff import Booking
from ui.desk.callback_picker import CallbackPicker
from ui.desk.plain import plain_label, set_plain

#: what an empty Place means when no link is given either (the hint promises it is allowed)
ONLINE = "Online meeting (the field rep sends the link)"

Busy = dict[int, list[tuple[dt.datetime, dt.datetime]]]


class BookingForm(QFrame):
    """Inline form; Enter books, Esc closes. Emits ``book(Booking)`` (the hand-off's)."""

    book = Signal(object)
    cancelled = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("bookingForm")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QFormLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.setVerticalSpacing(3)
        self.title = QLabel("Book the meeting (grade A)")
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        layout.addRow(self.title)
        self.field_rep = QComboBox()
        self.field_rep.setObjectName("bookingFieldRep")
        self.field_rep.currentIndexChanged.connect(self._rep_changed)
        layout.addRow("Field &rep:", self.field_rep)
        self.rep_why = plain_label()
        self.rep_why.setObjectName("bookingRepWhy")
        layout.addRow(self.rep_why)
        self.slots = QListWidget()
        self.slots.setObjectName("bookingSlots")
        self.slots.setFlow(QListWidget.Flow.LeftToRight)
        self.slots.setWrapping(True)
        self.slots.setMaximumHeight(92)
        self.slots.itemClicked.connect(self._slot_chosen)
        self.slots.itemActivated.connect(self._slot_chosen)
        layout.addRow("&Free:", self.slots)
        self.when = CallbackPicker(quick=False)
        self.when.edit.setObjectName("bookingTime")
        layout.addRow("&When:", self.when)
        self.minutes = QSpinBox()
        self.minutes.setObjectName("bookingMinutes")
        self.minutes.setRange(15, 240)
        self.minutes.setSingleStep(15)
        self.minutes.setSuffix(" min")
        self.minutes.valueChanged.connect(lambda _v: self._show_slots())
        layout.addRow("&Length:", self.minutes)
        self.location = QLineEdit()
        self.location.setObjectName("bookingPlace")
        self.location.setPlaceholderText("Address, or leave empty for an online meeting")
        layout.addRow("&Place:", self.location)
        self.link = QLineEdit()
        self.link.setObjectName("bookingLink")
        self.link.setPlaceholderText("Meeting link (https://…), if you have one")
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
        buttons.addStretch(1)
        layout.addRow(buttons)
        # Enter in the Place or Link field reaches keyPressEvent (a line edit passes it on):
        # connecting returnPressed as well would book twice.
        self.now = dt.datetime.now(dt.UTC)
        self.contact_zone: str | None = None
        self.rep_zone: str | None = None
        self.busy: Busy = {}
        self.choices: list[FieldRepChoice] = []
        self.hide()

    def open(
        self,
        field_reps: Sequence[FieldRepChoice],
        busy: Busy,
        *,
        now: dt.datetime,
        contact_zone: str | None,
        rep_zone: str | None,
        minutes: int,
    ) -> None:
        """Field reps best match first (territory); ``busy``: their taken meeting times."""
        self.now, self.contact_zone, self.rep_zone = now, contact_zone, rep_zone
        self.busy, self.choices = busy, list(field_reps)
        self.when.setup(now, contact_zone, rep_zone, check=self._problem)
        self.minutes.blockSignals(True)
        self.minutes.setValue(minutes)
        self.minutes.blockSignals(False)
        self.field_rep.blockSignals(True)
        self.field_rep.clear()
        for rep in field_reps:
            self.field_rep.addItem(rep.name, rep.id)
        self.field_rep.blockSignals(False)
        self.location.clear()
        self.link.clear()
        self.error.clear()
        if field_reps:
            self.field_rep.setCurrentIndex(0)
            self._rep_changed(0, reset=True)
        else:
            set_plain(self.rep_why, "There is no field rep yet: add one (calldesk rep add NAME)")
            self.slots.clear()
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

    # --- the field rep and their free slots ---------------------------------------------------

    def _rep_busy(self) -> list[tuple[dt.datetime, dt.datetime]]:
        rep_id = self.field_rep.currentData()
        return self.busy.get(int(rep_id), []) if rep_id is not None else []

    def free(self) -> list[dt.datetime]:
        """The chosen field rep's free meeting starts over the next working days."""
        return free_slots(
            self._rep_busy(), now=self.now, zone=self.contact_zone, minutes=self.minutes.value()
        )

    def _rep_changed(self, index: int, reset: bool = False) -> None:
        if not (0 <= index < len(self.choices)):
            return
        choice = self.choices[index]
        set_plain(self.rep_why, f"{choice.name}: {choice.why}")
        slots = self._show_slots()
        if slots and (reset or self._problem(self.when.value()) is not None):
            self.when.set_value(slots[0])  # the first free working-hour slot, their time

    def _show_slots(self) -> list[dt.datetime]:
        slots = self.free()
        self.slots.clear()
        for moment in slots:
            theirs = to_zone(moment, self.contact_zone) or moment
            mine = to_zone(moment, self.rep_zone) or moment
            item = QListWidgetItem(f"{theirs:%a %d %H:%M}")
            item.setToolTip(f"{theirs:%a %d %b %H:%M} their time = {mine:%H:%M} your time")
            item.setData(Qt.ItemDataRole.UserRole, moment.timestamp())
            self.slots.addItem(item)
        if not slots:
            self.slots.addItem(QListWidgetItem("No free slot in the next 5 working days"))
        self.when.problem()
        return slots

    def _slot_chosen(self, item: QListWidgetItem) -> None:
        stamp = item.data(Qt.ItemDataRole.UserRole)
        if stamp is not None:
            self.when.set_value(dt.datetime.fromtimestamp(float(stamp), dt.UTC))

    def _problem(self, when: dt.datetime) -> str | None:
        return slot_problem(self._rep_busy(), when, self.minutes.value(), self.now)

    # --- booking ------------------------------------------------------------------------------

    def _book(self) -> None:
        data = self.field_rep.currentData()
        if data is None:
            self.show_error("Pick the field rep first")
            return
        problem = self.when.problem()
        if problem:
            self.show_error(problem)
            return
        location = self.location.text().strip() or None
        link = self.link.text().strip() or None
        self.book.emit(
            Booking(
                starts_at=self.when.value(),
                minutes=self.minutes.value(),
                field_rep_id=int(data),
                location=location or (None if link else ONLINE),
                meeting_link=link,
            )
        )

    def _cancel(self) -> None:
        self.hide()
        self.cancelled.emit()
