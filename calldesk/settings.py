"""User preferences, declared once with type, default and label.

Preferences live in ``settings.json`` in the config directory (per user, per machine; mode
0600); window state is kept apart by the interface. Store-wide settings shared by a team live
in the store's ``settings`` table instead.

A database URL's password never reaches ``settings.json``: :func:`save` keeps it in the system
keyring (or, without one, in ``db-secrets.yaml``, mode 0600) and writes the URL without it;
:func:`load` puts it back.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from calldesk import paths


@dataclass(frozen=True)
class Option:
    key: str
    type: type
    default: Any
    label: str


OPTIONS: tuple[Option, ...] = (
    Option("rep_name", str, "", "Your name (rep profile)"),
    Option("campaign_id", int, 0, "Campaign last worked (0: every active campaign)"),
    Option("default_country", str, "US", "Default country for numbers without a country code"),
    Option("rule_pack", str, "US", "Calling-window rule set for new campaigns"),
    Option("dialer", str, "tel", "How to dial: tel, sip or command"),
    Option("dialer_command", str, "", "Dial command template, e.g. 'softphone --call {e164}'"),
    Option("db_url", str, "", "Data location (empty: the default SQLite file)"),
    Option("claim_minutes", int, 15, "Minutes a contact stays claimed while its card is open"),
    Option("store_profiles", dict, {}, "Rep and campaign remembered per data location"),
    Option("profile_url", str, "", "Data location that rep_name and campaign_id belong to"),
)
_BY_KEY = {option.key: option for option in OPTIONS}


def _file() -> Any:
    return paths.config_dir() / "settings.json"


def load() -> dict[str, Any]:
    """All preferences, defaults filled in; unreadable files fall back to defaults."""
    values = {option.key: option.default for option in OPTIONS}
    try:
        stored = json.loads(_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        stored = {}
    for key, value in stored.items():
        option = _BY_KEY.get(key)
        if option is not None and isinstance(value, option.type):
            values[key] = value
    url, password = _split_password(values["db_url"])
    if password is not None:  # written by an older calldesk: move the password out now
        from calldesk.sync.secrets import set_db_password

        set_db_password(url, password)
        _write_private(_file(), json.dumps(dict(stored, db_url=url), indent=2))
    values["db_url"] = _with_password(values["db_url"])
    return values


def _split_password(url: str) -> tuple[str, str | None]:
    """``url`` without its password, and the password (None when it has none)."""
    if "://" not in url:
        return url, None
    from sqlalchemy.engine import make_url  # late import: keeps `calldesk --version` fast
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError:
        return url, None
    if not parsed.password:
        return url, None
    # URL.set(password=None) keeps the password: replace the field itself.
    bare = parsed._replace(password=None)
    return bare.render_as_string(hide_password=False), str(parsed.password)


def _with_password(url: str) -> str:
    if "://" not in url:
        return url
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    from calldesk.sync.secrets import get_db_password

    try:
        parsed = make_url(url)
    except ArgumentError:
        return url
    if parsed.password or not parsed.username:
        return url
    password = get_db_password(url)
    if password is None:
        return url
    return parsed.set(password=password).render_as_string(hide_password=False)


def get(key: str) -> Any:
    return load()[key]


def save(**changes: Any) -> dict[str, Any]:
    """Update preferences (validated against their declared types) and write them atomically."""
    values = load()
    for key, value in changes.items():
        option = _BY_KEY.get(key)
        if option is None:
            raise KeyError(f"unknown setting {key!r}")
        if not isinstance(value, option.type):
            raise TypeError(f"setting {key!r} must be {option.type.__name__}")
        values[key] = value
    stored = dict(values)
    url, password = _split_password(values["db_url"])
    if password is not None:
        from calldesk.sync.secrets import set_db_password

        set_db_password(url, password)
        stored["db_url"] = url
    _write_private(_file(), json.dumps(stored, indent=2))
    return values


def _write_private(target: Path, text: str) -> None:
    """Write ``text`` to ``target`` atomically, readable by this user only (0600)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".settings-", dir=target.parent)  # created 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
