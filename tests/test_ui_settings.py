"""The settings dialog, driven as a manager would: a bad data location is refused, a good one saved."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QDialogButtonBox
from sqlalchemy.engine import make_url

from calldesk import settings
from calldesk.store import Store
from tests.conftest import REPO
from ui.context import AppContext
from ui.settings.dialog import SettingsDialog
from ui.worker import Background

# Screenshots are always taken; with CALLDESK_SHOTS=1 they replace the ones in docs/shots.
SHOTS = (
    REPO / "docs" / "shots"
    if os.environ.get("CALLDESK_SHOTS")
    else Path(tempfile.gettempdir()) / "calldesk-shots"
)


def _dialog(qtbot, store: Store) -> SettingsDialog:
    ctx = AppContext(store, Background(synchronous=True))
    dialog = SettingsDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def _pick(qtbot, radio) -> None:
    """Click a radio button on its indicator, as a person does."""
    qtbot.mouseClick(radio, Qt.MouseButton.LeftButton, pos=QPoint(6, radio.height() // 2))
    assert radio.isChecked()


def _save(qtbot, dialog: SettingsDialog) -> None:
    qtbot.mouseClick(
        dialog.buttons.button(QDialogButtonBox.StandardButton.Save), Qt.MouseButton.LeftButton
    )


def test_bad_postgresql_url_refuses_to_save(qtbot, sqlite_store: Store) -> None:
    dialog = _dialog(qtbot, sqlite_store)
    _pick(qtbot, dialog.data_buttons["postgresql"])
    # a real address that refuses: nothing listens on port 1
    qtbot.keyClicks(dialog.pg_url, "postgresql://calldesk:wrong@127.0.0.1:1/calldesk")
    _save(qtbot, dialog)
    assert "cannot open the data location" in dialog.error_label.text()
    assert dialog.data_status.text() == "Cannot open this data location."
    assert dialog.isVisible() and not dialog.saved
    assert settings.get("db_url") == ""
    assert not (settings.paths.config_dir() / "settings.json").exists()
    SHOTS.mkdir(parents=True, exist_ok=True)
    assert dialog.grab().save(str(SHOTS / "settings-bad-url.png"))


def test_not_a_postgresql_url_is_explained(qtbot, sqlite_store: Store) -> None:
    dialog = _dialog(qtbot, sqlite_store)
    _pick(qtbot, dialog.data_buttons["postgresql"])
    qtbot.keyClicks(dialog.pg_url, "mysql://root@localhost/db")
    _save(qtbot, dialog)
    assert "starts with postgresql://" in dialog.error_label.text()
    assert settings.get("db_url") == ""


@pytest.mark.postgres
def test_wrong_password_on_a_real_server_refuses_to_save(qtbot, sqlite_store, pg_url) -> None:
    bad = make_url(pg_url).set(password="not-the-password").render_as_string(hide_password=False)
    dialog = _dialog(qtbot, sqlite_store)
    _pick(qtbot, dialog.data_buttons["postgresql"])
    qtbot.keyClicks(dialog.pg_url, bad)
    _save(qtbot, dialog)
    assert "cannot open the data location" in dialog.error_label.text()
    assert not dialog.saved and settings.get("db_url") == ""


@pytest.mark.postgres
def test_working_postgresql_url_is_opened_then_saved(qtbot, sqlite_store, pg_url) -> None:
    dialog = _dialog(qtbot, sqlite_store)
    _pick(qtbot, dialog.data_buttons["postgresql"])
    qtbot.keyClicks(dialog.pg_url, pg_url)
    _save(qtbot, dialog)
    assert dialog.saved, dialog.error_label.text()
    assert settings.get("db_url") == pg_url


def test_new_sqlite_store_profile_and_dialler(qtbot, sqlite_store: Store, tmp_path: Path) -> None:
    dialog = _dialog(qtbot, sqlite_store)
    dialog.rep_name.setEditText("")
    qtbot.keyClicks(dialog.rep_name, "Maria Lopez")
    dialog.country.setCurrentIndex(dialog.country.findData("CA"))
    _pick(qtbot, dialog.dial_buttons["command"])
    assert dialog.dial_command.isEnabled()
    qtbot.keyClicks(dialog.dial_command, "softphone --call {number}")
    _pick(qtbot, dialog.data_buttons["sqlite"])
    target = tmp_path / "real-work" / "desk.sqlite3"
    qtbot.keyClicks(dialog.sqlite_path, str(target))
    _save(qtbot, dialog)
    assert "Unknown placeholder {number}" in dialog.error_label.text()
    assert not dialog.saved

    dialog.dial_command.clear()
    qtbot.keyClicks(dialog.dial_command, "softphone --call {e164}")
    _save(qtbot, dialog)
    assert dialog.saved, dialog.error_label.text()
    assert target.exists()  # opened (created and migrated) before it was saved
    saved = settings.load()
    assert saved["rep_name"] == "Maria Lopez"
    assert saved["default_country"] == "CA"
    assert saved["dialer"] == "command"
    assert saved["dialer_command"] == "softphone --call {e164}"
    assert saved["db_url"] == f"sqlite:///{target.resolve()}"


def test_sync_targets_are_listed_and_screenshot(qtbot, sqlite_store: Store) -> None:
    config = pytest.importorskip("calldesk.sync.config")
    config.add_target(config.Target(name="crm", type="webhook", url="https://crm.example/hook"))
    config.add_target(config.Target(name="calendar", type="calendar", folder="/srv/ics"))
    settings.save(rep_name="Maria Lopez", dialer="sip")
    dialog = _dialog(qtbot, sqlite_store)
    assert dialog.rep_name.currentText() == "Maria Lopez"
    assert dialog.dial_buttons["sip"].isChecked() and not dialog.dial_command.isEnabled()
    table = dialog.sync_table
    rows = {table.item(r, 0).text(): table.item(r, 2).text() for r in range(table.rowCount())}
    assert rows == {"crm": "https://crm.example/hook", "calendar": "/srv/ics"}
    SHOTS.mkdir(parents=True, exist_ok=True)
    assert dialog.grab().save(str(SHOTS / "settings-dialog.png"))
