"""Sync targets, configured by name in ``sync.yaml`` in the user's config directory.

A target is where outbox entries go: a ``webhook`` (JSON over HTTPS), a ``files`` folder of
CRM import files (CSV/XLSX) or a ``calendar`` folder of ``.ics`` files. The file holds no
secrets: a webhook's shared secret lives in the keyring, the environment or a private file
(:mod:`calldesk.sync.secrets`). Settings are declared once here, with type and default, and the
file is validated on load with errors that name the target and the setting.
"""

from __future__ import annotations

import ipaddress
import os
import re
import tempfile
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from calldesk import paths

TARGET_TYPES = ("webhook", "files", "calendar")
FILE_LAYOUTS = ("calldesk", "salesforce", "hubspot")
FILE_FORMATS = ("csv", "xlsx")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$")


class SyncConfigError(ValueError):
    """The sync settings file or a target definition is wrong; the message says where."""


@dataclass
class Target:
    """One named sync target and its settings (every setting has a default)."""

    name: str
    type: str
    enabled: bool = True
    # Kinds of outbox entries this target takes, by prefix ("lead.", "appointment."); empty: all
    # (a calendar only ever takes appointments).
    kinds: list[str] = field(default_factory=list)
    # Entries with an id up to this one are never sent here (a target added "from now on").
    start_after_id: int = 0
    # webhook
    url: str | None = None
    batch_size: int = 50
    timeout: float = 10.0
    backoff_base: float = 2.0
    backoff_max: float = 3600.0
    # files / calendar
    folder: str | None = None
    layout: str = "calldesk"
    format: str = "csv"

    def takes(self, kind: str) -> bool:
        """Whether entries of ``kind`` go to this target."""
        if self.type == "calendar" and not kind.startswith("appointment."):
            return False
        return not self.kinds or any(kind.startswith(prefix) for prefix in self.kinds)

    def to_dict(self) -> dict[str, Any]:
        """The settings that differ from the defaults, as stored in ``sync.yaml``."""
        defaults = Target(name=self.name, type=self.type)
        data = asdict(self)
        keep = {"type": self.type}
        for key, value in data.items():
            if key in ("name", "type"):
                continue
            if value != getattr(defaults, key):
                keep[key] = value
        return keep


def config_path() -> Path:
    """Where the sync targets are kept."""
    return paths.config_dir() / "sync.yaml"


def validate_target(target: Target) -> Target:
    """Check one target; raises :class:`SyncConfigError` naming the target and the setting."""
    where = f"sync target {target.name!r}"
    if not _NAME.match(target.name):
        raise SyncConfigError(
            f"{where}: a name is letters, digits, '.', '_' or '-' (at most 80 characters)"
        )
    if target.type not in TARGET_TYPES:
        raise SyncConfigError(f"{where}: type must be one of {', '.join(TARGET_TYPES)}")
    if target.type == "webhook":
        if not target.url:
            raise SyncConfigError(f"{where}: a webhook needs a url")
        check_webhook_url(target.url, where)
        if target.batch_size < 1 or target.batch_size > 1000:
            raise SyncConfigError(f"{where}: batch_size must be between 1 and 1000")
        if target.timeout <= 0:
            raise SyncConfigError(f"{where}: timeout must be more than 0 seconds")
        if target.backoff_base <= 0 or target.backoff_max < target.backoff_base:
            raise SyncConfigError(f"{where}: need 0 < backoff_base <= backoff_max")
    else:
        if not target.folder:
            raise SyncConfigError(f"{where}: a {target.type} target needs a folder")
        if target.type == "files":
            if target.layout not in FILE_LAYOUTS:
                raise SyncConfigError(f"{where}: layout must be one of {', '.join(FILE_LAYOUTS)}")
            if target.format not in FILE_FORMATS:
                raise SyncConfigError(f"{where}: format must be one of {', '.join(FILE_FORMATS)}")
    if not all(isinstance(k, str) and k for k in target.kinds):
        raise SyncConfigError(f"{where}: kinds is a list of entry kinds such as 'lead.graded'")
    return target


_SECRET_PARAM = re.compile(
    r"(token|key|secret|password|passwd|pwd|sig|signature|auth|code|credential)", re.IGNORECASE
)


def mask_url(url: str | None) -> str:
    """``url`` fit to print: a password or token in it (user info, a secret-looking query
    parameter) shown as ``***``. The real URL stays in ``sync.yaml`` only."""
    if not url:
        return ""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "***"
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, host = netloc.rsplit("@", 1)
        user, has_password, _ = userinfo.partition(":")
        netloc = f"{user}:***@{host}" if has_password else f"***@{host}"
    query = "&".join(
        f"{name}=***" if sep and _SECRET_PARAM.search(name) else f"{name}{sep}{value}"
        for name, sep, value in (item.partition("=") for item in parts.query.split("&") if item)
    )
    return parts._replace(netloc=netloc, query=query).geturl()


def check_webhook_url(url: str, where: str = "webhook") -> None:
    """HTTPS only, except plain HTTP to this machine (a local relay, or tests)."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise SyncConfigError(f"{where}: url must be https://host/...")
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        raise SyncConfigError(
            f"{where}: url must use https (plain http is only allowed to 127.0.0.1/localhost)"
        )


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _target_from(name: str, data: Any) -> Target:
    if not isinstance(data, dict):
        raise SyncConfigError(f"sync target {name!r}: expected a mapping of settings")
    known = {f.name: f for f in fields(Target)}
    values: dict[str, Any] = {"name": str(name)}
    for key, value in data.items():
        if key not in known or key == "name":
            raise SyncConfigError(f"sync target {name!r}: unknown setting {key!r}")
        default = getattr(Target(name="x", type="webhook"), key)
        try:
            if isinstance(default, bool):
                if not isinstance(value, bool):
                    raise TypeError
            elif isinstance(default, int):
                value = int(value)
            elif isinstance(default, float):
                value = float(value)
            elif isinstance(default, list):
                if isinstance(value, str):
                    value = [v.strip() for v in value.split(",") if v.strip()]
                value = [str(v) for v in value]
            elif value is not None:
                value = str(value)
        except (TypeError, ValueError) as exc:
            raise SyncConfigError(
                f"sync target {name!r}: {key} has a wrong value {value!r}"
            ) from exc
        values[key] = value
    if "type" not in values:
        raise SyncConfigError(f"sync target {name!r}: missing type ({', '.join(TARGET_TYPES)})")
    return validate_target(Target(**values))


def load_targets(path: Path | None = None) -> dict[str, Target]:
    """All configured targets by name (empty when there is no settings file yet)."""
    path = path or config_path()
    if not path.exists():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise SyncConfigError(f"{path}: not valid YAML: {exc}") from exc
    targets = data.get("targets") if isinstance(data, dict) else None
    if targets is None:
        return {}
    if not isinstance(targets, dict):
        raise SyncConfigError(f"{path}: 'targets' must map names to settings")
    return {str(name): _target_from(str(name), settings) for name, settings in targets.items()}


def save_targets(targets: dict[str, Target], path: Path | None = None) -> None:
    """Write ``targets`` to the settings file (atomically: a crash leaves the old file)."""
    path = path or config_path()
    document = {
        "targets": {name: targets[name].to_dict() for name in sorted(targets)},
    }
    text = (
        "# calldesk sync targets. Secrets are not kept here (keyring, environment or\n"
        "# sync-secrets.yaml). Edit with `calldesk sync target add/remove` or by hand.\n"
    ) + yaml.safe_dump(document, sort_keys=False, allow_unicode=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".sync-", suffix=".yaml", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def add_target(target: Target, *, replace: bool = False, path: Path | None = None) -> Target:
    """Validate and store ``target``; refuses to overwrite an existing name unless ``replace``."""
    validate_target(target)
    targets = load_targets(path)
    if target.name in targets and not replace:
        raise SyncConfigError(f"sync target {target.name!r} already exists")
    targets[target.name] = target
    save_targets(targets, path)
    return target


def remove_target(name: str, path: Path | None = None) -> Target:
    """Remove a target from the settings (its delivery history stays in the store)."""
    targets = load_targets(path)
    if name not in targets:
        raise SyncConfigError(f"no sync target named {name!r}")
    removed = targets.pop(name)
    save_targets(targets, path)
    return removed
