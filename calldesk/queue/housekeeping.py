"""The one round trip every offer starts with: is a claim expired, is a contact done cooling
down, the first open callback, whether the rep still holds a claim, the place list's version and
the campaigns. On PostgreSQL it also releases the rep's running claims and, when the last call's
place list and campaigns still hold (:func:`_plan`), carries the seek.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from calldesk.models import Claim, Contact
from calldesk.queue import base
from calldesk.queue.arms import (
    _CAMPAIGNS_JSON,
    _Arm,
    _arm_where,
    _CampaignRow,
    _campaigns_and_arms,
)
from calldesk.queue.base import QueueError, _expire
from calldesk.queue.claims import _FREE_PG
from calldesk.queue.driver import _from_ts, _is_pg, _q, _ts
from calldesk.queue.seek import (
    _KEYS_TTL,
    _KEYS_VERSION,
    _keys_cache,
    _merged,
    _open_groups,
    _pg_array,
    _read_seek,
    _seek_parts,
)

_HOUSEKEEPING = (
    "SELECT (SELECT 1 FROM contacts WHERE claimed_by_id IS NOT NULL "
    "AND claim_expires_at <= ? LIMIT 1), "
    "(SELECT 1 FROM contacts WHERE next_eligible_at IS NOT NULL "
    "AND next_eligible_at <= ? LIMIT 1), "
    "(SELECT min(due_at) FROM callbacks WHERE status = 'open'), "
    "(SELECT count(*) FROM claims WHERE rep_id = ? AND released_at IS NULL{held}), "
    f"{_KEYS_VERSION}, "
    "(SELECT count(*) FROM reps WHERE id = ?), "
    "{campaigns}"
)


# PostgreSQL: the rep's claims whose lease still runs are released in the same round trip
# (as _release_rep_claims does); those whose lease ran out are left to release_expired_claims
# and _release_rep_claims, in that order, as before. The contacts are found by id
# (``_FREE_PG``: not through the claimed-contacts index).
_HOUSEKEEPING_PG_WITH = (
    "r AS (UPDATE claims SET released_at = ? WHERE rep_id = ? AND released_at IS NULL "
    f"AND expires_at > ? RETURNING id, contact_id), f AS ({_FREE_PG})"
)


# The campaigns come back as text (not parsed by the driver): compared as they are with the
# last call's, and parsed only when they changed (:func:`_plan`).
_HOUSEKEEPING_PG_READ = (
    _HOUSEKEEPING.format(held=" AND expires_at <= ?", campaigns=f"{_CAMPAIGNS_JSON[True]}::text")
    + ", (SELECT json_agg(json_build_array(id, contact_id)) FROM r)"
)


_HOUSEKEEPING_PG = f"WITH {_HOUSEKEEPING_PG_WITH} {_HOUSEKEEPING_PG_READ}"


_HOUSEKEEPING_SQLITE = _HOUSEKEEPING.format(held="", campaigns=_CAMPAIGNS_JSON[False])


@dataclass(frozen=True)
class _Plan:
    """PostgreSQL: the seek the housekeeping statement carries, worked out from what the last
    call read (the place list's version and the campaigns): valid when this call reads the
    same and has nothing to do first (no expired claim, no contact done cooling down, no
    callback due, no claim of the rep's whose lease ran out)."""

    arm: _Arm
    places: list[str]  # the open places, soonest-closing group first (the cached list)
    version: tuple[Any, ...]
    campaigns: Any  # as the housekeeping read them (JSON)
    rows: dict[int, _CampaignRow]  # the same, as _campaign_rows reads them
    arms: list[_Arm]


# Per store: the place list's version and the campaigns the last housekeeping read.
_last_read: dict[str, tuple[tuple[Any, ...], Any]] = {}


_housekeeping_sql: dict[str, str] = {}


def _store_key(session: Session) -> str:
    """The store's URL as :func:`_all_keys` keys its cache (rendered once per engine)."""
    bind = session.get_bind()
    hit = _store_keys.get(id(bind))
    if hit is None or hit[0] is not bind:
        hit = _store_keys[id(bind)] = (bind, bind.url.render_as_string(hide_password=True))
    return hit[1]


_store_keys: dict[int, tuple[Any, str]] = {}


def _plan(session: Session, at: dt.datetime, campaign_id: int | None) -> _Plan | None:
    """The seek to run with the housekeeping (PostgreSQL), or None (first call of the process,
    a place list not cached, several arms, no open place)."""
    url = _store_key(session)
    last = _last_read.get(url)
    hit = _keys_cache.get(url)
    if last is None or hit is None or hit[1] != last[0] or not hit[2]:
        return None
    if time.monotonic() - hit[0] >= _KEYS_TTL:
        return None
    try:  # (read as text: worked out again only when it changed)
        rows, arms = _campaigns_and_arms(session, last[1], campaign_id)
    except QueueError:
        return None
    if len(arms) != 1:
        return None
    groups = _open_groups(hit[2], at, arms[0].rules, base._rules().load_context(session, at))
    if not groups:
        return None
    return _Plan(arms[0], _merged(groups), last[0], last[1], rows, arms)


def _housekeeping(
    session: Session,
    at: dt.datetime,
    rep_id: int,
    plan: _Plan | None = None,
    leads: dict[int, Any] | None = None,
) -> tuple[Any, ...]:
    """One round trip for what every call needs to know first: is a claim expired, is a contact
    done cooling down, the first open callback, whether the rep still holds a claim, the
    version of the place list, and the campaigns; on PostgreSQL also releasing the rep's
    claims that still run (the contacts they held are returned) and, with ``plan``, the seek
    of :func:`_seek_first` (the first ready contact, locked, its card kept in ``leads``): the
    last item is then the band and the ids it found, if the plan holds (else None)."""
    stamp = _ts(session, at)
    released: set[int] = set()
    seek = None
    if _is_pg(session):
        params: tuple[Any, ...] = (stamp, rep_id, stamp, rep_id)
        checks = (stamp, stamp, rep_id, stamp, rep_id)
        if plan is None:
            rows = _q(session, _HOUSEKEEPING_PG, *params, *checks).all()
        else:
            where, arm_params = _arm_where(plan.arm)
            sql = _housekeeping_sql.get(where)
            if sql is None:
                band, columns, lateral = _seek_parts(where, "")
                # The seek reads the snapshot the releases started from: the contacts the rep
                # held are still claimed there, so skipped as _walk skips them.
                sql = _housekeeping_sql[where] = (
                    f"WITH {_HOUSEKEEPING_PG_WITH}, {band} {_HOUSEKEEPING_PG_READ}, {columns} "
                    f"FROM (SELECT 1) AS one LEFT JOIN b ON true "
                    f"LEFT JOIN LATERAL ({lateral}) AS s ON true"
                )
            rows = _q(
                session,
                sql,
                *params,
                *arm_params,
                *checks,
                _pg_array(plan.places),
                *arm_params,
                1,
                1,
            ).all()
        row = rows[0]
        if row[8]:
            claims = row[8]
            released = {contact_id for _, contact_id in claims}
            if session.identity_map:
                _expire(session, Contact, released)
                _expire(session, Claim, [claim_id for claim_id, _ in claims])
        if plan is not None and leads is not None:
            first_due = _from_ts(row[2])
            if (
                not row[0]
                and not row[1]
                and not row[3]
                and (first_due is None or first_due > at)
                and (row[4], row[5]) == plan.version
                and row[7] == plan.campaigns
            ):
                seek = (plan.places, *_read_seek(rows, 9, leads))
        _last_read[_store_key(session)] = ((row[4], row[5]), row[7])
    else:
        row = _q(session, _HOUSEKEEPING_SQLITE, stamp, stamp, rep_id, rep_id).one()
    if not row[6]:
        raise QueueError(f"no rep {rep_id}")
    campaigns = row[7] if row[7] is not None else "[]"
    held = bool(row[3])
    return (
        bool(row[0]),
        bool(row[1]),
        _from_ts(row[2]),
        held,
        (row[4], row[5]),
        campaigns,
        released,
        seek,
    )
