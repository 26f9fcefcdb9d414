"""What every store holds before the first call: dispositions, scripts, the default campaign."""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import select

from calldesk import paths
from calldesk.models import Campaign, Disposition, Setting
from calldesk.yamlload import load_yaml

DEFAULT_CAMPAIGN = "Default campaign"
SCRIPTS_DIGEST = "default_scripts_sha256"


def default_dispositions() -> list[dict[str, Any]]:
    with open(paths.resource("dispositions.yaml"), encoding="utf-8") as handle:
        return load_yaml(handle)


def _scripts_digest() -> str:
    # The files of calldesk.scripts.library.default_script_files(), listed here: importing the
    # script machinery on every store open cost each command ~45 ms of start-up.
    digest = hashlib.sha256()
    for path in sorted(paths.resource("scripts").glob("*.yaml")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def seed(store: Any) -> None:
    """Insert missing default dispositions, scripts and the default campaign.

    Never overwrites a team's edits: dispositions are only added, and a shipped script only
    becomes a new version when the shipped file changed.
    """
    digest = _scripts_digest()
    with store.session() as session:
        have = set(session.scalars(select(Disposition.code)))
        has_default = session.scalar(select(Campaign.id).where(Campaign.is_default)) is not None
        installed = session.get(Setting, SCRIPTS_DIGEST)
        scripts_current = installed is not None and installed.value == digest
    wanted = default_dispositions()
    if {d["code"] for d in wanted} <= have and has_default and scripts_current:
        return
    with store.write() as session:
        if not scripts_current:
            from calldesk.scripts.library import install_defaults

            install_defaults(session)
            session.merge(Setting(key=SCRIPTS_DIGEST, value=digest))
        have = set(session.scalars(select(Disposition.code)))
        for position, spec in enumerate(wanted):
            if spec["code"] not in have:
                session.add(Disposition(position=position, **spec))
        if session.scalar(select(Campaign.id).where(Campaign.is_default)) is None:
            session.add(
                Campaign(name=DEFAULT_CAMPAIGN, kind="list", is_default=True, script_key="bant")
            )
