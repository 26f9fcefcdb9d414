"""Export to the field rep's calendar (.ics): the selected meeting, or every upcoming one."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QPushButton, QWidget

from calldesk.appointments import upcoming_counts
from calldesk.sync.ics import appointments_ics, write_appointments_ics
from ui.context import AppContext


class CalendarExport(QWidget):
    """Two buttons; ``said(text, error)`` reports what was written (or why not)."""

    said = Signal(str, bool)

    def __init__(
        self,
        ctx: AppContext,
        selected_id: Callable[[], int | None],
        field_rep: Callable[[], tuple[int, str] | None],
        clock: Callable[[], dt.datetime],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.selected_id = selected_id
        self.field_rep = field_rep
        self.clock = clock
        self.one = QPushButton("Export &selected (.ics)…")
        self.upcoming = QPushButton("Export all &upcoming (.ics)…")
        self.one.clicked.connect(self.export_selected)
        self.upcoming.clicked.connect(self.export_upcoming)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.one)
        layout.addWidget(self.upcoming)

    def update_state(self) -> None:
        self.one.setEnabled(self.selected_id() is not None)
        self.upcoming.setEnabled(self.field_rep() is not None)

    def _ask_path(self, suggested: str) -> str:
        path, _ = QFileDialog.getSaveFileName(
            self, "Export to your calendar", str(Path.home() / suggested), "iCalendar (*.ics)"
        )
        if path and not path.lower().endswith(".ics"):
            path += ".ics"
        return path

    def _failed(self, exc: BaseException) -> None:
        self.said.emit(f"The calendar file could not be written: {exc}", True)

    def export_selected(self) -> None:
        appointment_id = self.selected_id()
        if appointment_id is None:
            return
        path = self._ask_path(f"meeting-{appointment_id}.ics")
        if not path:
            return
        store = self.ctx.store

        def write(_task: Any) -> None:
            with store.session() as session:
                data = appointments_ics(session, [appointment_id])
            Path(path).write_bytes(data)

        self.ctx.background.run(
            write,
            on_done=lambda _none: self.said.emit(f"Saved the meeting to {path}", False),
            on_error=self._failed,
        )

    def export_upcoming(self) -> None:
        rep = self.field_rep()
        if rep is None:
            return
        rep_id, name = rep
        path = self._ask_path(f"{name.lower().replace(' ', '-')}-upcoming.ics")
        if not path:
            return
        store, now = self.ctx.store, self.clock()

        def write(_task: Any) -> tuple[int, int]:
            with store.session() as session:
                write_appointments_ics(session, path, field_rep_id=rep_id, now=now)
                return upcoming_counts(session, now=now, field_rep_id=rep_id)

        def done(counts: tuple[int, int]) -> None:
            upcoming, closed = counts
            text = f"Saved {upcoming} upcoming meeting{'s' if upcoming != 1 else ''} to {path}"
            if closed:
                text += f" (and {closed} rejected or cancelled, marked off in your calendar)"
            self.said.emit(text, False)

        self.ctx.background.run(write, on_done=done, on_error=self._failed)
