"""One target's deliveries (failed first: what a person must look at), with retry and skip.

:func:`calldesk.sync.list_deliveries`, :func:`~calldesk.sync.retry` and
:func:`~calldesk.sync.skip` do the work; a retry never resends something delivered.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from calldesk.sync import DeliveryView, SyncError, list_deliveries, retry, skip
from ui.context import AppContext
from ui.rules.tables import (
    ERROR_STYLE,
    fill,
    fit_columns,
    plain_label,
    read_only_table,
    selected_data,
)

HEADERS = ("Entry", "Kind", "Contact", "State", "Tries", "Next try", "Why (reason)")
STATE_CHOICES = (
    ("Parked: need review", "failed"),
    ("Pending", "pending"),
    ("Delivered", "delivered"),
    ("Skipped", "skipped"),
    ("Everything", None),
)
LIMIT = 500
# A failed entry is parked: the others went on without it; retry or skip it once fixed.
STATE_WORDS = {"failed": "parked"}


def local_time(moment: dt.datetime | None) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M:%S") if moment else ""


class DeliveriesPanel(QWidget):
    """The entries of the selected target in one state; retry or skip the selected one."""

    #: an entry was retried or skipped (the screen refreshes its counts)
    changed = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.target: str | None = None
        self.rows: list[DeliveryView] = []
        self._generation = 0
        self.title = plain_label("Select a target to see its entries.", self, wrap=False)
        self.title.setStyleSheet("font-weight: bold;")
        self.state = QComboBox(self)
        for label, key in STATE_CHOICES:
            self.state.addItem(label, key)
        self.state.currentIndexChanged.connect(self.reload)
        self.retry_button = QPushButton("&Retry entry", self)
        self.retry_button.setToolTip("Send it again on the next sync (same idempotency key)")
        self.retry_button.clicked.connect(lambda: self._act("retry"))
        self.skip_button = QPushButton("S&kip entry", self)
        self.skip_button.setToolTip("Never send this entry to this target")
        self.skip_button.clicked.connect(lambda: self._act("skip"))
        self.message = plain_label("", self)
        self.message.hide()
        self.table = read_only_table(HEADERS, self)
        fit_columns(self.table, (60, 150, 180, 80, 50, 150))
        self.table.itemSelectionChanged.connect(self._selection_changed)
        bar = QHBoxLayout()
        bar.addWidget(self.title, 1)
        bar.addWidget(self.state)
        bar.addWidget(self.retry_button)
        bar.addWidget(self.skip_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.message)
        layout.addWidget(self.table, 1)
        self._selection_changed()

    def show_target(self, name: str | None) -> None:
        self.target = name
        self.reload()

    def show_state(self, state: str | None) -> None:
        self.state.setCurrentIndex(self.state.findData(state))

    def reload(self) -> None:
        self._generation += 1
        generation, target, store = self._generation, self.target, self.ctx.store
        if target is None:
            self.title.setText("Select a target to see its entries.")
            self._show([])
            return
        state = self.state.currentData()

        def load(_task: Any) -> list[DeliveryView]:
            return list_deliveries(store, target, state=state, limit=LIMIT)

        def done(rows: list[DeliveryView]) -> None:
            if generation == self._generation:
                more = " (first 500)" if len(rows) == LIMIT else ""
                self.title.setText(f"Entries for {target}: {len(rows):,}{more}")
                self._show(rows)

        self.ctx.background.run(load, on_done=done)

    def _show(self, rows: list[DeliveryView]) -> None:
        self.rows = rows
        fill(
            self.table,
            [
                (
                    f"#{r.entry_id}",
                    r.kind,
                    r.contact_name or (f"contact {r.contact_id}" if r.contact_id else ""),
                    STATE_WORDS.get(r.state, r.state),
                    r.attempts,
                    local_time(r.next_try_at) if r.state == "pending" else "",
                    r.last_error or "",
                )
                for r in rows
            ],
            data=[r.entry_id for r in rows],
            warn=[r.state == "failed" for r in rows],
        )
        self._selection_changed()

    def select_entry(self, entry_id: int) -> None:
        for r, row in enumerate(self.rows):
            if row.entry_id == entry_id:
                self.table.selectRow(r)
                return
        raise LookupError(f"entry {entry_id} is not listed")

    def selected(self) -> DeliveryView | None:
        entry_id = selected_data(self.table)
        return next((r for r in self.rows if r.entry_id == entry_id), None)

    def _selection_changed(self) -> None:
        row = self.selected()
        waiting = row is not None and row.state in ("pending", "failed")
        self.retry_button.setEnabled(waiting)
        self.skip_button.setEnabled(waiting)

    def _act(self, action: str) -> None:
        row = self.selected()
        if row is None:
            return
        store, entry_id, target = self.ctx.store, row.entry_id, row.target

        def work(_task: Any) -> int:
            if action == "retry":
                return retry(store, entry_id, target=target)
            return skip(store, entry_id, target=target)

        def done(count: int) -> None:
            self.message.show()
            self.message.setStyleSheet("")
            self.message.setText(
                f"Entry #{entry_id} will be sent to {target} on the next sync."
                if action == "retry"
                else f"Entry #{entry_id} will never be sent to {target}."
            )
            self.changed.emit()
            self.reload()

        def failed(exc: BaseException) -> None:
            self.message.show()
            self.message.setStyleSheet(ERROR_STYLE)
            self.message.setText(str(exc) if isinstance(exc, SyncError) else repr(exc))

        self.ctx.background.run(work, on_done=done, on_error=failed)
