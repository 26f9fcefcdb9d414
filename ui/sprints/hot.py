"""The board's "Hot, nobody called yet", opened: who they are and what the booth noted."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from calldesk.sprints import HotContact, untouched_hot
from ui.context import AppContext
from ui.desk.plain import plain_label
from ui.rules.tables import fill, fit_columns, read_only_table, selected_data

HEADERS = ("Contact", "Title", "Company", "State", "Booth notes")


class HotContactsDialog(QDialog):
    """Lists the event's hot contacts nobody has dialled; opens one's card at the desk."""

    def __init__(
        self, ctx: AppContext, event_id: int, event_name: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.event_id = event_id
        self.rows: list[HotContact] = []
        self.setWindowTitle(f"Hot, nobody called yet — {event_name}")
        self.heading = plain_label("Reading…", self)
        self.table = read_only_table(HEADERS, self)
        fit_columns(self.table, (170, 170, 170, 50))
        self.table.itemDoubleClicked.connect(lambda _item: self.open_selected())
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.open_button = QPushButton("&Open card at the desk", self)
        self.open_button.setEnabled(False)
        self.open_button.clicked.connect(self.open_selected)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.addButton(self.open_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        self.resize(860, 420)
        store = ctx.store
        ctx.background.run(
            lambda _task: untouched_hot(store, event_id),
            on_done=self._show,
            on_error=lambda exc: self.heading.setText(f"Could not be read: {exc}"),
        )

    def _show(self, rows: list[HotContact]) -> None:
        self.rows = rows
        count = len(rows)
        self.heading.setText(
            f"{count} hot contact{'s' if count != 1 else ''} nobody has dialled yet. "
            "Double-click one to open the card at the desk."
            if rows
            else "Every hot contact has been called."
        )
        fill(
            self.table,
            [
                (r.name, r.title or "", r.company or "", r.state or "", r.booth_notes or "")
                for r in rows
            ],
            data=[r.contact_id for r in rows],
        )

    def _selection_changed(self) -> None:
        self.open_button.setEnabled(selected_data(self.table) is not None)

    def open_selected(self) -> None:
        contact_id = selected_data(self.table)
        if contact_id is None:
            return
        self.ctx.show_screen.emit("desk")
        self.ctx.open_contact.emit(int(contact_id))
