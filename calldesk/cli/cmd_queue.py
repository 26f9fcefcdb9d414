"""Queue commands: ``queue next``, ``queue release``, ``queue renew``, ``queue stats``,
``queue upcoming``, ``queue callbacks``."""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any

from calldesk import queue, reps
from calldesk.cli.main import CliError, Context, Output, add_command, add_group


def parse_when(value: str | None, name: str = "--at") -> dt.datetime | None:
    """An ISO 8601 moment with an offset (``Z`` allowed); None stays None."""
    if value is None:
        return None
    try:
        when = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise CliError(f"{name}: not an ISO 8601 time: {value!r}", exit_code=2) from exc
    if when.tzinfo is None:
        raise CliError(f"{name}: give a UTC offset, e.g. {value}Z or {value}-05:00", exit_code=2)
    return when.astimezone(dt.UTC)


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    group = add_group(subparsers, common, "queue", "the call queue: next contact, claims, figures")
    nxt = add_command(group, common, "next", cmd_next, "claim the next contact for a rep")
    nxt.add_argument("--rep", required=True, help="rep name (or id)")
    nxt.add_argument("--campaign", type=int, help="only this campaign (default: every active one)")
    nxt.add_argument("--at", help="the moment (ISO 8601 with offset); default now")
    nxt.add_argument("--lease", type=int, default=15, help="claim lease in minutes (default 15)")
    release = add_command(group, common, "release", cmd_release, "give a claimed contact back")
    release.add_argument("--claim", type=int, required=True)
    renew = add_command(group, common, "renew", cmd_renew, "extend a claim's lease")
    renew.add_argument("--claim", type=int, required=True)
    renew.add_argument("--lease", type=int, default=15, help="minutes (default 15)")
    renew.add_argument("--at", help="the moment (ISO 8601 with offset); default now")
    stats = add_command(group, common, "stats", cmd_stats, "queue figures")
    stats.add_argument("--at", help="the moment (ISO 8601 with offset); default now")
    upcoming = add_command(group, common, "upcoming", cmd_upcoming, "preview the next contacts")
    upcoming.add_argument("--rep", required=True)
    upcoming.add_argument("--campaign", type=int)
    upcoming.add_argument("--at")
    upcoming.add_argument("--limit", type=int, default=5)
    callbacks = add_command(group, common, "callbacks", cmd_callbacks, "a rep's callbacks due")
    callbacks.add_argument("--rep", required=True)
    callbacks.add_argument("--at")
    callbacks.add_argument("--hours", type=int, default=24, help="horizon (default 24 h)")


def _rep_id(session: Any, name: str) -> int:
    try:
        return reps.find_rep(session, name).id
    except reps.RepError as exc:
        raise CliError(str(exc), exit_code=2) from exc


def cmd_next(args: argparse.Namespace, ctx: Context) -> Output:
    at = parse_when(args.at)
    store = ctx.store()
    with store.write() as session:
        rep_id = _rep_id(session, args.rep)
        try:
            result = queue.next_offer(
                session,
                rep_id,
                campaign_id=args.campaign,
                at=at,
                lease=dt.timedelta(minutes=args.lease),
            )
        except queue.QueueError as exc:
            raise CliError(str(exc), exit_code=2) from exc
    return next_output(result)


def next_output(result: queue.Offer | queue.QueueEmpty) -> Output:
    """The ``queue next`` document for an offer or an empty queue."""
    if isinstance(result, queue.QueueEmpty):
        data = {
            "lead": None,
            "claim_id": None,
            "reason": result.reason,
            "local_time": None,
            "time_zones": [],
            "rule": None,
            "next_callable_at": result.next_callable_at.isoformat()
            if result.next_callable_at
            else None,
            "details": result.details,
        }
        when = f" Next callable at {data['next_callable_at']}." if data["next_callable_at"] else ""
        return Output(data, f"Nothing to call now: {result.reason}.{when}")
    offer = result.to_dict()
    data = {
        "lead": offer["lead"],
        "claim_id": offer["claim_id"],
        "reason": offer["reason"],
        "why_now": offer["why_now"],
        "local_time": offer["local_time"],
        "time_zones": offer["time_zones"],
        "states": offer["states"],
        "rule": offer["rule"],
        "phone": offer["phone"],
        "campaign_id": offer["campaign_id"],
        "callback_id": offer["callback_id"],
        "expires_at": offer["expires_at"],
        "checks": offer["checks"],
    }
    phone = offer["phone"]["e164"] if offer["phone"] else "?"
    text = (
        f"Claim {offer['claim_id']}: {offer['lead']['name']} {phone} - {offer['reason']}\n"
        f"  local time {offer['local_time']}; {offer['why_now']}"
    )
    return Output(data, text)


def cmd_release(args: argparse.Namespace, ctx: Context) -> Output:
    with ctx.store().write() as session:
        try:
            queue.release_claim(session, args.claim)
        except queue.QueueError as exc:
            raise CliError(str(exc), exit_code=2) from exc
    return Output({"claim_id": args.claim, "released": True}, f"Claim {args.claim} released.")


def cmd_renew(args: argparse.Namespace, ctx: Context) -> Output:
    at = parse_when(args.at)
    with ctx.store().write() as session:
        try:
            expires = queue.renew_claim(
                session, args.claim, at=at, lease=dt.timedelta(minutes=args.lease)
            )
        except queue.QueueError as exc:
            raise CliError(str(exc), exit_code=2) from exc
    return Output(
        {"claim_id": args.claim, "expires_at": expires.isoformat()},
        f"Claim {args.claim} held until {expires.isoformat()}.",
    )


def cmd_stats(args: argparse.Namespace, ctx: Context) -> Output:
    at = parse_when(args.at)
    with ctx.store().session() as session:
        data = queue.stats(session, at)
    text = "\n".join(f"{key:>30}: {value}" for key, value in data.items())
    return Output(data, text)


def cmd_upcoming(args: argparse.Namespace, ctx: Context) -> Output:
    at = parse_when(args.at)
    with ctx.store().session() as session:
        rep_id = _rep_id(session, args.rep)
        rows = queue.upcoming(session, rep_id, campaign_id=args.campaign, at=at, limit=args.limit)
    text = "\n".join(f"{r['contact_id']:>8}  {r['name']}  ({r['local_time']})" for r in rows)
    return Output({"upcoming": rows}, text or "Nothing callable now.")


def cmd_callbacks(args: argparse.Namespace, ctx: Context) -> Output:
    at = parse_when(args.at)
    with ctx.store().session() as session:
        rep_id = _rep_id(session, args.rep)
        rows = queue.due_callbacks(session, rep_id, at=at, horizon=dt.timedelta(hours=args.hours))
    text = "\n".join(
        f"{r['due_at']}  {r['name']}{' (overdue)' if r['overdue'] else ''}" for r in rows
    )
    return Output({"callbacks": rows}, text or "No callbacks due.")
