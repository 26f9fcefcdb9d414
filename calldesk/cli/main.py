"""The ``calldesk`` command line.

Every command lives in a ``calldesk/cli/cmd_*.py`` module with a ``register(subparsers)``
function; this module finds them. Only the module of the command being run is imported (the
others appear in ``--help`` from the table in :mod:`calldesk.cli`), so start-up stays fast. A command's
handler takes ``(args, ctx)`` and returns an :class:`Output`: a JSON-able document (printed as
exactly one JSON document with ``--json``) and the text a person reads otherwise. Errors are
raised as :class:`CliError` and printed on stderr with a non-zero exit code.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import pkgutil
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import calldesk
import calldesk.cli

if TYPE_CHECKING:  # the store (and SQLAlchemy) load only when a command opens it
    from calldesk.store import Store


class CliError(Exception):
    """A failure the user can act on; ``exit_code`` 2 for bad input, 1 otherwise."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


@dataclass
class Output:
    data: Any
    text: str | None = None
    exit_code: int = 0


@dataclass
class Context:
    db_url: str | None
    json: bool
    _store: Store | None = field(default=None, repr=False)

    def store(self) -> Store:
        """The store named by ``--db`` / ``CALLDESK_DB`` (opened and migrated on first use)."""
        if self._store is None:
            from calldesk.store import open_store

            self._store = open_store(self.db_url)
        return self._store

    def progress(self, message: str) -> None:
        """Progress for people, on stderr so stdout stays one JSON document."""
        if not self.json:
            print(message, file=sys.stderr, flush=True)

    def close(self) -> None:
        if self._store is not None:
            self._store.close()


Handler = Callable[[argparse.Namespace, Context], Output]


def common_options() -> argparse.ArgumentParser:
    """``--db`` and ``--json``, accepted before or after the command name."""
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument(
        "--db",
        default=argparse.SUPPRESS,
        metavar="URL",
        help="store URL (SQLite path or SQLAlchemy URL); default $CALLDESK_DB or the user store",
    )
    parent.add_argument(
        "--json",
        action="store_true",
        default=argparse.SUPPRESS,
        help="print exactly one JSON document on stdout",
    )
    return parent


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise CliError(f"{message} (see `{self.prog} --help`)", exit_code=2)


def command_name(argv: Sequence[str]) -> str | None:
    """The command word of ``argv`` (``queue`` in ``--db x.sqlite3 queue next``), if any."""
    skip_next = False
    for arg in argv:
        if skip_next:
            skip_next = False
        elif arg == "--db":
            skip_next = True
        elif arg == "--":
            return None
        elif not arg.startswith("-"):
            return arg
    return None


def _command_modules() -> list[str]:
    return sorted(
        info.name
        for info in pkgutil.iter_modules(calldesk.cli.__path__)
        if info.name.startswith("cmd_")
    )


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser; only ``command``'s module is imported (``None``: every module, for tests).

    The other commands are listed from :data:`calldesk.cli.COMMANDS` with their help, as
    argument-less entries, so ``--help`` and "invalid choice" messages name them all.
    """
    common = common_options()
    parser = _Parser(
        prog="calldesk",
        description="A call desk for inside qualification reps.",
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"calldesk {calldesk.__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    table = calldesk.cli.COMMANDS
    listed = {module for module, _help in table.values()}
    wanted = table[command][0] if command in table else None
    for module_name in _command_modules():
        if command is None or module_name == wanted or module_name not in listed:
            module = importlib.import_module(f"calldesk.cli.{module_name}")
            module.register(subparsers, common)
            continue
        for name, (owner, help_text) in table.items():
            if owner == module_name:
                subparsers.add_parser(name, help=help_text, add_help=False)
    return parser


def add_command(
    subparsers: Any,
    common: argparse.ArgumentParser,
    name: str,
    handler: Handler,
    help: str,
) -> argparse.ArgumentParser:
    """Add a command (or a sub-command of a group) that runs ``handler``."""
    command = subparsers.add_parser(name, help=help, description=help, parents=[common])
    command.set_defaults(handler=handler)
    return command


def add_group(subparsers: Any, common: argparse.ArgumentParser, name: str, help: str) -> Any:
    """Add a command group such as ``dnc`` whose sub-commands are added to the result."""
    group = subparsers.add_parser(name, help=help, description=help, parents=[common])
    group.set_defaults(handler=None, group_parser=group)
    return group.add_subparsers(dest=f"{name}_command", metavar="COMMAND", parser_class=_Parser)


def _print_json(data: Any) -> None:
    try:
        sys.stdout.write(json.dumps(data, default=_json_default, ensure_ascii=False, indent=2))
        sys.stdout.write("\n")
        sys.stdout.flush()
    except BrokenPipeError:  # the reader (``| head``) went away: not an error of ours
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def _json_default(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "__float__"):
        return float(value)
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"cannot encode {type(value).__name__} as JSON")


def _asks_version(argv: list[str]) -> bool:
    """``calldesk --version``, not a command's own ``--version`` (``script show K --version 2``)."""
    for index, arg in enumerate(argv):
        if arg == "--version":
            return True
        if not arg.startswith("-") and (index == 0 or argv[index - 1] != "--db"):
            return False  # a command name comes first: the option is the command's
    return False


def _is_store_error(exc: BaseException) -> bool:
    """A :class:`calldesk.store.StoreError`, without importing the store to ask."""
    store = sys.modules.get("calldesk.store")
    return store is not None and isinstance(exc, store.StoreError)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``calldesk`` console script."""
    argv = list(sys.argv[1:] if argv is None else argv)
    as_json = "--json" in argv
    if as_json and _asks_version(argv):
        _print_json({"version": calldesk.__version__})
        return 0
    ctx: Context | None = None
    try:
        parser = build_parser(command_name(argv) or "")
        args = parser.parse_args(argv)
        ctx = Context(db_url=getattr(args, "db", None), json=getattr(args, "json", False))
        handler = getattr(args, "handler", None)
        if handler is None:
            target = getattr(args, "group_parser", parser)
            raise CliError(target.format_usage().strip() + "\n(choose a command)", exit_code=2)
        output = handler(args, ctx)
    except CliError as exc:
        print(f"calldesk: {exc}", file=sys.stderr)
        return exc.exit_code
    except Exception as exc:
        if not _is_store_error(exc):
            raise
        print(f"calldesk: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("calldesk: interrupted", file=sys.stderr)
        return 130
    finally:
        if ctx is not None:
            ctx.close()
    if as_json:
        _print_json(output.data)
    elif output.text is not None:
        print(output.text)
    else:
        _print_json(output.data)
    return output.exit_code


if __name__ == "__main__":
    # Run the package's copy of this module, so its exception classes are the ones the
    # command modules raise (``python -m`` would otherwise load this file twice).
    from calldesk.cli.main import main as package_main

    sys.exit(package_main())
