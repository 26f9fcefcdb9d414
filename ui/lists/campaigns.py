"""Campaigns: every campaign with its counts; new and edit open the campaign dialog."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from calldesk import browse, campaigns
from ui.context import AppContext
from ui.lists.campaign_dialog import CampaignChoices, CampaignDialog, load_choices

CAMPAIGN_HEADERS = (
    "Campaign",
    "Kind",
    "Lists",
    "Script",
    "Priority",
    "Deadline",
    "Active",
    "Contacts",
    "Ready now",
)


class CampaignsPage(QWidget):
    """Every campaign, best first; new and edit open the campaign dialog."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.dialog: CampaignDialog | None = None
        self._rows: list[dict[str, Any]] = []
        self.table = QTableWidget(0, len(CAMPAIGN_HEADERS), self)
        self.table.setHorizontalHeaderLabels(CAMPAIGN_HEADERS)
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.doubleClicked.connect(lambda _index: self.edit_selected())
        self.new_button = QPushButton("&New campaign…", self)
        self.new_button.clicked.connect(lambda: self.open_dialog(None))
        self.edit_button = QPushButton("&Edit…", self)
        self.edit_button.clicked.connect(self.edit_selected)
        self.work_button = QPushButton("&Work at the desk", self)
        self.work_button.clicked.connect(self._work_selected)
        bar = QHBoxLayout()
        bar.addWidget(self.new_button)
        bar.addWidget(self.edit_button)
        bar.addWidget(self.work_button)
        bar.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.table)
        ctx.data_changed.connect(self._data_changed)
        self.reload()

    def reload(self) -> None:
        store = self.ctx.store

        def load(_task: Any) -> list[dict[str, Any]]:
            with store.session() as session:
                names = dict(browse.list_names(session))
                rows = []
                for campaign in campaigns.list_campaigns(session):
                    data = campaigns.campaign_dict(session, campaign, counts=True)
                    data["list_names"] = [names.get(i, str(i)) for i in data["list_ids"]]
                    rows.append(data)
                return rows

        self.ctx.background.run(load, on_done=self._show)

    def _show(self, rows: list[dict[str, Any]]) -> None:
        self._rows = rows
        self.table.setRowCount(len(rows))
        for r, c in enumerate(rows):
            values = (
                c["name"] + ("  (default)" if c["is_default"] else ""),
                "event sprint" if c["kind"] == "event_sprint" else "list",
                ", ".join(c["list_names"])
                or ("every list without a campaign" if c["is_default"] else ""),
                c["script_key"] or "",
                str(c["priority"]),
                c["deadline"] or "",
                "yes" if c["active"] else "paused",
                f"{c['counts']['contacts']:,}",
                f"{c['counts']['ready']:,}",
            )
            for col, value in enumerate(values):
                self.table.setItem(r, col, QTableWidgetItem(value))

    def selected_id(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        return self._rows[rows[0].row()]["id"] if rows else None

    def select_campaign(self, name: str) -> None:
        for r, c in enumerate(self._rows):
            if c["name"] == name:
                self.table.selectRow(r)

    def edit_selected(self) -> None:
        campaign_id = self.selected_id()
        if campaign_id is not None:
            self.open_dialog(campaign_id)

    def _work_selected(self) -> None:
        campaign_id = self.selected_id()
        if campaign_id is not None:
            self.ctx.work_campaign.emit(campaign_id)

    def open_dialog(self, campaign_id: int | None) -> None:
        """Load what the dialog offers in the background, then open it."""
        store = self.ctx.store

        def load(_task: Any) -> CampaignChoices:
            with store.session() as session:
                return load_choices(session, campaign_id)

        def show(choices: CampaignChoices) -> None:
            self.dialog = CampaignDialog(self.ctx, choices, self)
            self.dialog.open()

        self.ctx.background.run(load, on_done=show)

    def _data_changed(self, what: str) -> None:
        if what in ("campaigns", "lists", "import", "all"):
            self.reload()
