"""Plain-text widgets: user-supplied text is never interpreted as rich text."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget


def plain_label(text: str = "", parent: QWidget | None = None, *, wrap: bool = True) -> QLabel:
    """A QLabel that shows ``text`` character for character (``<b>x</b>`` stays visible)."""
    label = QLabel(parent)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(wrap)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setText(text)
    return label


def set_plain(label: QLabel, text: str | None) -> None:
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setText(text or "")
    label.setVisible(bool(text))


def fmt_time(moment, with_day: bool = False) -> str:
    """``14:05`` or ``Thu 14:05`` (24-hour clocks: no AM/PM confusion across zones)."""
    if moment is None:
        return "—"
    return moment.strftime("%a %H:%M" if with_day else "%H:%M")
