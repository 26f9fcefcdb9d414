"""Appointments for field reps: who am I, the meetings handed to me, review and outcomes.

Every change goes through :mod:`calldesk.appointments` in the background; a rejection goes
back to the qualifier's queue as a personal callback carrying the reason.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from calldesk import appointments, reps
from calldesk import settings as preferences
from calldesk.appointments import ACTIVE_STATUSES, AppointmentView
from ui.appointments.detail import AppointmentDetail
from ui.appointments.export import CalendarExport
from ui.appointments.forms import OutcomeForm, RejectForm
from ui.appointments.model import AppointmentsModel, short_when
from ui.context import AppContext
from ui.desk.plain import plain_label, set_plain

Clock = Callable[[], dt.datetime]
SETTINGS_KEY = "appointments/field_rep"


def _remembered() -> str:
    from ui.main_window import window_settings

    value = window_settings().value(SETTINGS_KEY)
    return value if isinstance(value, str) else ""


def _remember(name: str) -> None:
    from ui.main_window import window_settings

    settings = window_settings()
    settings.setValue(SETTINGS_KEY, name)
    settings.sync()


class AppointmentsView(QWidget):
    """The field rep's screen. ``clock`` returns the current aware UTC time (tests set it)."""

    def __init__(
        self, ctx: AppContext, parent: QWidget | None = None, *, clock: Clock | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("appointmentsView")
        self.ctx = ctx
        self.clock: Clock = clock or ctx.clock
        self._zones: dict[int, str | None] = {}

        self.rep = QComboBox()
        self.rep.setObjectName("fieldRepCombo")
        self.rep.setMinimumContentsLength(18)
        rep_label = QLabel("&I am:")
        rep_label.setBuddy(self.rep)
        self.show_all = QCheckBox("Show &past, rejected and cancelled")
        self.show_all.setChecked(True)
        self.export = CalendarExport(ctx, self.selected_id, self._field_rep, lambda: self.clock())
        self.export.said.connect(self.say)
        self.counts = plain_label(wrap=False)
        self.counts.setObjectName("appointmentsCounts")
        bar = QHBoxLayout()
        for widget in (rep_label, self.rep, self.show_all):
            bar.addWidget(widget)
        bar.addSpacing(12)
        bar.addWidget(self.counts, 1)
        bar.addWidget(self.export)

        self.model = AppointmentsModel()
        self.table = QTableView()
        self.table.setObjectName("appointmentsTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        # "Where it stands" wraps (a rejection's reason is read in full); a field rep's list is
        # short, so rows may size to their contents.
        self.table.setWordWrap(True)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._show_current())

        self.detail = AppointmentDetail()
        self.accept_button = QPushButton("&Accept")
        self.accept_button.setObjectName("acceptAppointment")
        self.reject_button = QPushButton("&Reject…")
        self.reject_button.setObjectName("rejectAppointment")
        self.outcome_button = QPushButton("Record &outcome…")
        self.outcome_button.setObjectName("recordOutcome")
        actions = QHBoxLayout()
        actions.addWidget(self.accept_button)
        actions.addWidget(self.reject_button)
        actions.addWidget(self.outcome_button)
        actions.addStretch(1)
        # Why a button is greyed, in words (the tooltip says it too).
        self.action_hint = plain_label()
        self.action_hint.setObjectName("appointmentActionHint")
        self.action_hint.setStyleSheet("color: #5f6368;")
        self.reject_form = RejectForm()
        self.outcome_form = OutcomeForm()
        # One line reserved for messages: showing one never moves the table under the cursor.
        self.message = plain_label(wrap=False)
        self.message.setObjectName("appointmentsMessage")
        self.message.setFixedHeight(self.message.fontMetrics().lineSpacing() + 4)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.detail, 1)
        right_layout.addWidget(self.reject_form)
        right_layout.addWidget(self.outcome_form)
        right_layout.addWidget(self.action_hint)
        right_layout.addLayout(actions)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(0, 5)
        self.splitter.setStretchFactor(1, 4)
        self.splitter.setSizes([760, 500])

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(bar)
        layout.addWidget(self.message)
        layout.addWidget(self.splitter, 1)

        self.rep.currentIndexChanged.connect(self._rep_chosen)
        self.show_all.toggled.connect(lambda _on: self.refresh())
        self.accept_button.clicked.connect(self.accept_selected)
        self.reject_button.clicked.connect(self._open_reject)
        self.outcome_button.clicked.connect(self._open_outcome)
        self.reject_form.reject.connect(self.reject_selected)
        self.outcome_form.record.connect(self.record_selected)
        ctx.data_changed.connect(self._data_changed)
        self._update_actions()
        self.load_reps()

    # --- loading ------------------------------------------------------------------------------

    def load_reps(self) -> None:
        store = self.ctx.store

        def read(_task: Any) -> list[tuple[int, str, str | None]]:
            with store.session() as session:
                return [(r.id, r.name, r.time_zone) for r in reps.list_reps(session, role="field")]

        self.ctx.background.run(read, on_done=self._reps_loaded, on_error=self._failed)

    def _reps_loaded(self, rows: list[tuple[int, str, str | None]]) -> None:
        current = self.rep.currentText() or _remembered() or preferences.get("rep_name")
        self._zones = {rep_id: zone for rep_id, _name, zone in rows}
        self.rep.blockSignals(True)
        self.rep.clear()
        for rep_id, name, _zone in rows:
            self.rep.addItem(name, rep_id)
        self.rep.setCurrentIndex(max(self.rep.findText(current, Qt.MatchFlag.MatchExactly), 0))
        self.rep.blockSignals(False)
        if not rows:
            self.say("No field reps yet: add one with File > Add rep… (role: Field rep).")
        self.refresh()

    def field_rep_id(self) -> int | None:
        data = self.rep.currentData()
        return int(data) if data is not None else None

    def _field_rep(self) -> tuple[int, str] | None:
        rep_id = self.field_rep_id()
        return (rep_id, self.rep.currentText()) if rep_id is not None else None

    def _rep_chosen(self, _index: int) -> None:
        _remember(self.rep.currentText())
        self.refresh()

    def refresh(self, select_id: int | None = None) -> None:
        """Read the chosen field rep's appointments again (keeping the selection)."""
        rep_id = self.field_rep_id()
        if rep_id is None:
            self.model.set_rows([])
            set_plain(self.counts, None)
            self._show_current()
            return
        keep = select_id if select_id is not None else self.selected_id()
        store, now, everything = self.ctx.store, self.clock(), self.show_all.isChecked()

        def read(_task: Any) -> list[AppointmentView]:
            with store.session() as session:
                return appointments.list_for_field_rep(
                    session, rep_id, now=now, include_past=everything, include_closed=everything
                )

        self.ctx.background.run(
            read, on_done=lambda rows: self._rows(rows, keep), on_error=self._failed
        )

    def _rows(self, rows: list[AppointmentView], keep: int | None) -> None:
        self.model.set_rows(rows)
        row = self.model.row_of(keep) if keep is not None else -1
        if row < 0 and rows:
            row = 0
        if row >= 0:
            self._set_current(row)
        self._show_current()
        upcoming = sum(1 for r in rows if r.upcoming and r.status in ACTIVE_STATUSES)
        to_review = sum(1 for r in rows if r.status == "booked")
        if rows:
            set_plain(self.counts, f"{upcoming} upcoming, {to_review} waiting for your review")
        else:
            set_plain(self.counts, "No appointments handed to you yet")

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt API)
        super().showEvent(event)
        if not event.spontaneous() and self.rep.count():
            self.refresh()

    def _data_changed(self, what: str) -> None:
        if what == "reps":
            self.load_reps()
        elif what in ("appointments", "contacts", "import"):
            self.refresh()

    # --- selection ----------------------------------------------------------------------------

    def selected(self) -> AppointmentView | None:
        index = self.table.selectionModel().currentIndex()
        if not index.isValid() or index.row() >= len(self.model.rows):
            return None
        return self.model.rows[index.row()]

    def selected_id(self) -> int | None:
        view = self.selected()
        return view.id if view else None

    def select(self, appointment_id: int) -> None:
        row = self.model.row_of(appointment_id)
        if row >= 0:
            self._set_current(row)

    def _set_current(self, row: int) -> None:
        flags = QItemSelectionModel.SelectionFlag
        self.table.selectionModel().setCurrentIndex(
            self.model.index(row, 0), flags.ClearAndSelect | flags.Rows
        )

    def _show_current(self) -> None:
        self.reject_form.hide()
        self.outcome_form.hide()
        self.detail.show_appointment(self.selected())
        self._update_actions()

    def _update_actions(self) -> None:
        view = self.selected()
        active = view is not None and view.status in ACTIVE_STATUSES
        started = view is not None and view.starts_at <= self.clock()
        self.accept_button.setEnabled(view is not None and view.status == "booked")
        self.reject_button.setEnabled(active and view is not None and view.outcome is None)
        self.outcome_button.setEnabled(active and started)
        hint = ""
        if view is not None and active and not started:
            hint = f"Record outcome opens when the meeting starts ({short_when(view)})."
        elif view is not None and not active:
            hint = f"This meeting is {view.status}: nothing more to record."
        self.outcome_button.setToolTip(hint)
        set_plain(self.action_hint, hint)
        self.action_hint.setVisible(bool(hint))
        self.export.update_state()

    def say(self, text: str | None, error: bool = False) -> None:
        self.message.setStyleSheet("color: #b00020;" if error else "")
        set_plain(self.message, text)
        self.message.setToolTip(text or "")  # a long path is cut: the whole of it on hover

    def _failed(self, exc: BaseException) -> None:
        self.say(str(exc) if isinstance(exc, ValueError) else repr(exc), error=True)

    # --- review -------------------------------------------------------------------------------

    def _change(self, what: str, fn: Callable[[Any], Any], form: Any = None) -> None:
        view = self.selected()
        if view is None:
            return
        store, rep_id, at, appointment_id = (
            self.ctx.store,
            self.field_rep_id(),
            self.clock(),
            view.id,
        )

        def write(_task: Any) -> Any:
            with store.write() as session:
                return fn(session, appointment_id, at, rep_id)

        def done(_result: Any) -> None:
            if form is not None:
                form.hide()
            self.say(what)
            self.ctx.data_changed.emit("appointments")
            self.refresh(select_id=appointment_id)

        def failed(exc: BaseException) -> None:
            message = str(exc) if isinstance(exc, ValueError) else repr(exc)
            if form is not None:
                form.show_error(message)
            else:
                self.say(message, error=True)

        self.ctx.background.run(write, on_done=done, on_error=failed)

    def accept_selected(self) -> None:
        self._change(
            "Accepted: it stays in your calendar.",
            lambda s, a_id, at, rep_id: appointments.accept(s, a_id, at=at, field_rep_id=rep_id),
        )

    def _open_reject(self) -> None:
        self.outcome_form.hide()
        self.reject_form.open_form()

    def reject_selected(self, reason: str, text: str) -> None:
        self._change(
            "Rejected: the contact is back in the qualifier's queue with your reason.",
            lambda s, a_id, at, rep_id: appointments.reject(
                s, a_id, reason=reason, text=text or None, at=at, field_rep_id=rep_id
            ),
            self.reject_form,
        )

    def _open_outcome(self) -> None:
        view = self.selected()
        if view is None:
            return
        self.reject_form.hide()
        self.outcome_form.open_form(view.starts_at, view.field_rep.get("time_zone"))

    def record_selected(self, outcome: str, feedback: str, new_start: dt.datetime | None) -> None:
        self._change(
            "Outcome saved.",
            lambda s, a_id, at, rep_id: appointments.record_outcome(
                s,
                a_id,
                outcome=outcome,
                at=at,
                feedback=feedback or None,
                starts_at=new_start,
                field_rep_id=rep_id,
            ),
            self.outcome_form,
        )
