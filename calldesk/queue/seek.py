"""The seek: which ready contact comes next, on SQLite and PostgreSQL.

Every distinct locale key is read by skipping through the index (cached per store); the rules
engine says which keys are open now, grouped by when their window closes (cached until a
verdict may change); then :func:`_walk` seeks band by band (``queue_rank, attempts``) the first
ready contact of the open places, soonest-closing first, in ``ix_contacts_queue``. On
PostgreSQL the first band and its first contact come in one statement with the lead card's
columns (:func:`_seek_first`; the housekeeping statement can carry the same pieces).
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import sqlite3
import time
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.orm import Session

from calldesk.queue import base
from calldesk.queue.arms import _Arm, _arm_where
from calldesk.queue.base import HELD, QueueError
from calldesk.queue.driver import _from_ts, _is_pg, _q, _raw, _sqlite_moment
from calldesk.queue.lead import _EMAILS, _LEAD_COLUMNS, _LEAD_NUMBERS_SQL, _NUMBERS_JSON_PG

_READY = "callable = {true} AND claimed_by_id IS NULL AND next_eligible_at IS NULL"


def _ready_sql(session: Session) -> str:
    return _READY.format(true="true" if _is_pg(session) else "1")


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
    url = _store_url(session)
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


def _store_url(session: Session) -> str:
    """The store's URL (password hidden), rendered once per engine: the key of the caches."""
    bind = session.get_bind()
    hit = _urls.get(id(bind))
    if hit is None or hit[0] is not bind:
        if len(_urls) > 64:
            _urls.clear()
        hit = _urls[id(bind)] = (bind, bind.url.render_as_string(hide_password=True))
    return hit[1]


_urls: dict[int, tuple[Any, str]] = {}


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
    if not rules:  # the usual campaign: no narrowing (no encoder built per call)
        return "{}"
    return json.dumps(rules, sort_keys=True, default=str)


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
    engine = base._rules()
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
    engine = base._rules()
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
    """PostgreSQL: ready contacts of one band in the open places, in the places' order
    (:func:`_seek_places` on SQLite)."""
    where, params = _arm_where(arm)
    # The contacts to skip are a parameter, not literals: the statement's text stays the same
    # from call to call, so the driver prepares it once (SQLite's statement cache, psycopg's
    # server-side prepared statements).
    skip, skipped = "", ()
    if exclude:
        skip, skipped = " AND id <> ALL(CAST(? AS bigint[]))", (_pg_ids(exclude),)
    ready = _ready_sql(session)
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


def _first_bands(
    session: Session, arms: list[_Arm], groups: list[list[list[str]]]
) -> list[tuple[int, int] | None]:
    """Each arm's best band with a ready contact (None: no open place, or nobody ready)."""
    return [_first_band(session, arm, None) if groups[i] else None for i, arm in enumerate(arms)]


def _best_band(heads: list[tuple[int, int] | None]) -> tuple[tuple[int, int], int] | None:
    """The best of the arms' bands and its arm, or None when no arm has one left."""
    live = [(band, i) for i, band in enumerate(heads) if band is not None]
    return min(live) if live else None


def _walk(
    session: Session,
    arms: list[_Arm],
    at: dt.datetime,
    limit: int,
    exclude: set[int],
    lock: bool,
    version: tuple[Any, ...] | None = None,
    leads: dict[int, Any] | None = None,
    seek: tuple[list[str], tuple[int, int] | None, list[int]] | None = None,
    context: Any = None,
):
    """Yield ready contact ids in queue order: band by band over every arm, and within a band
    the open places that close soonest first. Re-seeks after each yield, so contacts taken out
    meanwhile (blocked by a cap, no number left) are not seen again. With ``leads`` (a claim
    on PostgreSQL, one arm), the first band and its first contact come in one statement
    with the contact's columns (``seek``: that statement's answer, read already with the
    housekeeping (:class:`_Plan`): the open places it sought, the band and the ids). SQLite
    has a walk of its own (:func:`_walk_sqlite`)."""
    keys = _all_keys(session, version)
    if not keys:
        return
    # The store's facts (closed days, registry copies) once per walk: cached, no query per offer
    # (``context``: the caller's, read for the same moment).
    if context is None:
        context = base._rules().load_context(session, at)
    groups = [_open_groups(keys, at, arm.rules, context) for arm in arms]
    if not _is_pg(session):
        first = leads is not None and lock and len(arms) == 1 and limit == 1
        yield from _walk_sqlite(session, arms, groups, limit, exclude, leads if first else None, at)
        return
    prefetched: list[int] | None = None
    if leads is not None and lock and len(arms) == 1 and groups[0]:
        if seek is not None and seek[0] is _merged(groups[0]):
            band, prefetched = seek[1], seek[2]
        else:
            band, prefetched = _seek_first(
                session, arms[0], _merged(groups[0]), limit, exclude, leads
            )
        heads: list[tuple[int, int] | None] = [band]
    else:
        heads = _first_bands(session, arms, groups)
    while (best := _best_band(heads)) is not None:
        band, i = best
        arm = arms[i]
        # Every open group of the band in one statement (the places in the same order,
        # stopping at the first with a ready contact): one round trip per offer rather than
        # one per group whose places have nobody left in this band.
        seeks = [_merged(groups[i])] if len(groups[i]) > 1 else groups[i]
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


# --- SQLite: the open places in a table of the connection's own ------------------------------
#
# Each group of open places gets a number in a TEMP table of the connection (``place_grp``,
# soonest-closing group first; the places of a group in key order), loaded once per list of
# open groups the connection meets, so a seek joins it: one index seek per place, in order,
# stopping at the limit. A seek used to pass the group's places as JSON (``json_each``): parsed
# and sorted into an ephemeral index on every statement (0.1-0.45 ms for a group of 300-1,400
# places at 1M contacts; the join costs the same 4 us for any size).
#
# The table's rows follow the transaction that wrote them: a list loaded in a transaction
# that was rolled back is gone (the table too, if it was created there). The number before a
# list's first group marks the list (its row, with an empty key, is written with the list):
# a seek that finds nothing, or a missing table, looks for it, and loads the list again when
# it is not there. Numbers are never given twice on a connection, so a seek can never read
# another list's rows.

_PLACES = "calldesk_queue_places"
_PLACES_TABLE = (
    f"CREATE TEMP TABLE IF NOT EXISTS {_PLACES} (place_grp INTEGER NOT NULL, "
    "place_key TEXT NOT NULL, PRIMARY KEY (place_grp, place_key)) WITHOUT ROWID"
)
_PLACES_LISTS = 8  # lists a connection's table holds before it is emptied and started again
_READY_SQLITE = _READY.format(true="1")
_LEAD_FROM = " FROM contacts WHERE id = ?"  # how the lead's own read (_LEAD_NUMBERS_SQL) ends


class _PlaceTable:
    """What a connection's place table holds (kept with the pool's record of the connection):
    the number of the first group of each list of open groups loaded, by the list's content,
    and by the identity of the cached lists (the usual look-up: no hashing of the places)."""

    __slots__ = ("by_content", "by_id", "next")

    def __init__(self) -> None:
        self.by_content: dict[tuple[tuple[str, ...], ...], int] = {}
        self.by_id: dict[int, tuple[list[list[str]], int]] = {}
        self.next = 1  # the next number free on this connection


def _place_numbers(session: Session, groups: list[list[str]]) -> int:
    """The number of the first of ``groups`` in the connection's place table (the others
    follow it), loaded into it on the connection's first use of this list."""
    raw, _ = _raw(session)
    table = raw.info.get("_queue_places")
    if table is None:
        table = raw.info["_queue_places"] = _PlaceTable()
    hit = table.by_id.get(id(groups))
    if hit is not None and hit[0] is groups:
        return hit[1]
    content = tuple(tuple(group) for group in groups)
    first = table.by_content.get(content)
    if first is None:
        _q(session, _PLACES_TABLE)
        if len(table.by_content) >= _PLACES_LISTS:
            _q(session, f"DELETE FROM temp.{_PLACES}")
            table.by_content.clear()
            table.by_id.clear()
        mark, first = table.next, table.next + 1
        table.next = first + len(content)
        # The rows one at a time (a list of 25,000 tuples was promoted by the collector on
        # its way, bringing a full collection of the process's objects nearer).
        rows = itertools.chain(
            ((mark, ""),), ((first + i, key) for i, group in enumerate(content) for key in group)
        )
        cursor = raw.cursor()
        try:
            cursor.executemany(f"INSERT INTO temp.{_PLACES} VALUES (?, ?)", rows)
        finally:
            cursor.close()
        table.by_content[content] = first
    if len(table.by_id) > 64:
        table.by_id.clear()
    table.by_id[id(groups)] = (groups, first)
    return first


def _places_held(session: Session, first: int) -> bool:
    """Whether the connection's place table holds the list whose first group is ``first``
    (not if the transaction that loaded it was rolled back); when it does not, forgets what
    the table was thought to hold (its numbers stay taken: rows of other lists may remain)."""
    try:
        held = _q(
            session,
            f"SELECT count(*) FROM temp.{_PLACES} WHERE place_grp = ? AND place_key = ''",
            first - 1,
        ).scalar()
    except sqlite3.OperationalError:  # no such table: created by a transaction rolled back
        held = 0
    if not held:
        table = _raw(session)[0].info.get("_queue_places")
        if table is not None:
            table.by_content.clear()
            table.by_id.clear()
    return bool(held)


def _skip_sqlite(exclude: set[int]) -> tuple[str, tuple[Any, ...]]:
    """The condition that leaves out contacts already seen (one: a plain comparison)."""
    if not exclude:
        return "", ()
    if len(exclude) == 1:
        return " AND id <> ?", (int(next(iter(exclude))),)
    ids = json.dumps(sorted(int(i) for i in exclude))
    return " AND id NOT IN (SELECT value FROM json_each(?))", (ids,)


def _seek_places_sql(where: str, skip: str) -> str:
    sql = _seek_places_sqls.get((where, skip))
    if sql is None:
        # The places (outer: group, then key) lead; in each, the queue index's order. The
        # ORDER BY is that order, read from the loops as they run (no sort: checked with
        # EXPLAIN QUERY PLAN in tests/test_queue_seek_sqlite.py).
        sql = _seek_places_sqls[(where, skip)] = (
            f"SELECT op.place_grp, id FROM temp.{_PLACES} AS op CROSS JOIN contacts "
            f"WHERE op.place_grp BETWEEN ? AND ? AND {where}queue_rank = ? AND attempts = ? "
            f"AND locale_key = op.place_key AND {_READY_SQLITE}{skip} "
            "ORDER BY op.place_grp, op.place_key, last_attempt_at, id LIMIT ?"
        )
    return sql


_seek_places_sqls: dict[tuple[str, str], str] = {}


def _seek_places(
    session: Session,
    arm: _Arm,
    band: tuple[int, int],
    groups: list[list[str]],
    start: int,
    limit: int,
    exclude: set[int],
) -> list[tuple[int, int]]:
    """SQLite: ready contacts of one band in the open groups from ``start`` on, in queue order
    (group, place, least recently tried, oldest), with the index of the group of each."""
    where, params = _arm_where(arm)
    skip, skipped = _skip_sqlite(exclude)
    sql = _seek_places_sql(where, skip)
    for _ in range(2):
        first = _place_numbers(session, groups)
        span = (first + start, first + len(groups) - 1)
        try:
            rows = _q(session, sql, *span, *params, band[0], band[1], *skipped, limit).all()
        except sqlite3.OperationalError:
            if _places_held(session, first):
                raise
            continue
        if rows or _places_held(session, first):
            return [(group - first, contact_id) for group, contact_id in rows]
    raise QueueError("the open places could not be loaded")


def _first_band_seek(
    session: Session,
    arm: _Arm,
    groups: list[list[str]],
    exclude: set[int],
    leads: dict[Any, Any],
    at: dt.datetime,
) -> tuple[tuple[int, int] | None, list[tuple[int, int]] | None]:
    """SQLite, one statement for what :func:`_first_band`, :func:`_seek_places` (limit 1) and
    the lead's read find first: the best band with a ready contact, its first ready contact in
    the open places (its group unknown: 0), read with the lead card's columns, its numbers
    (kept in ``leads`` as :func:`~calldesk.queue.lead._load_lead` keeps them) and its attempts
    within the longest cap window before ``at`` (kept by ``(id, "attempts")``: the caps count
    them without a statement of their own). None instead of the contacts: the walk seeks them
    itself (the place table was not there)."""
    where, params = _arm_where(arm)
    skip, skipped = _skip_sqlite(exclude)
    sql = _first_band_sqls.get((where, skip))
    if sql is None:
        # The lead's columns as _load_lead reads them, from the contact the subquery finds.
        columns = _LEAD_NUMBERS_SQL.removeprefix("SELECT ").removesuffix(_LEAD_FROM)
        sql = _first_band_sqls[(where, skip)] = (
            "WITH b(band_rank, band_attempts) AS (SELECT queue_rank, attempts FROM contacts "
            f"WHERE {where}{_READY_SQLITE} ORDER BY queue_rank, attempts LIMIT 1) "
            f"SELECT b.band_rank, b.band_attempts, {columns}, {_RECENT_ATTEMPTS} "
            "FROM b LEFT JOIN contacts "
            f"ON contacts.id = (SELECT id FROM temp.{_PLACES} AS op CROSS JOIN contacts "
            f"WHERE op.place_grp BETWEEN ? AND ? AND {where}queue_rank = b.band_rank "
            "AND attempts = b.band_attempts AND locale_key = op.place_key "
            f"AND {_READY_SQLITE}{skip} "
            "ORDER BY op.place_grp, op.place_key, last_attempt_at, id LIMIT 1)"
        )
    first = _place_numbers(session, groups)
    span = (first, first + len(groups) - 1)
    since, window = _attempts_window(at)
    try:
        row = _q(session, sql, *params, *window, *span, *params, *skipped).first()
    except sqlite3.OperationalError:
        if _places_held(session, first):
            raise
        return _first_band(session, arm, None), None
    if row is None:
        return None, []
    band, contact_id = (row[0], row[1]), row[2]
    if contact_id is None:
        return band, ([] if _places_held(session, first) else None)
    leads[contact_id] = row[2:-2]
    leads[-contact_id] = json.loads(row[-2])  # the contact's numbers, by the negated id
    times = [_from_ts(t) for t in json.loads(row[-1])] if row[-1] != "[]" else []
    leads[(contact_id, "attempts")] = (since, at, times)
    return band, [(0, contact_id)]


def _attempts_window(at: dt.datetime) -> tuple[dt.datetime, tuple[str, str]]:
    """The start of the longest cap window ending at ``at``, and that window's bounds as the
    store writes moments (naive UTC text); the last one asked kept (a walk asks once a call)."""
    hours = base._rules().cap_horizon()
    hit = _window_of[0]
    if hit is not None and hit[0] == at and hit[1] == hours:
        return hit[2], hit[3]
    since = at - dt.timedelta(hours=hours)
    bounds = (_sqlite_moment(since), _sqlite_moment(at))
    _window_of[0] = (at, hours, since, bounds)
    return since, bounds


_window_of: list[Any] = [None]


# The contact's attempts in (?, ?], oldest first, as one JSON array (text moments).
_RECENT_ATTEMPTS = (
    "(SELECT json_group_array(started_at) FROM (SELECT started_at FROM attempts "
    "WHERE contact_id = contacts.id AND started_at > ? AND started_at <= ? ORDER BY started_at))"
)


_first_band_sqls: dict[tuple[str, str], str] = {}


def _walk_sqlite(
    session: Session,
    arms: list[_Arm],
    groups: list[list[list[str]]],
    limit: int,
    exclude: set[int],
    leads: dict[Any, Any] | None,
    at: dt.datetime,
):
    """:func:`_walk` on SQLite: band by band over every arm; in a band, every open group from
    the one where the last contact was found on, in one statement (``leads``: a claim of one
    contact, one arm: the first band and its first contact, read with the lead card's
    columns, in one statement)."""
    found: list[tuple[int, int]] | None = None
    if leads is not None and groups[0]:
        band, found = _first_band_seek(session, arms[0], groups[0], exclude, leads, at)
        heads: list[tuple[int, int] | None] = [band]
    else:
        heads = _first_bands(session, arms, groups)
    while (best := _best_band(heads)) is not None:
        band, i = best
        start = 0  # the group the last contact was found in: those before it have none left
        while True:
            if found is None:
                found = _seek_places(session, arms[i], band, groups[i], start, limit, exclude)
            if not found:
                break
            for _group, contact_id in found:
                exclude.add(contact_id)
                yield contact_id
            start, found = found[-1][0], None
        found = None
        heads[i] = _first_band(session, arms[i], band)
