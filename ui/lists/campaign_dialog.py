"""The dialog that creates or edits a campaign: lists and events, script, calling rules,
priority, retry delays.

It only gathers what the manager typed; :mod:`calldesk.campaigns` validates it and re-places the
contacts in the queue, in the background (a campaign can hold a million).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from calldesk import browse, campaigns, dispositions
from ui.context import AppContext

ERROR_STYLE = "color: #b00020;"
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DURATION = re.compile(r"^\s*(\d+)\s*([mhd]?)\s*$", re.IGNORECASE)
_UNIT_MINUTES = {"": 1, "m": 1, "h": 60, "d": 1440}


class CampaignInputError(ValueError):
    """What the manager typed cannot be read (before the core sees it)."""


def parse_retry(text: str) -> tuple[bool, int | None]:
    """(given, minutes) from "", "never", "30", "30m", "4h" or "2d"; minutes None = never again."""
    text = text.strip().lower()
    if not text:
        return False, None
    if text in ("never", "no", "-"):
        return True, None
    match = _DURATION.match(text)
    if not match:
        raise CampaignInputError(f'"{text}" is not a delay: write minutes, 4h, 2d or never')
    return True, int(match.group(1)) * _UNIT_MINUTES[match.group(2)]


def format_minutes(minutes: int | None) -> str:
    if minutes is None:
        return "never"
    if minutes and minutes % 1440 == 0:
        return f"{minutes // 1440}d"
    if minutes and minutes % 60 == 0:
        return f"{minutes // 60}h"
    return f"{minutes}m"


@dataclass
class CampaignChoices:
    """What the dialog offers, loaded in the background before it opens."""

    lists: list[tuple[int, str]]
    events: list[browse.EventSummary]
    scripts: list[tuple[str, str]]
    dispositions: list[dispositions.DispositionRule]
    campaign: dict[str, Any] | None = None
    taken_names: set[str] = field(default_factory=set)


def load_choices(session: Any, campaign_id: int | None) -> CampaignChoices:
    try:
        from calldesk.scripts.library import default_script_files, list_scripts
        from calldesk.scripts.loader import ScriptError, load_file
    except ImportError:  # scripts not part of this build
        scripts = []
    else:
        scripts = [(info.key, info.name) for info in list_scripts(session)]
        stored = {key for key, _ in scripts}
        # Shipped scripts not installed in this store yet are offered too.
        for path in default_script_files():
            try:
                script = load_file(path)
            except ScriptError:
                continue
            if script.key not in stored:
                scripts.append((script.key, script.name))
    campaign = None
    if campaign_id is not None:
        campaign = campaigns.campaign_dict(session, campaigns.get_campaign(session, campaign_id))
    rules = sorted(dispositions.load(session).values(), key=lambda d: d.position)
    return CampaignChoices(
        lists=browse.list_names(session),
        events=browse.events(session),
        scripts=scripts,
        dispositions=rules,
        campaign=campaign,
    )


class CampaignDialog(QDialog):
    """Create or edit a campaign: lists and events, script, calling rules, priority, retries."""

    def __init__(self, ctx: AppContext, choices: CampaignChoices, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.choices = choices
        self.campaign = choices.campaign
        self.saved_id: int | None = None
        self.setWindowTitle("Edit campaign" if self.campaign else "New campaign")

        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(self._what_box(), 1)
        top.addWidget(self._rules_box(), 1)
        layout.addLayout(top)
        layout.addWidget(self._retry_box())
        self.error_label = QLabel("", self)
        self.error_label.setStyleSheet(ERROR_STYLE)
        self.error_label.setWordWrap(True)
        self.notes_label = QLabel("", self)
        self.notes_label.setWordWrap(True)
        layout.addWidget(self.error_label)
        layout.addWidget(self.notes_label)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        if self.campaign:
            self._fill(self.campaign)
        self._kind_changed()
        self.resize(1000, 700)

    # --- sections ---------------------------------------------------------------------------

    def _what_box(self) -> QGroupBox:
        box = QGroupBox("Campaign", self)
        form = QFormLayout(box)
        self.name = QLineEdit(box)
        self.name.setPlaceholderText("e.g. Vendor X March follow-up")
        form.addRow("Name:", self.name)
        self.kind = QComboBox(box)
        self.kind.addItem("List campaign", "list")
        self.kind.addItem("Event sprint", "event_sprint")
        self.kind.currentIndexChanged.connect(lambda _i: self._kind_changed())
        form.addRow("Kind:", self.kind)
        self.event = QComboBox(box)
        self.event.addItem("(no event)", None)
        for event in self.choices.events:
            when = f" ({event.event_date.isoformat()})" if event.event_date else ""
            self.event.addItem(f"{event.name}{when}", event.id)
        self.event.currentIndexChanged.connect(lambda _i: self._event_changed())
        form.addRow("Event:", self.event)
        deadline_row = QHBoxLayout()
        self.has_deadline = QCheckBox("Follow up by", box)
        self.deadline = QDateEdit(box)
        self.deadline.setCalendarPopup(True)
        self.deadline.setDisplayFormat("yyyy-MM-dd")
        self.deadline.setDate(QDate.currentDate().addDays(10))
        self.has_deadline.toggled.connect(self.deadline.setEnabled)
        self.deadline.setEnabled(False)
        deadline_row.addWidget(self.has_deadline)
        deadline_row.addWidget(self.deadline, 1)
        form.addRow("Deadline:", deadline_row)
        self.lists = QListWidget(box)
        for list_id, name in self.choices.lists:
            item = QListWidgetItem(name, self.lists)
            item.setData(Qt.ItemDataRole.UserRole, list_id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
        self.lists.setMinimumHeight(110)
        form.addRow("Lists:", self.lists)
        self.script = QComboBox(box)
        self.script.addItem("(no script)", None)
        for key, name in self.choices.scripts:
            self.script.addItem(f"{name} ({key})", key)
        form.addRow("Script:", self.script)
        self.priority = QSpinBox(box)
        self.priority.setRange(-1000, 1000)
        self.priority.setToolTip("Higher is called first among campaigns of the same kind")
        form.addRow("Priority:", self.priority)
        self.active = QCheckBox("Active (its contacts are offered at the desk)", box)
        self.active.setChecked(True)
        form.addRow("", self.active)
        return box

    def _rules_box(self) -> QGroupBox:
        box = QGroupBox("Calling rules (narrow the law, never widen it)", self)
        form = QFormLayout(box)
        hours = QHBoxLayout()
        self.hours_from = QLineEdit(box)
        self.hours_from.setPlaceholderText("08:00")
        self.hours_to = QLineEdit(box)
        self.hours_to.setPlaceholderText("21:00")
        hours.addWidget(self.hours_from)
        hours.addWidget(QLabel("to", box))
        hours.addWidget(self.hours_to)
        form.addRow("Hours (contact's time):", hours)
        days = QGridLayout()
        self.day_boxes: dict[str, QCheckBox] = {}
        for i, day in enumerate(DAYS):
            check = QCheckBox(day.title(), box)
            check.setChecked(i < 5)
            self.day_boxes[day] = check
            days.addWidget(check, i // 4, i % 4)
        form.addRow("Days:", days)
        self.skip_holidays = QCheckBox("Not on public holidays", box)
        form.addRow("", self.skip_holidays)
        self.max_attempts = QSpinBox(box)
        self.max_attempts.setRange(0, 100)
        self.max_attempts.setSpecialValueText("no cap")
        form.addRow("Attempts per contact:", self.max_attempts)
        self.max_per_day = QSpinBox(box)
        self.max_per_day.setRange(0, 20)
        self.max_per_day.setSpecialValueText("no cap")
        form.addRow("Attempts per day:", self.max_per_day)
        self.release = QSpinBox(box)
        self.release.setRange(0, 10080)
        self.release.setSuffix(" min")
        self.release.setSpecialValueText(
            f"default ({campaigns.DEFAULT_CALLBACK_RELEASE_MINUTES} min)"
        )
        self.release.setToolTip("A rep's missed callback goes to anyone after this long")
        form.addRow("Release missed callbacks after:", self.release)
        return box

    def _retry_box(self) -> QGroupBox:
        box = QGroupBox("Retry delays per disposition (empty: the default; 30m, 4h, 2d or never)")
        layout = QVBoxLayout(box)
        self.retry = QTableWidget(len(self.choices.dispositions), 3, box)
        self.retry.setHorizontalHeaderLabels(("Disposition", "Default", "This campaign"))
        self.retry.verticalHeader().hide()
        header = self.retry.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.retry.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        for row, rule in enumerate(self.choices.dispositions):
            label = QTableWidgetItem(f"{rule.label} ({rule.code})")
            label.setFlags(label.flags() & ~Qt.ItemFlag.ItemIsEditable)
            default = rule.retry_rule or format_minutes(rule.retry_minutes)
            default_item = QTableWidgetItem(default)
            default_item.setFlags(default_item.flags() & ~Qt.ItemFlag.ItemIsEditable)
            self.retry.setItem(row, 0, label)
            self.retry.setItem(row, 1, default_item)
            self.retry.setItem(row, 2, QTableWidgetItem(""))
        layout.addWidget(self.retry)
        return box

    # --- filling and reading ----------------------------------------------------------------

    def _fill(self, c: dict[str, Any]) -> None:
        self.name.setText(c["name"])
        self.kind.setCurrentIndex(max(0, self.kind.findData(c["kind"])))
        self.event.setCurrentIndex(max(0, self.event.findData(c["event_id"])))
        if c["deadline"]:
            self.has_deadline.setChecked(True)
            self.deadline.setDate(QDate.fromString(c["deadline"], "yyyy-MM-dd"))
        for i in range(self.lists.count()):
            item = self.lists.item(i)
            if item.data(Qt.ItemDataRole.UserRole) in c["list_ids"]:
                item.setCheckState(Qt.CheckState.Checked)
        index = self.script.findData(c["script_key"])
        if index < 0 and c["script_key"]:
            self.script.addItem(c["script_key"], c["script_key"])
            index = self.script.count() - 1
        self.script.setCurrentIndex(max(0, index))
        self.priority.setValue(c["priority"])
        self.active.setChecked(c["active"])
        rules = c["rules"] or {}
        hours = rules.get("hours")
        if isinstance(hours, list | tuple) and len(hours) == 2:
            self.hours_from.setText(str(hours[0]))
            self.hours_to.setText(str(hours[1]))
        elif isinstance(hours, str) and "-" in hours:
            start, end = hours.split("-", 1)
            self.hours_from.setText(start.strip())
            self.hours_to.setText(end.strip())
        if rules.get("days"):
            wanted = {str(d).lower()[:3] for d in rules["days"]}
            for day, check in self.day_boxes.items():
                check.setChecked(day in wanted)
        else:
            for check in self.day_boxes.values():
                check.setChecked(True)
        self.skip_holidays.setChecked(bool(rules.get("skip_holidays")))
        self.max_attempts.setValue(rules.get("max_attempts") or 0)
        self.max_per_day.setValue(rules.get("max_per_day") or 0)
        self.release.setValue(rules.get("callback_release_minutes") or 0)
        retry = rules.get("retry") or {}
        for row, rule in enumerate(self.choices.dispositions):
            if rule.code in retry:
                self.retry.item(row, 2).setText(format_minutes(retry[rule.code]))

    def _kind_changed(self) -> None:
        sprint = self.kind.currentData() == "event_sprint"
        self.event.setEnabled(sprint or self.event.currentData() is not None)
        if sprint and not self.has_deadline.isChecked():
            self._event_changed()

    def _event_changed(self) -> None:
        event_id = self.event.currentData()
        for event in self.choices.events:
            if event.id == event_id and event.follow_up_deadline:
                self.has_deadline.setChecked(True)
                d = event.follow_up_deadline
                self.deadline.setDate(QDate(d.year, d.month, d.day))

    def checked_list_ids(self) -> list[int]:
        return [
            self.lists.item(i).data(Qt.ItemDataRole.UserRole)
            for i in range(self.lists.count())
            if self.lists.item(i).checkState() == Qt.CheckState.Checked
        ]

    def values(self) -> dict[str, Any]:
        """What the manager typed, as the core's campaign arguments."""
        rules: dict[str, Any] = {}
        start, end = self.hours_from.text().strip(), self.hours_to.text().strip()
        if start or end:
            if not (start and end):
                raise CampaignInputError("Give both ends of the calling hours, or neither")
            rules["hours"] = [start, end]
        days = [day for day, check in self.day_boxes.items() if check.isChecked()]
        if not days:
            raise CampaignInputError("Choose at least one day to call on")
        if len(days) < 7:
            rules["days"] = days
        if self.skip_holidays.isChecked():
            rules["skip_holidays"] = True
        if self.max_attempts.value():
            rules["max_attempts"] = self.max_attempts.value()
        if self.max_per_day.value():
            rules["max_per_day"] = self.max_per_day.value()
        if self.release.value():
            rules["callback_release_minutes"] = self.release.value()
        retry: dict[str, int | None] = {}
        for row, rule in enumerate(self.choices.dispositions):
            try:
                given, minutes = parse_retry(self.retry.item(row, 2).text())
            except CampaignInputError as exc:
                raise CampaignInputError(f"Retry for {rule.label}: {exc}") from exc
            if given:
                retry[rule.code] = minutes
        if retry:
            rules["retry"] = retry
        deadline = None
        if self.has_deadline.isChecked():
            deadline = self.deadline.date().toPython()
            assert isinstance(deadline, dt.date)
        return {
            "name": self.name.text().strip(),
            "kind": self.kind.currentData(),
            "event_id": self.event.currentData(),
            "deadline": deadline,
            "script_key": self.script.currentData(),
            "priority": self.priority.value(),
            "active": self.active.isChecked(),
            "rules": rules,
            "list_ids": self.checked_list_ids(),
        }

    # --- saving -----------------------------------------------------------------------------

    def save(self) -> None:
        self.error_label.setText("")
        try:
            values = self.values()
        except CampaignInputError as exc:
            self.error_label.setText(f"Not saved: {exc}")
            return
        store = self.ctx.store
        campaign_id = self.campaign["id"] if self.campaign else None
        old_lists = set(self.campaign["list_ids"]) if self.campaign else set()

        def write(_task: Any) -> int:
            with store.write() as session:
                if campaign_id is None:
                    return campaigns.create_campaign(session, **values).id
                list_ids = set(values.pop("list_ids"))
                campaign = campaigns.update_campaign(session, campaign_id, **values)
                for list_id in sorted(list_ids - old_lists):
                    campaigns.add_list(session, campaign.id, list_id)
                for list_id in sorted(old_lists - list_ids):
                    campaigns.remove_list(session, campaign.id, list_id)
                return campaign.id

        def done(saved_id: int) -> None:
            self.buttons.setEnabled(True)
            self.saved_id = saved_id
            self.ctx.data_changed.emit("campaigns")
            self.accept()

        def failed(exc: BaseException) -> None:
            self.buttons.setEnabled(True)
            if isinstance(exc, campaigns.CampaignError):
                self.error_label.setText(f"Not saved: {exc}")
            else:
                self.error_label.setText(f"Not saved: {type(exc).__name__}: {exc}")

        self.buttons.setEnabled(False)
        self.ctx.background.run(write, on_done=done, on_error=failed)
