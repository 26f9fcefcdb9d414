"""``calldesk import FILE --list NAME ...``: import a call list or an event's follow-up file."""

from __future__ import annotations

import argparse
import datetime as dt
from decimal import Decimal, InvalidOperation

from calldesk.cli.main import CliError, Context, Output, add_command
from calldesk.importing.pipeline import import_file
from calldesk.importing.run import (
    SOURCES,
    ImportCancelled,
    ImportOptions,
    ImportProgress,
    ImportRefused,
)


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from exc


def _money(text: str) -> Decimal:
    try:
        return Decimal(text)
    except InvalidOperation as exc:
        raise argparse.ArgumentTypeError(f"not an amount: {text!r}") from exc


def register(subparsers: object, common: argparse.ArgumentParser) -> None:
    command = add_command(
        subparsers, common, "import", handle_import, "import a call list or event follow-up file"
    )
    command.add_argument("file", help="CSV (any delimiter/encoding) or XLSX file")
    command.add_argument("--list", dest="list_name", required=True, help="list name")
    command.add_argument(
        "--source",
        choices=SOURCES,
        default=None,
        help="what the list is (default: what the mapping says, e.g. trade_show for badge "
        "scans; the event's kind with --event; else purchased)",
    )
    command.add_argument("--event", help="event name (created or extended)")
    command.add_argument("--event-date", type=_date, help="YYYY-MM-DD")
    command.add_argument(
        "--follow-up-days", type=int, help="follow-up deadline: event date + N days"
    )
    command.add_argument("--cost", type=_money, help="what the list or event cost")
    command.add_argument("--campaign", help="campaign to add the list to (else the default)")
    command.add_argument("--country", default="US", help="country of numbers without +CC")
    command.add_argument(
        "--mapping", default="auto", help="auto, a preset (e.g. vicidial), a saved name or a file"
    )
    command.add_argument("--save-mapping", dest="save_mapping", help="save the mapping by name")
    command.add_argument("--sheet", help="spreadsheet sheet (default: the first)")
    command.add_argument("--encoding", help="file encoding (default: detected)")
    command.add_argument("--delimiter", help="CSV delimiter (default: sniffed)")
    command.add_argument(
        "--header-row",
        type=int,
        dest="header_row",
        help="the row (1 = first line) holding the column names, e.g. below a report's "
        "title and summary (default: detected); 0: the file has no header row",
    )


def handle_import(args: argparse.Namespace, ctx: Context) -> Output:
    if args.follow_up_days is not None and args.follow_up_days < 0:
        raise CliError("--follow-up-days must be 0 or more", exit_code=2)
    delimiter = args.delimiter
    if delimiter in ("\\t", "tab", "TAB"):
        delimiter = "\t"
    if args.header_row is not None and args.header_row < 0:
        raise CliError("--header-row must be 0 (no header row) or a row number", exit_code=2)
    header = {}
    if args.header_row == 0:
        header = {"has_header": False}
    elif args.header_row is not None:
        header = {"has_header": True, "skip_rows": args.header_row - 1}
    options = ImportOptions(
        list_name=args.list_name,
        source=args.source,
        country=args.country,
        mapping=args.mapping,
        event=args.event,
        event_date=args.event_date,
        follow_up_days=args.follow_up_days,
        cost=args.cost,
        campaign=args.campaign,
        sheet=args.sheet,
        encoding=args.encoding,
        delimiter=delimiter,
        save_mapping_as=args.save_mapping,
        **header,  # type: ignore[arg-type]
    )
    last = [-1.0]

    def progress(state: ImportProgress) -> None:
        if state.fraction - last[0] >= 0.1 or state.phase in ("indexing", "finishing"):
            last[0] = state.fraction
            ctx.progress(f"{state.phase}: {state.rows_read} rows read, {state.rows_stored} stored")

    try:
        result = import_file(ctx.store(), args.file, options, progress=progress)
    except ImportRefused as exc:
        raise CliError(str(exc), exit_code=2) from exc
    except ImportCancelled as exc:
        raise CliError(str(exc), exit_code=130) from exc
    data = result.to_json()
    lines = [
        f"list {result.list_id} ({args.list_name}): {result.rows} rows, "
        f"{result.imported} imported, {result.merged} merged into existing contacts, "
        f"{result.duplicates} duplicates, {result.invalid} with invalid values, "
        f"{result.dnc_suppressed} on the DNC list ({result.seconds:.1f} s)"
    ]
    lines += result.summary_lines()
    lines += result.notes
    for error in result.errors[:20]:
        lines.append(
            f"  row {error['row']}: {error['column'] or '-'} {error['value']!r}: {error['reason']}"
        )
    if len(result.errors) > 20:
        lines.append(f"  ... {len(result.errors) - 20} more (--json lists them all)")
    return Output(data, "\n".join(lines))
