"""Secrets and personal data on disk: a database password never in settings.json, credentials in
a webhook URL never printed, and the store, its WAL/SHM, its backups and settings.json 0600."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from test_sync_support import memory_keyring  # noqa: F401 (fixture)

from calldesk import paths, settings
from calldesk.cli.main import main
from calldesk.store import make_engine, migrate, open_store
from calldesk.sync import Target, add_target
from calldesk.sync.config import mask_url
from calldesk.sync.secrets import db_secrets_file

PG = "postgresql+psycopg://calldesk:{}@db.example.com:5432/calldesk"
PASSWORD = "Tr0ub4dor&3"


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _settings_file() -> Path:
    return paths.config_dir() / "settings.json"


def test_the_database_password_goes_to_a_private_file_without_a_keyring() -> None:
    settings.save(db_url=PG.format(PASSWORD), rep_name="Maria")
    written = _settings_file().read_text()
    assert PASSWORD not in written and json.loads(written)["db_url"] == PG.format("").replace(
        ":@", "@"
    )
    assert _mode(_settings_file()) == 0o600
    assert PASSWORD in db_secrets_file().read_text() and _mode(db_secrets_file()) == 0o600
    # The program still connects with it (the URL comes back, the password URL-encoded).
    assert make_url(settings.load()["db_url"]) == make_url(PG.format(PASSWORD))
    assert settings.get("rep_name") == "Maria"


def test_the_database_password_goes_to_the_keyring(memory_keyring) -> None:  # noqa: F811
    settings.save(db_url=PG.format(PASSWORD))
    assert PASSWORD not in _settings_file().read_text()
    assert not db_secrets_file().exists()
    assert PASSWORD in memory_keyring.secrets.values()
    assert make_url(settings.get("db_url")) == make_url(PG.format(PASSWORD))


def test_an_old_settings_file_with_a_password_is_cleaned_on_read() -> None:
    path = _settings_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"db_url": PG.format(PASSWORD)}))
    path.chmod(0o644)
    assert make_url(settings.load()["db_url"]) == make_url(PG.format(PASSWORD))
    assert PASSWORD not in path.read_text() and _mode(path) == 0o600


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://crm.example.com/in", "https://crm.example.com/in"),
        ("https://bob:hunter2@crm.example.com/in", "https://bob:***@crm.example.com/in"),
        ("https://tok_abc123@crm.example.com/in", "https://***@crm.example.com/in"),
        (
            "https://crm.example.com/in?api_key=zz9&list=7&access_token=qq",
            "https://crm.example.com/in?api_key=***&list=7&access_token=***",
        ),
    ],
)
def test_mask_url(url: str, shown: str) -> None:
    assert mask_url(url) == shown


def test_the_command_line_never_prints_url_credentials(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    db = ["--db", str(tmp_path / "s.sqlite3")]
    url = "https://bob:hunter2@crm.example.com/in?token=s3cr3tT0ken"
    assert main(["sync", "target", "add", "crm", "--type", "webhook", "--url", url, *db]) == 0
    assert (
        main(["sync", "target", "add", "crm2", "--type", "webhook", "--url", url, "--json", *db])
        == 0
    )
    assert main(["sync", "target", "list", *db]) == 0
    assert main(["sync", "target", "list", "--json", *db]) == 0
    out = capsys.readouterr()
    printed = out.out + out.err
    assert "crm.example.com" in printed
    assert "hunter2" not in printed and "s3cr3tT0ken" not in printed
    assert "hunter2" in (paths.config_dir() / "sync.yaml").read_text()  # the real URL is kept


def test_the_sync_screen_never_shows_url_credentials(qtbot, sqlite_store) -> None:
    from test_ui_sync import _cells, _view

    add_target(Target(name="crm", type="webhook", url="https://bob:hunter2@crm.example.com/in"))
    view = _view(qtbot, sqlite_store)
    shown = " ".join(_cells(view.targets, 2))
    assert "crm.example.com" in shown and "hunter2" not in shown


def test_a_new_store_its_wal_and_its_backups_are_private(tmp_path: Path) -> None:
    previous = os.umask(0o022)  # the usual default, which would make them 0644
    try:
        _check_private_store(tmp_path)
    finally:
        os.umask(previous)


def _check_private_store(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite3"
    store = open_store(str(path))
    with store.write() as session:
        session.execute(text("CREATE TABLE IF NOT EXISTS t (x INTEGER)"))
    files = [path, Path(f"{path}-wal"), Path(f"{path}-shm")]
    assert all(p.exists() for p in files)
    assert {p.name: _mode(p) for p in files} == {p.name: 0o600 for p in files}
    store.close()

    old = tmp_path / "old.sqlite3"
    engine = make_engine(f"sqlite:///{old}")
    migrate(engine, "0001")
    engine.dispose()
    before = set(paths.backups_dir().iterdir())
    open_store(str(old)).close()
    [backup] = set(paths.backups_dir().iterdir()) - before
    assert _mode(backup) == 0o600 and _mode(old) == 0o600


def test_the_settings_dialog_never_shows_url_credentials(qtbot, sqlite_store) -> None:
    from test_ui_settings import _dialog

    add_target(Target(name="crm", type="webhook", url="https://bob:hunter2@crm.example.com/in"))
    dialog = _dialog(qtbot, sqlite_store)
    shown = dialog.sync_table.item(0, 2).text()
    assert shown == "https://bob:***@crm.example.com/in"
