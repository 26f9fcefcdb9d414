"""A colleague's or a callback's card, one click away, without leaving the lead on the desk."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QVBoxLayout, QWidget

from calldesk.desk_data import load_card
from ui.context import AppContext
from ui.desk.lead_card import LeadCard


class ContactPeek(QDialog):
    """A read-only lead card in its own window (Esc closes); loaded in the background."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("contactPeek")
        self.setWindowTitle("Contact")
        self.resize(560, 640)
        layout = QVBoxLayout(self)
        self.card = LeadCard(self)
        self.card.colleague_chosen.connect(self.open_contact)
        layout.addWidget(self.card)
        self.contact_id: int | None = None

    def open_contact(self, contact_id: int) -> None:
        self.contact_id = contact_id
        store = self.ctx.store

        def load(_task):
            with store.session() as session:
                return load_card(session, contact_id)

        self.ctx.background.run(load, on_done=self._loaded)

    def _loaded(self, card) -> None:
        if card is None or card.contact_id != self.contact_id:
            return
        self.setWindowTitle(card.name)
        self.card.show_card(card)
        self.show()
        self.activateWindow()
