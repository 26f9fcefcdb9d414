"""A script nested absurdly deep gets an error at its line, never a RecursionError."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from calldesk.scripts.loader import MAX_CONDITION_DEPTH, ScriptError, load_text

FIXTURE = Path(__file__).parent / "fixtures" / "scripts" / "_valid.yaml"
SHOW_IF = "    show_if: {question: need, in: [yes]}"


def _flow(depth: int) -> str:
    condition = "{question: need, in: [yes]}"
    for _ in range(depth):
        condition = "{not: " + condition + "}"
    return FIXTURE.read_text().replace(SHOW_IF, "    show_if: " + condition)


def _block(depth: int) -> str:
    lines, indent = ["    show_if:"], "      "
    for _ in range(depth):
        lines.append(indent + "not:")
        indent += "  "
    lines += [indent + "question: need", indent + "in: [yes]"]
    return FIXTURE.read_text().replace(SHOW_IF, "\n".join(lines))


def _line_of(text: str, start: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if line.startswith(start))


@pytest.mark.parametrize("depth", [MAX_CONDITION_DEPTH + 1, 300, 5000])
def test_deep_conditions_are_refused_at_their_line(depth: int) -> None:
    show_if = _line_of(FIXTURE.read_text(), SHOW_IF)
    with pytest.raises(ScriptError) as flow:
        load_text(_flow(depth), "deep.yaml")
    [problem] = flow.value.problems
    assert problem.line == show_if and "nested more than" in problem.message

    text = _block(depth)
    with pytest.raises(ScriptError) as block:
        load_text(text, "deep.yaml")
    [problem] = block.value.problems
    assert "nested more than" in problem.message
    if depth < 1000:  # read whole: the first condition deeper than the limit
        # show_if, then one "not:" line per level; the condition at depth 33 is the one refused
        assert problem.line == show_if + MAX_CONDITION_DEPTH + 2
    else:  # too deep to even read: the line where the YAML nesting passes its limit
        assert show_if < problem.line < show_if + 300
        assert text.splitlines()[problem.line - 1].strip() == "not:"


def test_a_script_at_the_depth_limit_loads() -> None:
    assert load_text(_block(MAX_CONDITION_DEPTH)).key == "mini"


def test_the_command_line_reports_it_without_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "deep.yaml"
    path.write_text(_block(5000))
    done = subprocess.run(
        [sys.executable, "-m", "calldesk", "script", "check", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr + done.stdout
    assert (
        f"{path}:" in done.stdout + done.stderr and "nested more than" in done.stdout + done.stderr
    )
