"""A fast command line: ``--version`` and ``--help`` load no database or export code, and a
command imports only its own module. Import checks, not timings (bench/bench_startup.py times)."""

from __future__ import annotations

import argparse
import importlib
import json

import pytest

import calldesk.cli
from calldesk.cli.main import _command_modules, _Parser, common_options, main
from tests.conftest import run_in_fresh_interpreter

HEAVY = ("sqlalchemy", "polars", "openpyxl", "fastexcel", "alembic", "PySide6", "numpy")


def _loaded_after(argv: list[str]) -> dict:
    """Run ``main(argv)`` in a fresh interpreter; which modules did it import?"""
    return run_in_fresh_interpreter(argv)


def _heavy(modules: list[str]) -> list[str]:
    return [name for name in modules if name.split(".")[0] in HEAVY or name == "calldesk.store"]


@pytest.mark.parametrize("argv", [["--version"], ["--help"], ["--json", "--version"], []])
def test_version_and_help_load_no_database_or_export_code(argv: list[str]) -> None:
    run = _loaded_after(argv)
    assert run["code"] in (0, 2)  # no command at all is a usage error
    assert _heavy(run["modules"]) == []
    assert not [name for name in run["modules"] if name.startswith("calldesk.cli.cmd_")]


def test_a_command_loads_only_its_own_module() -> None:
    run = _loaded_after(["queue", "next", "--help"])
    assert run["code"] == 0
    commands = [name for name in run["modules"] if name.startswith("calldesk.cli.cmd_")]
    assert commands == ["calldesk.cli.cmd_queue"]
    assert not [name for name in run["modules"] if name.split(".")[0] in ("polars", "openpyxl")]


def test_the_command_table_matches_what_the_modules_register() -> None:
    """calldesk.cli.COMMANDS lists each command of each cmd_*.py module, with its help."""
    registered: dict[str, tuple[str, str]] = {}
    for module_name in _command_modules():
        parser = _Parser(prog="calldesk")
        subparsers = parser.add_subparsers(dest="command", parser_class=_Parser)
        importlib.import_module(f"calldesk.cli.{module_name}").register(
            subparsers, common_options()
        )
        for action in subparsers._choices_actions:
            registered[action.dest] = (module_name, action.help)
    assert registered == calldesk.cli.COMMANDS, (
        "add the command to calldesk.cli.COMMANDS (name -> (module, help))"
    )


def test_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["--help"])
    assert stop.value.code == 0
    out = capsys.readouterr().out
    for name, (_module, help_text) in calldesk.cli.COMMANDS.items():
        assert f"    {name}" in out and help_text in out


def test_a_command_runs_through_the_lazy_parser(tmp_path, capsys) -> None:
    db = str(tmp_path / "s.sqlite3")
    assert main(["--db", db, "rep", "add", "Ada Moreno", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["name"] == "Ada Moreno"
    assert main(["rep", "list", "--db", db, "--json"]) == 0
    assert [rep["name"] for rep in json.loads(capsys.readouterr().out)["reps"]] == ["Ada Moreno"]


def test_an_unknown_command_is_a_usage_error_naming_the_commands(capsys) -> None:
    assert main(["--db", "x.sqlite3", "qeue", "next"]) == 2
    err = capsys.readouterr().err
    assert "invalid choice: 'qeue'" in err and "'queue'" in err


def test_store_errors_are_reported_without_a_traceback(tmp_path, capsys) -> None:
    folder = tmp_path / "a-folder.sqlite3"
    folder.mkdir()
    assert main(["--db", str(folder), "init"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("calldesk: cannot open store")


def test_command_name_skips_the_db_value() -> None:
    from calldesk.cli.main import command_name

    assert command_name(["--db", "queue", "rep", "list"]) == "rep"
    assert command_name(["--json", "--db=x", "queue", "next"]) == "queue"
    assert command_name(["--help"]) is None


def test_parser_without_a_command_builds_every_command() -> None:
    from calldesk.cli.main import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert set(sub.choices) == set(calldesk.cli.COMMANDS)
    assert sub.choices["queue"].get_default("handler") is None  # a group: its sub-commands run
    assert "next" in sub.choices["queue"].format_help()


def test_the_default_scripts_digest_covers_the_library_s_default_scripts() -> None:
    """defaults lists the shipped scripts itself (start-up); it must be the library's list."""
    import hashlib

    from calldesk import defaults
    from calldesk.scripts.library import default_script_files

    digest = hashlib.sha256()
    for path in default_script_files():
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    assert defaults._scripts_digest() == digest.hexdigest()


def test_opening_a_store_does_not_load_the_script_machinery(tmp_path) -> None:
    db = str(tmp_path / "s.sqlite3")
    assert main(["--db", db, "init"]) == 0  # create it first (that installs the scripts)
    run = _loaded_after(["--db", db, "queue", "stats"])
    assert run["code"] == 0
    assert "calldesk.scripts.library" not in run["modules"]


def test_a_sqlite_desk_does_not_load_the_postgresql_dialect(tmp_path) -> None:
    """The partial indexes' PostgreSQL predicates are given when a PostgreSQL engine is made
    (naming them in the models loaded SQLAlchemy's PostgreSQL dialect: ~30 ms a start)."""
    db = str(tmp_path / "s.sqlite3")
    assert main(["--db", db, "init"]) == 0
    run = _loaded_after(["--db", db, "queue", "next"])
    assert run["code"] == 2  # nobody to call in a new store
    assert "calldesk.queue.seek" in run["modules"]
    assert "sqlalchemy.dialects.postgresql" not in run["modules"]


def test_a_postgresql_engine_gives_the_partial_indexes_their_predicates() -> None:
    from sqlalchemy.schema import CreateIndex

    from calldesk.models import _POSTGRESQL_WHERE, Base
    from calldesk.store import make_engine

    engine = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")  # (never connects)
    made = {
        index.name: str(CreateIndex(index).compile(dialect=engine.dialect))
        for table in Base.metadata.tables.values()
        for index in table.indexes
        if index.name in _POSTGRESQL_WHERE
    }
    assert len(made) == 7
    assert made["ix_contacts_grade_stage"].endswith("WHERE grade IS NOT NULL")
    assert made["ix_contacts_queue"].endswith(
        "WHERE callable AND claimed_by_id IS NULL AND next_eligible_at IS NULL"
    )
    assert made["ix_callbacks_due"].endswith("WHERE status = 'open'")
    engine.dispose()
