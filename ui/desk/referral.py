"""Capturing a referred contact: the right person at the same company (Ctrl+R)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from calldesk.scripts.model import CONTACT_FIELDS
from ui.desk.plain import set_plain
from ui.desk.script_panel import CONTACT_LABELS


class ReferralForm(QFrame):
    """Inline form; Enter saves as "Referred (wrong person)", Esc closes.

    Emits ``capture(person: dict)`` with the fields a script's "contact" answer carries.
    """

    capture = Signal(dict)
    cancelled = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("referralForm")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QFormLayout(self)
        title = QLabel("The right person (same company) — Enter saves and goes on")
        font = title.font()
        font.setBold(True)
        title.setFont(font)
        layout.addRow(title)
        self.fields: dict[str, QLineEdit] = {}
        for name in CONTACT_FIELDS:
            edit = QLineEdit()
            edit.setObjectName(f"referral_{name}")
            edit.returnPressed.connect(self._save)
            layout.addRow(CONTACT_LABELS.get(name, name) + ":", edit)
            self.fields[name] = edit
        self.error = QLabel()
        self.error.setObjectName("referralError")
        self.error.setTextFormat(Qt.TextFormat.PlainText)
        self.error.setStyleSheet("color: #b00020;")
        layout.addRow(self.error)
        buttons = QHBoxLayout()
        save = QPushButton("Save referral and next (Enter)")
        save.clicked.connect(self._save)
        cancel = QPushButton("Cancel (Esc)")
        cancel.clicked.connect(self._cancel)
        buttons.addWidget(save)
        buttons.addWidget(cancel)
        layout.addRow(buttons)
        self.hide()

    def open(self) -> None:
        for edit in self.fields.values():
            edit.clear()
        self.error.clear()
        self.show()
        self.fields[CONTACT_FIELDS[0]].setFocus()

    def show_error(self, message: str) -> None:
        set_plain(self.error, message)
        self.error.show()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt API)
        if event.key() == Qt.Key.Key_Escape:
            self._cancel()
        else:
            super().keyPressEvent(event)

    def _save(self) -> None:
        person = {k: e.text().strip() for k, e in self.fields.items() if e.text().strip()}
        if not (person.get("first_name") or person.get("last_name")):
            self.show_error("The person needs a name")
            return
        if not (person.get("phone") or person.get("email")):
            self.show_error("The person needs a phone number or an email address")
            return
        self.capture.emit(person)

    def _cancel(self) -> None:
        self.hide()
        self.cancelled.emit()
