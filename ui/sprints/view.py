"""The event sprint board: every event's follow-up against its deadline, one click to work it.

The figures come from :func:`calldesk.sprints.sprint_board`, read in the background whenever
the store changes or the board comes to the front.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from calldesk.sprints import SprintFigures, sprint_board
from ui.context import AppContext
from ui.desk.plain import plain_label, set_plain
from ui.sprints.card import SprintCard
from ui.sprints.hot import HotContactsDialog

EMPTY_TEXT = (
    "No events yet. Import badge scans, an attendee report or a download list as an event "
    "(Lists & campaigns → Import) with a follow-up deadline, and its sprint starts here at once."
)


class SprintBoard(QWidget):
    """One card per event. ``today`` returns the day the deadlines count from (tests set it)."""

    def __init__(
        self,
        ctx: AppContext,
        parent: QWidget | None = None,
        *,
        today: Callable[[], dt.date] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("sprintBoard")
        self.ctx = ctx
        # The app's clock, on this computer's calendar (where the manager sits).
        self.today = today or (lambda: ctx.clock().astimezone().date())
        self.cards: list[SprintCard] = []
        self.figures: list[SprintFigures] = []
        self._loading = False
        self._again = False

        title = QLabel("Event sprints")
        font = title.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.3)
        title.setFont(font)
        self.status = plain_label(wrap=False)
        self.status.setObjectName("sprintStatus")
        self.refresh_button = QPushButton("&Refresh")
        self.refresh_button.clicked.connect(self.refresh)
        head = QHBoxLayout()
        head.addWidget(title)
        head.addWidget(self.status, 1)
        head.addWidget(self.refresh_button)

        self.empty = plain_label(EMPTY_TEXT)
        self.empty.setObjectName("sprintEmpty")
        self.error = plain_label()
        self.error.setStyleSheet("color: #b00020;")
        self.error.hide()
        body = QWidget()
        self.cards_layout = QVBoxLayout(body)
        self.cards_layout.setContentsMargins(0, 0, 0, 0)
        self.cards_layout.addStretch(1)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setWidget(body)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addLayout(head)
        layout.addWidget(self.error)
        layout.addWidget(self.empty)
        layout.addWidget(self.scroll, 1)
        ctx.data_changed.connect(lambda _what: self.refresh())
        self.refresh()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt API)
        # Calls recorded at the desk do not all announce themselves: look again when shown.
        super().showEvent(event)
        if not event.spontaneous():
            self.refresh()

    def refresh(self) -> None:
        """Read the figures again in the background (one read at a time, the last one wins)."""
        if self._loading:
            self._again = True
            return
        self._loading = True
        store, today = self.ctx.store, self.today()

        def read(_task: Any) -> list[SprintFigures]:
            return sprint_board(store, today=today)

        self.ctx.background.run(read, on_done=self._show, on_error=self._failed)

    def _finished(self) -> bool:
        self._loading = False
        if self._again:
            self._again = False
            self.refresh()
            return False
        return True

    def _failed(self, exc: BaseException) -> None:
        if self._finished():
            set_plain(self.error, f"The sprint figures could not be read: {exc}")

    def _show(self, figures: list[SprintFigures]) -> None:
        if not self._finished():
            return
        set_plain(self.error, None)
        self.figures = figures
        for card in self.cards:
            self.cards_layout.removeWidget(card)
            card.deleteLater()
        self.cards = []
        for index, item in enumerate(figures):
            card = SprintCard(item)
            card.work.connect(self.ctx.work_campaign)
            card.show_hot.connect(self.open_hot)
            self.cards_layout.insertWidget(index, card)
            self.cards.append(card)
        self.empty.setVisible(not figures)
        running = sum(1 for f in figures if f.days_left is not None and f.days_left >= 0)
        hot = sum(f.untouched_hot for f in figures)
        text = f"{running} running, as of {self.today().strftime('%a %d %b %Y')}"
        if hot:
            text += f" · {hot} hot contact{'s' if hot != 1 else ''} nobody has called yet"
        set_plain(self.status, text)
        self.status.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

    def open_hot(self, event_id: int) -> HotContactsDialog:
        """Open the list of the event's hot contacts nobody has called."""
        card = self.card_for(event_id)
        name = card.figures.name if card is not None else ""
        self.hot_dialog = HotContactsDialog(self.ctx, event_id, name, self)
        self.hot_dialog.open()
        return self.hot_dialog

    def card_for(self, event_id: int) -> SprintCard | None:
        return next((c for c in self.cards if c.figures.event_id == event_id), None)
