"""Portability: the core runs without POSIX-only modules, and dial commands split per platform."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from calldesk.commandline import split_command

REPO = Path(__file__).resolve().parent.parent
#: Modules that do not exist on Windows.
POSIX_ONLY = {"fcntl", "pwd", "grp", "termios", "tty", "pty", "resource", "posix", "syslog"}
#: os functions missing on Windows (Python 3.11): use them only under ``if hasattr(os, ...)``.
POSIX_ONLY_OS = {
    "fchmod",
    "fchown",
    "chown",
    "lchown",
    "getuid",
    "geteuid",
    "getgid",
    "getegid",
    "fork",
    "killpg",
    "setsid",
    "getpgid",
    "setpgrp",
    "mkfifo",
    "statvfs",
    "sync",
    "uname",
    "getloadavg",
    "sched_getaffinity",
    "sysconf",
    "nice",
}


def test_the_core_imports_no_posix_only_module() -> None:
    offenders = []
    for path in sorted((REPO / "calldesk").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            offenders += [
                f"{path.relative_to(REPO)}: {name}"
                for name in names
                if name.split(".")[0] in POSIX_ONLY
            ]
    assert offenders == []


def test_posix_only_os_functions_are_guarded() -> None:
    offenders = []
    for path in sorted((REPO / "calldesk").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        guarded: set[int] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.If) and "hasattr(os" in ast.unparse(node.test):
                guarded |= {id(child) for stmt in node.body for child in ast.walk(stmt)}
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id == "os"
                and node.attr in POSIX_ONLY_OS
                and id(node) not in guarded
            ):
                offenders.append(f"{path.relative_to(REPO)}:{node.lineno}: os.{node.attr}")
    assert offenders == []


def _without_fcntl(tmp_path: Path) -> dict[str, str]:
    """An environment whose Python cannot import fcntl, as on Windows."""
    shim = tmp_path / "no_fcntl"
    shim.mkdir()
    (shim / "sitecustomize.py").write_text("import sys\nsys.modules['fcntl'] = None\n")
    return {**os.environ, "PYTHONPATH": str(shim), "PYTHONWARNINGS": "ignore"}


def _calldesk(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "calldesk", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert "Traceback" not in result.stderr, result.stderr
    return result


def test_the_command_line_runs_without_fcntl(tmp_path: Path) -> None:
    env = _without_fcntl(tmp_path)
    probe = subprocess.run([sys.executable, "-c", "import fcntl"], env=env, capture_output=True)
    assert probe.returncode != 0  # the shim works: fcntl is really unavailable

    assert _calldesk(env, "--version").stdout.strip().startswith("calldesk ")
    assert "queue" in _calldesk(env, "--help").stdout
    db = str(tmp_path / "store.sqlite3")
    # A new store is created and migrated under the migration lock.
    init = _calldesk(env, "--db", db, "init", "--json")
    assert init.returncode == 0, init.stderr
    assert json.loads(init.stdout)["schema_revision"]
    added = _calldesk(env, "--db", db, "rep", "add", "Ada Moreno", "--json")
    assert added.returncode == 0, added.stderr
    listed = json.loads(_calldesk(env, "--db", db, "rep", "list", "--json").stdout)
    assert [rep["name"] for rep in listed["reps"]] == ["Ada Moreno"]
    stats = _calldesk(env, "--db", db, "queue", "stats", "--json")
    assert stats.returncode == 0, stats.stderr


def test_two_processes_creating_one_store_at_once_both_succeed(tmp_path: Path) -> None:
    """The migration lock (filelock) serialises them: one migrates, the other waits and finds
    the store at head."""
    db = str(tmp_path / "store.sqlite3")
    command = [sys.executable, "-m", "calldesk", "--db", db, "init", "--json"]
    runs = [
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=300) for run in runs]
    for run, (out, err) in zip(runs, outputs, strict=True):
        assert run.returncode == 0 and "Traceback" not in err, err
        assert json.loads(out)["schema_revision"]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            r'"C:\Program Files\Soft Phone\phone.exe" /call {e164}',
            [r"C:\Program Files\Soft Phone\phone.exe", "/call", "{e164}"],
        ),
        (r"C:\tools\dial.exe {digits}", [r"C:\tools\dial.exe", "{digits}"]),
        (r'dial "say \"hi\"" x', ["dial", 'say "hi"', "x"]),
        (r'dial "a""b"', ["dial", 'a"b']),
        (r'dial \\\\server\share "" end', ["dial", r"\\\\server\share", "", "end"]),
        (r'dial "ends with\\" next', ["dial", "ends with\\", "next"]),
        ("  softphone\t--call  {e164} ", ["softphone", "--call", "{e164}"]),
    ],
)
def test_windows_command_lines_keep_backslashes(line: str, expected: list[str]) -> None:
    assert split_command(line, windows=True) == expected


def test_posix_command_lines_split_like_a_shell() -> None:
    line = "softphone --name 'Ada Moreno' --call {e164}"
    assert split_command(line, windows=False) == [
        "softphone",
        "--name",
        "Ada Moreno",
        "--call",
        "{e164}",
    ]
    # The default follows the platform this runs on.
    assert split_command(line) == split_command(line, windows=sys.platform == "win32")


@pytest.mark.parametrize("windows", [True, False])
def test_an_unclosed_quote_is_an_error(windows: bool) -> None:
    with pytest.raises(ValueError, match="No closing quotation"):
        split_command('softphone "--call {e164}', windows=windows)
