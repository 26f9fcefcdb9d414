"""Run housekeeping: whether a file fits in memory, and removing what a cancelled, failed or
killed batched run wrote."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, select, update

from calldesk.models import (
    CallList,
    Campaign,
    CampaignList,
    Company,
    Contact,
    Email,
    Event,
    EventEngagement,
    ImportError_,
    ImportRun,
    ListMember,
    Phone,
    PossibleDuplicate,
)
from calldesk.store import Store

STALE_RUN_SECONDS = 120  # a batched run silent this long was killed: its rows are removed


# What the importer keeps per row, all in (dedupe indexes, batch, caches): 1M rows peaked at
# 547 MB RSS (bench/README.md).
MEMORY_PER_ROW = 600


def memory_problem(rows: int, existing: int, available: int | None) -> str | None:
    """Why importing ``rows`` rows into a store of ``existing`` contacts would exhaust the
    ``available`` memory (bytes), or None. The importer keeps about :data:`MEMORY_PER_ROW`
    bytes per row and per contact already known."""
    if available is None:
        return None
    needed = (rows + existing) * MEMORY_PER_ROW
    if needed <= available * 0.8:
        return None
    return (
        f"this list has about {rows:,} rows; importing it beside {existing:,} contacts would "
        f"take about {needed / 1e9:,.1f} GB of memory and {available / 1e9:,.1f} GB is free. "
        "Split the file into parts and import them one after another."
    )


def discard_run(store: Store, run_id: int, *, chunk: int = 5_000) -> int:
    """Remove everything import run ``run_id`` added (a cancelled, failed or killed run that
    wrote in batches), in short transactions so reps keep working. Returns the contacts
    removed. Rows it added to contacts that existed before (numbers, addresses, list and
    event entries) go too; what the rep did meanwhile stays."""
    with store.session() as session:
        run = session.get(ImportRun, run_id)
        created = dict((run.stats or {}).get("created") or {}) if run is not None else {}
        ids = list(session.scalars(select(Contact.id).where(Contact.import_run_id == run_id)))
    removed = 0
    for start in range(0, len(ids), chunk):
        part = ids[start : start + chunk]
        with store.write() as session:
            for model, column in (
                (PossibleDuplicate, PossibleDuplicate.contact_id),
                (PossibleDuplicate, PossibleDuplicate.other_id),
                (EventEngagement, EventEngagement.contact_id),
                (ListMember, ListMember.contact_id),
                (Email, Email.contact_id),
                (Phone, Phone.contact_id),
                (Contact, Contact.id),
            ):
                session.execute(delete(model).where(column.in_(part)))
        removed += len(part)
    with store.write() as session:
        for model in (EventEngagement, ListMember, Email, Phone):
            session.execute(delete(model).where(model.import_run_id == run_id))
        session.execute(
            delete(Company).where(
                Company.import_run_id == run_id,
                ~select(Contact.id).where(Contact.company_id == Company.id).exists(),
            )
        )
        session.execute(delete(ImportError_).where(ImportError_.run_id == run_id))
        for campaign_id, list_id in created.get("campaign_lists", []):
            session.execute(
                delete(CampaignList).where(
                    CampaignList.campaign_id == campaign_id, CampaignList.list_id == list_id
                )
            )
        list_id = created.get("list")
        if list_id is not None and not session.scalar(
            select(ListMember.contact_id).where(ListMember.list_id == list_id).limit(1)
        ):
            session.execute(delete(CampaignList).where(CampaignList.list_id == list_id))
            session.execute(
                update(ImportRun).where(ImportRun.list_id == list_id).values(list_id=None)
            )
            session.execute(delete(CallList).where(CallList.id == list_id))
        for campaign_id in created.get("campaigns", []):
            if not session.scalar(
                select(CampaignList.list_id).where(CampaignList.campaign_id == campaign_id)
            ) and not session.scalar(
                select(Contact.id).where(Contact.campaign_id == campaign_id).limit(1)
            ):
                session.execute(delete(Campaign).where(Campaign.id == campaign_id))
        event_id = created.get("event")
        if (
            event_id is not None
            and not session.scalar(
                select(EventEngagement.id).where(EventEngagement.event_id == event_id).limit(1)
            )
            and not session.scalar(select(Campaign.id).where(Campaign.event_id == event_id))
        ):
            session.execute(
                update(CallList).where(CallList.event_id == event_id).values(event_id=None)
            )
            session.execute(delete(Event).where(Event.id == event_id))
    return removed


def discard_stale_runs(store: Store, now: dt.datetime) -> list[int]:
    """Clean up batched runs whose process died (no heartbeat for :data:`STALE_RUN_SECONDS`):
    their rows are removed and the run is marked failed. Returns the runs cleaned."""
    cutoff = now - dt.timedelta(seconds=STALE_RUN_SECONDS)
    with store.session() as session:
        stale = list(
            session.scalars(
                select(ImportRun.id).where(
                    ImportRun.state == "running",
                    ImportRun.heartbeat_at.is_not(None),
                    ImportRun.heartbeat_at < cutoff,
                )
            )
        )
    for run_id in stale:
        discard_run(store, run_id)
        with store.write() as session:
            run = session.get(ImportRun, run_id)
            if run is not None:
                run.state = "failed"
                run.finished_at = now
                run.stats = {"error": "the import stopped (its process ended); removed"}
    return stale
