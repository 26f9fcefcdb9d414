"""The lead card: who this is, how to reach them, where they came from, what happened before."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from calldesk.desk_data import Card, PhoneLine, to_zone
from ui.desk.plain import fmt_time, plain_label, set_plain

GRADE_WORDS = {
    "A": "A — meet now",
    "B": "B — call later",
    "C": "C — nurture",
    "D": "D — not qualified",
}


def _section(title: str) -> QLabel:
    label = QLabel(title)
    font = label.font()
    font.setBold(True)
    label.setFont(font)
    label.setContentsMargins(0, 8, 0, 0)
    return label


def phone_text(phone: PhoneLine) -> str:
    text = phone.e164 or phone.raw
    if phone.extension:
        text += f" ext. {phone.extension}"
    bits = [b for b in (phone.label, (phone.number_type or "").lower().replace("_", " ")) if b]
    if bits:
        text += f"  ({', '.join(bits)})"
    if not phone.valid:
        text += f"  — invalid: {phone.invalid_reason or phone.raw}"
    if phone.dnc:
        text += "  — DO NOT CALL"
    if phone.shared_with:
        names = ", ".join(name for _id, name in phone.shared_with)
        text += f"  — also answers: {names}"
    elif phone.shared:
        text += "  — shared line"
    return text


class LeadCard(QScrollArea):
    """Shows one :class:`Card`; emits ``dial_requested(phone_id)`` and ``colleague_chosen(id)``."""

    dial_requested = Signal(int)
    colleague_chosen = Signal(int)
    #: the moment the card was allowed until has come: the desk asks the rules again
    verdict_expired = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("leadCard")
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.card: Card | None = None
        self._rule_text: str | None = None  # the rule that allowed the offer
        self._until: dt.datetime | None = None  # when calling stops being allowed
        self.window_closed = False
        body = QWidget()
        self.setWidget(body)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(8, 8, 8, 8)

        self.name = plain_label()
        font = QFont(self.name.font())
        font.setPointSizeF(font.pointSizeF() * 1.5)
        font.setBold(True)
        self.name.setFont(font)
        self.name.setObjectName("leadName")
        self.title_company = plain_label()
        self.grade_stage = plain_label()
        self.clock = QLabel()
        self.clock.setObjectName("leadClock")
        clock_font = QFont(self.clock.font())
        clock_font.setPointSizeF(clock_font.pointSizeF() * 1.25)
        self.clock.setFont(clock_font)
        self.clock.setTextFormat(Qt.TextFormat.PlainText)
        self.rule = plain_label()
        self.rule.setObjectName("leadRule")
        self.why = plain_label()
        for widget in (
            self.name,
            self.title_company,
            self.grade_stage,
            self.clock,
            self.rule,
            self.why,
        ):
            layout.addWidget(widget)

        self.sections: list[QLabel] = []
        layout.addWidget(self._section("Phones"))
        self.phones_box = QWidget()
        self.phones_layout = QGridLayout(self.phones_box)
        self.phones_layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.phones_box)
        self.phone_buttons: list[QPushButton] = []
        self.dialled = plain_label()
        self.dialled.setObjectName("leadDialled")
        layout.addWidget(self.dialled)
        self.email = plain_label()
        layout.addWidget(self.email)

        layout.addWidget(self._section("Source"))
        self.sources = plain_label()
        self.sources.setObjectName("leadSources")
        layout.addWidget(self.sources)
        self.notes = plain_label()
        layout.addWidget(self.notes)

        layout.addWidget(self._section("History"))
        self.history = QTreeWidget()
        self.history.setObjectName("leadHistory")
        self.history.setHeaderLabels(["When", "Result", "Number", "Rep", "Notes"])
        self.history.setRootIsDecorated(True)
        self.history.setMinimumHeight(140)
        self.history.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        layout.addWidget(self.history)

        layout.addWidget(self._section("Same company"))
        self.referred = plain_label()
        layout.addWidget(self.referred)
        self.colleagues = QListWidget()
        self.colleagues.setObjectName("leadColleagues")
        self.colleagues.setMaximumHeight(120)
        self.colleagues.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.colleagues.itemActivated.connect(self._colleague)
        self.colleagues.itemClicked.connect(self._colleague)
        layout.addWidget(self.colleagues)
        layout.addStretch(1)
        self.show_card(None)

    def _section(self, title: str) -> QLabel:
        label = _section(title)
        self.sections.append(label)
        return label

    # --- content ----------------------------------------------------------------------------

    def show_card(
        self,
        card: Card | None,
        *,
        why: str | None = None,
        rule: str | None = None,
        allowed_until: dt.datetime | None = None,
    ) -> None:
        self.card = card
        self._rule_text, self._until, self.window_closed = rule, allowed_until, False
        self._refusal: str | None = None
        self.rule.setStyleSheet("")
        self.body_visible(card is not None)
        if card is None:
            set_plain(self.name, "No contact on the desk")
            set_plain(self.title_company, None)
            set_plain(self.grade_stage, None)
            self.clock.setText("")
            set_plain(self.rule, rule)
            set_plain(self.why, why)
            return
        set_plain(self.name, card.name)
        set_plain(
            self.title_company, " at ".join(p for p in (card.title, card.company) if p) or None
        )
        grade = GRADE_WORDS.get(card.grade or "", "not graded")
        stage = card.stage.replace("_", " ")
        line = f"Grade {grade} · stage {stage} · {card.attempts} attempt(s)"
        if card.closed_reason:
            line += f" · closed: {card.closed_reason}"
        for callback in card.open_callbacks:
            line += f"\nOpen {callback.kind.replace('_', ' ')}: due "
            due = to_zone(callback.due_at, card.time_zone)  # their clock, as they asked
            line += (
                f"{due:%a %d %b %H:%M} {due.tzname()} their time"
                if due
                else (callback.due_at.strftime("%a %d %b %H:%M UTC"))
            )
            if callback.notes:
                line += f" — {callback.notes}"
        set_plain(self.grade_stage, line)
        set_plain(self.rule, rule)
        set_plain(self.why, why)
        self._show_phones(card)
        set_plain(self.dialled, None)
        set_plain(self.email, "Email: " + ", ".join(card.emails) if card.emails else None)
        sources = [f"{s.name}: {s.detail}" for s in card.sources]
        set_plain(self.sources, "\n".join(sources) or "No list or event recorded")
        set_plain(self.notes, f"Notes: {card.notes}" if card.notes else None)
        self._show_history(card)
        self._show_colleagues(card)

    def body_visible(self, visible: bool) -> None:
        widgets = [self.phones_box, self.history, self.colleagues, self.sources, *self.sections]
        if not visible:
            widgets += [self.dialled, self.email, self.notes, self.referred]
        for widget in widgets:
            widget.setVisible(visible)

    def _show_phones(self, card: Card) -> None:
        while self.phones_layout.count():
            item = self.phones_layout.takeAt(0)
            if item.widget():
                item.widget().deleteLater()
        self.phone_buttons = []
        for row, phone in enumerate(card.phones):
            button = QPushButton(f"Dial (Alt+{row + 1})" if row < 9 else "Dial")
            button.setObjectName(f"dialPhone{row + 1}")
            button.setEnabled(phone.dialable)
            button.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
            button.clicked.connect(lambda _=False, pid=phone.id: self.dial_requested.emit(pid))
            self.phone_buttons.append(button)
            self.phones_layout.addWidget(button, row, 0)
            self.phones_layout.addWidget(plain_label(phone_text(phone)), row, 1)
        self.phones_layout.setColumnStretch(1, 1)
        if not card.phones:
            self.phones_layout.addWidget(plain_label("No phone number"), 0, 0)

    def _show_history(self, card: Card) -> None:
        self.history.clear()
        for attempt in card.history:
            result = attempt.disposition_label
            if attempt.grade:
                result += f" (grade {attempt.grade})"
            if attempt.manual:
                result += " [typed by hand]"
            item = QTreeWidgetItem(
                [
                    attempt.started_at.strftime("%Y-%m-%d %H:%M UTC"),
                    result,
                    attempt.number or "",
                    attempt.rep or "",
                    attempt.notes or "",
                ]
            )
            if attempt.grade_why:
                item.addChild(QTreeWidgetItem(["why", attempt.grade_why]))
            if attempt.override_reason:
                item.addChild(QTreeWidgetItem(["override", attempt.override_reason]))
            for question, answer in (attempt.answers or {}).items():
                item.addChild(QTreeWidgetItem([str(question), _answer_text(answer)]))
            self.history.addTopLevelItem(item)
        if not card.history:
            self.history.addTopLevelItem(QTreeWidgetItem(["", "Never called"]))
        self.history.expandAll()
        for column in range(4):
            self.history.resizeColumnToContents(column)

    def _show_colleagues(self, card: Card) -> None:
        self.colleagues.clear()
        if card.referred_by:
            set_plain(self.referred, f"Referred by {card.referred_by[1]}")
        else:
            set_plain(self.referred, None)
        for colleague in card.colleagues:
            text = colleague.name
            if colleague.title:
                text += f", {colleague.title}"
            text += f" — {colleague.stage.replace('_', ' ')}"
            if colleague.grade:
                text += f", grade {colleague.grade}"
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, colleague.id)
            self.colleagues.addItem(item)
        if not card.colleagues:
            self.colleagues.addItem(QListWidgetItem("Nobody else at this company yet"))

    def _colleague(self, item: QListWidgetItem) -> None:
        contact_id = item.data(Qt.ItemDataRole.UserRole)
        if contact_id:
            self.colleague_chosen.emit(int(contact_id))

    # --- live parts -------------------------------------------------------------------------

    def tick(self, now: dt.datetime) -> None:
        """Refresh the contact's local clock and the verdict (called every second by the
        desk's timer, with the desk's clock)."""
        card = self.card
        if card is None:
            return
        self._show_verdict(now)
        local = card.local_time(now)
        if local is None:
            self.clock.setText("Their time: unknown (no time zone)")
            return
        text = f"Their time: {local.strftime('%a %H:%M:%S')} {local.tzname()} ({card.time_zone})"
        if len(card.time_zones) > 1:
            text += f" · also {', '.join(card.time_zones[1:])}"
        self.clock.setText(text)

    def _show_verdict(self, now: dt.datetime) -> None:
        """ "Allowed until 20:00 their time", turning to "Not allowed now" when that passes."""
        card, until = self.card, self._until
        if card is None or self._refusal is not None or self.window_closed:
            return
        if until is None or self._rule_text is None:
            return
        local = card.local_time(until) or until
        when = (
            local.strftime("%H:%M")
            if until - now < dt.timedelta(hours=20)
            else (local.strftime("%a %H:%M"))
        )
        their = "their time" if card.local_time(until) is not None else "UTC"
        if now < until:
            rule = self._rule_text
            for prefix in ("Allowed now: ", "Allowed now"):
                rule = rule.removeprefix(prefix)
            text = f"Allowed until {when} {their}" + (f": {rule}" if rule else "")
            set_plain(self.rule, text)
            return
        self.window_closed = True
        set_plain(
            self.rule,
            f"Not allowed now: their calling window closed at {when} {their}. "
            "Dialling is refused; save the call or pause.",
        )
        self.rule.setStyleSheet("color: #b00020; font-weight: bold;")
        for button in self.phone_buttons:
            button.setEnabled(False)
        self.verdict_expired.emit()

    def still_allowed(self, until: dt.datetime | None, rule: str) -> None:
        """Asked again when the old verdict ran out, the rules still allow the call (the
        instant was one where the verdict might have changed, and did not)."""
        if self.card is None:
            return
        self._rule_text, self._until, self.window_closed = f"Allowed now: {rule}", until, False
        self.rule.setStyleSheet("")
        set_plain(self.rule, f"Allowed now: {rule}")
        for button, phone in zip(self.phone_buttons, self.card.phones, strict=False):
            button.setEnabled(phone.dialable)

    def refused(self, explanation: str) -> None:
        """The rules refused a dial from this card just now: say so where the rule is shown."""
        self._refusal = f"Not allowed now: {explanation}"
        set_plain(self.rule, self._refusal)
        self.rule.setStyleSheet("color: #b00020; font-weight: bold;")

    def note_dialled(self, number: str, at: dt.datetime) -> None:
        set_plain(self.dialled, f"Dialled {number} at {fmt_time(at)} UTC")


def _answer_text(answer: object) -> str:
    if isinstance(answer, list):
        return ", ".join(str(a) for a in answer)
    if isinstance(answer, dict):
        return ", ".join(f"{k}: {v}" for k, v in answer.items() if v)
    return "" if answer is None else str(answer)
