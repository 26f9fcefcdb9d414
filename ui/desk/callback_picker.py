"""A date-time picker for callbacks that shows the rep's clock and the contact's side by side."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from PySide6.QtCore import QDateTime, QTimeZone, Signal
from PySide6.QtWidgets import QDateTimeEdit, QHBoxLayout, QLabel, QWidget

from calldesk.desk_data import to_zone


def _qzone(name: str | None) -> QTimeZone:
    if name:
        zone = QTimeZone(name.encode())
        if zone.isValid():
            return zone
    return QTimeZone.utc()


class CallbackPicker(QWidget):
    """Edits a moment in the contact's local time; shows the same moment on the rep's clock.

    The rep hears "call me Thursday at 10" in the contact's time, so that is what is typed;
    the label beside it says what that is for the rep.
    """

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.their_label = QLabel("Their time:")
        self.edit = QDateTimeEdit()
        self.edit.setObjectName("callbackTime")
        self.edit.setDisplayFormat("ddd yyyy-MM-dd HH:mm")
        self.edit.setCalendarPopup(True)
        self.their_label.setBuddy(self.edit)
        self.rep_clock = QLabel()
        self.rep_clock.setObjectName("callbackRepTime")
        layout.addWidget(self.their_label)
        layout.addWidget(self.edit)
        layout.addWidget(self.rep_clock, 1)
        self.contact_zone: str | None = None
        self.rep_zone: str | None = None
        self.edit.dateTimeChanged.connect(self._update)

    def setup(self, now: dt.datetime, contact_zone: str | None, rep_zone: str | None) -> None:
        """Start at the next round hour tomorrow-ish: one hour from now, on the hour."""
        self.contact_zone = contact_zone
        self.rep_zone = rep_zone
        zone_name = contact_zone or rep_zone or "UTC"
        self.their_label.setText(f"Their time ({zone_name}):")
        self.edit.setTimeZone(_qzone(zone_name))
        start = (now + dt.timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
        self.edit.setMinimumDateTime(QDateTime.fromSecsSinceEpoch(int(now.timestamp())))
        self.set_value(start)

    def set_value(self, moment: dt.datetime) -> None:
        self.edit.setDateTime(QDateTime.fromSecsSinceEpoch(int(moment.timestamp())))
        self._update()

    def value(self) -> dt.datetime:
        """The chosen moment, as an aware UTC datetime."""
        seconds = self.edit.dateTime().toSecsSinceEpoch()
        return dt.datetime.fromtimestamp(seconds, dt.UTC)

    def _update(self) -> None:
        moment = self.value()
        mine = to_zone(moment, self.rep_zone) or moment
        theirs = to_zone(moment, self.contact_zone or self.rep_zone) or moment
        zone = ZoneInfo(self.rep_zone) if self.rep_zone else dt.UTC
        self.rep_clock.setText(
            f"= {mine.strftime('%a %Y-%m-%d %H:%M')} your time ({zone})"
            f"  ·  {theirs.strftime('%H:%M')} theirs"
        )
        self.changed.emit()
