"""Child process for the import-sharing tests and bench: a rep saving outcomes and taking the
next card in a loop while an import runs. Prints one line per acknowledged save
("saved <attempt id> <ms> <unix time>"), "error <message>" for a failed save, and "held <contact id>" if
the queue offers a contact of an import that is not done. Stops when the stop file exists."""

from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path

from sqlalchemy import select

from calldesk import outcomes, queue
from calldesk.models import Contact, ImportRun, Rep
from calldesk.store import open_store

AT = dt.datetime(2026, 11, 10, 16, 0, tzinfo=dt.UTC)  # a Tuesday, 11:00 in New York


def _check(session, contact_id: int) -> None:  # type: ignore[no-untyped-def]
    run_id = session.scalar(select(Contact.import_run_id).where(Contact.id == contact_id))
    if run_id is not None:
        state = session.scalar(select(ImportRun.state).where(ImportRun.id == run_id))
        if state != "done":
            print(f"held {contact_id}", flush=True)


def main(url: str, stop: str) -> None:
    store = open_store(url)
    with store.write() as session:
        rep_id = session.scalar(select(Rep.id).order_by(Rep.id))
    offer = None
    print("ready", flush=True)
    while not Path(stop).exists():
        started = time.perf_counter()
        try:
            with store.write() as session:
                if isinstance(offer, queue.Offer):
                    result, offer = outcomes.record_and_next(
                        session, claim_id=offer.claim_id, disposition="no_answer", at=AT
                    )
                    saved = result.attempt["id"]
                else:
                    offer, saved = queue.next_offer(session, rep_id, at=AT), None
                if isinstance(offer, queue.Offer):
                    _check(session, offer.contact_id)
        except Exception as exc:  # noqa: BLE001 - reported to the parent, the loop goes on
            print(f"error {type(exc).__name__}: {exc}", flush=True)
            offer = None
            continue
        elapsed = (time.perf_counter() - started) * 1000
        if saved is not None:
            print(f"saved {saved} {elapsed:.2f} {time.time():.3f}", flush=True)
        if not isinstance(offer, queue.Offer):
            time.sleep(0.01)
    print("stopped", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
