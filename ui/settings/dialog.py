"""The settings dialog: rep profile, default country, calling rules, dialler, data location, sync."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from calldesk import paths, settings
from ui.context import AppContext
from ui.settings import controller
from ui.settings.controller import SettingsError

ERROR_STYLE = "color: #b00020;"


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - shown to people only
        return url


class SettingsDialog(QDialog):
    """Edit the user's preferences; a new data location is opened before it is saved."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle("Settings")
        self.values = settings.load()
        self.saved = False
        self._checking = False

        layout = QVBoxLayout(self)
        layout.addWidget(self._profile_box())
        layout.addWidget(self._dialler_box())
        layout.addWidget(self._data_box())
        layout.addWidget(self._sync_box())
        self.error_label = QLabel("", self)
        self.error_label.setStyleSheet(ERROR_STYLE)
        self.error_label.setWordWrap(True)
        layout.addWidget(self.error_label)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.resize(680, 640)

    # --- sections ---------------------------------------------------------------------------

    def _profile_box(self) -> QGroupBox:
        box = QGroupBox("Rep profile and calling rules", self)
        form = QFormLayout(box)
        self.rep_name = QComboBox(box)
        self.rep_name.setEditable(True)
        self.rep_name.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.rep_name.lineEdit().setPlaceholderText("Your name as the desk records it")
        self._load_reps()
        self.rep_name.setEditText(self.values["rep_name"])
        self.add_rep_button = QPushButton("Add rep…", box)
        self.add_rep_button.clicked.connect(self.add_rep)
        rep_row = QHBoxLayout()
        rep_row.addWidget(self.rep_name, 1)
        rep_row.addWidget(self.add_rep_button)
        form.addRow("Your name:", rep_row)

        self.country = QComboBox(box)
        for code, label in controller.country_choices():
            self.country.addItem(label, code)
        self.country.setCurrentIndex(max(0, self.country.findData(self.values["default_country"])))
        form.addRow("Default country:", self.country)

        self.rule_pack = QComboBox(box)
        for code, name in controller.rule_pack_choices():
            self.rule_pack.addItem(f"{name} ({code})", code)
        self.rule_pack.setCurrentIndex(max(0, self.rule_pack.findData(self.values["rule_pack"])))
        form.addRow("Calling-window rules:", self.rule_pack)
        return box

    def _dialler_box(self) -> QGroupBox:
        box = QGroupBox("Dialler", self)
        form = QFormLayout(box)
        row = QHBoxLayout()
        self.dial_group = QButtonGroup(box)
        self.dial_buttons: dict[str, QRadioButton] = {}
        for key, label in (
            ("tel", "tel: link (system phone app)"),
            ("sip", "sip: link (softphone)"),
            ("command", "Command"),
        ):
            button = QRadioButton(label, box)
            self.dial_group.addButton(button)
            self.dial_buttons[key] = button
            row.addWidget(button)
        row.addStretch(1)
        form.addRow("Dial with:", row)
        self.dial_command = QLineEdit(self.values["dialer_command"], box)
        self.dial_command.setPlaceholderText("softphone --call {e164}")
        self.dial_command.setToolTip("Placeholders: {e164}, {digits}, {extension}")
        form.addRow("Command template:", self.dial_command)
        (self.dial_buttons.get(self.values["dialer"]) or self.dial_buttons["tel"]).setChecked(True)
        self.dial_group.buttonToggled.connect(lambda *_: self._dialler_changed())
        self._dialler_changed()
        return box

    def _data_box(self) -> QGroupBox:
        box = QGroupBox("Data location", self)
        form = QFormLayout(box)
        self.data_group = QButtonGroup(box)
        self.data_buttons: dict[str, QRadioButton] = {}
        default_path = paths.default_db_path()
        for key, label in (
            ("default", f"Default file ({default_path})"),
            ("sqlite", "Another SQLite file"),
            ("postgresql", "PostgreSQL server (a team shares one queue)"),
        ):
            button = QRadioButton(label, box)
            self.data_group.addButton(button)
            self.data_buttons[key] = button
            form.addRow(button)
        self.sqlite_path = QLineEdit(box)
        self.sqlite_path.setPlaceholderText("/path/to/calldesk.sqlite3")
        browse_button = QPushButton("Browse…", box)
        browse_button.clicked.connect(self._choose_sqlite_file)
        sqlite_row = QHBoxLayout()
        sqlite_row.addWidget(self.sqlite_path, 1)
        sqlite_row.addWidget(browse_button)
        form.addRow("SQLite file:", sqlite_row)
        self.pg_url = QLineEdit(box)
        self.pg_url.setPlaceholderText("postgresql://user:password@host:5432/calldesk")
        form.addRow("PostgreSQL URL:", self.pg_url)
        test_row = QHBoxLayout()
        self.test_button = QPushButton("&Test connection", box)
        self.test_button.clicked.connect(self.test_location)
        self.data_status = QLabel("", box)
        self.data_status.setWordWrap(True)
        test_row.addWidget(self.test_button)
        test_row.addWidget(self.data_status, 1)
        form.addRow(test_row)
        note = QLabel("A new data location opens as soon as it is saved, and at every start.", box)
        note.setEnabled(False)
        form.addRow(note)

        url = self.values["db_url"]
        if not url:
            self.data_buttons["default"].setChecked(True)
        elif url.startswith("sqlite:///"):
            self.data_buttons["sqlite"].setChecked(True)
            self.sqlite_path.setText(url.removeprefix("sqlite:///"))
        else:
            self.data_buttons["postgresql"].setChecked(True)
            self.pg_url.setText(url)
        self.data_group.buttonToggled.connect(lambda *_: self._data_kind_changed())
        self._data_kind_changed()
        return box

    def _sync_box(self) -> QGroupBox:
        box = QGroupBox("Sync targets", self)
        layout = QVBoxLayout(box)
        targets, problem = self._sync_targets()
        if problem:
            label = QLabel(problem, box)
            label.setWordWrap(True)
            layout.addWidget(label)
            return box
        if not targets:
            layout.addWidget(
                QLabel("No sync targets yet: add them with `calldesk sync target add`.", box)
            )
            return box
        self.sync_table = QTableWidget(len(targets), 4, box)
        self.sync_table.setHorizontalHeaderLabels(("Name", "Type", "Destination", "Enabled"))
        self.sync_table.verticalHeader().hide()
        self.sync_table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        for row, target in enumerate(targets):
            for col, value in enumerate(target):
                self.sync_table.setItem(row, col, QTableWidgetItem(value))
        self.sync_table.setMaximumHeight(110)
        layout.addWidget(self.sync_table)
        return box

    # --- behaviour --------------------------------------------------------------------------

    def _load_reps(self) -> None:
        try:
            from calldesk.reps import list_reps
        except ImportError:
            return
        with self.ctx.store.session() as session:
            names = [rep.name for rep in list_reps(session)]
        self.rep_name.addItems(names)

    def add_rep(self) -> Any:
        """A new rep (the same core function as ``calldesk rep add``), chosen as "Your name"."""
        from ui.settings.rep_dialog import AddRepDialog

        self.rep_dialog = AddRepDialog(self.ctx, self)

        def added() -> None:
            if self.rep_dialog.added is not None:
                name = str(self.rep_dialog.added["name"])
                self.rep_name.addItem(name)
                self.rep_name.setEditText(name)

        self.rep_dialog.accepted.connect(added)
        self.rep_dialog.open()
        return self.rep_dialog

    @staticmethod
    def _sync_targets() -> tuple[list[tuple[str, str, str, str]], str | None]:
        try:
            from calldesk.sync.config import SyncConfigError, load_targets, mask_url
        except ImportError:
            return [], "Sync is not part of this build."
        try:
            targets = load_targets()
        except SyncConfigError as exc:
            return [], f"The sync settings file has an error: {exc}"
        return [
            (
                t.name,
                t.type,
                mask_url(t.url) if t.url else t.folder or "",  # credentials never shown
                "yes" if t.enabled else "no",
            )
            for t in targets.values()
        ], None

    def _dialler_changed(self) -> None:
        self.dial_command.setEnabled(self.dial_buttons["command"].isChecked())

    def _data_kind_changed(self) -> None:
        kind = self.data_kind()
        self.sqlite_path.setEnabled(kind == "sqlite")
        self.pg_url.setEnabled(kind == "postgresql")
        self.data_status.setText("")

    def _choose_sqlite_file(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self,
            "Store file",
            str(paths.data_dir()),
            "SQLite stores (*.sqlite3 *.sqlite *.db)",
            options=QFileDialog.Option.DontConfirmOverwrite,
        )
        if path:
            self.sqlite_path.setText(path)

    def data_kind(self) -> str:
        for key, button in self.data_buttons.items():
            if button.isChecked():
                return key
        return "default"

    def dialer(self) -> str:
        for key, button in self.dial_buttons.items():
            if button.isChecked():
                return key
        return "tel"

    def _location_url(self) -> str:
        kind = self.data_kind()
        text = self.sqlite_path.text() if kind == "sqlite" else self.pg_url.text()
        return controller.store_url_for(kind, text)

    def _collect(self) -> dict[str, Any]:
        rep_name = self.rep_name.currentText().strip()
        dialer = self.dialer()
        command = self.dial_command.text().strip()
        if dialer == "command":
            command = controller.check_dial_command(command)
        return {
            "rep_name": rep_name,
            "default_country": self.country.currentData(),
            "rule_pack": self.rule_pack.currentData(),
            "dialer": dialer,
            "dialer_command": command,
            "db_url": self._location_url(),
        }

    def _show_error(self, message: str) -> None:
        self.error_label.setText(message)

    def test_location(self) -> None:
        """Open the chosen data location in the background and say whether it works."""
        try:
            url = self._location_url()
        except SettingsError as exc:
            self.data_status.setStyleSheet(ERROR_STYLE)
            self.data_status.setText(str(exc))
            return
        self._check_location(url, then=None)

    def _check_location(self, url: str, then: Any) -> None:
        self._checking = True
        self.test_button.setEnabled(False)
        self.buttons.setEnabled(False)
        self.data_status.setStyleSheet("")
        self.data_status.setText(f"Opening {_safe_url(url) if url else 'the default file'}…")

        def done(info: dict[str, Any]) -> None:
            self._checking = False
            self.test_button.setEnabled(True)
            self.buttons.setEnabled(True)
            self.data_status.setStyleSheet("color: #1b5e20;")
            self.data_status.setText(f"Opened: a {info['dialect']} store, ready.")
            if then is not None:
                then()

        def failed(exc: BaseException) -> None:
            self._checking = False
            self.test_button.setEnabled(True)
            self.buttons.setEnabled(True)
            message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            self.data_status.setStyleSheet(ERROR_STYLE)
            self.data_status.setText("Cannot open this data location.")
            self._show_error(f"Not saved: cannot open the data location: {message}")

        self.ctx.background.run(
            lambda _task: controller.open_and_close(url), on_done=done, on_error=failed
        )

    def save(self) -> None:
        """Validate, open a changed data location, then write the preferences."""
        if self._checking:
            return
        self._show_error("")
        try:
            values = self._collect()
        except SettingsError as exc:
            self._show_error(f"Not saved: {exc}")
            return
        if values["db_url"] != self.values["db_url"]:
            self._check_location(values["db_url"], then=lambda: self._write(values))
        else:
            self._write(values)

    def _write(self, values: dict[str, Any]) -> None:
        self.values = settings.save(**values)
        self.saved = True
        self.ctx.data_changed.emit("settings")
        self.accept()
