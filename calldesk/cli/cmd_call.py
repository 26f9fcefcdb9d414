"""``calldesk call record`` (a claimed call) and ``calldesk call dial`` (a number typed by hand)."""

from __future__ import annotations

import argparse
import datetime as dt
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
    record.add_argument(
        "--answers", "--answers-json", dest="answers", help="script answers as a JSON object"
    )
    record.add_argument(
        "--answer",
        action="append",
        default=[],
        metavar="QUESTION=VALUE",
        help="one script answer (repeat it), e.g. --answer need=active --answer budget=yes",
    )
    record.add_argument(
        "--grade", choices=list("ABCD"), help="the grade the answers must give (a check)"
    )
    record.add_argument("--book-with", metavar="FIELD_REP", help="grade A: book with this rep")
    record.add_argument("--meeting-at", help="grade A: the meeting's start (ISO 8601 with offset)")
    record.add_argument("--minutes", type=int, help="grade A: meeting length (script default)")
    record.add_argument("--place", help="grade A: where to meet (empty for an online meeting)")
    record.add_argument("--link", help="grade A: the meeting link")
    record.add_argument("--follow-up", help="grade B: the follow-up time (ISO 8601 with offset)")
    record.add_argument("--referral-name", help="wrong person: the right one's name")
    record.add_argument("--referral-title", help="wrong person: the right one's title")
    record.add_argument("--referral-phone", help="wrong person: the right one's phone")
    record.add_argument("--referral-email", help="wrong person: the right one's email")
    record.add_argument("--referral-notes", help="wrong person: what the referrer said")
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

    dial = add_command(
        group,
        common,
        "dial",
        cmd_dial,
        "a number typed by hand: checked against the calling rules, then recorded",
    )
    dial.add_argument("--rep", required=True, help="who dials (name or id)")
    dial.add_argument("--phone", required=True, help="the number as typed")
    dial.add_argument("--contact", type=int, help="the contact (default: the one with this number)")
    dial.add_argument("--disposition", required=True, help="what happened, e.g. no_answer")
    dial.add_argument("--notes")
    dial.add_argument("--campaign", type=int, help="apply this campaign's narrowing")
    dial.add_argument("--at", help="the moment (ISO 8601 with offset); default now")
    dial.add_argument("--override-by", metavar="MANAGER", help="a manager allowing the dial")
    dial.add_argument("--reason", help="why the manager allows it (kept with the attempt)")


def cmd_record(args: argparse.Namespace, ctx: Context) -> Output:
    """Record a claimed call: graded from the script's answers, booked, a referral captured,
    through the same core functions as the desk (one transaction)."""
    from calldesk import graded_call, handoff
    from calldesk.models import Attempt, Contact, Rep
    from calldesk.reps import RepError, find_rep

    at = parse_when(args.at)
    callback_at = parse_when(args.callback, "--callback")
    meeting_at = parse_when(args.meeting_at, "--meeting-at")
    follow_up_at = parse_when(args.follow_up, "--follow-up")
    answers: dict[str, Any] = {}
    if args.answers:
        try:
            loaded = json.loads(args.answers)
        except json.JSONDecodeError as exc:
            raise CliError(f"--answers: not JSON: {exc}", exit_code=2) from exc
        if not isinstance(loaded, dict):
            raise CliError("--answers must be a JSON object", exit_code=2)
        answers.update(loaded)
    try:
        answers.update(graded_call.parse_answer_pairs(args.answer))
    except graded_call.GradedCallError as exc:
        raise CliError(str(exc), exit_code=2) from exc
    booking_asked = any(
        v is not None for v in (args.book_with, meeting_at, args.minutes, args.place, args.link)
    )
    if booking_asked and meeting_at is None:
        raise CliError("a booking needs --meeting-at (the meeting's start)", exit_code=2)
    referral = _referral(args)
    options: dict[str, Any] = {
        "notes": args.notes,
        "answers": answers or None,
        "callback_at": callback_at,
        "callback_personal": not args.open_callback,
    }
    try:
        with ctx.store().write() as session:
            graded = args.disposition == "qualified"
            if graded or (answers and args.disposition == "wrong_person") or args.grade:
                result = graded_call.grade_answers(
                    session,
                    claim_id=args.claim,
                    answers=answers,
                    at=at or dt.datetime.now(dt.UTC),
                    final=graded,
                    expect_grade=args.grade,
                )
                if result is not None:
                    options["grade_result"] = result
                    options["answers"] = result.answers or options["answers"]
            if booking_asked or follow_up_at is not None:
                field_rep_id = None
                if args.book_with:
                    try:
                        field_rep_id = find_rep(session, args.book_with).id
                    except RepError as exc:
                        raise CliError(str(exc), exit_code=2) from exc
                options["booking"] = handoff.Booking(
                    starts_at=meeting_at,
                    minutes=args.minutes,
                    field_rep_id=field_rep_id,
                    location=args.place or None,
                    meeting_link=args.link or None,
                    follow_up_at=follow_up_at,
                )
            result = outcomes.record_outcome(
                session, claim_id=args.claim, disposition=args.disposition, at=at, **options
            )
            captured = None
            if referral:
                attempt = session.get(Attempt, result.attempt_id)
                rep = session.get(Rep, attempt.rep_id) if attempt and attempt.rep_id else None
                person = handoff.capture_referral(
                    session,
                    session.get(Contact, result.contact_id),
                    referral,
                    rep=rep,
                    at=at or dt.datetime.now(dt.UTC),
                    attempt=attempt,
                )
                captured = {"id": person.id, "name": person.full_name}
            nxt = None
            if args.next:
                nxt = queue.next_offer(
                    session, result.attempt["rep_id"], campaign_id=args.campaign, at=at
                )
    except (
        outcomes.OutcomeError,
        queue.QueueError,
        graded_call.GradedCallError,
        handoff.HandoffError,
    ) as exc:
        raise CliError(str(exc), exit_code=2) from exc
    data = result.to_dict()
    if captured is not None:
        data["referral"] = captured
    state = data["contact"]
    text = (
        f"Attempt {data['attempt']['id']} recorded ({result.disposition}); contact "
        f"{state['id']} is {state['stage']}"
        + (f", next eligible {state['next_eligible_at']}" if state["next_eligible_at"] else "")
        + ("" if state["callable"] else ", not callable")
    )
    handed = data.get("handoff") or {}
    if handed.get("grade"):
        text += f"; grade {handed['grade']}: {handed.get('why') or ''}".rstrip(": ")
    if handed.get("appointment"):
        text += f"; meeting booked (appointment {handed['appointment']['id']})"
        if handed.get("times"):
            text += f" {handed['times']}"
    if captured is not None:
        text += f"; referral {captured['name']} added as contact {captured['id']}"
    if nxt is not None:
        following = next_output(nxt)
        data["next"] = following.data
        text += "\n" + (following.text or "")
    return Output(data, text)


def _referral(args: argparse.Namespace) -> dict[str, str] | None:
    """The right person named on a wrong-person call, as the desk's referral form gives it."""
    fields = {
        "title": args.referral_title,
        "phone": args.referral_phone,
        "email": args.referral_email,
        "notes": args.referral_notes,
    }
    if not args.referral_name and not any(fields.values()):
        return None
    if not args.referral_name:
        raise CliError("a referral needs --referral-name", exit_code=2)
    first, _, last = args.referral_name.strip().partition(" ")
    person = {"first_name": first, "last_name": last.strip()}
    person.update({k: v.strip() for k, v in fields.items() if v and v.strip()})
    return person


def cmd_dial(args: argparse.Namespace, ctx: Context) -> Output:
    """Refuse a dial the rules forbid (unless a manager overrides, with a reason); record it."""
    from calldesk import rules
    from calldesk.importing.lookup import find_by_phone
    from calldesk.models import Campaign
    from calldesk.reps import RepError, find_rep

    at = parse_when(args.at) or dt.datetime.now(dt.UTC)
    e164 = rules.normalize_number(args.phone)
    if e164 is None:
        raise CliError(f"not a valid phone number: {args.phone!r}", exit_code=2)
    with ctx.store().write() as session:
        try:
            rep = find_rep(session, args.rep)
        except (RepError, LookupError) as exc:
            raise CliError(str(exc), exit_code=2) from exc
        contact_id = args.contact
        if contact_id is None:
            found = find_by_phone(session, args.phone).get("contacts", [])
            if len(found) != 1:
                raise CliError(
                    f"{len(found)} contacts have {e164}: say which with --contact ID", exit_code=2
                )
            contact_id = found[0]["id"]
        campaign_rules = None
        if args.campaign is not None:
            campaign = session.get(Campaign, args.campaign)
            if campaign is None:
                raise CliError(f"no campaign {args.campaign}", exit_code=2)
            campaign_rules = campaign.rules
        try:
            verdict = rules.authorize_dial(
                session,
                e164=e164,
                contact_id=contact_id,
                at=at,
                rep=rep,
                campaign_rules=campaign_rules,
                override_by=args.override_by,
                override_reason=args.reason,
            )
        except rules.DialRefused as exc:
            nxt = exc.status.next_allowed_at
            when = f"; next allowed {nxt.isoformat()}" if nxt else ""
            raise CliError(f"{e164} at {exc.status.local_time}: {exc}{when}") from exc
        overridden = not verdict.allowed
        try:
            result = outcomes.record_outcome(
                session,
                claim_id=None,
                contact_id=contact_id,
                rep_id=rep.id,
                disposition=args.disposition,
                notes=args.notes,
                number_dialled=e164,
                started_at=at,
                manual=True,
                override_by=verdict.override_by if overridden else None,
                override_reason=verdict.override_reason if overridden else None,
                at=at,
                verdict=verdict,
            )
        except outcomes.OutcomeError as exc:
            raise CliError(str(exc), exit_code=2) from exc
    data = result.to_dict() | {
        "rule": verdict.rule,
        "local_time": verdict.local_time,
        "overridden": overridden,
        "dialled_by": rep.name,
        "confirmed_by": verdict.override_by,
    }
    note = f" (override by {verdict.override_by}: {verdict.override_reason})" if overridden else ""
    return Output(data, f"Recorded {args.disposition} on {e164} at {verdict.local_time}{note}.")
