"""Child process for the kill -9 test: records attempts in a loop, printing each id once its
commit has returned (that print is the acknowledgement a rep would see)."""

import datetime as dt
import os
import sys

from calldesk.models import Attempt, Contact, Rep
from calldesk.store import open_store


def main(url: str) -> None:
    store = open_store(url)
    with store.write() as session:
        rep = Rep(name=f"Killed Rep {os.getpid()}")
        contact = Contact(first_name="Durable", last_name="Dana")
        session.add_all([rep, contact])
    print("ready", flush=True)
    while True:
        with store.write() as session:
            attempt = Attempt(
                contact_id=contact.id,
                rep_id=rep.id,
                disposition="no_answer",
                started_at=dt.datetime.now(dt.UTC),
            )
            session.add(attempt)
            session.flush()
            attempt_id = attempt.id
        print(attempt_id, flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
