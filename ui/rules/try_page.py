"""The "try a number" box: why a number (or contact) may or may not be called at a moment.

:func:`calldesk.rules.explain` decides; this page shows its answer in plain words: allowed or
not and when next, the zones and states considered and from what, each rule with its source
and verdict.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QDateTime, Qt, QTimeZone
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from calldesk import rules
from ui.context import AppContext
from ui.rules.review_page import zone_names
from ui.rules.tables import ERROR_STYLE, fill, fit_columns, plain_label, read_only_table

RULE_HEADERS = ("Verdict", "Rule", "Why", "Source", "Since")
ALLOWED_STYLE = "font-size: 16pt; font-weight: bold; color: #1b5e20;"
REFUSED_STYLE = "font-size: 16pt; font-weight: bold; color: #b00020;"


def local_zone_name() -> str:
    name = bytes(QTimeZone.systemTimeZoneId()).decode() or "UTC"
    return name if name in zoneinfo_names() else "UTC"


def zoneinfo_names() -> set[str]:
    return set(zone_names()) | {"UTC"}


def when_text(moment: dt.datetime, zones: list[str], own_zone: str) -> str:
    """A moment in the contact's zone(s), then in the manager's own zone."""
    parts = [moment.astimezone(ZoneInfo(z)).strftime("%a %d %b %Y %H:%M %Z") for z in zones[:3]]
    mine = moment.astimezone(ZoneInfo(own_zone)).strftime("%a %d %b %H:%M %Z")
    return (", ".join(parts) + f" (your time: {mine})") if parts else mine


class TryNumberPage(QWidget):
    """A number (and optionally a contact, a campaign and a moment) in; the explanation out."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.result: dict[str, Any] | None = None
        self.narrowings: dict[int, dict[str, Any]] = {}
        self.phone = QLineEdit(self)
        self.phone.setPlaceholderText("Any format, e.g. (305) 555-0123 or +44 20 7946 0958")
        self.phone.returnPressed.connect(self.explain)
        self.contact = QLineEdit(self)
        self.contact.setPlaceholderText("optional contact #")
        self.contact.setMaximumWidth(140)
        self.campaign = QComboBox(self)
        self.campaign.addItem("No campaign (the legal rules only)", None)
        self.at_moment = QCheckBox("At:", self)
        self.moment = QDateTimeEdit(self)
        self.moment.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.moment.setCalendarPopup(True)
        self.moment.setEnabled(False)
        self.moment_zone = QComboBox(self)
        self.moment_zone.addItems(sorted(zoneinfo_names()))
        self.moment_zone.setCurrentText(local_zone_name())
        self.moment_zone.setEnabled(False)
        self.at_moment.toggled.connect(self.moment.setEnabled)
        self.at_moment.toggled.connect(self.moment_zone.setEnabled)
        self.moment.setDateTime(QDateTime.currentDateTime())
        self.explain_button = QPushButton("&Explain", self)
        self.explain_button.setDefault(True)
        self.explain_button.clicked.connect(self.explain)

        self.verdict = plain_label("Type a number and press Explain.", self)
        self.summary = plain_label("", self)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.places = read_only_table(("Zone or state", "Considered because of"), self)
        fit_columns(self.places, (200,))
        self.rules = read_only_table(RULE_HEADERS, self)
        fit_columns(self.rules, (80, 260, 420, 250))

        inputs = QGridLayout()
        inputs.addWidget(plain_label("Number:", self, wrap=False), 0, 0)
        inputs.addWidget(self.phone, 0, 1)
        inputs.addWidget(plain_label("Contact:", self, wrap=False), 0, 2)
        inputs.addWidget(self.contact, 0, 3)
        inputs.addWidget(self.campaign, 0, 4)
        moment_row = QHBoxLayout()
        moment_row.addWidget(self.at_moment)
        moment_row.addWidget(self.moment)
        moment_row.addWidget(plain_label("in", self, wrap=False))
        moment_row.addWidget(self.moment_zone)
        moment_row.addStretch(1)
        moment_row.addWidget(self.explain_button)
        inputs.addWidget(plain_label("When:", self, wrap=False), 1, 0)
        inputs.addLayout(moment_row, 1, 1, 1, 4)
        inputs.setColumnStretch(1, 1)
        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.addWidget(self.places)
        splitter.addWidget(self.rules)
        splitter.setSizes([100, 400])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(inputs)
        layout.addWidget(self.verdict)
        layout.addWidget(self.summary)
        layout.addWidget(splitter, 1)

    def set_campaigns(self, campaigns: list[dict[str, Any]]) -> None:
        """Campaigns whose narrowing can be tried (from the overview)."""
        current = self.campaign.currentData()
        self.narrowings = {c["campaign_id"]: c["narrowing"] for c in campaigns}
        self.campaign.clear()
        self.campaign.addItem("No campaign (the legal rules only)", None)
        for c in campaigns:
            self.campaign.addItem(c["name"], c["campaign_id"])
        index = self.campaign.findData(current)
        self.campaign.setCurrentIndex(max(index, 0))

    def set_moment(self, moment: dt.datetime, zone: str) -> None:
        """Explain at ``moment`` (shown in ``zone``; a naive one is wall time there)."""
        self.at_moment.setChecked(True)
        self.moment_zone.setCurrentText(zone)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=ZoneInfo(zone))
        local = moment.astimezone(ZoneInfo(zone))
        self.moment.setDateTime(
            QDateTime(local.year, local.month, local.day, local.hour, local.minute, 0)
        )

    def chosen_moment(self) -> dt.datetime | None:
        if not self.at_moment.isChecked():
            return None
        value = self.moment.dateTime()
        d, t = value.date(), value.time()
        zone = ZoneInfo(self.moment_zone.currentText())
        return dt.datetime(d.year(), d.month(), d.day(), t.hour(), t.minute(), tzinfo=zone)

    def explain(self) -> None:
        phone = self.phone.text().strip() or None
        contact_text = self.contact.text().strip().lstrip("#")
        if phone is None and not contact_text:
            self._error("Type a number (or a contact #).")
            return
        if contact_text and not contact_text.isdigit():
            self._error("A contact is given by its number, e.g. 601.")
            return
        contact_id = int(contact_text) if contact_text else None
        at = self.chosen_moment()
        campaign_id = self.campaign.currentData()
        narrowing = self.narrowings.get(campaign_id) if campaign_id is not None else None
        store = self.ctx.store

        def work(_task: Any) -> dict[str, Any]:
            with store.session() as session:
                return rules.explain(
                    session, phone=phone, contact_id=contact_id, at=at, campaign_rules=narrowing
                )

        def failed(exc: BaseException) -> None:
            self.explain_button.setEnabled(True)
            self._error(str(exc) if isinstance(exc, ValueError | LookupError) else repr(exc))

        self.explain_button.setEnabled(False)
        self.ctx.background.run(work, on_done=self.show_result, on_error=failed)

    def show_result(self, data: dict[str, Any]) -> None:
        self.explain_button.setEnabled(True)
        self.result = data
        allowed = data["allowed"]
        zones = [z["zone"] for z in data["zones"]]
        own = self.moment_zone.currentText() if self.at_moment.isChecked() else local_zone_name()
        at = dt.datetime.fromisoformat(data["at"])
        self.verdict.setStyleSheet(ALLOWED_STYLE if allowed else REFUSED_STYLE)
        self.verdict.setText(
            ("Allowed" if allowed else "Not allowed") + f" at {when_text(at, zones, own)}"
        )
        lines = [
            f"Local time there: {data['local_time']}.",
            f"Deciding rule: {data['rule']}.",
            "Line: "
            + ("business (business exemptions apply)" if data.get("line") == "business" else "")
            + ("consumer (not marked as a business line)" if data.get("line") != "business" else "")
            + ".",
        ]
        lines.extend(f"Exemption used: {e}." for e in data.get("exemptions") or [])
        if not allowed:
            nxt = data.get("next_allowed_at")
            lines.append(
                "Next allowed: "
                + (
                    when_text(dt.datetime.fromisoformat(nxt), zones, own)
                    if nxt
                    else "not under these rules until the reason above is fixed"
                )
                + "."
            )
        elif data.get("changes_at"):
            lines.append(
                "Allowed until: "
                + when_text(dt.datetime.fromisoformat(data["changes_at"]), zones, own)
                + "."
            )
        if not allowed:
            lines.append(
                "Override: a manager may allow this dial, with a reason."
                if data.get("overridable")
                else "Override: none possible (do-not-call, invalid number or unknown place)."
            )
        lines.extend(f"Warning: {w}" for w in data.get("warnings") or [])
        self.summary.setStyleSheet("")
        self.summary.setText("\n".join(lines))
        places = [
            (f"Country {c['country']}", ", ".join(c["from"]) or "unknown")
            for c in data.get("countries") or []
        ]
        places += [(f"Zone {z['zone']}", ", ".join(z["from"]) or "unknown") for z in data["zones"]]
        places += [
            (f"State {s['state']}", ", ".join(s["from"]) or "unknown") for s in data["states"]
        ]
        if not places:
            places = [("(none)", "no zone or state could be determined: fails closed")]
        fill(self.places, places)
        fill(
            self.rules,
            [
                (
                    r["verdict"].upper() if r["verdict"] == "refused" else r["verdict"],
                    r["rule"],
                    r["detail"],
                    r["source"],
                    r["effective"],
                )
                for r in data["rules"]
            ],
            warn=[r["verdict"] == "refused" for r in data["rules"]],
        )

    def _error(self, text: str) -> None:
        self.result = None
        self.verdict.setStyleSheet("")
        self.verdict.setText("")
        self.summary.setStyleSheet(ERROR_STYLE)
        self.summary.setText(text)
