"""The export's fast path writes the same files as rows built from lead payloads.

The reference is the builder the export used before (and the files sync target still uses):
``lead_payloads`` per chunk, then ``layouts.row`` per payload. A varied store (several phones,
emails, lists, events, attempts and appointments; DNC contacts and numbers; formula-looking
text; accents and emoji) is exported both ways and the files compared byte for byte (for XLSX,
the worksheet XML: the package also holds the time it was written).
"""

from __future__ import annotations

import datetime as dt
import random
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select

from calldesk.models import (
    Appointment,
    Attempt,
    CallList,
    Company,
    Contact,
    DncEntry,
    Email,
    Event,
    EventEngagement,
    ListMember,
    Phone,
    Rep,
)
from calldesk.outbox import lead_payloads
from calldesk.store import Store
from calldesk.sync.export import export_leads, layout_and_format
from calldesk.sync.layouts import RowWriter, headers, row
from calldesk.sync.privacy import scrub_payloads

TEXTS = [
    "Ada",
    "Zoë Ångström",
    "Société Générale d'Électricité",
    "李小龍",
    "Ünïcødé 🚀",
    '=HYPERLINK("http://evil.example","click")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
    "+15551234567",
    "-12.5",
    "+",
    "=",
    'comma, and "quotes"',
    "two\nlines",
    "rang 813-555-0001 twice",  # a listed number typed into free text: scrubbed both ways
    "direct +18135550003, ask for Bo",
    "",
    None,
]
T0 = dt.datetime(2026, 11, 2, 9, 30, tzinfo=dt.UTC)


def _text(rnd: random.Random) -> str | None:
    return rnd.choice(TEXTS)


def _fill(store: Store, seed: int = 8, contacts: int = 160) -> None:
    rnd = random.Random(seed)
    with store.write() as session:
        reps = [
            Rep(
                name=f"Rep {i} {rnd.choice(['Ünal', '=Evil', 'Bo'])}",
                email=rnd.choice([None, f"r{i}@x.example"]),
            )
            for i in range(4)
        ]
        session.add_all(reps)
        events = [
            Event(name=f"Event {i} {rnd.choice(['Expo', '@Fair', 'Webinär'])}", kind="trade_show")
            for i in range(4)
        ]
        session.add_all(events)
        session.flush()
        lists = [
            CallList(
                name=f"List {i} {rnd.choice(['Spring', '-Fall', 'Ñandú'])}",
                event_id=rnd.choice([None, None, *[e.id for e in events]]),
            )
            for i in range(5)
        ]
        session.add_all(lists)
        companies = [
            Company(
                name=f"{_text(rnd)} Co {i}",
                name_key=f"co {i}",
                website=_text(rnd),
                industry=_text(rnd),
            )
            for i in range(8)
        ]
        session.add_all(companies)
        session.flush()
        numbers = [f"+1813555{n:04d}" for n in range(60)]
        for number in numbers[:6]:
            session.add(DncEntry(e164=number, source="internal"))
        session.add(DncEntry(e164=numbers[0], source="national"))  # listed twice
        for i in range(contacts):
            contact = Contact(
                first_name=_text(rnd),
                last_name=_text(rnd),
                title=_text(rnd),
                company_id=rnd.choice([None, *[c.id for c in companies]]),
                street=_text(rnd),
                city=_text(rnd),
                state=rnd.choice(["FL", None, "=1"]),
                postal_code=rnd.choice(["33602", "-0001", None]),
                country=rnd.choice(["US", "CA", None]),
                grade=rnd.choice(["A", "B", "C", "D", None]),
                grade_why=_text(rnd),
                stage=rnd.choice(["nurture", "appointment", "new"]),
                dnc=rnd.random() < 0.1,
            )
            session.add(contact)
            session.flush()
            for position in range(rnd.choice([0, 1, 2, 3, 4])):
                e164 = rnd.choice([*numbers, None])
                session.add(
                    Phone(
                        contact_id=contact.id,
                        position=position,
                        raw=f"raw {i}",
                        e164=e164,
                        extension=rnd.choice([None, "12", "=3"]),
                        label=rnd.choice(["work", "mobile", "home", None]),
                        number_type=rnd.choice(["FIXED_LINE", "MOBILE", None]),
                        valid=e164 is not None and rnd.random() < 0.9,
                        dnc=rnd.random() < 0.1,
                    )
                )
            for k in range(rnd.choice([0, 1, 1, 2, 3])):
                address = rnd.choice(
                    [f"p{i}.{k}@x.example", f"=p{i}@x.example", f"ü{i}{k}@x.example"]
                )
                session.add(Email(contact_id=contact.id, address=address, address_key=address))
            for call_list in rnd.sample(lists, rnd.choice([0, 1, 1, 2, 3])):
                session.add(ListMember(list_id=call_list.id, contact_id=contact.id))
            for event in rnd.sample(events, rnd.choice([0, 0, 1, 2])):
                session.add(
                    EventEngagement(
                        event_id=event.id, contact_id=contact.id, rating=rnd.choice(["hot", None])
                    )
                )
            for k in range(rnd.choice([0, 1, 1, 2])):
                session.add(
                    Attempt(
                        contact_id=contact.id,
                        rep_id=rnd.choice([None, *[r.id for r in reps]]),
                        started_at=T0
                        + dt.timedelta(
                            minutes=rnd.randrange(5) + k, microseconds=rnd.choice([0, 1234])
                        ),
                        disposition="qualified",
                        grade=rnd.choice(["A", "B", None]),
                        notes=_text(rnd),
                        answers=rnd.choice(
                            [
                                None,
                                {},
                                {"budget": "yes", "seats": 40},
                                {"zé": _text(rnd), "a": [1, "=2"], "n": None, "ok": True},
                                {"note": "=1+1", "nested": {"b": 1, "a": "ü"}},
                            ]
                        ),
                    )
                )
            for k in range(rnd.choice([0, 0, 1, 2])):
                start = T0 + dt.timedelta(days=rnd.randrange(10), hours=k)
                session.add(
                    Appointment(
                        uid=f"{i}-{k}@calldesk",
                        contact_id=contact.id,
                        field_rep_id=rnd.choice(reps).id,
                        qualifier_id=rnd.choice([None, *[r.id for r in reps]]),
                        starts_at=start,
                        ends_at=start + dt.timedelta(minutes=45),
                        contact_time_zone=rnd.choice(["America/New_York", None]),
                        location=_text(rnd),
                        meeting_link=rnd.choice([None, "https://meet.example/x"]),
                        summary=_text(rnd),
                        status=rnd.choice(["booked", "cancelled"]),
                        outcome=rnd.choice([None, "held"]),
                        created_at=T0 + dt.timedelta(seconds=k),
                    )
                )
        session.flush()


def _reference(store: Store, out: Path, grades: list[str], fmt: str) -> None:
    """The export as it was built before the fast path: payloads, then a row per payload."""
    layout, file_format = layout_and_format(fmt, out)
    with store.session() as session:
        ids = list(
            session.scalars(
                select(Contact.id)
                .where(Contact.grade.in_(grades), Contact.dnc.is_(False))
                .order_by(Contact.id)
            )
        )
        payloads = lead_payloads(session, ids)
        # As the files sync target delivers them: a DNC number typed into free text leaves.
        scrubbed = scrub_payloads(session, [(c, payloads[c]) for c in ids])
    with RowWriter(out, file_format, headers(layout)) as writer:
        for payload in scrubbed:
            writer.write(row(layout, payload))


def _content(path: Path) -> bytes:
    if path.suffix == ".xlsx":
        with zipfile.ZipFile(path) as package:
            return package.read("xl/worksheets/sheet1.xml")
    return path.read_bytes()


@pytest.mark.parametrize(
    ("fmt", "suffix"),
    [
        ("csv", "csv"),
        ("salesforce", "csv"),
        ("hubspot", "csv"),
        ("xlsx", "xlsx"),
        ("salesforce", "xlsx"),
    ],
)
def test_fast_path_writes_the_same_file(
    store: Store, tmp_path: Path, fmt: str, suffix: str
) -> None:
    _fill(store)
    # All grades: chunks cover dense id ranges; A and B only: sparse ranges (joined to contacts).
    for grades in (["A", "B", "C", "D"], ["A", "B"]):
        fast = tmp_path / f"fast.{suffix}"
        reference = tmp_path / f"reference.{suffix}"
        result = export_leads(store, fast, grades=grades, fmt=fmt, chunk_size=7)
        _reference(store, reference, grades, fmt)
        assert result.rows > 20
        assert _content(fast) == _content(reference)


def test_the_varied_store_covers_what_it_should(store: Store, tmp_path: Path) -> None:
    """Guards the comparison above against a store too plain to tell the builders apart."""
    _fill(store)
    out = tmp_path / "all.csv"
    export_leads(store, out, grades=["A", "B", "C", "D"], fmt="csv")
    text = out.read_text(encoding="utf-8-sig")
    for expected in (
        "'=HYPERLINK",
        "'@SUM",
        "+1813555",
        "Zoë",
        "李小龍",
        "Event ",
        "List ",
        "rang [number removed: do not call] twice",
    ):
        assert expected in text
    with store.session() as session:
        listed = set(session.scalars(select(DncEntry.e164)))
    assert not any(number in text for number in listed)
