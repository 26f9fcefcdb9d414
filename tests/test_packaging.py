"""Desktop metadata is source: the .desktop entry and AppStream file pass the real validators."""

import shutil
import subprocess
from pathlib import Path

import pytest

PACKAGING = Path(__file__).resolve().parent.parent / "packaging"


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is missing: scripts/dev.sh test installs it")
    return path


def test_desktop_entry_is_valid() -> None:
    entry = PACKAGING / "io.github.calldesk.Calldesk.desktop"
    result = subprocess.run(
        [_tool("desktop-file-validate"), str(entry)], capture_output=True, text=True
    )
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr
    assert "Exec=calldesk-desk\n" in entry.read_text()  # the wheel's gui script (pipx)


def test_appstream_metadata_is_valid() -> None:
    result = subprocess.run(
        [
            _tool("appstreamcli"),
            "validate",
            "--no-net",
            str(PACKAGING / "io.github.calldesk.Calldesk.metainfo.xml"),
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
