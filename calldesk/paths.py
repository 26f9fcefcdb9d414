"""The one module that owns every path calldesk uses.

User data lives in platformdirs' per-user directories; each can be redirected with an
environment variable (``CALLDESK_DATA_DIR``, ``CALLDESK_CONFIG_DIR``) so tests and portable
installs never touch the real home directory. Shipped files are found through :func:`resource`,
in an installed wheel, inside the frozen (PyInstaller) bundle and in a source checkout.
"""

from __future__ import annotations

import os
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
    """Root of the shipped resources (the package ``calldesk.resources``), wherever calldesk runs.

    An installed wheel and the desktop bundle both hold it at ``calldesk/resources``. Only a
    source checkout (``pyproject.toml`` beside the package: development) falls back to the
    top-level ``resources/`` folder, so a broken installation fails here instead of being hidden.
    """
    installed = _PACKAGE_DIR / "resources"
    if installed.is_dir():
        return installed
    checkout = _PACKAGE_DIR.parent
    if (checkout / "pyproject.toml").is_file() and (checkout / "resources").is_dir():
        return checkout / "resources"
    raise FileNotFoundError(
        f"calldesk's resources folder is missing from this installation ({installed}): "
        "reinstall calldesk"
    )


def resource(*parts: str) -> Path:
    """Path of a shipped resource file, e.g. ``resource("scripts", "bant.yaml")``."""
    return resources_root().joinpath(*parts)


def migrations_dir() -> Path:
    return _PACKAGE_DIR / "migrations"
