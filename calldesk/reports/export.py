"""Export of report tables to CSV or XLSX, safe to open in a spreadsheet.

Every cell passes the one spreadsheet guard (:mod:`calldesk.spreadsheet`): text a spreadsheet
would run as a formula gets a leading apostrophe, a plain number stays intact.
"""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

from calldesk.reports.scope import Report, Table
from calldesk.spreadsheet import neutralise, neutralise_row, xlsx_row

__all__ = ["cell_value", "export_report", "neutralise", "write_csv"]


def cell_value(value: Any) -> Any:
    """A report value as a spreadsheet cell: numbers stay numbers, everything else safe text."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return value
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    if isinstance(value, dt.date):
        return value
    if isinstance(value, dict):
        value = "; ".join(f"{k}: {v}" for k, v in value.items())
    return neutralise(str(value))


def export_report(report: Report, path: str | Path) -> list[Path]:
    """Write every table of ``report`` to ``path`` (.csv or .xlsx); returns the files written.

    XLSX gets one sheet per table. CSV gets the main table in ``path`` and each further table in
    ``<stem>-<table>.csv`` beside it.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        _write_xlsx(report, path)
        return [path]
    if suffix != ".csv":
        raise ValueError(f"export to .csv or .xlsx, not {path.name!r}")
    written = []
    for i, (name, table) in enumerate(report.tables.items()):
        target = path if i == 0 else path.with_name(f"{path.stem}-{name}{path.suffix}")
        write_csv(table, target)
        written.append(target)
    return written


def write_csv(table: Table, path: Path) -> None:
    """One table as a UTF-8 CSV (with BOM, so spreadsheet programs guess the encoding)."""
    with open(path, "w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle)
        writer.writerow(neutralise_row([label for _, label in table.columns]))
        for row in table.rows:
            values = [cell_value(row.get(key)) for key, _ in table.columns]
            writer.writerow(
                neutralise_row(
                    [v.isoformat(sep=" ") if isinstance(v, dt.datetime) else v for v in values]
                )
            )


def _write_xlsx(report: Report, path: Path) -> None:
    from openpyxl import Workbook  # late import: only exports need it

    book = Workbook(write_only=True)
    for name, table in report.tables.items():
        sheet = book.create_sheet(title=name[:31])
        sheet.append(xlsx_row(sheet, [label for _, label in table.columns]))
        for row in table.rows:
            sheet.append(xlsx_row(sheet, [cell_value(row.get(key)) for key, _ in table.columns]))
    book.save(path)
