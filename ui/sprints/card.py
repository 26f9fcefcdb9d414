"""One event's sprint on the board: deadline, figures, time gone against contacts reached."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from calldesk.sprints import SprintFigures
from ui.desk.plain import plain_label

KIND_LABELS = {
    "trade_show": "Trade show",
    "webinar": "Webinar",
    "seminar": "Seminar",
    "whitepaper": "Download",
}
ON_TRACK = "#2e7d32"
BEHIND = "#c62828"
TIME_COLOUR = "#78909c"


def deadline_text(figures: SprintFigures) -> str:
    """``6 days left (Sun 29 Nov)``, ``Due today``, ``Ended 2 days ago`` or ``No deadline``."""
    if figures.deadline is None or figures.days_left is None:
        return "No follow-up deadline"
    day = figures.deadline.strftime("%a %d %b")
    left = figures.days_left
    if left > 1:
        return f"{left} days left (deadline {day})"
    if left == 1:
        return f"1 day left (deadline {day})"
    if left == 0:
        return f"Deadline today ({day})"
    return f"Ended {-left} day{'s' if left < -1 else ''} ago ({day})"


def bar_style(colour: str) -> str:
    return (
        "QProgressBar { border: 1px solid #9e9e9e; border-radius: 3px; text-align: center;"
        " min-height: 18px; }"
        f" QProgressBar::chunk {{ background: {colour}; }}"
    )


def percent(share: float | None) -> str:
    return "—" if share is None else f"{round(share * 100)}%"


class SprintCard(QFrame):
    """Emits ``work(campaign_id)`` when the manager or a rep asks to work this sprint."""

    work = Signal(int)
    #: open the list of hot contacts nobody has called (the event's id)
    show_hot = Signal(int)

    def __init__(self, figures: SprintFigures, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.figures = figures
        self.setObjectName("sprintCard")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setSizePolicy(self.sizePolicy().horizontalPolicy(), self.sizePolicy().Policy.Maximum)

        self.title = plain_label(figures.name, wrap=False)
        bold = QFont(self.title.font())
        bold.setBold(True)
        bold.setPointSizeF(bold.pointSizeF() * 1.25)
        self.title.setFont(bold)
        kind = KIND_LABELS.get(figures.kind, figures.kind.replace("_", " ").capitalize())
        held = f", {figures.event_date.strftime('%d %b %Y')}" if figures.event_date else ""
        self.subtitle = plain_label(f"{kind}{held}", wrap=False)
        self.deadline = plain_label(deadline_text(figures), wrap=False)
        self.deadline.setObjectName("sprintDeadline")
        self.deadline.setFont(bold)
        late = figures.days_left is not None and figures.days_left <= 2
        if late:
            self.deadline.setStyleSheet(f"color: {BEHIND};")
        head = QHBoxLayout()
        titles = QVBoxLayout()
        titles.addWidget(self.title)
        titles.addWidget(self.subtitle)
        head.addLayout(titles, 1)
        head.addWidget(self.deadline, 0, Qt.AlignmentFlag.AlignTop)

        self.values: dict[str, QLabel | QPushButton] = {}
        grid = QGridLayout()
        grid.setHorizontalSpacing(24)
        grades = "  ".join(f"{g} {n}" for g, n in figures.grades.items())
        cells = (
            ("contacts", "Contacts", str(figures.contacts)),
            ("reached", "Reached", f"{figures.reached} ({percent(figures.reached_share)})"),
            ("graded", "Graded", f"{figures.graded}   {grades}"),
            ("appointments", "Appointments", str(figures.appointments)),
            (
                "reached_48h",
                "Reached within 48 h",
                percent(figures.reached_48h_share)
                if figures.event_date is not None
                else "— (no event date)",
            ),
            ("untouched", "Never touched", str(figures.untouched)),
            ("untouched_hot", "Hot, nobody called yet", str(figures.untouched_hot)),
        )
        for column, (key, label, value) in enumerate(cells):
            caption = QLabel(label)
            caption.setStyleSheet("color: #616161;")
            if key == "untouched_hot":
                # A number you can open: who they are, and what the booth noted.
                number = QPushButton(value)
                number.setFlat(True)
                number.setStyleSheet(
                    "text-align: left; padding: 0;"
                    + (f" color: {BEHIND}; text-decoration: underline;" if value != "0" else "")
                )
                number.setEnabled(figures.untouched_hot > 0)
                number.setToolTip("Show who they are")
                number.clicked.connect(lambda: self.show_hot.emit(figures.event_id))
            else:
                number = plain_label(value, wrap=False)
            number.setObjectName(f"sprint_{key}")
            number.setFont(bold)
            if key == "reached_48h":
                caption.setToolTip("First conversation within 48 hours after the event's day")
            self.values[key] = number
            grid.addWidget(caption, 0, column)
            grid.addWidget(number, 1, column)
        grid.setColumnStretch(len(cells), 1)

        self.time_bar = self._bar("sprintTime", TIME_COLOUR)
        self.reach_bar = self._bar("sprintReach", ON_TRACK)
        self.pace = plain_label()
        self.pace.setObjectName("sprintPace")
        bars = QGridLayout()
        bars.addWidget(QLabel("Time gone"), 0, 0)
        bars.addWidget(self.time_bar, 0, 1)
        bars.addWidget(QLabel("Contacts reached"), 1, 0)
        bars.addWidget(self.reach_bar, 1, 1)
        bars.addWidget(self.pace, 2, 1)
        bars.setColumnStretch(1, 1)
        self._show_pace()

        self.work_button = QPushButton("Work this sprint at the desk")
        self.work_button.setObjectName("workSprint")
        if figures.campaign_id is not None and figures.campaign_active:
            self.work_button.clicked.connect(lambda: self.work.emit(figures.campaign_id))
            self.work_button.setToolTip(f"Campaign: {figures.campaign_name}")
        else:
            self.work_button.setEnabled(False)
            self.work_button.setToolTip(
                "This event has no active follow-up campaign: set a follow-up deadline "
                "(or activate its campaign) under Lists & campaigns"
            )
        foot = QHBoxLayout()
        foot.addLayout(bars, 1)
        foot.addWidget(self.work_button, 0, Qt.AlignmentFlag.AlignBottom)

        layout = QVBoxLayout(self)
        layout.addLayout(head)
        layout.addLayout(grid)
        layout.addLayout(foot)

    def _bar(self, name: str, colour: str) -> QProgressBar:
        bar = QProgressBar()
        bar.setObjectName(name)
        bar.setRange(0, 100)
        bar.setTextVisible(True)
        bar.setFormat("%p%")
        bar.setStyleSheet(bar_style(colour))
        return bar

    def _show_pace(self) -> None:
        f = self.figures
        reached = round(f.reached_share * 100)
        self.reach_bar.setValue(reached)
        if f.time_used is None:
            self.time_bar.setEnabled(False)
            self.time_bar.setFormat("no deadline")
            self.time_bar.setValue(0)
            self.pace.setText(f"{reached}% of the contacts reached; the event has no deadline.")
            return
        used = round(f.time_used * 100)
        self.time_bar.setValue(used)
        behind = reached < used and f.contacts > 0
        if behind:
            self.reach_bar.setStyleSheet(bar_style(BEHIND))
        if f.days_left is not None and f.days_left < 0:
            verdict = "sprint over"
        else:
            verdict = "behind the clock" if behind else "on pace"
        self.pace.setText(f"{used}% of the time gone, {reached}% reached: {verdict}")
