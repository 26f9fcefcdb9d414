"""Numbers on the do-not-call list never leave calldesk, whatever shape the payload has.

An outbox entry is a snapshot taken when it was written; the number it carries may join the DNC
list later. So payloads are scrubbed again at delivery, by walking them whole instead of knowing
their shape (``attempt.recorded``'s ``number_dialled``, ``contact.phones``, an appointment's
place, a lead's notes, any future kind):

- a phone object (a dict with ``e164``) whose number is listed is dropped from its list;
- a phone field (``number_dialled``, ``phone``, ``e164``, ...) that holds a listed number
  becomes null;
- in any other text, a listed number (written ``+15551234567`` or in the number's national form,
  ``(555) 123-4567``) is replaced by :data:`REMOVED`;
- a contact on the DNC list is sent with ``do_not_call: true`` and no phones, and every number
  stored for it counts as listed within its own entries.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

import phonenumbers
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from calldesk.models import Contact, DncEntry, Phone

REMOVED = "[number removed: do not call]"
PHONE_KEYS = frozenset(
    {
        "e164",
        "number",
        "number_dialled",
        "phone",
        "phone_number",
        "mobile",
        "mobile_phone",
        "raw",
        "dialled",
        "tel",
    }
)
# A run of digits that may be a phone number: optional +, 7 or more digits with separators.
_RUN = re.compile(r"\+?\(?\d[\d \-.()/\u00a0]{5,}\d")
_BATCH = 500


def _candidates(run: str) -> set[str]:
    """The E.164 numbers a run of text may stand for."""
    digits = re.sub(r"\D", "", run)
    if len(digits) < 7 or len(digits) > 15:
        return set()
    if run.startswith("+"):
        return {"+" + digits}
    found = {"+" + digits}
    if len(digits) == 10:
        found.add("+1" + digits)  # North American numbers written nationally
    elif len(digits) == 11 and digits.startswith("1"):
        found.add("+" + digits)
    return found


def _national(e164: str) -> str | None:
    try:
        return str(phonenumbers.parse(e164, None).national_number)
    except phonenumbers.NumberParseException:
        return None


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


class _Listed:
    """The listed numbers relevant to one batch, and how to find them in text."""

    def __init__(self, numbers: set[str]) -> None:
        self.numbers = numbers
        self.national = {n: e for e in numbers if (n := _national(e)) and len(n) >= 7}

    def hit(self, run: str) -> bool:
        if _candidates(run) & self.numbers:
            return True
        digits = re.sub(r"\D", "", run)
        return any(digits.endswith(n) for n in self.national)

    def text(self, text: str) -> str:
        if not self.numbers or not any(ch.isdigit() for ch in text):
            return text
        return _RUN.sub(lambda m: REMOVED if self.hit(m.group(0)) else m.group(0), text)

    def contains(self, text: str) -> bool:
        return any(self.hit(m.group(0)) for m in _RUN.finditer(text))


def _walk(value: Any, listed: _Listed, key: str | None = None) -> Any:
    if key in PHONE_KEYS and isinstance(value, int) and not isinstance(value, bool):
        return None if listed.contains(str(value)) else value
    if isinstance(value, str):
        if key in PHONE_KEYS:
            return None if listed.contains(value) else value
        return listed.text(value)
    if isinstance(value, dict):
        return {k: _walk(v, listed, k) for k, v in value.items()}
    if isinstance(value, list | tuple):
        kept = []
        for item in value:
            phone = item.get("e164") if isinstance(item, dict) else None
            if isinstance(phone, str) and listed.contains(phone):
                continue  # a listed phone object leaves with nothing of it
            kept.append(_walk(item, listed))
        return kept
    return value


def scrub_payloads(session: Session, entries: Sequence[tuple[int | None, Any]]) -> list[Any]:
    """``entries`` (contact id, payload) with every listed number taken out; payloads in order.

    Payloads are not changed in place; one that holds no listed number is returned as it is.
    """
    candidates: set[str] = set()
    for _, payload in entries:
        for text in _strings(payload):
            for match in _RUN.finditer(text):
                candidates |= _candidates(match.group(0))
    contact_ids = sorted({c for c, _ in entries if c})
    dnc_contacts: set[int] = set()
    own: dict[int, set[str]] = {}
    listed = _listed_among(session, candidates)
    for start in range(0, len(contact_ids), _BATCH):
        chunk = contact_ids[start : start + _BATCH]
        dnc_contacts.update(
            session.scalars(select(Contact.id).where(Contact.id.in_(chunk), Contact.dnc))
        )
        for contact_id, e164 in session.execute(
            select(Phone.contact_id, Phone.e164)
            .outerjoin(Contact, Contact.id == Phone.contact_id)
            .where(
                Phone.contact_id.in_(chunk),
                Phone.e164.is_not(None),
                or_(Phone.dnc, Contact.dnc),
            )
        ):
            own.setdefault(contact_id, set()).add(e164)
    # Numbers listed after their phone rows were written are found through DncEntry.
    stored = _stored_numbers(session, contact_ids)
    listed |= _listed_among(session, {e for numbers in stored.values() for e in numbers})
    out = []
    for contact_id, payload in entries:
        numbers = listed | own.get(contact_id or 0, set())
        if contact_id in dnc_contacts:
            numbers = numbers | stored.get(contact_id, set())
        scrubbed = _walk(payload, _Listed(numbers)) if numbers else payload
        if contact_id in dnc_contacts and isinstance(scrubbed, dict):
            contact = scrubbed.get("contact")
            if isinstance(contact, dict):
                scrubbed = dict(scrubbed, contact=dict(contact, phones=[], do_not_call=True))
        out.append(scrubbed)
    return out


def _listed_among(session: Session, numbers: set[str]) -> set[str]:
    wanted = sorted(numbers)
    found: set[str] = set()
    for start in range(0, len(wanted), _BATCH):
        chunk = wanted[start : start + _BATCH]
        found.update(session.scalars(select(DncEntry.e164).where(DncEntry.e164.in_(chunk))))
    return found


def _stored_numbers(session: Session, contact_ids: list[int]) -> dict[int, set[str]]:
    numbers: dict[int, set[str]] = {}
    for start in range(0, len(contact_ids), _BATCH):
        chunk = contact_ids[start : start + _BATCH]
        for contact_id, e164 in session.execute(
            select(Phone.contact_id, Phone.e164).where(
                Phone.contact_id.in_(chunk), Phone.e164.is_not(None)
            )
        ):
            numbers.setdefault(contact_id, set()).add(e164)
    return numbers
