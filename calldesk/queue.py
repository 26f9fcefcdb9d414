"""The queue: which contact a rep should call now, and the claims that keep reps apart.

The order (issue 4): due callbacks first (this rep's personal ones, then open ones, then another
rep's personal callbacks that nobody took within the campaign's release time), then event-sprint
contacts (sooner deadline, hotter engagement, fewer attempts, older first), then list contacts
(campaign priority, fewest attempts, least recently tried, oldest). Never a contact that is on
the do-not-call list, outside its calling window, over a cap, cooling down, closed or graded D,
claimed by someone else, or whose place is unknown (fail closed).

How it stays fast at a million contacts: contacts that are ready now (callable, unclaimed, not
cooling down) sit in the partial index ``ix_contacts_queue`` led by locale key and ordered by
``queue_rank, attempts, last_attempt_at, id``. The queue asks the rules engine once per locale key
whether calling is allowed now (cached until the verdict may change), then seeks the first
contact of every open key in one statement and takes the best. Cooling-down contacts carry
``next_eligible_at`` and stay out of that index; each call wakes the few whose time has come.
Expired claims are released before anything is chosen.

Every public function here takes a :class:`~sqlalchemy.orm.Session` inside the caller's write
transaction (``with store.write() as session``), so "record the outcome, then claim the next"
is one transaction. On PostgreSQL the claim uses ``FOR UPDATE SKIP LOCKED``; on SQLite the
store's single writer (``BEGIN IMMEDIATE``) keeps reps apart.
"""

from __future__ import annotations

import datetime as dt
import json
import time
import weakref
import zoneinfo
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from sqlalchemy import Engine, bindparam, event, func, select, text, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from calldesk import campaigns as campaigns_mod
from calldesk.locale import parse_key
from calldesk.models import (
    Attempt,
    Callback,
    Claim,
    Contact,
    DncEntry,
    Phone,
    Rep,
    UTCDateTime,
    utcnow,
)

DEFAULT_LEASE = dt.timedelta(minutes=15)
# A contact waiting on a callback or a hand-off is out of the list queue until it is done.
HELD = dt.datetime(9999, 1, 1, tzinfo=dt.UTC)
_WAKE_BATCH = 200  # cooling-down contacts woken per call: bounded work, the rest next call
_CALLBACK_SCAN = 50
_READY = "callable = {true} AND claimed_by_id IS NULL AND next_eligible_at IS NULL"


class QueueError(ValueError):
    """A queue request cannot be served as asked (unknown claim, claim of another rep...)."""


@dataclass
class Offer:
    """A contact handed to a rep: the claim, the lead, and why this contact and why now."""

    claim_id: int
    contact_id: int
    rep_id: int
    campaign_id: int | None
    callback_id: int | None
    phone: dict[str, Any] | None
    lead: dict[str, Any]
    reason: str  # why this contact
    why_now: str  # why now: the rule that allows the call
    local_time: str
    time_zones: list[str]
    states: list[str]
    rule: str
    claimed_at: dt.datetime
    expires_at: dt.datetime
    checks: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["claimed_at"] = self.claimed_at.isoformat()
        data["expires_at"] = self.expires_at.isoformat()
        return data


@dataclass
class QueueEmpty:
    """Nothing is callable now: why, and when the next contact becomes callable."""

    reason: str
    next_callable_at: dt.datetime | None
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "reason": self.reason,
            "next_callable_at": self.next_callable_at.isoformat()
            if self.next_callable_at
            else None,
            "details": self.details,
        }


@dataclass(frozen=True)
class _Arm:
    """One index to seek: every active campaign at once, or one campaign."""

    campaign_id: int | None  # None with all=True: the main index
    all: bool
    include_unassigned: bool  # contacts with campaign_id NULL (the default campaign)
    rules: dict[str, Any] | None


def _now(at: dt.datetime | None) -> dt.datetime:
    if at is None:
        return utcnow()
    if at.tzinfo is None:
        raise ValueError("the moment must be timezone-aware")
    return at.astimezone(dt.UTC)


def _is_pg(session: Session) -> bool:
    held = session.info.get("_queue_raw")
    if held is not None and held[0] is session.get_transaction():
        return held[2]
    return session.get_bind().dialect.name == "postgresql"


def _ready_sql(session: Session) -> str:
    return _READY.format(true="true" if _is_pg(session) else "1")


def _rules():
    from calldesk import rules

    return rules


# --- housekeeping -------------------------------------------------------------------------


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


# --- campaigns as the queue sees them -------------------------------------------------------


@dataclass(frozen=True)
class _CampaignRow:
    id: int
    name: str
    kind: str
    active: bool
    is_default: bool
    rules: dict[str, Any] | None


def _q(session: Session, sql: str, *params: Any) -> _Rows:
    """Run a hot-path statement straight on the driver's cursor (``?`` placeholders), inside
    the session's transaction: the queue's per-call statements are fixed strings of plain
    values, so skipping SQL compilation and SQLAlchemy's result machinery is safe, and it is
    most of what a statement costs here."""
    raw, pg = _raw(session)
    if pg:
        sql = _pg_sql.get(sql) or _pg_sql.setdefault(sql, sql.replace("?", "%s"))
        if _deferred:
            _send_deferred(raw.driver_connection)  # a claim written before this statement
    cursor = raw.cursor()
    try:
        cursor.execute(sql, params)
        if pg:
            # Whether rows came back, from the result's status: ``description`` builds a
            # column object per column (a tenth of a claim's client CPU, for 36 columns).
            result = cursor.pgresult
            rows = cursor.fetchall() if result is not None and result.status == _TUPLES_OK else []
        else:
            rows = cursor.fetchall() if cursor.description is not None else []
    finally:
        cursor.close()
    return _Rows(rows)


_TUPLES_OK = 2  # libpq's PGRES_TUPLES_OK: a statement that returned rows (maybe none)


def _raw(session: Session) -> tuple[Any, bool]:
    """The driver connection of the session's transaction, and whether it is PostgreSQL.

    Kept on the session for as long as the same transaction lasts: asking the session for its
    connection costs more than a hot statement does, and the queue runs a dozen per call."""
    transaction = session.get_transaction()
    held = session.info.get("_queue_raw")
    if held is not None and transaction is not None and held[0] is transaction:
        return held[1], held[2]
    conn = session.connection()
    transaction = session.get_transaction()
    pg = conn.dialect.name == "postgresql"
    session.info["_queue_raw"] = (transaction, conn.connection, pg)
    return conn.connection, pg


class _Rows:
    """The rows of a :func:`_q` statement, read the way a SQLAlchemy result is."""

    __slots__ = ("_rows",)

    def __init__(self, rows: list[Any]) -> None:
        self._rows = rows

    def __iter__(self):
        return iter(self._rows)

    def all(self) -> list[Any]:
        return self._rows

    def first(self) -> Any:
        return self._rows[0] if self._rows else None

    def one(self) -> Any:
        if len(self._rows) != 1:
            raise QueueError(f"expected one row, got {len(self._rows)}")
        return self._rows[0]

    def scalar(self) -> Any:
        return self._rows[0][0] if self._rows else None

    def scalar_one(self) -> Any:
        return self.one()[0]


_pg_sql: dict[str, str] = {}


def _ts(session: Session, value: dt.datetime) -> Any:
    """A UTC moment as the store keeps it (naive UTC; text on SQLite, like SQLAlchemy writes)."""
    naive = value.astimezone(dt.UTC).replace(tzinfo=None)
    if _is_pg(session):
        return naive
    return naive.isoformat(sep=" ", timespec="microseconds")


def _from_ts(value: Any) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value.replace(tzinfo=dt.UTC)


# Every campaign as one JSON array of rows (id order), read with the housekeeping statement.
_CAMPAIGNS_JSON = {
    False: "(SELECT json_group_array(json_array(id, name, kind, active, is_default, json(rules))) "
    "FROM (SELECT * FROM campaigns ORDER BY id))",
    True: "(SELECT json_agg(json_build_array(id, name, kind, active, is_default, rules) "
    "ORDER BY id) FROM campaigns)",
}


def _campaign_rows(session: Session, prefetched: Any = None) -> dict[int, _CampaignRow]:
    """Every campaign as the queue sees it; ``prefetched`` is the JSON array the housekeeping
    statement read (one round trip fewer per call)."""
    if prefetched is not None:
        rows = json.loads(prefetched) if isinstance(prefetched, str) else prefetched
    else:
        rows = _q(
            session, "SELECT id, name, kind, active, is_default, rules FROM campaigns ORDER BY id"
        ).all()
    out = {}
    for cid, name, kind, active, is_default, rules in rows:
        if isinstance(rules, str):
            rules = json.loads(rules)
        out[cid] = _CampaignRow(cid, name, kind, bool(active), bool(is_default), rules)
    return out


def _arms(campaigns: dict[int, _CampaignRow], campaign_id: int | None) -> list[_Arm]:
    default = next((c for c in campaigns.values() if c.is_default), None)
    if campaign_id is not None:
        chosen = campaigns.get(campaign_id)
        if chosen is None:
            raise QueueError(f"no campaign {campaign_id}")
        if not chosen.active:
            return []
        arms = [_Arm(chosen.id, False, False, chosen.rules)]
        if chosen.is_default:
            arms.append(_Arm(None, False, True, chosen.rules))
        return arms
    active = [c for c in campaigns.values() if c.active]
    inactive = [c for c in campaigns.values() if not c.active]
    rule_sets = {repr(sorted((c.rules or {}).items())) for c in active}
    if not inactive and len(rule_sets) <= 1:
        # The usual case: one seek over every campaign's contacts.
        return [_Arm(None, True, True, active[0].rules if active else None)]
    arms = [_Arm(c.id, False, False, c.rules) for c in active if not c.is_default]
    if default is not None and default.active:
        arms.append(_Arm(default.id, False, False, default.rules))
        arms.append(_Arm(None, False, True, default.rules))
    return arms


def _arm_where(arm: _Arm) -> tuple[str, tuple[Any, ...]]:
    if arm.all:
        return "", ()
    if arm.include_unassigned:
        return "campaign_id IS NULL AND ", ()
    return "campaign_id = ? AND ", (arm.campaign_id,)


# --- places and the seek ---------------------------------------------------------------------

# The place list's version: the highest contact id (a contact added) and the highest audit
# entry (a manager set a contact's place or marked a business line: both are audited in the
# same transaction), two index look-ups. Counting the contacts without a place instead cost
# 0.7 ms a call at 1M contacts, more than the rest of the offer, and a time-to-live short enough
# to stand in for a version made the call after it re-read 26,000 places (0.1-0.4 s).
_KEYS_VERSION = "(SELECT max(id) FROM contacts), (SELECT max(id) FROM audit_log)"
_KEYS_TTL = 3600.0  # seconds: a safety net only
_keys_cache: dict[str, tuple[float, tuple[Any, ...], tuple[str, ...]]] = {}
_open_cache: dict[
    tuple[Any, ...], tuple[dt.datetime, dt.datetime | None, list[list[str]], Any]
] = {}
_groups_cache: dict[tuple[Any, ...], tuple[tuple[str, ...], list[str], list[int]]] = {}


def _all_keys(session: Session, version: tuple[Any, ...] | None = None) -> tuple[str, ...]:
    """Every distinct locale key in the store, by skipping through ``ix_contacts_locale``.

    Cached per store: read again when a contact was added (highest id), a place was set or a
    line marked (highest audit entry; :func:`forget_places` too in this process), or after
    ``_KEYS_TTL`` seconds. An unchanged list keeps its identity, so the open-place groups cached
    for it stay valid.
    """
    url = session.get_bind().url.render_as_string(hide_password=True)
    if version is None:
        version = tuple(_q(session, f"SELECT {_KEYS_VERSION}").one())
    now = time.monotonic()
    hit = _keys_cache.get(url)
    if hit is not None and hit[1] == version and now - hit[0] < _KEYS_TTL:
        return hit[2]
    keys = tuple(
        session.connection()
        .execute(
            text(
                "WITH RECURSIVE k(key) AS ("
                " SELECT (SELECT MIN(locale_key) FROM contacts WHERE locale_key IS NOT NULL)"
                " UNION ALL"
                " SELECT (SELECT MIN(locale_key) FROM contacts WHERE locale_key > k.key)"
                " FROM k WHERE k.key IS NOT NULL"
                ") SELECT key FROM k WHERE key IS NOT NULL"
            )
        )
        .scalars()
    )
    if hit is not None and hit[2] == keys:
        keys = hit[2]
    _keys_cache[url] = (now, version, keys)
    return keys


def forget_places(session: Session | None = None) -> None:
    """Drop the cached place lists and verdicts (after a rule pack or a zone was edited, or a
    contact's place set or changed). With ``session``, again once its transaction commits, so
    a list read meanwhile by another session of this process is not kept."""
    _keys_cache.clear()
    _open_cache.clear()
    _groups_cache.clear()
    if session is not None:
        event.listen(session, "after_commit", lambda _s: forget_places(), once=True)


def _fingerprint(rules: dict[str, Any] | None) -> str:
    return json.dumps(rules or {}, sort_keys=True, default=str)


def _open_groups(
    keys: tuple[str, ...], at: dt.datetime, rules: dict[str, Any] | None, context: Any = None
) -> list[list[str]]:
    """The keys callable at ``at``, grouped by when their window closes, soonest first.

    Within a band the queue calls the places that close soonest first (the East Coast in the
    evening). The grouping holds until the first key's verdict may change, so it is computed
    a few times an hour, not per call.
    """
    # The key list is the cached tuple of _all_keys: known by identity (hashing thousands of
    # places on every call cost more than the seek).
    cache_key = (id(keys), _fingerprint(rules), context.version if context is not None else "")
    hit = _open_cache.get(cache_key)
    if hit is not None and hit[3] is keys and hit[0] <= at and (hit[1] is None or at < hit[1]):
        return hit[2]
    engine = _rules()
    closing: dict[Any, list[str]] = {}
    valid_until: dt.datetime | None = None
    # What the law distinguishes, not every place: one verdict per window group (places whose
    # rules put the same windows on the same clocks), without the words, each (rule, zone)
    # window asked once. A cold recomputation of 27,810 places was 0.3 s (4 s on a busy box).
    first, group_of = _window_groups(keys, rules, context)
    memo = engine.WindowMemo(at)
    verdicts = [engine.locale_window(key, memo, rules, context, exact=False) for key in first]
    for change in (v[1] for v in verdicts):
        if change is not None and (valid_until is None or change < valid_until):
            valid_until = change
    for key, group in zip(keys, group_of, strict=True):
        allowed, change = verdicts[group]
        if allowed:
            closing.setdefault(change or HELD, []).append(key)
    groups = [closing[when] for when in sorted(closing)]
    if len(_open_cache) > 1000:
        _open_cache.clear()
    _open_cache[cache_key] = (at, valid_until, groups, keys)
    return groups


def _window_groups(
    keys: tuple[str, ...], rules: dict[str, Any] | None, context: Any
) -> tuple[list[str], list[int]]:
    """The places grouped by what decides their calling window (the rules' fingerprint): the
    first place of each group, and each place's group, in ``keys`` order. Worked out once per
    place list, campaign rules and store facts (the rules are compiled once per place)."""
    cache_key = (id(keys), _fingerprint(rules), context.version if context is not None else "")
    hit = _groups_cache.get(cache_key)
    if hit is not None and hit[0] is keys:
        return hit[1], hit[2]
    engine = _rules()
    index: dict[Any, int] = {}
    first: list[str] = []
    group_of: list[int] = []
    for key in keys:
        fingerprint = engine.window_fingerprint(key, rules, context)
        group = index.get(fingerprint)
        if group is None:
            group = index[fingerprint] = len(first)
            first.append(key)
        group_of.append(group)
    if len(_groups_cache) > 64:
        _groups_cache.clear()
    _groups_cache[cache_key] = (keys, first, group_of)
    return first, group_of


def _first_band(
    session: Session, arm: _Arm, after: tuple[int, int] | None
) -> tuple[int, int] | None:
    """The best (queue_rank, attempts) band with a ready contact, after ``after``."""
    where, params = _arm_where(arm)
    cond = ""
    if after is not None:
        cond = " AND (queue_rank, attempts) > (?, ?)"
        params = (*params, after[0], after[1])
    row = _q(
        session,
        f"SELECT queue_rank, attempts FROM contacts WHERE {where}{_ready_sql(session)}{cond} "
        "ORDER BY queue_rank, attempts LIMIT 1",
        *params,
    ).first()
    return (row[0], row[1]) if row is not None else None


def _seek_group(
    session: Session,
    arm: _Arm,
    band: tuple[int, int],
    group: list[str],
    limit: int,
    exclude: set[int],
    lock: bool,
) -> list[int]:
    """Ready contacts of one band in one group of open places (index order, no sort)."""
    where, params = _arm_where(arm)
    # The contacts to skip are a parameter, not literals: the statement's text stays the same
    # from call to call, so the driver prepares it once (SQLite's statement cache, psycopg's
    # server-side prepared statements).
    pg = _is_pg(session)
    skip, skipped = "", ()
    if exclude:
        ids = sorted(int(i) for i in exclude)
        if pg:
            skip, skipped = " AND id <> ALL(CAST(? AS bigint[]))", (_pg_ids(ids),)
        else:
            skip, skipped = " AND id NOT IN (SELECT value FROM json_each(?))", (json.dumps(ids),)
    ready = _ready_sql(session)
    if pg:
        # One index seek per place (its oldest ready contact), stopping at the first place
        # that has one; rows another rep is claiming right now are skipped, never waited for.
        tail = " FOR UPDATE SKIP LOCKED" if lock else ""
        sql = (
            "SELECT c.id FROM unnest(CAST(? AS text[])) AS k(key) CROSS JOIN LATERAL ("
            f"SELECT id FROM contacts WHERE {where}queue_rank = ? AND attempts = ? "
            f"AND locale_key = k.key AND {ready}{skip} "
            f"ORDER BY last_attempt_at, id LIMIT ?{tail}) AS c LIMIT ?"
        )
        rows = _q(session, sql, _pg_array(group), *params, band[0], band[1], *skipped, limit, limit)
        return [r[0] for r in rows.all()]
    # SQLite walks the IN list in order, one index seek per place, and stops at the limit.
    sql = (
        f"SELECT id FROM contacts WHERE {where}queue_rank = ? AND attempts = ? "
        f"AND locale_key IN (SELECT value FROM json_each(?)) AND {ready}{skip} LIMIT ?"
    )
    rows = _q(session, sql, *params, band[0], band[1], _group_json(group), *skipped, limit)
    return [r[0] for r in rows.all()]


def _first_band_seek(
    session: Session, arm: _Arm, group: list[str], exclude: set[int]
) -> tuple[tuple[int, int] | None, list[int]]:
    """SQLite, one statement for what :func:`_first_band` then :func:`_seek_group` (limit 1)
    find first: the best band with a ready contact, and its first ready contact in the
    first group of open places (none: the walk goes on to the next group as before)."""
    where, params = _arm_where(arm)
    skip, skipped = "", ()
    if exclude:
        skip = " AND id NOT IN (SELECT value FROM json_each(?))"
        skipped = (json.dumps(sorted(int(i) for i in exclude)),)
    ready = _ready_sql(session)
    row = _q(
        session,
        f"WITH b AS (SELECT queue_rank, attempts FROM contacts WHERE {where}{ready} "
        "ORDER BY queue_rank, attempts LIMIT 1) "
        "SELECT b.queue_rank, b.attempts, "
        f"(SELECT id FROM contacts WHERE {where}queue_rank = b.queue_rank "
        "AND attempts = b.attempts AND locale_key IN (SELECT value FROM json_each(?)) "
        f"AND {ready}{skip} LIMIT 1) FROM b",
        *params,
        *params,
        _group_json(group),
        *skipped,
    ).first()
    if row is None:
        return None, []
    return (row[0], row[1]), ([] if row[2] is None else [row[2]])


def _seek_first(
    session: Session,
    arm: _Arm,
    group: list[str],
    limit: int,
    exclude: set[int],
    leads: dict[int, Any],
) -> tuple[tuple[int, int] | None, list[int]]:
    """PostgreSQL, one round trip for what :func:`_first_band` then :func:`_seek_group` find:
    the best band with a ready contact, and in it the first ready contact of the open places
    (locked, skipping rows another rep is claiming), read with the lead card's columns and
    its numbers (kept in ``leads``: no second read of the contact)."""
    where, params = _arm_where(arm)
    skip, skipped = "", ()
    if exclude:
        skip, skipped = " AND id <> ALL(CAST(? AS bigint[]))", (_pg_ids(exclude),)
    sql = _seek_first_sql.get((where, skip))
    if sql is None:
        band, columns, lateral = _seek_parts(where, skip)
        sql = _seek_first_sql[(where, skip)] = (
            f"WITH {band} SELECT {columns} FROM b LEFT JOIN LATERAL ({lateral}) AS s ON true"
        )
    rows = _q(session, sql, *params, _pg_array(group), *params, *skipped, limit, limit).all()
    if not rows:
        return None, []
    return _read_seek(rows, 0, leads)


def _seek_parts(where: str, skip: str) -> tuple[str, str, str]:
    """The pieces of the PostgreSQL seek (:func:`_seek_first`; the housekeeping statement
    carries them too): the ``b`` CTE (the best band with a ready contact: the arm's
    parameters), the columns read, and the lateral subquery (the places' array, the arm's
    parameters, the skipped ids, the limit twice) that finds and locks the band's first ready
    contacts of the open places."""
    ready = _READY.format(true="true")
    columns = ", ".join(_LEAD_COLUMNS)
    band = (
        f"b AS (SELECT queue_rank, attempts FROM contacts WHERE {where}{ready} "
        "ORDER BY queue_rank, attempts LIMIT 1)"
    )
    read = (
        "b.queue_rank, b.attempts, s.*, "
        "(SELECT name FROM companies WHERE companies.id = s.company_id), "
        f"{_EMAILS[True].replace('contacts.id', 's.id')}, {_NUMBERS_JSON_PG}"
    )
    lateral = (
        "SELECT c.* FROM unnest(CAST(? AS text[])) AS k(key) CROSS JOIN LATERAL ("
        f"SELECT {columns} FROM contacts WHERE {where}queue_rank = b.queue_rank "
        f"AND attempts = b.attempts AND locale_key = k.key AND {ready}{skip} "
        "ORDER BY last_attempt_at, id LIMIT ? FOR UPDATE SKIP LOCKED) AS c LIMIT ?"
    )
    return band, read, lateral


def _read_seek(
    rows: list[Any], offset: int, leads: dict[int, Any]
) -> tuple[tuple[int, int] | None, list[int]]:
    """The band and the contact ids a seek found (its columns from ``offset`` on); the lead
    card's columns and the numbers go to ``leads``."""
    first = rows[0]
    if first[offset] is None:  # no ready contact in any place
        return None, []
    band = (first[offset], first[offset + 1])
    ids = []
    for row in rows:
        contact_id = row[offset + 2]
        if contact_id is None:  # the band, and no ready contact of it in an open place
            continue
        leads[contact_id] = row[offset + 2 : -1]
        leads[-contact_id] = row[-1] or []  # the contact's numbers, by the negated contact id
        ids.append(contact_id)
    return band, ids


_seek_first_sql: dict[tuple[str, str], str] = {}
_json_of: dict[int, tuple[list[str], str]] = {}
_array_of: dict[int, tuple[list[str], str]] = {}
_merged_of: dict[int, tuple[list[list[str]], list[str]]] = {}


def _merged(groups: list[list[str]]) -> list[str]:
    """Every place of the open groups, soonest-closing group first (computed once per cached
    grouping)."""
    hit = _merged_of.get(id(groups))
    if hit is not None and hit[0] is groups:
        return hit[1]
    if len(_merged_of) > 1000:
        _merged_of.clear()
    merged = [key for group in groups for key in group]
    _merged_of[id(groups)] = (groups, merged)
    return merged


def _pg_array(group: list[str]) -> str:
    """A group of places as a PostgreSQL array literal (cast to ``text[]`` by the statement):
    written once per cached group; psycopg's list adapter looked at every element on every
    call (a tenth of a claim's client CPU with 60 places)."""
    hit = _array_of.get(id(group))
    if hit is not None and hit[0] is group:
        return hit[1]
    if len(_array_of) > 1000:
        _array_of.clear()
    quoted = ('"' + key.replace("\\", "\\\\").replace('"', '\\"') + '"' for key in group)
    text_ = "{" + ",".join(quoted) + "}"
    _array_of[id(group)] = (group, text_)
    return text_


def _pg_ids(ids: Any) -> str:
    """Contact ids as a PostgreSQL array literal (cast to ``bigint[]`` by the statement)."""
    return "{" + ",".join(str(int(i)) for i in sorted(ids)) + "}"


def _group_json(group: list[str]) -> str:
    """A group of places as the JSON array SQLite reads (groups are cached lists: written once)."""
    hit = _json_of.get(id(group))
    if hit is not None and hit[0] is group:
        return hit[1]
    if len(_json_of) > 1000:
        _json_of.clear()
    text_ = json.dumps(group)
    _json_of[id(group)] = (group, text_)
    return text_


def _walk(
    session: Session,
    arms: list[_Arm],
    at: dt.datetime,
    limit: int,
    exclude: set[int],
    lock: bool,
    version: tuple[Any, ...] | None = None,
    leads: dict[int, Any] | None = None,
    seek: tuple[list[str], tuple[int, int] | None, list[int], dict[int, int]] | None = None,
):
    """Yield ready contact ids in queue order: band by band over every arm, and within a band
    the open places that close soonest first. Re-seeks after each yield, so contacts taken out
    meanwhile (blocked by a cap, no number left) are not seen again. With ``leads`` (a claim
    on PostgreSQL, one arm), the first band and its first contact come in one statement
    with the contact's columns (``seek``: that statement's answer, read already with the
    housekeeping (:class:`_Plan`): the open places it sought, the band, the ids and the claim
    ids it drew, read by the caller); on SQLite (a claim of one contact, one arm), the first
    band and its first contact in the first group of open places."""
    keys = _all_keys(session, version)
    if not keys:
        return
    # The store's facts (closed days, registry copies) once per walk: cached, no query per offer.
    context = _rules().load_context(session, at)
    groups = [_open_groups(keys, at, arm.rules, context) for arm in arms]
    prefetched: list[int] | None = None
    if leads is not None and lock and len(arms) == 1 and groups[0] and _is_pg(session):
        if seek is not None and seek[0] is _merged(groups[0]):
            band, prefetched = seek[1], seek[2]
        else:
            band, prefetched = _seek_first(
                session, arms[0], _merged(groups[0]), limit, exclude, leads
            )
        heads: list[tuple[int, int] | None] = [band]
    elif leads is not None and lock and len(arms) == 1 and groups[0] and limit == 1:
        band, prefetched = _first_band_seek(session, arms[0], groups[0][0], exclude)
        heads = [band]
    else:
        heads = [
            _first_band(session, arm, None) if groups[i] else None for i, arm in enumerate(arms)
        ]
    while True:
        live = [(band, i) for i, band in enumerate(heads) if band is not None]
        if not live:
            return
        band, i = min(live)
        arm = arms[i]
        # PostgreSQL: every open group of the band in one statement (the places in the same
        # order, stopping at the first with a ready contact): one round trip per offer rather
        # than one per group whose places have nobody left in this band. SQLite reads its IN
        # list sorted, so it keeps one statement per group (no round trip to save there).
        seeks = [_merged(groups[i])] if _is_pg(session) and len(groups[i]) > 1 else groups[i]
        for group in seeks:
            while True:
                if prefetched is not None:  # the first seek of the first band, done above
                    ids, prefetched = prefetched, None
                else:
                    ids = _seek_group(session, arm, band, group, limit, exclude, lock)
                if not ids:
                    break
                for contact_id in ids:
                    exclude.add(contact_id)
                    yield contact_id
        heads[i] = _first_band(session, arm, band)


# --- phones, DNC and the lead card ----------------------------------------------------------

_LEAD_COLUMNS = (
    "id",
    "first_name",
    "last_name",
    "title",
    "company_id",
    "city",
    "state",
    "country",
    "stage",
    "grade",
    "attempts",
    "last_attempt_at",
    "campaign_id",
    "tier",
    "engagement",
    "locale_key",
    "notes",
    "dnc",
    "priority",
    "needs_review_reason",
    "callable",
)
_LEAD_SQL = (
    f"SELECT {', '.join(_LEAD_COLUMNS)}, "
    "(SELECT name FROM companies WHERE companies.id = contacts.company_id), {emails} "
    "FROM contacts WHERE id = ?"
)
# The contact's email addresses in the order they were added, read with the contact.
_EMAILS = {
    False: "(SELECT json_group_array(address) FROM "
    "(SELECT address FROM emails WHERE contact_id = contacts.id ORDER BY id))",
    True: "(SELECT array_agg(address ORDER BY id) FROM emails WHERE contact_id = contacts.id)",
}
_LEAD_SQLS = {pg: _LEAD_SQL.format(emails=sql) for pg, sql in _EMAILS.items()}
# SQLite: the contact's valid numbers (as :func:`_numbers` reads them, in dialling order) as
# one JSON array read with the contact: one statement fewer per offer.
_LEAD_NUMBERS_SQL = _LEAD_SQLS[False].replace(
    " FROM contacts WHERE id = ?",
    ", (SELECT json_group_array(json_array(id, e164, extension, label, raw, shared, "
    "time_zones, dnc, listed)) FROM (SELECT p.id, p.e164, p.extension, p.label, p.raw, "
    "p.shared, p.time_zones, p.dnc, EXISTS (SELECT 1 FROM dnc_entries d WHERE d.e164 = p.e164) "
    "AS listed FROM phones p WHERE p.contact_id = contacts.id AND p.valid = 1 "
    "AND p.e164 IS NOT NULL ORDER BY p.position, p.id)) FROM contacts WHERE id = ?",
)


class _Lead:
    """A contact as the queue's hot path reads it: the columns the offer, the rules decision
    and the lead card need, read with one driver statement (an ORM load costs several times
    more). Attribute names are the model's, so :func:`lead_dict` and the rules read it alike."""

    __slots__ = (*_LEAD_COLUMNS, "company_name", "email_addresses")

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p) or "(no name)"


def _load_lead(session: Session, contact_id: int, read: dict[int, Any] | None = None) -> Any:
    """The contact's columns (the session's own copy if it holds one: it may carry changes
    this transaction made); ``read``: rows the seek already read, by contact id (on SQLite
    the contact's numbers are put there, by the negated contact id, for :func:`_numbers`)."""
    if session.identity_map:
        held = session.identity_map.get(identity_key(Contact, contact_id))
        if held is not None:
            return held
    row = read.pop(contact_id, None) if read else None
    if row is None and read is not None and not _is_pg(session):
        *row, numbers = _q(session, _LEAD_NUMBERS_SQL, contact_id).one()
        read[-contact_id] = json.loads(numbers)  # the contact's numbers, by the negated id
    elif row is None:
        row = _q(session, _LEAD_SQLS[_is_pg(session)], contact_id).one()
    lead = _Lead()
    for name, value in zip((*_LEAD_COLUMNS, "company_name", "email_addresses"), row, strict=True):
        setattr(lead, name, value)
    emails = lead.email_addresses
    lead.email_addresses = list(json.loads(emails) if isinstance(emails, str) else emails or [])
    lead.dnc = bool(lead.dnc)
    lead.callable = bool(lead.callable)
    lead.last_attempt_at = _from_ts(lead.last_attempt_at)
    return lead


def _orm(session: Session, contact_id: int) -> Contact:
    contact = session.get(Contact, contact_id)
    assert contact is not None
    return contact


def callable_phone(session: Session, contact_id: int) -> Phone | None:
    """The number to dial: the first valid number of the contact that is not on the DNC list."""
    phones = session.scalars(
        select(Phone)
        .where(Phone.contact_id == contact_id, Phone.valid, Phone.e164.is_not(None))
        .order_by(Phone.position, Phone.id)
    ).all()
    for phone in phones:
        if phone.dnc:
            continue
        listed = session.scalar(select(DncEntry.id).where(DncEntry.e164 == phone.e164).limit(1))
        if listed is not None:
            phone.dnc = True  # a registry entry added since import: never offer it again
            continue
        return phone
    return None


def lead_dict(
    session: Session, contact: Contact, phones: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """The contact as the lead card and ``queue next --json`` show it (plain data)."""
    company = None
    if isinstance(contact, _Lead):
        company = contact.company_name  # read with the contact
    elif contact.company_id:
        company = _q(
            session, "SELECT name FROM companies WHERE id = ?", contact.company_id
        ).scalar()
    if isinstance(contact, _Lead):
        emails = contact.email_addresses  # read with the contact
    else:
        emails = [
            r[0] for r in _q(session, "SELECT address FROM emails WHERE contact_id = ?", contact.id)
        ]
    if phones is None:
        phones = _numbers(session, contact.id)
    return {
        "id": contact.id,
        "name": contact.full_name,
        "first_name": contact.first_name,
        "last_name": contact.last_name,
        "title": contact.title,
        "company": company,
        "city": contact.city,
        "state": contact.state,
        "country": contact.country,
        "stage": contact.stage,
        "grade": contact.grade,
        "attempts": contact.attempts,
        "last_attempt_at": contact.last_attempt_at.isoformat() if contact.last_attempt_at else None,
        "campaign_id": contact.campaign_id,
        "tier": contact.tier,
        "engagement": contact.engagement,
        "locale_key": contact.locale_key,
        "notes": contact.notes,
        "phones": [
            {"e164": p["e164"], "extension": p["extension"], "label": p["label"], "dnc": p["dnc"]}
            for p in phones
        ],
        "emails": emails,
    }


_NUMBER_COLUMNS = (
    "p.id, p.e164, p.extension, p.label, p.raw, p.shared, p.time_zones, p.dnc, "
    "EXISTS (SELECT 1 FROM dnc_entries d WHERE d.e164 = p.e164)"
)
# PostgreSQL: the same rows as one JSON array, read by the seek with the contact.
_NUMBERS_JSON_PG = (
    f"(SELECT json_agg(json_build_array({_NUMBER_COLUMNS}) ORDER BY p.position, p.id) "
    "FROM phones p WHERE p.contact_id = s.id AND p.valid = true AND p.e164 IS NOT NULL)"
)


def _numbers(session: Session, contact_id: int, rows: Any = None) -> list[dict[str, Any]]:
    """The contact's valid numbers in dialling order, DNC ones marked (flag or any DNC entry),
    numbers on the DNC list last. One statement (none when ``rows``, read with the seek, are
    given)."""
    true = "true" if _is_pg(session) else "1"
    if rows is None:
        rows = _q(
            session,
            f"SELECT {_NUMBER_COLUMNS} "
            f"FROM phones p WHERE p.contact_id = ? AND p.valid = {true} AND p.e164 IS NOT NULL "
            "ORDER BY p.position, p.id",
            contact_id,
        ).all()
    out = []
    for pid, e164, ext, label, raw, shared, zones, flag, on_list in rows:
        if on_list and not flag:
            # A registry entry added since import: mark the number for good.
            _q(session, f"UPDATE phones SET dnc = {true} WHERE id = ?", pid)
        out.append(
            {
                "id": pid,
                "e164": e164,
                "extension": ext,
                "label": label,
                "raw": raw,
                "shared": bool(shared),
                "dnc": bool(flag or on_list),
                "time_zones": zones.split("|") if zones else [],
                "tel": f"tel:{e164}" + (f";ext={ext}" if ext else ""),
            }
        )
    out.sort(key=lambda p: p["dnc"])
    return out


def local_time_text(at: dt.datetime, zones: tuple[str, ...] | list[str]) -> str:
    """The contact's local time in each of its zones, e.g. ``Mon 10:42 EST (America/New_York)``."""
    minute = at.replace(second=0, microsecond=0)
    key = (minute, *zones)
    text_ = _local_texts.get(key)
    if text_ is not None:
        return text_
    texts = []
    whole = True
    for zone in zones:
        local = at.astimezone(zoneinfo.ZoneInfo(zone))
        texts.append(f"{local:%a %H:%M} {local.tzname()} ({zone})")
        offset = local.utcoffset()
        whole = whole and offset is not None and not offset % dt.timedelta(minutes=1)
    text_ = "; ".join(texts)
    # Written once per UTC minute and set of zones (every offer writes one): on clocks whole
    # minutes off UTC (every zone today) the words cannot change within the minute.
    if whole:
        if len(_local_texts) > 1000:
            _local_texts.clear()
        _local_texts[key] = text_
    return text_


_local_texts: dict[tuple[Any, ...], str] = {}


# --- claiming -------------------------------------------------------------------------------


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


def _literal(value: Any) -> str:
    """A value of a claim as SQL text (ids, naive UTC moments, JSON text, NULL); strings are
    quoted for ``standard_conforming_strings=on`` (checked by :func:`_defer`)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.datetime):
        return f"'{value.isoformat(sep=' ')}'"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    raise TypeError(f"no SQL literal for {type(value).__name__}")


def _claim_sql(claim_id: int, values: tuple[Any, ...], marks: tuple[Any, ...]) -> str:
    """The claim as one statement of text (simple query protocol: no parameters)."""
    row = ", ".join(_literal(v) for v in (claim_id, *values))
    rep_id, expires, contact_id = (_literal(v) for v in marks)
    return (
        f"WITH u AS (UPDATE contacts SET claimed_by_id = {rep_id}, claim_expires_at = {expires} "
        f"WHERE id = {contact_id}) "
        "INSERT INTO claims (id, contact_id, rep_id, campaign_id, callback_id, claimed_at, "
        f"expires_at, reason) VALUES ({row})"
    )


# PostgreSQL: statements written but not sent yet, by driver connection (see _defer).
_deferred: dict[int, tuple[Any, str]] = {}
_deferring: weakref.WeakSet[Any] = weakref.WeakSet()


def _defer(session: Session, sql: str) -> bool:
    """Send ``sql`` (statements without parameters) with the transaction's COMMIT, in the
    same round trip, instead of on its own now; False when that cannot be done here (the
    statements are then run at once by the caller).

    Whatever comes first after it sends it first, so the transaction reads its own writes as
    before: the next statement through SQLAlchemy (``before_cursor_execute``) or :func:`_q`
    sends it on its own; COMMIT (``commit``) sends it together with COMMIT as one simple
    query; a ROLLBACK, or the connection going back to the pool, drops it. A failure raises
    from the commit, and nothing of the transaction is kept."""
    bind = session.get_bind()
    if not isinstance(bind, Engine):
        return False
    raw = _raw(session)[0].driver_connection
    status = getattr(raw, "pgconn", None)
    if status is None or status.parameter_status(b"standard_conforming_strings") != b"on":
        return False
    if bind not in _deferring:
        event.listen(bind, "before_cursor_execute", _send_before)
        event.listen(bind, "commit", _send_with_commit)
        event.listen(bind, "rollback", _drop_deferred)
        event.listen(bind, "checkin", _drop_on_checkin)
        _deferring.add(bind)
    held = _deferred.get(id(raw))
    text_ = f"{held[1]}; {sql}" if held is not None and held[0] is raw else sql
    _deferred[id(raw)] = (raw, text_)
    return True


def _send_deferred(raw: Any, commit: bool = False) -> None:
    """Send what :func:`_defer` holds for the driver connection ``raw`` (with COMMIT)."""
    held = _deferred.pop(id(raw), None)
    if held is None or held[0] is not raw:
        return
    cursor = raw.cursor()
    try:
        cursor.execute(f"{held[1]}; COMMIT" if commit else held[1], prepare=False)
    finally:
        cursor.close()


def _send_before(conn: Any, *_args: Any) -> None:
    if _deferred:
        _send_deferred(conn.connection.driver_connection)


def _send_with_commit(conn: Any) -> None:
    if _deferred:
        # psycopg then finds the transaction over and sends no COMMIT of its own.
        _send_deferred(conn.connection.driver_connection, commit=True)


def _drop_deferred(conn: Any) -> None:
    if _deferred:
        raw = conn.connection.driver_connection
        held = _deferred.get(id(raw))
        if held is not None and held[0] is raw:
            del _deferred[id(raw)]


def _drop_on_checkin(dbapi_connection: Any, _record: Any) -> None:
    if _deferred and dbapi_connection is not None:
        held = _deferred.get(id(dbapi_connection))
        if held is not None and held[0] is dbapi_connection:
            del _deferred[id(dbapi_connection)]


def _claim(
    session: Session,
    contact: Contact,
    rep_id: int,
    campaign_id: int | None,
    callback_id: int | None,
    at: dt.datetime,
    lease: dt.timedelta,
    reason: dict[str, Any],
    claim_id: int | None = None,
) -> tuple[int, dt.datetime]:
    """Claim the contact for the rep with two driver statements (no unit-of-work flush in the
    hot path); the session's copy of the contact is kept in step without marking it changed.

    PostgreSQL with ``claim_id`` (drawn already): the two statements are deferred, sent with
    the transaction's COMMIT in one round trip, or before its next statement (:func:`_defer`).
    The contact's row is locked since the seek, so no other rep can take it meanwhile."""
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
        if claim_id is None or not _defer(session, _claim_sql(claim_id, values, marks)):
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


def _block(contact: Contact, status: Any, at: dt.datetime) -> None:
    """A candidate the per-person check refused: out of the queue until it may be called."""
    when = status.next_allowed_at
    if when is None or when <= at:
        when = at + dt.timedelta(hours=24)  # look again tomorrow rather than never
    contact.next_eligible_at = when


def _campaign_of(
    contact: Contact, campaigns: dict[int, _CampaignRow]
) -> tuple[int | None, _CampaignRow | None]:
    if contact.campaign_id is not None and contact.campaign_id in campaigns:
        return contact.campaign_id, campaigns[contact.campaign_id]
    default = next((c for c in campaigns.values() if c.is_default), None)
    return (default.id if default else None), default


def _explain_list(contact: Contact, campaign: _CampaignRow | None) -> str:
    name = campaign.name if campaign else "no campaign"
    tried = (
        "never tried"
        if contact.attempts == 0
        else f"tried {contact.attempts} time{'s' if contact.attempts != 1 else ''}"
    )
    if contact.tier == 1:
        heat = f", engagement {contact.engagement}" if contact.engagement else ""
        return f"event sprint {name}{heat}; {tried}"
    return f"list contact in {name} (priority {contact.priority}); {tried}"


def _make_offer(
    session: Session,
    contact: Contact,
    phones: list[dict[str, Any]],
    rep_id: int,
    campaign_id: int | None,
    callback_id: int | None,
    status: Any,
    why: str,
    at: dt.datetime,
    lease: dt.timedelta,
    claim_id: int | None = None,
) -> Offer:
    """Claim the contact and say why; ``claim_id``: the claim's id, drawn from its sequence
    by the statement that found the contact (PostgreSQL), so the claim can go with COMMIT."""
    phone = phones[0]
    zones = tuple(status.zones) or parse_key(contact.locale_key or "||").zones
    local = local_time_text(at, zones) if zones else status.local_time
    why_now = f"allowed now: {status.rule}" if status.rule else "allowed now"
    reason = {
        "why": why,
        "why_now": why_now,
        "local_time": local,
        "time_zones": list(zones),
        "states": list(status.states),
        "rule": status.rule,
        "phone": {"id": phone["id"], "e164": phone["e164"]},
    }
    claim_id, expires = _claim(
        session, contact, rep_id, campaign_id, callback_id, at, lease, reason, claim_id
    )
    return Offer(
        claim_id=claim_id,
        contact_id=contact.id,
        rep_id=rep_id,
        campaign_id=campaign_id,
        callback_id=callback_id,
        phone=phone,
        lead=lead_dict(session, contact, phones),
        reason=why,
        why_now=why_now,
        local_time=local,
        time_zones=list(zones),
        states=list(status.states),
        rule=status.rule,
        claimed_at=at,
        expires_at=expires,
        checks=[_check_dict(c) for c in (status.checks or [])],
    )


_FIELDS: dict[type, tuple[str, ...]] = {}


def _check_dict(check: Any) -> dict[str, Any]:
    # A known dataclass type first: hasattr() of a missing attribute raises inside, and an
    # offer converts a dozen checks.
    names = _FIELDS.get(type(check))
    if names is not None:
        return {name: getattr(check, name) for name in names}
    if hasattr(check, "to_dict"):
        return check.to_dict()
    if hasattr(check, "__dataclass_fields__"):
        # asdict() deep-copies every value; a check holds only text and tuples of text, so
        # reading the fields gives the same dict for a tenth of the cost (once per offer).
        names = _FIELDS.setdefault(type(check), tuple(f.name for f in fields(check)))
    if names is not None:
        return {name: getattr(check, name) for name in names}
    return {"check": str(check)}


def _no_phone(contact: Contact) -> None:
    contact.callable = False
    contact.stage = "needs_review" if contact.stage in ("new", "working") else contact.stage
    contact.needs_review_reason = "no number left to call (all invalid or on the DNC list)"


def _callback_offer(
    session: Session,
    rep_id: int,
    campaigns: dict[int, _CampaignRow],
    campaign_id: int | None,
    at: dt.datetime,
    lease: dt.timedelta,
    skipped: set[int],
) -> Offer | None:
    rows = session.execute(
        select(
            Callback.id, Callback.contact_id, Callback.rep_id, Callback.personal, Callback.due_at
        )
        .where(Callback.status == "open", Callback.due_at <= at)
        .order_by(Callback.due_at)
        .limit(_CALLBACK_SCAN)
    ).all()
    if not rows:
        return None
    contacts = {
        c.id: c
        for c in session.scalars(select(Contact).where(Contact.id.in_({r[1] for r in rows})))
    }

    def release_minutes(contact: Contact) -> int:
        _, camp = _campaign_of(contact, campaigns)
        value = (camp.rules or {}).get("callback_release_minutes") if camp else None
        return int(value or campaigns_mod.DEFAULT_CALLBACK_RELEASE_MINUTES)

    ranked: list[tuple[int, dt.datetime, Any, str]] = []
    for cb_id, contact_id, owner, personal, due in rows:
        contact = contacts.get(contact_id)
        if contact is None or contact_id in skipped:
            continue
        if campaign_id is not None and _campaign_of(contact, campaigns)[0] != campaign_id:
            continue
        if personal and owner == rep_id:
            ranked.append((0, due, (cb_id, contact), "your callback"))
        elif not personal or owner is None:
            ranked.append((1, due, (cb_id, contact), "open callback"))
        elif due <= at - dt.timedelta(minutes=release_minutes(contact)):
            ranked.append((2, due, (cb_id, contact), "another rep's callback, not taken in time"))
    ranked.sort(key=lambda r: (r[0], r[1]))
    engine = _rules()
    for _, due, (cb_id, contact), label in ranked:
        if contact.claimed_by_id is not None or not contact.callable or contact.dnc:
            continue
        if contact.grade == "D" or contact.locale_key is None:
            continue
        cid, camp = _campaign_of(contact, campaigns)
        status = engine.contact_status(session, contact.id, at, camp.rules if camp else None)
        if not status.allowed:
            continue
        if not _lock_unclaimed(session, contact.id):
            continue
        phones = _numbers(session, contact.id)
        if not phones or phones[0]["dnc"]:
            _no_phone(contact)
            continue
        due_local = local_time_text(due, tuple(status.zones)) if status.zones else due.isoformat()
        why = f"{label}, due {due_local}"
        return _make_offer(session, contact, phones, rep_id, cid, cb_id, status, why, at, lease)
    return None


def next_offer(
    session: Session,
    rep_id: int,
    *,
    campaign_id: int | None = None,
    at: dt.datetime | None = None,
    lease: dt.timedelta = DEFAULT_LEASE,
) -> Offer | QueueEmpty:
    """Claim the contact ``rep_id`` should call now and say why; or say why there is none.

    Call inside a write transaction (``with store.write() as session``). A rep holds one claim
    at a time: any claim the rep still holds is released first.
    """
    at = _now(at)
    session.flush()  # what this transaction changed (an outcome, a DNC) counts for the seek
    leads: dict[int, Any] = {}
    # PostgreSQL: the seek rides with the housekeeping statement when the last call's place
    # list and campaigns still hold (one round trip fewer).
    plan = _plan(session, at, campaign_id) if _is_pg(session) else None
    expired, cooled, first_due, holding, version, campaign_json, released, seek = _housekeeping(
        session, at, rep_id, plan, leads
    )
    if expired:
        release_expired_claims(session, at)
    # A claim still held is a skip: that contact goes back, but not to this rep right away.
    # (PostgreSQL: the claims still running were released by the housekeeping statement;
    # ``holding`` is then whether the rep holds one whose lease ran out.)
    skipped = released | _release_rep_claims(session, rep_id, at) if holding else released
    if cooled:
        wake_cooled(session, at)
    if plan is not None and campaign_json == plan.campaigns:
        campaigns, arms = plan.rows, plan.arms  # read as the plan read them: no second parse
    else:
        campaigns = _campaign_rows(session, campaign_json)
        arms = _arms(campaigns, campaign_id)
    if first_due is not None and first_due <= at:
        offer = _callback_offer(session, rep_id, campaigns, campaign_id, at, lease, skipped)
        if offer is not None:
            return offer
    engine = _rules()
    if seek is not None and (len(arms) != 1 or arms[0] != plan.arm):
        seek = None
        leads.clear()
    walk = _walk(session, arms, at, 1, skipped, lock=True, version=version, leads=leads, seek=seek)
    for contact_id in walk:
        # One driver read of the contact per candidate (no ORM load; on PostgreSQL read by
        # the seek itself); the rare paths that change the contact (blocked, no number left)
        # go through the ORM object as before.
        contact = _load_lead(session, contact_id, leads)
        if contact.dnc or contact.grade == "D":
            _orm(session, contact_id).callable = False  # marked since it entered the index
            continue
        cid, camp = _campaign_of(contact, campaigns)
        # The rules read the contact the queue already holds (no second load).
        status = engine.contact_status(session, contact, at, camp.rules if camp else None)
        if not status.allowed:
            _block(_orm(session, contact_id), status, at)
            continue
        phones = _numbers(session, contact.id, leads.pop(-contact_id, None))
        if not phones or phones[0]["dnc"]:
            _no_phone(_orm(session, contact_id))
            continue
        why = _explain_list(contact, camp)
        claim_id = seek[3].get(contact_id) if seek is not None else None
        return _make_offer(
            session, contact, phones, rep_id, cid, None, status, why, at, lease, claim_id
        )
    return explain_empty(session, at, campaign_id=campaign_id, arms=arms)


def explain_empty(
    session: Session,
    at: dt.datetime | None = None,
    *,
    campaign_id: int | None = None,
    arms: list[Any] | None = None,
) -> QueueEmpty:
    """Why nothing is callable now and when the next contact becomes callable."""
    at = _now(at)
    if arms is None:
        arms = _arms(_campaign_rows(session), campaign_id)
    if not arms:
        return QueueEmpty("the campaign is paused", None, {})
    engine = _rules()
    closed: dict[str, Any] = {}
    candidates: list[dt.datetime] = []
    ready = _ready_sql(session)
    context = engine.load_context(session, at)
    for arm in arms:
        where, params = _arm_where(arm)
        waiting = []
        memo = engine.WindowMemo(at)
        for key in _all_keys(session):
            # Refused: the verdict changes when the place may next be called (or never).
            allowed, next_allowed_at = engine.locale_window(key, memo, arm.rules, context)
            if not allowed:
                closed[key] = next_allowed_at.isoformat() if next_allowed_at else None
                if next_allowed_at is not None:
                    waiting.append((next_allowed_at, key))
        # The soonest place to open that has a contact ready to call.
        for when, key in sorted(waiting):
            row = _q(
                session,
                f"SELECT 1 FROM contacts WHERE {where}locale_key = ? AND {ready} LIMIT 1",
                *params,
                key,
            ).first()
            if row is not None:
                candidates.append(when)
                break
    waiting_for_window = bool(candidates)
    cooling_next = session.scalar(
        select(func.min(Contact.next_eligible_at)).where(
            Contact.next_eligible_at.is_not(None), Contact.next_eligible_at < HELD
        )
    )
    if cooling_next is not None:
        candidates.append(max(cooling_next, at))
    callback_next = session.scalar(
        select(func.min(Callback.due_at)).where(Callback.status == "open", Callback.due_at > at)
    )
    if callback_next is not None:
        candidates.append(callback_next)
    claimed = session.scalar(
        select(func.count()).select_from(Contact).where(Contact.claimed_by_id.is_not(None))
    )
    review = session.scalar(
        select(func.count())
        .select_from(Contact)
        .where(Contact.callable, Contact.locale_key.is_(None))
    )
    # Consumer calls refused for want of a fresh registry copy: say so, with the fix.
    registry = [r.message for r in context.registry if not r.ok] if context.enforce_registry else []
    if waiting_for_window:
        reason = f"no contact is inside its calling window now ({len(closed)} place(s) closed)"
    elif registry and closed:
        reason = " | ".join(registry)
    elif cooling_next is not None:
        reason = "every remaining contact is cooling down after a recent attempt"
    elif claimed:
        reason = "every remaining contact is claimed by another rep"
    else:
        reason = "no contact left to call"
    return QueueEmpty(
        reason,
        min(candidates) if candidates else None,
        {
            "closed_places": closed,
            "cooling_down_next": cooling_next.isoformat() if cooling_next else None,
            "next_callback_due": callback_next.isoformat() if callback_next else None,
            "claimed_by_reps": int(claimed or 0),
            "needs_review": int(review or 0),
            "registry": registry,
        },
    )


def upcoming(
    session: Session,
    rep_id: int,
    *,
    campaign_id: int | None = None,
    at: dt.datetime | None = None,
    limit: int = 5,
) -> list[dict[str, Any]]:
    """The next few contacts the queue would offer (list order; no claim, no caps checked)."""
    at = _now(at)
    arms = _arms(_campaign_rows(session), campaign_id)
    ids = []
    for contact_id in _walk(session, arms, at, limit, set(), lock=False):
        ids.append(contact_id)
        if len(ids) >= limit:
            break
    contacts = {c.id: c for c in session.scalars(select(Contact).where(Contact.id.in_(ids)))}
    out = []
    for contact_id in ids:
        contact = contacts[contact_id]
        zones = parse_key(contact.locale_key).zones if contact.locale_key else ()
        out.append(
            {
                "contact_id": contact.id,
                "name": contact.full_name,
                "attempts": contact.attempts,
                "tier": contact.tier,
                "campaign_id": contact.campaign_id,
                "local_time": local_time_text(at, zones),
                "time_zones": list(zones),
            }
        )
    return out


def due_callbacks(
    session: Session,
    rep_id: int,
    *,
    at: dt.datetime | None = None,
    horizon: dt.timedelta = dt.timedelta(hours=24),
) -> list[dict[str, Any]]:
    """Open callbacks this rep may take (personal ones and open ones) due before ``at + horizon``."""
    at = _now(at)
    rows = session.execute(
        select(Callback, Contact)
        .join(Contact, Contact.id == Callback.contact_id)
        .where(
            Callback.status == "open",
            Callback.due_at <= at + horizon,
            (Callback.rep_id == rep_id) | (Callback.personal.is_(False)),
        )
        .order_by(Callback.due_at)
    ).all()
    out = []
    for callback, contact in rows:
        zones = parse_key(contact.locale_key).zones if contact.locale_key else ()
        out.append(
            {
                "callback_id": callback.id,
                "contact_id": contact.id,
                "name": contact.full_name,
                "due_at": callback.due_at.isoformat(),
                "due_local": local_time_text(callback.due_at, zones) if zones else None,
                "overdue": callback.due_at <= at,
                "personal": callback.personal,
                "kind": callback.kind,
                "notes": callback.notes,
            }
        )
    return out


# --- claims ---------------------------------------------------------------------------------


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
            f"WITH r AS ({release}), f AS ({free}IN (SELECT contact_id FROM r)) "
            "SELECT id, contact_id FROM r",
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


def _expire(session: Session, model: Any, ids: Any) -> None:
    """Objects the session holds that a Core statement just changed: read them again."""
    if not session.identity_map:  # the hot path holds none (no key to build per id)
        return
    for ident in ids:
        obj = session.identity_map.get(identity_key(model, ident))
        if obj is not None:
            session.expire(obj)


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
# and _release_rep_claims, in that order, as before.
_HOUSEKEEPING_PG_WITH = (
    "r AS (UPDATE claims SET released_at = ? WHERE rep_id = ? AND released_at IS NULL "
    "AND expires_at > ? RETURNING id, contact_id), "
    "f AS (UPDATE contacts SET claimed_by_id = NULL, claim_expires_at = NULL "
    "WHERE claimed_by_id = ? AND id IN (SELECT contact_id FROM r))"
)
_HOUSEKEEPING_PG_READ = (
    _HOUSEKEEPING.format(held=" AND expires_at <= ?", campaigns=_CAMPAIGNS_JSON[True])
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
_CLAIM_ID = "nextval(pg_get_serial_sequence('claims', 'id'))"


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
    rows = _campaign_rows(session, last[1])
    try:
        arms = _arms(rows, campaign_id)
    except QueueError:
        return None
    if len(arms) != 1:
        return None
    groups = _open_groups(hit[2], at, arms[0].rules, _rules().load_context(session, at))
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
                # The claim's id is drawn here for the contact found: the claim can then be
                # written with COMMIT, without waiting for an id (see _claim).
                sql = _housekeeping_sql[where] = (
                    f"WITH {_HOUSEKEEPING_PG_WITH}, {band} {_HOUSEKEEPING_PG_READ}, "
                    f"CASE WHEN s.id IS NOT NULL THEN {_CLAIM_ID} END, {columns} "
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
                band, ids = _read_seek(rows, 10, leads)
                claim_ids = {r[12]: r[9] for r in rows if r[9] is not None}
                seek = (plan.places, band, ids, claim_ids)
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


# --- figures --------------------------------------------------------------------------------


def stats(session: Session, at: dt.datetime | None = None) -> dict[str, Any]:
    """Queue figures: contacts ready, cooling down, claimed, held, not callable, needing review,
    open and due callbacks, attempts today (UTC)."""
    at = _now(at)
    true = True
    total = session.scalar(select(func.count()).select_from(Contact)) or 0
    ready = (
        session.scalar(
            select(func.count())
            .select_from(Contact)
            .where(
                Contact.callable.is_(true),
                Contact.claimed_by_id.is_(None),
                Contact.next_eligible_at.is_(None),
                Contact.locale_key.is_not(None),
            )
        )
        or 0
    )
    cooling = (
        session.scalar(
            select(func.count())
            .select_from(Contact)
            .where(Contact.next_eligible_at.is_not(None), Contact.next_eligible_at < HELD)
        )
        or 0
    )
    held = (
        session.scalar(
            select(func.count()).select_from(Contact).where(Contact.next_eligible_at >= HELD)
        )
        or 0
    )
    claimed = (
        session.scalar(
            select(func.count()).select_from(Contact).where(Contact.claimed_by_id.is_not(None))
        )
        or 0
    )
    not_callable = (
        session.scalar(select(func.count()).select_from(Contact).where(Contact.callable.is_(False)))
        or 0
    )
    review = (
        session.scalar(
            select(func.count())
            .select_from(Contact)
            .where(Contact.callable.is_(true), Contact.locale_key.is_(None))
        )
        or 0
    )
    callbacks_open = (
        session.scalar(select(func.count()).select_from(Callback).where(Callback.status == "open"))
        or 0
    )
    callbacks_due = (
        session.scalar(
            select(func.count())
            .select_from(Callback)
            .where(Callback.status == "open", Callback.due_at <= at)
        )
        or 0
    )
    day_start = at.replace(hour=0, minute=0, second=0, microsecond=0)
    attempts_today = (
        session.scalar(
            select(func.count()).select_from(Attempt).where(Attempt.started_at >= day_start)
        )
        or 0
    )
    return {
        "at": at.isoformat(),
        "contacts": total,
        "ready": ready,
        "cooling_down": cooling,
        "held_for_callback_or_handoff": held,
        "claimed": claimed,
        "not_callable": not_callable,
        "needs_review": review,
        "callbacks_open": callbacks_open,
        "callbacks_due": callbacks_due,
        "attempts_today_utc": attempts_today,
    }


def rep_today(session: Session, rep_id: int, at: dt.datetime | None = None) -> dict[str, Any]:
    """Today's counters for a rep (the rep's own calendar day): dials, conversations, per
    disposition, graded A/B/C/D, callbacks set."""
    at = _now(at)
    rep = session.get(Rep, rep_id)
    if rep is None:
        raise QueueError(f"no rep {rep_id}")
    zone = zoneinfo.ZoneInfo(rep.time_zone or "UTC")
    local = at.astimezone(zone)
    start = local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(dt.UTC)
    rows = session.execute(
        select(Attempt.disposition, Attempt.conversation, Attempt.grade, func.count())
        .where(Attempt.rep_id == rep_id, Attempt.started_at >= start, Attempt.started_at <= at)
        .group_by(Attempt.disposition, Attempt.conversation, Attempt.grade)
    ).all()
    by_disposition: dict[str, int] = {}
    grades: dict[str, int] = {}
    dials = conversations = 0
    for disposition, conversation, grade, count in rows:
        dials += count
        conversations += count if conversation else 0
        by_disposition[disposition] = by_disposition.get(disposition, 0) + count
        if grade:
            grades[grade] = grades.get(grade, 0) + count
    callbacks_set = (
        session.scalar(
            select(func.count())
            .select_from(Callback)
            .join(Attempt, Attempt.id == Callback.attempt_id)
            .where(Attempt.rep_id == rep_id, Attempt.started_at >= start)
        )
        or 0
    )
    return {
        "rep_id": rep_id,
        "day": local.date().isoformat(),
        "dials": dials,
        "conversations": conversations,
        "by_disposition": by_disposition,
        "grades": grades,
        "callbacks_set": callbacks_set,
    }
