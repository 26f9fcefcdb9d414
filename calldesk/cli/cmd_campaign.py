"""Campaign commands: ``campaign create``, ``list``, ``show``, ``update``, ``add-list``."""

from __future__ import annotations

import argparse
import datetime as dt
import json
from typing import Any

from calldesk import campaigns
from calldesk.cli.main import CliError, Context, Output, add_command, add_group


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value!r}") from exc


def _rules(value: str | None) -> dict[str, Any] | None:
    if value is None:
        return None
    try:
        rules = json.loads(value)
    except json.JSONDecodeError as exc:
        raise CliError(f"--rules: not JSON: {exc}", exit_code=2) from exc
    if not isinstance(rules, dict):
        raise CliError("--rules must be a JSON object", exit_code=2)
    return rules


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    group = add_group(subparsers, common, "campaign", "campaigns: lists, rules, priority")
    create = add_command(group, common, "create", cmd_create, "create a campaign")
    create.add_argument("name")
    create.add_argument("--kind", default="list", choices=campaigns.KINDS)
    create.add_argument("--priority", type=int, default=0, help="higher is called first")
    create.add_argument("--script", dest="script_key")
    create.add_argument("--event", type=int, dest="event_id")
    create.add_argument("--deadline", type=_date, help="follow-up deadline (YYYY-MM-DD)")
    create.add_argument("--list", type=int, action="append", dest="list_ids", default=[])
    create.add_argument(
        "--rules",
        help='JSON, e.g. {"hours": ["09:00", "17:00"], "max_attempts": 6, "retry": {"busy": 30}}',
    )
    listing = add_command(group, common, "list", cmd_list, "list campaigns")
    listing.add_argument("--active", action="store_true", help="only active campaigns")
    show = add_command(group, common, "show", cmd_show, "one campaign with its figures")
    show.add_argument("campaign", help="id or name")
    update = add_command(group, common, "update", cmd_update, "change a campaign")
    update.add_argument("campaign", help="id or name")
    update.add_argument("--name")
    update.add_argument("--priority", type=int)
    update.add_argument("--script", dest="script_key")
    update.add_argument("--deadline", type=_date)
    update.add_argument("--rules")
    state = update.add_mutually_exclusive_group()
    state.add_argument("--pause", action="store_true", help="stop offering its contacts")
    state.add_argument("--resume", action="store_true")
    add_list = add_command(group, common, "add-list", cmd_add_list, "put a list in a campaign")
    add_list.add_argument("campaign", help="id or name")
    add_list.add_argument("--list", type=int, required=True, dest="list_id")


def _show(session: Any, campaign: Any) -> Output:
    data = campaigns.campaign_dict(session, campaign, counts=True)
    counts = data["counts"]
    text = (
        f"{data['id']:>4}  {data['name']} ({data['kind']}, priority {data['priority']}"
        f"{'' if data['active'] else ', paused'}): {counts['contacts']} contacts, "
        f"{counts['ready']} ready, {counts['cooling_down']} cooling down"
    )
    return Output(data, text)


def cmd_create(args: argparse.Namespace, ctx: Context) -> Output:
    try:
        with ctx.store().write() as session:
            campaign = campaigns.create_campaign(
                session,
                args.name,
                kind=args.kind,
                priority=args.priority,
                script_key=args.script_key,
                event_id=args.event_id,
                deadline=args.deadline,
                rules=_rules(args.rules),
                list_ids=args.list_ids,
            )
            return _show(session, campaign)
    except campaigns.CampaignError as exc:
        raise CliError(str(exc), exit_code=2) from exc


def cmd_list(args: argparse.Namespace, ctx: Context) -> Output:
    with ctx.store().session() as session:
        rows = [
            campaigns.campaign_dict(session, c)
            for c in campaigns.list_campaigns(session, active_only=args.active)
        ]
    text = "\n".join(
        f"{r['id']:>4}  {r['name']}  {r['kind']}  priority {r['priority']}"
        f"{'' if r['active'] else '  (paused)'}"
        for r in rows
    )
    return Output({"campaigns": rows}, text)


def cmd_show(args: argparse.Namespace, ctx: Context) -> Output:
    try:
        with ctx.store().session() as session:
            return _show(session, campaigns.get_campaign(session, args.campaign))
    except campaigns.CampaignError as exc:
        raise CliError(str(exc), exit_code=2) from exc


def cmd_update(args: argparse.Namespace, ctx: Context) -> Output:
    changes: dict[str, Any] = {}
    for key in ("name", "priority", "script_key", "deadline"):
        value = getattr(args, key)
        if value is not None:
            changes[key] = value
    if args.rules is not None:
        changes["rules"] = _rules(args.rules)
    if args.pause:
        changes["active"] = False
    if args.resume:
        changes["active"] = True
    if not changes:
        raise CliError("nothing to change (see calldesk campaign update --help)", exit_code=2)
    try:
        with ctx.store().write() as session:
            campaign = campaigns.update_campaign(session, args.campaign, **changes)
            return _show(session, campaign)
    except campaigns.CampaignError as exc:
        raise CliError(str(exc), exit_code=2) from exc


def cmd_add_list(args: argparse.Namespace, ctx: Context) -> Output:
    try:
        with ctx.store().write() as session:
            campaign = campaigns.get_campaign(session, args.campaign)
            campaigns.add_list(session, campaign.id, args.list_id)
            return _show(session, campaign)
    except campaigns.CampaignError as exc:
        raise CliError(str(exc), exit_code=2) from exc
