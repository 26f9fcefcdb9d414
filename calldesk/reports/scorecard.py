"""Scorecards: how each qualifier works the phone, and what field reps make of their meetings.

A qualifier is **flagged** when their appointments are rejected, or not held, far more often
than the rest of the team's: at least :data:`FLAG_MIN_APPOINTMENTS` decided appointments, a rate
at least :data:`FLAG_RATIO` times the others' and :data:`FLAG_MARGIN` above it.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import func, select, true

from calldesk.models import Appointment, Attempt, Rep, ReportRepHour
from calldesk.reports import summary
from calldesk.reports._sql import count_if, hour_bucket, rate
from calldesk.reports.funnel import GRADES, appointment_figures
from calldesk.reports.scope import (
    Report,
    ReportFilter,
    Table,
    appointment_conditions,
    attempt_conditions,
    contact_scope,
)
from calldesk.store import Store

FLAG_MIN_APPOINTMENTS = 4
FLAG_RATIO = 2.0
FLAG_MARGIN = 0.2

QUALIFIER_COLUMNS: list[tuple[str, str]] = [
    ("rep", "Qualifier"),
    ("dials", "Dials"),
    ("hours", "Hours dialling"),
    ("dials_per_hour", "Dials / hour"),
    ("conversations", "Conversations"),
    ("conversation_rate", "Conversation %"),
    ("grade_a", "A"),
    ("grade_b", "B"),
    ("grade_c", "C"),
    ("grade_d", "D"),
    ("booked", "Booked"),
    ("accepted", "Accepted"),
    ("rejected", "Rejected"),
    ("held", "Held"),
    ("no_show", "No-show"),
    ("accept_rate", "Accepted %"),
    ("held_rate", "Held %"),
    ("reject_rate", "Rejected %"),
    ("no_show_rate", "Not held %"),
    ("rejection_reasons", "Rejection reasons"),
    ("flag", "Flag"),
]
FIELD_COLUMNS: list[tuple[str, str]] = [
    ("rep", "Field rep"),
    ("received", "Received"),
    ("pending", "Awaiting review"),
    ("accepted", "Accepted"),
    ("rejected", "Rejected"),
    ("cancelled", "Cancelled"),
    ("held", "Held"),
    ("no_show", "No-show"),
    ("rescheduled", "Rescheduled"),
    ("opportunity", "Opportunity"),
    ("won", "Won"),
    ("lost", "Lost"),
    ("no_outcome", "No outcome yet"),
    ("accept_rate", "Accepted %"),
    ("held_rate", "Held %"),
]


def scorecard(store: Store, flt: ReportFilter | None = None) -> Report:
    """Qualifier scorecards (``qualifiers``) and field-rep figures (``field_reps``).

    Dials per hour divides dials by the clock hours (UTC) in which the rep dialled at least once.
    Accepted and held shares are of the appointments the qualifier booked; the rejected share is
    of those the field rep decided (accepted or rejected) and the not-held share of those with a
    held or no-show outcome. The team figures a rep is compared with exclude that rep.
    """
    flt = flt or ReportFilter()
    # The team is everyone in the scope: the rep filter only chooses which rows are shown.
    team = ReportFilter(**{**flt.__dict__, "rep_id": None})
    conv = Attempt.conversation == true()
    a_conds = attempt_conditions(team) + contact_scope(team, Attempt.contact_id)
    p_conds = appointment_conditions(team) + contact_scope(team, Appointment.contact_id)
    if team.has_contact_scope:
        # Some contacts only: their attempts (per-contact index).
        dials_q = (
            select(
                Attempt.rep_id,
                func.count().label("dials"),
                count_if(conv).label("conversations"),
                *[count_if(Attempt.grade == g).label(f"grade_{g.lower()}") for g in GRADES],
            )
            .where(Attempt.rep_id.is_not(None), *a_conds)
            .group_by(Attempt.rep_id)
        )
        hours_sub = (
            select(Attempt.rep_id.label("rep_id"), hour_bucket(Attempt.started_at).label("h"))
            .where(Attempt.rep_id.is_not(None), *a_conds)
            .distinct()
            .subquery()
        )
        hours_q = select(hours_sub.c.rep_id, func.count()).group_by(hours_sub.c.rep_id)
    else:
        # Every contact: the per-rep, per-hour summary (one row per hour a rep dialled in).
        summary.refresh(store)
        h = ReportRepHour
        h_conds = [h.rep_id != 0, *summary.day_conditions(h.day, team.date_from, team.date_to)]
        dials_q = (
            select(
                h.rep_id.label("rep_id"),
                func.sum(h.dials).label("dials"),
                func.sum(h.conversations).label("conversations"),
                *[
                    func.sum(getattr(h, f"grade_{g.lower()}")).label(f"grade_{g.lower()}")
                    for g in GRADES
                ],
            )
            .where(*h_conds)
            .group_by(h.rep_id)
        )
        hours_q = select(h.rep_id, func.count()).where(*h_conds).group_by(h.rep_id)
    booked_q = (
        select(
            Appointment.qualifier_id.label("rep_id"),
            *appointment_figures(Appointment.outcome, Appointment.status),
        )
        .where(Appointment.qualifier_id.is_not(None), *p_conds)
        .group_by(Appointment.qualifier_id)
    )
    reasons_q = (
        select(Appointment.qualifier_id, Appointment.reject_reason, func.count())
        .where(Appointment.status == "rejected", Appointment.qualifier_id.is_not(None), *p_conds)
        .group_by(Appointment.qualifier_id, Appointment.reject_reason)
    )
    field_q = (
        select(
            Appointment.field_rep_id.label("rep_id"),
            *appointment_figures(Appointment.outcome, Appointment.status),
            # Awaiting review: not decided and nothing recorded. A meeting with an outcome
            # (recorded without a formal accept, which is allowed) counts as accepted, as in
            # the funnel: received = awaiting + accepted + rejected + cancelled.
            count_if((Appointment.status == "booked") & Appointment.outcome.is_(None)).label(
                "pending"
            ),
            count_if(Appointment.status == "cancelled").label("cancelled"),
            count_if(Appointment.outcome == "rescheduled").label("rescheduled"),
            count_if((Appointment.status == "accepted") & Appointment.outcome.is_(None)).label(
                "no_outcome"
            ),
        )
        .where(*p_conds, *([Appointment.field_rep_id == flt.rep_id] if flt.rep_id else []))
        .group_by(Appointment.field_rep_id)
    )
    with store.session() as session:
        dials = {r["rep_id"]: r for r in session.execute(dials_q).mappings()}
        hours = dict(session.execute(hours_q).all())
        booked = {r["rep_id"]: r for r in session.execute(booked_q).mappings()}
        reasons: dict[int, dict[str, int]] = defaultdict(dict)
        for rep_id, reason, n in session.execute(reasons_q).all():
            reasons[rep_id][reason or "unspecified"] = n
        fields = list(session.execute(field_q).mappings())
        names = dict(session.execute(select(Rep.id, Rep.name)).all())

    qualifiers = [
        _qualifier_row(
            rep_id,
            names,
            dials.get(rep_id),
            hours.get(rep_id, 0),
            booked.get(rep_id),
            reasons.get(rep_id, {}),
        )
        for rep_id in set(dials) | set(booked)
    ]
    _flag(qualifiers)
    if flt.rep_id is not None:
        qualifiers = [q for q in qualifiers if q["rep_id"] == flt.rep_id]
    qualifiers.sort(key=lambda q: q["rep"].casefold())
    field_rows = [_field_row(r, names) for r in fields]
    field_rows.sort(key=lambda q: q["rep"].casefold())
    return Report(
        "scorecard",
        {
            "qualifiers": Table(QUALIFIER_COLUMNS, qualifiers),
            "field_reps": Table(FIELD_COLUMNS, field_rows),
        },
        {"filter": flt.as_dict()},
    )


def _qualifier_row(
    rep_id: int, names: dict[int, str], d: Any, hours: int, b: Any, reasons: dict[str, int]
) -> dict[str, Any]:
    get = lambda m, k: int(m[k]) if m is not None else 0  # noqa: E731
    row: dict[str, Any] = {"rep_id": rep_id, "rep": names.get(rep_id, str(rep_id))}
    row["dials"] = get(d, "dials")
    row["hours"] = hours
    row["dials_per_hour"] = round(row["dials"] / hours, 2) if hours else None
    row["conversations"] = get(d, "conversations")
    row["conversation_rate"] = rate(row["conversations"], row["dials"])
    for g in GRADES:
        row[f"grade_{g.lower()}"] = get(d, f"grade_{g.lower()}")
    for k in ("booked", "accepted", "rejected", "held", "no_show"):
        row[k] = get(b, k)
    row["accept_rate"] = rate(row["accepted"], row["booked"])
    row["held_rate"] = rate(row["held"], row["booked"])
    row["reject_rate"] = rate(row["rejected"], row["accepted"] + row["rejected"])
    row["no_show_rate"] = rate(row["no_show"], row["held"] + row["no_show"])
    row["rejection_reasons"] = dict(sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0])))
    row["flag"] = None
    return row


def _flag(rows: list[dict[str, Any]]) -> None:
    """Mark reps whose rejected or not-held share is far above the rest of the team's."""
    measures = (
        ("rejected", ("accepted", "rejected"), "rejected"),
        ("no_show", ("held", "no_show"), "not held"),
    )
    for row in rows:
        notes = []
        for bad, decided_keys, words in measures:
            decided = sum(row[k] for k in decided_keys)
            others_bad = sum(o[bad] for o in rows if o is not row)
            others_decided = sum(o[k] for o in rows if o is not row for k in decided_keys)
            if decided < FLAG_MIN_APPOINTMENTS or not others_decided:
                continue
            mine, team = row[bad] / decided, others_bad / others_decided
            if mine >= FLAG_RATIO * team and mine - team >= FLAG_MARGIN:
                notes.append(f"{words} {mine:.0%} vs team {team:.0%}")
        row["flag"] = "; ".join(notes) or None


def _field_row(r: Any, names: dict[int, str]) -> dict[str, Any]:
    row: dict[str, Any] = {"rep_id": r["rep_id"], "rep": names.get(r["rep_id"], str(r["rep_id"]))}
    row["received"] = int(r["booked"])
    for k in (
        "pending",
        "accepted",
        "rejected",
        "cancelled",
        "held",
        "no_show",
        "rescheduled",
        "opportunity",
        "won",
        "lost",
        "no_outcome",
    ):
        row[k] = int(r[k])
    row["accept_rate"] = rate(row["accepted"], row["received"])
    row["held_rate"] = rate(row["held"], row["accepted"])
    return row
