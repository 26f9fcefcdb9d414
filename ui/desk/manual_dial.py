"""A number typed by hand: checked by the calling rules; refused with the reason, or a
manager's override with its reason (kept with the attempt)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QLineEdit, QPushButton, QWidget

from ui.desk.plain import set_plain


class ManualDialPanel(QFrame):
    """Shown under the session bar when a typed number is refused. Emits ``override``."""

    override = Signal(str, str)  # e164, reason
    cancelled = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("manualDialPanel")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet("#manualDialPanel { background: #fdecea; }")
        layout = QHBoxLayout(self)
        self.text = QLabel()
        self.text.setObjectName("manualDialRefusal")
        self.text.setTextFormat(Qt.TextFormat.PlainText)
        self.text.setWordWrap(True)
        self.reason = QLineEdit()
        self.reason.setObjectName("overrideReason")
        self.reason.setPlaceholderText("Manager override: why (Enter dials, Esc cancels)")
        self.reason.returnPressed.connect(self._override)
        self.button = QPushButton("Override and dial")
        self.button.clicked.connect(self._override)
        layout.addWidget(self.text, 2)
        layout.addWidget(self.reason, 1)
        layout.addWidget(self.button)
        self.e164: str | None = None
        self.hide()

    def refuse(self, e164: str, explanation: str) -> None:
        self.e164 = e164 or None
        set_plain(self.text, f"Refused: {explanation}")
        can_override = self.e164 is not None
        self.reason.setVisible(can_override)
        self.button.setVisible(can_override)
        self.reason.clear()
        self.show()
        if can_override:
            self.reason.setFocus()

    def show_message(self, text: str) -> None:
        self.e164 = None
        set_plain(self.text, text)
        self.reason.hide()
        self.button.hide()
        self.show()

    def reset(self) -> None:
        self.e164 = None
        self.reason.clear()
        self.hide()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt API)
        if event.key() == Qt.Key.Key_Escape:
            self.reset()
            self.cancelled.emit()
        else:
            super().keyPressEvent(event)

    def _override(self) -> None:
        reason = self.reason.text().strip()
        if self.e164 is None:
            return
        if not reason:
            self.reason.setPlaceholderText("A reason is required for an override")
            self.reason.setFocus()
            return
        self.override.emit(self.e164, reason)
