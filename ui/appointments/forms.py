"""Inline forms under an appointment: reject it with a reason, record what happened."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from PySide6.QtCore import QDateTime, QTimeZone, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QDateTimeEdit,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from calldesk.appointments import OUTCOMES, REJECT_REASONS
from ui.desk.plain import plain_label, set_plain

ERROR_STYLE = "color: #b00020;"


def _choices(
    parent: QWidget, options: dict[str, str], columns: int
) -> tuple[QButtonGroup, QGridLayout]:
    group = QButtonGroup(parent)
    grid = QGridLayout()
    for index, (code, label) in enumerate(options.items()):
        button = QRadioButton(label)
        button.setObjectName(f"choice_{code}")
        button.setProperty("code", code)
        group.addButton(button)
        grid.addWidget(button, index // columns, index % columns)
    return group, grid


def _picked(group: QButtonGroup) -> str | None:
    button = group.checkedButton()
    return str(button.property("code")) if button is not None else None


class _Form(QFrame):
    cancelled = Signal()

    def __init__(self, title: str, confirm: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.title = QLabel(title)
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.error = plain_label()
        self.error.setStyleSheet(ERROR_STYLE)
        self.confirm = QPushButton(confirm)
        self.confirm.setDefault(True)
        self.cancel = QPushButton("Cancel")
        self.cancel.clicked.connect(self.close_form)
        self.layout_ = QVBoxLayout(self)
        self.layout_.addWidget(self.title)
        self.buttons = QHBoxLayout()
        self.buttons.addStretch(1)
        self.buttons.addWidget(self.cancel)
        self.buttons.addWidget(self.confirm)
        self.hide()

    def finish_layout(self) -> None:
        self.layout_.addWidget(self.error)
        self.layout_.addLayout(self.buttons)

    def show_error(self, message: str | None) -> None:
        set_plain(self.error, message)

    def close_form(self) -> None:
        self.hide()
        self.cancelled.emit()


class RejectForm(_Form):
    """Emits ``reject(reason, text)``; "Other" needs a few words before it goes."""

    reject = Signal(str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(
            "Why are you turning this meeting down? It goes back to the qualifier.",
            "&Reject and send back",
            parent,
        )
        self.setObjectName("rejectForm")
        self.reasons, grid = _choices(self, REJECT_REASONS, 3)
        self.text = QLineEdit()
        self.text.setObjectName("rejectText")
        self.text.setPlaceholderText("A few words for the qualifier (required for Other)")
        self.layout_.addLayout(grid)
        self.layout_.addWidget(self.text)
        self.finish_layout()
        self.confirm.clicked.connect(self._confirm)
        self.text.returnPressed.connect(self._confirm)

    def open_form(self) -> None:
        self.reasons.setExclusive(False)
        for button in self.reasons.buttons():
            button.setChecked(False)
        self.reasons.setExclusive(True)
        self.text.clear()
        self.show_error(None)
        self.show()

    def pick(self, code: str) -> None:
        for button in self.reasons.buttons():
            if button.property("code") == code:
                button.setChecked(True)

    def _confirm(self) -> None:
        reason = _picked(self.reasons)
        text = self.text.text().strip()
        if reason is None:
            self.show_error("Pick a reason: the qualifier learns from it.")
            return
        if reason == "other" and not text:
            self.show_error("Say in a few words why (required for Other).")
            self.text.setFocus()
            return
        self.show_error(None)
        self.reject.emit(reason, text)


class OutcomeForm(_Form):
    """Emits ``record(outcome, feedback, new_start)``; a new start only for "Rescheduled"."""

    record = Signal(str, str, object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("What happened at the meeting?", "&Save outcome", parent)
        self.setObjectName("outcomeForm")
        self.outcomes, grid = _choices(self, OUTCOMES, 3)
        self.feedback = QLineEdit()
        self.feedback.setObjectName("outcomeFeedback")
        self.feedback.setPlaceholderText("Feedback for the qualifier (optional)")
        self.move = QCheckBox("Move the meeting to")
        self.move.setObjectName("outcomeMove")
        self.new_start = QDateTimeEdit()
        self.new_start.setObjectName("outcomeNewStart")
        self.new_start.setCalendarPopup(True)
        self.new_start.setDisplayFormat("ddd d MMM yyyy HH:mm")
        self.zone_label = plain_label(wrap=False)
        move_row = QHBoxLayout()
        move_row.addWidget(self.move)
        move_row.addWidget(self.new_start)
        move_row.addWidget(self.zone_label)
        move_row.addStretch(1)
        self.move_row = QWidget()
        self.move_row.setLayout(move_row)
        self.layout_.addLayout(grid)
        self.layout_.addWidget(self.feedback)
        self.layout_.addWidget(self.move_row)
        self.finish_layout()
        self.outcomes.buttonToggled.connect(lambda *_: self._show_move())
        self.confirm.clicked.connect(self._confirm)
        self._zone = "UTC"

    def open_form(self, starts_at: dt.datetime, zone: str | None) -> None:
        self._zone = zone or "UTC"
        self.outcomes.setExclusive(False)
        for button in self.outcomes.buttons():
            button.setChecked(False)
        self.outcomes.setExclusive(True)
        self.feedback.clear()
        self.move.setChecked(False)
        local = starts_at.astimezone(ZoneInfo(self._zone)) + dt.timedelta(days=7)
        self.new_start.setDateTime(
            QDateTime(local.date(), local.time().replace(tzinfo=None), QTimeZone.utc())
        )
        set_plain(self.zone_label, f"your time ({self._zone})")
        self.show_error(None)
        self._show_move()
        self.show()

    def pick(self, code: str) -> None:
        for button in self.outcomes.buttons():
            if button.property("code") == code:
                button.setChecked(True)

    def _show_move(self) -> None:
        self.move_row.setVisible(_picked(self.outcomes) == "rescheduled")

    def moved_to(self) -> dt.datetime | None:
        """The new start as an aware time, read on the field rep's clock."""
        if _picked(self.outcomes) != "rescheduled" or not self.move.isChecked():
            return None
        qdt = self.new_start.dateTime()
        date, time = qdt.date(), qdt.time()
        local = dt.datetime(
            date.year(),
            date.month(),
            date.day(),
            time.hour(),
            time.minute(),
            tzinfo=ZoneInfo(self._zone),
        )
        return local.astimezone(dt.UTC)

    def _confirm(self) -> None:
        outcome = _picked(self.outcomes)
        if outcome is None:
            self.show_error("Pick what happened.")
            return
        self.show_error(None)
        self.record.emit(outcome, self.feedback.text().strip(), self.moved_to())
