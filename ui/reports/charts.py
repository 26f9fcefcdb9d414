"""The reports' charts, drawn by pyqtgraph: funnel bars, the best-hour heat map, rates over time."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QWidget

from calldesk.reports.hours import WEEKDAYS

FUNNEL_STEPS: tuple[tuple[str, str], ...] = (
    ("contacts", "Contacts"),
    ("dialled", "Dialled"),
    ("reached", "Reached"),
    ("graded", "Graded"),
    ("grade_a", "A"),
    ("booked", "Booked"),
    ("accepted", "Accepted"),
    ("held", "Held"),
    ("opportunity", "Opportunity"),
    ("won", "Won"),
)
BAR_BRUSH = pg.mkBrush(52, 101, 164)
APPOINTMENT_BRUSH = pg.mkBrush(230, 145, 56)


class FunnelChart(pg.PlotWidget):
    """Bars from contacts to won for one funnel row; contact steps blue, appointments orange."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent=parent, background="w")
        self.setTitle("Funnel", color="#333", size="10pt")
        self.setMenuEnabled(False)
        self.setMouseEnabled(x=False, y=False)
        self.hideButtons()
        self.setMinimumHeight(200)
        self.getAxis("bottom").setTicks([list(enumerate(label for _, label in FUNNEL_STEPS))])
        self.values: list[int] = []

    def show_row(self, row: dict[str, Any] | None) -> None:
        self.clear()
        self.values = [int(row.get(key) or 0) for key, _ in FUNNEL_STEPS] if row else []
        if not self.values:
            return
        split = [key for key, _ in FUNNEL_STEPS].index("booked")
        xs = np.arange(len(self.values))
        brushes = [BAR_BRUSH if i < split else APPOINTMENT_BRUSH for i in xs]
        self.addItem(pg.BarGraphItem(x=xs, height=self.values, width=0.7, brushes=brushes))
        top = max(self.values) or 1
        previous: int | None = None
        for x, value in zip(xs, self.values, strict=True):
            # Each bar says how many made it from the step before (contacts: all of them).
            # Appointments start a count of their own: no share on the first of them.
            share = "" if not previous or x == split else f"\n{value / previous:.0%}"
            label = pg.TextItem(f"{value:,}{share}", color="#222", anchor=(0.5, 1.0))
            label.setPos(float(x), value + top * 0.02)
            self.addItem(label)
            previous = value
        self.setYRange(0, top * 1.25, padding=0)
        self.setXRange(-0.6, len(self.values) - 0.4, padding=0)


class HourHeatMap(pg.PlotWidget):
    """Connect rate by the contact's local hour (x) and weekday (y); blank where nobody dialled."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent=parent, background="w")
        self.setTitle("Connect rate by the contact's local hour", color="#333", size="10pt")
        self.setMenuEnabled(False)
        self.setMouseEnabled(x=False, y=False)
        self.hideButtons()
        self.setMinimumHeight(220)
        self.image = pg.ImageItem()
        colors = pg.colormap.get("viridis")
        self.image.setColorMap(colors)
        self.addItem(self.image)
        self.legend = pg.ColorBarItem(
            values=(0.0, 1.0), colorMap=colors, interactive=False, label="connect rate"
        )
        self.legend.setImageItem(self.image, insert_in=self.getPlotItem())
        self.getAxis("left").setTicks([[(i + 0.5, d) for i, d in enumerate(WEEKDAYS)]])
        self.getAxis("bottom").setTicks([[(h + 0.5, f"{h:02d}") for h in range(0, 24, 2)]])
        self.invertY(True)
        self.grid = np.full((24, 7), np.nan)

    def show_cells(self, cells: list[dict[str, Any]]) -> None:
        """``cells`` as the core's best-hours report gives them (weekday, hour, connect_rate)."""
        grid = np.full((24, 7), np.nan)
        for cell in cells:
            if cell["connect_rate"] is not None and 0 <= cell["hour"] < 24:
                grid[cell["hour"], cell["weekday"]] = cell["connect_rate"]
        self.grid = grid
        top = np.nanmax(grid) if np.isfinite(grid).any() else 1.0
        # Explicit levels: the image never computes min/max over empty (NaN) cells itself.
        levels = (0.0, max(float(top), 0.01))
        self.image.setImage(grid, levels=levels, autoLevels=False)
        self.legend.setLevels(levels)
        dialled = [c["hour"] for c in cells if 0 <= c["hour"] < 24]
        # Calling hours fill the width; a night dial still shows if there was one.
        first = min([6, *dialled])
        last = max([21, *dialled]) + 1
        self.setXRange(first, last, padding=0)
        self.setYRange(0, 7, padding=0)

    def rate_at(self, weekday: int, hour: int) -> float | None:
        value = self.grid[hour, weekday]
        return None if math.isnan(value) else float(value)


class TrendChart(pg.GraphicsLayoutWidget):
    """Connect rate per period above, dials and appointments booked per period below."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent=parent)
        self.setBackground("w")
        self.setMinimumHeight(260)
        self.rate_plot = self.addPlot(row=0, col=0, title="Connect rate %")
        self.count_plot = self.addPlot(row=1, col=0, title="Dials (blue) and booked (orange)")
        for plot in (self.rate_plot, self.count_plot):
            plot.setMenuEnabled(False)
            plot.setMouseEnabled(x=False, y=False)
            plot.hideButtons()
        self.periods: list[str] = []

    def show_rows(self, rows: list[dict[str, Any]]) -> None:
        self.rate_plot.clear()
        self.count_plot.clear()
        self.periods = [r["period"] for r in rows]
        if not rows:
            return
        xs = np.arange(len(rows), dtype=float)
        rates = [100.0 * (r["connect_rate"] or 0.0) for r in rows]
        self.rate_plot.plot(xs, rates, pen=pg.mkPen(52, 101, 164, width=2), symbol="o")
        self.count_plot.addItem(
            pg.BarGraphItem(
                x=xs - 0.18, height=[r["dials"] for r in rows], width=0.35, brush=BAR_BRUSH
            )
        )
        self.count_plot.addItem(
            pg.BarGraphItem(
                x=xs + 0.18, height=[r["booked"] for r in rows], width=0.35, brush=APPOINTMENT_BRUSH
            )
        )
        step = max(1, len(rows) // 8)
        ticks = [(float(i), p[5:]) for i, p in enumerate(self.periods) if i % step == 0]
        for plot in (self.rate_plot, self.count_plot):
            plot.getAxis("bottom").setTicks([ticks])
            plot.setXRange(-0.6, len(rows) - 0.4, padding=0)
        self.rate_plot.setYRange(0, max(max(rates) * 1.15, 1.0), padding=0)
