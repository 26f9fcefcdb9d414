"""Which column of a file holds what: a mapping bound to the file's columns, as the row
judgement and the column path read it."""

from __future__ import annotations

from dataclasses import dataclass, field

from calldesk.importing.mapping import PHONE_FIELDS


@dataclass
class _Target:
    """Columns of a batch by what they hold."""

    first: int | None = None
    last: int | None = None
    full: int | None = None
    middle: int | None = None
    title: int | None = None
    company: int | None = None
    emails: list[int] = field(default_factory=list)
    phones: list[tuple[int, str]] = field(default_factory=list)  # (column, label)
    phone_code: int | None = None
    extra_phones: int | None = None
    extension: int | None = None
    street: list[int] = field(default_factory=list)
    city: int | None = None
    state: int | None = None
    postal_code: int | None = None
    country: int | None = None
    notes: int | None = None
    website: int | None = None
    industry: int | None = None
    rating: int | None = None
    booth_notes: int | None = None
    registered: int | None = None
    attended: int | None = None
    minutes: int | None = None
    questions: int | None = None
    download: int | None = None
    engaged_at: int | None = None
    external_id: int | None = None
    custom: list[int] = field(default_factory=list)

    @classmethod
    def from_bound(cls, bound: dict[int, str], width: int, ignored: set[int]) -> _Target:
        t = cls()
        simple = {
            "first_name": "first",
            "last_name": "last",
            "full_name": "full",
            "middle_initial": "middle",
            "title": "title",
            "company": "company",
            "phone_code": "phone_code",
            "extra_phones": "extra_phones",
            "extension": "extension",
            "city": "city",
            "state": "state",
            "postal_code": "postal_code",
            "country": "country",
            "notes": "notes",
            "website": "website",
            "industry": "industry",
            "rating": "rating",
            "booth_notes": "booth_notes",
            "registered": "registered",
            "attended": "attended",
            "minutes_attended": "minutes",
            "questions_asked": "questions",
            "download_title": "download",
            "engaged_at": "engaged_at",
            "external_id": "external_id",
        }
        for index in range(width):
            target = bound.get(index)
            if target is None:
                if index not in ignored:
                    t.custom.append(index)
            elif target == "email":
                t.emails.append(index)
            elif target in PHONE_FIELDS:
                t.phones.append((index, PHONE_FIELDS[target]))
            elif target in ("street", "street2", "street3"):
                t.street.append(index)
            elif target in simple:
                if getattr(t, simple[target]) is None:
                    setattr(t, simple[target], index)
                else:
                    t.custom.append(index)
        return t

    @property
    def has_contact_columns(self) -> bool:
        return bool(
            self.emails
            or self.phones
            or self.extra_phones is not None
            or self.first is not None
            or self.last is not None
            or self.full is not None
            or self.company is not None
        )

    @property
    def has_engagement(self) -> bool:
        return any(
            x is not None
            for x in (
                self.rating,
                self.booth_notes,
                self.registered,
                self.attended,
                self.minutes,
                self.questions,
                self.download,
            )
        )
