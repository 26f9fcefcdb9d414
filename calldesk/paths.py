"""The one module that owns every path calldesk uses.

User data lives in platformdirs' per-user directories; each can be redirected with an
environment variable (``CALLDESK_DATA_DIR``, ``CALLDESK_CONFIG_DIR``) so tests and portable
installs never touch the real home directory. Shipped files are found through :func:`resource`,
which also works inside a frozen (PyInstaller) bundle.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import platformdirs

from calldesk import APP_NAME

_PACKAGE_DIR = Path(__file__).resolve().parent


def data_dir() -> Path:
    """Directory for the default store and its backups (created on demand)."""
    override = os.environ.get("CALLDESK_DATA_DIR")
    path = Path(override) if override else Path(platformdirs.user_data_dir(APP_NAME, APP_NAME))
    path.mkdir(parents=True, exist_ok=True)
    return path


def config_dir() -> Path:
    """Directory for settings, saved mappings on disk and sync target configuration."""
    override = os.environ.get("CALLDESK_CONFIG_DIR")
    path = Path(override) if override else Path(platformdirs.user_config_dir(APP_NAME, APP_NAME))
    path.mkdir(parents=True, exist_ok=True)
    return path


def default_db_path() -> Path:
    return data_dir() / "calldesk.sqlite3"


def backups_dir() -> Path:
    path = data_dir() / "backups"
    path.mkdir(parents=True, exist_ok=True)
    return path


def resources_root() -> Path:
    """Root of the shipped ``resources/`` folder, wherever calldesk runs from."""
    frozen_root = getattr(sys, "_MEIPASS", None)
    candidates = []
    if frozen_root:
        candidates.append(Path(frozen_root) / "resources")
    candidates.append(_PACKAGE_DIR / "resources")  # installed wheel
    candidates.append(_PACKAGE_DIR.parent / "resources")  # source checkout
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("calldesk's resources folder is missing from this installation")


def resource(*parts: str) -> Path:
    """Path of a shipped resource file, e.g. ``resource("scripts", "bant.yaml")``."""
    return resources_root().joinpath(*parts)


def migrations_dir() -> Path:
    return _PACKAGE_DIR / "migrations"
