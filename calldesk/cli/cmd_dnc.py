"""``calldesk dnc ...``: the do-not-call list (registry files, add, remove, check, list)."""

from __future__ import annotations

import argparse
import datetime as dt

from calldesk import dnc
from calldesk.cli.main import CliError, Context, Output, add_command, add_group


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from exc


def register(subparsers: object, common: argparse.ArgumentParser) -> None:
    group = add_group(subparsers, common, "dnc", "the do-not-call list")
    cmd = add_command(group, common, "import", _import, "load a registry or plain number file")
    cmd.add_argument("file")
    cmd.add_argument("--source", choices=dnc.SOURCES, help="default: detected (us_national/file)")
    cmd.add_argument("--country", default="US", help="country of numbers without +CC")
    cmd.add_argument("--file-date", type=_date, help="date the registry file was taken")
    cmd.add_argument("--actor", help="who loads it (audit log)")
    cmd = add_command(group, common, "add", _add, "put a number on the DNC list now")
    cmd.add_argument("number")
    cmd.add_argument("--reason")
    cmd.add_argument("--country", default="US")
    cmd.add_argument("--actor")
    cmd = add_command(group, common, "remove", _remove, "take a number off (audited)")
    cmd.add_argument("number")
    cmd.add_argument("--reason", required=True, help="why (kept in the audit log)")
    cmd.add_argument("--source", choices=dnc.SOURCES, help="only this source's entry")
    cmd.add_argument("--country", default="US")
    cmd.add_argument("--actor")
    cmd = add_command(group, common, "check", _check, "is a number on the DNC list?")
    cmd.add_argument("number")
    cmd.add_argument("--country", default="US")
    cmd = add_command(group, common, "list", _list, "DNC entries, newest first")
    cmd.add_argument("--source", choices=dnc.SOURCES)
    cmd.add_argument("--limit", type=int, default=50)
    cmd.add_argument("--offset", type=int, default=0)
    cmd = add_command(group, common, "search", _search, "DNC entries matching a number")
    cmd.add_argument("text")
    cmd.add_argument("--country", default="US")
    cmd.add_argument("--limit", type=int, default=50)


def _import(args: argparse.Namespace, ctx: Context) -> Output:
    try:
        result = dnc.import_dnc_file(
            ctx.store(),
            args.file,
            source=args.source,
            country=args.country,
            file_date=args.file_date,
            actor=args.actor,
            progress=lambda n: ctx.progress(f"{n} numbers read"),
        )
    except dnc.DncError as exc:
        raise CliError(str(exc), exit_code=2) from exc
    text = (
        f"snapshot {result.snapshot_id} ({result.source}, {result.file_date}): "
        f"{result.numbers} numbers, {result.added} new, {len(result.invalid)} lines refused, "
        f"{result.contacts_marked} contacts marked do-not-call"
    )
    return Output(result.to_json(), text)


def _add(args: argparse.Namespace, ctx: Context) -> Output:
    try:
        with ctx.store().write() as session:
            entry, marked = dnc.add_number(
                session, args.number, country=args.country, reason=args.reason, actor=args.actor
            )
            data = {"e164": entry.e164, "source": entry.source, "contacts_marked": marked}
    except dnc.DncError as exc:
        raise CliError(str(exc), exit_code=2) from exc
    return Output(data, f"{data['e164']} is on the DNC list ({marked} contacts marked)")


def _remove(args: argparse.Namespace, ctx: Context) -> Output:
    try:
        with ctx.store().write() as session:
            data = dnc.remove_number(
                session,
                args.number,
                reason=args.reason,
                country=args.country,
                actor=args.actor,
                source=args.source,
            )
    except dnc.DncError as exc:
        raise CliError(str(exc), exit_code=2) from exc
    still = " (still listed by another source)" if data["still_listed"] else ""
    return Output(data, f"{data['e164']} removed from the DNC list{still}")


def _check(args: argparse.Namespace, ctx: Context) -> Output:
    with ctx.store().session() as session:
        data = dnc.check_number(session, args.number, country=args.country)
    if data["e164"] is None:
        raise CliError(f"{args.number!r} is not a phone number", exit_code=2)
    if data["on_list"]:
        sources = ", ".join(e["source"] for e in data["entries"])
        return Output(data, f"{data['e164']} is ON the DNC list ({sources})")
    return Output(data, f"{data['e164']} is not on the DNC list")


def _rows_text(rows: list[dict]) -> str:
    if not rows:
        return "(none)"
    return "\n".join(
        f"{r['e164']}  {r['source']}  {r['added_at'] or ''}  {r['reason'] or ''}" for r in rows
    )


def _list(args: argparse.Namespace, ctx: Context) -> Output:
    with ctx.store().session() as session:
        rows = dnc.list_entries(session, source=args.source, limit=args.limit, offset=args.offset)
    return Output(rows, _rows_text(rows))


def _search(args: argparse.Namespace, ctx: Context) -> Output:
    with ctx.store().session() as session:
        rows = dnc.list_entries(session, query=args.text, limit=args.limit, country=args.country)
    return Output(rows, _rows_text(rows))
