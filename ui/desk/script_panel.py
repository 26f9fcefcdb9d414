"""The script panel: the runner's current question, answered from the keyboard.

Digits pick a choice (1-9; yes/no also Y/N), Enter goes on, Backspace or Alt+Left goes back,
Alt+Right skips a question that is not required. Typed answers (numbers, dates, text, a
referred person) are entered in fields and sent with Enter.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QKeyEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QFormLayout,
    QFrame,
    QLabel,
    QLineEdit,
    QProgressBar,
    QRadioButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from calldesk.scripts.grading import GradeResult
from calldesk.scripts.merge import render
from calldesk.scripts.model import CONTACT_FIELDS, GRADE_MEANING, Question
from calldesk.scripts.runner import AnswerError, ScriptRunner
from ui.desk.disposition_bar import button_text
from ui.desk.plain import plain_label, set_plain

CONTACT_LABELS = {
    "first_name": "First name",
    "last_name": "Last name",
    "title": "Title",
    "phone": "Phone",
    "email": "Email",
    "notes": "Notes",
}


class _QuestionArea(QFrame):
    """Holds the answer widgets; takes the keys the panel understands."""

    key = Signal(QKeyEvent)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt API)
        self.key.emit(event)
        if not event.isAccepted():
            super().keyPressEvent(event)


def what_saving_does(result: GradeResult, key: str = "F9") -> str:
    """What the "qualified" key does with this grade, in the rep's words."""
    if result.disposition == "wrong_person":
        return (
            f"{key} saves it as referred (wrong person): the person you captured becomes a new "
            "contact at this company, ready to call."
        )
    if result.grade == "A":
        return (
            f"{key} opens the booking: pick the field rep and a free slot; the qualification "
            "summary goes with the meeting."
        )
    if result.grade == "B":
        when = (
            f"on {result.follow_up_date:%a %d %b %Y}"
            if result.follow_up_date
            else f"in {result.days or 30} days"
        )
        return f"{key} saves it as B: a follow-up call is set {when}, then it goes to sales."
    if result.grade == "C":
        return (
            f"{key} saves it as C (nurture): called again in {result.days or 90} days to see "
            "whether the need changed."
        )
    return (
        f"{key} saves it as D (not qualified): set aside and never offered again unless "
        "someone reopens it."
    )


class ScriptPanel(QScrollArea):
    """Shows and drives a :class:`ScriptRunner`; emits ``changed`` after every move."""

    changed = Signal()
    #: the key of the "qualified" disposition (the desk sets it from the team's table)
    save_key = "F9"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("scriptPanel")
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        body = QWidget()
        self.setWidget(body)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(8, 8, 8, 8)
        self.script_name = plain_label()
        bold = QFont(self.script_name.font())
        bold.setBold(True)
        self.script_name.setFont(bold)
        self.opener = plain_label()
        self.opener.setObjectName("scriptOpener")
        self.opener.setFrameShape(QFrame.Shape.StyledPanel)
        self.opener.setContentsMargins(6, 6, 6, 6)
        self.progress = QProgressBar()
        self.progress.setObjectName("scriptProgress")
        self.progress.setFormat("%v of %m questions")
        self.heading = plain_label()
        self.heading.setObjectName("gradeHeading")
        self.closing = ""
        self.merge: dict[str, str | None] = {}
        self.prompt = plain_label()
        self.prompt.setObjectName("questionPrompt")
        prompt_font = QFont(self.prompt.font())
        prompt_font.setPointSizeF(prompt_font.pointSizeF() * 1.2)
        prompt_font.setBold(True)
        self.prompt.setFont(prompt_font)
        self.help = plain_label()
        self.area = _QuestionArea()
        self.area.setObjectName("questionArea")
        self.area.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.area.setFrameShape(QFrame.Shape.StyledPanel)
        self.area.key.connect(self._key)
        self.area_layout = QVBoxLayout(self.area)
        self.error = plain_label()
        self.error.setObjectName("scriptError")
        self.error.setStyleSheet("color: #b00020;")
        self.keys_hint = plain_label(
            "Digits choose · Enter goes on · Backspace/Alt+Left back · Alt+Right skip"
        )
        self.keys_hint.setStyleSheet("color: palette(mid);")
        self.objections = plain_label()
        self.objections.setObjectName("scriptObjections")
        for widget in (
            self.script_name,
            self.opener,
            self.progress,
            self.heading,
            self.prompt,
            self.help,
            self.area,
            self.error,
            self.keys_hint,
        ):
            layout.addWidget(widget)
        self.objections_title = QLabel("Objections")
        self.objections_title.setFont(bold)
        layout.addWidget(self.objections_title)
        layout.addWidget(self.objections)
        layout.addStretch(1)
        self.runner: ScriptRunner | None = None
        self._inputs: list[QWidget] = []
        self._fields: dict[str, QLineEdit] = {}
        self._picked: Any = None
        self.set_runner(None)

    # --- content ----------------------------------------------------------------------------

    def set_runner(
        self,
        runner: ScriptRunner | None,
        opener: str = "",
        note: str | None = None,
        objections: str = "",
        closing: str = "",
        merge: dict[str, str | None] | None = None,
    ) -> None:
        self.runner = runner
        self.closing = closing
        self.merge = merge or {}
        if runner is None:
            set_plain(self.script_name, note or "No script on this call")
            for widget in (self.opener, self.heading, self.prompt, self.help, self.error):
                set_plain(widget, None)
            self.progress.hide()
            self.area.hide()
            self.keys_hint.hide()
            self.objections_title.hide()
            self.objections.hide()
            return
        script = runner.script
        version = f" v{script.version}" if script.version else ""
        set_plain(self.script_name, f"Script: {script.name}{version}")
        set_plain(self.opener, opener)
        set_plain(self.objections, objections)
        self.objections_title.setVisible(bool(objections))
        self.progress.show()
        self.area.show()
        self.keys_hint.show()
        self.refresh()

    def refresh(self) -> None:
        runner = self.runner
        if runner is None:
            return
        progress = runner.progress()
        self.progress.setMaximum(max(progress.total, 1))
        self.progress.setValue(progress.done)
        result = runner.grade_so_far()
        if result is None:
            set_plain(self.heading, "Heading to: not decided yet (the next answers decide it)")
        else:
            # the "why" starts with the grade and its meaning: "A (meet now): ..."
            word = "Grade" if result.final else "Heading to"
            set_plain(self.heading, f"{word} {result.why}")
        self._build_question(runner.current)
        self.changed.emit()

    def _merged(self, text: str | None) -> str | None:
        """A question's text as read aloud: merge fields filled, like the opener."""
        if not text or "{" not in text:
            return text
        return render(text, self.merge).text

    def _clear_area(self) -> None:
        while self.area_layout.count():
            item = self.area_layout.takeAt(0)
            if item.widget():
                item.widget().deleteLater()
            elif item.layout():
                inner = item.layout()
                while inner.count():
                    sub = inner.takeAt(0)
                    if sub.widget():
                        sub.widget().deleteLater()
        self._inputs = []
        self._fields = {}
        self._picked = None

    def _build_question(self, question: Question | None) -> None:
        self._clear_area()
        set_plain(self.error, None)
        runner = self.runner
        assert runner is not None
        if question is None:
            result = runner.result()
            if result is not None:
                text = f"Script done: grade {result.grade} ({GRADE_MEANING[result.grade]}). "
                text += what_saving_does(result, self.save_key)
            else:
                missing = ", ".join(q.label for q in runner.missing_required())
                text = f"Still required: {missing}" if missing else "Script done."
            set_plain(self.prompt, text)
            set_plain(self.help, self.closing or None)
            self.area.setFocus()
            return
        set_plain(self.prompt, self._merged(question.prompt))
        set_plain(self.help, self._merged(question.help))
        previous = runner.answer_of(question.id)
        kind = question.kind
        if kind in ("choice", "yes_no"):
            group = QButtonGroup(self.area)
            options = (
                [("1", "Yes", True), ("2", "No", False)]
                if kind == "yes_no"
                else [(str(i + 1), c.label, c.value) for i, c in enumerate(question.choices)]
            )
            for key, label, value in options:
                button = QRadioButton(button_text(f"{key}  {label}" if key.isdigit() else label))
                button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
                button.setProperty("answer", value)
                button.toggled.connect(
                    lambda on, v=value: setattr(self, "_picked", v) if on else None
                )
                group.addButton(button)
                self.area_layout.addWidget(button)
                self._inputs.append(button)
                if previous is not None and previous == value:
                    button.setChecked(True)
            self.area.setFocus()
        elif kind == "multi_choice":
            for index, choice in enumerate(question.choices):
                box = QCheckBox(button_text(f"{index + 1}  {choice.label}"))
                box.setFocusPolicy(Qt.FocusPolicy.NoFocus)
                box.setProperty("answer", choice.value)
                box.setChecked(bool(previous) and choice.value in previous)
                self.area_layout.addWidget(box)
                self._inputs.append(box)
            self.area.setFocus()
        elif kind == "contact":
            form = QFormLayout()
            for name in CONTACT_FIELDS:
                edit = QLineEdit()
                edit.setObjectName(f"person_{name}")
                if isinstance(previous, dict) and previous.get(name):
                    edit.setText(str(previous[name]))
                edit.returnPressed.connect(self.go_on)
                form.addRow(CONTACT_LABELS.get(name, name), edit)
                self._fields[name] = edit
            self.area_layout.addLayout(form)
            self._show_fields()
        else:
            edit = QLineEdit()
            edit.setObjectName("answerText")
            placeholder = {"number": "a number", "date": "YYYY-MM-DD", "text": "the answer"}
            unit = f" ({question.unit})" if question.unit else ""
            edit.setPlaceholderText(placeholder.get(kind, "the answer") + unit + ", then Enter")
            if previous is not None:
                edit.setText(str(previous))
            edit.returnPressed.connect(self.go_on)
            edit.installEventFilter(self)
            self.area_layout.addWidget(edit)
            self._fields["value"] = edit
            self._show_fields()

    def _show_fields(self) -> None:
        # A widget added to a visible layout is shown only on the next event loop pass, and a
        # hidden widget cannot take the focus: show them now so the rep can type at once.
        for edit in self._fields.values():
            edit.show()
        self.focus_answer()

    # --- keys -------------------------------------------------------------------------------

    def focus_answer(self) -> None:
        if self.runner is None:
            return
        if self._fields:
            next(iter(self._fields.values())).setFocus()
        else:
            self.area.setFocus()

    def _key(self, event: QKeyEvent) -> None:
        runner = self.runner
        key, text = event.key(), event.text()
        alt = event.modifiers() & Qt.KeyboardModifier.AltModifier
        if runner is None:
            event.ignore()
            return
        if key == Qt.Key.Key_Backspace or (alt and key == Qt.Key.Key_Left):
            self.back()
        elif alt and key == Qt.Key.Key_Right:
            self.skip()
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.go_on()
        elif text and (text.isdigit() or text.lower() in ("y", "n")) and not alt:
            self.pick(text)
        else:
            event.ignore()
            return
        event.accept()

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt API)
        # Alt+Left/Right in a typed answer; Backspace in an empty one goes back.
        if (
            isinstance(watched, QLineEdit)
            and isinstance(event, QKeyEvent)
            and event.type() == QKeyEvent.Type.KeyPress
        ):
            alt = event.modifiers() & Qt.KeyboardModifier.AltModifier
            if (alt and event.key() == Qt.Key.Key_Left) or (
                event.key() == Qt.Key.Key_Backspace and not watched.text()
            ):
                self.back()
                return True
            if alt and event.key() == Qt.Key.Key_Right:
                self.skip()
                return True
        return super().eventFilter(watched, event)

    def pick(self, key: str) -> None:
        """Digit ``key`` picks a choice (toggles one in a multi-choice); Enter confirms."""
        runner = self.runner
        question = runner.current if runner else None
        if question is None:
            return
        if question.kind == "multi_choice":
            index = int(key) - 1 if key.isdigit() else -1
            if 0 <= index < len(self._inputs):
                box = self._inputs[index]
                box.setChecked(not box.isChecked())  # type: ignore[attr-defined]
            return
        try:
            value = ScriptRunner.key_value(question, key)
        except AnswerError as exc:
            set_plain(self.error, str(exc))
            return
        set_plain(self.error, None)
        for button in self._inputs:
            if button.property("answer") == value:
                button.setChecked(True)  # type: ignore[attr-defined]

    def go_on(self) -> None:
        runner = self.runner
        question = runner.current if runner else None
        if runner is None or question is None:
            return
        kind = question.kind
        if kind in ("choice", "yes_no"):
            value = self._picked
            if value is None:
                set_plain(self.error, "Pick an answer with its digit first")
                return
        elif kind == "multi_choice":
            value = [b.property("answer") for b in self._inputs if b.isChecked()]  # type: ignore[attr-defined]
        elif kind == "contact":
            value = {name: edit.text() for name, edit in self._fields.items() if edit.text()}
        else:
            value = self._fields["value"].text()
        try:
            runner.answer(value)
        except AnswerError as exc:
            set_plain(self.error, str(exc))
            return
        self.refresh()

    def back(self) -> None:
        if self.runner is not None:
            self.runner.back()
            self.refresh()

    def skip(self) -> None:
        if self.runner is None or self.runner.current is None:
            return
        try:
            self.runner.skip()
        except AnswerError as exc:
            set_plain(self.error, str(exc))
            return
        self.refresh()
