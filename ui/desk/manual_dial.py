"""A refused dial (a number on the card or one typed by hand): the rules' reason, and where the
law allows one, a manager's override: the manager picked by name and their reason, both kept
with the attempt beside the rep who dialled.

A number on the do-not-call list, an invalid number and an unknown place are never overridable:
the panel then shows the reason only, with no override controls.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ui.desk.plain import set_plain

if TYPE_CHECKING:
    from ui.desk.controller import DialRequest


class ManualDialPanel(QFrame):
    """Shown under the session bar when a dial is refused. Emits ``override(manager, reason)``."""

    override = Signal(str, str)  # the confirming manager's name, their reason
    cancelled = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("manualDialPanel")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # Esc closes it
        self.setStyleSheet("#manualDialPanel { background: #fdecea; }")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(6, 4, 6, 4)
        self.text = QLabel()
        self.text.setObjectName("manualDialRefusal")
        self.text.setTextFormat(Qt.TextFormat.PlainText)
        self.text.setWordWrap(True)
        outer.addWidget(self.text)
        self.controls = QWidget()
        row = QHBoxLayout(self.controls)
        row.setContentsMargins(0, 0, 0, 0)
        manager_label = QLabel("&Manager:")
        self.manager = QComboBox()
        self.manager.setObjectName("overrideManager")
        manager_label.setBuddy(self.manager)
        self.reason = QLineEdit()
        self.reason.setObjectName("overrideReason")
        self.reason.setPlaceholderText("The manager's reason (Enter dials, Esc cancels)")
        self.reason.returnPressed.connect(self._override)
        self.button = QPushButton("Override and dial")
        self.button.setObjectName("overrideButton")
        self.button.clicked.connect(self._override)
        row.addWidget(manager_label)
        row.addWidget(self.manager)
        row.addWidget(self.reason, 1)
        row.addWidget(self.button)
        outer.addWidget(self.controls)
        self.request: DialRequest | None = None
        self.hide()

    @property
    def can_override(self) -> bool:
        return not self.controls.isHidden()

    def refuse(self, request: DialRequest) -> None:
        """Show why the rules refused ``request``; offer an override only where allowed."""
        decision = request.decision
        assert decision is not None
        self.request = request
        number = decision.e164 or request.number
        text = f"Refused: {number}: {decision.explanation}"
        if decision.overridable:
            text += "\nA manager may confirm an override: pick the manager and their reason."
        elif "no manager" not in decision.explanation:
            text += "\nThis cannot be overridden."
        set_plain(self.text, text)
        self.manager.clear()
        self.manager.addItems(list(decision.managers))
        self.reason.clear()
        self.controls.setVisible(decision.overridable)
        self.show()
        (self.manager if decision.overridable else self).setFocus()

    def show_message(self, text: str) -> None:
        self.request = None
        set_plain(self.text, text)
        self.controls.hide()
        self.show()

    def reset(self) -> None:
        self.request = None
        self.reason.clear()
        self.hide()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt API)
        if event.key() == Qt.Key.Key_Escape:
            self.reset()
            self.cancelled.emit()
        else:
            super().keyPressEvent(event)

    def _override(self) -> None:
        if self.request is None or not self.can_override:
            return
        manager = self.manager.currentText().strip()
        reason = self.reason.text().strip()
        if not manager:
            set_plain(self.text, self.text.text() + "\nPick the manager who confirms it.")
            return
        if not reason:
            self.reason.setPlaceholderText("The manager's reason is required for an override")
            self.reason.setFocus()
            return
        self.override.emit(manager, reason)
