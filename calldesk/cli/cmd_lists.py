"""``calldesk lists list`` and ``calldesk lists set-cost``: the imported lists and their cost."""

from __future__ import annotations

import argparse
from typing import Any

from sqlalchemy import func, select

from calldesk.cli.main import CliError, Context, Output, add_command, add_group
from calldesk.models import CallList, Event, ListMember
from calldesk.reports import CostError, set_cost
from calldesk.reports.text import format_value


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    group = add_group(subparsers, common, "lists", "imported call lists and what they cost")
    add_command(group, common, "list", cmd_list, "every list with its size and cost")
    cost = add_command(group, common, "set-cost", cmd_set_cost, "enter what a list cost")
    cost.add_argument("list", metavar="NAME|ID")
    cost.add_argument("amount", help="amount, e.g. 4500 or 4500.00; 'none' clears it")


def cmd_list(args: argparse.Namespace, ctx: Context) -> Output:
    members = (
        select(ListMember.list_id, func.count().label("n")).group_by(ListMember.list_id).subquery()
    )
    query = (
        select(CallList, Event.name, func.coalesce(members.c.n, 0))
        .outerjoin(members, members.c.list_id == CallList.id)
        .outerjoin(Event, Event.id == CallList.event_id)
        .order_by(CallList.id)
    )
    with ctx.store().session() as session:
        rows = [
            {
                "id": lst.id,
                "name": lst.name,
                "source_kind": lst.source_kind,
                "event": event_name,
                "contacts": int(n),
                "rows": lst.row_count,
                "cost": lst.cost,
                "created_at": lst.created_at,
            }
            for lst, event_name, n in session.execute(query).all()
        ]
    text = "\n".join(
        f"{r['id']:>4}  {r['name']}  {r['contacts']:,} contacts  cost {format_value('cost', r['cost'])}"
        for r in rows
    )
    return Output({"lists": rows}, text or "No lists yet (calldesk import FILE).")


def cmd_set_cost(args: argparse.Namespace, ctx: Context) -> Output:
    return set_cost_command("list", args.list, args.amount, ctx)


def set_cost_command(kind: str, ref: str, amount: str, ctx: Context) -> Output:
    """Shared by ``lists set-cost`` and ``events set-cost``."""
    value = None if amount.strip().lower() in ("none", "") else amount
    try:
        data = set_cost(ctx.store(), kind, ref, value)
    except CostError as exc:
        raise CliError(str(exc), exit_code=2) from exc
    return Output(
        data,
        f"{kind.capitalize()} {data['id']} {data['name']}: cost {format_value('cost', data['cost'])}",
    )
