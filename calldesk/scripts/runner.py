"""The script runner: a headless state machine the desk (and the tests) drive.

The runner walks the script's visible questions in order. A question is visible when its
``show_if`` holds for the answers given so far and no earlier answer ended the script
(``end_if``). Answers to questions that a changed branch hides are kept (the rep may change the
answer back) but are not part of :attr:`ScriptRunner.answers`, so they are never stored or graded.

Keyboard: :meth:`ScriptRunner.answer_key` maps the digits 1-9 to a choice question's choices (in
order) and 1/2 or y/n to yes/no, so the desk can offer one-key answers.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from calldesk.phones import Policy, to_number
from calldesk.scripts.grading import GradeResult, grade
from calldesk.scripts.model import CONTACT_FIELDS, Question, ScriptDef, evaluate


def personalise(script: ScriptDef, values: Mapping[str, str | None]) -> ScriptDef:
    """``script`` with every text a rep reads aloud rendered for one contact.

    Opener, closing, question prompts and help, and objection answers get their merge fields
    filled (defaults used, empty ones left out: see :func:`calldesk.scripts.merge.speakable`), so
    no screen shows ``{event_name|the show}``. A referred contact (``referred_by`` in
    ``values``) gets :data:`~calldesk.scripts.merge.REFERRAL_OPENER` instead of the script's
    opener. Questions, rules and version are unchanged: the answers are graded and recorded
    against the same script.
    """
    from calldesk.scripts.merge import REFERRAL_OPENER, speakable

    given = dict(values)
    # A referred person hears who sent the rep, not a thank-you for a visit she never made.
    opener = REFERRAL_OPENER if given.get("referred_by") else script.opener

    def say(text: str | None) -> str | None:
        return speakable(text, given) if text else text

    questions = tuple(
        replace(q, prompt=say(q.prompt) or "", help=say(q.help)) for q in script.questions
    )
    objections = tuple(
        replace(o, objection=say(o.objection) or "", response=say(o.response) or "")
        for o in script.objections
    )
    return replace(
        script,
        opener=say(opener) or "",
        closing=say(script.closing) or "",
        questions=questions,
        objections=objections,
        _by_id={},
    )


class AnswerError(ValueError):
    """An answer that does not fit its question; the message says what would."""


@dataclass(frozen=True)
class Progress:
    """How far the call is: answered (or skipped) of the questions visible now."""

    done: int
    total: int

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else 1.0


class ScriptRunner:
    """Drive one call through ``script``.

    ``answers`` resumes a call (e.g. the desk re-opened); ``today`` is the call's date in the
    contact's zone, used by date tests; ``default_region`` parses a captured person's phone.
    """

    def __init__(
        self,
        script: ScriptDef,
        *,
        answers: Mapping[str, Any] | None = None,
        today: dt.date | None = None,
        default_region: str | None = "US",
    ) -> None:
        self.script = script
        self.today = today or dt.date.today()
        self.default_region = default_region
        self._answers: dict[str, Any] = {}
        self._skipped: set[str] = set()
        for qid, value in (answers or {}).items():
            question = script.question(qid)
            if question is not None and value is not None:
                self._answers[qid] = self.coerce(question, value)
        self._current: str | None = None
        self._current = self._next_open(after=None)

    # --- state ------------------------------------------------------------------------------

    def visible(self) -> list[Question]:
        """The questions asked on this call, given the answers so far, in order."""
        shown: list[Question] = []
        for question in self.script.questions:
            if (
                question.show_if is not None
                and not evaluate(question.show_if, self._answers, self.today)[0]
            ):
                continue
            shown.append(question)
            if (
                question.end_if is not None
                and question.id in self._answers
                and evaluate(question.end_if, self._answers, self.today)[0]
            ):
                break
        return shown

    @property
    def current(self) -> Question | None:
        """The question to ask now; None when every visible question is answered or skipped."""
        return self.script.question(self._current) if self._current else None

    @property
    def answers(self) -> dict[str, Any]:
        """The answers that count: those of visible questions, in script order."""
        return {q.id: self._answers[q.id] for q in self.visible() if q.id in self._answers}

    def answer_of(self, question_id: str) -> Any:
        return self._answers.get(question_id)

    @property
    def finished(self) -> bool:
        """True when nothing is left to ask and every visible required question is answered."""
        return self._current is None and not self.missing_required()

    def missing_required(self) -> list[Question]:
        return [q for q in self.visible() if q.required and q.id not in self._answers]

    def progress(self) -> Progress:
        shown = self.visible()
        done = sum(1 for q in shown if q.id in self._answers or q.id in self._skipped)
        return Progress(done, len(shown))

    def ended_early(self) -> bool:
        """True when an answer ended the script before its last question (``end_if``)."""
        shown = self.visible()
        return bool(shown) and shown[-1].end_if is not None and shown[-1].id in self._answers

    # --- moves ------------------------------------------------------------------------------

    def answer(self, value: Any) -> Question | None:
        """Answer the current question and move on; returns the next question (or None)."""
        question = self._require_current()
        self._answers[question.id] = self.coerce(question, value)
        self._skipped.discard(question.id)
        self._current = self._next_open(after=question.id)
        return self.current

    def answer_key(self, key: str) -> Question | None:
        """Answer the current question with one key (see the module docstring)."""
        question = self._require_current()
        return self.answer(self.key_value(question, key))

    @staticmethod
    def key_value(question: Question, key: str) -> Any:
        """The answer a key stands for on ``question``; :class:`AnswerError` if none."""
        key = key.strip().lower()
        if question.kind == "yes_no":
            if key in ("1", "y"):
                return True
            if key in ("2", "n"):
                return False
            raise AnswerError("press 1 or Y for yes, 2 or N for no")
        if question.kind == "choice" and key.isdigit():
            index = int(key) - 1
            if 0 <= index < len(question.choices):
                return question.choices[index].value
        if question.kind == "choice":
            raise AnswerError(f"press 1 to {len(question.choices)} to choose")
        raise AnswerError(f"a {question.kind} question is answered by typing, not one key")

    def skip(self) -> Question | None:
        """Skip the current question (not allowed when it is required)."""
        question = self._require_current()
        if question.required:
            raise AnswerError(f"'{question.label}' is required and cannot be skipped")
        self._answers.pop(question.id, None)
        self._skipped.add(question.id)
        self._current = self._next_open(after=question.id)
        return self.current

    def back(self) -> Question | None:
        """Go to the previous visible question (its answer stays until changed)."""
        shown = [q.id for q in self.visible()]
        if self._current in shown:
            index = shown.index(self._current)
            if index == 0:
                return self.current
            self._current = shown[index - 1]
        elif shown:
            self._current = shown[-1]
        return self.current

    def goto(self, question_id: str) -> Question:
        """Jump to a visible question, e.g. to change an earlier answer."""
        if question_id not in {q.id for q in self.visible()}:
            raise AnswerError(f"question '{question_id}' is not asked on this call")
        self._current = question_id
        return self.script.question(question_id)  # type: ignore[return-value]

    def _require_current(self) -> Question:
        question = self.current
        if question is None:
            raise AnswerError("the script is finished; go back to change an answer")
        return question

    def _next_open(self, after: str | None) -> str | None:
        shown = self.visible()
        ids = [q.id for q in shown]
        start = ids.index(after) + 1 if after in ids else 0
        open_ids = [q.id for q in shown if q.id not in self._answers and q.id not in self._skipped]
        for qid in ids[start:]:
            if qid in open_ids:
                return qid
        return open_ids[0] if open_ids else None

    # --- grading ----------------------------------------------------------------------------

    def grade_so_far(self) -> GradeResult | None:
        """The grade the answers lead to now (final once the script is finished)."""
        if self.finished:
            return grade(self.script, self.answers, today=self.today, final=True)
        pending = {q.id for q in self.script.questions if q.id not in self._answers} - self._skipped
        return grade(self.script, self.answers, today=self.today, final=False, pending=pending)

    def result(self) -> GradeResult | None:
        """The final grade; None until the script is finished."""
        if not self.finished:
            return None
        return grade(self.script, self.answers, today=self.today, final=True)

    def implied_disposition(self) -> str | None:
        """The disposition the answers imply: the matching rule's, or None without a grade."""
        result = self.grade_so_far()
        if result is not None:
            return result.disposition
        if any(q.kind == "contact" for q in self.visible() if q.id in self._answers):
            return "wrong_person"
        return None

    # --- answers ----------------------------------------------------------------------------

    def coerce(self, question: Question, value: Any) -> Any:
        """``value`` as stored for ``question`` (JSON-able), or :class:`AnswerError`."""
        kind = question.kind
        if kind == "yes_no":
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in ("yes", "y", "true", "1"):
                return True
            if text in ("no", "n", "false", "0"):
                return False
            raise AnswerError(f"'{question.label}' is answered yes or no")
        if kind == "choice":
            return self._choice(question, value)
        if kind == "multi_choice":
            values = [value] if isinstance(value, str) else list(value)
            chosen = [self._choice(question, v) for v in values]
            if not chosen:
                raise AnswerError(f"choose at least one for '{question.label}' (or skip it)")
            order = [c.value for c in question.choices]
            return sorted(set(chosen), key=order.index)
        if kind == "number":
            return self._number(question, value)
        if kind == "date":
            return self._date(question, value)
        if kind == "contact":
            return self._contact(question, value)
        text = str(value).strip()
        if not text:
            raise AnswerError(f"'{question.label}' needs some text (or skip it)")
        return text

    @staticmethod
    def _choice(question: Question, value: Any) -> str:
        text = str(value).strip()
        for choice in question.choices:
            if text == choice.value:
                return choice.value
        for choice in question.choices:
            if text.casefold() == choice.label.casefold():
                return choice.value
        options = ", ".join(c.label for c in question.choices)
        raise AnswerError(f"'{text}' is not a choice of '{question.label}' ({options})")

    @staticmethod
    def _number(question: Question, value: Any) -> int | float:
        if isinstance(value, bool):
            raise AnswerError(f"'{question.label}' is a number")
        if isinstance(value, int | float):
            number: int | float = value
        else:
            text = re.sub(r"[\s,$€£]", "", str(value)).lower()
            scale = 1
            if text[-1:] in ("k", "m"):
                scale = 1000 if text[-1] == "k" else 1_000_000
                text = text[:-1]
            try:
                number = float(text) * scale
            except ValueError:
                raise AnswerError(f"'{value}' is not a number ('{question.label}')") from None
        if isinstance(number, float) and number.is_integer():
            number = int(number)
        if question.minimum is not None and number < question.minimum:
            raise AnswerError(f"'{question.label}' is at least {question.minimum}")
        if question.maximum is not None and number > question.maximum:
            raise AnswerError(f"'{question.label}' is at most {question.maximum}")
        return number

    @staticmethod
    def _date(question: Question, value: Any) -> str:
        if isinstance(value, dt.datetime):
            return value.date().isoformat()
        if isinstance(value, dt.date):
            return value.isoformat()
        try:
            return dt.date.fromisoformat(str(value).strip()).isoformat()
        except ValueError:
            raise AnswerError(
                f"'{value}' is not a date; write it as YYYY-MM-DD ('{question.label}')"
            ) from None

    def _contact(self, question: Question, value: Any) -> dict[str, str]:
        if not isinstance(value, Mapping):
            raise AnswerError(f"'{question.label}' is a person: name, title, phone, email")
        unknown = set(value) - set(CONTACT_FIELDS) - {"e164"}
        if unknown:
            raise AnswerError(f"unknown fields for a person: {', '.join(sorted(unknown))}")
        person = {k: str(value[k]).strip() for k in CONTACT_FIELDS if value.get(k)}
        if not (person.get("first_name") or person.get("last_name")):
            raise AnswerError("the person needs a name")
        if not (person.get("phone") or person.get("email")):
            raise AnswerError("the person needs a phone number or an email address")
        if person.get("phone"):
            info = to_number(person["phone"], self.default_region, Policy.DIAL)
            if info is None or not info.valid or not info.e164:
                why = f" ({info.reason})" if info is not None and info.reason else ""
                raise AnswerError(f"'{person['phone']}' is not a valid phone number{why}")
            person["e164"] = info.e164
            if info.extension:
                person["extension"] = info.extension
        if person.get("email") and "@" not in person["email"]:
            raise AnswerError(f"'{person['email']}' is not an email address")
        return person
