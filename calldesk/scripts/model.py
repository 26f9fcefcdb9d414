"""What a qualification script is once loaded: questions, conditions and grading rules.

These are plain frozen values built by :mod:`calldesk.scripts.loader` from a validated YAML file;
nothing here reads files or the store. Conditions are data and are evaluated by
:func:`evaluate`, never by Python's ``eval``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

GRADES = ("A", "B", "C", "D")
GRADE_MEANING = {"A": "meet now", "B": "call later", "C": "nurture", "D": "not qualified"}
KINDS = ("choice", "multi_choice", "yes_no", "number", "date", "text", "contact")
# Fields a "contact" answer (the right person, captured by the rep) may carry.
CONTACT_FIELDS = ("first_name", "last_name", "title", "phone", "email", "notes")


@dataclass(frozen=True)
class Choice:
    """One option of a choice or multi-choice question: the stored value and what the rep sees."""

    value: str
    label: str
    line: int


# --- conditions -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Compare:
    """``{question: q, <op>: value}``: one answer compared with data from the script.

    ``op`` is one of ``in``, ``not_in``, ``equals``, ``at_least``, ``at_most``,
    ``within_days`` (a date no later than N days after the call) or ``after_days``.
    """

    question: str
    op: str
    values: tuple[Any, ...]
    line: int


@dataclass(frozen=True)
class Answered:
    """``{question: q, answered: true|false}``."""

    question: str
    expected: bool
    line: int


@dataclass(frozen=True)
class AllOf:
    items: tuple[Condition, ...]
    line: int


@dataclass(frozen=True)
class AnyOf:
    items: tuple[Condition, ...]
    line: int


@dataclass(frozen=True)
class Not:
    item: Condition
    line: int


Condition = Compare | Answered | AllOf | AnyOf | Not


def condition_questions(condition: Condition) -> Iterator[str]:
    """Every question id a condition looks at."""
    if isinstance(condition, Compare | Answered):
        yield condition.question
    elif isinstance(condition, AllOf | AnyOf):
        for item in condition.items:
            yield from condition_questions(item)
    else:
        yield from condition_questions(condition.item)


def evaluate(
    condition: Condition, answers: Mapping[str, Any], today: dt.date
) -> tuple[bool, list[str]]:
    """Whether ``condition`` holds for ``answers``, and the questions that decided it.

    An unanswered question satisfies no comparison (``not_in`` included): only ``answered:
    false`` or a ``not`` says something about a missing answer. The deciding questions of a true
    ``any`` are those of its first true branch, so the grade's "why" names what mattered.
    """
    if isinstance(condition, Answered):
        return (condition.question in answers) == condition.expected, [condition.question]
    if isinstance(condition, Compare):
        if condition.question not in answers:
            return False, []
        return _compare(condition, answers[condition.question], today), [condition.question]
    if isinstance(condition, AllOf):
        deciding: list[str] = []
        for item in condition.items:
            ok, why = evaluate(item, answers, today)
            if not ok:
                return False, []
            deciding.extend(q for q in why if q not in deciding)
        return True, deciding
    if isinstance(condition, AnyOf):
        for item in condition.items:
            ok, why = evaluate(item, answers, today)
            if ok:
                return True, why
        return False, []
    ok, _ = evaluate(condition.item, answers, today)
    return (not ok), list(dict.fromkeys(condition_questions(condition.item)))


def _compare(condition: Compare, answer: Any, today: dt.date) -> bool:
    op, values = condition.op, condition.values
    if op in ("in", "not_in", "equals"):
        given = set(answer) if isinstance(answer, list) else {answer}
        hit = bool(given & set(values))
        return not hit if op == "not_in" else hit
    if op in ("at_least", "at_most"):
        if not isinstance(answer, int | float) or isinstance(answer, bool):
            return False
        return answer >= values[0] if op == "at_least" else answer <= values[0]
    # within_days / after_days: the answer is an ISO date
    try:
        when = dt.date.fromisoformat(str(answer))
    except ValueError:
        return False
    limit = today + dt.timedelta(days=int(values[0]))
    return when <= limit if op == "within_days" else when > limit


# --- questions, rules, scripts ----------------------------------------------------------------


@dataclass(frozen=True)
class Question:
    """One question the rep asks. ``label`` is the short name used in the grade's "why"."""

    id: str
    kind: str
    prompt: str
    label: str
    line: int
    required: bool = False
    choices: tuple[Choice, ...] = ()
    show_if: Condition | None = None
    end_if: Condition | None = None
    help: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    unit: str | None = None

    def choice(self, value: str) -> Choice | None:
        return next((c for c in self.choices if c.value == value), None)


@dataclass(frozen=True)
class Rule:
    """A grading rule: when ``when`` holds (first matching rule wins) the grade is ``grade``.

    ``when`` is None only for the script's ``otherwise`` rule. ``follow_up`` names a date
    question whose answer dates a B follow-up; ``days`` is the follow-up (B) or nurture (C)
    period when no date is given.
    """

    number: int  # 1-based position; 0 for "otherwise"
    grade: str
    when: Condition | None
    line: int
    why: str | None = None
    disposition: str = "qualified"
    follow_up: str | None = None
    days: int | None = None

    @property
    def name(self) -> str:
        if self.number == 0:
            return f"the 'otherwise' rule (grade {self.grade})"
        return f"grading rule {self.number} (grade {self.grade})"


@dataclass(frozen=True)
class Objection:
    """An objection the rep may hear and the suggested answer."""

    objection: str
    response: str
    line: int


@dataclass(frozen=True)
class ScriptDef:
    """A validated script: what the runner asks and how the answers are graded."""

    key: str
    name: str
    opener: str
    questions: tuple[Question, ...]
    rules: tuple[Rule, ...]
    otherwise: Rule | None
    description: str = ""
    closing: str = ""
    objections: tuple[Objection, ...] = ()
    follow_up_days: int = 30
    nurture_days: int = 90
    meeting_minutes: int = 45
    source: str = "<script>"
    text: str = ""
    sha256: str = ""
    version: int | None = None
    _by_id: dict[str, Question] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._by_id.update({q.id: q for q in self.questions})

    def question(self, question_id: str) -> Question | None:
        return self._by_id.get(question_id)

    def with_version(self, version: int) -> ScriptDef:
        from dataclasses import replace

        return replace(self, version=version, _by_id={})


_OP_WORDS = {
    "in": "is one of",
    "not_in": "is none of",
    "equals": "is",
    "at_least": "is at least",
    "at_most": "is at most",
    "within_days": "is within days:",
    "after_days": "is later than days:",
}


def describe_condition(condition: Condition) -> str:
    """A condition in words, for the script editor and ``calldesk script show``."""
    if isinstance(condition, Answered):
        return f"{condition.question} is {'answered' if condition.expected else 'not answered'}"
    if isinstance(condition, Compare):
        shown = ", ".join(
            ("yes" if v else "no") if isinstance(v, bool) else str(v) for v in condition.values
        )
        words = _OP_WORDS[condition.op]
        if condition.op in ("in", "not_in") and len(condition.values) > 1:
            shown = f"({shown})"
        elif condition.op in ("in", "not_in"):
            words = "is" if condition.op == "in" else "is not"
        return f"{condition.question} {words} {shown}"
    if isinstance(condition, Not):
        return f"not ({describe_condition(condition.item)})"
    joiner = " and " if isinstance(condition, AllOf) else " or "
    parts = [
        f"({describe_condition(c)})" if isinstance(c, AllOf | AnyOf) else describe_condition(c)
        for c in condition.items
    ]
    return joiner.join(parts)
