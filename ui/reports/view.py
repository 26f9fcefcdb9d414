"""The reports screen: a filter bar over pages of charts and tables, one page per report.

Each page asks the core for its report (the same functions as ``calldesk report``) on the
background runner, only when it is shown and its figures are stale; results from an older
request are dropped. Any page's tables export to CSV or XLSX.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHeaderView,
    QLabel,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from calldesk import reports
from calldesk.reports import Report, ReportFilter
from calldesk.store import Store
from ui.context import AppContext
from ui.reports.charts import FunnelChart, HourHeatMap, TrendChart
from ui.reports.filters import FilterBar, filter_choices
from ui.reports.model import ROW_ROLE, SORT_ROLE, ReportTableModel


def report_table_view(parent: QWidget) -> tuple[QTableView, ReportTableModel]:
    """A sortable, read-only table view over a :class:`ReportTableModel`."""
    model = ReportTableModel(parent)
    proxy = QSortFilterProxyModel(parent)
    proxy.setSourceModel(model)
    proxy.setSortRole(SORT_ROLE)
    view = QTableView(parent)
    view.setModel(proxy)
    view.setSortingEnabled(True)
    # Rows start in the core's order; a click on a header sorts.
    view.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
    view.setAlternatingRowColors(True)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.verticalHeader().hide()
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    return view, model


class ReportPage(QWidget):
    """One report: how to compute it and how to show it."""

    title = ""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.report: Report | None = None
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(0, 0, 0, 0)

    def compute(self, store: Store, flt: ReportFilter, by: str | None) -> Report:
        raise NotImplementedError

    def show_report(self, report: Report) -> None:
        self.report = report


class FunnelPage(ReportPage):
    title = "Funnel"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.chart = FunnelChart(splitter)
        self.table, self.model = report_table_view(splitter)
        self.table.selectionModel().selectionChanged.connect(self._row_chosen)
        splitter.setSizes([420, 220])
        self.layout_.addWidget(splitter)

    def compute(self, store: Store, flt: ReportFilter, by: str | None) -> Report:
        return reports.funnel(store, flt, by=by)

    def show_report(self, report: Report) -> None:
        super().show_report(report)
        self.model.set_table(report.main)
        self.chart.show_row(report.main.rows[0] if report.main.rows else None)
        if report.main.rows:
            self.table.selectRow(0)

    def _row_chosen(self, *_args: object) -> None:
        chosen = self.table.selectionModel().selectedRows()
        if chosen:
            self.chart.show_row(chosen[0].data(ROW_ROLE))


class ScorecardPage(ReportPage):
    title = "Scorecards"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.note = QLabel(
            "Shaded: appointments rejected or not held far more often than the rest of the team's.",
            self,
        )
        self.note.setTextFormat(Qt.TextFormat.PlainText)
        self.qualifiers, self.qualifier_model = report_table_view(self)
        self.field_reps, self.field_model = report_table_view(self)
        self.layout_.addWidget(QLabel("Qualifiers", self))
        self.layout_.addWidget(self.qualifiers, 3)
        self.layout_.addWidget(self.note)
        self.layout_.addWidget(QLabel("Field reps", self))
        self.layout_.addWidget(self.field_reps, 2)

    def compute(self, store: Store, flt: ReportFilter, by: str | None) -> Report:
        return reports.scorecard(store, flt)

    def show_report(self, report: Report) -> None:
        super().show_report(report)
        self.qualifier_model.set_table(report.tables["qualifiers"])
        self.field_model.set_table(report.tables["field_reps"])


class ListReturnPage(ReportPage):
    title = "List return"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.table, self.model = report_table_view(self)
        # A long list name is cut (the whole of it on hover) rather than pushing the money
        # columns off the screen.
        self.table.horizontalHeader().setMaximumSectionSize(260)
        self.layout_.addWidget(self.table)

    def compute(self, store: Store, flt: ReportFilter, by: str | None) -> Report:
        return reports.list_return(store, flt)

    def show_report(self, report: Report) -> None:
        super().show_report(report)
        self.model.set_table(report.main)
        # What the manager came for sits next to what the list cost: visible at 1280 px.
        keys = [key for key, _label in report.main.columns]
        header = self.table.horizontalHeader()
        for place, key in enumerate(("cost", "cost_per_held"), start=2):
            if key in keys:
                header.moveSection(header.visualIndex(keys.index(key)), place)


class HoursPage(ReportPage):
    title = "Best time to call"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.heat_map = HourHeatMap(splitter)
        tables = QSplitter(Qt.Orientation.Vertical, splitter)
        self.table, self.model = report_table_view(tables)
        self.weekdays, self.weekday_model = report_table_view(tables)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        self.layout_.addWidget(splitter)

    def compute(self, store: Store, flt: ReportFilter, by: str | None) -> Report:
        return reports.best_hours(store, flt)

    def show_report(self, report: Report) -> None:
        super().show_report(report)
        self.heat_map.show_cells(report.tables["cells"].rows)
        self.model.set_table(report.tables["by_hour"])
        self.weekday_model.set_table(report.tables["by_weekday"])


class TrendPage(ReportPage):
    title = "Over time"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.chart = TrendChart(splitter)
        self.table, self.model = report_table_view(splitter)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        self.layout_.addWidget(splitter)

    def compute(self, store: Store, flt: ReportFilter, by: str | None) -> Report:
        return reports.trend(store, flt, period="week")

    def show_report(self, report: Report) -> None:
        super().show_report(report)
        self.chart.show_rows(report.main.rows)
        self.model.set_table(report.main)


class ForgottenPage(ReportPage):
    title = "Forgotten follow-ups"

    def __init__(self, open_contact: Callable[[int], None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._open_contact = open_contact
        self.counts, self.counts_model = report_table_view(self)
        self.counts.setMaximumHeight(140)
        self.items, self.items_model = report_table_view(self)
        self.items.activated.connect(self._open)  # double-click or Enter
        hint = QLabel("Double-click a row (or press Enter) to open the contact.", self)
        self.layout_.addWidget(self.counts)
        self.layout_.addWidget(hint)
        self.layout_.addWidget(self.items, 1)

    def compute(self, store: Store, flt: ReportFilter, by: str | None) -> Report:
        return reports.forgotten(store, flt)

    def show_report(self, report: Report) -> None:
        super().show_report(report)
        self.counts_model.set_table(report.tables["counts"])
        self.items_model.set_table(report.tables["items"])

    def _open(self, index: QModelIndex) -> None:
        row = index.data(ROW_ROLE)
        if row and row.get("contact_id") is not None:
            self._open_contact(int(row["contact_id"]))


class ReportsView(QWidget):
    """The Monday reports, filtered by range, list, event, campaign and rep."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.filters = FilterBar(self, today=ctx.clock().astimezone().date())
        self.tabs = QTabWidget(self)
        self.pages: list[ReportPage] = [
            FunnelPage(self.tabs),
            ScorecardPage(self.tabs),
            ListReturnPage(self.tabs),
            HoursPage(self.tabs),
            TrendPage(self.tabs),
            ForgottenPage(ctx.open_contact.emit, self.tabs),
        ]
        for page in self.pages:
            self.tabs.addTab(page, page.title)
        self.status = QLabel(self)
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.filters)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.status)
        self._stale: set[int] = set(range(len(self.pages)))
        self._generation = 0
        self.filters.changed.connect(self.refresh)
        self.filters.export_requested.connect(self._choose_export_file)
        self.tabs.currentChanged.connect(lambda _i: self._load_current())
        ctx.data_changed.connect(self._data_changed)
        ctx.background.run(
            lambda _task: filter_choices(ctx.store),
            on_done=self._choices_loaded,
            on_error=self._failed,
        )

    # --- loading ----------------------------------------------------------------------------

    def _choices_loaded(self, choices: dict[str, list[tuple[int, str]]]) -> None:
        self.filters.set_choices(choices)
        # Nothing is computed for a tab nobody opened (a million-contact store at launch).
        if self.isVisible():
            self._load_current()

    def _data_changed(self, what: str) -> None:
        # The desk emits this after every call: recompute only what someone is looking at.
        if what in ("settings", "sync"):
            return
        if what in ("import", "campaigns", "reps"):
            self._reload_choices()
        self._stale = set(range(len(self.pages)))
        if self.isVisible():
            self._load_current()

    def _reload_choices(self) -> None:
        self.ctx.background.run(
            lambda _task: filter_choices(self.ctx.store),
            on_done=self.filters.set_choices,
            on_error=self._failed,
        )

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt API)
        super().showEvent(event)
        self._load_current()

    def refresh(self) -> None:
        """Figures are stale: recompute the page shown now, the others when they are shown."""
        self._stale = set(range(len(self.pages)))
        self._load_current()

    def current_page(self) -> ReportPage:
        return self.pages[self.tabs.currentIndex()]

    def _load_current(self) -> None:
        index = self.tabs.currentIndex()
        if index not in self._stale:
            return
        self._generation += 1
        generation = self._generation
        page = self.pages[index]
        flt, by = self.filters.report_filter(), self.filters.by()
        store = self.ctx.store
        started = time.perf_counter()
        self.status.setText(f"Working out {page.title.lower()}…")

        def done(report: Report) -> None:
            if generation != self._generation:
                return  # the filter changed meanwhile; a newer request is on its way
            self._stale.discard(index)
            page.show_report(report)
            ms = (time.perf_counter() - started) * 1000
            self.status.setText(f"{page.title}: {_describe(report)} ({ms:,.0f} ms)")

        self.ctx.background.run(
            lambda _task: page.compute(store, flt, by), on_done=done, on_error=self._failed
        )

    def _failed(self, exc: BaseException) -> None:
        self.status.setText(f"Could not compute the report: {exc}")

    # --- export -----------------------------------------------------------------------------

    def _choose_export_file(self) -> None:
        page = self.current_page()
        if page.report is None:
            return
        path, _ = QFileDialog.getSaveFileName(
            self,
            "Export report",
            f"{page.report.name}.xlsx",
            "Excel workbook (*.xlsx);;CSV (*.csv)",
        )
        if path:
            self.export_current(Path(path))

    def export_current(self, path: Path) -> list[Path]:
        """Write the shown page's tables to ``path`` (.xlsx or .csv); returns the files."""
        page = self.current_page()
        if page.report is None:
            return []
        try:
            files = reports.export_report(page.report, path)
        except (ValueError, OSError) as exc:
            self.status.setText(f"Could not export: {exc}")
            return []
        self.status.setText("Exported to " + ", ".join(str(f) for f in files))
        return files


def _describe(report: Report) -> str:
    flt: dict[str, Any] = report.meta.get("filter", {})
    parts = [f"{k.removesuffix('_id')} {v}" for k, v in flt.items() if v is not None]
    return ", ".join(parts) or "everything"
