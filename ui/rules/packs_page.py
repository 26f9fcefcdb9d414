"""Packs in use per campaign, each campaign's narrowing, and the rules themselves.

Everything shown comes from :func:`calldesk.rules.rules_overview` and
:func:`calldesk.rules_usage.packs_per_campaign`; this page only lays it out.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QSplitter, QVBoxLayout, QWidget

from ui.rules.tables import (
    WARNING_STYLE,
    fill,
    fit_columns,
    plain_label,
    read_only_table,
    selected_data,
)

CAMPAIGN_HEADERS = ("Campaign", "Contacts", "Packs in use", "Campaign narrowing", "Warnings")
RULE_HEADERS = (
    "Pack",
    "Rule",
    "States",
    "Hours (local)",
    "Holidays",
    "Cap",
    "Business lines",
    "Source",
    "In force",
)
SNAPSHOT_HEADERS = ("Country", "Registry file", "File date", "Age", "Refresh every", "Status")


def narrowing_text(narrowing: dict[str, Any]) -> str:
    """A campaign's own hours, days and holidays in a few words."""
    parts = []
    hours = narrowing.get("hours")
    if hours:
        parts.append(
            "hours " + ("–".join(hours) if isinstance(hours, list | tuple) else str(hours))
        )
    days = narrowing.get("days")
    if days:
        parts.append("days " + ", ".join(str(d) for d in days))
    if narrowing.get("skip_holidays"):
        parts.append("no holidays")
    return "; ".join(parts) or "none (the legal rules as they are)"


def _problem_summary(problems: list[str]) -> str:
    if not problems:
        return ""
    if problems[0].startswith("Invalid narrowing"):
        return problems[0]
    count = f"{len(problems)} warnings" if len(problems) > 1 else "1 warning"
    return f"{count}: wider than the legal hours"


class PacksPage(QWidget):
    """Campaigns with their packs and narrowings over the rules the selected one uses."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.packs: list[dict[str, Any]] = []
        self.usage: dict[Any, dict[str, Any]] = {}
        self.problems: dict[Any, list[str]] = {}
        self.campaigns = read_only_table(CAMPAIGN_HEADERS, self)
        fit_columns(self.campaigns, (280, 65, 330, 285))
        self.campaigns.setWordWrap(False)
        self.campaigns.itemSelectionChanged.connect(self._show_rules)
        self.campaign_warnings = plain_label("", self)
        self.campaign_warnings.setStyleSheet(WARNING_STYLE)
        self.campaign_warnings.hide()
        self.rules_title = plain_label("Rules in every pack", self, wrap=False)
        self.rules_title.setStyleSheet("font-weight: bold;")
        self.rules = read_only_table(RULE_HEADERS, self)
        fit_columns(self.rules, (110, 300, 80, 230, 80, 90, 110, 250))
        self.snapshots = read_only_table(SNAPSHOT_HEADERS, self)
        fit_columns(self.snapshots, (70, 340, 100, 80, 110))

        def titled(title: str, widget: QWidget) -> QWidget:
            box = QWidget(self)
            layout = QVBoxLayout(box)
            layout.setContentsMargins(0, 0, 0, 0)
            label = plain_label(title, box, wrap=False)
            label.setStyleSheet("font-weight: bold;")
            layout.addWidget(label)
            layout.addWidget(widget)
            return box

        rules_box = QWidget(self)
        rules_layout = QVBoxLayout(rules_box)
        rules_layout.setContentsMargins(0, 0, 0, 0)
        rules_layout.addWidget(self.campaign_warnings)
        rules_layout.addWidget(self.rules_title)
        rules_layout.addWidget(self.rules)
        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.addWidget(
            titled("Campaigns: packs in use and their own narrowing", self.campaigns)
        )
        splitter.addWidget(rules_box)
        splitter.addWidget(
            titled("Do-not-call registry snapshots (newest per country)", self.snapshots)
        )
        splitter.setSizes([210, 300, 150])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)

    def show_data(self, overview: dict[str, Any], usage: list[dict[str, Any]]) -> None:
        self.packs = overview["packs"]
        self.usage = {row["campaign_id"]: row for row in usage}
        narrowings = {c["campaign_id"]: c for c in overview["campaigns"]}
        ids = [*narrowings, *(u for u in self.usage if u not in narrowings)]
        rows, warn = [], []
        self.problems = {}
        for campaign_id in ids:
            narrowing = narrowings.get(campaign_id)
            use = self.usage.get(campaign_id, {"contacts": 0, "unplaced": 0, "packs": []})
            name = narrowing["name"] if narrowing else use["name"]
            if narrowing and not narrowing["active"]:
                name += " (paused)"
            packs = ", ".join(
                f"{p['name'] or p['country'] + ' (no pack: not callable)'} ({p['contacts']:,})"
                for p in use["packs"]
            )
            if use["unplaced"]:
                packs += f"{', ' if packs else ''}{use['unplaced']:,} need review"
            problems = []
            if narrowing and narrowing["error"]:
                problems.append(f"Invalid narrowing: {narrowing['error']}")
            if narrowing:
                problems.extend(narrowing["notes"])
            self.problems[campaign_id] = problems
            rows.append(
                (
                    name,
                    f"{use['contacts']:,}",
                    packs or "no contacts",
                    narrowing_text(narrowing["narrowing"]) if narrowing else "",
                    _problem_summary(problems),
                )
            )
            warn.append(bool(problems))
        fill(self.campaigns, rows, data=ids, warn=warn, resize_rows=False)
        self._show_rules()
        self._show_snapshots(overview["dnc_snapshots"])

    def _show_rules(self) -> None:
        campaign_id = selected_data(self.campaigns)
        use = (
            self.usage.get(campaign_id) if self.campaigns.selectionModel().hasSelection() else None
        )
        problems = self.problems.get(campaign_id, []) if use is not None else []
        self.campaign_warnings.setText("\n".join(problems))
        self.campaign_warnings.setVisible(bool(problems))
        wanted: dict[str, set[str]] | None = None
        if use is not None:
            wanted = {p["country"]: set(p["rules"]) for p in use["packs"]}
            self.rules_title.setText(
                f"Rules that apply to the contacts of {use['name']}"
                if wanted
                else f"{use['name']} has no placed contacts: no rules in use"
            )
        else:
            self.rules_title.setText("Rules in every pack (select a campaign to see its own)")
        rows = []
        for pack in self.packs:
            for rule in pack["rules"]:
                if wanted is not None and rule["rule"] not in wanted.get(pack["country"], ()):
                    continue
                cap = rule["cap"]
                rows.append(
                    (
                        pack["name"] + (" (overridden)" if pack["overridden"] else ""),
                        rule["rule"],
                        ", ".join(rule["states"]) or "all",
                        rule["hours"],
                        "closed" if rule["closed_on_holidays"] else "",
                        f"{cap['calls']} per {cap['hours']} h" if cap else "",
                        "bound" if rule.get("business") == "binds" else "exempt",
                        rule["source"],
                        rule["effective"] + (f" to {rule['until']}" if rule.get("until") else ""),
                    )
                )
        fill(self.rules, rows)

    def _show_snapshots(self, snapshots: list[dict[str, Any]]) -> None:
        rows, warn = [], []
        for row in snapshots:
            snap = row["snapshot"]
            if snap is None:
                status = "none imported: consumer calls refused until one is"
                rows.append((row["country"], "", "", "", f"{row['refresh_days']} days", status))
            else:
                status = (
                    f"TOO OLD (over {row['refresh_days']} days): consumer calls refused"
                    if row["stale"]
                    else "up to date"
                )
                rows.append(
                    (
                        row["country"],
                        f"{snap['file_name']} ({snap['source']})",
                        snap["file_date"],
                        f"{row['age_days']} days",
                        f"{row['refresh_days']} days",
                        status,
                    )
                )
            warn.append(row["stale"] is not False)
        fill(self.snapshots, rows, warn=warn)
