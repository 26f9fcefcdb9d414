"""The event sprint board's figures: one row per event, against its follow-up deadline.

The reach, grade and appointment counts are the reports' event funnel
(:func:`calldesk.reports.funnel.funnel` grouped by event), so the board and the Monday report
never disagree. This module adds what only the board needs: the days left, how much of the
sprint's time has gone, the hot booth visitors nobody has called yet, and the campaign that
works the event. Everything is counted in SQL; no contact rows are read into Python.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import exists, func, select

from calldesk.models import Attempt, Campaign, Event, EventEngagement
from calldesk.reports.funnel import funnel
from calldesk.reports.scope import ReportFilter
from calldesk.store import Store


@dataclass(frozen=True)
class SprintFigures:
    """How one event's follow-up stands on ``today``."""

    event_id: int
    name: str
    kind: str
    event_date: dt.date | None
    deadline: dt.date | None
    days_left: int | None  # negative once the deadline has passed; None without a deadline
    time_used: float | None  # share of the sprint's days gone (0..1); None without a deadline
    campaign_id: int | None  # the event-sprint campaign that works it
    campaign_name: str | None
    campaign_active: bool
    contacts: int
    reached: int  # contacts with at least one conversation
    graded: int
    grades: dict[str, int]  # A, B, C, D: each contact counted once, at its best grade
    appointments: int
    reached_48h_share: float | None  # reached within 48 h of the event day; None: no date
    untouched: int  # never dialled
    untouched_hot: int  # rated hot at the event and never dialled

    @property
    def reached_share(self) -> float:
        return self.reached / self.contacts if self.contacts else 0.0

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("event_date", "deadline"):
            data[key] = data[key].isoformat() if data[key] else None
        data["reached_share"] = round(self.reached_share, 4)
        return data


def sprint_board(store: Store, *, today: dt.date) -> list[SprintFigures]:
    """Every event's sprint figures: running sprints first (soonest deadline first), then the
    ones past their deadline (most recent first), then events without a deadline."""
    rows = {r["key"]: r for r in funnel(store, ReportFilter(), by="event").main.rows}
    with store.session() as session:
        events = list(
            session.execute(
                select(
                    Event.id,
                    Event.name,
                    Event.kind,
                    Event.event_date,
                    Event.follow_up_deadline,
                    Event.created_at,
                )
            )
        )
        never_dialled = ~exists().where(Attempt.contact_id == EventEngagement.contact_id)
        hot = dict(
            session.execute(
                select(EventEngagement.event_id, func.count())
                .where(func.lower(EventEngagement.rating) == "hot", never_dialled)
                .group_by(EventEngagement.event_id)
            ).all()
        )
        sprints: dict[int, tuple[int, str, bool, dt.date | None]] = {}
        for cid, event_id, name, active, deadline in session.execute(
            select(
                Campaign.id, Campaign.event_id, Campaign.name, Campaign.active, Campaign.deadline
            )
            .where(Campaign.kind == "event_sprint", Campaign.event_id.is_not(None))
            .order_by(Campaign.active, Campaign.id)
        ):
            sprints[event_id] = (cid, name, bool(active), deadline)  # active ones win
    board = []
    for event_id, name, kind, event_date, event_deadline, created_at in events:
        row = rows.get(event_id, {})
        campaign = sprints.get(event_id)
        deadline = (campaign[3] if campaign else None) or event_deadline
        start = event_date or created_at.date()
        board.append(
            SprintFigures(
                event_id=event_id,
                name=name,
                kind=kind,
                event_date=event_date,
                deadline=deadline,
                days_left=(deadline - today).days if deadline else None,
                time_used=_time_used(start, deadline, today),
                campaign_id=campaign[0] if campaign else None,
                campaign_name=campaign[1] if campaign else None,
                campaign_active=campaign[2] if campaign else False,
                contacts=int(row.get("contacts", 0)),
                reached=int(row.get("reached", 0)),
                graded=int(row.get("graded", 0)),
                grades={g: int(row.get(f"grade_{g.lower()}", 0)) for g in "ABCD"},
                appointments=int(row.get("booked", 0)),
                reached_48h_share=row.get("reached_48h_share"),
                untouched=int(row.get("untouched", 0)),
                untouched_hot=int(hot.get(event_id, 0)),
            )
        )
    return sorted(board, key=_board_order)


def _time_used(start: dt.date, deadline: dt.date | None, today: dt.date) -> float | None:
    if deadline is None:
        return None
    total = (deadline - start).days
    if total <= 0:
        return 1.0 if today >= deadline else 0.0
    return min(max((today - start).days / total, 0.0), 1.0)


def _board_order(figures: SprintFigures) -> tuple[int, int, str]:
    if figures.days_left is None:
        return (2, 0, figures.name.casefold())
    if figures.days_left >= 0:
        return (0, figures.days_left, figures.name.casefold())
    return (1, -figures.days_left, figures.name.casefold())


@dataclass(frozen=True)
class HotContact:
    """A contact rated hot at the event whom nobody has dialled yet."""

    contact_id: int
    name: str
    title: str | None
    company: str | None
    state: str | None
    booth_notes: str | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def untouched_hot(store: Store, event_id: int, *, limit: int = 1000) -> list[HotContact]:
    """The event's hot contacts nobody has dialled: the board's "Hot, nobody called yet"."""
    from calldesk.models import Company, Contact

    never_dialled = ~exists().where(Attempt.contact_id == EventEngagement.contact_id)
    with store.session() as session:
        rows = session.execute(
            select(
                Contact.id,
                Contact.first_name,
                Contact.last_name,
                Contact.title,
                Company.name,
                Contact.state,
                EventEngagement.booth_notes,
            )
            .join(Contact, Contact.id == EventEngagement.contact_id)
            .outerjoin(Company, Company.id == Contact.company_id)
            .where(
                EventEngagement.event_id == event_id,
                func.lower(EventEngagement.rating) == "hot",
                never_dialled,
            )
            .order_by(EventEngagement.engaged_at, Contact.id)
            .limit(limit)
        ).all()
    return [
        HotContact(
            contact_id=cid,
            name=" ".join(p for p in (first, last) if p) or f"Contact {cid}",
            title=title,
            company=company,
            state=state,
            booth_notes=notes,
        )
        for cid, first, last, title, company, state, notes in rows
    ]
