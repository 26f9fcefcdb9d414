"""The disposition bar: every result of a call on one key, and what it needs asked inline."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from calldesk.desk_data import DispositionSpec
from ui.desk.callback_picker import CallbackPicker, Check
from ui.desk.plain import set_plain


def button_text(text: str) -> str:
    """Button text is not rich text, but ``&`` marks a mnemonic: show it as typed."""
    return text.replace("&", "&&")


class _InlineForm(QFrame):
    """Notes and callback time for the disposition being saved; Enter saves, Esc cancels."""

    save = Signal()
    cancel = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt API)
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.save.emit()
            return
        if event.key() == Qt.Key.Key_Escape:
            self.cancel.emit()
            return
        super().keyPressEvent(event)


class DispositionBar(QWidget):
    """Buttons for every disposition; emits ``chosen(code)`` and, once complete, ``confirmed``.

    ``confirmed(code, notes, callback_at)``: ``callback_at`` is an aware UTC datetime or None.
    """

    chosen = Signal(str)
    confirmed = Signal(str, str, object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dispositionBar")
        self.specs: dict[str, DispositionSpec] = {}
        self.buttons: dict[str, QPushButton] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)

        notes_row = QHBoxLayout()
        notes_label = QLabel("&Notes:")
        self.notes = QLineEdit()
        self.notes.setObjectName("callNotes")
        self.notes.setPlaceholderText("What happened on this call (Ctrl+N)")
        notes_label.setBuddy(self.notes)
        notes_row.addWidget(notes_label)
        notes_row.addWidget(self.notes, 1)
        layout.addLayout(notes_row)

        self.grid = QGridLayout()
        self.grid.setSpacing(4)
        layout.addLayout(self.grid)

        self.form = _InlineForm()
        self.form.setObjectName("dispositionForm")
        self.form.setFrameShape(QFrame.Shape.StyledPanel)
        form_layout = QVBoxLayout(self.form)
        first_row, second_row = QHBoxLayout(), QHBoxLayout()
        form_layout.addLayout(first_row)
        form_layout.addLayout(second_row)
        self.form_title = QLabel()
        self.form_title.setTextFormat(Qt.TextFormat.PlainText)
        self.form_notes = QLineEdit()
        self.form_notes.setObjectName("requiredNotes")
        self.form_notes.setPlaceholderText("Notes (required)")
        self.form_notes.setMinimumWidth(220)
        self.picker = CallbackPicker()
        self.save_button = QPushButton("Save and next (Enter)")
        self.save_button.setObjectName("saveAndNext")
        self.save_button.clicked.connect(self._save)
        self.cancel_button = QPushButton("Cancel (Esc)")
        self.cancel_button.clicked.connect(self.cancel)
        self.form_error = QLabel()
        self.form_error.setObjectName("dispositionError")
        self.form_error.setStyleSheet("color: #b00020;")
        self.form_error.setTextFormat(Qt.TextFormat.PlainText)
        first_row.addWidget(self.form_title)
        first_row.addWidget(self.picker, 1)
        second_row.addWidget(self.form_notes, 1)
        second_row.addWidget(self.form_error)
        second_row.addWidget(self.save_button)
        second_row.addWidget(self.cancel_button)
        self.form.save.connect(self._save)
        self.form.cancel.connect(self.cancel)
        self.form_notes.returnPressed.connect(self._save)
        self.form.hide()
        layout.addWidget(self.form)
        self.pending: DispositionSpec | None = None

    def set_dispositions(self, specs: list[DispositionSpec]) -> None:
        for button in self.buttons.values():
            button.deleteLater()
        self.buttons = {}
        self.specs = {spec.code: spec for spec in specs}
        columns = max(5, (len(specs) + 1) // 2)
        for index, spec in enumerate(specs):
            text = f"{spec.hotkey}  {spec.label}" if spec.hotkey else spec.label
            button = QPushButton(button_text(text))
            button.setObjectName(f"disposition_{spec.code}")
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.setToolTip(spec.code)
            if spec.code == "do_not_call":
                button.setStyleSheet("QPushButton:enabled { color: #b00020; }")
            button.clicked.connect(lambda _=False, code=spec.code: self.chosen.emit(code))
            self.buttons[spec.code] = button
            self.grid.addWidget(button, index // columns, index % columns)

    def set_enabled(self, enabled: bool) -> None:
        for button in self.buttons.values():
            button.setEnabled(enabled)

    # --- the inline form ----------------------------------------------------------------------

    def ask(
        self,
        code: str,
        *,
        now: dt.datetime,
        contact_zone: str | None,
        rep_zone: str | None,
        check: Check | None = None,
    ) -> bool:
        """Complete ``code`` at once (returns True) or open the inline form for what it needs."""
        spec = self.specs[code]
        notes = self.notes.text().strip()
        if not spec.requires_callback and (not spec.requires_notes or notes):
            self.confirmed.emit(code, notes, None)
            return True
        self.pending = spec
        self.form_title.setText(spec.label + ":")
        self.picker.setVisible(spec.requires_callback)
        self.form_notes.setVisible(spec.requires_notes or spec.requires_callback)
        self.form_notes.setPlaceholderText(
            "Notes (required)" if spec.requires_notes else "Notes (optional)"
        )
        self.form_notes.setText(notes)
        self.form_error.clear()
        if spec.requires_callback:
            self.picker.setup(now, contact_zone, rep_zone, check=check)
        self.form.show()
        (self.picker.edit if spec.requires_callback else self.form_notes).setFocus()
        return False

    def _save(self) -> None:
        spec = self.pending
        if spec is None:
            return
        notes = self.form_notes.text().strip()
        if spec.requires_notes and not notes:
            set_plain(self.form_error, "Notes are required")
            self.form_notes.setFocus()
            return
        when = self.picker.value() if spec.requires_callback else None
        if when is not None:
            problem = self.picker.problem()
            if problem:
                # said where the rep is looking, and the form stays open to pick again
                set_plain(self.form_error, "Not saved: pick another time")
                self.picker.edit.setFocus()
                return
        self.pending = None
        self.form.hide()
        self.confirmed.emit(spec.code, notes, when)

    def cancel(self) -> None:
        self.pending = None
        self.form.hide()

    def reset(self) -> None:
        """A new card: no pending form, empty notes."""
        self.cancel()
        self.notes.clear()
        self.form_notes.clear()
