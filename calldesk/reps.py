"""Reps: the people who use the desk (qualifiers on the phone, field reps, managers)."""

from __future__ import annotations

import zoneinfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from calldesk.models import Rep

ROLES = ("qualifier", "field", "manager")


class RepError(ValueError):
    """A rep cannot be added or found; the message says why."""


def add_rep(
    session: Session,
    name: str,
    *,
    role: str = "qualifier",
    email: str | None = None,
    time_zone: str = "America/New_York",
    territory: str | None = None,
) -> Rep:
    """Add a rep; names are unique (they are how a rep picks herself on the desk)."""
    name = (name or "").strip()
    if not name:
        raise RepError("a rep needs a name")
    if role not in ROLES:
        raise RepError(f"role must be one of {', '.join(ROLES)}, got {role!r}")
    try:
        zoneinfo.ZoneInfo(time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise RepError(f"unknown time zone {time_zone!r}") from exc
    if session.scalar(select(Rep.id).where(Rep.name == name)) is not None:
        raise RepError(f"a rep named {name!r} already exists")
    rep = Rep(name=name, role=role, email=email, time_zone=time_zone, territory=territory)
    session.add(rep)
    session.flush()
    return rep


def find_rep(session: Session, name_or_id: str | int) -> Rep:
    """The rep with this name (or id); raises :class:`RepError` when there is none."""
    rep = None
    if isinstance(name_or_id, int) or str(name_or_id).isdigit():
        rep = session.get(Rep, int(name_or_id))
    if rep is None:
        rep = session.scalar(select(Rep).where(Rep.name == str(name_or_id).strip()))
    if rep is None:
        raise RepError(f"no rep named {name_or_id!r} (add one with: calldesk rep add NAME)")
    return rep


def list_reps(session: Session, *, role: str | None = None, active_only: bool = True) -> list[Rep]:
    """Reps by name, optionally only one role and only active ones."""
    query = select(Rep).order_by(Rep.name)
    if role:
        query = query.where(Rep.role == role)
    if active_only:
        query = query.where(Rep.active)
    return list(session.scalars(query))


def rep_dict(rep: Rep) -> dict[str, object]:
    """A rep as plain data for JSON and the desk."""
    return {
        "id": rep.id,
        "name": rep.name,
        "role": rep.role,
        "email": rep.email,
        "time_zone": rep.time_zone,
        "territory": rep.territory,
        "active": rep.active,
    }


def use_profile_of(url: str) -> dict[str, object]:
    """Make the remembered rep and campaign those of the store at ``url``; returns them.

    The preferences keep one ``rep_name``/``campaign_id`` pair (what the desk reads). Each
    store has its own reps and campaigns, so the pair of the store left behind is filed under
    its URL and the pair last used with ``url`` comes back (empty for a store never opened):
    a work store's audit log must not name the demo's rep.
    """
    from sqlalchemy.engine import make_url

    from calldesk import settings

    # Filed under the URL without its password: the preferences file is plain text.
    url = make_url(url).render_as_string(hide_password=True)
    values = settings.load()
    profiles = {k: dict(v) for k, v in values["store_profiles"].items() if isinstance(v, dict)}
    current = values["profile_url"]
    if current == url:
        return {"rep_name": values["rep_name"], "campaign_id": values["campaign_id"]}
    if current:
        profiles[current] = {"rep_name": values["rep_name"], "campaign_id": values["campaign_id"]}
    # Preferences written before stores had profiles: they belong to the first store opened.
    chosen = profiles.get(url) or (
        {"rep_name": values["rep_name"], "campaign_id": values["campaign_id"]}
        if not current
        else {}
    )
    rep_name = chosen.get("rep_name") if isinstance(chosen.get("rep_name"), str) else ""
    campaign_id = chosen.get("campaign_id") if isinstance(chosen.get("campaign_id"), int) else 0
    profiles[url] = {"rep_name": rep_name, "campaign_id": campaign_id}
    settings.save(
        store_profiles=profiles, profile_url=url, rep_name=rep_name, campaign_id=campaign_id
    )
    return {"rep_name": rep_name, "campaign_id": campaign_id}
