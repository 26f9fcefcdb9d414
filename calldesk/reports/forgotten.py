"""Forgotten follow-ups: promises nobody kept, each with the contact id the desk opens.

Four kinds, oldest first:

- ``follow_up``: a B or C contact whose follow-up date (its open follow-up or nurture callback,
  else its next eligible time) passed with no attempt since;
- ``callback``: an open callback past due;
- ``no_outcome``: an appointment that ended some days ago with no outcome recorded;
- ``no_opportunity``: an accepted appointment, held some time ago, never turned into an
  opportunity.

Only what is late by more than the grace period counts: a callback due ten minutes ago is not
forgotten.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import and_, exists, func, literal, not_, select, true, union_all

from calldesk.models import Appointment, Attempt, Callback, Company, Contact, Rep
from calldesk.reports.scope import Report, ReportFilter, Table, contact_scope
from calldesk.store import Store

FOLLOW_UP_KINDS = ("follow_up", "nurture")
KINDS = ("follow_up", "callback", "no_outcome", "no_opportunity")
KIND_LABELS = {
    "follow_up": "B/C follow-up date passed, not called",
    "callback": "Callback past due",
    "no_outcome": "Appointment without outcome",
    "no_opportunity": "Held, never an opportunity",
}

FORGOTTEN_COLUMNS: list[tuple[str, str]] = [
    ("kind_label", "What was forgotten"),
    ("contact_id", "Contact id"),
    ("contact", "Contact"),
    ("company", "Company"),
    ("grade", "Grade"),
    ("due", "Due (UTC)"),
    ("days_late", "Days late"),
    ("rep", "Rep"),
    ("detail", "Detail"),
]


def forgotten(
    store: Store,
    flt: ReportFilter | None = None,
    *,
    as_of: dt.datetime | None = None,
    callback_grace: dt.timedelta = dt.timedelta(days=1),
    outcome_after: dt.timedelta = dt.timedelta(days=3),
    opportunity_after: dt.timedelta = dt.timedelta(days=30),
    limit: int = 500,
) -> Report:
    """Everything forgotten as of ``as_of`` (now): ``items`` (oldest first, at most ``limit``
    per kind) and ``counts`` (the full number of each kind).

    The filter's list, event or campaign narrows the contacts; its rep narrows callbacks to that
    rep's and appointments to those the rep booked or was handed. Dates do not apply: forgetting
    is measured against ``as_of``.
    """
    flt = flt or ReportFilter()
    as_of = as_of or dt.datetime.now(dt.UTC)
    limit = max(1, limit)
    cb_cutoff = as_of - callback_grace
    queries = _queries(flt, cb_cutoff, as_of - outcome_after, as_of - opportunity_after)
    items: list[dict[str, Any]] = []
    counts: dict[str, int] = {}
    with store.session() as session:
        for kind in KINDS:
            sub = queries[kind].subquery()
            # One pass per kind: the window counts every row before the limit cuts the list.
            rows = session.execute(
                select(sub, func.count().over().label("total"))
                .order_by(sub.c.due, sub.c.contact_id)
                .limit(limit)
            ).mappings()
            counts[kind] = 0
            for r in rows:
                counts[kind] = int(r["total"])
                due = r["due"]
                items.append(
                    {
                        "kind": kind,
                        "kind_label": KIND_LABELS[kind],
                        "contact_id": r["contact_id"],
                        "contact": " ".join(p for p in (r["first_name"], r["last_name"]) if p)
                        or "(no name)",
                        "company": r["company"],
                        "grade": r["grade"],
                        "due": due,
                        "days_late": (as_of - due).days if due is not None else None,
                        "rep": r["rep"],
                        "detail": r["detail"],
                        "callback_id": r["callback_id"],
                        "appointment_id": r["appointment_id"],
                    }
                )
    count_rows = [{"kind": k, "kind_label": KIND_LABELS[k], "count": counts[k]} for k in KINDS]
    return Report(
        "forgotten",
        {
            "items": Table(FORGOTTEN_COLUMNS, items),
            "counts": Table([("kind_label", "What was forgotten"), ("count", "Count")], count_rows),
        },
        {"as_of": as_of, "filter": flt.as_dict()},
    )


def _contact_columns() -> list[Any]:
    return [
        Contact.id.label("contact_id"),
        Contact.first_name.label("first_name"),
        Contact.last_name.label("last_name"),
        Company.name.label("company"),
        Contact.grade.label("grade"),
    ]


def _queries(
    flt: ReportFilter, cb_cutoff: dt.datetime, outcome_cutoff: dt.datetime, opp_cutoff: dt.datetime
) -> dict[str, Any]:
    scope = contact_scope(flt, Contact.id)
    no_id = literal(None).cast(Callback.id.type)

    def called_since(when: Any) -> Any:
        return exists().where(Attempt.contact_id == Contact.id, Attempt.started_at >= when)

    cb_rep = [Callback.rep_id == flt.rep_id] if flt.rep_id is not None else []
    by_callback = (
        select(
            *_contact_columns(),
            Callback.due_at.label("due"),
            Rep.name.label("rep"),
            Callback.kind.label("detail"),
            Callback.id.label("callback_id"),
            no_id.label("appointment_id"),
        )
        .select_from(Callback)
        .join(Contact, Contact.id == Callback.contact_id)
        .outerjoin(Company, Company.id == Contact.company_id)
        .outerjoin(Rep, Rep.id == Callback.rep_id)
        .where(
            Callback.status == "open",
            Callback.kind.in_(FOLLOW_UP_KINDS),
            Contact.grade.in_(("B", "C")),
            Callback.due_at < cb_cutoff,
            not_(called_since(Callback.due_at)),
            *cb_rep,
            *scope,
        )
    )
    open_follow_up = exists().where(
        Callback.contact_id == Contact.id,
        Callback.status == "open",
        Callback.kind.in_(FOLLOW_UP_KINDS),
    )
    by_contact = (
        select(
            *_contact_columns(),
            Contact.next_eligible_at.label("due"),
            literal(None).cast(Rep.name.type).label("rep"),
            Contact.stage.label("detail"),
            no_id.label("callback_id"),
            no_id.label("appointment_id"),
        )
        .select_from(Contact)
        .outerjoin(Company, Company.id == Contact.company_id)
        .where(
            Contact.grade.in_(("B", "C")),
            Contact.callable == true(),
            Contact.next_eligible_at < cb_cutoff,
            not_(open_follow_up),
            not_(called_since(Contact.next_eligible_at)),
            *scope,
        )
    )
    if flt.rep_id is not None:  # a contact's own follow-up date belongs to no rep
        by_contact = by_contact.where(literal(False))
    follow_up = union_all(by_callback, by_contact)
    callback = (
        select(
            *_contact_columns(),
            Callback.due_at.label("due"),
            Rep.name.label("rep"),
            func.coalesce(Callback.notes, Callback.kind).label("detail"),
            Callback.id.label("callback_id"),
            no_id.label("appointment_id"),
        )
        .select_from(Callback)
        .join(Contact, Contact.id == Callback.contact_id)
        .outerjoin(Company, Company.id == Contact.company_id)
        .outerjoin(Rep, Rep.id == Callback.rep_id)
        .where(
            Callback.status == "open",
            not_(Callback.kind.in_(FOLLOW_UP_KINDS)),
            Callback.due_at < cb_cutoff,
            *cb_rep,
            *scope,
        )
    )
    ap_rep = (
        [(Appointment.qualifier_id == flt.rep_id) | (Appointment.field_rep_id == flt.rep_id)]
        if flt.rep_id is not None
        else []
    )

    def appointments(*conds: Any) -> Any:
        return (
            select(
                *_contact_columns(),
                Appointment.ends_at.label("due"),
                Rep.name.label("rep"),
                func.coalesce(Appointment.outcome, Appointment.status).label("detail"),
                no_id.label("callback_id"),
                Appointment.id.label("appointment_id"),
            )
            .select_from(Appointment)
            .join(Contact, Contact.id == Appointment.contact_id)
            .outerjoin(Company, Company.id == Contact.company_id)
            .outerjoin(Rep, Rep.id == Appointment.field_rep_id)
            .where(*conds, *ap_rep, *scope)
        )

    no_outcome = appointments(
        Appointment.status.in_(("booked", "accepted")),
        Appointment.outcome.is_(None),
        Appointment.ends_at < outcome_cutoff,
    )
    no_opportunity = appointments(
        and_(Appointment.status.not_in(("rejected", "cancelled")), Appointment.outcome == "held"),
        Appointment.ends_at < opp_cutoff,
    )
    return {
        "follow_up": follow_up,
        "callback": callback,
        "no_outcome": no_outcome,
        "no_opportunity": no_opportunity,
    }
