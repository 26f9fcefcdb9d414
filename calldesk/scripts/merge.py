"""Merge fields: ``{first_name}``, ``{company}``, ``{booth_notes|the show}`` in script text.

A field is written ``{name}`` or ``{name|fallback}``; ``{{`` and ``}}`` are literal braces.
``{custom.COLUMN}`` reads an unmapped import column kept on the contact. Unknown names are a
validation error (see :func:`find_fields`); a field with no value and no fallback renders as
``[name]`` so the rep sees the gap instead of reading out an empty sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

MERGE_FIELDS: dict[str, str] = {
    "first_name": "the contact's first name",
    "last_name": "the contact's last name",
    "full_name": "the contact's full name",
    "title": "the contact's job title",
    "company": "the contact's company",
    "city": "the contact's city",
    "state": "the contact's state or province",
    "country": "the contact's country code",
    "event_name": "the event the contact came from (trade show, webinar, ...)",
    "event_date": "the date of that event",
    "event_kind": "trade_show, webinar, seminar, whitepaper, ...",
    "booth_notes": "notes taken at the booth",
    "booth_rating": "hot, warm or cold",
    "download_title": "the whitepaper or asset the contact downloaded",
    "questions_asked": "questions the contact asked at the event",
    "attended": "'attended' or 'registered only' (webinars)",
    "list_name": "the list the contact was imported from",
    "rep_name": "the rep on the call",
    "rep_first_name": "the rep's first name",
    "our_company": "our company's name (store setting 'our_company')",
    "referred_by": "the colleague who named the contact (a referral captured on a call)",
}

# Example values for previews (the script editor's try-it runner), one per field.
SAMPLE_VALUES: dict[str, str] = {
    "first_name": "Jordan",
    "last_name": "Lee",
    "full_name": "Jordan Lee",
    "title": "Head of Operations",
    "company": "Northwind Traders",
    "city": "Denver",
    "state": "CO",
    "country": "US",
    "event_name": "DataWorld 2026",
    "event_date": "November 18",
    "event_kind": "trade_show",
    "booth_notes": "asked about the API and SSO",
    "booth_rating": "hot",
    "download_title": "The 2026 Data Quality Guide",
    "questions_asked": "Does it work offline?",
    "attended": "attended",
    "list_name": "Vendor X list",
    "rep_name": "Maya Ortiz",
    "rep_first_name": "Maya",
    "our_company": "calldesk demo",
    "referred_by": "Sam Rivera",
}

_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}")
_NAME = re.compile(r"^(custom\.[A-Za-z0-9_ .-]+|[a-z_]+)$")


@dataclass(frozen=True)
class FieldUse:
    """One ``{...}`` in a text: the field name (None when malformed), its fallback, its offset."""

    name: str | None
    fallback: str | None
    raw: str
    offset: int


def find_fields(template: str) -> list[FieldUse]:
    """Every merge field written in ``template``, in order."""
    uses: list[FieldUse] = []
    for match in _TOKEN.finditer(template):
        inner = match.group(1)
        if inner is None:  # "{{" or "}}"
            continue
        name, _, fallback = inner.partition("|")
        name = name.strip()
        uses.append(
            FieldUse(
                name if _NAME.match(name) else None,
                fallback if "|" in inner else None,
                match.group(0),
                match.start(),
            )
        )
    return uses


def is_known(name: str) -> bool:
    return name in MERGE_FIELDS or name.startswith("custom.")


@dataclass(frozen=True)
class Rendered:
    """Text with its merge fields filled in, and the fields that had no value."""

    text: str
    missing: tuple[str, ...]


def render(template: str, values: dict[str, str | None]) -> Rendered:
    """Fill ``template``'s merge fields from ``values`` (see the module docstring)."""
    missing: list[str] = []

    def fill(match: re.Match[str]) -> str:
        inner = match.group(1)
        if inner is None:
            return match.group(0)[0]
        name, bar, fallback = inner.partition("|")
        name = name.strip()
        value = values.get(name)
        if value not in (None, ""):
            return str(value)
        if bar:
            return fallback
        missing.append(name)
        return f"[{name}]"

    return Rendered(_TOKEN.sub(fill, template), tuple(dict.fromkeys(missing)))


# What an empty field leaves behind in a sentence: "at the show, ." / "Thank you , I'll".
_SPACE_BEFORE_PUNCT = re.compile(r"[ \t]+([,.;:!?])")
_COMMA_BEFORE_STOP = re.compile(r",+\s*([.!?])")
_DOUBLE_COMMA = re.compile(r",(\s*,)+")
_SPACES = re.compile(r"[ \t]{2,}")


# What a referred contact hears first, whatever the script: she never visited the booth or
# joined the webinar her colleague did, so the opener names the colleague who sent the rep.
REFERRAL_OPENER = (
    "Hi {first_name|there}, this is {rep_name} from {our_company|our team}. {referred_by} at "
    "{company|your company} suggested I speak with you: they told me you are the person who "
    "looks after this. Do you have a minute?"
)


def speakable(template: str, values: dict[str, str | None]) -> str:
    """``template`` rendered for reading aloud: no merge syntax, no stray commas or spaces.

    Fields without a value use their fallback (``{first_name|}`` is simply left out); one with
    no fallback shows as ``[name]`` so the rep sees the gap (see :func:`render`).
    """
    text = render(template, values).text
    text = _DOUBLE_COMMA.sub(",", text)
    text = _COMMA_BEFORE_STOP.sub(r"\1", text)
    text = _SPACE_BEFORE_PUNCT.sub(r"\1", text)
    text = _SPACES.sub(" ", text)
    return text


def merge_values(
    session: Session, contact: Any, rep: Any | None = None, *, event_id: int | None = None
) -> dict[str, str | None]:
    """The merge-field values for ``contact`` called by ``rep``.

    Event fields come from the contact's engagement with ``event_id`` (the event of the sprint
    she is worked in) when she has one; otherwise from the engagement the rep can speak to most
    personally: one with booth notes first (a contact at the booth and on the webinar hears
    about the booth), then a trade show, then the latest. A referred contact also gets
    ``referred_by``, the name of the colleague who named her.
    """
    from calldesk.models import (
        CallList,
        Company,
        Event,
        EventEngagement,
        ListMember,
        Setting,
    )

    company = session.get(Company, contact.company_id) if contact.company_id else None
    values: dict[str, str | None] = {
        "first_name": contact.first_name,
        "last_name": contact.last_name,
        "full_name": contact.full_name if (contact.first_name or contact.last_name) else None,
        "title": contact.title,
        "company": company.name if company else None,
        "city": contact.city,
        "state": contact.state,
        "country": contact.country,
    }
    query = (
        select(EventEngagement, Event)
        .join(Event, Event.id == EventEngagement.event_id)
        .where(EventEngagement.contact_id == contact.id)
    )
    preferred = () if event_id is None else (EventEngagement.event_id != event_id,)
    row = session.execute(
        query.order_by(
            *preferred,
            EventEngagement.booth_notes.is_(None),
            Event.kind != "trade_show",
            Event.event_date.desc().nulls_last(),
            EventEngagement.id.desc(),
        ).limit(1)
    ).first()
    if row is not None:
        engagement, event = row
        values.update(
            event_name=event.name,
            event_date=f"{event.event_date:%B} {event.event_date.day}"
            if event.event_date
            else None,
            event_kind=event.kind,
            booth_notes=engagement.booth_notes,
            booth_rating=engagement.rating,
            download_title=engagement.download_title,
            questions_asked=engagement.questions_asked,
            attended=None
            if engagement.attended is None
            else ("attended" if engagement.attended else "registered only"),
        )
    list_name = session.scalar(
        select(CallList.name)
        .join(ListMember, ListMember.list_id == CallList.id)
        .where(ListMember.contact_id == contact.id)
        .order_by(ListMember.added_at.desc())
        .limit(1)
    )
    values["list_name"] = list_name
    referrer_id = getattr(contact, "referred_by_id", None)
    if referrer_id:
        from calldesk.models import Contact

        referrer = session.get(Contact, referrer_id)
        values["referred_by"] = (
            referrer.full_name if referrer and (referrer.first_name or referrer.last_name) else None
        )
    if rep is not None:
        values["rep_name"] = rep.name
        values["rep_first_name"] = rep.name.split()[0] if rep.name else None
    setting = session.get(Setting, "our_company")
    values["our_company"] = str(setting.value) if setting and setting.value else None
    for key, value in (contact.custom or {}).items():
        values[f"custom.{key}"] = None if value is None else str(value)
    return values
