"""Claims: taking a contact for a rep (two driver statements; one round trip on PostgreSQL),
renewing and releasing a claim, releasing the claims whose lease ran out, and waking contacts
whose cooling-down time has passed.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import bindparam, text, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from calldesk.models import Claim, Contact, UTCDateTime
from calldesk.queue.base import DEFAULT_LEASE, QueueError, _expire, _now
from calldesk.queue.driver import _is_pg, _q, _ts

_WAKE_BATCH = 200  # cooling-down contacts woken per call: bounded work, the rest next call


def release_expired_claims(session: Session, at: dt.datetime | None = None) -> int:
    """Return contacts whose claim lease ran out to the queue; returns how many."""
    at = _now(at)
    lock = " FOR UPDATE SKIP LOCKED" if _is_pg(session) else ""
    ids = list(
        session.connection()
        .execute(
            text(
                "SELECT id FROM contacts WHERE claimed_by_id IS NOT NULL "
                f"AND claim_expires_at <= :at{lock}"
            ).bindparams(bindparam("at", type_=UTCDateTime())),
            {"at": at},
        )
        .scalars()
    )
    if not ids:
        return 0
    session.connection().execute(
        update(Contact).where(Contact.id.in_(ids)).values(claimed_by_id=None, claim_expires_at=None)
    )
    session.connection().execute(
        update(Claim)
        .where(Claim.contact_id.in_(ids), Claim.released_at.is_(None), Claim.expires_at <= at)
        .values(released_at=at)
    )
    _expire(session, Contact, ids)
    return len(ids)


def wake_cooled(session: Session, at: dt.datetime | None = None, limit: int = _WAKE_BATCH) -> int:
    """Put contacts whose cooling-down time has passed back into the queue (at most ``limit``)."""
    at = _now(at)
    lock = " FOR UPDATE SKIP LOCKED" if _is_pg(session) else ""
    ids = list(
        session.connection()
        .execute(
            text(
                "SELECT id FROM contacts WHERE next_eligible_at IS NOT NULL "
                f"AND next_eligible_at <= :at ORDER BY next_eligible_at LIMIT :n{lock}"
            ).bindparams(bindparam("at", type_=UTCDateTime())),
            {"at": at, "n": limit},
        )
        .scalars()
    )
    if ids:
        session.connection().execute(
            update(Contact).where(Contact.id.in_(ids)).values(next_eligible_at=None)
        )
        _expire(session, Contact, ids)
    return len(ids)


def _lock_unclaimed(session: Session, contact_id: int) -> bool:
    """Take a callback's contact for this transaction unless another rep holds it (no waiting)."""
    lock = " FOR UPDATE SKIP LOCKED" if _is_pg(session) else ""
    true = "true" if _is_pg(session) else "1"
    row = (
        session.connection()
        .execute(
            text(
                f"SELECT id FROM contacts WHERE id = :id AND callable = {true} "
                f"AND claimed_by_id IS NULL{lock}"
            ),
            {"id": contact_id},
        )
        .first()
    )
    return row is not None


def _claim(
    session: Session,
    contact: Contact,
    rep_id: int,
    campaign_id: int | None,
    callback_id: int | None,
    at: dt.datetime,
    lease: dt.timedelta,
    reason: dict[str, Any],
) -> tuple[int, dt.datetime]:
    """Claim the contact for the rep with two driver statements (no unit-of-work flush in the
    hot path); the session's copy of the contact is kept in step without marking it changed."""
    expires = at + lease
    insert = (
        "INSERT INTO claims (contact_id, rep_id, campaign_id, callback_id, claimed_at, "
        "expires_at, reason) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id"
    )
    values = (
        contact.id,
        rep_id,
        campaign_id,
        callback_id,
        _ts(session, at),
        _ts(session, expires),
        json.dumps(reason, default=str),
    )
    mark = "UPDATE contacts SET claimed_by_id = ?, claim_expires_at = ? WHERE id = ?"
    marks = (rep_id, _ts(session, expires), contact.id)
    if _is_pg(session):
        # One round trip on a team's server.
        sql = f"WITH c AS ({insert}), u AS ({mark}) SELECT id FROM c"
        claim_id = _q(session, sql, *values, *marks).scalar_one()
    else:
        claim_id = _q(session, insert, *values).scalar_one()
        _q(session, mark, *marks)
    held = session.identity_map.get(identity_key(Contact, contact.id))
    if held is not None:
        set_committed_value(held, "claimed_by_id", rep_id)
        set_committed_value(held, "claim_expires_at", expires)
    return claim_id, expires


def get_claim(session: Session, claim_id: int, rep_id: int | None = None) -> Claim:
    """A claim that is still held; raises :class:`QueueError` otherwise."""
    claim = session.get(Claim, claim_id)
    if claim is None:
        raise QueueError(f"no claim {claim_id}")
    if claim.released_at is not None:
        raise QueueError(f"claim {claim_id} was already released at {claim.released_at:%H:%M}")
    if rep_id is not None and claim.rep_id != rep_id:
        raise QueueError(f"claim {claim_id} belongs to another rep")
    return claim


def renew_claim(
    session: Session,
    claim_id: int,
    *,
    at: dt.datetime | None = None,
    lease: dt.timedelta = DEFAULT_LEASE,
) -> dt.datetime:
    """Extend a held claim's lease (the card is still open); returns the new expiry.

    A claim whose lease ran out can be renewed as long as nobody else took the contact.
    """
    at = _now(at)
    claim = get_claim(session, claim_id)
    contact = session.get(Contact, claim.contact_id)
    assert contact is not None
    if contact.claimed_by_id not in (None, claim.rep_id):
        claim.released_at = at
        raise QueueError(f"claim {claim_id} expired and the contact went to another rep")
    expires = at + lease
    contact.claimed_by_id = claim.rep_id
    contact.claim_expires_at = expires
    claim.expires_at = expires
    return expires


def release_claim(session: Session, claim_id: int, *, at: dt.datetime | None = None) -> None:
    """Give a contact back to the queue without recording a call (card closed)."""
    at = _now(at)
    claim = session.get(Claim, claim_id)
    if claim is None:
        raise QueueError(f"no claim {claim_id}")
    if claim.released_at is not None:
        return
    claim.released_at = at
    contact = session.get(Contact, claim.contact_id)
    if contact is not None and contact.claimed_by_id == claim.rep_id:
        contact.claimed_by_id = None
        contact.claim_expires_at = None


# PostgreSQL: the contacts of the claims a statement's ``r`` released (``contact_id``), freed
# if the rep (the parameter) still holds them. Found by id: ``claimed_by_id = ?`` let the
# server's generic plan read every entry of the claimed-contacts index instead (each claim
# leaves one until a vacuum: 5,900 entries and 42 pages after 2,000 claims, half the
# statement's time); ``IS NOT DISTINCT FROM`` is ``=`` for a rep id and cannot use that index.
_FREE_PG = (
    "UPDATE contacts SET claimed_by_id = NULL, claim_expires_at = NULL "
    "WHERE id IN (SELECT contact_id FROM r) AND claimed_by_id IS NOT DISTINCT FROM ?"
)


def _release_rep_claims(session: Session, rep_id: int, at: dt.datetime) -> set[int]:
    stamp = _ts(session, at)
    release = (
        "UPDATE claims SET released_at = ? WHERE rep_id = ? AND released_at IS NULL "
        "RETURNING id, contact_id"
    )
    free = "UPDATE contacts SET claimed_by_id = NULL, claim_expires_at = NULL WHERE claimed_by_id = ? AND id "
    if _is_pg(session):
        # One round trip for both (a team's reps wait on the server for each one).
        rows = _q(
            session,
            f"WITH r AS ({release}), f AS ({_FREE_PG}) SELECT id, contact_id FROM r",
            stamp,
            rep_id,
            rep_id,
        ).all()
    else:
        rows = _q(session, release, stamp, rep_id).all()
        if rows:
            marks = ",".join("?" * len(rows))
            _q(session, f"{free}IN ({marks})", rep_id, *(r[1] for r in rows))
    if not rows:
        return set()
    contact_ids = {r[1] for r in rows}
    _expire(session, Contact, contact_ids)
    _expire(session, Claim, [r[0] for r in rows])
    return contact_ids
