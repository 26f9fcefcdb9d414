"""Everything calldesk keeps, as typed SQLAlchemy 2 models on one declarative base.

Conventions:
- every timestamp is UTC; :class:`UTCDateTime` stores naive UTC and hands back aware datetimes,
  so SQLite and PostgreSQL behave the same;
- portable column types only (JSON, not JSONB), so one migration set serves both back ends;
- queue columns live on :class:`Contact` so that the partial index the queue seeks on covers
  unclaimed callable contacts without joins.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.sql.expression import false
from sqlalchemy.types import DateTime, TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timestamp stored as naive UTC and returned as an aware UTC datetime."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r} given where UTC is required")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if isinstance(value, str):  # raw SQLite text from a hand-written query
            value = dt.datetime.fromisoformat(value)
        return value.replace(tzinfo=dt.UTC)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# The partial indexes' predicates on PostgreSQL, given to the indexes by
# :func:`postgresql_predicates` when a PostgreSQL engine is made: named in Index() they would
# import SQLAlchemy's PostgreSQL dialect on every start (~30 ms of `calldesk queue next` on a
# SQLite desk). The migrations write them out themselves.
_POSTGRESQL_WHERE: dict[str, str] = {}


def _partial(name: str, *columns: str, sqlite: str, postgresql: str | None = None) -> Index:
    """A partial index: ``sqlite`` is its predicate on SQLite, ``postgresql`` (the same when
    not given) on PostgreSQL."""
    _POSTGRESQL_WHERE[name] = postgresql or sqlite
    return Index(name, *columns, sqlite_where=text(sqlite))


def postgresql_predicates() -> None:
    """Give the partial indexes their PostgreSQL predicates (again: no change)."""
    for table in Base.metadata.tables.values():
        for index in table.indexes:
            where = _POSTGRESQL_WHERE.get(index.name or "")
            if where is not None and index.dialect_options["postgresql"]["where"] is None:
                index.dialect_options["postgresql"]["where"] = text(where)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        dt.datetime: UTCDateTime(),
        dict[str, Any]: JSON(),
        list[Any]: JSON(),
        Decimal: Numeric(12, 2),
    }


# --- people ---------------------------------------------------------------------------------


class Rep(Base):
    """Someone who uses the desk: a qualifier on the phone, a field rep, or a manager."""

    __tablename__ = "reps"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    email: Mapped[str | None] = mapped_column(String(254))
    role: Mapped[str] = mapped_column(String(20), default="qualifier")  # qualifier|field|manager
    territory: Mapped[str | None] = mapped_column(String(200))  # e.g. "US-CA,US-OR,CA-BC"
    time_zone: Mapped[str] = mapped_column(String(64), default="America/New_York")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Company(Base):
    """An account: the organisation contacts work for."""

    __tablename__ = "companies"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    name_key: Mapped[str] = mapped_column(String(300), index=True)  # casefolded, for matching
    website: Mapped[str | None] = mapped_column(String(300))
    industry: Mapped[str | None] = mapped_column(String(120))
    city: Mapped[str | None] = mapped_column(String(120))
    state: Mapped[str | None] = mapped_column(String(10))
    country: Mapped[str | None] = mapped_column(String(2))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    import_run_id: Mapped[int | None] = mapped_column(Integer)  # the import that added it

    contacts: Mapped[list[Contact]] = relationship(back_populates="company")


class Contact(Base):
    """A person to call, with the queue state that decides when they are offered."""

    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id"), index=True)
    first_name: Mapped[str | None] = mapped_column(String(120))
    last_name: Mapped[str | None] = mapped_column(String(120))
    title: Mapped[str | None] = mapped_column(String(200))
    street: Mapped[str | None] = mapped_column(String(300))
    city: Mapped[str | None] = mapped_column(String(120))
    state: Mapped[str | None] = mapped_column(String(10))  # ISO 3166-2 subdivision, e.g. "FL"
    postal_code: Mapped[str | None] = mapped_column(String(20))
    country: Mapped[str | None] = mapped_column(String(2))  # ISO 3166-1 alpha-2
    time_zone_override: Mapped[str | None] = mapped_column(String(64))  # set by a manager
    notes: Mapped[str | None] = mapped_column(Text)
    custom: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # unmapped import columns
    referred_by_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    # Queue state -------------------------------------------------------------------------
    # stage: new|working|callback|nurture|appointment|closed|needs_review
    stage: Mapped[str] = mapped_column(String(20), default="new")
    grade: Mapped[str | None] = mapped_column(String(1))  # A|B|C|D
    grade_why: Mapped[str | None] = mapped_column(Text)
    closed_reason: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_attempt_at: Mapped[dt.datetime | None] = mapped_column()
    next_eligible_at: Mapped[dt.datetime | None] = mapped_column()  # null: eligible now
    dnc: Mapped[bool] = mapped_column(Boolean, default=False)
    callable: Mapped[bool] = mapped_column(Boolean, default=True)  # false: closed, DNC, no phone
    # Where the contact is, as the calling rules see it: one key per distinct set of
    # (country, states, time zones), e.g. "US|FL|America/New_York". Null: cannot be
    # determined, so never offered (fail closed) until a manager sets it.
    locale_key: Mapped[str | None] = mapped_column(String(200))
    needs_review_reason: Mapped[str | None] = mapped_column(Text)
    priority: Mapped[int] = mapped_column(Integer, default=0)  # higher is called first
    tier: Mapped[int] = mapped_column(Integer, default=2)  # 1 event sprint, 2 list (queue_rank)
    engagement: Mapped[int] = mapped_column(Integer, default=0)  # event heat, higher first
    claimed_by_id: Mapped[int | None] = mapped_column(ForeignKey("reps.id"))
    claim_expires_at: Mapped[dt.datetime | None] = mapped_column()
    # The campaign the contact is worked under (null: the default campaign) and its place in
    # the queue, lower first: tier, then priority and engagement, higher first (see
    # calldesk.campaigns.queue_rank). Denormalised so the queue seeks one index; no foreign
    # key so adding the column never rebuilds this table on SQLite.
    campaign_id: Mapped[int | None] = mapped_column(Integer)
    queue_rank: Mapped[int] = mapped_column(
        BigInteger, default=2_000_000_000_000_000, server_default="2000000000000000"
    )
    # The record's id at the vendor or CRM it came from (VICIdial vendor_lead_code, Salesforce
    # Id, HubSpot Record ID): keeps distinct records apart and names the record on sync back.
    external_id: Mapped[str | None] = mapped_column(String(200))
    # The import run that created the contact (its rows are removed if that run is cancelled
    # or fails; while it runs they are held back from the queue).
    import_run_id: Mapped[int | None] = mapped_column(Integer)

    company: Mapped[Company | None] = relationship(back_populates="contacts")
    phones: Mapped[list[Phone]] = relationship(
        back_populates="contact", cascade="all, delete-orphan", order_by="Phone.position"
    )
    emails: Mapped[list[Email]] = relationship(
        back_populates="contact", cascade="all, delete-orphan"
    )

    __table_args__ = (
        # The queue's seek: contacts ready now (callable, unclaimed, not cooling down), best
        # band first (queue_rank, attempts); within a band one seek per open locale key.
        # Cooling-down contacts (next_eligible_at set) stay out of it until the queue wakes
        # them, and claimed ones leave it, so a seek never walks over either.
        _partial(
            "ix_contacts_queue",
            "queue_rank",
            "attempts",
            "locale_key",
            "last_attempt_at",
            "id",
            sqlite="callable = 1 AND claimed_by_id IS NULL AND next_eligible_at IS NULL",
            postgresql="callable AND claimed_by_id IS NULL AND next_eligible_at IS NULL",
        ),
        # The same seek for one campaign (``queue next --campaign``).
        _partial(
            "ix_contacts_queue_campaign",
            "campaign_id",
            "queue_rank",
            "attempts",
            "locale_key",
            "last_attempt_at",
            "id",
            sqlite="callable = 1 AND claimed_by_id IS NULL AND next_eligible_at IS NULL",
            postgresql="callable AND claimed_by_id IS NULL AND next_eligible_at IS NULL",
        ),
        # The distinct locale keys (the queue asks the rules about each key, not each contact).
        Index("ix_contacts_locale", "locale_key"),
        # Cooling-down contacts by the time they become eligible again (the queue's wake-up).
        _partial(
            "ix_contacts_cooling",
            "next_eligible_at",
            sqlite="next_eligible_at IS NOT NULL",
        ),
        _partial(
            "ix_contacts_claims",
            "claim_expires_at",
            sqlite="claimed_by_id IS NOT NULL",
        ),
        Index("ix_contacts_name", "last_name", "first_name"),
        # Graded contacts by grade (the export, the forgotten-leads report: "grade IN (...)"
        # implies the predicate); most contacts are not graded and stay out of it.
        _partial("ix_contacts_grade_stage", "grade", "stage", sqlite="grade IS NOT NULL"),
        # Contacts per campaign for the reports (one index pass, no table read).
        Index("ix_contacts_campaign", "campaign_id"),
    )

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p) or "(no name)"


class Phone(Base):
    """One phone number of a contact: the raw text as imported and what phonenumbers made of it."""

    __tablename__ = "phones"

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    label: Mapped[str | None] = mapped_column(String(40))  # work|mobile|home|main|other
    raw: Mapped[str] = mapped_column(String(100))
    e164: Mapped[str | None] = mapped_column(String(20))  # null when invalid
    extension: Mapped[str | None] = mapped_column(String(20))
    number_type: Mapped[str | None] = mapped_column(String(20))  # FIXED_LINE, MOBILE, ...
    region: Mapped[str | None] = mapped_column(String(2))
    time_zones: Mapped[str | None] = mapped_column(String(300))  # "|"-joined IANA names
    valid: Mapped[bool] = mapped_column(Boolean, default=True)
    invalid_reason: Mapped[str | None] = mapped_column(String(200))
    shared: Mapped[bool] = mapped_column(Boolean, default=False)  # other people answer on it
    import_run_id: Mapped[int | None] = mapped_column(Integer)  # the import that added it
    dnc: Mapped[bool] = mapped_column(Boolean, default=False)
    # A business line (marked by hand, an import column or the campaign's default): the
    # business exemptions of each calling rule apply. Unmarked: consumer rules (fail closed).
    business: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    contact: Mapped[Contact] = relationship(back_populates="phones")

    __table_args__ = (
        Index("ix_phones_e164", "e164", "extension"),
        Index("ix_phones_contact", "contact_id", "position"),
    )


class Email(Base):
    __tablename__ = "emails"

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    address: Mapped[str] = mapped_column(String(254))
    address_key: Mapped[str] = mapped_column(String(254), index=True)  # lower-cased
    shared: Mapped[bool] = mapped_column(Boolean, default=False)
    role_address: Mapped[bool] = mapped_column(Boolean, default=False)  # info@, sales@, ...
    import_run_id: Mapped[int | None] = mapped_column(Integer)  # the import that added it

    contact: Mapped[Contact] = relationship(back_populates="emails")

    __table_args__ = (Index("ix_emails_contact", "contact_id"),)


class PossibleDuplicate(Base):
    """Two contacts that might be one person (Bob/Robert), for a person to merge or keep apart."""

    __tablename__ = "possible_duplicates"

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    other_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(String(200))
    resolution: Mapped[str | None] = mapped_column(String(20))  # merged|distinct
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("contact_id", "other_id"),)


# --- lists and events -----------------------------------------------------------------------


class Event(Base):
    """A trade show, webinar, seminar or download campaign whose contacts are followed up."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(20))  # trade_show|webinar|seminar|whitepaper|...
    event_date: Mapped[dt.date | None] = mapped_column(Date)
    follow_up_deadline: Mapped[dt.date | None] = mapped_column(Date)
    location: Mapped[str | None] = mapped_column(String(200))
    cost: Mapped[Decimal | None] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class EventEngagement(Base):
    """What one contact did at one event: booth rating and notes, attendance, questions."""

    __tablename__ = "event_engagements"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    rating: Mapped[str | None] = mapped_column(String(20))  # hot|warm|cold
    booth_notes: Mapped[str | None] = mapped_column(Text)
    registered: Mapped[bool] = mapped_column(Boolean, default=True)
    attended: Mapped[bool | None] = mapped_column(Boolean)
    minutes_attended: Mapped[int | None] = mapped_column(Integer)
    questions_asked: Mapped[str | None] = mapped_column(Text)
    download_title: Mapped[str | None] = mapped_column(String(300))
    score: Mapped[int] = mapped_column(Integer, default=0)  # engagement heat for the queue
    engaged_at: Mapped[dt.datetime | None] = mapped_column()
    import_run_id: Mapped[int | None] = mapped_column(Integer)  # the import that added it

    __table_args__ = (
        UniqueConstraint("event_id", "contact_id"),
        Index("ix_event_engagements_contact", "contact_id"),
    )


class CallList(Base):
    """A list of contacts as it was imported: purchased list, event report, CRM extract."""

    __tablename__ = "call_lists"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    source_kind: Mapped[str] = mapped_column(String(20), default="purchased")
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id"))
    default_country: Mapped[str] = mapped_column(String(2), default="US")
    mapping_name: Mapped[str | None] = mapped_column(String(120))
    cost: Mapped[Decimal | None] = mapped_column()
    row_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ListMember(Base):
    __tablename__ = "list_members"

    list_id: Mapped[int] = mapped_column(
        ForeignKey("call_lists.id", ondelete="CASCADE"), primary_key=True
    )
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True
    )
    source_row: Mapped[int | None] = mapped_column(Integer)
    added_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    import_run_id: Mapped[int | None] = mapped_column(Integer)  # the import that added it

    __table_args__ = (Index("ix_list_members_contact", "contact_id"),)


class SavedMapping(Base):
    """A column mapping saved by name ("Vendor X") for the next file of the same shape."""

    __tablename__ = "saved_mappings"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    mapping: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ImportRun(Base):
    """One run of the importer: what it read, what it stored, and the rows it refused."""

    __tablename__ = "import_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    list_id: Mapped[int | None] = mapped_column(ForeignKey("call_lists.id", ondelete="SET NULL"))
    file_name: Mapped[str] = mapped_column(String(500))
    file_sha256: Mapped[str | None] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(20), default="running")  # running|done|failed
    stats: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column()
    # Last sign of life of a run that writes in batches: a run gone quiet (its process killed)
    # is cleaned up by the next import.
    heartbeat_at: Mapped[dt.datetime | None] = mapped_column()


class ImportError_(Base):
    """A rejected or questionable row of an import, with the raw value and why."""

    __tablename__ = "import_errors"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("import_runs.id", ondelete="CASCADE"))
    row: Mapped[int] = mapped_column(Integer)
    column: Mapped[str | None] = mapped_column(String(200))
    value: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(String(300))
    # Who the row is, so the vendor can find and fix it: name, company, the vendor's own id.
    name: Mapped[str | None] = mapped_column(String(250))
    company: Mapped[str | None] = mapped_column(String(300))
    external_id: Mapped[str | None] = mapped_column(String(200))

    __table_args__ = (Index("ix_import_errors_run", "run_id", "row"),)


# --- campaigns and scripts ------------------------------------------------------------------


class Script(Base):
    """One version of a qualification script (YAML text, validated on load)."""

    __tablename__ = "scripts"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120))
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("key", "version"),)


class Campaign(Base):
    """What a queue is built from: lists and events, a script, calling rules, a priority."""

    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(20), default="list")  # list|event_sprint
    script_key: Mapped[str | None] = mapped_column(String(120))
    priority: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id"))
    deadline: Mapped[dt.date | None] = mapped_column(Date)
    # Narrowing of the legal rule packs (hours, days, holidays), caps and retry delays.
    rules: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class CampaignList(Base):
    __tablename__ = "campaign_lists"

    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True
    )
    list_id: Mapped[int] = mapped_column(
        ForeignKey("call_lists.id", ondelete="CASCADE"), primary_key=True
    )


class Disposition(Base):
    """The result of one call, as data: code, label, hotkey and what follows it."""

    __tablename__ = "dispositions"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    label: Mapped[str] = mapped_column(String(80))
    hotkey: Mapped[str | None] = mapped_column(String(20))
    conversation: Mapped[bool] = mapped_column(Boolean, default=False)
    retry_minutes: Mapped[int | None] = mapped_column(Integer)  # null: never again
    retry_rule: Mapped[str | None] = mapped_column(String(40))  # e.g. next_business_day
    requires_notes: Mapped[bool] = mapped_column(Boolean, default=False)
    requires_callback: Mapped[bool] = mapped_column(Boolean, default=False)
    final: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer, default=0)


# --- calls and what follows them ------------------------------------------------------------


class Claim(Base):
    """A rep's lease on a contact while its card is open."""

    __tablename__ = "claims"

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    rep_id: Mapped[int] = mapped_column(ForeignKey("reps.id"))
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"))
    callback_id: Mapped[int | None] = mapped_column(ForeignKey("callbacks.id"))
    claimed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column()
    released_at: Mapped[dt.datetime | None] = mapped_column()
    reason: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # why this contact, why now

    __table_args__ = (
        Index("ix_claims_contact", "contact_id"),
        # The claims a rep still holds (released when the rep moves on).
        _partial(
            "ix_claims_open",
            "rep_id",
            sqlite="released_at IS NULL",
        ),
    )


class Attempt(Base):
    """One dial of one number, with its disposition, notes, answers and timestamps."""

    __tablename__ = "attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    phone_id: Mapped[int | None] = mapped_column(ForeignKey("phones.id", ondelete="SET NULL"))
    rep_id: Mapped[int | None] = mapped_column(ForeignKey("reps.id"))
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"))
    claim_id: Mapped[int | None] = mapped_column(ForeignKey("claims.id"))
    number_dialled: Mapped[str | None] = mapped_column(String(40))
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[dt.datetime | None] = mapped_column()
    disposition: Mapped[str] = mapped_column(String(40))
    conversation: Mapped[bool] = mapped_column(Boolean, default=False)
    notes: Mapped[str | None] = mapped_column(Text)
    answers: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    script_key: Mapped[str | None] = mapped_column(String(120))
    script_version: Mapped[int | None] = mapped_column(Integer)
    grade: Mapped[str | None] = mapped_column(String(1))
    grade_why: Mapped[str | None] = mapped_column(Text)
    local_hour: Mapped[int | None] = mapped_column(Integer)  # contact's local clock, reports
    local_weekday: Mapped[int | None] = mapped_column(Integer)  # 0 Monday
    manual: Mapped[bool] = mapped_column(Boolean, default=False)  # number typed by hand
    override_by: Mapped[str | None] = mapped_column(String(120))
    override_reason: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        Index("ix_attempts_rep_started", "rep_id", "started_at"),
        # Covering indexes for the reports (calldesk.reports): per-contact funnel figures,
        # per-rep scorecards and the best-hour grid each read one index, never the table.
        # ix_attempts_report_contact also serves look-ups by contact and time (the caps), and
        # ix_attempts_report_time those by time alone (migration 0006 dropped the narrower two).
        Index(
            "ix_attempts_report_contact",
            "contact_id",
            "started_at",
            "conversation",
            "grade",
            "rep_id",
        ),
        Index(
            "ix_attempts_report_rep", "rep_id", "contact_id", "started_at", "conversation", "grade"
        ),
        Index(
            "ix_attempts_report_hours", "local_weekday", "local_hour", "conversation", "started_at"
        ),
        # Reports over a date range read only that range of this one.
        Index(
            "ix_attempts_report_time",
            "started_at",
            "contact_id",
            "rep_id",
            "conversation",
            "grade",
            "local_weekday",
            "local_hour",
        ),
    )


class Callback(Base):
    """A dated promise to call again: personal (only this rep) or open (anyone)."""

    __tablename__ = "callbacks"

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    rep_id: Mapped[int | None] = mapped_column(ForeignKey("reps.id"))
    attempt_id: Mapped[int | None] = mapped_column(ForeignKey("attempts.id", use_alter=True))
    due_at: Mapped[dt.datetime] = mapped_column()
    personal: Mapped[bool] = mapped_column(Boolean, default=True)
    kind: Mapped[str] = mapped_column(
        String(20), default="callback"
    )  # callback|follow_up|nurture|rejected
    notes: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="open")  # open|done|cancelled
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    done_at: Mapped[dt.datetime | None] = mapped_column()

    __table_args__ = (
        _partial(
            "ix_callbacks_due",
            "due_at",
            sqlite="status = 'open'",
        ),
        Index("ix_callbacks_contact", "contact_id"),
    )


class Appointment(Base):
    """A meeting booked for a field rep by a qualifier, and what became of it."""

    __tablename__ = "appointments"

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(120), unique=True)  # iCalendar UID, stable
    sequence: Mapped[int] = mapped_column(Integer, default=0)  # iCalendar SEQUENCE
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    field_rep_id: Mapped[int] = mapped_column(ForeignKey("reps.id"))
    qualifier_id: Mapped[int | None] = mapped_column(ForeignKey("reps.id"))
    attempt_id: Mapped[int | None] = mapped_column(ForeignKey("attempts.id"))
    starts_at: Mapped[dt.datetime] = mapped_column()
    ends_at: Mapped[dt.datetime] = mapped_column()
    contact_time_zone: Mapped[str | None] = mapped_column(String(64))
    location: Mapped[str | None] = mapped_column(String(300))
    meeting_link: Mapped[str | None] = mapped_column(String(500))
    summary: Mapped[str | None] = mapped_column(Text)  # the qualification summary
    # booked|accepted|rejected|cancelled
    status: Mapped[str] = mapped_column(String(20), default="booked")
    reject_reason: Mapped[str | None] = mapped_column(String(40))
    reject_text: Mapped[str | None] = mapped_column(Text)
    # held|no_show|rescheduled|opportunity|won|lost
    outcome: Mapped[str | None] = mapped_column(String(20))
    outcome_at: Mapped[dt.datetime | None] = mapped_column()
    feedback: Mapped[str | None] = mapped_column(Text)
    reviewed_at: Mapped[dt.datetime | None] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (
        Index("ix_appointments_field_rep", "field_rep_id", "starts_at"),
        Index("ix_appointments_qualifier", "qualifier_id", "starts_at"),
        Index("ix_appointments_contact", "contact_id"),
    )


# --- do not call ----------------------------------------------------------------------------


class DncSnapshot(Base):
    """One registry file imported into the DNC list, with the date it was taken."""

    __tablename__ = "dnc_snapshots"

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(40))  # us_national|ca_dncl|uk_tps|file
    country: Mapped[str | None] = mapped_column(String(2))
    file_name: Mapped[str] = mapped_column(String(500))
    file_date: Mapped[dt.date | None] = mapped_column(Date)
    numbers: Mapped[int] = mapped_column(Integer, default=0)
    imported_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class DncEntry(Base):
    """A number that must never be offered nor exported for calling."""

    __tablename__ = "dnc_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    e164: Mapped[str] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(40), default="internal")
    snapshot_id: Mapped[int | None] = mapped_column(
        ForeignKey("dnc_snapshots.id", ondelete="CASCADE")
    )
    reason: Mapped[str | None] = mapped_column(Text)
    added_by: Mapped[str | None] = mapped_column(String(120))
    added_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("e164", "source"), Index("ix_dnc_entries_e164", "e164"))


# --- sync and audit -------------------------------------------------------------------------


class OutboxEntry(Base):
    """Something to hand on (a grade, an appointment, an outcome), written with the outcome."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = mapped_column(String(40))  # lead.graded|appointment.booked|...
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contacts.id", ondelete="SET NULL"), index=True
    )
    appointment_id: Mapped[int | None] = mapped_column(
        ForeignKey("appointments.id", ondelete="SET NULL")
    )
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class OutboxDelivery(Base):
    """Delivery state of one outbox entry to one named target."""

    __tablename__ = "outbox_deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    outbox_id: Mapped[int] = mapped_column(ForeignKey("outbox.id", ondelete="CASCADE"))
    target: Mapped[str] = mapped_column(String(80))
    state: Mapped[str] = mapped_column(
        String(20), default="pending"
    )  # pending|delivered|failed|skipped
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_try_at: Mapped[dt.datetime | None] = mapped_column()
    delivered_at: Mapped[dt.datetime | None] = mapped_column()

    __table_args__ = (
        UniqueConstraint("outbox_id", "target"),
        Index("ix_outbox_deliveries_target_state", "target", "state", "next_try_at"),
        # The sync takes a target's oldest pending entries: seek in order, never sort them all.
        Index("ix_outbox_deliveries_head", "target", "state", "outbox_id"),
    )


class AuditEntry(Base):
    """Who changed what and why: DNC removals, overrides, merges, script edits."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    actor: Mapped[str | None] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(60))
    entity: Mapped[str] = mapped_column(String(60))
    entity_id: Mapped[str | None] = mapped_column(String(60))
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    __table_args__ = (Index("ix_audit_log_entity", "entity", "entity_id"),)


class Setting(Base):
    """Store-wide settings shared by a team (per-user preferences live in the config dir)."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)


# --- report summaries -----------------------------------------------------------------------
# Derived from the attempts by calldesk.reports.summary, which folds new attempts in before
# each report (written nowhere else), so that whole-store reports read a row per contact, rep
# or hour instead of grouping every attempt. Safe to empty: the next report rebuilds them.


class ReportContact(Base):
    """One contact's attempts, folded: dials, conversations, best grade, first touch."""

    __tablename__ = "report_contacts"

    contact_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    dials: Mapped[int] = mapped_column(Integer)
    conversations: Mapped[int] = mapped_column(Integer)
    best_grade: Mapped[str | None] = mapped_column(String(1))  # A before B before C before D
    first_at: Mapped[dt.datetime] = mapped_column()
    first_conversation_at: Mapped[dt.datetime | None] = mapped_column()
    first_touch_s: Mapped[int] = mapped_column(BigInteger)  # import to first attempt, seconds


class ReportRepContact(Base):
    """One rep's attempts on one contact, folded (rep_id 0: attempts without a rep)."""

    __tablename__ = "report_rep_contacts"

    contact_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    rep_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    dials: Mapped[int] = mapped_column(Integer)
    conversations: Mapped[int] = mapped_column(Integer)
    best_grade: Mapped[str | None] = mapped_column(String(1))
    first_at: Mapped[dt.datetime] = mapped_column()
    first_conversation_at: Mapped[dt.datetime | None] = mapped_column()
    first_touch_s: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = {"sqlite_with_rowid": False}


class ReportTotal(Base):
    """Sums of the folded contact rows: the whole store (kind "all") and each rep ("rep")."""

    __tablename__ = "report_totals"

    kind: Mapped[str] = mapped_column(String(10), primary_key=True)
    key: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    contacts: Mapped[int] = mapped_column(BigInteger)  # contacts dialled
    reached: Mapped[int] = mapped_column(BigInteger)
    dials: Mapped[int] = mapped_column(BigInteger)
    conversations: Mapped[int] = mapped_column(BigInteger)
    graded: Mapped[int] = mapped_column(BigInteger)
    grade_a: Mapped[int] = mapped_column(BigInteger)
    grade_b: Mapped[int] = mapped_column(BigInteger)
    grade_c: Mapped[int] = mapped_column(BigInteger)
    grade_d: Mapped[int] = mapped_column(BigInteger)
    first_touch_s: Mapped[int] = mapped_column(BigInteger)


class ReportRepHour(Base):
    """Dials, conversations and grades per rep and UTC clock hour (rep_id 0: no rep)."""

    __tablename__ = "report_rep_hours"

    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    hour: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    rep_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    dials: Mapped[int] = mapped_column(Integer)
    conversations: Mapped[int] = mapped_column(Integer)
    grade_a: Mapped[int] = mapped_column(Integer)
    grade_b: Mapped[int] = mapped_column(Integer)
    grade_c: Mapped[int] = mapped_column(Integer)
    grade_d: Mapped[int] = mapped_column(Integer)

    __table_args__ = {"sqlite_with_rowid": False}


class ReportLocalHour(Base):
    """Dials and conversations per UTC day, rep and the contact's local weekday and hour."""

    __tablename__ = "report_local_hours"

    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    rep_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    local_weekday: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    local_hour: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    dials: Mapped[int] = mapped_column(Integer)
    conversations: Mapped[int] = mapped_column(Integer)

    __table_args__ = {"sqlite_with_rowid": False}


class ClosedDay(Base):
    """A day a manager closed for calling in a country or state, with its source (a governor's
    proclaimed holiday, Louisiana's emergency ban): the rules treat it like a holiday."""

    __tablename__ = "closed_days"

    id: Mapped[int] = mapped_column(primary_key=True)
    country: Mapped[str] = mapped_column(String(2))
    state: Mapped[str | None] = mapped_column(String(3))  # None: the whole country
    day: Mapped[dt.date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(300))
    source: Mapped[str] = mapped_column(String(500))
    added_by: Mapped[str | None] = mapped_column(String(120))
    added_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_closed_days_day", "day"),)


class RuleLedgerEntry(Base):
    """The compliance ledger: the decision that allowed one attempt, written with it."""

    __tablename__ = "rule_ledger"

    attempt_id: Mapped[int] = mapped_column(
        ForeignKey("attempts.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    decided_at: Mapped[dt.datetime] = mapped_column()
    allowed: Mapped[bool] = mapped_column(Boolean)
    rep: Mapped[str | None] = mapped_column(String(120))  # who dialled
    override_by: Mapped[str | None] = mapped_column(String(120))  # the manager who confirmed
    override_reason: Mapped[str | None] = mapped_column(Text)
    number: Mapped[str | None] = mapped_column(String(40))
    line: Mapped[str] = mapped_column(String(10))  # business|consumer
    locale_key: Mapped[str | None] = mapped_column(String(300))
    local_time: Mapped[str | None] = mapped_column(String(200))
    packs: Mapped[str | None] = mapped_column(String(200))  # "US 2026.12+abc; CA ..."
    registry_copy: Mapped[str | None] = mapped_column(Text)  # snapshot and age per country
    decision: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # rules applied, sources

    __table_args__ = (Index("ix_rule_ledger_decided", "decided_at"),)
