"""The shipped forms: the wheel outside the source tree, the desktop metadata, the first run.

scripts/ship_check.sh (run by .ci/run) checks the wheel with all its dependencies and the
PyInstaller bundle; these tests check what can be checked in the suite's time.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import sysconfig
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox
from sqlalchemy import func, select

import calldesk
from calldesk import paths
from calldesk.models import Contact
from calldesk.store import open_store
from ui import app as desk_app

REPO = Path(__file__).resolve().parent.parent
PACKAGING = REPO / "packaging"
APP_ID = "io.github.calldesk.Calldesk"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    result = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(out), str(REPO)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    (found,) = out.glob("calldesk-*.whl")
    return found


def test_the_wheel_works_outside_the_source_tree(wheel: Path, tmp_path: Path) -> None:
    """Installed in a fresh venv and run from elsewhere, it finds its own resources and
    migrations (the dependencies come from the test environment, not the source tree)."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = Path(
        subprocess.run(
            [
                str(venv / "bin" / "python"),
                "-c",
                "import sysconfig; print(sysconfig.get_path('purelib'))",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    # The test environment's packages, after the venv's own: calldesk comes from the wheel.
    (site / "deps.pth").write_text(sysconfig.get_path("purelib") + "\n")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(venv / "bin" / "python"),
            "install",
            "--quiet",
            "--no-deps",
            "--no-index",
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    run_dir = tmp_path / "elsewhere"
    run_dir.mkdir()

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            args, capture_output=True, text=True, cwd=run_dir, env=env, timeout=300
        )

    where = run(
        str(venv / "bin" / "python"),
        "-c",
        "import calldesk, calldesk.paths as p; print(calldesk.__file__); "
        "print(p.resources_root()); print(p.migrations_dir())",
    )
    module, resources, migrations = where.stdout.split()
    assert module.startswith(str(site)) and resources.startswith(str(site)), where.stdout
    assert (Path(resources) / "scripts" / "bant.yaml").is_file()
    assert sorted(p.name for p in (Path(migrations) / "versions").glob("0*.py"))

    assert run(str(venv / "bin" / "calldesk"), "--version").stdout.strip() == (
        f"calldesk {calldesk.__version__}"
    )
    demo = run(
        str(venv / "bin" / "calldesk"), "--db", str(tmp_path / "d.sqlite3"), "demo", "--json"
    )
    assert demo.returncode == 0 and "Traceback" not in demo.stderr, demo.stderr
    assert json.loads(demo.stdout)["counts"]["contacts"] > 0


def test_resources_outside_a_checkout_are_not_borrowed_from_elsewhere(tmp_path: Path) -> None:
    """A copy of the package with no resources and no checkout around it says so."""
    copy = tmp_path / "site" / "calldesk"
    copy.mkdir(parents=True)
    (copy / "__init__.py").write_text((REPO / "calldesk" / "__init__.py").read_text())
    (copy / "paths.py").write_text((REPO / "calldesk" / "paths.py").read_text())
    result = subprocess.run(
        [sys.executable, "-c", "from calldesk import paths; paths.resources_root()"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(tmp_path / "site")},
    )
    assert result.returncode != 0
    assert "resources folder is missing from this installation" in result.stderr


def test_the_desktop_id_is_the_same_everywhere(qapp: QApplication) -> None:
    assert desk_app.DESKTOP_ID == APP_ID
    desk_app.application()
    assert QApplication.desktopFileName() == APP_ID
    assert (PACKAGING / f"{APP_ID}.desktop").is_file()
    root = ET.parse(PACKAGING / f"{APP_ID}.metainfo.xml").getroot()
    assert root.findtext("id") == APP_ID
    assert root.findtext("launchable") == f"{APP_ID}.desktop"
    entry = (PACKAGING / f"{APP_ID}.desktop").read_text()
    assert f"Icon={APP_ID}\n" in entry and "Exec=calldesk-desk\n" in entry


def test_the_appstream_file_has_screenshots_of_the_app_and_this_release() -> None:
    root = ET.parse(PACKAGING / f"{APP_ID}.metainfo.xml").getroot()
    images = [image.text or "" for image in root.iter("image")]
    assert len(images) >= 3
    for url in images:
        name = re.fullmatch(r"https://\S+/docs/shots/([\w-]+\.png)", url)
        assert name, url
        assert (REPO / "docs" / "shots" / name.group(1)).is_file()
    assert [s.get("type") for s in root.iter("screenshot")].count("default") == 1
    versions = [release.get("version") for release in root.iter("release")]
    assert calldesk.__version__ in versions


def test_install_sh_explains_a_missing_program_folder(tmp_path: Path) -> None:
    unpacked = tmp_path / "calldesk-0.1.0-linux-x86_64"
    unpacked.mkdir()
    (unpacked / "install.sh").write_text((PACKAGING / "install.sh").read_text())
    result = subprocess.run(
        ["bash", str(unpacked / "install.sh")],
        capture_output=True,
        text=True,
        env={**os.environ, "HOME": str(tmp_path / "home")},
    )
    assert result.returncode == 1
    assert "program folder" in result.stderr and "unpack the whole" in result.stderr
    assert not (tmp_path / "home" / ".local" / "share" / "applications").exists()


def _answer(button_text: str) -> None:
    """Click ``button_text`` in the first-run question once it is shown."""

    def click() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, click)
            return
        (button,) = [b for b in box.buttons() if b.text() == button_text]
        button.click()

    QTimer.singleShot(0, click)


@pytest.mark.parametrize(
    ("button", "choice"), [("Try the demo", "demo"), ("Start empty", "empty"), ("Cancel", None)]
)
def test_the_first_run_question(qapp: QApplication, button: str, choice: str | None) -> None:
    _answer(button)
    assert desk_app.ask_first_run() == choice


def _contacts(path: Path) -> int:
    store = open_store(str(path))
    try:
        with store.session() as session:
            return session.scalar(select(func.count()).select_from(Contact))
    finally:
        store.close()


def test_a_double_click_on_a_new_computer_creates_the_chosen_store(
    qapp: QApplication, monkeypatch: pytest.MonkeyPatch
) -> None:
    """launch(): the first run asks, creates the default store (demo) and opens the desk."""
    default = paths.default_db_path()
    assert not default.exists()
    _answer("Try the demo")
    shown: list[str] = []

    def close_the_desk() -> None:
        windows = [w for w in QApplication.topLevelWidgets() if w.isVisible()]
        if not windows:
            QTimer.singleShot(50, close_the_desk)
            return
        shown.extend(type(w).__name__ for w in windows)
        for window in windows:
            window.close()  # the last window closed ends app.exec() (no second quit)

    QTimer.singleShot(100, close_the_desk)
    assert desk_app.launch() == 0
    assert "MainWindow" in shown
    assert _contacts(default) > 0
    # The second start opens the same store without asking.
    QTimer.singleShot(100, close_the_desk)
    assert desk_app.launch() == 0


def test_an_empty_first_store_has_no_contacts(qapp: QApplication, tmp_path: Path) -> None:
    desk_app.create_store("empty", str(tmp_path / "new.sqlite3"))
    assert _contacts(tmp_path / "new.sqlite3") == 0


def test_readme_starts_with_the_users_install_then_the_developer_commands() -> None:
    readme = (REPO / "README.md").read_text()
    install = readme.index("## Install")
    for route in ("./install.sh", "pipx install", "packaging/calldesk.spec"):
        assert install < readme.index(route)
    develop = readme.index("bash scripts/dev.sh run")
    assert install < develop and "bash scripts/dev.sh test" in readme


def test_ci_runs_the_readme_test_command_then_the_ship_check() -> None:
    lines = [
        line
        for line in (REPO / ".ci" / "run").read_text().splitlines()
        if line and not line.startswith("#")
    ]
    assert lines.index("bash scripts/dev.sh test") < lines.index("bash scripts/ship_check.sh")


def test_a_preset_first_run_choice_creates_the_store_without_asking(
    qapp: QApplication, monkeypatch
) -> None:
    monkeypatch.setenv(desk_app.FIRST_RUN_ENV, "Empty")

    def close_the_desk() -> None:
        assert not isinstance(QApplication.activeModalWidget(), QMessageBox)  # nothing asked
        windows = [w for w in QApplication.topLevelWidgets() if w.isVisible()]
        if not windows:
            QTimer.singleShot(50, close_the_desk)
            return
        for window in windows:
            window.close()  # the last window closed ends app.exec() (no second quit)

    QTimer.singleShot(100, close_the_desk)
    assert desk_app.launch() == 0
    assert _contacts(paths.default_db_path()) == 0


def test_a_store_that_cannot_open_is_explained_in_a_window(
    qapp: QApplication, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    folder = tmp_path / "not-a-store.sqlite3"
    folder.mkdir()
    monkeypatch.setenv("CALLDESK_DB", str(folder))
    seen: list[str] = []

    def read_and_close() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, read_and_close)
            return
        seen.append(box.windowTitle() + " | " + box.text())
        box.accept()

    QTimer.singleShot(0, read_and_close)
    assert desk_app.launch() == 1
    assert seen and seen[0].startswith("calldesk cannot open its store | cannot open store")
