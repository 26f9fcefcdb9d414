"""Days closed for calling beyond the rule packs: a governor's proclaimed holiday, a state of
emergency ban. A manager enters the day with its reason and source; every decision (queue, card,
dial key) refuses consumer calls to that country or state on that day from then on.

:func:`calldesk.rules.marks.add_closed_day` and ``remove_closed_day`` do the work (validated,
audited); this page lists the days, gathers a new one and removes the selected one.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QDateEdit,
    QFormLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from calldesk import settings
from calldesk.rules.marks import add_closed_day, remove_closed_day
from ui.context import AppContext
from ui.rules.tables import (
    ERROR_STYLE,
    beside_form,
    fill,
    fit_columns,
    plain_label,
    read_only_table,
    selected_data,
)

CLOSED_HEADERS = ("Day", "Where", "Reason", "Source", "Entered by")


def where_text(row: dict[str, Any]) -> str:
    """ "US" for a whole country, "US-LA" for one state of it."""
    return f"{row['country']}-{row['state']}" if row["state"] else row["country"]


class ClosedDaysPage(QWidget):
    """The closed days entered so far beside a form that adds one."""

    #: the list of closed days changed (added or removed); the screen reloads
    changed = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.rows: list[dict[str, Any]] = []
        self.count = plain_label("", self, wrap=False)
        self.table = read_only_table(CLOSED_HEADERS, self)
        fit_columns(self.table, (95, 70, 220, 220))
        self.table.itemSelectionChanged.connect(self._selected)
        self.remove_button = QPushButton("&Remove selected day", self)
        self.remove_button.setEnabled(False)
        self.remove_button.clicked.connect(self.remove)

        self.day = QDateEdit(self)
        self.day.setCalendarPopup(True)
        self.day.setDisplayFormat("yyyy-MM-dd")
        self.country = QLineEdit("US", self)
        self.country.setPlaceholderText("e.g. US or CA")
        self.state = QLineEdit(self)
        self.state.setPlaceholderText("optional, e.g. LA or Louisiana (empty: whole country)")
        self.reason = QLineEdit(self)
        self.reason.setPlaceholderText("e.g. State of emergency: hurricane")
        self.source = QLineEdit(self)
        self.source.setPlaceholderText("the proclamation or order: a title or a link")
        self.who = QLineEdit(settings.get("rep_name") or "", self)
        self.who.setPlaceholderText("your name, for the audit log")
        self.add_button = QPushButton("&Close this day", self)
        self.add_button.clicked.connect(self.add)
        self.message = plain_label("", self)

        form = QFormLayout()
        form.addRow("Day:", self.day)
        form.addRow("Country:", self.country)
        form.addRow("State/province:", self.state)
        form.addRow("Reason:", self.reason)
        form.addRow("Source:", self.source)
        form.addRow("Who:", self.who)
        side = QVBoxLayout()
        side.addLayout(form)
        side.addWidget(self.add_button, 0, Qt.AlignmentFlag.AlignRight)
        side.addWidget(self.message)
        side.addWidget(
            plain_label(
                "A closed day refuses consumer calls to that country or state all day (in the "
                "contact's own time), on top of the rule packs: a governor's proclaimed "
                "holiday, an emergency ban. It applies to every rep (other desks see it within "
                "half a minute) and is "
                "written to the audit log with its source.",
                self,
            )
        )
        beside_form(self, (self.count, self.table, self.remove_button), side, 380)

    def set_today(self, day: dt.date) -> None:
        """Start the date box on the screen's day (the clock the screen was given)."""
        self.day.setDate(QDate(day.year, day.month, day.day))

    def show_rows(self, rows: list[dict[str, Any]]) -> None:
        self.rows = rows
        self.count.setText(
            "No extra closed days: the rule packs' holidays apply."
            if not rows
            else f"{len(rows):,} closed {'day' if len(rows) == 1 else 'days'} entered."
        )
        fill(
            self.table,
            [
                (r["day"], where_text(r), r["reason"], r["source"], r["added_by"] or "")
                for r in rows
            ],
            data=[r["id"] for r in rows],
        )
        self._selected()

    def _selected(self) -> None:
        self.remove_button.setEnabled(selected_data(self.table) is not None)

    def add(self) -> None:
        picked = self.day.date()
        day = dt.date(picked.year(), picked.month(), picked.day())
        country = self.country.text().strip()
        state = self.state.text().strip() or None
        reason, source = self.reason.text().strip(), self.source.text().strip()
        actor = self.who.text().strip() or None
        store = self.ctx.store

        def write(_task: Any) -> dict[str, Any]:
            with store.write() as session:
                entry = add_closed_day(
                    session,
                    country=country,
                    state=state,
                    day=day,
                    reason=reason,
                    source=source,
                    actor=actor,
                )
                return {"country": entry.country, "state": entry.state, "day": entry.day}

        def done(entry: dict[str, Any]) -> None:
            self.add_button.setEnabled(True)
            self.message.setStyleSheet("")
            self.message.setText(
                f"{where_text(entry)} is closed for calling on {entry['day'].isoformat()}."
            )
            self.reason.clear()
            self.source.clear()
            self.changed.emit()

        self.add_button.setEnabled(False)
        self.ctx.background.run(write, on_done=done, on_error=self._failed("Not added"))

    def remove(self) -> None:
        closed_id = selected_data(self.table)
        if closed_id is None:
            return
        row = next(r for r in self.rows if r["id"] == closed_id)
        actor = self.who.text().strip() or None
        store = self.ctx.store

        def write(_task: Any) -> None:
            with store.write() as session:
                remove_closed_day(session, closed_id, actor=actor)

        def done(_result: None) -> None:
            self.message.setStyleSheet("")
            self.message.setText(f"{where_text(row)} on {row['day']} is open for calling again.")
            self.changed.emit()

        self.remove_button.setEnabled(False)
        self.ctx.background.run(write, on_done=done, on_error=self._failed("Not removed"))

    def _failed(self, what: str):  # type: ignore[no-untyped-def]
        def failed(exc: BaseException) -> None:
            self.add_button.setEnabled(True)
            self._selected()
            self.message.setStyleSheet(ERROR_STYLE)
            text = str(exc) if isinstance(exc, ValueError | LookupError) else repr(exc)
            self.message.setText(f"{what}: {text}")

        return failed
