"""Dialling from the desk: a number on the card (one key), or one typed by hand. Either is
checked by the calling rules at the instant of the dial (authorize_dial, as the command line
does): refused with the reason; where the law allows it, a manager's confirmed override."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QLineEdit

from calldesk import settings as preferences
from ui.desk.controller import DeskController, DialRequest
from ui.desk.dialer import Dialer, DialError
from ui.desk.lead_card import LeadCard
from ui.desk.manual_dial import ManualDialPanel


class Dialling(QObject):
    """Hands numbers to the softphone and notes what was dialled on the open card."""

    message = Signal(str)
    dialled = Signal()

    def __init__(
        self,
        controller: DeskController,
        card: LeadCard,
        box: QLineEdit,
        panel: ManualDialPanel,
        clock: Callable[[], dt.datetime],
        dialer: Dialer | None = None,
    ) -> None:
        super().__init__(card)
        self.controller = controller
        self.card = card
        self.box = box
        self.panel = panel
        self.clock = clock
        self._dialer = dialer

    def dial(self, index: int | None = None) -> None:
        """Dial number ``index`` of the card; None: the queue's choice, else the first one."""
        lead = self.controller.lead
        if lead is None:
            return
        phones = lead.card.phones
        if index is None:
            dialable = [p for p in phones if p.dialable]
            phone = next((p for p in dialable if p.id == lead.phone_id), None)
            phone = phone or (dialable[0] if dialable else None)
        else:
            phone = phones[index] if index < len(phones) else None
        if phone is not None:
            self.dial_phone(phone.id)

    def dial_phone(self, phone_id: int) -> None:
        lead = self.controller.lead
        if lead is None:
            return
        phone = next((p for p in lead.card.phones if p.id == phone_id), None)
        if phone is None or not phone.dialable or phone.e164 is None:
            self.message.emit("This number cannot be dialled")
            return
        # Checked again at this instant: the card may have been offered minutes ago.
        self.controller.check_dial(phone.e164, phone_id=phone.id, extension=phone.extension)

    def focus_box(self) -> None:
        self.box.setFocus()
        self.box.selectAll()

    def typed(self, text: str) -> None:
        """A number typed in the dial box: the rules engine answers through ``checked``."""
        if self.controller.lead is None:
            self.panel.show_message("Typed numbers are dialled for the contact on the card")
            return
        self.controller.check_dial(text)

    def checked(self, request: DialRequest) -> None:
        decision = request.decision
        if decision is None or request.lead is not self.controller.lead:
            return  # the card changed meanwhile: that dial is no longer asked for
        if not decision.allowed:
            if not request.manual:  # the card's own number: its verdict changed
                self.card.refused(decision.explanation)
            self.panel.refuse(request)
            return
        self.panel.reset()
        log: dict[str, Any] = {"manual": request.manual}
        if request.phone_id is not None:
            log["phone_id"] = request.phone_id
        if decision.override_by:
            log["override_by"] = decision.override_by
            log["override_reason"] = decision.override_reason
        self._hand_over(decision.e164 or request.number, request.extension, **log)
        if request.manual:
            self.box.clear()

    def override(self, manager: str, reason: str) -> None:
        """A manager confirmed the refused dial in the panel: the rules decide once more."""
        request = self.panel.request
        if request is None or request.lead is not self.controller.lead:
            return
        self.controller.check_dial(
            request.number,
            phone_id=request.phone_id,
            extension=request.extension,
            override_by=manager,
            override_reason=reason,
        )

    def _hand_over(self, e164: str, extension: str | None, **log: Any) -> None:
        # Read the preference at each dial: the settings dialog may have changed it.
        prefs = preferences.load()
        dialer = self._dialer or Dialer(prefs["dialer"], prefs["dialer_command"])
        try:
            number = dialer.dial(e164, extension)
        except DialError as exc:
            self.message.emit(str(exc))
            return
        self.controller.note_dialled(number, **log)
        self.card.note_dialled(number, self.clock())
        self.dialled.emit()
