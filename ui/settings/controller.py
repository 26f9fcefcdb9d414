"""What the settings dialog checks before it saves: the dial command and the data location."""

from __future__ import annotations

import string
from pathlib import Path
from typing import Any

import phonenumbers

from calldesk.store import open_store, resolve_url

#: Placeholders a dial command template may use.
DIAL_FIELDS = ("e164", "digits", "extension")


class SettingsError(ValueError):
    """A setting cannot be saved; the message says what to fix."""


def check_dial_command(template: str) -> str:
    """Refuse a dial command that does not name the number or uses unknown placeholders."""
    template = template.strip()
    if not template:
        raise SettingsError("The dial command is empty: write e.g. softphone --call {e164}")
    try:
        fields = [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]
    except ValueError as exc:
        raise SettingsError(f"The dial command has a stray brace: {exc}") from exc
    unknown = sorted({name for name in fields if name not in DIAL_FIELDS})
    if unknown:
        allowed = ", ".join("{" + name + "}" for name in DIAL_FIELDS)
        raise SettingsError(f"Unknown placeholder {{{unknown[0]}}}: use {allowed}")
    if "e164" not in fields and "digits" not in fields:
        raise SettingsError("The dial command must contain {e164} or {digits}")
    return template


def country_choices() -> list[tuple[str, str]]:
    """(code, label) of every region phonenumbers knows, e.g. ("CA", "CA  +1")."""
    return [
        (code, f"{code}  +{phonenumbers.country_code_for_region(code)}")
        for code in sorted(phonenumbers.SUPPORTED_REGIONS)
    ]


def rule_pack_choices() -> list[tuple[str, str]]:
    """(country, name) of every shipped calling-window rule set."""
    try:
        from calldesk.rules.packs import shipped_packs
    except ImportError:  # rule packs not part of this build
        return [("US", "United States")]
    return [(country, pack.name) for country, pack in sorted(shipped_packs().items())]


def store_url_for(kind: str, text: str) -> str:
    """The URL saved for a data location: "" (default file), a SQLite file, or a server URL."""
    text = text.strip()
    if kind == "default":
        return ""
    if not text:
        raise SettingsError(
            "Choose a SQLite file" if kind == "sqlite" else "Enter a PostgreSQL URL"
        )
    if kind == "sqlite":
        if "://" in text:
            raise SettingsError("A SQLite file is a path, not a URL")
        return f"sqlite:///{Path(text).expanduser().resolve()}"
    if not text.startswith(("postgresql://", "postgresql+psycopg://", "postgres://")):
        raise SettingsError("A PostgreSQL URL starts with postgresql:// (user:password@host/db)")
    if text.startswith("postgres://"):
        text = "postgresql://" + text.removeprefix("postgres://")
    if text.startswith("postgresql://"):
        text = "postgresql+psycopg://" + text.removeprefix("postgresql://")
    return text


def open_and_close(url: str) -> dict[str, Any]:
    """Open the store at ``url`` (creating and migrating it if new) to prove it works.

    Raises the store's own error (``StoreError`` and friends) with its message when it cannot
    be opened. Runs in the background: a server may take seconds to refuse.
    """
    store = open_store(url or None)
    try:
        return {"url": resolve_url(url or None), "dialect": store.dialect}
    finally:
        store.close()
