"""Static checks of a script's grading: rules that can never fire, answers that get no grade.

Every complete way through the script is enumerated over the questions the branches and rules
look at, each with a few representative answers (every choice, yes and no, each side of every
number or date threshold, unanswered when the question may be skipped or is hidden). Scripts are
small, so this is exact for the tests a script can express and fast; a script too large to
enumerate is left unchecked rather than slowed down.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from calldesk.scripts.loader import ScriptProblem
from calldesk.scripts.model import (
    Compare,
    Condition,
    Question,
    ScriptDef,
    condition_questions,
    evaluate,
)

_TODAY = dt.date(2030, 1, 1)
MAX_PATHS = 200_000


def check_reachability(script: ScriptDef) -> list[ScriptProblem]:
    """Problems with the grading rules of an otherwise valid ``script``."""
    relevant = _relevant_questions(script)
    options = {q.id: _candidates(q, script) for q in relevant}
    size = 1
    for q in relevant:
        size *= len(options[q.id]) + 1
    if size > MAX_PATHS:
        return []
    rules = script.rules
    matched = [False] * len(rules)  # the rule's own condition held somewhere
    won = [False] * len(rules)  # the rule was the first to match somewhere
    shadowed_by: list[set[int]] = [set() for _ in rules]
    uncovered: dict[str, Any] | None = None

    def leaf(answers: dict[str, Any]) -> None:
        nonlocal uncovered
        first: int | None = None
        for index, rule in enumerate(rules):
            assert rule.when is not None
            if evaluate(rule.when, answers, _TODAY)[0]:
                matched[index] = True
                if first is None:
                    first = index
                    won[index] = True
                else:
                    shadowed_by[index].add(first)
        if first is None and script.otherwise is None and uncovered is None:
            uncovered = dict(answers)

    def walk(position: int, answers: dict[str, Any], ended: bool) -> None:
        if position == len(relevant):
            leaf(answers)
            return
        question = relevant[position]
        hidden = ended or (
            question.show_if is not None and not evaluate(question.show_if, answers, _TODAY)[0]
        )
        if hidden:
            walk(position + 1, answers, ended)
            return
        if not question.required:
            walk(position + 1, answers, ended)
        for value in options[question.id]:
            answers[question.id] = value
            stops = question.end_if is not None and evaluate(question.end_if, answers, _TODAY)[0]
            walk(position + 1, answers, ended or stops)
            del answers[question.id]

    walk(0, {}, False)
    problems = []
    for index, rule in enumerate(rules):
        if won[index]:
            continue
        if not matched[index]:
            message = (
                f"{rule.name} is unreachable: no possible answers satisfy its 'when' "
                "(check the values it tests and the show_if/end_if of those questions)"
            )
        else:
            earlier = ", ".join(
                f"rule {rules[i].number} (grade {rules[i].grade}, line {rules[i].line})"
                for i in sorted(shadowed_by[index])
            )
            message = (
                f"{rule.name} is unreachable: every answer it matches is already graded by "
                f"{earlier} (the first matching rule wins)"
            )
        problems.append(ScriptProblem(script.source, rule.line, message))
    if uncovered is not None:
        example = "; ".join(
            f"{q.id} = {_show(uncovered.get(q.id))}" for q in relevant if q.id in uncovered
        )
        line = rules[-1].line if rules else 1
        problems.append(
            ScriptProblem(
                script.source,
                line,
                "some answers get no grade (for example "
                f"{example or 'no answers at all'}); add a rule for them or an 'otherwise' grade",
            )
        )
    return problems


def _relevant_questions(script: ScriptDef) -> list[Question]:
    conditions: list[Condition] = [r.when for r in script.rules if r.when is not None]
    for q in script.questions:
        conditions.extend(c for c in (q.show_if, q.end_if) if c is not None)
    referenced = {qid for c in conditions for qid in condition_questions(c)}
    return [q for q in script.questions if q.id in referenced or q.end_if is not None]


def _thresholds(script: ScriptDef, question_id: str) -> list[Compare]:
    found: list[Compare] = []

    def visit(condition: Condition | None) -> None:
        if condition is None:
            return
        if isinstance(condition, Compare):
            if condition.question == question_id:
                found.append(condition)
        elif hasattr(condition, "items"):
            for item in condition.items:  # type: ignore[union-attr]
                visit(item)
        elif hasattr(condition, "item"):
            visit(condition.item)  # type: ignore[union-attr]

    for rule in script.rules:
        visit(rule.when)
    for q in script.questions:
        visit(q.show_if)
        visit(q.end_if)
    return found


def _candidates(question: Question, script: ScriptDef) -> list[Any]:
    """Representative answers: one per distinguishable case of the script's tests."""
    kind = question.kind
    if kind == "yes_no":
        return [True, False]
    if kind == "choice":
        return [c.value for c in question.choices]
    if kind == "multi_choice":
        values = [c.value for c in question.choices]
        if len(values) <= 5:
            return [
                list(combo)
                for size in range(1, len(values) + 1)
                for combo in itertools.combinations(values, size)
            ]
        return [[v] for v in values] + [values]
    if kind == "number":
        points: set[float] = {0}
        for compare in _thresholds(script, question.id):
            for value in compare.values:
                points.update((value - 1, value, value + 1))
        return sorted(points)
    if kind == "date":
        offsets: set[int] = {0}
        for compare in _thresholds(script, question.id):
            days = int(compare.values[0])
            offsets.update((days, days + 1))
        return [(_TODAY + dt.timedelta(days=d)).isoformat() for d in sorted(offsets)]
    if kind == "contact":
        return [{"first_name": "someone"}]
    return ["text"]


def _show(value: Any) -> str:
    if value is None:
        return "unanswered"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return "[" + ", ".join(map(str, value)) + "]"
    return str(value)
