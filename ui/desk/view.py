"""The calling desk: lays out the session bar, lead card, script, queue and disposition bar.

The view only lays out and routes keys; :class:`~ui.desk.controller.DeskController` holds the
session and talks to the core through the background runner.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QLabel, QSplitter, QVBoxLayout, QWidget

from calldesk import desk_checks
from calldesk import settings as preferences
from calldesk.desk_data import to_zone
from ui.context import AppContext
from ui.desk.booking import BookingForm
from ui.desk.controller import DeskController
from ui.desk.dialer import Dialer
from ui.desk.dialling import Dialling
from ui.desk.disposition_bar import DispositionBar
from ui.desk.help_overlay import HelpOverlay
from ui.desk.lead_card import LeadCard
from ui.desk.manual_dial import ManualDialPanel
from ui.desk.peek import ContactPeek
from ui.desk.plain import set_plain
from ui.desk.queue_panel import QueuePanel
from ui.desk.referral import ReferralForm
from ui.desk.script_panel import ScriptPanel
from ui.desk.session_bar import SessionBar

Clock = Callable[[], dt.datetime]


def _window_settings() -> QSettings:
    from ui.main_window import window_settings

    return window_settings()


class DeskView(QWidget):
    """The rep's main screen. ``clock`` returns the current aware UTC time (tests inject one)."""

    def __init__(
        self,
        ctx: AppContext,
        parent: QWidget | None = None,
        *,
        clock: Clock | None = None,
        dialer: Dialer | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("deskView")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.ctx = ctx
        self.clock: Clock = clock or ctx.clock
        prefs = preferences.load()
        self.controller = DeskController(ctx, self.clock, claim_minutes=prefs["claim_minutes"])

        self.session = SessionBar()
        self.card = LeadCard()
        self.script = ScriptPanel()
        self.queue = QueuePanel()
        self.bar = DispositionBar()
        self.booking = BookingForm()
        self.referral = ReferralForm()
        self.manual = ManualDialPanel()
        self.message = QLabel()
        self.message.setObjectName("deskMessage")
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setWordWrap(True)

        centre = QWidget()
        centre_layout = QVBoxLayout(centre)
        centre_layout.setContentsMargins(0, 0, 0, 0)
        centre_layout.addWidget(self.script, 1)
        centre_layout.addWidget(self.booking)
        centre_layout.addWidget(self.referral)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("deskSplitter")
        self.splitter.addWidget(self.card)
        self.splitter.addWidget(centre)
        self.splitter.addWidget(self.queue)
        self.splitter.setStretchFactor(0, 4)
        self.splitter.setStretchFactor(1, 4)
        self.splitter.setStretchFactor(2, 2)
        self.splitter.setSizes([500, 480, 280])

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.session)
        layout.addWidget(self.manual)
        layout.addWidget(self.message)
        layout.addWidget(self.splitter, 1)
        layout.addWidget(self.bar)
        self.help = HelpOverlay(self)
        self.peek = ContactPeek(ctx, self)
        self.dialling = Dialling(
            self.controller, self.card, self.session.dial_box, self.manual, self.clock, dialer
        )

        self._wire()
        self._restore_splitter()
        self.tick_timer = QTimer(self)
        self.tick_timer.setInterval(1000)
        self.tick_timer.timeout.connect(self._tick)
        self.tick_timer.start()
        self.controller.load_choices(prefs["rep_name"], prefs["campaign_id"])
        self.show_message(None)

    # --- wiring -----------------------------------------------------------------------------

    def _wire(self) -> None:
        c = self.controller
        c.choices_loaded.connect(self._choices)
        c.card_changed.connect(self._card)
        c.queue_empty.connect(self._empty)
        c.message.connect(self.show_message)
        c.counters_changed.connect(self.queue.show_counters)
        c.callbacks_changed.connect(self._callbacks)
        c.coming_changed.connect(self.queue.show_coming)
        c.session_changed.connect(self._session_state)
        c.booking_failed.connect(self.booking.show_error)
        c.booking_ready.connect(self._booking_ready)
        c.card_verdict.connect(self._card_verdict)
        self.card.verdict_expired.connect(c.recheck_card)
        c.saved.connect(self._saved)
        c.dial_checked.connect(self.dialling.checked)
        self.session.start_requested.connect(self._start)
        self.session.pause_toggled.connect(c.toggle_pause)
        self.session.manual_dial.connect(self.dialling.typed)
        self.manual.override.connect(self.dialling.override)
        self.dialling.message.connect(self.show_message)
        self.dialling.dialled.connect(self._focus_work)
        self.manual.cancelled.connect(self._focus_work)
        self.bar.chosen.connect(self._disposition)
        self.bar.confirmed.connect(self._confirmed)
        self.card.dial_requested.connect(self.dialling.dial_phone)
        self.card.colleague_chosen.connect(self.peek.open_contact)
        self.ctx.open_contact.connect(self.peek.open_contact)
        self.ctx.work_campaign.connect(self._work_campaign)
        self.ctx.data_changed.connect(self._data_changed)
        self.booking.book.connect(c.book_and_next)
        self.booking.cancelled.connect(self._focus_work)
        self.referral.capture.connect(self._referral)
        self.referral.cancelled.connect(self._focus_work)
        self.queue.callback_chosen.connect(self.peek.open_contact)

    def _shortcut(self, keys: str, slot: Callable[[], None]) -> QShortcut:
        shortcut = QShortcut(QKeySequence(keys), self)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(slot)
        return shortcut

    def _install_shortcuts(self) -> None:
        for shortcut in getattr(self, "_shortcuts", []):
            shortcut.setParent(None)
            shortcut.deleteLater()
        rows: list[tuple[str, str]] = []
        shortcuts = []
        taken: set[str] = set()
        for spec in self.bar.specs.values():
            if spec.hotkey:
                shortcuts.append(
                    self._shortcut(spec.hotkey, lambda code=spec.code: self._disposition(code))
                )
                taken.add(spec.hotkey.upper())
                rows.append((spec.hotkey, spec.label))
        # F1 is help unless the team gave it to a disposition (the default: no answer).
        help_keys = ["?"] + (["F1"] if "F1" not in taken else ["Shift+F1"])
        fixed = [
            (
                ("F10" if "F10" not in taken else "Ctrl+D"),
                "Dial (the number the queue chose)",
                self.dialling.dial,
            ),
            ("Alt+1 … Alt+9", "Dial number 1 … 9 on the card", None),
            ("Ctrl+Return", "Start calling / resume", self._start),
            ("Ctrl+P", "Pause / resume", self.controller.toggle_pause),
            ("Ctrl+N", "Notes for this call", self.bar.notes.setFocus),
            ("Ctrl+L", "Type a number to dial", self.dialling.focus_box),
            ("Ctrl+R", "Capture the right person (referral)", self._open_referral),
            ("Ctrl+B", "Book the meeting (grade A)", self._open_booking),
            ("Ctrl+J", "Back to the script", self._focus_work),
            ("Esc", "Close a form", self._escape),
            (" or ".join(help_keys), "This help", self.help.open),
            ("1-9, Y/N", "Answer a choice / yes-no question", None),
            ("Enter", "Go on to the next question; save a form", None),
            ("Backspace, Alt+Left", "Previous question", None),
            ("Alt+Right", "Skip a question that is not required", None),
        ]
        for keys, what, slot in fixed:
            rows.append((keys, what))
            if slot is None:
                continue
            for key in keys.split(" or "):
                shortcuts.append(self._shortcut(key, slot))
        if "F10" not in taken:
            shortcuts.append(self._shortcut("Ctrl+D", self.dialling.dial))
        for index in range(9):
            shortcuts.append(
                self._shortcut(f"Alt+{index + 1}", lambda i=index: self.dialling.dial(i))
            )
        self._shortcuts = shortcuts
        self.help.set_shortcuts(rows)

    # --- controller events ------------------------------------------------------------------

    def _choices(self, reps, campaigns, dispositions, rep_name: str, campaign_id: int) -> None:
        self.session.set_choices(reps, campaigns, rep_name, campaign_id)
        self.bar.set_dispositions(dispositions)
        qualified = self.bar.specs.get("qualified")
        self.script.save_key = (qualified.hotkey if qualified else None) or "the Qualified button"
        self._install_shortcuts()
        self.bar.set_enabled(False)
        if not reps:
            self.show_message("No reps yet: add one (calldesk rep add NAME) to start calling.")
        self.session.start.setFocus()

    def _session_state(self, running: bool, paused: bool, status: str) -> None:
        self.session.set_running(running, paused)
        self.session.set_status(status)
        self.bar.set_enabled(running and not paused and self.controller.lead is not None)

    def _card(self, lead) -> None:
        self.booking.hide()
        self.referral.hide()
        self.manual.reset()
        self.bar.reset()
        if lead is None:
            self.card.show_card(None)
            self.script.set_runner(None)
            self.bar.set_enabled(False)
            self._focus_work()
            return
        self.card.show_card(
            lead.card, why=lead.why, rule=lead.rule, allowed_until=lead.allowed_until
        )
        self.card.tick(self.clock())
        self.script.set_runner(
            lead.runner, lead.opener, lead.script_note, lead.objections, lead.closing, lead.merge
        )
        self.bar.set_enabled(True)
        self.show_message(None)
        self._focus_work()

    def _card_verdict(self, lead, verdict) -> None:
        if lead is not self.controller.lead:
            return
        lead.allowed_until = verdict.until
        if verdict.allowed and (verdict.until is None or verdict.until > self.clock()):
            self.card.still_allowed(verdict.until, verdict.rule)

    def _empty(self, why: str, next_at: dt.datetime | None) -> None:
        when = None
        if next_at is not None:
            mine = to_zone(next_at, self.controller.rep_zone) or next_at
            when = f"The next contact may become callable {mine:%a %H:%M} your time."
        self.card.show_card(None, why=when, rule=why)
        self.script.set_runner(None, note="Nothing to call right now")
        self.bar.set_enabled(False)
        self._focus_work()

    def _callbacks(self, lines, rep_zone, due) -> None:
        self.queue.show_callbacks(lines, self.clock(), rep_zone, due)

    def _saved(self, code: str, name: str) -> None:
        spec = self.bar.specs.get(code)
        label = spec.label if spec else code
        self.session.set_status(f"Calling as {self.controller.rep_name} · saved: {label} ({name})")

    def show_message(self, text: str | None) -> None:
        set_plain(self.message, text)

    # --- actions ----------------------------------------------------------------------------

    def _start(self) -> None:
        if self.controller.running:
            if self.controller.paused:
                self.controller.toggle_pause()
            return
        choice = self.session.rep_choice()
        if choice is None:
            self.show_message("Pick your name first (add reps with: calldesk rep add NAME)")
            return
        self.controller.start(choice[0], choice[1], self.session.campaign_id())

    def _data_changed(self, what: str) -> None:
        if what in ("import", "contacts", "lists", "campaigns", "dnc"):
            self.controller.look_again()
        # New reps, campaigns or dispositions show up in the pickers (not mid-session).
        if what in ("reps", "campaigns", "dispositions") and not self.controller.running:
            choice = self.session.rep_choice()
            self.controller.load_choices(choice[1] if choice else "", self.session.campaign_id())

    def _work_campaign(self, campaign_id: int) -> None:
        index = self.session.campaign.findData(campaign_id)
        if index >= 0 and not self.controller.running:
            self.session.campaign.setCurrentIndex(index)

    def _disposition(self, code: str) -> None:
        lead = self.controller.lead
        if lead is None or self.controller.busy:
            return
        if self.booking.isVisible() or self.referral.isVisible():
            return
        if code == "qualified":
            problem = self.controller.qualified_problem()
            if problem:
                self.show_message(problem)
                return
            if self.controller.grade() == "A":
                self._open_booking()
                return
            # The script's rule may imply another result (a referral ends as "wrong person").
            code = self.controller.implied_disposition() or code
        if code == "wrong_person":
            referred = self.controller.script_referral()
            if not referred:
                self._open_referral()
                return
            if not self.bar.notes.text().strip():
                self.bar.notes.setText(f"Referred to {referred}")
        self.bar.ask(
            code,
            now=self.clock(),
            contact_zone=lead.card.time_zone,
            rep_zone=self.controller.rep_zone,
            check=lambda when: desk_checks.callback_problem(
                lead.locale_key, when, self.clock(), lead.campaign_rules
            ),
        )

    def _confirmed(self, code: str, notes: str, callback_at) -> None:
        self.controller.record_and_next(code, notes, callback_at)

    def _referral(self, person: dict) -> None:
        self.controller.refer_and_next(person, self.bar.notes.text().strip())

    def _open_referral(self) -> None:
        if self.controller.lead is not None:
            self.booking.hide()
            self.referral.open()

    def _open_booking(self) -> None:
        lead = self.controller.lead
        if lead is None or self.controller.grade() != "A":
            self.show_message("Booking needs the script to reach grade A first")
            return
        self.referral.hide()
        self.controller.load_booking()

    def _booking_ready(self, choices, busy) -> None:
        lead = self.controller.lead
        if lead is None:
            return
        self.booking.open(
            choices,
            busy,
            now=self.clock(),
            contact_zone=lead.card.time_zone,
            rep_zone=self.controller.rep_zone,
            minutes=lead.runner.script.meeting_minutes if lead.runner else 45,
        )

    def _escape(self) -> None:
        if self.help.isVisible():
            self.help.close_overlay()
            return
        self.booking.hide()
        self.referral.hide()
        self.bar.cancel()
        self.manual.reset()
        self._focus_work()

    def _focus_work(self) -> None:
        if self.controller.lead is not None:
            self.script.focus_answer()
        elif self.session.start.isVisible():
            self.session.start.setFocus()
        else:
            self.setFocus()  # the desk itself: its shortcuts work, digits go nowhere

    def _tick(self) -> None:
        now = self.clock()
        self.card.tick(now)
        self.controller.tick(now)

    # --- window state and shutdown ----------------------------------------------------------

    def _restore_splitter(self) -> None:
        state = _window_settings().value("desk/splitter")
        if isinstance(state, QByteArray):
            self.splitter.restoreState(state)

    def save_state(self) -> None:
        settings = _window_settings()
        settings.setValue("desk/splitter", self.splitter.saveState())
        settings.sync()

    def shutdown(self) -> None:
        """The window is closing: save the layout and release the claim on the open card."""
        self.tick_timer.stop()
        self.save_state()
        self.controller.shutdown()
