"""``calldesk call record``: record what happened on a claimed call."""

from __future__ import annotations

import argparse
import json
from typing import Any

from calldesk import outcomes, queue
from calldesk.cli.cmd_queue import next_output, parse_when
from calldesk.cli.main import CliError, Context, Output, add_command, add_group


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    group = add_group(subparsers, common, "call", "record calls")
    record = add_command(group, common, "record", cmd_record, "record a call's outcome")
    record.add_argument("--claim", type=int, required=True, help="the claim from queue next")
    record.add_argument("--disposition", required=True, help="e.g. no_answer, busy, callback")
    record.add_argument("--notes")
    record.add_argument("--answers", help="script answers as a JSON object")
    record.add_argument("--callback", help="callback time (ISO 8601 with offset)")
    record.add_argument(
        "--open-callback",
        action="store_true",
        help="anyone may take the callback (default: only this rep)",
    )
    record.add_argument("--at", help="the moment (ISO 8601 with offset); default now")
    record.add_argument(
        "--next", action="store_true", help="claim the rep's next contact in the same transaction"
    )
    record.add_argument("--campaign", type=int, help="with --next: only this campaign")


def cmd_record(args: argparse.Namespace, ctx: Context) -> Output:
    at = parse_when(args.at)
    callback_at = parse_when(args.callback, "--callback")
    answers = None
    if args.answers:
        try:
            answers = json.loads(args.answers)
        except json.JSONDecodeError as exc:
            raise CliError(f"--answers: not JSON: {exc}", exit_code=2) from exc
        if not isinstance(answers, dict):
            raise CliError("--answers must be a JSON object", exit_code=2)
    options = {
        "notes": args.notes,
        "answers": answers,
        "callback_at": callback_at,
        "callback_personal": not args.open_callback,
    }
    try:
        with ctx.store().write() as session:
            if args.next:
                result, nxt = outcomes.record_and_next(
                    session,
                    claim_id=args.claim,
                    disposition=args.disposition,
                    campaign_id=args.campaign,
                    at=at,
                    **options,
                )
            else:
                result = outcomes.record_outcome(
                    session, claim_id=args.claim, disposition=args.disposition, at=at, **options
                )
                nxt = None
    except (outcomes.OutcomeError, queue.QueueError) as exc:
        raise CliError(str(exc), exit_code=2) from exc
    data = result.to_dict()
    state = data["contact"]
    text = (
        f"Attempt {data['attempt']['id']} recorded ({result.disposition}); contact "
        f"{state['id']} is {state['stage']}"
        + (f", next eligible {state['next_eligible_at']}" if state["next_eligible_at"] else "")
        + ("" if state["callable"] else ", not callable")
    )
    if nxt is not None:
        following = next_output(nxt)
        data["next"] = following.data
        text += "\n" + (following.text or "")
    return Output(data, text)
