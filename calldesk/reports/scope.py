"""What a report covers (:class:`ReportFilter`) and what it returns (:class:`Report`).

A filter narrows two things separately:

- the **contacts** a report is about: the members of a list, the contacts of an event, the
  contacts a campaign works (``Contact.campaign_id``, null meaning the default campaign), or
  the whole store; a rep-only filter means
  the contacts that rep dialled;
- the **activity** counted for them: attempts started and appointments booked inside the date
  range (UTC days, both ends included), by the given rep (appointments: booked by that rep).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import Select, and_, func, literal, select, true
from sqlalchemy.sql.elements import ColumnElement

from calldesk.models import (
    Appointment,
    Attempt,
    CallList,
    Campaign,
    Contact,
    Event,
    EventEngagement,
    ListMember,
    Rep,
)

GROUPINGS = ("list", "event", "campaign", "rep")


@dataclass(frozen=True)
class ReportFilter:
    """The slice of the store a report covers; every field is optional."""

    list_id: int | None = None
    event_id: int | None = None
    campaign_id: int | None = None
    rep_id: int | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None  # included: the whole day counts

    def as_dict(self) -> dict[str, Any]:
        return {
            k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in asdict(self).items()
        }

    @property
    def starts(self) -> dt.datetime | None:
        if self.date_from is None:
            return None
        return dt.datetime.combine(self.date_from, dt.time(), tzinfo=dt.UTC)

    @property
    def ends(self) -> dt.datetime | None:
        """The first instant after the range (exclusive bound)."""
        if self.date_to is None:
            return None
        return dt.datetime.combine(self.date_to + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)

    @property
    def has_contact_scope(self) -> bool:
        return any(v is not None for v in (self.list_id, self.event_id, self.campaign_id))


@dataclass
class Table:
    """One table of figures: column keys with their labels, and rows keyed the same way."""

    columns: list[tuple[str, str]]
    rows: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "columns": [{"key": k, "label": label} for k, label in self.columns],
            "rows": self.rows,
        }


@dataclass
class Report:
    """A report: named tables (the first is the main one) and what it was asked for."""

    name: str
    tables: dict[str, Table]
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def main(self) -> Table:
        return next(iter(self.tables.values()))

    def as_dict(self) -> dict[str, Any]:
        return {
            "report": self.name,
            **self.meta,
            **{name: table.rows for name, table in self.tables.items()},
        }


# --- activity filters -----------------------------------------------------------------------


def attempt_conditions(flt: ReportFilter) -> list[ColumnElement[bool]]:
    """Where-clauses on :class:`Attempt` for the filter's rep and date range."""
    conds: list[ColumnElement[bool]] = []
    if flt.rep_id is not None:
        conds.append(Attempt.rep_id == flt.rep_id)
    if flt.starts is not None:
        conds.append(Attempt.started_at >= flt.starts)
    if flt.ends is not None:
        conds.append(Attempt.started_at < flt.ends)
    return conds


def appointment_conditions(flt: ReportFilter) -> list[ColumnElement[bool]]:
    """Where-clauses on :class:`Appointment`: booked by the rep, booked inside the range."""
    conds: list[ColumnElement[bool]] = []
    if flt.rep_id is not None:
        conds.append(Appointment.qualifier_id == flt.rep_id)
    if flt.starts is not None:
        conds.append(Appointment.created_at >= flt.starts)
    if flt.ends is not None:
        conds.append(Appointment.created_at < flt.ends)
    return conds


# --- contact sets ---------------------------------------------------------------------------


def campaign_key() -> Any:
    """A contact's campaign: its own ``campaign_id``, or the default campaign when that is null."""
    default = select(Campaign.id).where(Campaign.is_default == true()).limit(1).scalar_subquery()
    return func.coalesce(Contact.campaign_id, default)


def campaign_members() -> Select[Any]:
    """(campaign_id, contact_id): the contacts each campaign works (as the queue sees them)."""
    return select(campaign_key().label("key"), Contact.id.label("contact_id"))


def contact_scope(flt: ReportFilter, contact_id: Any) -> list[ColumnElement[bool]]:
    """Where-clauses keeping ``contact_id`` inside the filter's list, event and campaign."""
    conds: list[ColumnElement[bool]] = []
    if flt.list_id is not None:
        conds.append(
            contact_id.in_(select(ListMember.contact_id).where(ListMember.list_id == flt.list_id))
        )
    if flt.event_id is not None:
        conds.append(
            contact_id.in_(
                select(EventEngagement.contact_id).where(EventEngagement.event_id == flt.event_id)
            )
        )
    if flt.campaign_id is not None:
        conds.append(contact_id.in_(select(Contact.id).where(campaign_key() == flt.campaign_id)))
    return conds


def membership(flt: ReportFilter, by: str | None) -> Select[Any]:
    """(key, contact_id) for every contact the report covers, one row per group it falls in.

    Without ``by`` the key is 0 (one group). A contact in two lists counts in both.
    """
    if by == "list":
        sel = select(ListMember.list_id.label("key"), ListMember.contact_id.label("contact_id"))
        col = ListMember.contact_id
        if flt.list_id is not None:
            sel = sel.where(ListMember.list_id == flt.list_id)
            flt = _without(flt, "list_id")
    elif by == "event":
        sel = select(
            EventEngagement.event_id.label("key"), EventEngagement.contact_id.label("contact_id")
        )
        col = EventEngagement.contact_id
        if flt.event_id is not None:
            sel = sel.where(EventEngagement.event_id == flt.event_id)
            flt = _without(flt, "event_id")
    elif by == "campaign":
        sel = campaign_members()
        col = Contact.id
        if flt.campaign_id is not None:
            sel = sel.where(campaign_key() == flt.campaign_id)
            flt = _without(flt, "campaign_id")
    elif by is None:
        if flt.list_id is not None:
            sel = select(literal(0).label("key"), ListMember.contact_id.label("contact_id")).where(
                ListMember.list_id == flt.list_id
            )
            col = ListMember.contact_id
            flt = _without(flt, "list_id")
        elif flt.event_id is not None:
            sel = select(
                literal(0).label("key"), EventEngagement.contact_id.label("contact_id")
            ).where(EventEngagement.event_id == flt.event_id)
            col = EventEngagement.contact_id
            flt = _without(flt, "event_id")
        elif flt.campaign_id is not None:
            sel = select(literal(0).label("key"), Contact.id.label("contact_id")).where(
                campaign_key() == flt.campaign_id
            )
            col = Contact.id
            flt = _without(flt, "campaign_id")
        elif flt.rep_id is not None:
            sel = select(literal(0).label("key"), Attempt.contact_id.label("contact_id")).where(
                *attempt_conditions(flt)
            )
            return sel.distinct()
        else:
            return select(literal(0).label("key"), Contact.id.label("contact_id"))
    else:
        raise ValueError(f"cannot group by {by!r}; choose one of {', '.join(GROUPINGS)}")
    return sel.where(*contact_scope(flt, col))


def _without(flt: ReportFilter, name: str) -> ReportFilter:
    values = asdict(flt)
    values[name] = None
    return ReportFilter(**values)


def group_names(session: Any, by: str | None) -> dict[int, str]:
    """Display names of the groups of ``by`` (list, event, campaign or rep names)."""
    model = {"list": CallList, "event": Event, "campaign": Campaign, "rep": Rep}.get(by or "")
    if model is None:
        return {0: "All"}
    return dict(session.execute(select(model.id, model.name)).all())


def and_all(conds: list[ColumnElement[bool]]) -> ColumnElement[bool]:
    return and_(True, *conds) if conds else literal(True)
