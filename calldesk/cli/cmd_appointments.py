"""Appointment commands for field reps: list, accept, reject, outcome, reschedule, ics."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import Any

from calldesk import appointments
from calldesk.cli.main import CliError, Context, Output, add_command, add_group
from calldesk.handoff import HandoffError
from calldesk.models import Rep, utcnow


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    group = add_group(
        subparsers, common, "appointments", "meetings booked for field reps: review and outcomes"
    )
    listing = add_command(
        group, common, "list", cmd_list, "a field rep's appointments, upcoming first"
    )
    listing.add_argument("--field-rep", required=True, metavar="NAME", help="the field rep")
    listing.add_argument(
        "--upcoming", action="store_true", help="only meetings that have not ended"
    )
    listing.add_argument("--at", default=None, metavar="ISO8601", help="'now' (for tests)")

    accept = add_command(group, common, "accept", cmd_accept, "accept an appointment")
    accept.add_argument("id", type=int)
    accept.add_argument("--field-rep", default=None, metavar="NAME", help="check it is yours")

    reject = add_command(
        group, common, "reject", cmd_reject, "reject an appointment; it goes back to its qualifier"
    )
    reject.add_argument("id", type=int)
    reject.add_argument(
        "--reason", required=True, choices=sorted(appointments.REJECT_REASONS), metavar="CODE"
    )
    reject.add_argument("--text", default=None, help="more detail (needed for 'other')")
    reject.add_argument("--field-rep", default=None, metavar="NAME", help="check it is yours")

    outcome = add_command(group, common, "outcome", cmd_outcome, "record what happened")
    outcome.add_argument("id", type=int)
    outcome.add_argument(
        "--outcome", required=True, choices=sorted(appointments.OUTCOMES), metavar="CODE"
    )
    outcome.add_argument("--feedback", default=None, help="a note on the meeting")
    outcome.add_argument(
        "--starts", default=None, metavar="ISO8601", help="new time (with 'rescheduled')"
    )
    outcome.add_argument("--field-rep", default=None, metavar="NAME", help="check it is yours")

    move = add_command(group, common, "reschedule", cmd_reschedule, "move a meeting")
    move.add_argument("id", type=int)
    move.add_argument("--starts", required=True, metavar="ISO8601")
    move.add_argument("--minutes", type=int, default=None)

    ics = add_command(group, common, "ics", cmd_ics, "export appointments as iCalendar (.ics)")
    ics.add_argument("--out", required=True, metavar="PATH")
    ics.add_argument("--field-rep", default=None, metavar="NAME", help="one field rep's only")
    ics.add_argument("--all", action="store_true", help="past meetings too, not only upcoming")


def _when(text: str | None, what: str) -> dt.datetime:
    if text is None:
        return utcnow()
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise CliError(f"{what}: '{text}' is not an ISO 8601 time", exit_code=2) from None
    if moment.tzinfo is None:
        raise CliError(f"{what}: give the time zone, e.g. {text}Z or {text}-05:00", exit_code=2)
    return moment.astimezone(dt.UTC)


def _field_rep_id(session: Any, name: str | None) -> int | None:
    if name is None:
        return None
    from sqlalchemy import select

    rep = session.scalar(select(Rep).where(Rep.name == name.strip()))
    if rep is None:
        raise CliError(f"no rep named {name!r}", exit_code=2)
    return rep.id


def cmd_list(args: argparse.Namespace, ctx: Context) -> Output:
    now = _when(args.at, "--at")
    with ctx.store().session() as session:
        rep_id = _field_rep_id(session, args.field_rep)
        assert rep_id is not None
        views = appointments.list_for_field_rep(
            session, rep_id, now=now, include_past=not args.upcoming
        )
    lines = []
    for v in views:
        state = v.outcome or v.status
        lines.append(
            f"#{v.id} {v.when} - {v.contact['name']}, {v.contact['company'] or '-'} "
            f"[{state}] grade {v.grade or '-'} (qualified by {v.qualifier or '-'})"
        )
    return Output([v.as_dict() for v in views], "\n".join(lines) or "no appointments")


def _change(ctx: Context, action: Any) -> Any:
    try:
        with ctx.store().write() as session:
            return action(session)
    except (appointments.AppointmentError, HandoffError) as exc:
        raise CliError(str(exc), exit_code=2) from exc


def cmd_accept(args: argparse.Namespace, ctx: Context) -> Output:
    def act(session: Any) -> dict[str, Any]:
        appointment = appointments.accept(
            session, args.id, at=utcnow(), field_rep_id=_field_rep_id(session, args.field_rep)
        )
        return {
            "id": appointment.id,
            "status": appointment.status,
            "sequence": appointment.sequence,
        }

    data = _change(ctx, act)
    return Output(data, f"appointment {data['id']} accepted")


def cmd_reject(args: argparse.Namespace, ctx: Context) -> Output:
    def act(session: Any) -> dict[str, Any]:
        callback = appointments.reject(
            session,
            args.id,
            reason=args.reason,
            text=args.text,
            at=utcnow(),
            field_rep_id=_field_rep_id(session, args.field_rep),
        )
        return {
            "id": args.id,
            "status": "rejected",
            "reason": args.reason,
            "callback": {
                "id": callback.id,
                "rep_id": callback.rep_id,
                "due_at": callback.due_at.isoformat(),
                "notes": callback.notes,
            },
        }

    data = _change(ctx, act)
    return Output(data, f"appointment {args.id} rejected; back with its qualifier")


def cmd_outcome(args: argparse.Namespace, ctx: Context) -> Output:
    starts = _when(args.starts, "--starts") if args.starts else None

    def act(session: Any) -> dict[str, Any]:
        appointment = appointments.record_outcome(
            session,
            args.id,
            outcome=args.outcome,
            at=utcnow(),
            feedback=args.feedback,
            starts_at=starts,
            field_rep_id=_field_rep_id(session, args.field_rep),
        )
        return {
            "id": appointment.id,
            "outcome": appointment.outcome,
            "starts_at": appointment.starts_at.isoformat(),
            "sequence": appointment.sequence,
        }

    data = _change(ctx, act)
    return Output(data, f"appointment {data['id']}: {data['outcome']}")


def cmd_reschedule(args: argparse.Namespace, ctx: Context) -> Output:
    starts = _when(args.starts, "--starts")

    def act(session: Any) -> dict[str, Any]:
        appointment = appointments.reschedule(
            session, args.id, starts_at=starts, at=utcnow(), minutes=args.minutes
        )
        return {
            "id": appointment.id,
            "starts_at": appointment.starts_at.isoformat(),
            "ends_at": appointment.ends_at.isoformat(),
            "sequence": appointment.sequence,
        }

    data = _change(ctx, act)
    return Output(data, f"appointment {data['id']} moved to {data['starts_at']}")


def cmd_ics(args: argparse.Namespace, ctx: Context) -> Output:
    from calldesk.sync.ics import write_appointments_ics

    out = Path(args.out)
    with ctx.store().session() as session:
        rep_id = _field_rep_id(session, args.field_rep)
        count = write_appointments_ics(
            session, out, field_rep_id=rep_id, upcoming_only=not args.all
        )
    return Output({"path": str(out), "appointments": count}, f"wrote {count} to {out}")
