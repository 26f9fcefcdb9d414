"""What the finish line of the script says the "qualified" key will do, per grade (issue 16:
never "saves it as qualified" for a D)."""

from __future__ import annotations

import datetime as dt

import pytest

from calldesk.scripts.grading import GradeResult
from ui.desk.script_panel import what_saving_does


def _result(grade: str, **extra) -> GradeResult:
    values = dict(
        grade=grade,
        why=f"{grade}: why",
        disposition="qualified",
        rule_number=1,
        deciding=(),
        script_key="bant",
        script_version=1,
    )
    values.update(extra)
    return GradeResult(**values)


@pytest.mark.parametrize(
    ("result", "expected"),
    [
        (_result("A"), "F9 opens the booking: pick the field rep and a free slot"),
        (
            _result("B", follow_up_date=dt.date(2027, 2, 1), days=30),
            "F9 saves it as B: a follow-up call is set on Mon 01 Feb 2027",
        ),
        (_result("B", days=30), "F9 saves it as B: a follow-up call is set in 30 days"),
        (_result("C", days=90), "F9 saves it as C (nurture): called again in 90 days"),
        (_result("D"), "F9 saves it as D (not qualified): set aside and never offered again"),
        (
            _result("D", disposition="wrong_person"),
            "F9 saves it as referred (wrong person): the person you captured",
        ),
    ],
)
def test_the_finish_line_says_what_the_key_does(result: GradeResult, expected: str) -> None:
    text = what_saving_does(result, "F9")
    assert text.startswith(expected), text
    assert "as qualified" not in text


def test_the_key_is_the_teams_own() -> None:
    assert what_saving_does(_result("D"), "Ctrl+Q").startswith("Ctrl+Q saves it as D")
