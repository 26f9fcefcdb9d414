"""The do-not-call list: registry files, internal requests, checks, and the contacts they mark.

Registry files come as the FTC's full-list flat file (``AAA,NNNNNNN``: area code, comma, seven
digits, no header; see ``shared/realworld/dnc/FORMAT_NOTES.md``) or as one number per line in
any format. Each import is recorded as a :class:`~calldesk.models.DncSnapshot` with its source
and file date. Numbers are kept as E.164; a number that is *possible* for its country is listed
even when phonenumbers does not know it as assigned, because a DNC list must fail closed.
Importing never removes registry entries (the FTC ships per-area-code files); removing a number
takes a reason and is written to the audit log.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import delete, exists, func, or_, select, update
from sqlalchemy.orm import Session

from calldesk.models import AuditEntry, Contact, DncEntry, DncSnapshot, Phone, utcnow
from calldesk.phones import PhoneNormalizer, Policy, to_e164
from calldesk.store import Store

SOURCES = ("internal", "us_national", "ca_dncl", "uk_tps", "uk_ctps", "file")
_FTC_LINE = re.compile(r"^\s*(\d{3})\s*,\s*(\d{7})\s*$")
_DATE_IN_NAME = re.compile(r"(20\d{2})[-_]?(\d{2})[-_]?(\d{2})")
_REOPEN_STAGES = ("new", "working", "callback", "nurture", "needs_review")


class DncError(ValueError):
    """A number or file the DNC list cannot take; the message says why."""


def normalize_dnc_number(text: str, country: str = "US") -> str | None:
    """E.164 of a number for the DNC list, or None when it is not a phone number at all.

    Any possible number is accepted (not only assigned ones): the list must fail closed.
    """
    text = (text or "").strip()
    if not text:
        return None
    match = _FTC_LINE.match(text)
    if match:
        return f"+1{match[1]}{match[2]}"
    return to_e164(text, (country or "US").upper(), Policy.DNC)


@dataclass
class DncFileResult:
    """What ``dnc import`` did."""

    snapshot_id: int
    source: str
    file_date: dt.date | None
    lines: int = 0
    numbers: int = 0
    added: int = 0
    invalid: list[dict[str, Any]] = field(default_factory=list)
    contacts_marked: int = 0
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "snapshot_id": self.snapshot_id,
            "source": self.source,
            "file_date": self.file_date.isoformat() if self.file_date else None,
            "lines": self.lines,
            "numbers": self.numbers,
            "added": self.added,
            "invalid": self.invalid,
            "contacts_marked": self.contacts_marked,
            "seconds": round(self.seconds, 3),
        }


def read_dnc_file(
    path: Path, country: str = "US", *, chunk: int = 20_000
) -> Iterator[tuple[int, str, str | None]]:
    """(line number, raw text, E.164 or None) for each number line of a DNC file.

    Blank lines, ``#`` comments and a header line without digits are skipped. Lines are read
    ``chunk`` at a time and normalised as a column (the importer's bulk path); a line that is
    not a valid number there is asked again as :func:`normalize_dnc_number` asks (any
    possible number is listed), so each answer is the one that function gives.
    """
    from calldesk.phones.answer_book import answer_book  # (not needed to start the desk)

    region = (country or "US").upper()
    normalizer = PhoneNormalizer(region, book=answer_book())
    pending: list[tuple[int, str, str]] = []  # (line, text, the part that is the number)

    def answers() -> Iterator[tuple[int, str, str | None]]:
        e164s, infos = normalizer.normalize_column([part for _, _, part in pending])
        for (number, text, part), e164, info in zip(pending, e164s, infos, strict=True):
            if info is not None and info.valid and e164:
                yield number, text, e164
            else:
                yield number, text, normalize_dnc_number(part, region)
        pending.clear()

    with open(path, encoding="utf-8-sig", errors="replace", newline="") as handle:
        for number, line in enumerate(handle, start=1):
            text = line.strip()
            if not text or text.startswith("#"):
                continue
            if number == 1 and not any(ch.isdigit() for ch in text):
                continue  # a header row such as "phone"
            match = _FTC_LINE.match(text)
            if match:
                if pending:
                    yield from answers()
                yield number, text, f"+1{match[1]}{match[2]}"
                continue
            pending.append((number, text, text.split(",")[0].strip()))
            if len(pending) >= chunk:
                yield from answers()
    if pending:
        yield from answers()
    answer_book().save()  # the numbers' answers, for the next import


def _file_date(path: Path) -> dt.date:
    match = _DATE_IN_NAME.search(path.name)
    if match:
        try:
            return dt.date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            pass
    return dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC).date()


def _looks_like_ftc(path: Path) -> bool:
    with open(path, encoding="utf-8-sig", errors="replace") as handle:
        lines = [line.strip() for _, line in zip(range(20), handle, strict=False) if line.strip()]
    return bool(lines) and all(_FTC_LINE.match(line) for line in lines)


def import_dnc_file(
    store: Store,
    path: str | Path,
    *,
    source: str | None = None,
    country: str = "US",
    file_date: dt.date | None = None,
    actor: str | None = None,
    progress: Callable[[int], Any] | None = None,
) -> DncFileResult:
    """Load a registry or plain file into the DNC list (one transaction) and mark contacts.

    ``source`` defaults to ``us_national`` for the FTC flat layout and ``file`` otherwise;
    ``file_date`` (the date the registry was downloaded) to a date in the file name, else the
    file's modification date. Lines that are not phone numbers are reported, never guessed.
    """
    import time

    started = time.perf_counter()
    path = Path(path)
    if not path.is_file():
        raise DncError(f"{path} does not exist or is not a file")
    if source is None:
        source = "us_national" if _looks_like_ftc(path) else "file"
    if source not in SOURCES:
        raise DncError(f"unknown DNC source {source!r}; one of {', '.join(SOURCES)}")
    taken = file_date or _file_date(path)
    with store.write() as session:
        snapshot = DncSnapshot(
            source=source,
            country=(country or "US").upper() if source in ("file", "internal") else None,
            file_name=path.name,
            file_date=taken,
        )
        if source == "us_national":
            snapshot.country = "US"
        elif source == "ca_dncl":
            snapshot.country = "CA"
        elif source in ("uk_tps", "uk_ctps"):
            snapshot.country = "GB"
        session.add(snapshot)
        session.flush()
        result = DncFileResult(snapshot.id, source, taken)
        conn = session.connection()
        # The importer's bulk writer: constants written into the statement, many rows each.
        from calldesk.importing.writer import _db_time, _Writer

        sqlite = conn.dialect.name == "sqlite"
        writer = _Writer(conn, sqlite)
        fixed = (
            ("source", source),
            ("snapshot_id", snapshot.id),
            ("added_by", actor),
            ("added_at", _db_time(utcnow(), sqlite)),
        )
        before = session.scalar(select(func.count()).select_from(DncEntry)) or 0
        batch: list[tuple[Any, ...]] = []
        seen: set[str] = set()

        def write(numbers: list[tuple[Any, ...]]) -> None:
            writer.insert(
                DncEntry.__table__,  # type: ignore[arg-type]
                ("e164",),
                numbers,
                on_conflict="e164, source",
                on_conflict_set="snapshot_id = excluded.snapshot_id",
                fixed=fixed,
            )

        for line, raw, e164 in read_dnc_file(path, country):
            result.lines += 1
            if e164 is None:
                if len(result.invalid) < 10_000:
                    result.invalid.append(
                        {"line": line, "value": raw[:100], "reason": "not a phone number"}
                    )
                continue
            if e164 in seen:
                continue
            seen.add(e164)
            batch.append((e164,))
            if len(batch) >= 50_000:
                write(batch)
                batch = []
                if progress is not None:
                    progress(len(seen))
        if batch:
            write(batch)
        result.numbers = len(seen)
        snapshot.numbers = len(seen)
        after = session.scalar(select(func.count()).select_from(DncEntry)) or 0
        result.added = after - before
        result.contacts_marked = mark_contacts(session)
        session.add(
            AuditEntry(
                actor=actor,
                action="dnc.import",
                entity="dnc_snapshot",
                entity_id=str(snapshot.id),
                detail={"file": path.name, "source": source, "numbers": len(seen)},
            )
        )
    from calldesk.rules.context import invalidate  # a new registry copy changes the verdicts

    invalidate()
    result.seconds = time.perf_counter() - started
    return result


def mark_contacts(session: Session, e164s: list[str] | None = None) -> int:
    """Mark phones on the DNC list and take their contacts out of the queue.

    Returns the number of contacts newly marked.
    """
    listed = select(DncEntry.e164)
    if e164s is not None:
        listed = listed.where(DncEntry.e164.in_(e164s))
    session.execute(
        update(Phone)
        .where(Phone.e164.in_(listed), Phone.dnc.is_(False))
        .values(dnc=True)
        .execution_options(synchronize_session=False)
    )
    phones_on_list = select(Phone.contact_id).where(Phone.dnc.is_(True))
    if e164s is not None:
        phones_on_list = phones_on_list.where(Phone.e164.in_(e164s))
    marked = session.execute(
        update(Contact)
        .where(Contact.id.in_(phones_on_list), Contact.dnc.is_(False))
        .values(dnc=True, callable=False)
        .execution_options(synchronize_session=False)
    )
    return int(marked.rowcount or 0)  # type: ignore[attr-defined]


def add_number(
    session: Session,
    text: str,
    *,
    country: str = "US",
    reason: str | None = None,
    actor: str | None = None,
    source: str = "internal",
) -> tuple[DncEntry, int]:
    """Put one number on the DNC list at once; returns the entry and contacts marked."""
    e164 = normalize_dnc_number(text, country)
    if e164 is None:
        raise DncError(f"{text!r} is not a phone number")
    entry = session.scalar(select(DncEntry).where(DncEntry.e164 == e164, DncEntry.source == source))
    if entry is None:
        entry = DncEntry(e164=e164, source=source, reason=reason, added_by=actor)
        session.add(entry)
        session.flush()
    marked = mark_contacts(session, [e164])
    session.add(
        AuditEntry(
            actor=actor,
            action="dnc.add",
            entity="dnc_entry",
            entity_id=e164,
            detail={"source": source, "reason": reason, "contacts_marked": marked},
        )
    )
    return entry, marked


def remove_number(
    session: Session,
    text: str,
    *,
    reason: str,
    country: str = "US",
    actor: str | None = None,
    source: str | None = None,
) -> dict[str, Any]:
    """Take a number off the DNC list (every source, or one), with a reason for the audit log.

    Contacts whose numbers are all off the list again return to the queue when they are still
    being worked (new, working, callback, nurture) and have a valid number.
    """
    if not reason or not reason.strip():
        raise DncError("removing a number from the DNC list needs a reason")
    e164 = normalize_dnc_number(text, country)
    if e164 is None:
        raise DncError(f"{text!r} is not a phone number")
    query = select(DncEntry).where(DncEntry.e164 == e164)
    if source:
        query = query.where(DncEntry.source == source)
    entries = list(session.scalars(query))
    if not entries:
        raise DncError(f"{e164} is not on the DNC list" + (f" ({source})" if source else ""))
    removed = [
        {"source": e.source, "snapshot_id": e.snapshot_id, "reason": e.reason} for e in entries
    ]
    session.execute(delete(DncEntry).where(DncEntry.id.in_([e.id for e in entries])))
    still = session.scalar(select(DncEntry.id).where(DncEntry.e164 == e164).limit(1))
    reopened = 0
    if still is None:
        session.execute(
            update(Phone)
            .where(Phone.e164 == e164)
            .values(dnc=False)
            .execution_options(synchronize_session=False)
        )
        contact_ids = list(session.scalars(select(Phone.contact_id).where(Phone.e164 == e164)))
        for contact in session.scalars(select(Contact).where(Contact.id.in_(contact_ids))):
            if any(p.dnc for p in contact.phones):
                continue
            contact.dnc = False
            working = contact.stage in _REOPEN_STAGES and contact.grade != "D"
            if working and any(p.valid and p.e164 for p in contact.phones):
                contact.callable = True
                reopened += 1
    session.add(
        AuditEntry(
            actor=actor,
            action="dnc.remove",
            entity="dnc_entry",
            entity_id=e164,
            detail={"reason": reason.strip(), "removed": removed, "contacts_reopened": reopened},
        )
    )
    session.flush()
    return {
        "e164": e164,
        "removed": removed,
        "still_listed": still is not None,
        "reopened": reopened,
    }


def check_number(session: Session, text: str, *, country: str = "US") -> dict[str, Any]:
    """Is this number on the DNC list, and from which sources (with snapshot dates)?"""
    e164 = normalize_dnc_number(text, country)
    if e164 is None:
        return {"number": text, "e164": None, "on_list": False, "error": "not a phone number"}
    rows = session.execute(
        select(DncEntry, DncSnapshot)
        .outerjoin(DncSnapshot, DncSnapshot.id == DncEntry.snapshot_id)
        .where(DncEntry.e164 == e164)
        .order_by(DncEntry.id)
    ).all()
    return {
        "number": text,
        "e164": e164,
        "on_list": bool(rows),
        "entries": [
            {
                "source": entry.source,
                "reason": entry.reason,
                "added_by": entry.added_by,
                "added_at": entry.added_at.isoformat() if entry.added_at else None,
                "snapshot_id": entry.snapshot_id,
                "file_name": snapshot.file_name if snapshot else None,
                "file_date": snapshot.file_date.isoformat()
                if snapshot and snapshot.file_date
                else None,
            }
            for entry, snapshot in rows
        ],
    }


def list_entries(
    session: Session,
    *,
    query: str | None = None,
    source: str | None = None,
    limit: int = 100,
    offset: int = 0,
    country: str = "US",
) -> list[dict[str, Any]]:
    """DNC entries, newest first; ``query`` matches any format of a number or a digit run."""
    stmt = select(DncEntry).order_by(DncEntry.id.desc())
    if source:
        stmt = stmt.where(DncEntry.source == source)
    if query:
        e164 = normalize_dnc_number(query, country)
        digits = re.sub(r"\D", "", query)
        conditions = []
        if e164:
            conditions.append(DncEntry.e164 == e164)
        if digits:
            conditions.append(DncEntry.e164.like(f"%{digits}%"))
        if not conditions:
            return []
        stmt = stmt.where(or_(*conditions))
    stmt = stmt.limit(limit).offset(offset)
    return [
        {
            "id": e.id,
            "e164": e.e164,
            "source": e.source,
            "reason": e.reason,
            "added_by": e.added_by,
            "added_at": e.added_at.isoformat() if e.added_at else None,
            "snapshot_id": e.snapshot_id,
        }
        for e in session.scalars(stmt)
    ]


def is_listed(session: Session, e164: str) -> bool:
    """True when ``e164`` is on the DNC list from any source."""
    return bool(session.scalar(select(exists().where(DncEntry.e164 == e164))))
