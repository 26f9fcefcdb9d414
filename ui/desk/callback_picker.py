"""A date-time picker for callbacks and meetings that shows the rep's clock and the contact's
side by side, with quick picks in the contact's time and the reason a time is refused."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from zoneinfo import ZoneInfo

from PySide6.QtCore import QDateTime, Qt, QTimeZone, Signal
from PySide6.QtWidgets import (
    QDateTimeEdit,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QWidget,
)

from calldesk.desk_data import to_zone
from ui.desk.plain import set_plain

#: the hour of the contact's day the "tomorrow" and "next Monday" quick picks choose
QUICK_HOUR = 10

#: says why a moment cannot be chosen (None: it can)
Check = Callable[[dt.datetime], str | None]


def _qzone(name: str | None) -> QTimeZone:
    if name:
        zone = QTimeZone(name.encode())
        if zone.isValid():
            return zone
    return QTimeZone.utc()


def _tz(name: str | None) -> dt.tzinfo:
    try:
        return ZoneInfo(name) if name else dt.UTC
    except (KeyError, ValueError):
        return dt.UTC


def quick_picks(now: dt.datetime, zone: str | None) -> list[tuple[str, dt.datetime]]:
    """The quick picks at ``now``: in one hour; tomorrow and next Monday at 10:00 in ``zone``."""
    tz = _tz(zone)
    local = now.astimezone(tz)
    in_hour = (now + dt.timedelta(hours=1)).replace(second=0, microsecond=0)
    tomorrow = dt.datetime.combine(local.date() + dt.timedelta(days=1), dt.time(QUICK_HOUR), tz)
    days = 7 - local.weekday()  # the Monday after this one (a week ahead on a Monday)
    monday = dt.datetime.combine(local.date() + dt.timedelta(days=days), dt.time(QUICK_HOUR), tz)
    return [
        ("In 1 h", in_hour),
        (f"Tomorrow {QUICK_HOUR}:00 their time", tomorrow.astimezone(dt.UTC)),
        (f"Next Monday {QUICK_HOUR}:00 their time", monday.astimezone(dt.UTC)),
    ]


class CallbackPicker(QWidget):
    """Edits a moment in the contact's local time; shows the same moment on the rep's clock.

    The rep hears "call me Thursday at 10" in the contact's time, so that is what is typed;
    the label beside it says what that is for the rep. A time that cannot be chosen (in the
    past, outside their calling window, a field rep's taken slot) is said in red at once.
    """

    changed = Signal()

    def __init__(self, parent: QWidget | None = None, *, quick: bool = True) -> None:
        super().__init__(parent)
        layout = QGridLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.their_label = QLabel("Their time:")
        self.edit = QDateTimeEdit()
        self.edit.setObjectName("callbackTime")
        self.edit.setDisplayFormat("ddd yyyy-MM-dd HH:mm")
        self.edit.setCalendarPopup(True)
        self.their_label.setBuddy(self.edit)
        self.rep_clock = QLabel()
        self.rep_clock.setObjectName("callbackRepTime")
        # The rep's clock goes under the field, not beside it: beside, its long text made the
        # booking form so wide that it squeezed the lead card.
        self.rep_clock.setWordWrap(True)
        layout.addWidget(self.their_label, 0, 0)
        layout.addWidget(self.edit, 0, 1)
        layout.addWidget(self.rep_clock, 3, 0, 1, 3)
        layout.setColumnStretch(2, 1)
        self.quick_row = QWidget()
        row = QHBoxLayout(self.quick_row)
        row.setContentsMargins(0, 0, 0, 0)
        self.quick_buttons: list[QPushButton] = []
        for index, name in enumerate(("quickInHour", "quickTomorrow", "quickMonday")):
            button = QPushButton()
            button.setObjectName(name)
            button.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
            button.clicked.connect(lambda _=False, i=index: self._quick(i))
            self.quick_buttons.append(button)
            row.addWidget(button)
        row.addStretch(1)
        layout.addWidget(self.quick_row, 1, 0, 1, 3)
        self.quick_row.setVisible(quick)
        self.problem_label = QLabel()
        self.problem_label.setObjectName("pickerProblem")
        self.problem_label.setTextFormat(Qt.TextFormat.PlainText)
        self.problem_label.setWordWrap(True)
        self.problem_label.setStyleSheet("color: #b00020;")
        self.problem_label.hide()
        layout.addWidget(self.problem_label, 2, 0, 1, 3)
        self.contact_zone: str | None = None
        self.rep_zone: str | None = None
        self.check: Check | None = None
        self._picks: list[tuple[str, dt.datetime]] = []
        self.edit.dateTimeChanged.connect(self._update)

    def setup(
        self,
        now: dt.datetime,
        contact_zone: str | None,
        rep_zone: str | None,
        *,
        check: Check | None = None,
        start: dt.datetime | None = None,
    ) -> None:
        """Start at ``start`` (default: one hour from now, on the hour); ``check`` says why a
        moment is refused. No minimum is set on the field: a refused time is explained, never
        silently changed."""
        self.contact_zone = contact_zone
        self.rep_zone = rep_zone
        self.check = check
        zone_name = contact_zone or rep_zone or "UTC"
        self.their_label.setText(f"Their time ({zone_name}):")
        self.edit.setTimeZone(_qzone(zone_name))
        self._picks = quick_picks(now, zone_name)
        for button, (label, _moment) in zip(self.quick_buttons, self._picks, strict=True):
            button.setText(label)
        if start is None:
            start = (now + dt.timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
        self.set_value(start)

    def set_value(self, moment: dt.datetime) -> None:
        self.edit.setDateTime(QDateTime.fromSecsSinceEpoch(int(moment.timestamp())))
        self._update()

    def value(self) -> dt.datetime:
        """The chosen moment, as an aware UTC datetime."""
        seconds = self.edit.dateTime().toSecsSinceEpoch()
        return dt.datetime.fromtimestamp(seconds, dt.UTC)

    def problem(self) -> str | None:
        """Why the chosen moment cannot be used (None: it can); also shown under the field."""
        text = self.check(self.value()) if self.check else None
        set_plain(self.problem_label, text)
        self.problem_label.setVisible(bool(text))
        return text

    def _quick(self, index: int) -> None:
        self.set_value(self._picks[index][1])
        self.edit.setFocus()

    def _update(self) -> None:
        moment = self.value()
        mine = to_zone(moment, self.rep_zone) or moment
        theirs = to_zone(moment, self.contact_zone or self.rep_zone) or moment
        zone = ZoneInfo(self.rep_zone) if self.rep_zone else dt.UTC
        self.rep_clock.setText(
            f"= {mine.strftime('%a %Y-%m-%d %H:%M')} your time ({zone})"
            f"  ·  {theirs.strftime('%a %H:%M')} theirs"
        )
        self.problem()
        self.changed.emit()
