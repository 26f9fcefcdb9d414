"""Set-up and stores, as a manager does it: choose a data location, add reps, come back later."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QDialogButtonBox
from sqlalchemy import select

from calldesk import settings
from calldesk.cli.main import main as cli
from calldesk.models import Rep
from calldesk.reps import add_rep
from calldesk.store import open_store, resolve_url
from ui import app as desktop
from ui.settings.dialog import SettingsDialog


def _pick(qtbot, radio) -> None:
    qtbot.mouseClick(radio, Qt.MouseButton.LeftButton, pos=QPoint(6, radio.height() // 2))
    assert radio.isChecked()


def _close_all() -> None:
    for window in list(desktop._windows):
        window.close()
        window.ctx.store.close()
    desktop._windows.clear()


def test_a_saved_data_location_opens_now_and_at_the_next_start(qtbot, tmp_path: Path) -> None:
    demo_path = tmp_path / "demo.sqlite3"
    demo = open_store(str(demo_path))
    with demo.write() as s:
        add_rep(s, "Dana Demo")
    demo.close()
    settings.save(rep_name="Dana Demo")
    window = desktop.open_window(f"sqlite:///{demo_path}")
    qtbot.addWidget(window)
    try:
        assert window.ctx.store.url.endswith("demo.sqlite3")
        assert not window.no_reps.isVisible()  # the demo has a rep
        assert settings.get("rep_name") == "Dana Demo"

        # Settings > Data location: another SQLite file, saved
        dialog = SettingsDialog(window.ctx, window)
        qtbot.addWidget(dialog)
        dialog.show()
        _pick(qtbot, dialog.data_buttons["sqlite"])
        work_path = tmp_path / "work.sqlite3"
        qtbot.keyClicks(dialog.sqlite_path, str(work_path))
        qtbot.mouseClick(
            dialog.buttons.button(QDialogButtonBox.StandardButton.Save),
            Qt.MouseButton.LeftButton,
        )
        qtbot.waitUntil(lambda: dialog.saved, timeout=10000)
        window.settings_saved(dialog)

        # ... is open now, in a new window, and the old one is gone
        (current,) = desktop._windows
        qtbot.addWidget(current)
        assert current is not window and not window.isVisible()
        assert current.ctx.store.url == f"sqlite:///{work_path.resolve()}"
        assert "work.sqlite3" in current.windowTitle()
        # a new store has no reps: the window says so and offers to add one
        assert current.no_reps.isVisible() and "Add rep" in current.no_reps.text()
        # the demo's rep is not this store's rep (audit logs name the rep from here)
        assert settings.get("rep_name") == ""
        # ... and is the store opened at the next start and by the command line
        assert resolve_url(None) == f"sqlite:///{work_path.resolve()}"
    finally:
        _close_all()

    # Next start without --db: the remembered store; the demo's rep comes back with the demo
    again = desktop.open_window(None)
    qtbot.addWidget(again)
    try:
        assert again.ctx.store.url == f"sqlite:///{work_path.resolve()}"
        again.close()
        again.ctx.store.close()
        desktop._windows.clear()
        back = desktop.open_window(f"sqlite:///{demo_path}")
        qtbot.addWidget(back)
        assert settings.get("rep_name") == "Dana Demo"
    finally:
        _close_all()


def test_reps_are_added_from_the_window_and_from_the_command_line(qtbot, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    window = desktop.open_window(url)
    qtbot.addWidget(window)
    try:
        window.show_screen("appointments")
        appointments = window.screens["appointments"]
        assert window.no_reps.isVisible()

        # the banner opens the dialog; a nameless rep is refused with the reason
        qtbot.mouseClick(window.no_reps, Qt.MouseButton.LeftButton)
        dialog = window.rep_dialog
        assert dialog is not None and dialog.isVisible()
        save = dialog.buttons.button(QDialogButtonBox.StandardButton.Save)
        qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
        assert "a rep needs a name" in dialog.error.text() and dialog.isVisible()
        qtbot.keyClicks(dialog.name, "Maria Lopez")
        qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
        assert not dialog.isVisible()
        assert not window.no_reps.isVisible()
        assert "Rep Maria Lopez (qualifier) added." in window.statusBar().currentMessage()
        with window.ctx.store.session() as s:
            assert s.scalars(select(Rep.name)).all() == ["Maria Lopez"]

        # a field rep added on the command line shows up when the window is back in front
        assert cli(["--db", url, "rep", "add", "Sam Field", "--role", "field"]) == 0
        assert appointments.rep.findText("Sam Field") == -1
        assert window.check_reps() is True
        qtbot.waitUntil(lambda: appointments.rep.findText("Sam Field") >= 0, timeout=5000)
        assert window.check_reps() is False  # nothing new: nobody is told again
    finally:
        _close_all()


def test_the_settings_dialog_adds_a_rep_and_picks_her(qtbot, sqlite_store) -> None:
    from ui.context import AppContext
    from ui.worker import Background

    dialog = SettingsDialog(AppContext(sqlite_store, Background(synchronous=True)))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.mouseClick(dialog.add_rep_button, Qt.MouseButton.LeftButton)
    rep_dialog = dialog.rep_dialog
    qtbot.keyClicks(rep_dialog.name, "Ana Ortiz")
    qtbot.mouseClick(
        rep_dialog.buttons.button(QDialogButtonBox.StandardButton.Save), Qt.MouseButton.LeftButton
    )
    assert dialog.rep_name.currentText() == "Ana Ortiz"
    qtbot.mouseClick(
        dialog.buttons.button(QDialogButtonBox.StandardButton.Save), Qt.MouseButton.LeftButton
    )
    assert dialog.saved and settings.get("rep_name") == "Ana Ortiz"
    with sqlite_store.session() as s:
        assert s.scalar(select(Rep.role).where(Rep.name == "Ana Ortiz")) == "qualifier"


def test_the_rep_is_remembered_per_store_without_passwords() -> None:
    from calldesk.reps import use_profile_of

    use_profile_of("sqlite:////data/demo.sqlite3")
    settings.save(rep_name="Dana Demo", campaign_id=3)
    team = "postgresql+psycopg://desk:s3cret@db.example/calldesk"
    assert use_profile_of(team) == {"rep_name": "", "campaign_id": 0}
    settings.save(rep_name="Maria Lopez")
    assert use_profile_of("sqlite:////data/demo.sqlite3") == {
        "rep_name": "Dana Demo",
        "campaign_id": 3,
    }
    assert settings.get("rep_name") == "Dana Demo"
    assert use_profile_of(team)["rep_name"] == "Maria Lopez"
    assert not [key for key in settings.get("store_profiles") if "s3cret" in key]
