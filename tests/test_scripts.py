"""Script files: the shipped defaults validate, broken ones get one precise error each, and the
runner, merge fields and grading behave as a rep on the phone needs."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from calldesk.scripts import (
    AnswerError,
    ScriptError,
    ScriptRunner,
    check_text,
    grade,
    load_file,
    load_text,
    render,
)
from calldesk.scripts.library import default_script_files
from calldesk.scripts.merge import find_fields

FIXTURES = Path(__file__).parent / "fixtures" / "scripts"
TODAY = dt.date(2026, 11, 23)


def test_every_default_script_validates_and_is_complete() -> None:
    files = default_script_files()
    keys = {load_file(f).key for f in files}
    assert keys == {
        "bant",
        "trade_show",
        "webinar",
        "whitepaper",
        "dormant_client",
        "open_territory",
    }
    for path in files:
        script = load_file(path)
        assert check_text(path.read_text(encoding="utf-8"), str(path)) == []
        # Every default can reach every grade: a marketing manager can use it as it is.
        assert {r.grade for r in script.rules} | (
            {script.otherwise.grade} if script.otherwise else set()
        ) == {"A", "B", "C", "D"}, path.name
        assert script.opener and "{rep_name}" in script.opener


BROKEN = [
    ("bad_yaml.yaml", 7, "bad YAML: mapping values are not allowed here"),
    ("unknown_merge_field.yaml", 5, "unknown merge field {evnt_name} (did you mean 'event_name'?)"),
    (
        "branch_to_missing_question.yaml",
        12,
        "question 'budget': show_if refers to question 'nead', which does not exist",
    ),
    (
        "branch_to_later_question.yaml",
        9,
        "show_if refers to question 'budget', which is asked later",
    ),
    (
        "rule_on_missing_answer.yaml",
        15,
        "grading rule 1 (grade A): when refers to question 'timeline', which does not exist",
    ),
    ("rule_on_unknown_choice.yaml", 15, "'latr' is not a choice of question 'timeline'"),
    (
        "unreachable_grade.yaml",
        17,
        "grading rule 2 (grade A) is unreachable: every answer it matches is already graded by "
        "rule 1 (grade C, line 15)",
    ),
    (
        "rule_never_true.yaml",
        15,
        "grading rule 1 (grade B) is unreachable: no possible answers satisfy its 'when'",
    ),
    ("answers_without_grade.yaml", 14, "some answers get no grade (for example need = later)"),
    ("unknown_kind.yaml", 6, "kind 'yesno' is not one of"),
    ("duplicate_question.yaml", 8, "question id 'need' is used twice (first at line 5)"),
    ("bad_grade.yaml", 13, "'E' is not a grade"),
    ("unknown_key.yaml", 8, "question 'need': unknown key 'requird' (did you mean 'required'?)"),
    ("follow_up_not_a_date.yaml", 16, "follow_up must name a date question"),
    ("text_answer_compared.yaml", 11, "'in' cannot test the text question 'vendor'"),
    ("empty.yaml", 1, "the script is empty"),
]


@pytest.mark.parametrize(("name", "line", "message"), BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_script_gets_one_precise_error(name: str, line: int, message: str) -> None:
    path = FIXTURES / name
    with pytest.raises(ScriptError) as caught:
        load_file(path)
    problems = caught.value.problems
    assert len(problems) == 1, [str(p) for p in problems]
    problem = problems[0]
    assert problem.file == str(path)
    assert problem.line == line, str(problem)
    assert message in problem.message
    assert str(problem).startswith(f"{path}:{line}: ")


def test_fixture_base_script_is_valid() -> None:
    # The broken fixtures are one edit away from this script, so each error is the only one.
    assert check_text((FIXTURES / "_valid.yaml").read_text(), "_valid.yaml") == []


def test_yaml_words_are_text_not_booleans() -> None:
    text = (
        (FIXTURES / "_valid.yaml")
        .read_text()
        .replace(
            "  - id: budget\n    kind: number",
            "  - id: budget\n    kind: choice\n    choices: [yes, no, maybe]",
        )
    )
    text = text.replace("{question: budget, at_least: 10000}", "{question: budget, in: [yes]}")
    script = load_text(text)
    assert [c.value for c in script.question("budget").choices] == ["yes", "no", "maybe"]
    result = grade(script, {"need": True, "budget": "yes"}, today=TODAY)
    assert result is not None and result.grade == "A"


def test_nothing_in_a_script_is_evaluated() -> None:
    text = (
        (FIXTURES / "_valid.yaml")
        .read_text()
        .replace(
            'opener: "Hi {first_name}, this is {rep_name}."',
            "opener: \"{__import__('os').system('false')}\"",
        )
    )
    problems = check_text(text, "evil.yaml")
    assert len(problems) == 1 and "is not a merge field" in problems[0].message
    tagged = (
        (FIXTURES / "_valid.yaml")
        .read_text()
        .replace("name: Mini script", "name: !!python/object/apply:os.system [false]")
    )
    problems = check_text(tagged, "tagged.yaml")
    assert problems and problems[0].line == 2


# --- merge fields -----------------------------------------------------------------------------


def test_merge_fields_render_with_fallbacks_and_report_missing() -> None:
    template = "Hi {first_name|there}, {rep_name} here about {event_name}. {{literal}}"
    rendered = render(template, {"first_name": None, "rep_name": "Maya", "event_name": ""})
    assert rendered.text == "Hi there, Maya here about [event_name]. {literal}"
    assert rendered.missing == ("event_name",)
    assert [u.name for u in find_fields(template)] == ["first_name", "rep_name", "event_name"]


def test_custom_columns_are_merge_fields() -> None:
    text = (
        (FIXTURES / "_valid.yaml")
        .read_text()
        .replace("this is {rep_name}.", "this is {rep_name}, last order {custom.last_order}.")
    )
    script = load_text(text)
    assert "{custom.last_order}" in script.opener
    assert render(script.opener, {"custom.last_order": "May 2024"}).text.endswith("May 2024.")


# --- runner -----------------------------------------------------------------------------------


def bant() -> ScriptRunner:
    script = load_file(next(f for f in default_script_files() if f.stem == "bant"))
    return ScriptRunner(script, today=TODAY)


def test_runner_walks_branches_with_keys_back_and_skip() -> None:
    runner = bant()
    assert runner.current.id == "role_fit"
    assert runner.progress().done == 0
    runner.answer_key("1")  # "Yes, I decide"
    assert runner.answers == {"role_fit": "decides"}
    assert runner.current.id == "need"  # right_person is hidden for a decision maker
    with pytest.raises(AnswerError, match="press 1 to 4"):
        runner.answer_key("9")
    runner.answer("active")
    assert runner.current.id == "timeline"
    runner.back()
    assert runner.current.id == "need"
    runner.answer("none")  # changes the branch: timeline etc. disappear
    assert runner.current.id == "notes"
    assert runner.grade_so_far().grade == "C"
    runner.goto("need")
    with pytest.raises(AnswerError, match="required"):
        runner.skip()
    runner.answer("Actively looking for a solution")  # the label works too
    assert runner.current.id == "timeline"
    # not "C: no immediate need" while Need says actively looking: undecided until it is
    assert runner.grade_so_far() is None
    runner.answer_key("1")
    runner.skip()  # budget is optional
    assert runner.current.id == "wants_meeting"
    assert runner.grade_so_far() is None  # A or B: the meeting question decides
    runner.answer_key("y")
    assert runner.grade_so_far().grade == "A"
    assert runner.implied_disposition() == "qualified"
    assert not runner.finished  # notes still open
    runner.skip()
    assert runner.finished
    result = runner.result()
    assert result.grade == "A" and result.final
    assert result.why == (
        "A (meet now): Has a need and wants to meet a field rep now. "
        "Need: Actively looking for a solution; Wants a meeting: Yes; Timeline: Within 3 months"
    )
    assert runner.progress().done == runner.progress().total


def test_runner_keeps_hidden_answers_out_of_the_result() -> None:
    runner = bant()
    runner.answer("decides")
    runner.answer("active")
    runner.answer("now")
    runner.goto("need")
    runner.answer("not_fit")
    assert "timeline" not in runner.answers
    assert runner.answer_of("timeline") == "now"  # kept in case the rep changes it back
    runner.skip()  # notes
    assert runner.result().grade == "D"
    assert "Does not fit our criteria" in runner.result().why


def test_runner_checks_answers_by_kind() -> None:
    script = load_text((FIXTURES / "_valid.yaml").read_text())
    runner = ScriptRunner(script, today=TODAY)
    with pytest.raises(AnswerError, match="yes or no"):
        runner.answer("perhaps")
    runner.answer("y")
    with pytest.raises(AnswerError, match="not a number"):
        runner.answer("lots")
    runner.answer("$25k")
    assert runner.answers == {"need": True, "budget": 25000}
    assert runner.result().grade == "A"
    assert "Budget: 25,000" in runner.result().why


def test_contact_answer_is_checked_and_normalised() -> None:
    runner = bant()
    runner.answer("wrong_person")
    assert runner.current.id == "right_person"
    with pytest.raises(AnswerError, match="phone number or an email"):
        runner.answer({"first_name": "Ana"})
    with pytest.raises(AnswerError, match="not a valid phone number"):
        runner.answer({"first_name": "Ana", "phone": "555"})
    runner.answer({"first_name": "Ana", "last_name": "Ruiz", "phone": "(415) 555-0132 x12"})
    person = runner.answers["right_person"]
    assert person["e164"] == "+14155550132" and person["extension"] == "12"
    assert runner.implied_disposition() == "wrong_person"
    runner.skip()
    result = runner.result()
    assert result.grade == "D" and result.disposition == "wrong_person"
    assert result.referrals[0]["first_name"] == "Ana"


def test_resumed_runner_starts_at_the_first_open_question() -> None:
    runner = ScriptRunner(bant().script, answers={"role_fit": "decides", "need": "pain"})
    assert runner.current.id == "timeline"
    assert runner.progress().done == 2


def test_date_tests_count_from_the_call_day() -> None:
    script = load_file(next(f for f in default_script_files() if f.stem == "dormant_client"))
    answers = {
        "still_there": True,
        "why_stopped": "price",
        "still_need": True,
        "wants_meeting": False,
    }
    soon = grade(script, {**answers, "next_purchase": "2027-03-01"}, today=TODAY)
    assert soon.grade == "B" and soon.follow_up_date == dt.date(2027, 3, 1)
    far = grade(script, {**answers, "next_purchase": "2028-03-01"}, today=TODAY)
    assert far.grade == "C"


def test_an_answer_can_end_the_call_early() -> None:
    script = load_file(next(f for f in default_script_files() if f.stem == "trade_show"))
    runner = ScriptRunner(script, today=TODAY)
    runner.answer_key("2")  # came for the giveaway
    assert runner.current is None and runner.finished and runner.ended_early()
    assert [q.id for q in runner.visible()] == ["visit_reason"]
    assert runner.progress().fraction == 1.0
    assert runner.result().grade == "D"
    runner.back()
    runner.answer_key("1")  # changed: interested after all
    assert not runner.ended_early() and runner.current.id == "role"
