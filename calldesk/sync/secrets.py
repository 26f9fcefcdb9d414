"""Where a sync target's shared secret lives: never in the store, never in ``sync.yaml``.

Stored in the system keyring when it has a working backend. Otherwise it can come from the
environment (``CALLDESK_SYNC_SECRET_<NAME>``, name upper-cased, other characters as ``_``), or,
as a last resort, from ``sync-secrets.yaml`` in the config directory: readable only by the
user (mode 0600) and NOT encrypted, which the file itself and the command line say plainly.
Lookup order: keyring, environment, file.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from pathlib import Path
from typing import Literal

import keyring
import yaml
from keyring.errors import KeyringError, PasswordDeleteError

from calldesk import paths

SERVICE = "calldesk-sync"
FILE_NOTICE = (
    "# calldesk sync secrets. NOT ENCRYPTED: this machine has no usable system keyring.\n"
    "# Only your user may read this file (mode 0600). Keep it out of backups you share.\n"
)

SecretSource = Literal["keyring", "environment", "file"]


def env_var(target: str) -> str:
    """The environment variable that may hold ``target``'s secret."""
    return "CALLDESK_SYNC_SECRET_" + re.sub(r"[^A-Za-z0-9]", "_", target).upper()


def secrets_file() -> Path:
    return paths.config_dir() / "sync-secrets.yaml"


def keyring_usable() -> bool:
    """Whether the system keyring has a backend that can store secrets."""
    backend = keyring.get_keyring()
    # The "fail" backend (and a chainer with nothing in it) is what keyring picks when none fits.
    return not (
        type(backend).__module__.startswith("keyring.backends.fail")
        or (
            type(backend).__module__.startswith("keyring.backends.chainer")
            and not getattr(backend, "backends", None)
        )
    )


def set_secret(target: str, secret: str) -> SecretSource:
    """Store ``target``'s secret: in the keyring if possible, else in the private file.

    Returns where it went; ``"file"`` means it is kept unencrypted (tell the user).
    """
    if not secret:
        raise ValueError("a secret cannot be empty")
    if keyring_usable():
        try:
            keyring.set_password(SERVICE, target, secret)
            _file_write(target, None)  # a stale copy in the file must not shadow nothing
            return "keyring"
        except KeyringError:
            pass
    _file_write(target, secret)
    return "file"


def get_secret(target: str) -> tuple[str, SecretSource] | None:
    """``target``'s secret and where it was found, or None when it has none."""
    if keyring_usable():
        try:
            value = keyring.get_password(SERVICE, target)
        except KeyringError:
            value = None
        if value:
            return value, "keyring"
    value = os.environ.get(env_var(target))
    if value:
        return value, "environment"
    value = _file_read().get(target)
    if value:
        return str(value), "file"
    return None


def delete_secret(target: str) -> None:
    """Forget ``target``'s secret wherever calldesk stored it."""
    if keyring_usable():
        with contextlib.suppress(PasswordDeleteError, KeyringError):
            keyring.delete_password(SERVICE, target)
    _file_write(target, None)


# --- the password of a team store's database URL -----------------------------------------------

DB_SERVICE = "calldesk-db"
DB_FILE_NOTICE = (
    "# calldesk database passwords. NOT ENCRYPTED: this machine has no usable system keyring.\n"
    "# Only your user may read this file (mode 0600). Keep it out of backups you share.\n"
)


def db_secrets_file() -> Path:
    return paths.config_dir() / "db-secrets.yaml"


def set_db_password(key: str, password: str) -> SecretSource:
    """Keep the password of the database URL ``key`` (the URL without it): keyring, else file."""
    if keyring_usable():
        try:
            keyring.set_password(DB_SERVICE, key, password)
            _file_write(key, None, db_secrets_file(), DB_FILE_NOTICE)
            return "keyring"
        except KeyringError:
            pass
    _file_write(key, password, db_secrets_file(), DB_FILE_NOTICE)
    return "file"


def get_db_password(key: str) -> str | None:
    """The password kept for the database URL ``key``, or None."""
    if keyring_usable():
        try:
            value = keyring.get_password(DB_SERVICE, key)
        except KeyringError:
            value = None
        if value:
            return value
    return _file_read(db_secrets_file()).get(key)


def _file_read(path: Path | None = None) -> dict[str, str]:
    path = path or secrets_file()
    if not path.exists():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def _file_write(
    target: str, secret: str | None, path: Path | None = None, notice: str = FILE_NOTICE
) -> None:
    path = path or secrets_file()
    data = _file_read(path)
    if secret is None:
        if target not in data:
            return
        data.pop(target)
    else:
        data[target] = secret
    fd, tmp = tempfile.mkstemp(prefix=".secrets-", dir=path.parent)  # mkstemp: mode 0600
    try:
        if hasattr(os, "fchmod"):  # POSIX (Windows before Python 3.13 has none)
            os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(notice)
            handle.write(yaml.safe_dump(data, sort_keys=True) if data else "")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
