"""Store commands: ``init``, ``demo``, ``desk`` and ``version``."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from typing import Any

import calldesk
from calldesk.cli.main import CliError, Context, Output, add_command
from calldesk.store import head_revision, table_counts


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    add_command(subparsers, common, "version", cmd_version, "print calldesk's version")
    add_command(
        subparsers, common, "init", cmd_init, "create or upgrade the store and show its state"
    )
    demo = add_command(subparsers, common, "demo", cmd_demo, "fill the store with a realistic demo")
    demo.add_argument("--seed", type=int, default=7, help="random seed (same seed, same demo)")
    add_command(subparsers, common, "desk", cmd_desk, "open the desktop window")


def cmd_version(args: argparse.Namespace, ctx: Context) -> Output:
    return Output(
        {"version": calldesk.__version__, "schema": head_revision()},
        f"calldesk {calldesk.__version__}",
    )


def cmd_init(args: argparse.Namespace, ctx: Context) -> Output:
    store = ctx.store()
    counts = table_counts(store)
    data = {
        "url": _safe(store.url),
        "dialect": store.dialect,
        "schema_revision": store.revision(),
        "counts": counts,
    }
    text = (
        f"Store {data['url']} ready (schema {data['schema_revision']}): "
        f"{counts['contacts']} contacts, {counts['call_lists']} lists, "
        f"{counts['attempts']} attempts."
    )
    return Output(data, text)


def cmd_demo(args: argparse.Namespace, ctx: Context) -> Output:
    from calldesk import demo

    store = ctx.store()
    try:
        summary = demo.build(store, seed=args.seed, progress=ctx.progress)
    except demo.DemoError as exc:
        raise CliError(str(exc)) from exc
    counts = table_counts(store)
    data = {
        "url": _safe(store.url),
        "schema_revision": store.revision(),
        **summary,
        "counts": counts,
    }
    text = (
        f"Demo ready in {data['url']}: {counts['contacts']} contacts in "
        f"{counts['call_lists']} lists, {counts['events']} events, {counts['reps']} reps, "
        f"{counts['attempts']} attempts, {counts['appointments']} appointments."
    )
    return Output(data, text)


def cmd_desk(args: argparse.Namespace, ctx: Context) -> Output:
    problem = display_problem()
    if problem:
        raise CliError(problem)
    store = ctx.store()  # migrate and report store errors before any window appears
    url = store.url
    store.close()
    # The front end is a package of its own; the core only starts it and never uses Qt.
    code = importlib.import_module("ui.app").run(url)
    return Output({"exit_code": code}, "", exit_code=code)


def display_problem() -> str | None:
    """Why no window can be shown here, in words a person can act on (None: fine)."""
    if not sys.platform.startswith("linux"):
        return None
    if os.environ.get("QT_QPA_PLATFORM") or os.environ.get("DISPLAY"):
        return None
    if os.environ.get("WAYLAND_DISPLAY"):
        return None
    return (
        "no display to open a window on (DISPLAY is not set). On a machine without a screen "
        "run it under a virtual one: `xvfb-run -a calldesk desk` (Debian package xvfb), or set "
        "QT_QPA_PLATFORM=offscreen to run without showing anything."
    )


def _safe(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
