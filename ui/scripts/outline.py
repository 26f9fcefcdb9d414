"""A script as a manager reads it: the questions in order (with their branches) and the grading
rules, first match wins. Text is inserted as text, so nothing in the script is ever markup."""

from __future__ import annotations

from PySide6.QtGui import QFont, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import QTextEdit, QWidget

from calldesk.scripts.model import GRADE_MEANING, Question, Rule, ScriptDef, describe_condition

KIND_WORDS = {
    "choice": "one choice",
    "multi_choice": "several choices",
    "yes_no": "yes or no",
    "number": "a number",
    "date": "a date",
    "text": "free text",
    "contact": "another person (captured as a new contact)",
}


def question_lines(number: int, question: Question) -> list[str]:
    """The lines that describe one question, the first one being its heading."""
    flags = [KIND_WORDS.get(question.kind, question.kind)]
    if question.required:
        flags.append("required")
    if question.unit:
        flags.append(f"in {question.unit}")
    low, high = question.minimum, question.maximum
    if low is not None and high is not None:
        flags.append(f"{low:g} to {high:g}")
    elif low is not None:
        flags.append(f"at least {low:g}")
    elif high is not None:
        flags.append(f"at most {high:g}")
    lines = [f"{number}. {question.label} ({', '.join(flags)})", f"    “{question.prompt.strip()}”"]
    for index, choice in enumerate(question.choices, start=1):
        lines.append(f"      {index}  {choice.label}")
    if question.show_if is not None:
        lines.append(f"    Asked only when {describe_condition(question.show_if)}")
    if question.end_if is not None:
        lines.append(f"    The call ends here when {describe_condition(question.end_if)}")
    if question.help:
        lines.append(f"    Hint: {question.help.strip()}")
    return lines


def rule_lines(rule: Rule) -> list[str]:
    heading = (
        f"Otherwise: {rule.grade} ({GRADE_MEANING[rule.grade]})"
        if rule.when is None
        else f"{rule.number}. {rule.grade} ({GRADE_MEANING[rule.grade]}) when "
        f"{describe_condition(rule.when)}"
    )
    lines = [heading]
    if rule.why:
        lines.append(f"    Why: {rule.why.strip()}")
    extra = []
    if rule.disposition != "qualified":
        extra.append(f"recorded as {rule.disposition}")
    if rule.follow_up:
        extra.append(f"follow-up on the date answered to {rule.follow_up}")
    if rule.days:
        extra.append(f"after {rule.days} days")
    if extra:
        lines.append("    " + "; ".join(extra).capitalize())
    return lines


class ScriptOutline(QTextEdit):
    """Read-only outline of a :class:`ScriptDef`."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("scriptOutline")
        self.setReadOnly(True)
        self.setAcceptRichText(False)

    def show_script(self, script: ScriptDef | None, note: str = "") -> None:
        self.clear()
        cursor = QTextCursor(self.document())
        plain = QTextCharFormat()
        bold = QTextCharFormat()
        bold.setFontWeight(QFont.Weight.Bold)
        title = QTextCharFormat(bold)
        title.setFontPointSize(self.font().pointSizeF() * 1.3)

        def put(text: str, fmt: QTextCharFormat = plain) -> None:
            cursor.insertText(text + "\n", fmt)

        if script is None:
            put(note or "Choose a script.")
            return
        version = f", version {script.version}" if script.version else ""
        put(script.name, title)
        put(f"{script.key}{version}")
        if note:
            put(note)
        if script.description:
            put(script.description.strip())
        put("")
        put("Opener", bold)
        put(script.opener.strip())
        put("")
        put(f"Questions ({len(script.questions)}, asked in this order)", bold)
        for number, question in enumerate(script.questions, start=1):
            for line in question_lines(number, question):
                put(line)
        put("")
        put("Grading: the first rule that matches gives the grade", bold)
        for rule in script.rules:
            for line in rule_lines(rule):
                put(line)
        if script.otherwise is not None:
            for line in rule_lines(script.otherwise):
                put(line)
        put(
            f"B follow-ups after {script.follow_up_days} days unless dated; C nurture re-calls "
            f"after {script.nurture_days} days; A meetings last {script.meeting_minutes} minutes."
        )
        if script.objections:
            put("")
            put("Objections", bold)
            for objection in script.objections:
                put(f"“{objection.objection.strip()}”")
                put(f"    {objection.response.strip()}")
        if script.closing:
            put("")
            put("Closing", bold)
            put(script.closing.strip())
        self.moveCursor(QTextCursor.MoveOperation.Start)
