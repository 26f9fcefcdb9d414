"""Recording what happened on a call, in one transaction.

:func:`record_outcome` stores the attempt, the contact's new state (attempts, when it may be
called again, stage), the callback a contact asked for, the DNC entries of a "do not call"
(effective before the next contact is chosen), an outbox entry for sync, the hand-off of a graded
lead, and releases the claim: all inside the caller's transaction, so either all of it is stored
or none. :func:`record_and_next` adds the next claim to the same transaction (the desk's
save-and-next).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from calldesk import dispositions as dispositions_mod
from calldesk import outbox
from calldesk import queue as queue_mod
from calldesk.models import (
    Attempt,
    Callback,
    Claim,
    Contact,
    Disposition,
    DncEntry,
    Phone,
    Rep,
    utcnow,
)
from calldesk.places import contact_clock

KIND_ATTEMPT = "attempt.recorded"
_BUSINESS_DAY_START = dt.time(9, 0)


class OutcomeError(ValueError):
    """An outcome cannot be recorded as given (missing notes or callback time, unknown code)."""


@dataclass
class OutcomeResult:
    """What recording one call stored."""

    attempt_id: int
    contact_id: int
    disposition: str
    attempt: dict[str, Any]
    contact: dict[str, Any]
    callback_id: int | None = None
    dnc_numbers: list[str] = field(default_factory=list)
    handoff: Any = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "attempt": self.attempt,
            "contact": self.contact,
            "callback_id": self.callback_id,
            "dnc_numbers": self.dnc_numbers,
            "handoff": _plain(self.handoff),
        }


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | bool | dict | list):
        return value
    if hasattr(value, "to_dict"):
        return value.to_dict()
    return str(value)


def _aware(value: dt.datetime | None, name: str) -> dt.datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise OutcomeError(f"{name} must include a time zone offset")
    return value.astimezone(dt.UTC)


def contact_zone(contact: Contact) -> zoneinfo.ZoneInfo:
    """The contact's clock (:func:`calldesk.places.contact_clock`); UTC only to schedule a retry
    for a contact whose place is unknown (it is never offered until someone sets it)."""
    return zoneinfo.ZoneInfo(contact_clock(contact) or "UTC")


def next_business_day(at: dt.datetime, zone: zoneinfo.ZoneInfo) -> dt.datetime:
    """09:00 on the contact's next weekday (Mon-Fri), as UTC."""
    day = at.astimezone(zone).date() + dt.timedelta(days=1)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return dt.datetime.combine(day, _BUSINESS_DAY_START, tzinfo=zone).astimezone(dt.UTC)


def _retry_at(
    rule: dispositions_mod.DispositionRule,
    campaign_rules: dict[str, Any],
    at: dt.datetime,
    zone: zoneinfo.ZoneInfo,
) -> dt.datetime | None:
    """When the contact may be called again after this disposition; None: never again."""
    overrides = campaign_rules.get("retry") or {}
    if rule.code in overrides:
        minutes = overrides[rule.code]
        return None if minutes is None else at + dt.timedelta(minutes=int(minutes))
    if rule.retry_rule == "next_business_day":
        return next_business_day(at, zone)
    if rule.retry_minutes is None:
        return None
    return at + dt.timedelta(minutes=rule.retry_minutes)


def _script_version(session: Session, key: str | None) -> int | None:
    if not key:
        return None
    return queue_mod._q(session, "SELECT max(version) FROM scripts WHERE key = ?", key).scalar()


# The hot path's statements, built once so their compiled SQL is cached.
# Read on every call: plain driver statements (see calldesk.queue._q).
_REP_NAME_SQL = "SELECT name FROM reps WHERE id = ?"
_CAMPAIGN_SQL = "SELECT rules, script_key FROM campaigns WHERE id = ?"
_PHONE_SQL = "SELECT id, e164, extension, dnc, valid FROM phones WHERE id = ?"


class _PhoneRow(NamedTuple):
    id: int
    e164: str | None
    extension: str | None
    dnc: bool
    valid: bool


def _json(value: Any) -> Any:
    """A JSON column as read by the driver (text on SQLite, decoded on PostgreSQL)."""
    return json.loads(value) if isinstance(value, str) else value


_ATTEMPT_COLUMNS = (
    "contact_id",
    "phone_id",
    "rep_id",
    "campaign_id",
    "claim_id",
    "number_dialled",
    "started_at",
    "ended_at",
    "disposition",
    "conversation",
    "notes",
    "answers",
    "script_key",
    "script_version",
    "grade",
    "grade_why",
    "local_hour",
    "local_weekday",
    "manual",
    "override_by",
    "override_reason",
)
_ATTEMPT_SQL = (
    f"INSERT INTO attempts ({', '.join(_ATTEMPT_COLUMNS)}) "
    f"VALUES ({', '.join('?' * len(_ATTEMPT_COLUMNS))}) RETURNING id"
)


def _insert_attempt(session: Session, values: dict[str, Any]) -> int:
    """INSERT ... RETURNING id of the attempt on the driver's cursor, its values written as
    the model's column types write them (times as naive UTC, ``answers`` as JSON text: None
    as JSON null)."""
    params = [values[name] for name in _ATTEMPT_COLUMNS]
    params[6] = queue_mod._ts(session, values["started_at"])
    params[7] = queue_mod._ts(session, values["ended_at"]) if values["ended_at"] else None
    params[11] = json.dumps(values["answers"])
    return queue_mod._q(session, _ATTEMPT_SQL, *params).scalar_one()


_DISPOSITION_SQL = (
    "SELECT code, label, hotkey, conversation, retry_minutes, retry_rule, requires_notes, "
    "requires_callback, final, position FROM dispositions WHERE code = ?"
)
_CLAIM_SQL = (
    "SELECT c.id, c.contact_id, c.rep_id, c.campaign_id, c.callback_id, c.claimed_at, "
    "c.released_at, c.reason, (SELECT name FROM reps WHERE reps.id = c.rep_id), "
    "(SELECT rules FROM campaigns WHERE campaigns.id = c.campaign_id), "
    "(SELECT script_key FROM campaigns WHERE campaigns.id = c.campaign_id) "
    "FROM claims c WHERE c.id = ?"
)


def _holds(session: Session, model: Any, ident: Any) -> bool:
    """Whether the session holds the object (its changes may not be written yet); a session
    that holds nothing (the hot path reads rows, not objects) answers without a key."""
    return bool(session.identity_map) and (
        session.identity_map.get(identity_key(model, ident)) is not None
    )


def _disposition(session: Session, code: str, read: Any = None) -> dispositions_mod.DispositionRule:
    """The disposition's rule, read with one driver statement on every call (an ORM load was
    a sixth of recording one); the session's own copy when it holds one (edits not yet
    written), and the dispositions module's error for an unknown code. ``read``: the row
    :func:`_read_for_record` read (no statement then)."""
    if _holds(session, Disposition, code):
        return dispositions_mod.get(session, code)
    row = (
        read.disposition
        if read is not None
        else queue_mod._q(session, _DISPOSITION_SQL, code).first()
    )
    if row is None:
        return dispositions_mod.get(session, code)  # raises, naming the known codes
    code, label, hotkey, conversation, retry_minutes, retry_rule, notes, callback, final, pos = row
    return dispositions_mod.DispositionRule(
        code=code,
        label=label,
        hotkey=hotkey,
        conversation=bool(conversation),
        retry_minutes=retry_minutes,
        retry_rule=retry_rule,
        requires_notes=bool(notes),
        requires_callback=bool(callback),
        final=bool(final),
        position=pos,
    )


# Dispositions whose recording touches more than the contact's own columns.
_ORM_CODES = frozenset({"do_not_call", "bad_number", "callback", "qualified", "wrong_person"})
_CONTACT_COLUMNS = (
    "id",
    "first_name",
    "last_name",
    "dnc",
    "grade",
    "grade_why",
    "stage",
    "attempts",
    "last_attempt_at",
    "next_eligible_at",
    "callable",
    "closed_reason",
    "claimed_by_id",
    "claim_expires_at",
    "locale_key",
    "time_zone_override",
)
_CONTACT_SQL = f"SELECT {', '.join(_CONTACT_COLUMNS)} FROM contacts WHERE id = ?"
_CONTACT_TIMES = ("last_attempt_at", "next_eligible_at", "claim_expires_at")


class _ContactRow:
    """A contact's own columns as recording a plain call reads and changes them (attribute
    names are the model's); :func:`_write_contact_row` writes back what changed."""

    __slots__ = (*_CONTACT_COLUMNS, "_was")


def _contact_row(session: Session, contact_id: int, read: Any = None) -> _ContactRow | None:
    """The contact's columns, or None when the ORM object must be used: the session already
    holds it (changes not yet written), or the contact has no place (its clock is worked out
    from its numbers). ``read``: the row :func:`_read_for_record` read (no statement then)."""
    if _holds(session, Contact, contact_id):
        return None
    if read is not None and read.contact_id == contact_id:
        row = read.contact
    else:
        row = queue_mod._q(session, _CONTACT_SQL, contact_id).first()
    if row is None:
        return None
    contact = _ContactRow()
    for name, value in zip(_CONTACT_COLUMNS, row, strict=True):
        setattr(contact, name, value)
    contact.dnc = bool(contact.dnc)
    contact.callable = bool(contact.callable)
    for name in _CONTACT_TIMES:
        setattr(contact, name, queue_mod._from_ts(getattr(contact, name)))
    if not contact.locale_key and not contact.time_zone_override:
        return None
    contact._was = tuple(getattr(contact, name) for name in _CONTACT_COLUMNS)
    return contact


def _write_contact_row(session: Session, contact: _ContactRow) -> None:
    """One UPDATE of the columns that changed, with ``updated_at`` as the ORM would stamp it."""
    changed: dict[str, Any] = {}
    for name, before in zip(_CONTACT_COLUMNS, contact._was, strict=True):
        value = getattr(contact, name)
        if value != before or type(value) is not type(before):
            if isinstance(value, dt.datetime):
                value = queue_mod._ts(session, value)
            changed[name] = value
    if not changed:
        return
    changed["updated_at"] = queue_mod._ts(session, utcnow())
    sets = ", ".join(f"{name} = ?" for name in changed)
    queue_mod._q(session, f"UPDATE contacts SET {sets} WHERE id = ?", *changed.values(), contact.id)


class _ClaimRow:
    """A held claim as recording an outcome reads it (one driver statement, no ORM load)."""

    __slots__ = (
        "id",
        "contact_id",
        "rep_id",
        "campaign_id",
        "callback_id",
        "claimed_at",
        "reason",
        "rep_name",
        "campaign",
    )


def _held_claim(session: Session, claim_id: int, read: Any = None) -> Any:
    """The claim being answered: the session's ORM copy if it holds one (as
    :func:`calldesk.queue.get_claim`), else a plain read with the same checks and errors
    (``read``: the row :func:`_read_for_record` read, no statement then)."""
    if _holds(session, Claim, claim_id):
        return queue_mod.get_claim(session, claim_id)
    row = read.claim if read is not None else queue_mod._q(session, _CLAIM_SQL, claim_id).first()
    if row is None:
        raise queue_mod.QueueError(f"no claim {claim_id}")
    released = queue_mod._from_ts(row[6])
    if released is not None:
        raise queue_mod.QueueError(f"claim {claim_id} was already released at {released:%H:%M}")
    claim = _ClaimRow()
    claim.id, claim.contact_id, claim.rep_id, claim.campaign_id, claim.callback_id = row[:5]
    claim.claimed_at = queue_mod._from_ts(row[5])
    reason = row[7]
    claim.reason = json.loads(reason) if isinstance(reason, str) else reason
    # The rep's name and the campaign's rules and script, read with the claim.
    claim.rep_name = row[8]
    claim.campaign = (row[9], row[10]) if claim.campaign_id else None
    return claim


class _RecordRead:
    """What recording a queue call reads, in one statement: the claim (with the rep's name
    and the campaign's rules and script), the disposition, the contact's own columns, the
    number the claim was offered with, and the campaign script's latest version."""

    __slots__ = ("claim", "disposition", "contact", "contact_id", "phone", "script_version")


_CONTACT_PART = ", ".join(f"ct.{name}" for name in _CONTACT_COLUMNS)
_DISPOSITION_PART = _DISPOSITION_SQL[len("SELECT ") : _DISPOSITION_SQL.index(" FROM")]
_DISPOSITION_PART = ", ".join(f"d.{name.strip()}" for name in _DISPOSITION_PART.split(","))
_RECORD_SQL = {
    pg: (
        _CLAIM_SQL.replace(" FROM claims c WHERE c.id = ?", ", ")
        + f"{_DISPOSITION_PART}, {_CONTACT_PART}, p.id, p.e164, p.extension, p.dnc, p.valid, "
        "(SELECT max(version) FROM scripts WHERE key = "
        "(SELECT script_key FROM campaigns WHERE campaigns.id = c.campaign_id)) "
        "FROM claims c LEFT JOIN dispositions d ON d.code = ? "
        "LEFT JOIN contacts ct ON ct.id = c.contact_id "
        f"LEFT JOIN phones p ON p.id = {phone} WHERE c.id = ?"
    )
    for pg, phone in (
        (False, "json_extract(c.reason, '$.phone.id')"),
        (True, "CAST(c.reason->'phone'->>'id' AS integer)"),
    )
}


def _read_for_record(session: Session, claim_id: int, code: str) -> _RecordRead | None:
    """:class:`_RecordRead` of a claim, or None when there is no such claim (the separate
    reads then say what is wrong, in their order)."""
    row = queue_mod._q(session, _RECORD_SQL[queue_mod._is_pg(session)], code, claim_id).first()
    if row is None:
        return None
    read = _RecordRead()
    read.claim = row[:11]
    read.disposition = row[11:21] if row[11] is not None else None
    read.contact = row[21:37] if row[21] is not None else None
    read.contact_id = row[1]
    read.phone = _PhoneRow(*row[37:42]) if row[37] is not None else None
    read.script_version = row[42]
    return read


def _add_dnc(
    session: Session, contact: Contact, rep: Rep | None, at: dt.datetime, notes: str | None
) -> list[str]:
    """Every number of the contact joins the internal DNC list; every contact on one of those
    numbers stops being offered on it (and altogether when no other number is left)."""
    numbers = sorted({p.e164 for p in contact.phones if p.e164})
    for number in numbers:
        exists = session.scalar(
            select(DncEntry.id).where(DncEntry.e164 == number, DncEntry.source == "internal")
        )
        if exists is None:
            session.add(
                DncEntry(
                    e164=number,
                    source="internal",
                    reason=f"do not call, asked on a call (contact {contact.id})"
                    + (f": {notes}" if notes else ""),
                    added_by=rep.name if rep else None,
                    added_at=at,
                )
            )
    contact.dnc = True
    contact.callable = False
    if numbers:
        session.execute(
            update(Phone).where(Phone.e164.in_(numbers)).values(dnc=True),
            execution_options={"synchronize_session": False},
        )
        sharing = set(
            session.scalars(
                select(Phone.contact_id).where(
                    Phone.e164.in_(numbers), Phone.contact_id != contact.id
                )
            )
        )
        for other_id in sharing:
            left = session.scalar(
                select(func.count())
                .select_from(Phone)
                .where(
                    Phone.contact_id == other_id,
                    Phone.valid,
                    Phone.e164.is_not(None),
                    Phone.dnc.is_(False),
                    Phone.e164.not_in(numbers),
                )
            )
            if not left:
                session.execute(
                    update(Contact)
                    .where(Contact.id == other_id)
                    .values(
                        callable=False,
                        closed_reason="every number is on the do-not-call list",
                    ),
                    execution_options={"synchronize_session": False},
                )
    # Nobody calls back someone who asked not to be called.
    session.execute(
        update(Callback)
        .where(Callback.contact_id == contact.id, Callback.status == "open")
        .values(status="cancelled", done_at=at),
        execution_options={"synchronize_session": False},
    )
    session.flush()
    return numbers


def _close(contact: Contact, why: str) -> None:
    contact.callable = False
    contact.stage = "closed"
    contact.closed_reason = why
    contact.next_eligible_at = None


def record_outcome(
    session: Session,
    *,
    claim_id: int | None,
    disposition: str,
    notes: str | None = None,
    answers: dict[str, Any] | None = None,
    callback_at: dt.datetime | None = None,
    callback_personal: bool = True,
    started_at: dt.datetime | None = None,
    ended_at: dt.datetime | None = None,
    phone_id: int | None = None,
    number_dialled: str | None = None,
    script_key: str | None = None,
    script_version: int | None = None,
    grade_result: Any = None,
    booking: Any = None,
    contact_id: int | None = None,
    rep_id: int | None = None,
    campaign_id: int | None = None,
    manual: bool = False,
    override_by: str | None = None,
    override_reason: str | None = None,
    at: dt.datetime | None = None,
    verdict: Any = None,
) -> OutcomeResult:
    """Record one call and everything that follows from it, inside the caller's transaction.

    Normally ``claim_id`` names the claim the queue handed out; a manual dial (``manual=True``,
    a number typed by hand) may instead give ``contact_id`` and ``rep_id`` with no claim, with
    any override (``override_by``, ``override_reason``) kept on the attempt; ``verdict`` is
    what :func:`calldesk.rules.authorize_dial` returned for it (its override included). The
    compliance ledger keeps the decision behind the attempt in the same transaction. Raises
    :class:`OutcomeError` for a disposition that needs notes or a callback time it was not
    given, and :class:`calldesk.queue.QueueError` for an unknown or released claim.
    """
    at = _aware(at, "at") or utcnow()
    callback_at = _aware(callback_at, "callback time")
    started_at = _aware(started_at, "start time")
    ended_at = _aware(ended_at, "end time") or at
    # A queue call (a claim): what recording reads, in one statement.
    read = _read_for_record(session, claim_id, disposition) if claim_id is not None else None
    try:
        rule = _disposition(session, disposition, read)
    except dispositions_mod.DispositionError as exc:
        raise OutcomeError(str(exc)) from exc
    if rule.requires_notes and not (notes or "").strip():
        raise OutcomeError(f"{rule.label}: notes are required")
    if rule.requires_callback and callback_at is None:
        raise OutcomeError(f"{rule.label}: a callback time is required")
    if callback_at is not None and callback_at <= at and rule.requires_callback:
        raise OutcomeError("the callback time must be in the future")
    if override_reason is not None and not override_reason.strip():
        raise OutcomeError("an override needs a reason")

    claim: Claim | None = None
    if claim_id is not None:
        claim = _held_claim(session, claim_id, read)
        contact_id = claim.contact_id
        rep_id = claim.rep_id
        campaign_id = claim.campaign_id
        started_at = started_at or claim.claimed_at
        if phone_id is None and claim.reason:
            phone_id = (claim.reason.get("phone") or {}).get("id")
    elif contact_id is None or rep_id is None:
        raise OutcomeError("give a claim, or a contact and a rep for a manual dial")
    # Most calls (no answer, voicemail, not interested...) change only the contact's own
    # columns: read them with one statement and write the changed ones back with one; the
    # dispositions that create or change other objects (DNC, a bad number, a callback, the
    # grading hand-off) load the ORM object as before.
    contact: Any = None
    if rule.code not in _ORM_CODES and contact_id is not None:
        contact = _contact_row(session, contact_id, read)
    if contact is None:
        contact = session.get(Contact, contact_id)
    if contact is None:
        raise OutcomeError(f"no contact {contact_id}")
    # Core statements (compiled once, cached) rather than ORM loads for what is only read: the
    # rep's name, the campaign's rules and script, the number dialled. The ORM objects are
    # loaded only on the rare paths that change them (DNC, bad number, grading hand-off).
    q = queue_mod._q
    if isinstance(claim, _ClaimRow):
        rep_name, campaign = claim.rep_name, claim.campaign
    else:
        rep_name = q(session, _REP_NAME_SQL, rep_id).scalar() if rep_id is not None else None
        campaign = q(session, _CAMPAIGN_SQL, campaign_id).first() if campaign_id else None
    campaign_rules = dict(_json(campaign[0]) or {}) if campaign else {}
    started_at = started_at or at
    zone = contact_zone(contact)

    phone: Any = None
    if read is not None and read.phone is not None and read.phone.id == phone_id:
        phone = read.phone  # the number the claim was offered with, read with the claim
    elif phone_id is not None:
        found = q(session, _PHONE_SQL, phone_id).first()
        phone = _PhoneRow(*found) if found is not None else None
    if phone is None and number_dialled is None:
        phone = queue_mod.callable_phone(session, contact.id)
    if number_dialled is None and phone is not None:
        number_dialled = phone.e164 + (f" ext. {phone.extension}" if phone.extension else "")
    if grade_result is not None:
        script_key = script_key or getattr(grade_result, "script_key", None)
        script_version = script_version or getattr(grade_result, "script_version", None)
    script_key = script_key or (campaign[1] if campaign else None)
    if script_version is None:
        if (
            read is not None
            and isinstance(claim, _ClaimRow)
            and campaign is not None
            and (script_key == campaign[1])
        ):
            script_version = read.script_version  # the campaign's script, read with the claim
        else:
            script_version = _script_version(session, script_key)
    local_start = started_at.astimezone(zone)
    values: dict[str, Any] = {
        "contact_id": contact.id,
        "phone_id": phone.id if phone is not None else None,
        "rep_id": rep_id,
        "campaign_id": campaign_id,
        "claim_id": claim.id if claim else None,
        "number_dialled": number_dialled,
        "started_at": started_at,
        "ended_at": ended_at,
        "disposition": rule.code,
        "conversation": rule.conversation,
        "notes": notes,
        "answers": answers,
        "script_key": script_key,
        "script_version": script_version,
        "grade": getattr(grade_result, "grade", None),
        "grade_why": getattr(grade_result, "why", None),
        "local_hour": local_start.hour,
        "local_weekday": local_start.weekday(),
        "manual": manual,
        "override_by": override_by,
        "override_reason": override_reason,
    }
    if verdict is not None and getattr(verdict, "override_by", None):
        values["override_by"] = override_by = verdict.override_by
        values["override_reason"] = override_reason = verdict.override_reason
    # INSERT ... RETURNING id: no unit-of-work flush for the one row every call writes.
    attempt_id = _insert_attempt(session, values)
    # The compliance ledger: the decision that allowed this attempt, in the same transaction.
    from calldesk.rules import ledger as rules_ledger  # late: the rules load packs

    rules_ledger.write_entry(
        session,
        attempt_id=attempt_id,
        locale_key=contact.locale_key,
        at=started_at,
        campaign_rules=campaign_rules,
        rep=rep_name,
        number=number_dialled,
        override_by=override_by,
        override_reason=override_reason,
        verdict=verdict,
        offered_under=(claim.reason or {}).get("rule") if claim is not None else None,
    )
    attempt: Attempt | None = None  # loaded only for the grading hand-off

    # The contact's new state.
    contact.attempts = (contact.attempts or 0) + 1
    contact.last_attempt_at = started_at
    if contact.stage in ("new", "needs_review") and contact.callable:
        contact.stage = "working"
    callback_id: int | None = None
    dnc_numbers: list[str] = []
    handoff_result: Any = None
    if rule.code == "do_not_call":
        rep = session.get(Rep, rep_id) if rep_id is not None else None
        dnc_numbers = _add_dnc(session, contact, rep, at, notes)
        _close(contact, "asked not to be called")
    elif rule.code == "bad_number":
        if phone is not None:
            phone = session.get(Phone, phone.id)
            assert phone is not None
            phone.valid = False
            phone.invalid_reason = f"reported as a bad number by {rep_name or 'a rep'}"
            session.flush()
        if queue_mod.callable_phone(session, contact.id) is None:
            _close(contact, "no working number left")
        else:
            contact.next_eligible_at = None  # try the next number
    elif rule.code == "callback":
        assert callback_at is not None
        callback = Callback(
            contact_id=contact.id,
            rep_id=rep_id,
            attempt_id=attempt_id,
            due_at=callback_at,
            personal=callback_personal,
            kind="callback",
            notes=notes,
            status="open",
            created_at=at,
        )
        session.add(callback)
        session.flush()
        callback_id = callback.id
        contact.stage = "callback"
        contact.next_eligible_at = queue_mod.HELD
    elif rule.code in ("qualified", "wrong_person"):
        if rule.code == "qualified" and grade_result is None:
            raise OutcomeError("qualified: the script's grade is required")
        contact.next_eligible_at = queue_mod.HELD
        if rule.code == "wrong_person":
            _close(contact, "referred to the right person")
        # The grading hand-off (issue 5): the grade's consequences, and the right person a
        # wrong person named becomes a new contact of the same company.
        from calldesk import handoff

        attempt = session.get(Attempt, attempt_id)
        rep = session.get(Rep, rep_id) if rep_id is not None else None
        handoff_result = handoff.apply(
            session,
            contact=contact,
            attempt=attempt,
            rep=rep,
            grade_result=grade_result,
            booking=booking,
            at=at,
        )
    elif rule.final:
        _close(contact, rule.label)
    else:
        contact.next_eligible_at = _retry_at(rule, campaign_rules, at, zone)
        if contact.next_eligible_at is None:
            _close(contact, f"{rule.label}: not to be called again")

    # Attempt caps of the campaign.
    if contact.callable and rule.code not in ("callback", "qualified"):
        _apply_caps(session, contact, campaign_rules, at, zone)

    # The callback this call answered is done.
    if claim is not None and claim.callback_id is not None:
        answered = session.get(Callback, claim.callback_id)
        if answered is not None and answered.status == "open":
            answered.status = "done"
            answered.done_at = at

    # A plain attempt carries only its own facts and the contact's id and name: the full lead
    # snapshot (outbox.lead_payload) is for grades and appointments (handoff writes those), and
    # building it for every call was half the cost of recording one. A receiver that wants the
    # lead fetches it from the graded entries; a CRM file reads the store, not this payload.
    outbox.add(
        session,
        KIND_ATTEMPT,
        key=f"attempt-{attempt_id}",
        contact_id=contact.id,
        payload=attempt_payload(
            contact,
            attempt={
                "id": attempt_id,
                "disposition": rule.code,
                "label": rule.label,
                "conversation": rule.conversation,
                "started_at": started_at.isoformat(),
                "ended_at": ended_at.isoformat(),
                # Numbers on the DNC list never leave calldesk.
                "number_dialled": None
                if contact.dnc or (phone is not None and (phone.dnc or not phone.valid))
                else number_dialled,
                "notes": notes,
                "answers": answers,
                "rep": rep_name,
                "manual": manual,
            },
        ),
    )

    if isinstance(claim, Claim):
        claim.released_at = at
    elif claim is not None:
        queue_mod._q(
            session,
            "UPDATE claims SET released_at = ? WHERE id = ?",
            queue_mod._ts(session, at),
            claim.id,
        )
    if contact.claimed_by_id is not None and (claim is None or contact.claimed_by_id == rep_id):
        contact.claimed_by_id = None
        contact.claim_expires_at = None
    if isinstance(contact, _ContactRow):
        _write_contact_row(session, contact)
    session.flush()
    if attempt is not None:
        plain = attempt_dict(attempt)
    else:
        plain = _attempt_values_dict(attempt_id, values)
    return OutcomeResult(
        attempt_id=attempt_id,
        contact_id=contact.id,
        disposition=rule.code,
        attempt=plain,
        contact=contact_state(contact),
        callback_id=callback_id,
        dnc_numbers=dnc_numbers,
        handoff=handoff_result,
    )


def _attempt_values_dict(attempt_id: int, values: dict[str, Any]) -> dict[str, Any]:
    """:func:`attempt_dict` of an attempt inserted with ``values`` (no ORM object)."""
    return _plain_attempt(attempt_id, values.__getitem__)


def attempt_payload(contact: Contact, *, attempt: dict[str, Any]) -> dict[str, Any]:
    """The light payload of an ``attempt.recorded`` entry: the attempt and the contact's state.

    Built from what recording already holds, without a query.
    """
    return {
        "contact": {
            "id": _json_value(contact.id),
            "first_name": _json_value(contact.first_name),
            "last_name": _json_value(contact.last_name),
            "full_name": " ".join(p for p in (contact.first_name, contact.last_name) if p)
            or "(no name)",
            "do_not_call": bool(contact.dnc),
        },
        "grade": _json_value(contact.grade),
        "why": _json_value(contact.grade_why),
        "stage": _json_value(contact.stage),
        "attempt": {str(k): _json_value(v) for k, v in attempt.items()},
    }


_PLAIN = (str, int, float, bool, type(None))


def _json_value(value: Any) -> Any:
    """:func:`calldesk.outbox.jsonable` of one value, plain values (most of them) as they are."""
    return value if type(value) in _PLAIN else outbox.jsonable(value)


def _apply_caps(
    session: Session,
    contact: Contact,
    campaign_rules: dict[str, Any],
    at: dt.datetime,
    zone: zoneinfo.ZoneInfo,
) -> None:
    max_attempts = campaign_rules.get("max_attempts")
    if max_attempts and contact.attempts >= int(max_attempts):
        _close(contact, f"attempt cap reached ({contact.attempts} of {max_attempts})")
        return
    max_per_day = campaign_rules.get("max_per_day")
    if max_per_day:
        local = at.astimezone(zone)
        day_start = local.replace(hour=0, minute=0, second=0, microsecond=0)
        today = (
            session.scalar(
                select(func.count())
                .select_from(Attempt)
                .where(
                    Attempt.contact_id == contact.id,
                    Attempt.started_at >= day_start.astimezone(dt.UTC),
                )
            )
            or 0
        )
        if today >= int(max_per_day):
            tomorrow = dt.datetime.combine(
                local.date() + dt.timedelta(days=1), dt.time(0), tzinfo=zone
            ).astimezone(dt.UTC)
            if contact.next_eligible_at is None or contact.next_eligible_at < tomorrow:
                contact.next_eligible_at = tomorrow


# What an attempt is as plain data (for payloads and the command line): the columns written,
# in their order, but the number's row and the grade's reasons.
_PLAIN_ATTEMPT = tuple(c for c in _ATTEMPT_COLUMNS if c not in ("phone_id", "grade_why"))
_MOMENTS = ("started_at", "ended_at")


def _plain_attempt(attempt_id: int, value: Callable[[str], Any]) -> dict[str, Any]:
    plain: dict[str, Any] = {"id": attempt_id}
    for key in _PLAIN_ATTEMPT:
        got = value(key)
        plain[key] = got.isoformat() if got and key in _MOMENTS else got
    return plain


def attempt_dict(attempt: Attempt) -> dict[str, Any]:
    """An attempt as plain data."""
    return _plain_attempt(attempt.id, functools.partial(getattr, attempt))


def contact_state(contact: Contact) -> dict[str, Any]:
    """A contact's queue state as plain data."""
    held = contact.next_eligible_at is not None and contact.next_eligible_at >= queue_mod.HELD
    return {
        "id": contact.id,
        "stage": contact.stage,
        "grade": contact.grade,
        "attempts": contact.attempts,
        "last_attempt_at": contact.last_attempt_at.isoformat() if contact.last_attempt_at else None,
        "next_eligible_at": None
        if held or contact.next_eligible_at is None
        else contact.next_eligible_at.isoformat(),
        "held": held,
        "callable": contact.callable,
        "dnc": contact.dnc,
        "closed_reason": contact.closed_reason,
    }


def record_and_next(
    session: Session,
    *,
    claim_id: int,
    disposition: str,
    campaign_id: int | None = None,
    lease: dt.timedelta = queue_mod.DEFAULT_LEASE,
    at: dt.datetime | None = None,
    **outcome: Any,
) -> tuple[OutcomeResult, queue_mod.Offer | queue_mod.QueueEmpty]:
    """Record a call and claim the rep's next contact in the same transaction (save-and-next).

    ``outcome`` takes the keyword arguments of :func:`record_outcome`.
    """
    at = _aware(at, "at") or utcnow()
    result = record_outcome(session, claim_id=claim_id, disposition=disposition, at=at, **outcome)
    rep_id = result.attempt["rep_id"]
    nxt = queue_mod.next_offer(session, rep_id, campaign_id=campaign_id, at=at, lease=lease)
    return result, nxt
