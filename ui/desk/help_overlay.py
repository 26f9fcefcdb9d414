"""The help overlay: every desk shortcut on one sheet over the desk (F1 or ?; Esc closes)."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QVBoxLayout, QWidget


class HelpOverlay(QFrame):
    """Covers its parent; any key or click closes it."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("helpOverlay")
        self.setStyleSheet(
            "#helpOverlay { background: rgba(24, 24, 24, 246); }"
            "#helpOverlay QLabel { color: white; }"
        )
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(40, 30, 40, 30)
        title = QLabel("Desk shortcuts — any key closes this")
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        title.setFont(font)
        outer.addWidget(title)
        self.grid = QGridLayout()
        self.grid.setHorizontalSpacing(24)
        outer.addLayout(self.grid)
        outer.addStretch(1)
        self.rows: list[tuple[str, str]] = []
        parent.installEventFilter(self)
        self.hide()

    def set_shortcuts(self, rows: Sequence[tuple[str, str]]) -> None:
        while self.grid.count():
            item = self.grid.takeAt(0)
            if item.widget():
                item.widget().deleteLater()
        self.rows = list(rows)
        per_column = (len(rows) + 1) // 2
        for index, (keys, what) in enumerate(rows):
            column = (index // per_column) * 2
            key_label = QLabel(keys)
            key_label.setTextFormat(Qt.TextFormat.PlainText)
            font = key_label.font()
            font.setBold(True)
            key_label.setFont(font)
            what_label = QLabel(what)
            what_label.setTextFormat(Qt.TextFormat.PlainText)
            self.grid.addWidget(key_label, index % per_column, column)
            self.grid.addWidget(what_label, index % per_column, column + 1)

    def open(self) -> None:
        self._previous = self.window().focusWidget() if self.window() else None
        self.setGeometry(self.parentWidget().rect())
        self.raise_()
        self.show()
        self.setFocus()

    def close_overlay(self) -> None:
        self.hide()
        previous = getattr(self, "_previous", None)
        if previous is not None:
            previous.setFocus()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt API)
        self.close_overlay()

    def mousePressEvent(self, event) -> None:  # noqa: N802 (Qt API)
        self.close_overlay()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt API)
        if watched is self.parentWidget() and event.type() == QEvent.Type.Resize:
            self.setGeometry(self.parentWidget().rect())
        return False
