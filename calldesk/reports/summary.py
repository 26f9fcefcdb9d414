"""Report summaries: the attempts folded per contact, per rep and contact, and per rep and hour.

Figures that count contacts (dialled, reached, best grade, first touch) would otherwise group
every attempt of the store on every report. The reports read these tables instead (see the
report summaries in :mod:`calldesk.models`), and :func:`refresh` brings them up to date first:

- ``report_contacts`` / ``report_rep_contacts``: per contact (and per rep and contact) its
  dials, conversations, best grade, first attempt, first conversation and seconds from import
  to first touch; ``report_totals``: their sums for the whole store, each rep, each list and
  each campaign;
- ``report_rep_hours``: dials, conversations and grades per UTC day, hour and rep;
  ``report_local_hours``: dials and conversations per UTC day, rep and the contact's local
  weekday and hour.

How they stay exact:

- attempts are written once, inside their outcome's transaction, and never changed or removed;
  the summaries depend on them and on ``Contact.created_at`` only;
- a watermark (the setting ``reports.summary``) holds the highest attempt id folded in.
  A refresh recomputes, from all their attempts, the contacts of the attempts above it and the
  UTC days those attempts fall on: recomputing is idempotent and costs in proportion to the
  new attempts, never to the store;
- totals are sums of the contact rows: the old rows of the contacts recomputed are subtracted
  and the new ones added, in the same transaction, under a lock on the watermark row;
- per-list and per-campaign totals are kept the same way while the lists and campaigns hold
  the contacts they held when the totals were summed (:func:`_signature`); when that changes
  they are summed again from ``report_contacts`` (:func:`group_totals`);
- on PostgreSQL an attempt whose id is below the watermark may still commit (ids are handed
  out at insert, rows appear at commit): ids missing below the watermark are kept as *holes*
  and looked at again by each refresh for :data:`HOLE_TTL`. SQLite serialises writers, so a
  refresh (a writer) sees every id below the highest one already committed;
- an empty summary (a new store, a schema upgrade, :func:`rebuild`) is built in chunks of
  contacts and of days, one short transaction each, so the desk keeps recording meanwhile.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    Table,
    and_,
    case,
    delete,
    exists,
    func,
    literal,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import ColumnElement

from calldesk.models import (
    Attempt,
    Contact,
    ListMember,
    ReportContact,
    ReportLocalHour,
    ReportRepContact,
    ReportRepHour,
    ReportTotal,
    Setting,
)
from calldesk.reports._sql import count_if, epoch_int, utc_day, utc_hour
from calldesk.store import Store

STATE_KEY = "reports.summary"
VERSION = 1
#: contact ids per transaction while building from empty
CONTACT_CHUNK = 50_000
#: days per transaction while building the hour tables from empty
DAY_CHUNK = 7
#: attempt ids per transaction when folding many new attempts
FOLD_CHUNK = 200_000
#: how long an id missing below the watermark (PostgreSQL) is waited for
HOLE_TTL = dt.timedelta(hours=1)

TOTAL_COLUMNS = (
    "contacts",
    "reached",
    "dials",
    "conversations",
    "graded",
    "grade_a",
    "grade_b",
    "grade_c",
    "grade_d",
    "first_touch_s",
)
SUMMARY_TABLES = (ReportContact, ReportRepContact, ReportTotal, ReportRepHour, ReportLocalHour)

# The contacts a fold recomputes, fixed for the whole transaction (on PostgreSQL attempts
# committed meanwhile must not change which rows are subtracted from the totals and re-added).
_scratch = MetaData()
_TOUCHED = Table(
    "report_touched",
    _scratch,
    Column("contact_id", Integer, primary_key=True, autoincrement=False),
    prefixes=["TEMPORARY"],
    postgresql_on_commit="DROP",
)


def refresh(store: Store) -> None:
    """Fold every attempt recorded since the last refresh into the summaries.

    Cheap when nothing is new (two index lookups, no write). The first call on a store builds
    the summaries from all attempts, in chunks of one short transaction each.
    """
    with store.session() as session:
        state = _read_state(session)
        top = _max_attempt_id(session)
    if state is None or state.get("version") != VERSION or state.get("build") is not None:
        _build(store)
    elif top == state["through"] and not state.get("holes"):
        return
    _fold_all(store)


def rebuild(store: Store) -> None:
    """Empty the summaries and build them again from every attempt."""
    _build(store, force=True)
    _fold_all(store)


def _sum_groups(store: Store) -> None:
    """Sum the per-list and per-campaign totals right after a build, not in the first report."""
    for kind in GROUP_KINDS:
        group_totals(store, kind)


def _fold_all(store: Store) -> None:
    while True:
        step = _fold_once(store)
        if step == "done":
            return
        if step == "rebuild":
            _build(store, force=True)


def day_conditions(day: Any, date_from: dt.date | None, date_to: dt.date | None) -> list[Any]:
    """Where-clauses keeping a summary's UTC ``day`` column inside a report's date range."""
    conds = []
    if date_from is not None:
        conds.append(day >= date_from)
    if date_to is not None:
        conds.append(day <= date_to)
    return conds


#: groupings whose totals are kept like the whole store's: list and campaign
GROUP_KINDS = ("list", "campaign")


def group_totals(store: Store, kind: str) -> dict[int, int]:
    """Contacts per list or campaign (``kind``), with that kind's ``report_totals`` current.

    :func:`refresh` keeps the per-group totals up to date like the whole-store ones for as
    long as the groups hold the contacts they held when the totals were summed (checked with
    :func:`_signature`); otherwise they are summed again here from ``report_contacts``.
    Campaign key 0 stands for contacts without a campaign (the default one). Call
    :func:`refresh` first.
    """
    with store.session() as session:
        state = _read_state(session) or {}
        sig = _signature(session, kind)
    kept = (state.get("groups") or {}).get(kind)
    if kept is None or kept["sig"] != sig:
        with store.write() as session:
            state = _lock_state(session) or {}
            groups = dict(state.get("groups") or {})
            sig = _signature(session, kind)
            kept = groups.get(kind)
            if kept is None or kept["sig"] != sig:
                session.execute(delete(ReportTotal).where(ReportTotal.kind == kind))
                _add_totals(session, lambda col: true(), 1, kinds=[kind], only_groups=True)
                m = _members(kind)
                members = session.execute(select(m.c.key, func.count()).group_by(m.c.key)).all()
                kept = {"sig": sig, "members": {str(k): int(n) for k, n in members}}
                groups[kind] = kept
                _write_state(session, {**state, "groups": groups})
    return {int(k): int(n) for k, n in kept["members"].items()}


def _members(kind: str) -> Any:
    """(key, contact_id) of every contact in each group of ``kind``."""
    if kind == "list":
        query = select(ListMember.list_id.label("key"), ListMember.contact_id.label("contact_id"))
    else:
        query = select(
            func.coalesce(Contact.campaign_id, 0).label("key"), Contact.id.label("contact_id")
        )
    return query.subquery(f"members_{kind}")


def _signature(session: Session, kind: str) -> list[Any]:
    """What changes when groups of ``kind`` gain or lose contacts.

    Lists: memberships are added by imports and removed only with their list or contact, so
    their number and highest ids. Campaigns: contacts move between them in bulk, so the count
    and the sum of contact ids per campaign (one pass over ``ix_contacts_campaign``).
    """
    if kind == "list":
        row = session.execute(
            select(func.count(), func.max(ListMember.contact_id), func.max(ListMember.list_id))
        ).one()
        return [int(v or 0) for v in row]
    rows = session.execute(
        select(Contact.campaign_id, func.count(), func.sum(Contact.id))
        .group_by(Contact.campaign_id)
        .order_by(Contact.campaign_id)
    ).all()
    return [[c or 0, int(n), int(total or 0)] for c, n, total in rows]


# --- state ------------------------------------------------------------------------------------


def _read_state(session: Session) -> dict[str, Any] | None:
    value = session.scalar(select(Setting.value).where(Setting.key == STATE_KEY))
    return value if isinstance(value, dict) else None


def _lock_state(session: Session) -> dict[str, Any] | None:
    """The state, locked until the transaction ends (PostgreSQL; SQLite holds the write lock)."""
    ins = _insert(session, Setting).values(key=STATE_KEY, value=None)
    session.execute(ins.on_conflict_do_nothing(index_elements=[Setting.key]))
    value = session.scalar(select(Setting.value).where(Setting.key == STATE_KEY).with_for_update())
    return value if isinstance(value, dict) else None


def _write_state(session: Session, state: dict[str, Any]) -> None:
    session.execute(update(Setting).where(Setting.key == STATE_KEY).values(value=state))


def _max_attempt_id(session: Session) -> int:
    return int(session.scalar(select(func.max(Attempt.id))) or 0)


def _insert(session: Session, model: Any) -> Any:
    dialect = session.get_bind().dialect.name
    return (postgresql if dialect == "postgresql" else sqlite).insert(model)


def _is_pg(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


# --- building from empty ----------------------------------------------------------------------


def _build(store: Store, *, force: bool = False) -> None:
    """Build the summaries from all attempts: contacts in chunks, then days in chunks."""
    done = False
    with store.write() as session:
        state = _lock_state(session)
        if force or state is None or state.get("version") != VERSION:
            for model in SUMMARY_TABLES:
                session.execute(delete(model))
            top = _max_attempt_id(session)
            now = dt.datetime.now(dt.UTC)
            _write_state(
                session,
                {
                    "version": VERSION,
                    "through": top,
                    "holes": _gaps(session, 0, top, now) if _is_pg(session) else [],
                    "build": {"phase": "contacts", "next": 0},
                },
            )
        elif state.get("build") is None:
            return  # built meanwhile by another process
    while True:
        with store.write() as session:
            state = _lock_state(session)
            if state is None or state.get("build") is None:
                return
            build = state["build"]
            if build["phase"] == "contacts":
                # The next contact with attempts: ids left by deletions cost no empty chunks.
                lo = session.scalar(
                    select(func.min(Attempt.contact_id)).where(
                        Attempt.contact_id >= int(build["next"])
                    )
                )
                if lo is None:
                    first_day = session.scalar(select(func.min(Attempt.started_at)))
                    build = {
                        "phase": "days",
                        "next": first_day.date().isoformat() if first_day else None,
                    }
                else:
                    hi = lo + CONTACT_CHUNK

                    def in_chunk(col: Any, lo: int = lo, hi: int = hi) -> ColumnElement[bool]:
                        return and_(col >= lo, col < hi)

                    _recompute_contacts(session, in_chunk)
                    _add_totals(session, in_chunk, 1)
                    build = {"phase": "contacts", "next": hi}
            else:
                after = dt.date.fromisoformat(build["next"]) if build["next"] else None
                first_at = (
                    session.scalar(
                        select(func.min(Attempt.started_at)).where(
                            Attempt.started_at
                            >= dt.datetime.combine(after, dt.time(), tzinfo=dt.UTC)
                        )
                    )
                    if after is not None
                    else None
                )
                start = first_at.date() if first_at is not None else None
                if start is None:
                    build = None
                    done = True
                else:
                    days = [start + dt.timedelta(days=i) for i in range(DAY_CHUNK)]
                    _recompute_days(session, days)
                    build = {"phase": "days", "next": (start + dt.timedelta(DAY_CHUNK)).isoformat()}
            _write_state(session, {**state, "build": build})
        if done:
            _sum_groups(store)
            return


# --- folding new attempts ---------------------------------------------------------------------


def _fold_once(store: Store) -> str:
    """Fold up to :data:`FOLD_CHUNK` new attempts: "done" when nothing is left to fold,
    "more" when there is, "rebuild" when the summaries must be built again."""
    with store.write() as session:
        state = _lock_state(session)
        if state is None or state.get("version") != VERSION:
            return "rebuild"
        if state.get("build") is not None:
            return "done"  # a build is under way elsewhere: it reads what is there
        through = int(state["through"])
        top = _max_attempt_id(session)
        if top < through:
            return "rebuild"  # attempts were removed (calldesk never does): start again
        now = dt.datetime.now(dt.UTC)
        holes = [h for h in state.get("holes") or [] if _seen(h) > now - HOLE_TTL]
        hi = min(top, through + FOLD_CHUNK)
        window: list[ColumnElement[bool]] = []
        if hi > through:
            window.append(and_(Attempt.id > through, Attempt.id <= hi))
        window += [Attempt.id.between(int(h[0]), int(h[1])) for h in holes]
        groups = dict(state.get("groups") or {})
        for kind in list(groups):
            if groups[kind]["sig"] != _signature(session, kind):
                # The groups gained or lost contacts: summed again when next asked for.
                session.execute(delete(ReportTotal).where(ReportTotal.kind == kind))
                del groups[kind]
        if window:
            _fold(session, or_(*window), kinds=list(groups))
        if _is_pg(session):
            kept = [
                gap for h in holes for gap in _gaps(session, int(h[0]) - 1, int(h[1]), _seen(h))
            ]
            holes = kept + _gaps(session, through, hi, now)
        _write_state(session, {**state, "through": hi, "holes": holes, "groups": groups})
        return "done" if hi == top else "more"


def _seen(hole: list[Any]) -> dt.datetime:
    return dt.datetime.fromisoformat(hole[2])


def _fold(session: Session, window: ColumnElement[bool], *, kinds: list[str]) -> None:
    """Recompute the contacts and days of the attempts matching ``window`` (and the totals of
    the groups of ``kinds``)."""
    conn = session.connection()
    if not _is_pg(session):
        conn.exec_driver_sql("DROP TABLE IF EXISTS temp.report_touched")
    _TOUCHED.create(conn)
    session.execute(
        _TOUCHED.insert().from_select(
            ["contact_id"], select(Attempt.contact_id).where(window).distinct()
        )
    )

    def touched(col: Any) -> ColumnElement[bool]:
        return col.in_(select(_TOUCHED.c.contact_id))

    _add_totals(session, touched, -1, kinds=kinds)
    session.execute(delete(ReportContact).where(touched(ReportContact.contact_id)))
    session.execute(delete(ReportRepContact).where(touched(ReportRepContact.contact_id)))
    _recompute_contacts(session, touched)
    _add_totals(session, touched, 1, kinds=kinds)
    days = sorted(
        set(session.scalars(select(utc_day(Attempt.started_at)).where(window).distinct()))
    )
    _recompute_days(session, [_as_date(d) for d in days])
    if not _is_pg(session):
        _TOUCHED.drop(conn)


def _as_date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _gaps(session: Session, after: int, upto: int, seen: dt.datetime) -> list[list[Any]]:
    """Ranges of attempt ids in (after, upto] not (yet) in the table, as [lo, hi, seen]."""
    if upto <= after:
        return []
    a, b, c = aliased(Attempt), aliased(Attempt), aliased(Attempt)
    nxt = select(func.min(b.id)).where(b.id > a.id, b.id <= upto).scalar_subquery()
    rows = session.execute(
        select(a.id + 1, func.coalesce(nxt - 1, upto)).where(
            a.id > after, a.id < upto, ~exists().where(c.id == a.id + 1)
        )
    ).all()
    first = session.scalar(select(func.min(a.id)).where(a.id > after, a.id <= upto))
    gaps = [(after + 1, (first or upto + 1) - 1)] if first != after + 1 else []
    gaps += [(int(lo), int(hi)) for lo, hi in rows]
    return [[lo, hi, seen.isoformat()] for lo, hi in sorted(gaps) if lo <= hi]


# --- recomputing ------------------------------------------------------------------------------


def _attempt_figures() -> list[Any]:
    conv = Attempt.conversation == true()
    return [
        func.count().label("dials"),
        count_if(conv).label("conversations"),
        func.min(Attempt.grade).label("best_grade"),
        func.min(Attempt.started_at).label("first_at"),
        func.min(case((conv, Attempt.started_at))).label("first_conversation_at"),
    ]


SUMMARY_COLUMNS = [
    "dials",
    "conversations",
    "best_grade",
    "first_at",
    "first_conversation_at",
    "first_touch_s",
]


def _recompute_contacts(session: Session, where: Callable[[Any], ColumnElement[bool]]) -> None:
    """Insert the summary rows (per contact, per rep and contact) of the contacts in ``where``.

    The rows must not exist: callers delete them first, or build a range never built.
    """
    per_contact = (
        select(Attempt.contact_id.label("contact_id"), *_attempt_figures())
        .where(where(Attempt.contact_id))
        .group_by(Attempt.contact_id)
        .subquery()
    )
    rep = func.coalesce(Attempt.rep_id, 0)
    per_pair = (
        select(Attempt.contact_id.label("contact_id"), rep.label("rep_id"), *_attempt_figures())
        .where(where(Attempt.contact_id))
        .group_by(Attempt.contact_id, rep)
        .subquery()
    )
    for model, sub, keys in (
        (ReportContact, per_contact, ["contact_id"]),
        (ReportRepContact, per_pair, ["contact_id", "rep_id"]),
    ):
        touch = epoch_int(sub.c.first_at) - epoch_int(Contact.created_at)
        session.execute(
            _insert(session, model).from_select(
                keys + SUMMARY_COLUMNS,
                select(
                    *[sub.c[k] for k in keys],
                    *[sub.c[k] for k in SUMMARY_COLUMNS[:-1]],
                    touch.label("first_touch_s"),
                ).join_from(sub, Contact, Contact.id == sub.c.contact_id),
            )
        )


def _total_figures(model: Any, sign: int) -> list[Any]:
    def s(expr: Any) -> Any:
        return literal(sign) * expr

    return [
        s(func.count()),
        s(count_if(model.conversations > 0)),
        s(func.coalesce(func.sum(model.dials), 0)),
        s(func.coalesce(func.sum(model.conversations), 0)),
        s(func.count(model.best_grade)),
        *[s(count_if(model.best_grade == g)) for g in "ABCD"],
        s(func.coalesce(func.sum(model.first_touch_s), 0)),
    ]


def _add_totals(
    session: Session,
    where: Callable[[Any], ColumnElement[bool]],
    sign: int,
    *,
    kinds: Iterable[str] = (),
    only_groups: bool = False,
) -> None:
    """Add (``sign`` 1) or take away (-1) the summary rows in ``where`` to/from the totals
    of the whole store and of each rep, and of each group of ``kinds`` (only those with
    ``only_groups``)."""
    rc = ReportContact
    queries = []
    if not only_groups:
        queries = [
            select(literal("all"), literal(0), *_total_figures(rc, sign)).where(
                where(rc.contact_id)
            ),
            select(literal("rep"), ReportRepContact.rep_id, *_total_figures(ReportRepContact, sign))
            .where(where(ReportRepContact.contact_id))
            .group_by(ReportRepContact.rep_id),
        ]
    for kind in kinds:
        m = _members(kind)
        queries.append(
            select(literal(kind), m.c.key, *_total_figures(rc, sign))
            .join_from(rc, m, m.c.contact_id == rc.contact_id)
            .where(where(rc.contact_id))
            .group_by(m.c.key)
        )
    for query in queries:
        ins = _insert(session, ReportTotal).from_select(["kind", "key", *TOTAL_COLUMNS], query)
        session.execute(
            ins.on_conflict_do_update(
                index_elements=[ReportTotal.kind, ReportTotal.key],
                set_={c: getattr(ReportTotal, c) + ins.excluded[c] for c in TOTAL_COLUMNS},
            )
        )


def _day_ranges(days: Iterable[dt.date]) -> list[tuple[dt.datetime, dt.datetime]]:
    """Consecutive days merged into [start, end) UTC ranges."""
    ranges: list[list[dt.date]] = []
    for day in sorted(set(days)):
        if ranges and ranges[-1][1] == day:
            ranges[-1][1] = day + dt.timedelta(days=1)
        else:
            ranges.append([day, day + dt.timedelta(days=1)])
    return [
        (
            dt.datetime.combine(lo, dt.time(), tzinfo=dt.UTC),
            dt.datetime.combine(hi, dt.time(), tzinfo=dt.UTC),
        )
        for lo, hi in ranges
    ]


def _recompute_days(session: Session, days: list[dt.date]) -> None:
    """Rewrite the hour tables' rows of ``days`` from those days' attempts."""
    if not days:
        return
    session.execute(delete(ReportRepHour).where(ReportRepHour.day.in_(days)))
    session.execute(delete(ReportLocalHour).where(ReportLocalHour.day.in_(days)))
    in_days = or_(
        *[and_(Attempt.started_at >= lo, Attempt.started_at < hi) for lo, hi in _day_ranges(days)]
    )
    conv = Attempt.conversation == true()
    day, hour, rep = (
        utc_day(Attempt.started_at),
        utc_hour(Attempt.started_at),
        func.coalesce(Attempt.rep_id, 0),
    )
    session.execute(
        _insert(session, ReportRepHour).from_select(
            ["day", "hour", "rep_id", "dials", "conversations", *[f"grade_{g}" for g in "abcd"]],
            select(
                day,
                hour,
                rep,
                func.count(),
                count_if(conv),
                *[count_if(Attempt.grade == g) for g in "ABCD"],
            )
            .where(in_days)
            .group_by(day, hour, rep),
        )
    )
    session.execute(
        _insert(session, ReportLocalHour).from_select(
            ["day", "rep_id", "local_weekday", "local_hour", "dials", "conversations"],
            select(
                day,
                rep,
                Attempt.local_weekday,
                Attempt.local_hour,
                func.count(),
                count_if(conv),
            )
            .where(in_days, Attempt.local_weekday.is_not(None), Attempt.local_hour.is_not(None))
            .group_by(day, rep, Attempt.local_weekday, Attempt.local_hour),
        )
    )
