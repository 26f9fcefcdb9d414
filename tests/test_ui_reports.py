"""The reports screen shows exactly the core's figures on the hand-computed history."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from calldesk import reports
from calldesk.models import Attempt
from calldesk.reports import ReportFilter
from calldesk.reports.text import format_value
from calldesk.store import Store
from tests.conftest import REPO
from tests.test_reports import build_history
from ui.context import AppContext
from ui.reports.charts import FUNNEL_STEPS
from ui.reports.model import ReportTableModel
from ui.reports.view import ReportsView
from ui.worker import Background


def make_view(store: Store, qtbot) -> ReportsView:
    view = ReportsView(AppContext(store, Background(synchronous=True)))
    qtbot.addWidget(view)
    view.resize(1280, 800)
    assert view.pages[0].report is None  # nothing computed before the screen is shown
    view.show()
    qtbot.waitExposed(view)
    return view


def choose(view: ReportsView, key: str, name: str) -> None:
    box = view.filters.boxes[key] if key != "by" else view.filters.grouping
    index = box.findText(name)
    assert index >= 0, f"{name!r} not offered in {key}"
    box.setCurrentIndex(index)
    box.activated.emit(index)


def shown(model: ReportTableModel) -> list[list[str]]:
    """Every cell as the table shows it."""
    return [
        [model.index(r, c).data() for c in range(model.columnCount())]
        for r in range(model.rowCount())
    ]


def expected(table: reports.Table) -> list[list[str]]:
    return [[format_value(k, row.get(k)) for k, _ in table.columns] for row in table.rows]


def test_screen_figures_equal_the_core(sqlite_store: Store, qtbot, tmp_path: Path) -> None:
    ids = build_history(sqlite_store)
    view = make_view(sqlite_store, qtbot)
    funnel_page = view.pages[0]

    # Everything: one funnel row, the bars from contacts to won.
    core = reports.funnel(sqlite_store)
    assert funnel_page.model.rows == core.main.rows
    assert shown(funnel_page.model) == expected(core.main)
    assert funnel_page.chart.values == [12, 10, 9, 8, 5, 8, 5, 3, 2, 1]
    assert len(funnel_page.chart.values) == len(FUNNEL_STEPS)

    # Per list; choosing a row redraws the bars for it.
    choose(view, "by", "Per list")
    core = reports.funnel(sqlite_store, by="list")
    assert shown(funnel_page.model) == expected(core.main)
    assert [r["name"] for r in funnel_page.model.rows] == ["Vendor X", "Vendor Y"]
    funnel_page.table.selectRow(1)
    assert funnel_page.chart.values == [3, 2, 1, 1, 0, 0, 0, 0, 0, 0]

    # Filters: one rep, a date range.
    choose(view, "by", "Everything")
    choose(view, "rep", "Ben")
    view.filters.set_range(dt.date(2026, 11, 3), dt.date(2026, 11, 4))
    view.refresh()
    flt = ReportFilter(
        rep_id=ids["Ben"], date_from=dt.date(2026, 11, 3), date_to=dt.date(2026, 11, 4)
    )
    assert view.filters.report_filter() == flt
    assert funnel_page.model.rows == reports.funnel(sqlite_store, flt).main.rows
    assert funnel_page.chart.values[:4] == [3, 3, 2, 1]
    choose(view, "rep", "Any rep")
    view.filters.set_range(None, None)
    view.refresh()

    # Scorecards: Ann's row is shaded, her flag spelled out.
    view.tabs.setCurrentIndex(1)
    score = view.pages[1]
    core = reports.scorecard(sqlite_store)
    assert shown(score.qualifier_model) == expected(core.tables["qualifiers"])
    assert shown(score.field_model) == expected(core.tables["field_reps"])
    ann = [r["rep"] for r in score.qualifier_model.rows].index("Ann")
    ben = [r["rep"] for r in score.qualifier_model.rows].index("Ben")
    background = Qt.ItemDataRole.BackgroundRole
    assert score.qualifier_model.index(ann, 0).data(background) is not None
    assert score.qualifier_model.index(ben, 0).data(background) is None

    # List return.
    view.tabs.setCurrentIndex(2)
    core = reports.list_return(sqlite_store)
    assert shown(view.pages[2].model) == expected(core.main)
    assert "166.67" in shown(view.pages[2].model)[0]

    # Best hours: the heat map holds the core's connect rates, blank where nobody dialled.
    view.tabs.setCurrentIndex(3)
    hours = view.pages[3]
    core = reports.best_hours(sqlite_store)
    for cell in core.main.rows:
        assert hours.heat_map.rate_at(cell["weekday"], cell["hour"]) == cell["connect_rate"]
    assert hours.heat_map.rate_at(1, 10) == 0.5
    assert hours.heat_map.rate_at(6, 3) is None
    assert shown(hours.model) == expected(core.tables["by_hour"])

    # Over time.
    view.tabs.setCurrentIndex(4)
    assert view.pages[4].chart.periods == ["2026-11-02", "2026-11-09"]
    assert shown(view.pages[4].model) == expected(reports.trend(sqlite_store).main)

    # Forgotten: the same items; a double-click opens the contact.
    view.tabs.setCurrentIndex(5)
    page = view.pages[5]
    core = reports.forgotten(sqlite_store)
    assert [(i["kind"], i["contact_id"]) for i in page.items_model.rows] == [
        (i["kind"], i["contact_id"]) for i in core.main.rows
    ]
    first = page.items.model().index(0, 0)
    with qtbot.waitSignal(view.ctx.open_contact) as opened:
        page.items.activated.emit(first)
    assert opened.args == [page.items_model.rows[0]["contact_id"]]

    # A call recorded elsewhere: the screen shown recomputes.
    with sqlite_store.write() as s:
        s.add(
            Attempt(
                contact_id=ids["c8"],
                rep_id=ids["Ann"],
                started_at=dt.datetime(2026, 11, 20, 10, tzinfo=dt.UTC),
                disposition="no_answer",
                local_hour=10,
                local_weekday=4,
            )
        )
    view.tabs.setCurrentIndex(0)
    view.ctx.data_changed.emit("contacts")
    assert funnel_page.model.rows[0]["dialled"] == 11
    view.tabs.setCurrentIndex(5)

    # Export of the page shown.
    files = view.export_current(tmp_path / "forgotten.xlsx")
    assert files == [tmp_path / "forgotten.xlsx"] and files[0].stat().st_size > 0
    assert view.status.text().startswith("Exported to")


def test_stale_results_are_dropped(sqlite_store: Store, qtbot) -> None:
    """A result computed for an older filter never overwrites the newer one."""
    build_history(sqlite_store)
    ctx = AppContext(sqlite_store, Background(synchronous=False))
    view = ReportsView(ctx)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitUntil(lambda: view.pages[0].report is not None, timeout=20000)
    choose(view, "by", "Per rep")
    choose(view, "by", "Per list")  # asked again before the first answer came back
    qtbot.waitUntil(lambda: not ctx.background.busy, timeout=20000)
    assert view.pages[0].report is not None and view.pages[0].report.meta["by"] == "list"
    assert [r["name"] for r in view.pages[0].model.rows] == ["Vendor X", "Vendor Y"]


@pytest.mark.slow
def test_screenshot_on_demo_store(sqlite_store: Store, qtbot, tmp_path: Path) -> None:
    from calldesk import demo

    demo.build(sqlite_store, seed=7)
    view = make_view(sqlite_store, qtbot)
    for index, name in ((0, "funnel"), (3, "hours")):
        view.tabs.setCurrentIndex(index)
        assert view.pages[index].report is not None
        qtbot.wait(50)
        image = view.grab().toImage()
        assert (image.width(), image.height()) == (1280, 800)
        path = tmp_path / f"reports-{name}.png"
        assert image.save(str(path))
        if os.environ.get("CALLDESK_SHOTS"):
            (REPO / "docs" / "shots").mkdir(parents=True, exist_ok=True)
            shutil.copy(path, REPO / "docs" / "shots" / path.name)
    funnel = view.pages[0].chart.values
    assert funnel[0] > 0 and funnel[1] > 0  # the demo has contacts and calls
