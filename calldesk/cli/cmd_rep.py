"""Rep commands: ``rep add``, ``rep list``."""

from __future__ import annotations

import argparse
from typing import Any

from calldesk import reps
from calldesk.cli.main import CliError, Context, Output, add_command, add_group


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    group = add_group(subparsers, common, "rep", "the people who use the desk")
    add = add_command(group, common, "add", cmd_add, "add a rep")
    add.add_argument("name")
    add.add_argument("--role", default="qualifier", choices=reps.ROLES)
    add.add_argument("--email")
    add.add_argument("--time-zone", default="America/New_York", help="IANA zone of the rep")
    add.add_argument("--territory", help='e.g. "US-CA,US-OR" (field reps)')
    listing = add_command(group, common, "list", cmd_list, "list reps")
    listing.add_argument("--role", choices=reps.ROLES)
    listing.add_argument("--all", action="store_true", help="include inactive reps")


def cmd_add(args: argparse.Namespace, ctx: Context) -> Output:
    try:
        with ctx.store().write() as session:
            rep = reps.add_rep(
                session,
                args.name,
                role=args.role,
                email=args.email,
                time_zone=args.time_zone,
                territory=args.territory,
            )
            data = reps.rep_dict(rep)
    except reps.RepError as exc:
        raise CliError(str(exc), exit_code=2) from exc
    return Output(data, f"Rep {data['id']} {data['name']} ({data['role']}) added.")


def cmd_list(args: argparse.Namespace, ctx: Context) -> Output:
    with ctx.store().session() as session:
        rows = [
            reps.rep_dict(r)
            for r in reps.list_reps(session, role=args.role, active_only=not args.all)
        ]
    text = "\n".join(f"{r['id']:>4}  {r['name']}  {r['role']}  {r['time_zone']}" for r in rows)
    return Output({"reps": rows}, text or "No reps yet (calldesk rep add NAME).")
