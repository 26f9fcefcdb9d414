"""The queue panel: who comes next and why, callbacks coming due, and today's counters."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from calldesk.desk_checks import CallbackDue
from calldesk.desk_data import Counters, to_zone
from ui.desk.plain import fmt_time, plain_label, set_plain


@dataclass(frozen=True)
class ComingLine:
    """One contact the queue would hand out next: who, why, and their local time."""

    contact_id: int
    name: str
    company: str | None
    why: str
    local_time: str | None


def _title(text: str) -> QLabel:
    label = QLabel(text)
    font = label.font()
    font.setBold(True)
    label.setFont(font)
    return label


class QueuePanel(QWidget):
    """Emits ``callback_chosen(contact_id)`` when a due callback is taken from the list."""

    callback_chosen = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("queuePanel")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)

        self.banner = QFrame()
        self.banner.setObjectName("callbackBanner")
        self.banner.setStyleSheet(
            "#callbackBanner { background: #fff3cd; border: 1px solid #d39e00; }"
        )
        banner_layout = QVBoxLayout(self.banner)
        self.banner_text = plain_label()
        self.banner_text.setObjectName("callbackBannerText")
        self.banner_dismiss = QPushButton("Dismiss")
        self.banner_dismiss.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.banner_dismiss.clicked.connect(self._dismiss)
        banner_layout.addWidget(self.banner_text)
        banner_layout.addWidget(self.banner_dismiss, 0, Qt.AlignmentFlag.AlignRight)
        self.banner.hide()
        layout.addWidget(self.banner)

        layout.addWidget(_title("Today"))
        self.counters = plain_label()
        self.counters.setObjectName("counters")
        layout.addWidget(self.counters)

        layout.addWidget(_title("Callbacks"))
        self.callbacks = QListWidget()
        self.callbacks.setObjectName("callbackList")
        self.callbacks.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.callbacks.itemActivated.connect(self._callback)
        layout.addWidget(self.callbacks, 1)

        layout.addWidget(_title("Coming next"))
        self.coming = QListWidget()
        self.coming.setObjectName("comingList")
        self.coming.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.coming.setWordWrap(True)
        layout.addWidget(self.coming, 2)
        self._dismissed: set[int] = set()
        self._named: list[int] = []
        self.show_counters(Counters())
        self.callbacks.addItem(QListWidgetItem("No callbacks in the next 24 hours"))

    def show_counters(self, counters: Counters) -> None:
        grades = " ".join(f"{g} {counters.grades.get(g, 0)}" for g in "ABCD")
        set_plain(
            self.counters,
            f"Dials {counters.dials} · conversations {counters.conversations}\n"
            f"Grades: {grades}\nAppointments {counters.appointments}",
        )

    def show_callbacks(
        self,
        items: Sequence[dict[str, Any]],
        now: dt.datetime,
        rep_zone: str | None,
        due_now: Sequence[CallbackDue] = (),
    ) -> list[CallbackDue]:
        """List open callbacks (the queue's ``due_callbacks``); the banner names ``due_now``
        (due and callable now) until they are handled or dismissed. Returns what it names."""
        self.callbacks.clear()
        for item in items:
            due_at = dt.datetime.fromisoformat(item["due_at"])
            due = due_at <= now
            mine = to_zone(due_at, rep_zone) or due_at
            text = f"{'DUE ' if due else ''}{fmt_time(mine, True)} your time"
            if item.get("due_local"):
                text += f" / {item['due_local']}"
            text += f" — {item['name']}"
            if not item.get("personal", True):
                text += " [open]"
            if item.get("notes"):
                text += f": {item['notes']}"
            row = QListWidgetItem(text)
            row.setData(Qt.ItemDataRole.UserRole, item["contact_id"])
            self.callbacks.addItem(row)
        if not items:
            self.callbacks.addItem(QListWidgetItem("No callbacks in the next 24 hours"))
        named = [d for d in due_now if d.callback_id not in self._dismissed]
        if named:
            names = ", ".join(d.name for d in named)
            it = "It comes" if len(named) == 1 else "They come"
            set_plain(self.banner_text, f"Callback due now: {names}. {it} next in the queue.")
            self.banner.show()
        else:
            self.banner.hide()  # handled (or not callable now): nothing to announce
        self._named = [d.callback_id for d in named]
        return named

    def _dismiss(self) -> None:
        self._dismissed.update(self._named)
        self.banner.hide()

    def show_coming(self, lines: Sequence[ComingLine]) -> None:
        self.coming.clear()
        for line in lines:
            text = line.name + (f" ({line.company})" if line.company else "")
            if line.local_time:
                text += f" — {line.local_time} their time"
            text += f"\n   {line.why}"
            self.coming.addItem(QListWidgetItem(text))
        if not lines:
            self.coming.addItem(QListWidgetItem("Nobody else callable right now"))

    def _callback(self, item: QListWidgetItem) -> None:
        contact_id = item.data(Qt.ItemDataRole.UserRole)
        if contact_id:
            self.callback_chosen.emit(int(contact_id))
