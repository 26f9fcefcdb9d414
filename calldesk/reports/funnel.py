"""The funnel: contacts -> dialled -> reached -> graded -> booked -> accepted -> held -> won.

Contact steps count people (each once per group), appointment steps count appointments.
A contact's grade is the best grade (A before B before C before D) it was given inside the
filter, so a contact counts once. An appointment is *accepted* when the field rep accepted it or
recorded an outcome for it; *held* when its outcome is held, opportunity, won or lost;
an *opportunity* when opportunity, won or lost.

Time to first touch runs from the contact's import (``Contact.created_at``) to its first attempt
inside the filter. For events, "reached within 48 hours" counts contacts whose first
conversation came less than 48 hours after the end of the event's day (``Event.event_date``,
UTC): the trade-show rule of thumb, so a list imported late shows as a late follow-up. Without
an event date the share is unknown (None), never 0 %. "By the deadline" counts those reached
before the end of the follow-up deadline day (UTC); both are shares of the event's contacts.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import Integer, Select, and_, case, func, literal, not_, null, or_, select, true
from sqlalchemy.sql.elements import ColumnElement

from calldesk.models import (
    Appointment,
    Attempt,
    Campaign,
    Contact,
    Event,
    EventEngagement,
    ReportContact,
    ReportRepContact,
    ReportTotal,
)
from calldesk.reports import summary
from calldesk.reports._sql import count_if, epoch_seconds, rate
from calldesk.reports.scope import (
    Report,
    ReportFilter,
    Table,
    appointment_conditions,
    attempt_conditions,
    contact_scope,
    group_names,
    membership,
)
from calldesk.store import Store

#: the end of the event's day plus 48 hours, in seconds from the start of that day
REACH_WINDOW_S = (24 + 48) * 3600

HELD_OUTCOMES = ("held", "opportunity", "won", "lost")
OPPORTUNITY_OUTCOMES = ("opportunity", "won", "lost")
GRADES = ("A", "B", "C", "D")

FUNNEL_COLUMNS: list[tuple[str, str]] = [
    ("name", "Group"),
    ("contacts", "Contacts"),
    ("dialled", "Dialled"),
    ("reached", "Reached"),
    ("graded", "Graded"),
    ("grade_a", "A"),
    ("grade_b", "B"),
    ("grade_c", "C"),
    ("grade_d", "D"),
    ("booked", "Booked"),
    ("accepted", "Accepted"),
    ("held", "Held"),
    ("opportunity", "Opportunity"),
    ("won", "Won"),
    ("dial_rate", "Dialled %"),
    ("reach_rate", "Reached %"),
    ("grade_rate", "Graded %"),
    ("a_rate", "A %"),
    ("accept_rate", "Accepted %"),
    ("held_rate", "Held %"),
    ("opportunity_rate", "Opportunity %"),
    ("won_rate", "Won %"),
    ("attempts", "Attempts"),
    ("conversations", "Conversations"),
    ("attempts_per_contact", "Attempts / dialled contact"),
    ("first_touch_hours", "Import to first touch (h)"),
    ("untouched", "Never touched"),
]
EVENT_COLUMNS: list[tuple[str, str]] = [
    ("reached_48h_share", "Reached within 48 h %"),
    ("reached_by_deadline_share", "Reached by deadline %"),
]


def appointment_figures(outcome: Any, status: Any) -> list[ColumnElement[int]]:
    """booked, accepted, rejected, held, no_show, opportunity, won, lost counts for a group."""
    return [
        func.count().label("booked"),
        count_if(
            or_(
                status == "accepted",
                and_(outcome.is_not(None), not_(status.in_(("rejected", "cancelled")))),
            )
        ).label("accepted"),
        count_if(status == "rejected").label("rejected"),
        count_if(outcome.in_(HELD_OUTCOMES)).label("held"),
        count_if(outcome == "no_show").label("no_show"),
        count_if(outcome.in_(OPPORTUNITY_OUTCOMES)).label("opportunity"),
        count_if(outcome == "won").label("won"),
        count_if(outcome == "lost").label("lost"),
    ]


def _contact_stats(flt: ReportFilter, by_rep: bool, with_first_conversation: bool) -> Select[Any]:
    """Per contact (per rep and contact with ``by_rep``): its attempts inside the filter."""
    conv = Attempt.conversation == true()
    keys = [Attempt.rep_id.label("rep_id")] if by_rep else []
    # The list, event or campaign narrows the attempts read, not only the groups joined later.
    conds = attempt_conditions(flt) + contact_scope(flt, Attempt.contact_id)
    conv_flag = Attempt.conversation.cast(Integer)
    return (
        select(
            *keys,
            Attempt.contact_id.label("contact_id"),
            func.count().label("n"),
            func.sum(conv_flag).label("conversations"),
            func.max(conv_flag).label("reached"),
            func.min(Attempt.grade).label("best_grade"),
            func.min(Attempt.started_at).label("first_at"),
            *(
                [func.min(case((conv, Attempt.started_at))).label("first_conv_at")]
                if with_first_conversation
                else []
            ),
        )
        .where(*conds)
        .group_by(*(keys + [Attempt.contact_id]))
    )


def funnel(store: Store, flt: ReportFilter | None = None, by: str | None = None) -> Report:
    """The funnel for the filter's contacts, one row per list, event, campaign or rep (``by``).

    Without ``by`` a list, event or campaign filter gives that group's single row (events with
    their 48-hour and deadline shares); otherwise one row for everything the filter covers.
    """
    flt = flt or ReportFilter()
    asked_by = by
    if by is None:
        for field_name, grouping in (
            ("list_id", "list"),
            ("event_id", "event"),
            ("campaign_id", "campaign"),
        ):
            if getattr(flt, field_name) is not None:
                by = grouping
                break
    if _dated(flt):
        # A date range counts the attempts inside it: read them (index led by started_at).
        counts_q, figures_q = _contact_queries(
            flt, by, correlated=store.is_sqlite and by in (None, "rep")
        )
    else:
        summary.refresh(store)
        counts_q, figures_q = _summary_queries(flt, by)
    per_list = (
        by == "list"
        and not _dated(flt)
        and flt.rep_id is None
        and flt.event_id is None
        and flt.campaign_id is None
    )
    members: dict[Any, int] = {}
    if per_list:
        # Every list, or one: the per-list totals kept with the summaries.
        members = summary.group_totals(store, "list")
        if flt.list_id is not None:
            members = {k: n for k, n in members.items() if k == flt.list_id}
        figures_q = _totals_query("list", flt.list_id)
    per_campaign = (
        by == "campaign" and not _dated(flt) and flt.list_id is None and flt.event_id is None
    )
    if per_campaign:
        # Every campaign, or one: the per-campaign totals kept with the summaries.
        members = summary.group_totals(store, "campaign")
    with store.session() as session:
        if per_campaign:
            contact_rows = _campaign_rows(session, flt, members)
        else:
            contacts = members if per_list else dict(session.execute(counts_q).all())
            contact_rows = [
                {**r, "contacts": contacts.get(r["key"], 0)}
                for r in session.execute(figures_q).mappings()
            ]
            contact_rows += [
                {"key": key, "contacts": n}
                for key, n in contacts.items()
                if key not in {r["key"] for r in contact_rows}
            ]
        appt_rows = {
            r["key"]: r for r in session.execute(_appointment_query(flt, by)).mappings().all()
        }
        names = group_names(session, by)
        events = _event_figures(session, flt) if by == "event" else {}
    rows = []
    seen = set()
    for r in contact_rows:
        seen.add(r["key"])
        rows.append(_row(r, appt_rows.get(r["key"]), names, events.get(r["key"])))
    for key, a in appt_rows.items():  # appointments of a rep with no dials in the range
        if key not in seen:
            rows.append(_row({"key": key}, a, names, events.get(key)))
    rows.sort(key=lambda row: (row["name"] or "").casefold())
    columns = FUNNEL_COLUMNS + (EVENT_COLUMNS if by == "event" else [])
    return Report(
        "funnel",
        {"rows": Table(columns, rows)},
        {"by": asked_by, "filter": flt.as_dict()},
    )


def _campaign_rows(
    session: Any, flt: ReportFilter, members: dict[int, int]
) -> list[dict[str, Any]]:
    """Contacts and attempt figures per campaign from the per-campaign totals (and, for one
    rep, from that rep's rows of ``report_rep_contacts`` joined to the contacts).

    Totals are kept per stored ``campaign_id`` (0: none); contacts without one belong to the
    default campaign and are merged into its row here.
    """
    t = ReportTotal
    figures = [
        t.contacts.label("dialled"),
        t.reached.label("reached"),
        t.dials.label("attempts"),
        t.conversations.label("conversations"),
        t.graded.label("graded"),
        *[getattr(t, f"grade_{g.lower()}").label(f"grade_{g.lower()}") for g in GRADES],
        t.first_touch_s.label("first_touch_total"),
    ]
    query: Any = select(t.key.label("key"), *figures).where(t.kind == "campaign")
    if flt.rep_id is not None:
        s = ReportRepContact
        query = (
            select(
                Contact.campaign_id.label("key"),
                func.count().label("dialled"),
                count_if(s.conversations > 0).label("reached"),
                func.sum(s.dials).label("attempts"),
                func.sum(s.conversations).label("conversations"),
                func.count(s.best_grade).label("graded"),
                *[count_if(s.best_grade == g).label(f"grade_{g.lower()}") for g in GRADES],
                func.sum(s.first_touch_s).label("first_touch_total"),
            )
            .join_from(s, Contact, Contact.id == s.contact_id)
            .where(s.rep_id == flt.rep_id)
            .group_by(Contact.campaign_id)
        )
    default = session.scalar(select(Campaign.id).where(Campaign.is_default == true()).limit(1))
    merged: dict[Any, dict[str, Any]] = {}

    def group(key: int | None) -> dict[str, Any]:
        key_ = key or default  # 0 or None: no campaign of its own
        return merged.setdefault(key_, {"key": key_})

    for key, n in members.items():
        row = group(key)
        row["contacts"] = row.get("contacts", 0) + n
    for r in session.execute(query).mappings():
        row = group(r["key"])
        for k, v in r.items():
            if k != "key":
                row[k] = row.get(k, 0) + int(v or 0)
    for row in merged.values():
        total = row.pop("first_touch_total", 0)
        row["first_touch_seconds"] = total / row["dialled"] if row.get("dialled") else None
    return [r for r in merged.values() if flt.campaign_id in (None, r["key"])]


def _dated(flt: ReportFilter) -> bool:
    return flt.date_from is not None or flt.date_to is not None


def _totals_query(kind: str, key: int | None, *, one_group: bool = False) -> Select[Any]:
    """The funnel's attempt figures from the ``report_totals`` rows of ``kind`` (one ``key``);
    ``one_group`` labels them all 0 (the single row of an ungrouped funnel)."""
    t = ReportTotal
    conds = [t.kind == kind, t.contacts > 0] + ([t.key == key] if key is not None else [])
    group: Any = case((t.key == 0, null()), else_=t.key) if kind == "rep" else t.key
    return select(
        (literal(0) if one_group else group).label("key"),
        t.contacts.label("dialled"),
        t.reached.label("reached"),
        t.dials.label("attempts"),
        t.conversations.label("conversations"),
        t.graded.label("graded"),
        *[getattr(t, f"grade_{g.lower()}").label(f"grade_{g.lower()}") for g in GRADES],
        (t.first_touch_s * 1.0 / t.contacts).label("first_touch_seconds"),
    ).where(*conds)


def _summary_queries(flt: ReportFilter, by: str | None) -> tuple[Select[Any], Select[Any]]:
    """(contacts per group, attempt figures per group) from the report summaries.

    All time, so every attempt counts: the whole store and each rep read one row of
    ``report_totals``; lists, events and campaigns join their contacts to ``report_contacts``
    (or, for one rep, to that rep's rows of ``report_rep_contacts``).
    """
    if by in (None, "rep") and not flt.has_contact_scope:
        if by == "rep":
            figures = _totals_query("rep", flt.rep_id)
        elif flt.rep_id is not None:  # one rep's dialled contacts, as one group
            figures = _totals_query("rep", flt.rep_id, one_group=True)
        else:
            figures = _totals_query("all", None, one_group=True)
        if by == "rep" or flt.rep_id is not None:
            sub = figures.subquery()
            counts = select(sub.c.key, sub.c.dialled)
        else:
            counts = select(literal(0).label("key"), func.count(Contact.id))
        return counts, figures
    s: Any = ReportContact if flt.rep_id is None else ReportRepContact
    rep_cond = [] if flt.rep_id is None else [s.rep_id == flt.rep_id]
    if by == "rep":
        # Per rep inside a list, event or campaign: the rep's rows of those contacts.
        s = ReportRepContact
        rep_cond = [] if flt.rep_id is None else [s.rep_id == flt.rep_id]
        group: Any = case((s.rep_id == 0, null()), else_=s.rep_id)
        joined = select(group.label("key")).where(*rep_cond, *contact_scope(flt, s.contact_id))
        counts = (
            select(group.label("key"), func.count())
            .where(*rep_cond, *contact_scope(flt, s.contact_id))
            .group_by(group)
        )
    else:
        m = membership(flt, by).subquery()
        counts = select(m.c.key, func.count().label("contacts")).group_by(m.c.key)
        joined = (
            select(m.c.key.label("key"))
            .select_from(m)
            .join(s, s.contact_id == m.c.contact_id)
            .where(*rep_cond)
        )
        group = m.c.key
    extra: list[Any] = []
    if by == "event":
        joined = joined.join(Event, Event.id == group)
        first_conv = epoch_seconds(s.first_conversation_at)
        extra = [
            count_if(first_conv < epoch_seconds(Event.event_date) + REACH_WINDOW_S).label(
                "reached_48h"
            ),
            count_if(first_conv < epoch_seconds(Event.follow_up_deadline) + 86400).label(
                "reached_by_deadline"
            ),
        ]
    figures = joined.add_columns(
        func.count().label("dialled"),
        count_if(s.conversations > 0).label("reached"),
        func.coalesce(func.sum(s.dials), 0).label("attempts"),
        func.coalesce(func.sum(s.conversations), 0).label("conversations"),
        func.count(s.best_grade).label("graded"),
        *[count_if(s.best_grade == g).label(f"grade_{g.lower()}") for g in GRADES],
        func.avg(s.first_touch_s).label("first_touch_seconds"),
        *extra,
    ).group_by(group)
    return counts, figures


def _contact_queries(
    flt: ReportFilter, by: str | None, *, correlated: bool = False
) -> tuple[Select[Any], Select[Any]]:
    """(contacts per group, attempt figures per group).

    The attempt figures are driven by the per-contact aggregate (one pass over the covering
    index ``ix_attempts_report_contact``) and only then joined to the groups, so contacts never
    dialled cost nothing there; they are counted by the first, cheap query.
    """
    stats = _contact_stats(flt, by_rep=by == "rep", with_first_conversation=by == "event")
    if by == "event":
        # Event contacts are a small part of a store: read only their attempts.
        stats = stats.where(Attempt.contact_id.in_(select(EventEngagement.contact_id)))
    s = stats.subquery()
    if by == "rep":
        counts = select(s.c.rep_id.label("key"), func.count().label("contacts")).group_by(
            s.c.rep_id
        )
        joined = select(s.c.rep_id.label("key")).select_from(s)
        group: Any = s.c.rep_id
    elif by is None and not flt.has_contact_scope:
        # The whole store (or one rep's dialled contacts): no membership to join.
        m = membership(flt, None).subquery()
        counts = select(literal(0).label("key"), func.count().label("contacts")).select_from(m)
        joined = select(literal(0).label("key")).select_from(s)
        group = None
    else:
        m = membership(flt, by).subquery()
        counts = select(m.c.key, func.count().label("contacts")).group_by(m.c.key)
        joined = (
            select(m.c.key.label("key")).select_from(s).join(m, m.c.contact_id == s.c.contact_id)
        )
        group = m.c.key
    if correlated:
        # SQLite, ungrouped or per rep: a primary-key lookup per dialled contact streams the
        # per-contact figures instead of materialising them for a join.
        created: Any = (
            select(Contact.created_at).where(Contact.id == s.c.contact_id).scalar_subquery()
        )
    else:
        joined = joined.join(Contact, Contact.id == s.c.contact_id)
        created = Contact.created_at
    extra: list[Any] = []
    if by == "event":
        joined = joined.join(Event, Event.id == group)
        first_conv = epoch_seconds(s.c.first_conv_at)
        extra = [
            count_if(first_conv < epoch_seconds(Event.event_date) + REACH_WINDOW_S).label(
                "reached_48h"
            ),
            count_if(first_conv < epoch_seconds(Event.follow_up_deadline) + 86400).label(
                "reached_by_deadline"
            ),
        ]
    figures = joined.add_columns(
        func.count().label("dialled"),
        func.coalesce(func.sum(s.c.reached), 0).label("reached"),
        func.coalesce(func.sum(s.c.n), 0).label("attempts"),
        func.coalesce(func.sum(s.c.conversations), 0).label("conversations"),
        func.count(s.c.best_grade).label("graded"),
        *[count_if(s.c.best_grade == g).label(f"grade_{g.lower()}") for g in GRADES],
        func.avg(epoch_seconds(s.c.first_at) - epoch_seconds(created)).label("first_touch_seconds"),
        *extra,
    )
    if group is not None:
        figures = figures.group_by(group)
    return counts, figures


def _appointment_query(flt: ReportFilter, by: str | None) -> Select[Any]:
    figures = appointment_figures(Appointment.outcome, Appointment.status)
    conds = appointment_conditions(flt)
    if by == "rep":
        return (
            select(Appointment.qualifier_id.label("key"), *figures)
            .where(*conds, *contact_scope(flt, Appointment.contact_id))
            .group_by(Appointment.qualifier_id)
        )
    if by is None:
        # No contact set to join: the filter is a rep, a date range or nothing.
        return select(literal(0).label("key"), *figures).where(*conds)
    m = membership(replace(flt, rep_id=None, date_from=None, date_to=None), by).subquery()
    return (
        select(m.c.key.label("key"), *figures)
        .select_from(m)
        .join(Appointment, Appointment.contact_id == m.c.contact_id)
        .where(*conds)
        .group_by(m.c.key)
    )


def _event_figures(session: Any, flt: ReportFilter) -> dict[int, dict[str, Any]]:
    query = select(Event.id, Event.follow_up_deadline, Event.event_date)
    if flt.event_id is not None:
        query = query.where(Event.id == flt.event_id)
    return {
        eid: {"deadline": deadline, "event_date": day}
        for eid, deadline, day in session.execute(query).all()
    }


def _row(r: Any, a: Any, names: dict[Any, str], event: dict[str, Any] | None) -> dict[str, Any]:
    key = r["key"]
    get = lambda m, k: (m.get(k) if m is not None else None) or 0  # noqa: E731
    row: dict[str, Any] = {
        "key": key,
        "name": names.get(key, "(no rep)" if key is None else str(key)),
    }
    for k in (
        "contacts",
        "dialled",
        "reached",
        "graded",
        "grade_a",
        "grade_b",
        "grade_c",
        "grade_d",
    ):
        row[k] = int(get(r, k))
    for k in ("booked", "accepted", "rejected", "held", "no_show", "opportunity", "won", "lost"):
        row[k] = int(get(a, k))
    row["attempts"] = int(get(r, "attempts"))
    row["conversations"] = int(get(r, "conversations"))
    row["dial_rate"] = rate(row["dialled"], row["contacts"])
    row["reach_rate"] = rate(row["reached"], row["dialled"])
    row["grade_rate"] = rate(row["graded"], row["reached"])
    row["a_rate"] = rate(row["grade_a"], row["graded"])
    row["accept_rate"] = rate(row["accepted"], row["booked"])
    row["held_rate"] = rate(row["held"], row["accepted"])
    row["opportunity_rate"] = rate(row["opportunity"], row["held"])
    row["won_rate"] = rate(row["won"], row["opportunity"])
    row["attempts_per_contact"] = (
        round(row["attempts"] / row["dialled"], 2) if row["dialled"] else None
    )
    seconds = r.get("first_touch_seconds") if hasattr(r, "get") else None
    row["first_touch_hours"] = round(float(seconds) / 3600, 2) if seconds is not None else None
    row["untouched"] = row["contacts"] - row["dialled"]
    if event is not None:
        # No event date, no honest 48 hours: shown as unknown, never as 0 %.
        row["reached_48h_share"] = (
            rate(get(r, "reached_48h"), row["contacts"])
            if event.get("event_date") is not None
            else None
        )
        row["reached_by_deadline_share"] = (
            rate(get(r, "reached_by_deadline"), row["contacts"])
            if event["deadline"] is not None
            else None
        )
    return row
