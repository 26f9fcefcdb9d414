"""The one module that owns every path calldesk uses.

User data lives in platformdirs' per-user directories; each can be redirected with an
environment variable (``CALLDESK_DATA_DIR``, ``CALLDESK_CONFIG_DIR``) so tests and portable
installs never touch the real home directory. Shipped files are found through :func:`resource`,
in an installed wheel, inside the frozen (PyInstaller) bundle and in a source checkout.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

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


def cache_file(kind: str, fingerprint: str) -> Path:
    """Where answers worked out once are kept between runs (phone prefixes, holiday dates):
    ``cache/<kind>-<fingerprint>.json`` in the data folder, the fingerprint naming what decides
    the answers, so a changed answer can only come with another file."""
    return data_dir() / "cache" / f"{kind}-{fingerprint}.json"


def read_cache(path: Path) -> Any:
    """The JSON a cache file holds, or None when it is missing or cannot be read."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def write_cache(path: Path, data: Any) -> None:
    """Write ``data`` to the cache file ``path`` whole (a reader sees the old file or the new
    one, never half of one) and remove its kind's files of other fingerprints. Never raises:
    a cache that cannot be written (a read-only data folder, say) is worked out again."""
    folder = path.parent
    kind = path.name.rsplit("-", 1)[0]
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", dir=folder, suffix=".tmp", delete=False
        ) as handle:
            try:
                json.dump(data, handle, separators=(",", ":"))
            except BaseException:
                handle.close()
                os.unlink(handle.name)
                raise
        os.replace(handle.name, path)
        for other in folder.glob(f"{kind}-*.json"):
            if other != path:
                other.unlink(missing_ok=True)
    except (OSError, TypeError, ValueError):
        return


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
