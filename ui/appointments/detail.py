"""Everything the qualifier learned about one appointment, as the field rep reads it."""

from __future__ import annotations

from PySide6.QtGui import QFont
from PySide6.QtWidgets import QFormLayout, QFrame, QLabel, QScrollArea, QVBoxLayout, QWidget

from calldesk.appointments import AppointmentView
from ui.appointments.model import standing
from ui.desk.plain import plain_label, set_plain


def _heading(text: str) -> QLabel:
    label = QLabel(text)
    font = QFont(label.font())
    font.setBold(True)
    label.setFont(font)
    return label


class AppointmentDetail(QScrollArea):
    """Shows one :class:`AppointmentView`; every value is plain text."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("appointmentDetail")
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        body = QWidget()
        self.setWidget(body)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(8, 4, 8, 4)

        self.who = plain_label()
        big = QFont(self.who.font())
        big.setBold(True)
        big.setPointSizeF(big.pointSizeF() * 1.25)
        self.who.setFont(big)
        self.company = plain_label()
        layout.addWidget(self.who)
        layout.addWidget(self.company)

        self.fields: dict[str, QLabel] = {}
        form = QFormLayout()
        for key, caption in (
            ("when", "When"),
            ("where", "Where"),
            ("standing", "Where it stands"),
            ("qualifier", "Booked by"),
            ("grade", "Grade"),
            ("reach", "Reach them"),
            ("feedback", "Your feedback"),
        ):
            value = plain_label()
            value.setObjectName(f"appointment_{key}")
            self.fields[key] = value
            form.addRow(caption + ":", value)
        layout.addLayout(form)

        self.summary_title = _heading("Qualification summary")
        self.summary = plain_label()
        self.summary.setObjectName("appointmentSummary")
        self.answers_title = _heading("Answers, as asked")
        self.answers_form = QFormLayout()
        self.notes_title = _heading("Qualifier's notes")
        self.notes = plain_label()
        self.notes.setObjectName("appointmentNotes")
        layout.addWidget(self.summary_title)
        layout.addWidget(self.summary)
        layout.addWidget(self.answers_title)
        layout.addLayout(self.answers_form)
        layout.addWidget(self.notes_title)
        layout.addWidget(self.notes)
        layout.addStretch(1)
        self.answer_labels: list[tuple[QLabel, QLabel]] = []
        self.show_appointment(None)

    def show_appointment(self, view: AppointmentView | None) -> None:
        while self.answers_form.rowCount():
            self.answers_form.removeRow(0)
        self.answer_labels = []
        if view is None:
            set_plain(self.who, "Choose an appointment to see what the qualifier learned.")
            set_plain(self.company, None)
            for label in self.fields.values():
                set_plain(label, None)
            for widget in (self.summary_title, self.answers_title, self.notes_title):
                widget.hide()
            set_plain(self.summary, None)
            set_plain(self.notes, None)
            return
        contact = view.contact
        set_plain(self.who, " · ".join(x for x in (contact.get("name"), contact.get("title")) if x))
        place = ", ".join(x for x in (contact.get("city"), contact.get("state")) if x)
        set_plain(self.company, " · ".join(x for x in (contact.get("company"), place) if x))
        set_plain(self.fields["when"], view.when)
        set_plain(
            self.fields["where"], " · ".join(x for x in (view.location, view.meeting_link) if x)
        )
        set_plain(self.fields["standing"], standing(view))
        set_plain(self.fields["qualifier"], view.qualifier or "(unknown)")
        set_plain(self.fields["grade"], view.why or view.grade)
        reach = list(contact.get("phones") or []) + list(contact.get("emails") or [])
        set_plain(self.fields["reach"], "   ".join(reach))
        set_plain(self.fields["feedback"], view.feedback)
        set_plain(self.summary, view.summary)
        self.summary_title.setVisible(bool(view.summary))
        for answer in view.answers:
            caption = plain_label(f"{answer.get('label') or answer.get('question_id')}:")
            caption.setToolTip(answer.get("prompt") or "")
            value = plain_label(answer.get("answer") or "")
            self.answers_form.addRow(caption, value)
            self.answer_labels.append((caption, value))
        self.answers_title.setVisible(bool(view.answers))
        set_plain(self.notes, view.notes)
        self.notes_title.setVisible(bool(view.notes))
