"""The compliance ledger: for every attempt, the decision that allowed it, kept with it.

Written by :func:`calldesk.outcomes.record_outcome` in the same transaction as the attempt (one
driver INSERT), so there is never an attempt without its reason nor a reason without its attempt.
``calldesk rules ledger --from --to --format csv|json`` exports it, one row per attempt.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from calldesk.models import Attempt, RuleLedgerEntry
from calldesk.rules.context import RulesContext, load_context
from calldesk.rules.engine import LocaleStatus, locale_status

COLUMNS = (
    "attempt_id",
    "decided_at",
    "allowed",
    "rep",
    "override_by",
    "override_reason",
    "number",
    "line",
    "locale_key",
    "local_time",
    "packs",
    "registry_copy",
    "deciding_rule",
    "rules",
    "contact_id",
    "disposition",
    "started_at",
)
# The stored row: the listed columns up to the registry copy, then the deciding rule and the
# rules' checks as one JSON document.
_INSERT_COLUMNS = (*COLUMNS[: COLUMNS.index("registry_copy") + 1], "decision")
_INSERT_SQL = (
    f"INSERT INTO rule_ledger ({', '.join(_INSERT_COLUMNS)}) "
    f"VALUES ({', '.join('?' * len(_INSERT_COLUMNS))})"
)


def _registry_text(context: RulesContext, countries: tuple[str, ...], business: bool) -> str:
    parts = []
    for country in countries:
        state = context.registry_for(country)
        if state is None:
            continue
        if state.file_date is None:
            parts.append(f"{country}: none")
        else:
            parts.append(
                f"{country}: {state.file_name} of {state.file_date.isoformat()}, "
                f"{state.age_days} days old"
            )
    if business:
        parts.append("business line: registry not required")
    if not context.enforce_registry:
        parts.append("registry check off")
    return "; ".join(parts)


def ledger_values(
    *,
    attempt_id: int,
    status: LocaleStatus,
    at: dt.datetime,
    context: RulesContext,
    rep: str | None,
    number: str | None,
    override_by: str | None,
    override_reason: str | None,
    offered_under: str | None = None,
) -> dict[str, Any]:
    """The ledger row of one attempt from the verdict that allowed it."""
    closes = status.changes_at if status.allowed else None
    return {
        "attempt_id": attempt_id,
        "decided_at": at,
        "allowed": bool(status.allowed),
        "rep": rep,
        "override_by": override_by,
        "override_reason": override_reason,
        "number": number,
        "line": "business" if status.business else "consumer",
        "locale_key": status.locale_key,
        "local_time": status.local_time,
        "packs": "; ".join(status.packs) or None,
        "registry_copy": _registry_text(context, status.countries, status.business) or None,
        "decision": {
            "rule": status.rule,
            "offered_under": offered_under,
            "zones": list(status.zones),
            "states": list(status.states),
            "countries": list(status.countries),
            "closes_at": closes.isoformat() if closes else None,
            "next_allowed_at": status.next_allowed_at.isoformat()
            if status.next_allowed_at
            else None,
            "rules": [
                {
                    "id": c.rule_id,
                    "verdict": c.verdict,
                    "source": c.source,
                    "effective": c.effective,
                    "detail": c.detail,
                }
                for c in status.checks
            ],
        },
    }


def write_entry(
    session: Session,
    *,
    attempt_id: int,
    locale_key: str | None,
    at: dt.datetime,
    campaign_rules: dict[str, Any] | None,
    rep: str | None,
    number: str | None,
    override_by: str | None,
    override_reason: str | None,
    verdict: Any = None,
    offered_under: str | None = None,
) -> None:
    """Store the decision behind one attempt (inside the attempt's transaction).

    ``verdict`` is the :class:`calldesk.rules.decide.Verdict` of a dial (the desk's dial key,
    ``calldesk call dial``); without one (a queue offer), the verdict for the contact's places
    at ``at`` is taken from the rules' cache (no query beyond the cached store facts).
    """
    context = load_context(session, at)
    if verdict is not None:
        status = verdict.status
        at = verdict.at
    else:
        status = locale_status(locale_key, at, campaign_rules or None, context)
    values = ledger_values(
        attempt_id=attempt_id,
        status=status,
        at=at,
        context=context,
        rep=rep,
        number=number,
        override_by=override_by,
        override_reason=override_reason,
        offered_under=offered_under,
    )
    # One prepared statement on the driver's cursor (every call writes one row), its values
    # written as the model's column types write them (the time as naive UTC, JSON as text).
    from calldesk.queue import _q, _ts  # late: the queue imports the rules

    values["decided_at"] = _ts(session, values["decided_at"])
    values["decision"] = json.dumps(values["decision"])
    _q(session, _INSERT_SQL, *(values[name] for name in _INSERT_COLUMNS))


def ledger_rows(
    session: Session, start: dt.datetime | None = None, end: dt.datetime | None = None
) -> Iterator[dict[str, Any]]:
    """One row per attempt started in ``[start, end)``, oldest first, with its decision."""
    query = (
        select(RuleLedgerEntry, Attempt.contact_id, Attempt.disposition, Attempt.started_at)
        .join(Attempt, Attempt.id == RuleLedgerEntry.attempt_id)
        .order_by(Attempt.started_at, Attempt.id)
    )
    if start is not None:
        query = query.where(Attempt.started_at >= start)
    if end is not None:
        query = query.where(Attempt.started_at < end)
    for entry, contact_id, disposition, started_at in session.execute(query):
        decision = entry.decision or {}
        yield {
            "attempt_id": entry.attempt_id,
            "decided_at": entry.decided_at.isoformat(),
            "allowed": entry.allowed,
            "rep": entry.rep,
            "override_by": entry.override_by,
            "override_reason": entry.override_reason,
            "number": entry.number,
            "line": entry.line,
            "locale_key": entry.locale_key,
            "local_time": entry.local_time,
            "packs": entry.packs,
            "registry_copy": entry.registry_copy,
            "deciding_rule": decision.get("rule"),
            "rules": decision.get("rules", []),
            "contact_id": contact_id,
            "disposition": disposition,
            "started_at": started_at.isoformat(),
        }


def export_ledger(
    session: Session,
    start: dt.datetime | None,
    end: dt.datetime | None,
    fmt: str = "csv",
) -> str:
    """The ledger of ``[start, end)`` as CSV (rules as "id: verdict (source)") or JSON."""
    rows = list(ledger_rows(session, start, end))
    if fmt == "json":
        return json.dumps(rows, indent=2, default=str)
    if fmt != "csv":
        raise ValueError("format must be csv or json")
    from calldesk.spreadsheet import neutralise_row

    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        flat = dict(row)
        flat["rules"] = " | ".join(
            f"{r['id']}: {r['verdict']} ({r['source']})" for r in row["rules"]
        )
        # The one spreadsheet guard of every file calldesk writes (no live formula, numbers kept).
        cells = neutralise_row([flat.get(c) for c in COLUMNS])
        writer.writerow(dict(zip(COLUMNS, cells, strict=True)))
    return out.getvalue()
