"""A graded call recorded without the window: the script's answers checked and graded headless.

The desk walks a :class:`~calldesk.scripts.runner.ScriptRunner` question by question; the
command line (``calldesk call record --answer KEY=VALUE ...``) hands all the answers at once.
Both end in the same :class:`~calldesk.scripts.grading.GradeResult` that
:func:`calldesk.outcomes.record_outcome` takes, so a call graded on the command line is
recorded, handed off and synced exactly like one graded at the desk.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session

from calldesk.models import Campaign, Claim, Contact
from calldesk.scripts.grading import GradeResult
from calldesk.scripts.model import ScriptDef
from calldesk.scripts.runner import AnswerError, ScriptRunner


class GradedCallError(ValueError):
    """The answers cannot be graded (unknown question, missing required answer, ...)."""


def campaign_script(session: Session, campaign_id: int | None) -> ScriptDef | None:
    """The script a campaign's calls follow (the default campaign's when it names none)."""
    from calldesk.scripts.library import get_script

    key = None
    if campaign_id is not None:
        key = session.scalar(select(Campaign.script_key).where(Campaign.id == campaign_id))
    if not key:
        key = session.scalar(select(Campaign.script_key).where(Campaign.is_default))
    return get_script(session, key) if key else None


def parse_answer_pairs(pairs: list[str]) -> dict[str, str]:
    """``["need=active", "budget=yes"]`` as a dict; refuses a pair without ``=``."""
    answers: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise GradedCallError(f"--answer {pair!r}: write it as QUESTION=VALUE")
        answers[key.strip()] = value.strip()
    return answers


def grade_answers(
    session: Session,
    *,
    claim_id: int,
    answers: Mapping[str, Any],
    at: dt.datetime,
    final: bool = True,
    expect_grade: str | None = None,
) -> GradeResult | None:
    """The grade ``answers`` give under the script of the claim's campaign.

    Each answer is checked as the desk checks a typed one (choices by value or label, yes/no,
    numbers, dates). Questions left out are skipped as the rep would skip them; a required one
    that is asked and not answered is refused. ``final=False`` gives the grade so far (a
    wrong-person call). ``expect_grade`` (A-D) must be the grade the answers lead to.
    """
    claim = session.get(Claim, claim_id)
    if claim is None:
        raise GradedCallError(f"no claim {claim_id}")
    script = campaign_script(session, claim.campaign_id)
    if script is None:
        raise GradedCallError("this contact's campaign has no script to grade the answers by")
    unknown = [key for key in answers if script.question(key) is None]
    if unknown:
        ids = ", ".join(q.id for q in script.questions)
        raise GradedCallError(
            f"the script {script.key!r} has no question {unknown[0]!r} (its questions: {ids})"
        )
    contact = session.get(Contact, claim.contact_id)
    runner = ScriptRunner(script, today=_local_day(session, contact, at))
    given = dict(answers)
    try:
        while runner.current is not None:
            question = runner.current
            if question.id in given:
                runner.answer(given.pop(question.id))
            elif final and question.required:
                raise GradedCallError(
                    f"'{question.label}' is required: give it with --answer {question.id}=..."
                )
            elif question.required:
                break
            else:
                runner.skip()
    except AnswerError as exc:
        raise GradedCallError(str(exc)) from exc
    if final and given:
        raise GradedCallError(
            f"question {next(iter(given))!r} is not asked on this call, given the other answers"
        )
    result = runner.result() if final else runner.grade_so_far()
    if final and result is None:
        raise GradedCallError("the answers do not reach a grade under the script's rules")
    if expect_grade is not None:
        wanted = expect_grade.strip().upper()
        if result is None or result.grade != wanted:
            got = f"{result.grade} ({result.why})" if result else "no grade"
            raise GradedCallError(f"the answers grade {got}, not {wanted}: check the answers")
    return result


def _local_day(session: Session, contact: Contact | None, at: dt.datetime) -> dt.date:
    from calldesk.handoff import contact_zone

    zone = contact_zone(session, contact) if contact is not None else None
    try:
        return at.astimezone(ZoneInfo(zone)).date() if zone else at.date()
    except (ZoneInfoNotFoundError, ValueError):
        return at.date()
