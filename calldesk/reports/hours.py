"""Best time to call (connect rate by the contact's local hour and weekday) and rates over time."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select, true

from calldesk.models import Appointment, Attempt, ReportLocalHour, ReportRepHour
from calldesk.reports import summary
from calldesk.reports._sql import count_if, day_bucket, rate, week_bucket
from calldesk.reports.funnel import HELD_OUTCOMES
from calldesk.reports.scope import (
    Report,
    ReportFilter,
    Table,
    appointment_conditions,
    attempt_conditions,
    contact_scope,
)
from calldesk.store import Store

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

HOUR_COLUMNS: list[tuple[str, str]] = [
    ("weekday_name", "Weekday"),
    ("hour", "Local hour"),
    ("dials", "Dials"),
    ("conversations", "Conversations"),
    ("connect_rate", "Connect %"),
]
TREND_COLUMNS: list[tuple[str, str]] = [
    ("period", "Period"),
    ("dials", "Dials"),
    ("conversations", "Conversations"),
    ("connect_rate", "Connect %"),
    ("graded_a", "A grades"),
    ("booked", "Booked"),
    ("held", "Held"),
]


def best_hours(store: Store, flt: ReportFilter | None = None) -> Report:
    """Connect rate per (weekday, hour) of the contact's own clock, busiest first in the tables.

    Tables: ``cells`` (one row per weekday and hour dialled), ``by_hour`` and ``by_weekday``.
    A connect is an attempt with a conversation. Attempts without a recorded local time
    (the contact's zone was unknown) are left out.
    """
    flt = flt or ReportFilter()
    if flt.has_contact_scope:
        # Some contacts only: their attempts.
        conds = attempt_conditions(flt) + contact_scope(flt, Attempt.contact_id)
        conv = Attempt.conversation == true()
        query = (
            select(
                Attempt.local_weekday.label("weekday"),
                Attempt.local_hour.label("hour"),
                func.count().label("dials"),
                count_if(conv).label("conversations"),
            )
            .where(Attempt.local_hour.is_not(None), Attempt.local_weekday.is_not(None), *conds)
            .group_by(Attempt.local_weekday, Attempt.local_hour)
            .order_by(Attempt.local_weekday, Attempt.local_hour)
        )
    else:
        # Every contact: the per-day local-hour summary.
        summary.refresh(store)
        h = ReportLocalHour
        query = (
            select(
                h.local_weekday.label("weekday"),
                h.local_hour.label("hour"),
                func.sum(h.dials).label("dials"),
                func.sum(h.conversations).label("conversations"),
            )
            .where(
                *summary.day_conditions(h.day, flt.date_from, flt.date_to),
                *([h.rep_id == flt.rep_id] if flt.rep_id is not None else []),
            )
            .group_by(h.local_weekday, h.local_hour)
            .order_by(h.local_weekday, h.local_hour)
        )
    with store.session() as session:
        cells = [
            _cell(int(r["weekday"]), int(r["hour"]), int(r["dials"]), int(r["conversations"]))
            for r in session.execute(query).mappings()
        ]
    by_hour: dict[int, list[int]] = {}
    by_day: dict[int, list[int]] = {}
    for c in cells:
        for bucket, key in ((by_hour, c["hour"]), (by_day, c["weekday"])):
            tot = bucket.setdefault(key, [0, 0])
            tot[0] += c["dials"]
            tot[1] += c["conversations"]
    hour_rows = [
        {"hour": h, "dials": d, "conversations": n, "connect_rate": rate(n, d)}
        for h, (d, n) in sorted(by_hour.items())
    ]
    day_rows = [
        {
            "weekday": w,
            "weekday_name": WEEKDAYS[w],
            "dials": d,
            "conversations": n,
            "connect_rate": rate(n, d),
        }
        for w, (d, n) in sorted(by_day.items())
    ]
    return Report(
        "hours",
        {
            "cells": Table(HOUR_COLUMNS, cells),
            "by_hour": Table(HOUR_COLUMNS[1:], hour_rows),
            "by_weekday": Table([HOUR_COLUMNS[0], *HOUR_COLUMNS[2:]], day_rows),
        },
        {"filter": flt.as_dict()},
    )


def _cell(weekday: int, hour: int, dials: int, conversations: int) -> dict[str, Any]:
    return {
        "weekday": weekday,
        "weekday_name": WEEKDAYS[weekday] if 0 <= weekday < 7 else str(weekday),
        "hour": hour,
        "dials": dials,
        "conversations": conversations,
        "connect_rate": rate(conversations, dials),
    }


def _period_key(value: Any, period: str) -> str:
    """A period as the SQL buckets spell it: the day, or the Monday of its week."""
    if not isinstance(value, dt.date):
        return str(value)  # already a bucket from SQL
    if period == "week":
        value -= dt.timedelta(days=value.weekday())
    return value.isoformat()


def trend(store: Store, flt: ReportFilter | None = None, period: str = "week") -> Report:
    """Dials, conversations, connect rate, A grades, appointments booked and held per UTC day or
    week (weeks start on Monday), for the rates-over-time chart."""
    if period not in ("day", "week"):
        raise ValueError("period is 'day' or 'week'")
    flt = flt or ReportFilter()
    bucket = day_bucket if period == "day" else week_bucket
    if flt.has_contact_scope:
        # Some contacts only: their attempts.
        conv = Attempt.conversation == true()
        a_period = bucket(Attempt.started_at)
        attempts_q = (
            select(
                a_period.label("period"),
                func.count().label("dials"),
                count_if(conv).label("conversations"),
                count_if(Attempt.grade == "A").label("graded_a"),
            )
            .where(*attempt_conditions(flt), *contact_scope(flt, Attempt.contact_id))
            .group_by(a_period)
        )
    else:
        # Every contact: per day from the per-rep, per-hour summary, into weeks below.
        summary.refresh(store)
        h = ReportRepHour
        attempts_q = (
            select(
                h.day.label("period"),
                func.sum(h.dials).label("dials"),
                func.sum(h.conversations).label("conversations"),
                func.sum(h.grade_a).label("graded_a"),
            )
            .where(
                *summary.day_conditions(h.day, flt.date_from, flt.date_to),
                *([h.rep_id == flt.rep_id] if flt.rep_id is not None else []),
            )
            .group_by(h.day)
        )
    p_period = bucket(Appointment.created_at)
    appts_q = (
        select(
            p_period.label("period"),
            func.count().label("booked"),
            count_if(Appointment.outcome.in_(HELD_OUTCOMES)).label("held"),
        )
        .where(*appointment_conditions(flt), *contact_scope(flt, Appointment.contact_id))
        .group_by(p_period)
    )
    with store.session() as session:
        periods: dict[str, dict[str, Any]] = {}
        for r in session.execute(attempts_q).mappings():
            p = periods.setdefault(_period_key(r["period"], period), {})
            for k in ("dials", "conversations", "graded_a"):
                p[k] = p.get(k, 0) + int(r[k])
        for r in session.execute(appts_q).mappings():
            periods.setdefault(str(r["period"]), {}).update(
                booked=int(r["booked"]), held=int(r["held"])
            )
    rows = []
    for key in sorted(periods):
        p = periods[key]
        row = {
            "period": key,
            **{k: p.get(k, 0) for k in ("dials", "conversations", "graded_a", "booked", "held")},
        }
        row["connect_rate"] = rate(row["conversations"], row["dials"])
        rows.append(row)
    return Report(
        "trend", {"rows": Table(TREND_COLUMNS, rows)}, {"period": period, "filter": flt.as_dict()}
    )
