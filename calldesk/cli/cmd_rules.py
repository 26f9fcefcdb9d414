"""``calldesk rules``: explain a decision, list and fix contacts whose place is unknown, packs."""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any

from calldesk.cli.main import CliError, Context, Output, add_command, add_group
from calldesk.models import Campaign
from calldesk.rules import (
    DialRefused,
    RulePackError,
    active_packs,
    authorize_dial,
    dnc_snapshot_ages,
    dnc_snapshot_warnings,
    explain,
    explain_text,
    needs_review,
    pack_summaries,
    rules_overview,
    set_zone,
    validate_campaign_rules,
)
from calldesk.rules.ledger import export_ledger, ledger_rows
from calldesk.rules.marks import (
    add_closed_day,
    closed_day_dict,
    closed_days_list,
    remove_closed_day,
)


def _at(text: str | None) -> dt.datetime:
    if not text:
        return dt.datetime.now(dt.UTC)
    try:
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise CliError(f'--at "{text}" is not an ISO 8601 time', exit_code=2) from exc
    if value.tzinfo is None:
        raise CliError(f'--at "{text}" needs a UTC offset (e.g. 2026-11-23T14:00:00Z)', exit_code=2)
    return value.astimezone(dt.UTC)


def _campaign_rules(session: Any, campaign_id: int | None) -> dict[str, Any] | None:
    if campaign_id is None:
        return None
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise CliError(f"no campaign {campaign_id}", exit_code=2)
    return campaign.rules


def _explain(args: argparse.Namespace, ctx: Context) -> Output:
    if args.phone is None and args.contact is None:
        raise CliError("give --phone, --contact, or both", exit_code=2)
    at = _at(args.at)
    with ctx.store().session() as session:
        try:
            data = explain(
                session,
                phone=args.phone,
                contact_id=args.contact,
                at=at,
                campaign_rules=_campaign_rules(session, args.campaign),
            )
        except LookupError as exc:
            raise CliError(str(exc), exit_code=2) from exc
        data["warnings"] = dnc_snapshot_warnings(session, at)
    return Output(data, explain_text(data))


def _check_dial(args: argparse.Namespace, ctx: Context) -> Output:
    at = _at(args.at)
    if (args.override_by is None) != (args.reason is None):
        raise CliError("an override needs both --override-by and --reason", exit_code=2)
    with ctx.store().session() as session:
        try:
            verdict = authorize_dial(
                session,
                e164=args.phone,
                contact_id=args.contact,
                at=at,
                campaign_rules=_campaign_rules(session, args.campaign),
                override_by=args.override_by,
                override_reason=args.reason,
            )
        except DialRefused as exc:
            data = {**exc.verdict.as_dict(), "dial": "refused", "reason": str(exc)}
            return Output(data, str(exc), exit_code=1)
        except LookupError as exc:
            raise CliError(str(exc), exit_code=2) from exc
    if verdict.allowed:
        data = {**verdict.as_dict(), "dial": "allowed", "reason": verdict.rule}
        return Output(data, f"allowed: {verdict.rule}")
    data = {**verdict.as_dict(), "dial": "overridden", "reason": verdict.rule}
    text = (
        f"overridden by {verdict.override_by} ({verdict.override_reason}): {verdict.rule}; "
        "record the call with this override so the reason is kept with the attempt"
    )
    return Output(data, text)


def _day(text: str, flag: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise CliError(f'{flag} "{text}" is not a date (YYYY-MM-DD)', exit_code=2) from exc


def _ledger(args: argparse.Namespace, ctx: Context) -> Output:
    start = _at(args.start) if args.start else None
    end = _at(args.end) if args.end else None
    with ctx.store().session() as session:
        rows = list(ledger_rows(session, start, end))
        text = export_ledger(session, start, end, args.format)
    if args.output:
        try:
            with open(args.output, "w", encoding="utf-8", newline="") as handle:
                handle.write(text)
        except OSError as exc:
            raise CliError(f"cannot write {args.output}: {exc}", exit_code=2) from exc
        return Output({"rows": len(rows), "file": args.output}, f"{len(rows)} row(s) written")
    return Output({"rows": rows, "count": len(rows)}, text.rstrip("\n"))


def _closed_add(args: argparse.Namespace, ctx: Context) -> Output:
    with ctx.store().write() as session:
        try:
            entry = add_closed_day(
                session,
                country=args.country,
                state=args.state,
                day=_day(args.day, "--day"),
                reason=args.reason,
                source=args.source,
                actor=args.by,
            )
        except ValueError as exc:
            raise CliError(str(exc), exit_code=2) from exc
        data = closed_day_dict(entry)
    where = f"{data['country']}-{data['state']}" if data["state"] else data["country"]
    return Output(data, f"closed #{data['id']}: {where} on {data['day']} ({data['reason']})")


def _closed_list(args: argparse.Namespace, ctx: Context) -> Output:
    with ctx.store().session() as session:
        rows = closed_days_list(session)
    lines = [
        f"#{r['id']} {r['day']} {r['country']}{'-' + r['state'] if r['state'] else ''}: "
        f"{r['reason']} ({r['source']})"
        for r in rows
    ] or ["no closed days entered"]
    return Output({"closed_days": rows}, "\n".join(lines))


def _closed_remove(args: argparse.Namespace, ctx: Context) -> Output:
    with ctx.store().write() as session:
        try:
            remove_closed_day(session, args.id, actor=args.by)
        except LookupError as exc:
            raise CliError(str(exc), exit_code=2) from exc
    return Output({"removed": args.id}, f"closed day #{args.id} removed")


def _review(args: argparse.Namespace, ctx: Context) -> Output:
    with ctx.store().session() as session:
        rows = needs_review(session, limit=args.limit)
    lines = [f"{len(rows)} contact(s) need review (zone or state unknown)"]
    lines += [f"  #{r['contact_id']} {r['name']}: {r['reason']}" for r in rows]
    return Output({"contacts": rows, "count": len(rows)}, "\n".join(lines))


def _set_zone(args: argparse.Namespace, ctx: Context) -> Output:
    with ctx.store().write() as session:
        try:
            contact = set_zone(
                session,
                args.contact,
                zone=args.zone,
                state=args.state,
                country=args.country,
                actor=args.by,
            )
        except (LookupError, ValueError) as exc:
            raise CliError(str(exc), exit_code=2) from exc
        data = {
            "contact_id": contact.id,
            "locale_key": contact.locale_key,
            "time_zone": contact.time_zone_override,
            "state": contact.state,
            "country": contact.country,
        }
    return Output(data, f"contact #{data['contact_id']}: now {data['locale_key']}")


def _packs(args: argparse.Namespace, ctx: Context) -> Output:
    packs = pack_summaries()
    problems = list(active_packs().problems)
    lines = []
    for pack in packs:
        lines.append(f"{pack['country']} {pack['name']} ({pack['file']})")
        lines += [f"  {r['id']}: {r['hours']} - {r['source']}" for r in pack["rules"]]
    lines += [f"problem: {p}" for p in problems]
    overridden = [p["country"] for p in packs if p["overridden"]]
    data = {"packs": packs, "overridden": overridden, "problems": problems}
    return Output(data, "\n".join(lines))


def _overview(args: argparse.Namespace, ctx: Context) -> Output:
    at = _at(args.at)
    with ctx.store().session() as session:
        data = rules_overview(session, at)
    lines = [f"packs: {', '.join(p['country'] for p in data['packs'])}"]
    lines.append(f"needs review: {data['needs_review']} contact(s)")
    for row in data["campaigns"]:
        state = row["error"] or "; ".join(row["notes"]) or "narrows cleanly"
        lines.append(f"campaign #{row['campaign_id']} {row['name']}: {row['narrowing']} - {state}")
    lines += data["warnings"] + [f"problem: {p}" for p in data["pack_problems"]]
    return Output(data, "\n".join(lines))


def _check_campaign(args: argparse.Namespace, ctx: Context) -> Output:
    with ctx.store().session() as session:
        rules = _campaign_rules(session, args.campaign)
    try:
        notes = validate_campaign_rules(rules)
    except RulePackError as exc:
        return Output({"valid": False, "error": str(exc), "notes": []}, str(exc), exit_code=1)
    text = "\n".join(notes) if notes else "the campaign's rules narrow the legal rules cleanly"
    return Output({"valid": True, "notes": notes, "rules": rules}, text)


def _dnc_age(args: argparse.Namespace, ctx: Context) -> Output:
    at = _at(args.at)
    with ctx.store().session() as session:
        rows = dnc_snapshot_ages(session, at)
        warnings = dnc_snapshot_warnings(session, at)
    lines = [
        f"{r['country']}: no registry snapshot imported (refresh every {r['refresh_days']} days)"
        if r["snapshot"] is None
        else f"{r['country']}: {r['snapshot']['file_name']} is {r['age_days']} days old"
        f" (refresh every {r['refresh_days']} days){' - TOO OLD' if r['stale'] else ''}"
        for r in rows
    ]
    return Output({"snapshots": rows, "warnings": warnings}, "\n".join(lines))


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    group = add_group(subparsers, common, "rules", "calling rules: explain, review, packs")

    cmd = add_command(
        group, common, "explain", _explain, "why a number or contact may (not) be called now"
    )
    cmd.add_argument("--phone", metavar="TEXT", help="a phone number as typed")
    cmd.add_argument("--contact", type=int, metavar="ID", help="a contact id")
    cmd.add_argument("--at", metavar="ISO8601", help="the moment to check (default now)")
    cmd.add_argument("--campaign", type=int, metavar="ID", help="apply this campaign's narrowing")

    cmd = add_command(
        group,
        common,
        "check-dial",
        _check_dial,
        "check a number typed by hand (refused outside the rules)",
    )
    cmd.add_argument("--phone", required=True, metavar="TEXT", help="the number as typed")
    cmd.add_argument("--contact", type=int, metavar="ID", help="the contact being called")
    cmd.add_argument("--at", metavar="ISO8601", help="the moment to check (default now)")
    cmd.add_argument("--campaign", type=int, metavar="ID", help="apply this campaign's narrowing")
    cmd.add_argument("--override-by", metavar="MANAGER", help="a manager allowing the dial")
    cmd.add_argument("--reason", metavar="TEXT", help="why the manager allows it")

    cmd = add_command(group, common, "review", _review, "contacts whose zone or state is unknown")
    cmd.add_argument("--limit", type=int, default=500, help="at most this many (default 500)")

    cmd = add_command(
        group, common, "set-zone", _set_zone, "set a contact's time zone (and state) by hand"
    )
    cmd.add_argument("--contact", type=int, required=True, metavar="ID")
    cmd.add_argument(
        "--zone", required=True, metavar="ZONE", help="IANA zone, e.g. America/Chicago"
    )
    cmd.add_argument("--state", metavar="ST", help="state or province code, e.g. FL")
    cmd.add_argument("--country", metavar="CC", help="ISO country code, when unknown")
    cmd.add_argument("--by", metavar="NAME", help="who sets it (kept in the audit log)")

    add_command(group, common, "packs", _packs, "the rule packs in use, rule by rule")

    cmd = add_command(
        group, common, "overview", _overview, "packs, campaign narrowings, review count, DNC ages"
    )
    cmd.add_argument("--at", metavar="ISO8601", help="the moment to check (default now)")

    cmd = add_command(
        group, common, "check-campaign", _check_campaign, "validate a campaign's narrowing"
    )
    cmd.add_argument("--campaign", type=int, required=True, metavar="ID")

    cmd = add_command(group, common, "dnc-age", _dnc_age, "age of each DNC registry snapshot")
    cmd.add_argument("--at", metavar="ISO8601", help="the moment to check (default now)")

    cmd = add_command(
        group, common, "ledger", _ledger, "the compliance ledger: why each attempt was lawful"
    )
    cmd.add_argument("--from", dest="start", metavar="ISO8601", help="attempts from (UTC)")
    cmd.add_argument("--to", dest="end", metavar="ISO8601", help="attempts before (UTC)")
    cmd.add_argument("--format", choices=("csv", "json"), default="csv")
    cmd.add_argument("--output", metavar="FILE", help="write to a file instead of stdout")

    closed = add_group(group, common, "closed", "extra closed days (proclaimed holidays, bans)")
    cmd = add_command(closed, common, "add", _closed_add, "close a day for calling, with source")
    cmd.add_argument("--country", required=True, metavar="CC", help="ISO code, e.g. US")
    cmd.add_argument("--state", metavar="ST", help="state or province (default: whole country)")
    cmd.add_argument("--day", required=True, metavar="YYYY-MM-DD")
    cmd.add_argument("--reason", required=True, help="e.g. Governor's proclaimed holiday")
    cmd.add_argument("--source", required=True, help="the proclamation, order or link")
    cmd.add_argument("--by", metavar="NAME", help="who adds it (kept in the audit log)")
    add_command(closed, common, "list", _closed_list, "the closed days entered")
    cmd = add_command(closed, common, "remove", _closed_remove, "remove a closed day")
    cmd.add_argument("id", type=int, help="the closed day's number (see list)")
    cmd.add_argument("--by", metavar="NAME", help="who removes it (kept in the audit log)")
