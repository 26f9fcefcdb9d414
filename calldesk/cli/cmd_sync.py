"""``calldesk sync``: send graded leads and appointments to the configured targets.

``calldesk sync [--target NAME] [--dry-run]`` runs the sync; ``sync status`` shows what waits
per target and what failed and why; ``sync retry ID`` / ``sync skip ID`` act on one entry;
``sync target add|list|remove|secret`` keeps the targets in ``sync.yaml``.
"""

from __future__ import annotations

import argparse
import sys
import threading
from typing import Any

from sqlalchemy import func, select

from calldesk.cli.main import CliError, Context, Output, add_command
from calldesk.models import OutboxEntry
from calldesk.sync import (
    SyncConfigError,
    SyncError,
    SyncProgress,
    Target,
    add_target,
    config_path,
    delete_secret,
    get_secret,
    list_deliveries,
    load_targets,
    prepare_review,
    remove_target,
    retry,
    run_sync,
    set_secret,
    skip,
    sync_status,
)
from calldesk.sync.config import FILE_FORMATS, FILE_LAYOUTS, TARGET_TYPES, mask_url
from calldesk.sync.deliveries import STATES
from calldesk.sync.secrets import FILE_NOTICE, env_var


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    sync = add_command(
        subparsers, common, "sync", cmd_sync, "send graded leads and appointments to the targets"
    )
    sync.add_argument(
        "--target", action="append", metavar="NAME", help="only this target (repeatable)"
    )
    sync.add_argument("--dry-run", action="store_true", help="show what would go; send nothing")
    sync.add_argument(
        "--wait",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="keep retrying while the next retry is due within this many seconds (default 30)",
    )
    sub = sync.add_subparsers(dest="sync_command", metavar="COMMAND", parser_class=type(sync))

    status = add_command(sub, common, "status", cmd_status, "what waits per target, what failed")
    status.add_argument("--target", metavar="NAME", help="only this target")
    status.add_argument("--state", choices=STATES, help="list the entries in this state")
    status.add_argument("--limit", type=int, default=50, help="entries listed per target")

    retry_cmd = add_command(sub, common, "retry", cmd_retry, "send a failed entry again")
    retry_cmd.add_argument("id", type=int, nargs="?", help="outbox entry id")
    retry_cmd.add_argument("--target", metavar="NAME", help="only for this target")
    retry_cmd.add_argument(
        "--all-failed", action="store_true", help="every failed entry (of --target)"
    )

    skip_cmd = add_command(sub, common, "skip", cmd_skip, "never send an entry")
    skip_cmd.add_argument("id", type=int, help="outbox entry id")
    skip_cmd.add_argument("--target", metavar="NAME", help="only for this target")

    target = add_command(sub, common, "target", cmd_target_help, "add, list or remove targets")
    tsub = target.add_subparsers(dest="target_command", metavar="COMMAND", parser_class=type(sync))
    add = add_command(tsub, common, "add", cmd_target_add, "add (or --replace) a sync target")
    add.add_argument("name")
    add.add_argument("--type", required=True, choices=TARGET_TYPES)
    add.add_argument("--url", help="webhook: https URL (http only to 127.0.0.1)")
    add.add_argument("--folder", help="files/calendar: folder to write to")
    add.add_argument("--layout", choices=FILE_LAYOUTS, default="calldesk")
    add.add_argument("--format", choices=FILE_FORMATS, default="csv")
    add.add_argument("--kinds", help="only these entry kinds, comma-separated prefixes")
    add.add_argument("--batch-size", type=int, default=50)
    add.add_argument("--timeout", type=float, default=10.0, help="seconds per request")
    add.add_argument("--backoff-base", type=float, default=2.0)
    add.add_argument("--backoff-max", type=float, default=3600.0)
    add.add_argument(
        "--from-now", action="store_true", help="only entries written from now on (no backfill)"
    )
    add.add_argument("--disabled", action="store_true", help="add it switched off")
    add.add_argument(
        "--secret-stdin", action="store_true", help="read the webhook's shared secret from stdin"
    )
    add.add_argument("--replace", action="store_true", help="replace a target of that name")
    add_command(tsub, common, "list", cmd_target_list, "list the sync targets")
    remove = add_command(tsub, common, "remove", cmd_target_remove, "remove a sync target")
    remove.add_argument("name")
    secret = add_command(
        tsub, common, "secret", cmd_target_secret, "set a webhook's shared secret (from stdin)"
    )
    secret.add_argument("name")


def _config() -> dict[str, Target]:
    try:
        return load_targets()
    except SyncConfigError as exc:
        raise CliError(str(exc), exit_code=2) from exc


def cmd_sync(args: argparse.Namespace, ctx: Context) -> Output:
    config = _config()
    if not config:
        raise CliError(
            f"no sync targets yet ({config_path()}): add one with `calldesk sync target add`",
            exit_code=2,
        )
    store = ctx.store()

    def progress(p: SyncProgress) -> None:
        ctx.progress(f"{p.target}: {p.message} ({p.delivered} delivered, {p.pending} pending)")

    try:
        report = run_sync(
            store,
            targets=args.target,
            dry_run=args.dry_run,
            stop=threading.Event(),
            progress=progress,
            max_wait=max(0.0, args.wait),
            config=config,
        )
    except SyncError as exc:
        raise CliError(str(exc), exit_code=2) from exc
    lines = []
    for name, t in report.targets.items():
        if args.dry_run:
            line = f"{name} ({t.type}): would send {t.pending}"
        else:
            line = f"{name} ({t.type}): {t.delivered} delivered, {t.failed} parked, {t.pending} pending"
            if t.failed_waiting:
                line += (
                    f"; {t.failed_waiting} parked, waiting for review with their reasons "
                    f"(calldesk sync status --state failed --target {name})"
                )
            if t.last_error and t.pending:
                line += f"; last trouble: {t.last_error}"
            for path in t.files:
                line += f"\n  wrote {path}"
        if t.error:
            line += f"\n  error: {t.error}"
        lines.append(line)
    trouble = any(t.error for t in report.targets.values()) or report.failed > 0
    return Output(report.to_dict(), "\n".join(lines), exit_code=1 if trouble else 0)


def cmd_status(args: argparse.Namespace, ctx: Context) -> Output:
    config = _config()
    store = ctx.store()
    prepare_review(store, config)  # so entries no run has seen yet can be listed too
    statuses = sync_status(store, config)
    if args.target:
        if args.target not in statuses:
            raise CliError(f"no sync target named {args.target!r}", exit_code=2)
        statuses = {args.target: statuses[args.target]}
    state = args.state or "failed"
    data: dict[str, Any] = {"targets": {}}
    lines = []
    for name, status in statuses.items():
        entries = list_deliveries(store, name, state=state, limit=args.limit)
        data["targets"][name] = {
            **status.to_dict(),
            state + "_entries": [e.to_dict() for e in entries],
        }
        kind = status.type or "removed"
        lines.append(
            f"{name} ({kind}): {status.pending} pending, {status.delivered} delivered, "
            f"{status.failed} failed, {status.skipped} skipped"
            + (
                f"; next try {status.next_try_at:%Y-%m-%d %H:%M:%S} UTC"
                if status.next_try_at
                else ""
            )
        )
        if status.last_error and (status.pending or status.failed):
            lines.append(f"  last error: {status.last_error}")
        for e in entries:
            who = e.contact_name or "-"
            why = f": {e.last_error}" if e.last_error and state != "delivered" else ""
            lines.append(f"  #{e.entry_id} {e.kind} {who} ({e.attempts} attempts){why}")
    with store.session() as session:
        data["entries"] = session.scalar(select(func.count()).select_from(OutboxEntry)) or 0
    return Output(data, "\n".join(lines) or "no sync targets and no deliveries yet")


def cmd_retry(args: argparse.Namespace, ctx: Context) -> Output:
    if args.id is None and not args.all_failed:
        raise CliError("give an entry id, or --all-failed", exit_code=2)
    try:
        count = retry(ctx.store(), args.id, target=args.target, all_failed=args.all_failed)
    except SyncError as exc:
        raise CliError(str(exc), exit_code=2) from exc
    return Output(
        {"retried": count},
        f"{count} deliveries will be sent on the next sync",
    )


def cmd_skip(args: argparse.Namespace, ctx: Context) -> Output:
    try:
        count = skip(ctx.store(), args.id, target=args.target, config=_config())
    except SyncError as exc:
        raise CliError(str(exc), exit_code=2) from exc
    return Output({"skipped": count}, f"entry {args.id} will not be sent ({count} targets)")


def cmd_target_help(args: argparse.Namespace, ctx: Context) -> Output:
    raise CliError("choose: calldesk sync target add|list|remove|secret", exit_code=2)


def _read_secret() -> str:
    secret = sys.stdin.readline().rstrip("\r\n")
    if not secret:
        raise CliError("no secret on stdin", exit_code=2)
    return secret


def _secret_text(name: str, where: str) -> str:
    if where == "file":
        return (
            f"secret for {name!r} stored in the calldesk config folder, NOT ENCRYPTED "
            "(no system keyring on this machine; the file is readable only by you)"
        )
    return f"secret for {name!r} stored in the system keyring"


def cmd_target_add(args: argparse.Namespace, ctx: Context) -> Output:
    start_after = 0
    if args.from_now:
        with ctx.store().session() as session:
            start_after = session.scalar(select(func.max(OutboxEntry.id))) or 0
    target = Target(
        name=args.name,
        type=args.type,
        enabled=not args.disabled,
        kinds=[k.strip() for k in (args.kinds or "").split(",") if k.strip()],
        start_after_id=start_after,
        url=args.url,
        batch_size=args.batch_size,
        timeout=args.timeout,
        backoff_base=args.backoff_base,
        backoff_max=args.backoff_max,
        folder=args.folder,
        layout=args.layout,
        format=args.format,
    )
    try:
        add_target(target, replace=args.replace)
    except SyncConfigError as exc:
        raise CliError(str(exc), exit_code=2) from exc
    shown = target.to_dict()
    if shown.get("url"):
        shown["url"] = mask_url(shown["url"])  # credentials in a URL are never printed
    data: dict[str, Any] = {"target": {"name": target.name, **shown}}
    text = f"sync target {target.name!r} ({target.type}) saved in {config_path()}"
    if target.type == "webhook":
        if args.secret_stdin:
            where = set_secret(target.name, _read_secret())
            data["secret"] = where
            text += "\n" + _secret_text(target.name, where)
            if where == "file":
                ctx.progress(FILE_NOTICE.strip())
        elif get_secret(target.name) is None:
            text += (
                f"\nno shared secret yet: `calldesk sync target secret {target.name}` "
                f"(reads stdin) or set ${env_var(target.name)}"
            )
    return Output(data, text)


def cmd_target_list(args: argparse.Namespace, ctx: Context) -> Output:
    targets = _config()
    data = []
    lines = []
    for name, target in targets.items():
        found = get_secret(name) if target.type == "webhook" else None
        entry = {"name": name, **target.to_dict(), "secret": found[1] if found else None}
        if entry.get("url"):
            entry["url"] = mask_url(entry["url"])  # credentials in a URL are never printed
        data.append(entry)
        where = mask_url(target.url) if target.url else target.folder
        extra = ""
        if target.type == "webhook":
            extra = f", secret: {found[1] if found else 'MISSING'}"
        if target.type == "files":
            extra = f", {target.layout} {target.format}"
        state = "" if target.enabled else " (disabled)"
        lines.append(f"{name}{state}: {target.type} -> {where}{extra}")
    return Output({"targets": data}, "\n".join(lines) or "no sync targets")


def cmd_target_remove(args: argparse.Namespace, ctx: Context) -> Output:
    try:
        removed = remove_target(args.name)
    except SyncConfigError as exc:
        raise CliError(str(exc), exit_code=2) from exc
    delete_secret(args.name)
    return Output(
        {"removed": removed.name},
        f"sync target {removed.name!r} removed (its delivery history stays in the store)",
    )


def cmd_target_secret(args: argparse.Namespace, ctx: Context) -> Output:
    targets = _config()
    if args.name not in targets:
        raise CliError(f"no sync target named {args.name!r}", exit_code=2)
    where = set_secret(args.name, _read_secret())
    if where == "file":
        ctx.progress(FILE_NOTICE.strip())
    return Output({"target": args.name, "secret": where}, _secret_text(args.name, where))
