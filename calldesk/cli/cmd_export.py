"""``calldesk export``: graded leads to a CSV/XLSX file in calldesk's or a CRM's layout."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from calldesk.cli.main import CliError, Context, Output, add_command
from calldesk.sync.export import EXPORT_FORMATS, export_leads


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    export = add_command(
        subparsers,
        common,
        "export",
        cmd_export,
        "export graded leads (never DNC contacts) to CSV or XLSX",
    )
    export.add_argument("--grade", default="A,B", help="grades to export, e.g. A,B (default A,B)")
    export.add_argument(
        "--format",
        choices=EXPORT_FORMATS,
        default="csv",
        help="csv/xlsx: calldesk's full layout; salesforce/hubspot: CRM import layout "
        "(CSV, or XLSX when --out ends in .xlsx)",
    )
    export.add_argument("--out", required=True, type=Path, metavar="FILE")


def cmd_export(args: argparse.Namespace, ctx: Context) -> Output:
    grades = [g for g in args.grade.split(",") if g.strip()]
    if not args.out.parent.exists():
        raise CliError(f"folder {args.out.parent} does not exist", exit_code=2)
    store = ctx.store()

    def progress(done: int, total: int) -> None:
        ctx.progress(f"exported {done} of {total}")

    try:
        result = export_leads(store, args.out, grades=grades, fmt=args.format, progress=progress)
    except ValueError as exc:
        raise CliError(str(exc), exit_code=2) from exc
    except OSError as exc:  # a full disk, a read-only folder: the half-written file is gone
        reason = exc.strerror or str(exc)
        raise CliError(f"cannot write {args.out}: {reason}; no file was left", exit_code=1) from exc
    data = {
        "path": str(result.path),
        "rows": result.rows,
        "layout": result.layout,
        "format": result.file_format,
        "grades": [g.strip().upper() for g in grades],
    }
    return Output(data, f"{result.rows} leads written to {result.path} ({result.layout} layout)")
