"""What every store holds before the first call: the default dispositions and campaign."""

from __future__ import annotations

from typing import Any

import yaml
from sqlalchemy import select

from calldesk import paths
from calldesk.models import Campaign, Disposition

DEFAULT_CAMPAIGN = "Default campaign"


def default_dispositions() -> list[dict[str, Any]]:
    with open(paths.resource("dispositions.yaml"), encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def seed(store: Any) -> None:
    """Insert missing default dispositions and the default campaign; never overwrite edits."""
    with store.session() as session:
        have = set(session.scalars(select(Disposition.code)))
        has_default = session.scalar(select(Campaign.id).where(Campaign.is_default)) is not None
    wanted = default_dispositions()
    if {d["code"] for d in wanted} <= have and has_default:
        return
    with store.write() as session:
        have = set(session.scalars(select(Disposition.code)))
        for position, spec in enumerate(wanted):
            if spec["code"] not in have:
                session.add(Disposition(position=position, **spec))
        if session.scalar(select(Campaign.id).where(Campaign.is_default)) is None:
            session.add(
                Campaign(name=DEFAULT_CAMPAIGN, kind="list", is_default=True, script_key="bant")
            )
