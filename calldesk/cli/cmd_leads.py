"""``calldesk leads find --phone TEXT``: find contacts by a number in any format."""

from __future__ import annotations

import argparse

from calldesk.cli.main import CliError, Context, Output, add_command, add_group
from calldesk.importing.lookup import find_by_phone


def register(subparsers: object, common: argparse.ArgumentParser) -> None:
    group = add_group(subparsers, common, "leads", "look up contacts")
    cmd = add_command(group, common, "find", _find, "find contacts by phone number")
    cmd.add_argument("--phone", required=True, help="the number, in any format")
    cmd.add_argument("--country", default="US", help="country of numbers without +CC")
    cmd = add_command(
        group, common, "phone-type", _phone_type, "mark a number as a business line (or not)"
    )
    cmd.add_argument("--phone", required=True, help="the number, in any format")
    cmd.add_argument("--type", required=True, choices=("business", "consumer"))
    cmd.add_argument("--country", default="US", help="country of numbers without +CC")
    cmd.add_argument("--by", metavar="NAME", help="who marks it (kept in the audit log)")


def _find(args: argparse.Namespace, ctx: Context) -> Output:
    if not args.phone.strip():
        raise CliError("--phone needs a number", exit_code=2)
    with ctx.store().session() as session:
        data = find_by_phone(session, args.phone, country=args.country)
    if not data["contacts"]:
        return Output(data, f"no contact with {data['e164'] or args.phone!r}")
    lines = []
    for c in data["contacts"]:
        numbers = ", ".join(p["e164"] or p["raw"] for p in c["phones"])
        flags = " [DNC]" if c["dnc"] else ""
        lines.append(f"{c['id']}: {c['name']} ({c['company'] or '-'}) {numbers}{flags}")
    return Output(data, "\n".join(lines))


def _phone_type(args: argparse.Namespace, ctx: Context) -> Output:
    """Business lines get the business exemptions of each rule (with its source)."""
    from calldesk.rules import normalize_number
    from calldesk.rules.marks import mark_business

    e164 = normalize_number(args.phone, args.country)
    if e164 is None:
        raise CliError(f"not a valid phone number: {args.phone!r}", exit_code=2)
    with ctx.store().write() as session:
        try:
            changed = mark_business(
                session, e164=e164, business=args.type == "business", actor=args.by
            )
        except LookupError as exc:
            raise CliError(str(exc), exit_code=2) from exc
    data = {"e164": e164, "type": args.type, "phones_changed": changed}
    return Output(data, f"{e164}: {args.type} line ({changed} phone(s) changed)")
