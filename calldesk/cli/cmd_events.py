"""``calldesk events list`` and ``calldesk events set-cost``: events and what they cost."""

from __future__ import annotations

import argparse
from typing import Any

from sqlalchemy import func, select

from calldesk.cli.cmd_lists import set_cost_command
from calldesk.cli.main import Context, Output, add_command, add_group
from calldesk.models import Event, EventEngagement
from calldesk.reports.text import format_value


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    group = add_group(subparsers, common, "events", "events (trade shows, webinars) and their cost")
    add_command(group, common, "list", cmd_list, "every event with its contacts and cost")
    cost = add_command(group, common, "set-cost", cmd_set_cost, "enter what an event cost")
    cost.add_argument("event", metavar="NAME|ID")
    cost.add_argument("amount", help="amount, e.g. 12000; 'none' clears it")


def cmd_list(args: argparse.Namespace, ctx: Context) -> Output:
    counts = (
        select(EventEngagement.event_id, func.count().label("n"))
        .group_by(EventEngagement.event_id)
        .subquery()
    )
    query = (
        select(Event, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.event_id == Event.id)
        .order_by(Event.id)
    )
    with ctx.store().session() as session:
        rows = [
            {
                "id": ev.id,
                "name": ev.name,
                "kind": ev.kind,
                "event_date": ev.event_date,
                "follow_up_deadline": ev.follow_up_deadline,
                "contacts": int(n),
                "cost": ev.cost,
            }
            for ev, n in session.execute(query).all()
        ]
    text = "\n".join(
        f"{r['id']:>4}  {r['name']}  {r['kind']}  {r['contacts']:,} contacts  "
        f"cost {format_value('cost', r['cost'])}"
        for r in rows
    )
    return Output({"events": rows}, text or "No events yet.")


def cmd_set_cost(args: argparse.Namespace, ctx: Context) -> Output:
    return set_cost_command("event", args.event, args.amount, ctx)
