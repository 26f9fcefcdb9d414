"""User preferences, declared once with type, default and label.

Preferences live in ``settings.json`` in the config directory (per user, per machine); window
state is kept apart by the interface. Store-wide settings shared by a team live in the store's
``settings`` table instead.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
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
    return values


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
    target = _file()
    tmp = target.with_suffix(".tmp")
    tmp.write_text(json.dumps(values, indent=2), encoding="utf-8")
    os.replace(tmp, target)
    return values
