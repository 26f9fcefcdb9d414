"""Try a script before anyone calls with it: the desk's own script panel on sample values."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from calldesk.scripts.merge import SAMPLE_VALUES, render
from calldesk.scripts.model import ScriptDef
from calldesk.scripts.runner import ScriptRunner
from ui.desk.plain import plain_label, set_plain
from ui.desk.script_panel import ScriptPanel


class ScriptPreview(QWidget):
    """Answer the questions as a prospect would; the grade and why follow every answer."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("scriptPreview")
        self.script: ScriptDef | None = None
        self.note = QLabel(
            "A practice call: merge fields use sample values (Jordan Lee at Northwind Traders). "
            "Nothing is saved."
        )
        self.note.setWordWrap(True)
        self.restart = QPushButton("Start &over")
        self.restart.clicked.connect(self.start)
        head = QHBoxLayout()
        head.addWidget(self.note, 1)
        head.addWidget(self.restart)
        self.panel = ScriptPanel()
        self.verdict = plain_label()
        self.verdict.setObjectName("previewVerdict")
        self.verdict.setStyleSheet("font-weight: bold;")
        self.deciding = plain_label()
        self.deciding.setObjectName("previewDeciding")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(head)
        layout.addWidget(self.verdict)
        layout.addWidget(self.deciding)
        layout.addWidget(self.panel, 1)
        self.panel.changed.connect(self._show_grade)

    def set_script(self, script: ScriptDef | None, note: str | None = None) -> None:
        self.script = script
        self.start(note)

    def start(self, note: str | None = None) -> None:
        script = self.script
        self.restart.setEnabled(script is not None)
        if script is None:
            self.panel.set_runner(None, note=note or "Choose a valid script to try it.")
            set_plain(self.verdict, None)
            set_plain(self.deciding, None)
            return
        objections = "\n".join(
            f"“{o.objection.strip()}” — {o.response.strip()}" for o in script.objections
        )
        self.panel.set_runner(
            ScriptRunner(script),
            opener=render(script.opener, dict(SAMPLE_VALUES)).text.strip(),
            objections=objections,
        )

    def _show_grade(self) -> None:
        runner = self.panel.runner
        if runner is None:
            return
        self.panel.heading.hide()  # shown once, above, with what decided it
        result = runner.grade_so_far()
        if runner.current is None and result is not None:
            # The desk's closing line talks about F9 and booking; here it is only a try-out.
            set_plain(self.panel.prompt, f"Script done: grade {result.grade} ({result.meaning}).")
        if result is None:
            set_plain(self.verdict, "No grade yet: answer the questions.")
            set_plain(self.deciding, None)
            return
        word = "Grade" if result.final else "Heading to"
        set_plain(self.verdict, f"{word} {result.why}")
        decided = "; ".join(f"{d.label}: {d.answer}" for d in result.deciding)
        rule = "the 'otherwise' rule" if result.rule_number == 0 else f"rule {result.rule_number}"
        set_plain(self.deciding, f"Decided by {rule}" + (f" ({decided})" if decided else ""))
