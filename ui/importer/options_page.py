"""Wizard page 3: the list's name, where it came from, its default country, event and cost."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWizardPage,
)

from calldesk import browse, campaigns, settings
from calldesk.importing import pipeline
from calldesk.importing.run import EVENT_SOURCES, SOURCES
from ui.settings.controller import country_choices

if TYPE_CHECKING:
    from ui.importer.wizard import ImportWizard

ERROR_STYLE = "color: #b00020;"
SOURCE_LABELS = {
    "purchased": "Purchased list",
    "crm": "CRM export",
    "dormant": "Dormant clients",
    "trade_show": "Trade show (badge scans)",
    "webinar": "Webinar (attendee or registrant report)",
    "seminar": "Seminar",
    "whitepaper": "Whitepaper / content downloads",
}
NO_DATE = QDate(2000, 1, 1)  # the date field's "not chosen yet"
DEFAULT_CAMPAIGN = ""  # the combo's data: the default campaign (or the event's own sprint)


def parse_cost(text: str) -> Decimal | None:
    """A list's cost as typed ("1,800", "1800.50", "$2 400"); None when empty."""
    cleaned = text.strip().replace(",", "").replace(" ", "").lstrip("$€£")
    if not cleaned:
        return None
    try:
        value = Decimal(cleaned)
    except InvalidOperation as exc:
        raise ValueError(f'"{text}" is not an amount') from exc
    if value < 0 or not value.is_finite():
        raise ValueError("A cost cannot be negative")
    return value.quantize(Decimal("0.01"))


class OptionsPage(QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__(wizard)
        self.wiz = wizard
        self.setTitle("The list")
        self.setSubTitle("Name the list and say where it came from.")
        self._events: list[browse.EventSummary] = []

        self.list_name = QLineEdit(self)
        self.source = QComboBox(self)
        for key in SOURCES:
            self.source.addItem(SOURCE_LABELS.get(key, key.replace("_", " ").capitalize()), key)
        self.source.currentIndexChanged.connect(lambda _i: self._source_changed())
        self.country = QComboBox(self)
        for code, label in country_choices():
            self.country.addItem(label, code)
        self.campaign = QComboBox(self)
        self.campaign.addItem("Default campaign (an event starts its own sprint)", DEFAULT_CAMPAIGN)
        self.cost = QLineEdit(self)
        self.cost.setPlaceholderText("What the list cost, e.g. 1800 (for cost per appointment)")

        self.event_box = QGroupBox("Event", self)
        self.event_name = QComboBox(self.event_box)
        self.event_name.setEditable(True)
        self.event_name.lineEdit().setPlaceholderText("e.g. Expo West 2026")
        self.event_name.currentIndexChanged.connect(lambda _i: self._event_picked())
        # No date until one is chosen or read from the file: never silently today.
        self.event_date = QDateEdit(NO_DATE, self.event_box)
        self.event_date.setMinimumDate(NO_DATE)
        self.event_date.setSpecialValueText("choose the event date")
        self.event_date.setCalendarPopup(True)
        self.event_date.setDisplayFormat("yyyy-MM-dd")
        self.follow_up_days = QSpinBox(self.event_box)
        self.follow_up_days.setRange(1, 365)
        self.follow_up_days.setValue(10)
        self.follow_up_days.setSuffix(" days")
        self.deadline_label = QLabel("", self.event_box)
        self.event_date.dateChanged.connect(lambda _d: self._show_deadline())
        self.event_date.dateChanged.connect(lambda _d: self.error.setText(""))
        self.follow_up_days.valueChanged.connect(lambda _v: self._show_deadline())
        event_form = QFormLayout(self.event_box)
        event_form.addRow("Event name:", self.event_name)
        event_form.addRow("Event date:", self.event_date)
        event_form.addRow("Follow up within:", self.follow_up_days)
        event_form.addRow("Deadline:", self.deadline_label)

        form = QFormLayout()
        form.addRow("List name:", self.list_name)
        form.addRow("Source:", self.source)
        form.addRow("Default country:", self.country)
        form.addRow("Campaign:", self.campaign)
        form.addRow("List cost:", self.cost)
        self.error = QLabel("", self)
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.event_box)
        layout.addWidget(self.error)
        layout.addStretch(1)
        self.list_name.textChanged.connect(lambda _t: self.completeChanged.emit())
        for edit in (self.list_name, self.cost, self.event_name.lineEdit()):
            edit.textEdited.connect(lambda _t: self.error.setText(""))
        self._show_deadline()

    def initializePage(self) -> None:  # noqa: N802 (Qt API)
        layout = self.wiz.file_layout
        if layout is not None and not self.list_name.text():
            self.list_name.setText(Path(layout.path).stem.replace("_", " "))
        self.country.setCurrentIndex(
            max(0, self.country.findData(settings.get("default_country") or "US"))
        )
        source = self.wiz.mapping.source if self.wiz.mapping else None
        if source and self.source.findData(source) >= 0:
            self.source.setCurrentIndex(self.source.findData(source))
        if (
            layout is not None
            and self.wiz.mapping is not None
            and self.event_date.date() == NO_DATE
        ):
            found = pipeline.event_date_in_file(layout, self.wiz.mapping)
            if found is not None:
                self.event_date.setDate(QDate(found.year, found.month, found.day))
        store = self.wiz.ctx.store

        def load(_task: Any) -> tuple[list[browse.EventSummary], list[str]]:
            with store.session() as session:
                names = [c.name for c in campaigns.list_campaigns(session) if not c.is_default]
                return browse.events(session), names

        self.wiz.ctx.background.run(load, on_done=self._offer)
        self._source_changed()

    def _offer(self, found: tuple[list[browse.EventSummary], list[str]]) -> None:
        events, campaign_names = found
        self._events = events
        chosen = self.campaign.currentData()
        while self.campaign.count() > 1:
            self.campaign.removeItem(1)
        for name in campaign_names:
            self.campaign.addItem(name, name)
        self.campaign.setCurrentIndex(max(0, self.campaign.findData(chosen)))
        typed = self.event_name.currentText()
        self.event_name.blockSignals(True)
        self.event_name.clear()
        self.event_name.addItem("")
        for event in events:
            self.event_name.addItem(event.name)
        self.event_name.setEditText(typed)
        self.event_name.blockSignals(False)

    def _event_picked(self) -> None:
        for event in self._events:
            if event.name == self.event_name.currentText() and event.event_date:
                d = event.event_date
                self.event_date.setDate(QDate(d.year, d.month, d.day))
                if event.follow_up_deadline:
                    self.follow_up_days.setValue(max(1, (event.follow_up_deadline - d).days))

    def _source_changed(self) -> None:
        self.event_box.setEnabled(self.source.currentData() in EVENT_SOURCES)
        self.completeChanged.emit()

    def _show_deadline(self) -> None:
        if self.event_date.date() == NO_DATE:
            self.deadline_label.setText("counts from the event date")
            return
        deadline = self.event_date.date().addDays(self.follow_up_days.value())
        self.deadline_label.setText(deadline.toString("dddd d MMMM yyyy"))

    def isComplete(self) -> bool:  # noqa: N802 (Qt API)
        return bool(self.list_name.text().strip())

    def choices(self) -> dict[str, Any]:
        """The importer's options chosen on this page; ValueError with a message for people."""
        name = self.list_name.text().strip()
        if not name:
            raise ValueError("The list needs a name")
        source = self.source.currentData()
        choices: dict[str, Any] = {
            "list_name": name,
            "source": source,
            "country": self.country.currentData(),
            "cost": parse_cost(self.cost.text()),
            "campaign": self.campaign.currentData() or None,
        }
        if source in EVENT_SOURCES:
            event_name = self.event_name.currentText().strip()
            if not event_name:
                raise ValueError("Name the event these contacts come from")
            choices["event"] = event_name
            if self.event_date.date() == NO_DATE:
                known = next((e for e in self._events if e.name == event_name), None)
                if known is None or known.event_date is None:
                    raise ValueError("Choose the event date: the follow-up deadline counts from it")
                self.event_date.setDate(
                    QDate(known.event_date.year, known.event_date.month, known.event_date.day)
                )
            choices["event_date"] = self.event_date.date().toPython()
            choices["follow_up_days"] = self.follow_up_days.value()
        return choices

    def validatePage(self) -> bool:  # noqa: N802 (Qt API)
        try:
            self.wiz.choices = self.choices()
        except ValueError as exc:
            self.error.setText(str(exc))
            return False
        self.error.setText("")
        return True
