"""Turning answers into a grade with a "why" a person can read.

The first rule whose condition holds gives the grade (the script's ``otherwise`` when none
does); the "why" names the rule's own reason and the answers that decided it, e.g.
``"A (meet now): needs a solution and wants a meeting. Need: Yes; Timeline: Within 3 months"``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from calldesk.scripts.model import (
    GRADE_MEANING,
    AllOf,
    Answered,
    AnyOf,
    Compare,
    Condition,
    Question,
    Rule,
    ScriptDef,
    evaluate,
)


@dataclass(frozen=True)
class DecidingAnswer:
    """One answer that decided a grade, as the "why" shows it."""

    question_id: str
    label: str
    answer: str


@dataclass(frozen=True)
class GradeResult:
    """A grade, why, and what the hand-off needs to act on it.

    ``final`` is False for a grade-so-far (the script is not finished). ``follow_up_date`` is
    the answered date of a B follow-up; ``days`` the follow-up (B) or nurture (C) period.
    ``referrals`` are the "contact" answers: other people the rep captured.
    """

    grade: str
    why: str
    disposition: str
    rule_number: int  # 0: the script's "otherwise"
    deciding: tuple[DecidingAnswer, ...]
    script_key: str
    script_version: int | None
    answers: dict[str, Any] = field(default_factory=dict)
    referrals: tuple[dict[str, Any], ...] = ()
    follow_up_date: dt.date | None = None
    days: int | None = None
    meeting_minutes: int = 45
    summary: str = ""
    final: bool = True

    @property
    def meaning(self) -> str:
        return GRADE_MEANING[self.grade]

    def as_dict(self) -> dict[str, Any]:
        return {
            "grade": self.grade,
            "meaning": self.meaning,
            "why": self.why,
            "disposition": self.disposition,
            "rule": self.rule_number,
            "deciding": [d.__dict__ for d in self.deciding],
            "script_key": self.script_key,
            "script_version": self.script_version,
            "follow_up_date": self.follow_up_date.isoformat() if self.follow_up_date else None,
            "days": self.days,
            "referrals": [dict(r) for r in self.referrals],
            "summary": self.summary,
            "final": self.final,
        }

    def to_dict(self) -> dict[str, Any]:
        """Same as :meth:`as_dict`."""
        return self.as_dict()


def format_answer(question: Question | None, value: Any) -> str:
    """An answer as a person reads it: choice labels, yes/no, dates, the captured person."""
    if value is None:
        return "(not answered)"
    if question is None:
        return str(value)
    if question.kind == "yes_no":
        return "Yes" if value else "No"
    if question.kind in ("choice", "multi_choice"):
        values = value if isinstance(value, list) else [value]
        labels = [(question.choice(v).label if question.choice(v) else str(v)) for v in values]
        return ", ".join(labels)
    if question.kind == "number":
        number = f"{value:,.0f}" if float(value).is_integer() else f"{value:,}"
        return f"{number} {question.unit}" if question.unit else number
    if question.kind == "date":
        try:
            day = dt.date.fromisoformat(str(value))
        except ValueError:
            return str(value)
        return f"{day:%a} {day.day} {day:%b %Y}"
    if question.kind == "contact" and isinstance(value, Mapping):
        name = " ".join(str(value[k]) for k in ("first_name", "last_name") if value.get(k))
        extra = [str(value[k]) for k in ("title", "phone", "email") if value.get(k)]
        return ", ".join([name or "(no name)", *extra])
    return str(value)


def grade(
    script: ScriptDef,
    answers: Mapping[str, Any],
    *,
    today: dt.date,
    final: bool = True,
    pending: Collection[str] | None = None,
) -> GradeResult | None:
    """The grade ``answers`` lead to under ``script``, or None when no rule applies yet.

    ``today`` is the call's date in the contact's zone (date tests such as "within 90 days"
    count from it). With ``final=False`` the ``otherwise`` rule is not used: a grade-so-far is
    only shown when a rule actually matches and no earlier rule could still match once the
    ``pending`` questions (default: every unanswered one) are answered.
    """
    answers = {k: v for k, v in answers.items() if v is not None}
    chosen: Rule | None = None
    deciding_ids: list[str] = []
    if not final and pending is None:
        pending = {q.id for q in script.questions if q.id not in answers}
    for rule in script.rules:
        assert rule.when is not None
        if not final and _may_hold(rule.when, answers, today, pending or set()) is None:
            # An earlier rule may still match once more is answered: the grade is not decided
            # yet, and a later rule's reason could contradict what comes ("C: no immediate
            # need" while the Need answer says "actively looking").
            return None
        ok, deciding_ids = evaluate(rule.when, answers, today)
        if ok:
            chosen = rule
            break
    if chosen is None:
        if not final or script.otherwise is None:
            return None
        chosen, deciding_ids = script.otherwise, []
    deciding = tuple(
        DecidingAnswer(qid, q.label if q else qid, format_answer(q, answers.get(qid)))
        for qid in deciding_ids
        for q in (script.question(qid),)
    )
    why = _why(chosen, deciding)
    follow_up_date = None
    if chosen.follow_up and answers.get(chosen.follow_up):
        try:
            follow_up_date = dt.date.fromisoformat(str(answers[chosen.follow_up]))
        except ValueError:
            follow_up_date = None
    days = chosen.days
    if days is None and chosen.grade == "B":
        days = script.follow_up_days
    if days is None and chosen.grade == "C":
        days = script.nurture_days
    referrals = tuple(
        dict(answers[q.id])
        for q in script.questions
        if q.kind == "contact" and isinstance(answers.get(q.id), Mapping)
    )
    result = GradeResult(
        grade=chosen.grade,
        why=why,
        disposition=chosen.disposition,
        rule_number=chosen.number,
        deciding=deciding,
        script_key=script.key,
        script_version=script.version,
        answers=dict(answers),
        referrals=referrals,
        follow_up_date=follow_up_date,
        days=days,
        meeting_minutes=script.meeting_minutes,
        final=final,
    )
    return _with_summary(result, script)


def _why(rule: Rule, deciding: tuple[DecidingAnswer, ...]) -> str:
    head = f"{rule.grade} ({GRADE_MEANING[rule.grade]})"
    reason = rule.why.strip().rstrip(".") if rule.why else ""
    if rule.number == 0 and not reason:
        reason = "no grading rule matched"
    facts = "; ".join(f"{d.label}: {d.answer}" for d in deciding)
    parts = [p for p in (reason, facts) if p]
    return head + (": " + ". ".join(parts) if parts else "")


def qualification_summary(script: ScriptDef, answers: Mapping[str, Any], why: str = "") -> str:
    """The plain-text summary a field rep reads: the grade's why, then every answer given."""
    lines = [why] if why else []
    for question in script.questions:
        if question.id in answers and answers[question.id] is not None:
            lines.append(f"- {question.label}: {format_answer(question, answers[question.id])}")
    return "\n".join(lines)


def _with_summary(result: GradeResult, script: ScriptDef) -> GradeResult:
    from dataclasses import replace

    return replace(result, summary=qualification_summary(script, result.answers, result.why))


def _may_hold(
    condition: Condition, answers: Mapping[str, Any], today: dt.date, pending: Collection[str]
) -> bool | None:
    """``condition`` in three values: True or False when the answers settle it, None while it
    depends on a ``pending`` question (one that may still be answered)."""
    if isinstance(condition, Answered | Compare):
        if condition.question not in answers and condition.question in pending:
            return None
        return evaluate(condition, answers, today)[0]
    if isinstance(condition, AllOf | AnyOf):
        values = [_may_hold(item, answers, today, pending) for item in condition.items]
        settle = isinstance(condition, AnyOf)  # any True settles AnyOf; any False, AllOf
        if settle in values:
            return settle
        return None if None in values else not settle
    inner = _may_hold(condition.item, answers, today, pending)
    return None if inner is None else not inner
