"""List return: what each list and event cost against what it brought, side by side.

Figures come from the funnel grouped by list and by event (so they always agree with it);
the costs are those entered at import or later with :func:`set_cost`.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select

from calldesk.models import CallList, Event
from calldesk.reports.funnel import funnel
from calldesk.reports.scope import Report, ReportFilter, Table
from calldesk.store import Store

CENT = Decimal("0.01")

RETURN_COLUMNS: list[tuple[str, str]] = [
    ("kind", "Kind"),
    ("name", "List or event"),
    ("cost", "Cost"),
    ("contacts", "Contacts"),
    ("conversations", "Conversations"),
    ("grade_a", "A leads"),
    ("booked", "Booked"),
    ("held", "Held"),
    ("opportunity", "Opportunities"),
    ("won", "Won"),
    ("cost_per_conversation", "Cost / conversation"),
    ("cost_per_a_lead", "Cost / A lead"),
    ("cost_per_held", "Cost / held appointment"),
    ("cost_per_opportunity", "Cost / opportunity"),
]


class CostError(ValueError):
    """A cost that cannot be stored (unknown list or event, not an amount)."""


def parse_amount(text: str | Decimal | float | int) -> Decimal:
    """A money amount as a Decimal to the cent; refuses negatives and non-numbers."""
    try:
        amount = Decimal(str(text).replace(",", "").strip())
    except InvalidOperation as exc:
        raise CostError(f"{text!r} is not an amount") from exc
    if not amount.is_finite() or amount < 0:
        raise CostError(f"{text!r} is not an amount (a positive number is expected)")
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def set_cost(
    store: Store, kind: str, ref: str | int, amount: str | Decimal | None
) -> dict[str, Any]:
    """Record what a list (``kind="list"``) or event (``kind="event"``) cost; None clears it.

    ``ref`` is the id or the exact name. Returns ``{"kind", "id", "name", "cost"}``.
    """
    model = {"list": CallList, "event": Event}.get(kind)
    if model is None:
        raise CostError(f"cost is kept for a list or an event, not {kind!r}")
    value = None if amount is None else parse_amount(amount)
    with store.write() as session:
        row = None
        if isinstance(ref, int) or str(ref).isdigit():
            row = session.get(model, int(ref))
        if row is None:
            row = session.scalar(select(model).where(model.name == str(ref)))
        if row is None:
            raise CostError(f"no {kind} named or numbered {ref!r}")
        row.cost = value
        return {"kind": kind, "id": row.id, "name": row.name, "cost": value}


def _per(cost: Decimal | None, n: int) -> Decimal | None:
    if cost is None or not n:
        return None
    return (cost / n).quantize(CENT, rounding=ROUND_HALF_UP)


def list_return(store: Store, flt: ReportFilter | None = None) -> Report:
    """Cost per conversation, A lead, held appointment and opportunity for every list and event.

    Conversations count attempts with a conversation; A leads count contacts graded A;
    held and opportunities count appointments. A list or event without a cost shows no ratios.
    A list imported for an event is shown as that event.
    """
    flt = flt or ReportFilter()
    rows: list[dict[str, Any]] = []
    with store.session() as session:
        costs = {
            "list": dict(session.execute(select(CallList.id, CallList.cost)).all()),
            "event": dict(session.execute(select(Event.id, Event.cost)).all()),
        }
        # An event's own import list (badge scans, attendee report) is the event's row:
        # shown once, under the event, unless the list carries a cost of its own.
        event_lists = set(
            session.scalars(
                select(CallList.id).where(CallList.event_id.is_not(None), CallList.cost.is_(None))
            )
        )
    for kind in ("list", "event"):
        if kind == "list" and flt.event_id is not None and flt.list_id is None:
            continue
        if kind == "event" and flt.list_id is not None and flt.event_id is None:
            continue
        for f in funnel(store, flt, by=kind).main.rows:
            if kind == "list" and f["key"] in event_lists:
                continue
            cost = costs[kind].get(f["key"])
            rows.append(
                {
                    "kind": kind,
                    "id": f["key"],
                    "name": f["name"],
                    "cost": cost,
                    **{
                        k: f[k]
                        for k in (
                            "contacts",
                            "conversations",
                            "reached",
                            "grade_a",
                            "booked",
                            "held",
                            "opportunity",
                            "won",
                        )
                    },
                    "cost_per_conversation": _per(cost, f["conversations"]),
                    "cost_per_a_lead": _per(cost, f["grade_a"]),
                    "cost_per_held": _per(cost, f["held"]),
                    "cost_per_opportunity": _per(cost, f["opportunity"]),
                }
            )
    return Report("lists", {"rows": Table(RETURN_COLUMNS, rows)}, {"filter": flt.as_dict()})
