"""Add a rep from the window: the same core function as ``calldesk rep add``."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from calldesk import reps
from ui.context import AppContext

ERROR_STYLE = "color: #b00020;"
ROLE_LABELS = {
    "qualifier": "Qualifier (makes the calls)",
    "field": "Field rep (takes the meetings)",
    "manager": "Manager",
}
# The zones a North American desk meets first; any other IANA zone can be typed.
ZONES = (
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "America/Anchorage",
    "Pacific/Honolulu",
    "America/Toronto",
    "America/Vancouver",
    "Europe/London",
)


class AddRepDialog(QDialog):
    """Name, role, time zone and territory of a new rep; refuses what the core refuses."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.added: dict[str, object] | None = None
        self.setWindowTitle("Add rep")
        self.name = QLineEdit(self)
        self.name.setPlaceholderText("e.g. Maria Lopez")
        self.role = QComboBox(self)
        for key in reps.ROLES:
            self.role.addItem(ROLE_LABELS.get(key, key), key)
        self.time_zone = QComboBox(self)
        self.time_zone.setEditable(True)
        self.time_zone.addItems(ZONES)
        self.territory = QLineEdit(self)
        self.territory.setPlaceholderText("Field reps: e.g. US-CA,US-OR")
        self.email = QLineEdit(self)
        form = QFormLayout()
        form.addRow("&Name:", self.name)
        form.addRow("&Role:", self.role)
        form.addRow("&Time zone:", self.time_zone)
        form.addRow("T&erritory:", self.territory)
        form.addRow("E&mail:", self.email)
        self.error = QLabel("", self)
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.resize(420, 0)

    def save(self) -> None:
        """Add the rep (one short write); a refusal is shown and nothing is lost."""
        try:
            with self.ctx.store.write() as session:
                rep = reps.add_rep(
                    session,
                    self.name.text(),
                    role=self.role.currentData(),
                    time_zone=self.time_zone.currentText().strip(),
                    territory=self.territory.text().strip() or None,
                    email=self.email.text().strip() or None,
                )
                self.added = reps.rep_dict(rep)
        except reps.RepError as exc:
            self.error.setText(f"Not added: {exc}.")
            return
        self.ctx.data_changed.emit("reps")
        self.accept()
