"""Contacts never offered because their zone or state is unknown, and setting one by hand.

:func:`calldesk.rules.set_zone` does the work (locale key recomputed, audit entry written);
this page picks the contact, gathers the zone, state and country, and reports the outcome.
"""

from __future__ import annotations

import zoneinfo
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QFormLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from calldesk import rules, settings
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

REVIEW_HEADERS = ("Contact", "Name", "Country", "State", "Postal code", "Phones", "Why")


def zone_names() -> list[str]:
    """IANA zone names a person would pick (no legacy aliases such as "EST5EDT")."""
    return sorted(z for z in zoneinfo.available_timezones() if "/" in z and "Etc/" not in z)


class ReviewPage(QWidget):
    """The "needs review" list beside a form that sets the selected contact's place."""

    #: a contact's place was set (its id); the screen reloads
    placed = Signal(int)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.rows: list[dict[str, Any]] = []
        self.count = plain_label("", self, wrap=False)
        self.table = read_only_table(REVIEW_HEADERS, self)
        fit_columns(self.table, (70, 170, 65, 55, 90, 150))
        self.table.itemSelectionChanged.connect(self._selected)

        self.zone = QComboBox(self)
        self.zone.setEditable(True)
        self.zone.addItems(zone_names())
        self.zone.setCurrentIndex(-1)
        self.zone.lineEdit().setPlaceholderText("e.g. America/Chicago")
        completer = QCompleter(zone_names(), self.zone)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.zone.setCompleter(completer)
        self.state = QLineEdit(self)
        self.state.setPlaceholderText("optional, e.g. TX or Ontario")
        self.country = QLineEdit(self)
        self.country.setPlaceholderText("optional, e.g. US")
        self.who = QLineEdit(settings.get("rep_name") or "", self)
        self.who.setPlaceholderText("your name, for the audit log")
        self.set_button = QPushButton("&Set place", self)
        self.set_button.setEnabled(False)
        self.set_button.clicked.connect(self.apply)
        self.chosen = plain_label("Select a contact in the list.", self)
        self.message = plain_label("", self)

        form = QFormLayout()
        form.addRow("Time zone:", self.zone)
        form.addRow("State/province:", self.state)
        form.addRow("Country:", self.country)
        form.addRow("Who:", self.who)
        side = QVBoxLayout()
        side.addWidget(self.chosen)
        side.addLayout(form)
        side.addWidget(self.set_button, 0, Qt.AlignmentFlag.AlignRight)
        side.addWidget(self.message)
        side.addWidget(
            plain_label(
                "A contact whose zone or state cannot be determined is never offered. Setting "
                "its place by hand makes it callable under the rules of that place and is "
                "written to the audit log.",
                self,
            )
        )
        beside_form(self, (self.count, self.table), side, 360)

    def show_rows(self, rows: list[dict[str, Any]], total: int) -> None:
        self.rows = rows
        shown = f" (first {len(rows):,} shown)" if total > len(rows) else ""
        self.count.setText(
            "No contact needs review: every contact's place is known."
            if not total
            else f"{total:,} {'contact is' if total == 1 else 'contacts are'} not offered "
            f"until its place is set{shown}."
        )
        fill(
            self.table,
            [
                (
                    r["contact_id"],
                    r["name"],
                    r["country"],
                    r["state"],
                    r["postal_code"],
                    ", ".join(r["phones"]),
                    r["reason"],
                )
                for r in rows
            ],
            data=[r["contact_id"] for r in rows],
        )
        self._selected()

    def select_contact(self, contact_id: int) -> None:
        for r, row in enumerate(self.rows):
            if row["contact_id"] == contact_id:
                self.table.selectRow(r)
                return
        raise LookupError(f"contact {contact_id} is not in the list")

    def _selected(self) -> None:
        contact_id = selected_data(self.table)
        row = next((r for r in self.rows if r["contact_id"] == contact_id), None)
        self.set_button.setEnabled(row is not None)
        if row is None:
            self.chosen.setText("Select a contact in the list.")
            return
        self.chosen.setText(f"#{row['contact_id']} {row['name'] or '(no name)'}: {row['reason']}")
        self.state.setText(row["state"] or "")
        self.country.setText(row["country"] or "")

    def apply(self) -> None:
        contact_id = selected_data(self.table)
        zone = self.zone.currentText().strip()
        if contact_id is None:
            return
        if not zone:
            self._error("Choose the contact's time zone.")
            return
        state = self.state.text().strip() or None
        country = self.country.text().strip() or None
        actor = self.who.text().strip() or None
        store = self.ctx.store

        def write(_task: Any) -> str:
            with store.write() as session:
                contact = rules.set_zone(
                    session, contact_id, zone=zone, state=state, country=country, actor=actor
                )
                return contact.locale_key or ""

        def done(key: str) -> None:
            self.set_button.setEnabled(True)
            self.message.setStyleSheet("")
            self.message.setText(f"Contact #{contact_id} placed ({key}); it can be offered now.")
            self.placed.emit(contact_id)
            self.ctx.data_changed.emit("contacts")

        def failed(exc: BaseException) -> None:
            self.set_button.setEnabled(True)
            self._error(str(exc) if isinstance(exc, ValueError | LookupError) else repr(exc))

        self.set_button.setEnabled(False)
        self.ctx.background.run(write, on_done=done, on_error=failed)

    def _error(self, text: str) -> None:
        self.message.setStyleSheet(ERROR_STYLE)
        self.message.setText(f"Not set: {text}")
