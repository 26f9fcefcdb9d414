"""The session bar: who is calling, which campaign, start/pause, and the manual dial box."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from calldesk.desk_data import Choice
from ui.desk.plain import set_plain


class SessionBar(QWidget):
    """Emits ``start_requested`` (Enter on the combos or the button) and ``pause_toggled``."""

    start_requested = Signal()
    pause_toggled = Signal()
    manual_dial = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sessionBar")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        rep_label = QLabel("&Rep:")
        self.rep = QComboBox()
        self.rep.setObjectName("repCombo")
        self.rep.setMinimumContentsLength(14)
        rep_label.setBuddy(self.rep)
        campaign_label = QLabel("Ca&mpaign:")
        self.campaign = QComboBox()
        self.campaign.setObjectName("campaignCombo")
        self.campaign.setMinimumContentsLength(18)
        campaign_label.setBuddy(self.campaign)
        self.start = QPushButton("Start calling (Enter)")
        self.start.setObjectName("startButton")
        self.start.setDefault(True)
        self.start.clicked.connect(self.start_requested)
        self.pause = QPushButton("Pause (Ctrl+P)")
        self.pause.setObjectName("pauseButton")
        self.pause.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.pause.clicked.connect(self.pause_toggled)
        self.pause.setEnabled(False)
        self.status = QLabel()
        self.status.setObjectName("sessionStatus")
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        dial_label = QLabel("Dia&l:")
        self.dial_box = QLineEdit()
        self.dial_box.setObjectName("manualDial")
        self.dial_box.setPlaceholderText("Type a number (Ctrl+L)")
        self.dial_box.setMaximumWidth(200)
        dial_label.setBuddy(self.dial_box)
        self.dial_box.returnPressed.connect(self._dial)
        for widget in (rep_label, self.rep, campaign_label, self.campaign, self.start, self.pause):
            layout.addWidget(widget)
        layout.addWidget(self.status, 1)
        layout.addWidget(dial_label)
        layout.addWidget(self.dial_box)

    def set_choices(
        self,
        reps: Sequence[Choice],
        campaigns: Sequence[Choice],
        rep_name: str,
        campaign_id: int,
    ) -> None:
        self.rep.clear()
        for rep in reps:
            self.rep.addItem(rep.name, rep.id)
        index = self.rep.findText(rep_name, Qt.MatchFlag.MatchExactly)
        self.rep.setCurrentIndex(max(index, 0))
        self.campaign.clear()
        self.campaign.addItem("Every active campaign", 0)
        for campaign in campaigns:
            self.campaign.addItem(campaign.name, campaign.id)
        index = self.campaign.findData(campaign_id)
        self.campaign.setCurrentIndex(max(index, 0))

    def rep_choice(self) -> tuple[int, str] | None:
        if self.rep.currentIndex() < 0:
            return None
        return int(self.rep.currentData()), self.rep.currentText()

    def campaign_id(self) -> int:
        data = self.campaign.currentData()
        return int(data) if data else 0

    def set_running(self, running: bool, paused: bool = False) -> None:
        self.rep.setEnabled(not running)
        self.campaign.setEnabled(not running)
        self.start.setVisible(not running)
        self.pause.setEnabled(running)
        self.pause.setText("Resume (Ctrl+P)" if paused else "Pause (Ctrl+P)")

    def set_status(self, text: str) -> None:
        set_plain(self.status, text)
        self.status.setVisible(True)

    def _dial(self) -> None:
        number = self.dial_box.text().strip()
        if number:
            self.manual_dial.emit(number)
