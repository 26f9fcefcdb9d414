"""Report values as people read them: percentages, money, dates, and plain-text tables."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from calldesk.reports.scope import Report, Table

RATE_SUFFIXES = ("_rate", "_share")


def format_value(key: str, value: Any) -> str:
    """One cell as text: rates as percentages, money to the cent, None as a dash."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if key.endswith(RATE_SUFFIXES) and isinstance(value, int | float):
        return f"{value * 100:.1f}%"
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dict):
        return ", ".join(f"{k} {v}" for k, v in value.items()) or "-"
    return str(value)


def render_table(table: Table, *, transpose: bool | None = None) -> str:
    """A table as aligned plain text. Wide tables with few rows are turned on their side
    (one line per figure, one column per group) so they fit a terminal."""
    if not table.rows:
        return "(nothing to show)"
    if transpose is None:
        transpose = len(table.columns) > 10 and len(table.rows) <= 8
    cells = [[format_value(k, row.get(k)) for k, _ in table.columns] for row in table.rows]
    if transpose:
        grid = [
            [label] + [cells[r][c] for r in range(len(cells))]
            for c, (_, label) in enumerate(table.columns)
        ]
    else:
        grid = [[label for _, label in table.columns], *cells]
    widths = [max(len(line[i]) for line in grid) for i in range(len(grid[0]))]
    lines = []
    for n, line in enumerate(grid):
        parts = [
            text.ljust(w) if i == 0 or not _numeric(text) else text.rjust(w)
            for i, (text, w) in enumerate(zip(line, widths, strict=True))
        ]
        lines.append("  ".join(parts).rstrip())
        if n == 0 and not transpose:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _numeric(text: str) -> bool:
    return bool(text) and (text[0].isdigit() or text == "-") and not text.startswith("--")


def render_report(report: Report) -> str:
    """Every table of a report, each under its name when there are several."""
    if len(report.tables) == 1:
        return render_table(report.main)
    blocks = []
    for name, table in report.tables.items():
        blocks.append(f"{name.replace('_', ' ').capitalize()}\n{render_table(table)}")
    return "\n\n".join(blocks)
