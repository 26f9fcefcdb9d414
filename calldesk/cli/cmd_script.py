"""Script commands: ``script check``, ``script list``, ``script import``, ``script show``."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from calldesk.cli.main import CliError, Context, Output, add_command, add_group
from calldesk.scripts import library
from calldesk.scripts.loader import ScriptError, load_file
from calldesk.scripts.model import GRADE_MEANING, ScriptDef, describe_condition


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    group = add_group(
        subparsers, common, "script", "qualification scripts: check, import, list and show"
    )
    check = add_command(
        group, common, "check", cmd_check, "validate a script file (errors with file and line)"
    )
    check.add_argument("file", help="the script's YAML file")
    add_command(group, common, "list", cmd_list, "list the scripts in the store")
    imported = add_command(
        group, common, "import", cmd_import, "store a script file as the next version of its key"
    )
    imported.add_argument("file", help="the script's YAML file")
    imported.add_argument("--by", default=None, help="who made this version (kept with it)")
    show = add_command(
        group, common, "show", cmd_show, "show a stored script's questions and rules"
    )
    show.add_argument("key", help="the script's key, e.g. bant")
    show.add_argument("--version", type=int, default=None, dest="script_version")
    show.add_argument("--yaml", action="store_true", help="print the YAML text itself")


def _ensure_defaults(ctx: Context) -> None:
    # Idempotent: stores created before the defaults shipped get them on first use.
    with ctx.store().write() as session:
        library.install_defaults(session)


def cmd_check(args: argparse.Namespace, ctx: Context) -> Output:
    path = Path(args.file)
    if not path.is_file():
        raise CliError(f"no such file: {path}", exit_code=2)
    try:
        script = load_file(path)
    except ScriptError as exc:
        data = {
            "valid": False,
            "file": str(path),
            "errors": [p.as_dict() for p in exc.problems],
        }
        return Output(data, "\n".join(str(p) for p in exc.problems), exit_code=1)
    data = {
        "valid": True,
        "file": str(path),
        "key": script.key,
        "name": script.name,
        "questions": len(script.questions),
        "rules": len(script.rules) + (1 if script.otherwise else 0),
        "errors": [],
    }
    text = (
        f"{path}: valid ({script.key}: {len(script.questions)} questions, "
        f"{data['rules']} grading rules)"
    )
    return Output(data, text)


def cmd_list(args: argparse.Namespace, ctx: Context) -> Output:
    _ensure_defaults(ctx)
    with ctx.store().session() as session:
        infos = library.list_scripts(session)
    lines = [f"{i.key:<16} v{i.version:<3} {i.name}" for i in infos]
    return Output([i.as_dict() for i in infos], "\n".join(lines) or "no scripts")


def cmd_import(args: argparse.Namespace, ctx: Context) -> Output:
    path = Path(args.file)
    if not path.is_file():
        raise CliError(f"no such file: {path}", exit_code=2)
    _ensure_defaults(ctx)
    try:
        with ctx.store().write() as session:
            result = library.import_file(session, path, created_by=args.by)
    except ScriptError as exc:
        raise CliError(f"the script does not validate:\n{exc}", exit_code=2) from exc
    text = (
        f"imported {result.key} as version {result.version}"
        if result.created
        else f"{result.key} version {result.version} already has this text; nothing changed"
    )
    return Output(result.as_dict(), text)


def cmd_show(args: argparse.Namespace, ctx: Context) -> Output:
    _ensure_defaults(ctx)
    with ctx.store().session() as session:
        try:
            script = library.get_script(session, args.key, args.script_version)
        except library.ScriptNotFound as exc:
            raise CliError(str(exc), exit_code=2) from exc
    data = script_dict(script)
    return Output(data, script.text if args.yaml else _show_text(script))


def script_dict(script: ScriptDef) -> dict[str, Any]:
    """A script as plain data: questions, branches and grading rules in words."""
    return {
        "key": script.key,
        "version": script.version,
        "name": script.name,
        "description": script.description,
        "opener": script.opener,
        "questions": [
            {
                "id": q.id,
                "kind": q.kind,
                "label": q.label,
                "prompt": q.prompt,
                "required": q.required,
                "choices": [{"value": c.value, "label": c.label} for c in q.choices],
                "show_if": describe_condition(q.show_if) if q.show_if else None,
                "end_if": describe_condition(q.end_if) if q.end_if else None,
            }
            for q in script.questions
        ],
        "rules": [
            {
                "number": r.number,
                "grade": r.grade,
                "meaning": GRADE_MEANING[r.grade],
                "when": describe_condition(r.when) if r.when else "otherwise",
                "why": r.why,
                "disposition": r.disposition,
            }
            for r in (*script.rules, *((script.otherwise,) if script.otherwise else ()))
        ],
        "follow_up_days": script.follow_up_days,
        "nurture_days": script.nurture_days,
        "meeting_minutes": script.meeting_minutes,
        "text": script.text,
    }


def _show_text(script: ScriptDef) -> str:
    lines = [f"{script.name} ({script.key} v{script.version})", "", script.opener.strip(), ""]
    for number, q in enumerate(script.questions, 1):
        flags = " (required)" if q.required else ""
        lines.append(f"{number}. [{q.kind}] {q.prompt.strip()}{flags}")
        for index, choice in enumerate(q.choices, 1):
            lines.append(f"     {index} {choice.label}")
        if q.show_if:
            lines.append(f"     asked when {describe_condition(q.show_if)}")
        if q.end_if:
            lines.append(f"     ends the call when {describe_condition(q.end_if)}")
    lines += ["", "Grading (first match wins):"]
    for rule in (*script.rules, *((script.otherwise,) if script.otherwise else ())):
        when = describe_condition(rule.when) if rule.when else "otherwise"
        lines.append(f"  {rule.grade} ({GRADE_MEANING[rule.grade]}) when {when}")
    return "\n".join(lines)
