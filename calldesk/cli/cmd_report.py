"""``calldesk report funnel|scorecard|lists|hours|forgotten|trend``: the Monday figures."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import Any

from sqlalchemy import select

from calldesk import reports
from calldesk.cli.main import CliError, Context, Output, add_command, add_group
from calldesk.models import CallList, Campaign, Event
from calldesk.reports.text import render_report
from calldesk.reps import RepError, find_rep


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    group = add_group(subparsers, common, "report", "reports: funnel, scorecards, list return, ...")
    specs = [
        ("funnel", "contacts -> dialled -> reached -> graded -> booked -> accepted -> held -> won"),
        ("scorecard", "qualifier scorecards and field-rep figures"),
        ("lists", "list return: cost per conversation, A lead, held appointment, opportunity"),
        ("hours", "best time to call: connect rate by the contact's local hour and weekday"),
        ("forgotten", "forgotten follow-ups, callbacks, outcomes and opportunities"),
        ("trend", "dials, connect rate, A grades and appointments per week or day"),
    ]
    for name, help_text in specs:
        cmd = add_command(group, common, name, _handler(name), help_text)
        _filter_options(cmd)
        if name == "funnel":
            cmd.add_argument("--by", choices=reports.GROUPINGS, help="one row per group")
        if name == "forgotten":
            cmd.add_argument("--as-of", type=_instant, help="ISO 8601 moment (default now)")
            cmd.add_argument("--limit", type=int, default=500, help="items per kind (500)")
        if name == "trend":
            cmd.add_argument("--period", choices=("week", "day"), default="week")


def _filter_options(cmd: argparse.ArgumentParser) -> None:
    cmd.add_argument(
        "--from", dest="date_from", metavar="DATE", type=_date, help="first day (YYYY-MM-DD, UTC)"
    )
    cmd.add_argument("--to", dest="date_to", metavar="DATE", type=_date, help="last day, included")
    cmd.add_argument("--list", dest="list_ref", metavar="ID|NAME", help="only this list")
    cmd.add_argument("--event", dest="event_ref", metavar="ID|NAME", help="only this event")
    cmd.add_argument(
        "--campaign", dest="campaign_ref", metavar="ID|NAME", help="only this campaign"
    )
    cmd.add_argument("--rep", metavar="NAME|ID", help="only this rep's calls and bookings")
    cmd.add_argument("--out", type=Path, metavar="FILE", help="also write the tables (.csv/.xlsx)")


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from exc


def _instant(text: str) -> dt.datetime:
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 time: {text!r}") from exc
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _find(session: Any, model: Any, ref: str, what: str) -> int:
    found = None
    if ref.isdigit():
        found = session.get(model, int(ref))
    if found is None:
        found = session.scalar(select(model).where(model.name == ref))
    if found is None:
        raise CliError(f"no {what} named or numbered {ref!r}", exit_code=2)
    return int(found.id)


def build_filter(args: argparse.Namespace, ctx: Context) -> reports.ReportFilter:
    """The report filter the options describe (names resolved to ids)."""
    if args.date_from and args.date_to and args.date_from > args.date_to:
        raise CliError("--from is after --to", exit_code=2)
    with ctx.store().session() as session:
        ids: dict[str, int | None] = {}
        for key, model, what in (
            ("list", CallList, "list"),
            ("event", Event, "event"),
            ("campaign", Campaign, "campaign"),
        ):
            ref = getattr(args, f"{key}_ref")
            ids[key] = _find(session, model, ref, what) if ref else None
        rep_id = None
        if args.rep:
            try:
                rep_id = find_rep(session, args.rep).id
            except RepError as exc:
                raise CliError(str(exc), exit_code=2) from exc
    return reports.ReportFilter(
        list_id=ids["list"],
        event_id=ids["event"],
        campaign_id=ids["campaign"],
        rep_id=rep_id,
        date_from=args.date_from,
        date_to=args.date_to,
    )


def _handler(name: str) -> Any:
    def handle(args: argparse.Namespace, ctx: Context) -> Output:
        flt = build_filter(args, ctx)
        store = ctx.store()
        if name == "funnel":
            report = reports.funnel(store, flt, by=args.by)
        elif name == "scorecard":
            report = reports.scorecard(store, flt)
        elif name == "lists":
            report = reports.list_return(store, flt)
        elif name == "hours":
            report = reports.best_hours(store, flt)
        elif name == "forgotten":
            report = reports.forgotten(store, flt, as_of=args.as_of, limit=args.limit)
        else:
            report = reports.trend(store, flt, period=args.period)
        data = report.as_dict()
        text = render_report(report)
        if args.out:
            try:
                files = reports.export_report(report, args.out)
            except (ValueError, OSError) as exc:
                raise CliError(f"cannot write {args.out}: {exc}", exit_code=2) from exc
            data["files"] = [str(f) for f in files]
            text += "\n\nWritten: " + ", ".join(str(f) for f in files)
        return Output(data, text)

    return handle
