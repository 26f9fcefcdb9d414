"""Adding a sync target: a webhook (URL and shared secret), a CRM file folder, or a calendar
folder. :func:`calldesk.sync.add_target` validates and stores it; the secret goes to the
keyring (or, with none, to a private file that is NOT encrypted, which the dialog says)."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import func, select

from calldesk.models import OutboxEntry
from calldesk.sync import SyncConfigError, Target, add_target, set_secret
from calldesk.sync.config import FILE_FORMATS, FILE_LAYOUTS
from ui.context import AppContext
from ui.rules.tables import ERROR_STYLE, plain_label

TYPE_LABELS = {
    "webhook": "Webhook (JSON over HTTPS)",
    "files": "CRM import files (CSV/XLSX in a folder)",
    "calendar": "Calendar (.ics files in a folder)",
}
LAYOUT_LABELS = {
    "calldesk": "calldesk full layout",
    "salesforce": "Salesforce lead import",
    "hubspot": "HubSpot contact import",
}
SECRET_WHERE = {
    "keyring": "in the system keyring",
    "environment": "from the environment",
    "file": "in a private file (NOT encrypted)",
}
FILE_NOTICE = (
    "This machine has no usable system keyring: the secret was saved in a file in your calldesk "
    "settings folder that only you can read. It is NOT encrypted; keep that folder out of "
    "backups you share."
)


class TargetDialog(QDialog):
    """Name, kind and settings of a new target; the secret is typed but never shown back."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.saved: Target | None = None
        self.secret_where: str | None = None
        self.setWindowTitle("Add a sync target")
        self.name = QLineEdit(self)
        self.name.setPlaceholderText("e.g. crm-webhook (letters, digits, . _ -)")
        self.kind = QComboBox(self)
        for key, label in TYPE_LABELS.items():
            self.kind.addItem(label, key)
        self.url = QLineEdit(self)
        self.url.setPlaceholderText("https://crm.example.com/hooks/calldesk")
        self.secret = QLineEdit(self)
        self.secret.setEchoMode(QLineEdit.EchoMode.Password)
        self.secret.setPlaceholderText("shared secret for the HMAC-SHA256 signature")
        self.folder = QLineEdit(self)
        self.folder.setPlaceholderText("folder the files are written to")
        browse = QPushButton("Browse…", self)
        browse.clicked.connect(self._choose_folder)
        self.folder_row = QHBoxLayout()
        self.folder_row.addWidget(self.folder, 1)
        self.folder_row.addWidget(browse)
        self.layout_choice = QComboBox(self)
        for key in FILE_LAYOUTS:
            self.layout_choice.addItem(LAYOUT_LABELS.get(key, key), key)
        self.format_choice = QComboBox(self)
        for key in FILE_FORMATS:
            self.format_choice.addItem(key.upper(), key)
        self.from_now = QCheckBox("Only entries written from now on (no backfill)", self)
        self.form = QFormLayout()
        self.form.addRow("Name:", self.name)
        self.form.addRow("Kind:", self.kind)
        self.form.addRow("URL:", self.url)
        self.form.addRow("Secret:", self.secret)
        self.form.addRow("Folder:", self.folder_row)
        self.form.addRow("Layout:", self.layout_choice)
        self.form.addRow("Format:", self.format_choice)
        self.form.addRow("", self.from_now)
        self.secret_note = plain_label(
            "The secret goes to the system keyring (or, without one, to a private file that is "
            "not encrypted); calldesk never shows it again.",
            self,
        )
        self.error = plain_label("", self)
        self.error.setStyleSheet(ERROR_STYLE)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.apply)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.secret_note)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self._kind_changed()
        self.resize(560, 320)

    def _kind_changed(self) -> None:
        kind = self.kind.currentData()
        self.form.setRowVisible(self.url, kind == "webhook")
        self.form.setRowVisible(self.secret, kind == "webhook")
        self.secret_note.setVisible(kind == "webhook")
        self.form.setRowVisible(self.folder_row, kind != "webhook")
        self.form.setRowVisible(self.layout_choice, kind == "files")
        self.form.setRowVisible(self.format_choice, kind == "files")

    def _choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder for the sync files")
        if folder:
            self.folder.setText(folder)

    def apply(self) -> None:
        kind = self.kind.currentData()
        secret = self.secret.text()
        if kind == "webhook" and not secret:
            self.error.setText("Type the webhook's shared secret (the receiver checks it).")
            return
        target = Target(
            name=self.name.text().strip(),
            type=kind,
            url=self.url.text().strip() or None if kind == "webhook" else None,
            folder=self.folder.text().strip() or None if kind != "webhook" else None,
            layout=self.layout_choice.currentData() if kind == "files" else "calldesk",
            format=self.format_choice.currentData() if kind == "files" else "csv",
        )
        store, from_now = self.ctx.store, self.from_now.isChecked()

        def save(_task: Any) -> str | None:
            if from_now:
                with store.session() as session:
                    target.start_after_id = session.scalar(select(func.max(OutboxEntry.id))) or 0
            add_target(target)
            return set_secret(target.name, secret) if kind == "webhook" else None

        def done(where: str | None) -> None:
            self.buttons.setEnabled(True)
            self.secret.clear()
            self.saved, self.secret_where = target, where
            self.accept()

        def failed(exc: BaseException) -> None:
            self.buttons.setEnabled(True)
            self.error.setText(
                str(exc) if isinstance(exc, SyncConfigError | ValueError) else repr(exc)
            )

        self.buttons.setEnabled(False)
        self.ctx.background.run(save, on_done=done, on_error=failed)
