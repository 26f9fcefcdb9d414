"""The export's columnar path: layout columns built from SQL results a chunk at a time.

The row path before it (one Python tuple per contact from SQLAlchemy rows, a datetime object
per timestamp, a Python check per cell) spent nearly all of a million-row export in that loop.
Here each chunk of contacts costs seven plain queries (contacts with their company; phones
without DNC numbers; e-mails; list memberships; event engagements; graded attempts;
appointments), run on the driver's cursor (no SQLAlchemy result processing) and turned into
polars columns once; on SQLite each query answers one row, a ``json_group_array`` per column
(no Python object per row or value), its SQL compiled once an export. The grouping (first three phones, office and mobile, e-mails, lists,
events, the latest graded attempt and appointment) works on runs of the id-sorted rows; the
timestamp text, the CRM summary, and later the spreadsheet guard and the CSV/XLSX text
(:mod:`calldesk.sync.layouts`) are column operations. Python still does what needs judgement
and is rare: answers JSON, decoded once per distinct text; free text holding a run of digits,
handed to :func:`calldesk.sync.privacy.scrub_payloads` so no DNC number leaves in a note; a
timestamp not in the form SQLAlchemy stores.

The cells are those of ``layouts.row(layout, lead_payload(...))``: tests/test_export_fast.py
compares whole files (every layout, CSV and XLSX) with the payload builder's, byte for byte.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import re
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import polars as pl
from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    Text,
    cast,
    exists,
    func,
    literal_column,
    select,
)
from sqlalchemy.orm import Session

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
from calldesk.store import sqlite_pragma
from calldesk.sync.layouts import (
    _HS_LIFECYCLE,
    _HS_STATUS,
    _SF_RATING,
    _SF_STATUS,
    LAYOUTS,
    NOT_PROVIDED,
)
from calldesk.sync.privacy import scrub_payloads

# Python's str.strip() whitespace (wider than Rust's: it includes \x1c-\x1f), for the summary.
_PY_SPACE = "".join(chr(i) for i in range(0x3001) if chr(i).isspace())
# How SQLAlchemy stores a DATETIME in SQLite; any other form takes Python's own parser.
_STORED_TIME = r"^([0-9]{4}-[0-9]{2}-[0-9]{2}) ([0-9]{2}:[0-9]{2}:[0-9]{2})\.([0-9]{6})$"
# Cells nobody typed: phone numbers (the phones query already leaves listed numbers out) and
# calldesk's own timestamps (every one holds a run of digits). Every other text cell may hold
# a number someone typed (notes, why, a title, the meeting place): payloads are scrubbed
# whole, so is every other text cell here.
_NOT_TYPED = frozenset(
    {
        "phone_1",
        "phone_2",
        "phone_3",
        "Phone",
        "MobilePhone",
        "Phone Number",
        "Mobile Phone Number",
        "graded_at",
        "appointment_start_utc",
        "appointment_end_utc",
        "Calldesk_Appointment_Start__c",
        "calldesk Appointment Start",
    }
)
# A run of digits worth asking the DNC list about; the same pattern in Python and in polars.
_DIGIT_RUN = r"\d[\d \-.()/\u00a0]{5,}\d"
_digit_run = re.compile(_DIGIT_RUN).search
_ANSWER_CACHE_SIZE = 4096

S = pl.String
N = pl.Int64


def _iso_python(value: Any) -> str | None:
    """``UTCDateTime``'s value then ``isoformat()``: the row path's text of a timestamp."""
    if value is None:
        return None
    if not isinstance(value, dt.datetime):
        value = dt.datetime.fromisoformat(str(value))
    return value.replace(tzinfo=dt.UTC).isoformat()


def iso_utc(series: pl.Series) -> pl.Series:
    """Stored timestamps as ``isoformat()`` of the aware UTC value, in columns.

    The form SQLAlchemy stores in SQLite is rewritten with string operations; anything else
    (a driver's datetime, text written by hand) goes through Python, so the text is always
    what the row path writes.
    """
    if series.dtype != S:
        values = [_iso_python(v) for v in series.to_list()]
        return pl.Series(series.name, values, dtype=S)
    # The stored form has fixed places (checked by the pattern): slices, no captures.
    raw = pl.col("raw")
    micro = raw.str.slice(20, 6)
    iso = (
        pl.DataFrame({"raw": series})
        .select(
            pl.when(raw.str.contains(_STORED_TIME)).then(
                raw.str.slice(0, 10)
                + "T"
                + raw.str.slice(11, 8)
                + pl.when(micro == "000000").then(pl.lit("")).otherwise("." + micro)
                + "+00:00"
            )
        )
        .to_series()
    )
    odd = (series.is_not_null() & iso.is_null()).arg_true()
    if len(odd):
        iso = iso.scatter(odd, [_iso_python(v) for v in series.gather(odd).to_list()])
    return iso.alias(series.name)


def _answers_cells(raw: str | None) -> tuple[str | None, str | None]:
    """The answers column and the summary's answer lines ("\\n"-joined) of stored JSON."""
    answers = (json.loads(raw) if raw is not None else None) or {}
    if not answers:
        return None, None
    text = json.dumps(answers, ensure_ascii=False, sort_keys=True)
    return text, "\n".join(f"{q}: {a}" for q, a in sorted(answers.items()))


class LeadFrames:
    """Reads lead columns of one layout in contact-id order, ``limit`` contacts a chunk.

    ``condition`` selects the contacts and must exclude DNC contacts: their rows would leave
    out their phones, as payloads do, but the export never writes them at all.
    Statements are compiled with their (validated) values inline and run on the session's
    own DBAPI connection, inside its transaction.
    """

    def __init__(self, layout: str, condition: Sequence[ColumnElement[bool]]) -> None:
        if layout not in LAYOUTS:
            raise ValueError(f"unknown layout {layout!r}")
        self.layout = layout
        self.condition = tuple(condition)
        self.names = [name for name, _ in LAYOUTS[layout]]
        self._lists: pl.DataFrame | None = None
        self._events: pl.DataFrame | None = None
        self._reps: pl.DataFrame | None = None
        self._answers: dict[str | None, tuple[str | None, str | None]] = {}
        # SQLite: each statement's SQL (packed, plain) by its shape; the chunk's ids are named
        # parameters (``_value``), so a shape is compiled once an export, not once a chunk.
        self._sql: dict[tuple[Any, ...], list[str | None]] = {}
        self._values: dict[str, int] = {}

    # -- reading -----------------------------------------------------------------------------

    def _value(self, session: Session, name: str, value: int) -> Any:
        """``value`` in a statement: on SQLite the named parameter ``:name`` (the statement's
        SQL is then the same each chunk), elsewhere the number itself."""
        if session.connection().dialect.name != "sqlite":
            return int(value)
        self._values[name] = int(value)
        return literal_column(f":{name}", Integer)

    def _fetch(
        self,
        session: Session,
        statement: Select[Any],
        schema: dict[str, Any],
        order: Sequence[str] = ("id",),
        shape: tuple[Any, ...] | None = None,
    ) -> pl.DataFrame:
        """``statement``'s rows as a polars frame with ``schema`` (name -> dtype, or None for
        a timestamp: stored text as it is, a driver's datetime through Python).

        ``order``: schema names the frame is sorted by, the statement's ORDER BY (the last
        one unique, or the rows equal in every column); names starting with "_" are sort keys
        only and are dropped. On SQLite the statement runs as one aggregate row of
        ``json_group_array`` per column (no ORDER BY: the rows are sorted here): the driver
        then makes a handful of Python objects a chunk instead of one a row and one a value
        (most of a plain fetch), and polars decodes the columns. Should SQLite or polars
        refuse a value (a BLOB has no JSON), the plain fetch answers instead.

        ``shape``: what the statement's SQL depends on besides its ``_value`` parameters
        (SQLite keeps the SQL under it); None: compiled each time.
        """
        db = session.connection()
        raw = db.connection.dbapi_connection
        assert raw is not None
        if db.dialect.name != "sqlite":
            frame = self._plain(raw, _sql(db, statement), schema, {})
        else:
            sql = self._sql.get(shape) if shape is not None else None
            if sql is None:
                sql = [None, None]
                if shape is not None:
                    self._sql[shape] = sql
            if sql[0] is None:
                sql[0] = _sql(
                    db,
                    statement.with_only_columns(
                        *(func.json_group_array(column) for column in statement.selected_columns),
                        maintain_column_froms=True,
                    ).order_by(None),
                )
            try:
                (texts,) = _rows(raw, sql[0], self._values)
                frame = _json_columns(schema, texts).sort(list(order), maintain_order=True)
            except (sqlite3.Error, pl.exceptions.PolarsError):
                if sql[1] is None:
                    sql[1] = _sql(db, statement)
                frame = self._plain(raw, sql[1], schema, self._values)
        keys = [name for name in frame.columns if name.startswith("_")]
        return frame.drop(keys) if keys else frame

    @staticmethod
    def _plain(raw: Any, sql: str, schema: dict[str, Any], values: dict[str, int]) -> pl.DataFrame:
        """The rows of ``sql`` (in its order) fetched as tuples, then turned into columns."""
        rows = _rows(raw, sql, values)
        columns = list(zip(*rows, strict=True)) if rows else [()] * len(schema)
        del rows
        return pl.DataFrame(
            [
                _series(name, values, dtype)
                for (name, dtype), values in zip(schema.items(), columns, strict=True)
            ]
        )

    def _names(self, session: Session, memberships: Any, engagements: Any) -> None:
        """Read list, event and rep names when a chunk names one not read yet."""
        if self._lists is None or not memberships["list_id"].is_in(self._lists["list_id"]).all():
            self._lists = self._fetch(
                session,
                select(CallList.id, CallList.name, CallList.event_id),
                {"list_id": N, "list_name": S, "list_event": N},
                order=("list_id",),
                shape=("lists",),
            )
        wanted = pl.concat(
            [
                memberships.join(self._lists, on="list_id", how="inner")["list_event"],
                engagements["event_id"].alias("list_event"),
            ]
        ).drop_nulls()
        if self._events is None or not wanted.is_in(self._events["event_id"]).all():
            self._events = self._fetch(
                session,
                select(Event.id, Event.name),
                {"event_id": N, "event_name": S},
                order=("event_id",),
                shape=("events",),
            )

    def _rep_names(self, session: Session, rep_ids: pl.Series) -> pl.DataFrame:
        rep_ids = rep_ids.drop_nulls()
        if self._reps is None or not rep_ids.is_in(self._reps["rep_id"]).all():
            self._reps = self._fetch(
                session,
                select(Rep.id, Rep.name, Rep.email),
                {"rep_id": N, "name": S, "email": S},
                order=("rep_id",),
                shape=("reps",),
            )
        return self._reps

    def _answer_columns(self, raw: pl.Series) -> pl.DataFrame:
        """(answers raw, answers text, summary lines) for each distinct stored answers text."""
        distinct = raw.unique().to_list()
        cells = []
        for value in distinct:
            found = self._answers.get(value)
            if found is None:
                if len(self._answers) >= _ANSWER_CACHE_SIZE:
                    self._answers.clear()  # bounded memory: answers that never repeat
                found = self._answers[value] = _answers_cells(value)
            cells.append(found)
        return pl.DataFrame(
            {
                "at_answers": pl.Series(distinct, dtype=S),
                "answers_text": pl.Series([c[0] for c in cells], dtype=S),
                "answer_lines": pl.Series([c[1] for c in cells], dtype=S),
            }
        )

    def chunk(self, session: Session, after_id: int, limit: int) -> tuple[pl.DataFrame, int]:
        """Columns (named as the layout's headers) of the next ``limit`` contacts after
        ``after_id``, and the last id read; an empty frame when there are no more contacts."""
        # The chunk's objects are plain values and frames, freed as it ends: the cycle
        # collector's passes over the heap while it runs would find nothing to collect.
        collecting = gc.isenabled()
        gc.disable()
        try:
            with _mapped(session):
                return self._chunk(session, after_id, limit)
        finally:
            if collecting:
                gc.enable()

    def _chunk(self, session: Session, after_id: int, limit: int) -> tuple[pl.DataFrame, int]:
        chosen = (*self.condition, Contact.id > self._value(session, "after", after_id))
        if session.connection().dialect.name == "sqlite":
            # The columnar fetch reads every row its WHERE selects: the chunk as an id range.
            shape = ("last", int(limit))
            sql = self._sql.get(shape)
            if sql is None:
                first = select(Contact.id).where(*chosen).order_by(Contact.id).limit(int(limit))
                statement = select(func.max(first.subquery().c.id))
                sql = self._sql[shape] = [_sql(session.connection(), statement), None]
            assert sql[0] is not None
            raw = session.connection().connection.dbapi_connection
            last = _rows(raw, sql[0], self._values)[0][0]
            if last is None:
                return pl.DataFrame(), after_id
            chosen = (*chosen, Contact.id <= self._value(session, "last", last))
        contacts = self._fetch(
            session,
            select(
                Contact.id,
                Contact.first_name,
                Contact.last_name,
                Contact.title,
                Contact.street,
                Contact.city,
                Contact.state,
                Contact.postal_code,
                Contact.country,
                Contact.grade,
                Contact.grade_why,
                Contact.stage,
                Company.name,
                Company.website,
                Company.industry,
            )
            .outerjoin(Company, Company.id == Contact.company_id)
            .where(*chosen)
            .order_by(Contact.id)
            .limit(int(limit)),
            {
                "id": N,
                "first_name": S,
                "last_name": S,
                "title": S,
                "street": S,
                "city": S,
                "state": S,
                "postal_code": S,
                "country": S,
                "grade": S,
                "why": S,
                "stage": S,
                "company": S,
                "website": S,
                "industry": S,
            },
            shape=("contacts", int(limit)),
        )
        if contacts.height == 0:
            return pl.DataFrame(), after_id
        first_id, last_id = int(contacts["id"][0]), int(contacts["id"][-1])
        dense = last_id - first_id < 2 * contacts.height
        low = self._value(session, "low", first_id)
        high = self._value(session, "high", last_id)

        def scoped(statement: Select[Any], contact_id: Any, *where: Any) -> Select[Any]:
            """``statement`` limited to the child rows of this chunk's contacts.

            Most ids in a dense range are selected: a plain index range (rows of contacts
            not selected are read and never joined); a sparse one joins the contacts."""
            if dense:
                return statement.where(contact_id >= low, contact_id <= high, *where)
            return statement.join(Contact, Contact.id == contact_id).where(
                Contact.id >= low, Contact.id <= high, *self.condition, *where
            )

        # Only the phone columns the layout shows or needs to tell office from mobile.
        phone_columns = {"id": Phone.contact_id, "e164": Phone.e164, "label": Phone.label}
        if self.layout != "hubspot":
            phone_columns["ext"] = Phone.extension
        if self.layout != "calldesk":
            phone_columns["type"] = Phone.number_type
        phone_columns |= {"_position": Phone.position, "_row": Phone.id}
        phones = self._fetch(
            session,
            scoped(
                select(*phone_columns.values()),
                Phone.contact_id,
                Phone.valid.is_(True),
                Phone.dnc.is_(False),
                Phone.e164.is_not(None),
                ~exists().where(DncEntry.e164 == Phone.e164),
            ).order_by(Phone.contact_id, Phone.position, Phone.id),
            {name: N if name in ("id", "_position", "_row") else S for name in phone_columns},
            order=("id", "_position", "_row"),
            shape=("phones", dense),
        ).filter(pl.col("e164").is_not_null() & (pl.col("e164") != ""))
        emails = self._fetch(
            session,
            scoped(select(Email.contact_id, Email.address, Email.id), Email.contact_id).order_by(
                Email.contact_id, Email.id
            ),
            {"id": N, "address": S, "_row": N},
            order=("id", "_row"),
            shape=("emails", dense),
        )
        memberships = self._fetch(
            session,
            scoped(
                select(ListMember.contact_id, ListMember.list_id), ListMember.contact_id
            ).order_by(ListMember.contact_id, ListMember.list_id),
            {"id": N, "list_id": N},
            order=("id", "list_id"),
            shape=("memberships", dense),
        )
        engagements = self._fetch(
            session,
            scoped(
                select(EventEngagement.contact_id, EventEngagement.event_id),
                EventEngagement.contact_id,
            ).order_by(EventEngagement.contact_id, EventEngagement.event_id),
            {"id": N, "event_id": N},
            order=("id", "event_id"),
            shape=("engagements", dense),
        )
        attempts = self._fetch(
            session,
            scoped(
                select(
                    Attempt.contact_id,
                    Attempt.rep_id,
                    cast(Attempt.answers, Text),
                    Attempt.notes,
                    Attempt.started_at,
                    Attempt.id,
                ),
                Attempt.contact_id,
                Attempt.grade.is_not(None),
            ).order_by(Attempt.contact_id, Attempt.started_at, Attempt.id),
            {"id": N, "at_rep": N, "at_answers": S, "notes": S, "at_started": None, "_row": N},
            order=("id", "at_started", "_row"),
            shape=("attempts", dense),
        )
        appointments = self._fetch(
            session,
            scoped(
                select(
                    Appointment.contact_id,
                    Appointment.uid,
                    Appointment.starts_at,
                    Appointment.ends_at,
                    Appointment.contact_time_zone,
                    Appointment.status,
                    Appointment.outcome,
                    Appointment.location,
                    Appointment.meeting_link,
                    Appointment.summary,
                    Appointment.field_rep_id,
                    Appointment.qualifier_id,
                    Appointment.created_at,
                    Appointment.id,
                ),
                Appointment.contact_id,
            ).order_by(Appointment.contact_id, Appointment.created_at, Appointment.id),
            {
                "id": N,
                "ap_uid": S,
                "ap_starts": None,
                "ap_ends": None,
                "ap_tz": S,
                "ap_status": S,
                "ap_outcome": S,
                "ap_location": S,
                "ap_link": S,
                "ap_summary": S,
                "ap_field_rep": N,
                "ap_qualifier": N,
                "_created": None,
                "_row": N,
            },
            order=("id", "_created", "_row"),
            shape=("appointments", dense),
        )
        self._names(session, memberships, engagements)
        assert self._lists is not None and self._events is not None

        # Every child frame comes sorted by contact id (the SQL orders it), so groups are runs:
        # first/last of a run by comparing neighbours, no hashing (see _run_position).
        members = memberships.with_row_index("seq").join(
            self._lists, on="list_id", how="left", maintain_order="left"
        )
        lists_text = _joined(members, "list_name", "lists_text")
        event_ids = (
            pl.concat(
                [
                    members.filter(pl.col("list_event").is_not_null()).select(
                        "id", pl.col("list_event").alias("event_id"), pl.lit(0).alias("src"), "seq"
                    ),
                    engagements.with_row_index("seq").select(
                        "id", "event_id", pl.lit(1).alias("src"), "seq"
                    ),
                ]
            )
            .sort("id", "src", "seq", maintain_order=True)
            .unique(subset=["id", "event_id"], keep="first", maintain_order=True)
        )
        events_text = _joined(
            event_ids.join(self._events, on="event_id", how="left", maintain_order="left"),
            "event_name",
            "events_text",
        )
        # The latest graded attempt and the latest appointment win (rows come oldest first).
        attempts = attempts.filter(_last_of_run())
        attempts = attempts.with_columns(
            pl.lit(True).alias("has_attempt"), iso_utc(attempts["at_started"]).alias("graded_at")
        ).join(
            self._answer_columns(attempts["at_answers"]),
            on="at_answers",
            how="left",
            nulls_equal=True,
            maintain_order="left",
        )
        appointments = appointments.filter(_last_of_run())
        appointments = appointments.with_columns(
            pl.lit(True).alias("has_appt"),
            iso_utc(appointments["ap_starts"]).alias("ap_starts"),
            iso_utc(appointments["ap_ends"]).alias("ap_ends"),
        )
        emails = emails.with_columns(_run_position())
        email_cells = emails.filter(pl.col("pos") == 0).select(
            "id", pl.col("address").alias("email")
        )
        others = _joined(emails.filter(pl.col("pos") > 0), "address", "other_emails")
        email_cells = email_cells.join(
            others, on="id", how="left", maintain_order="left"
        ).with_columns(pl.col("other_emails").fill_null(""))

        frame = contacts
        parts = [email_cells, lists_text, events_text, attempts, appointments]
        if self.layout == "calldesk":
            phones = phones.with_columns(_run_position())
            for k in range(3):
                parts.append(
                    phones.filter(pl.col("pos") == k).select(
                        "id",
                        pl.col("e164").alias(f"p{k}"),
                        pl.col("ext").alias(f"p{k}_ext"),
                        pl.col("label").alias(f"p{k}_label"),
                    )
                )
        else:
            mobile = (pl.col("label") == "mobile").fill_null(False) | (
                pl.col("type") == "MOBILE"
            ).fill_null(False)

            def ext(name: str) -> list[pl.Expr]:
                return [pl.col("ext").alias(f"{name}_ext")] if "ext" in phones.columns else []

            for name, which in (("office", ~mobile), ("mobile", mobile)):
                parts.append(
                    phones.filter(which)
                    .filter(_first_of_run())
                    .select("id", pl.col("e164").alias(name), *ext(name))
                )
        for part in parts:
            if part.height:
                frame = frame.join(part, on="id", how="left", maintain_order="left")
            else:
                frame = frame.with_columns(
                    pl.lit(None, dtype).alias(name)
                    for name, dtype in part.schema.items()
                    if name != "id"
                )
        frame = frame.with_columns(pl.coalesce("at_rep", "ap_qualifier").alias("qualifier_id"))
        reps = self._rep_names(session, pl.concat([frame["qualifier_id"], frame["ap_field_rep"]]))
        frame = frame.join(
            reps.rename({"rep_id": "qualifier_id", "name": "qualifier", "email": "q_email"}),
            on="qualifier_id",
            how="left",
            maintain_order="left",
        ).join(
            reps.rename({"rep_id": "ap_field_rep", "name": "field_rep", "email": "fr_email"}),
            on="ap_field_rep",
            how="left",
            maintain_order="left",
        )
        columns = self._calldesk_columns() if self.layout == "calldesk" else self._crm_columns()
        return self._scrub_text(session, frame.select(columns)), last_id

    # -- layouts -----------------------------------------------------------------------------

    def _calldesk_columns(self) -> list[pl.Expr]:
        c = pl.col
        attempt = c("has_attempt").fill_null(False)
        cells = [
            c("id"),
            c("first_name"),
            c("last_name"),
            c("title"),
            c("company"),
            c("website"),
            c("industry"),
            c("email"),
            c("other_emails"),
            c("p0"),
            c("p0_ext"),
            c("p0_label"),
            c("p1"),
            c("p1_ext"),
            c("p1_label"),
            c("p2"),
            c("p2_ext"),
            c("p2_label"),
            c("street"),
            c("city"),
            c("state"),
            c("postal_code"),
            c("country"),
            c("grade"),
            c("why"),
            c("stage"),
            pl.when(attempt).then(c("answers_text")),
            pl.when(attempt).then(c("notes")),
            c("qualifier"),
            c("q_email"),
            c("graded_at"),
            c("lists_text"),
            c("events_text"),
            c("ap_uid"),
            c("ap_starts"),
            c("ap_ends"),
            c("ap_tz"),
            c("ap_status"),
            c("ap_outcome"),
            c("ap_location"),
            c("ap_link"),
            c("ap_summary"),
            pl.when(c("has_appt").fill_null(False)).then(c("field_rep")),
            pl.when(c("has_appt").fill_null(False)).then(c("fr_email")),
        ]
        return [e.alias(n) for e, n in zip(cells, self.names, strict=True)]

    def _crm_columns(self) -> list[pl.Expr]:
        c = pl.col

        def given(name: str) -> pl.Expr:
            return c(name).is_not_null() & (c(name) != "")

        has_appt = c("has_appt").fill_null(False)
        field_rep = pl.when(has_appt).then(c("field_rep"))
        grade_part = pl.when(given("grade")).then(
            ("Grade " + c("grade") + ": " + c("why").fill_null("")).str.strip_chars(_PY_SPACE)
        )
        appt_part = pl.when(has_appt).then(
            "Appointment "
            + c("ap_starts")
            + " with "
            + pl.when(given("field_rep")).then(c("field_rep")).otherwise(pl.lit("field rep"))
            + " ("
            + c("ap_status").fill_null("None")
            + ")"
        )
        notes_part = pl.when(given("notes")).then("Notes: " + c("notes"))
        summary = pl.concat_str(
            [grade_part, c("answer_lines"), appt_part, notes_part],
            separator="\n",
            ignore_nulls=True,
        )
        source = (
            pl.when(given("events_text"))
            .then(c("events_text"))
            .when(given("lists_text"))
            .then(c("lists_text"))
            .otherwise(pl.lit(""))
        )
        key = c("grade").fill_null("")
        if self.layout == "salesforce":
            cells = [
                c("first_name"),
                pl.when(given("last_name")).then(c("last_name")).otherwise(pl.lit(NOT_PROVIDED)),
                c("title"),
                pl.when(given("company")).then(c("company")).otherwise(pl.lit(NOT_PROVIDED)),
                c("email"),
                c("office"),
                c("office_ext"),
                c("mobile"),
                c("street"),
                c("city"),
                c("state"),
                c("postal_code"),
                c("country"),
                c("website"),
                c("industry"),
                source,
                key.replace_strict(_SF_STATUS, default="Open - Not Contacted", return_dtype=S),
                key.replace_strict(_SF_RATING, default=None, return_dtype=S),
                summary,
                pl.lit("false"),  # DNC contacts are never exported
                c("id"),
                c("grade"),
                c("qualifier"),
                c("ap_starts"),
                field_rep,
            ]
        else:
            cells = [
                c("first_name"),
                c("last_name"),
                c("email"),
                c("office"),
                c("mobile"),
                c("title"),
                c("company"),
                c("website"),
                c("industry"),
                c("street"),
                c("city"),
                c("state"),
                c("postal_code"),
                c("country"),
                key.replace_strict(_HS_LIFECYCLE, default="lead", return_dtype=S),
                key.replace_strict(_HS_STATUS, default="NEW", return_dtype=S),
                c("id"),
                c("grade"),
                summary,
                c("qualifier"),
                source,
                c("ap_starts"),
                field_rep,
            ]
        return [e.alias(n) for e, n in zip(cells, self.names, strict=True)]

    # -- privacy -----------------------------------------------------------------------------

    def _scrub_text(self, session: Session, out: pl.DataFrame) -> pl.DataFrame:
        """Take do-not-call numbers out of text cells (notes, why, the meeting place, any).

        Only rows with a run of digits in a text cell go to Python and the DNC list.
        """
        text_columns = [n for n, dtype in out.schema.items() if dtype == S and n not in _NOT_TYPED]
        hit = pl.any_horizontal(
            [pl.col(n).str.contains(_DIGIT_RUN).fill_null(False) for n in text_columns]
        )
        rows = out.with_row_index("_row").filter(hit)
        if rows.height == 0:
            return out
        id_column = "contact_id" if self.layout == "calldesk" else self._id_name()
        entries = []
        for record in rows.select("_row", id_column, *text_columns).iter_rows():
            texts = {
                n: v for n, v in zip(text_columns, record[2:], strict=True) if v and _has_run(v)
            }
            entries.append((record[1], texts))
        scrubbed = scrub_payloads(session, entries)
        indices = rows["_row"]
        updates = []
        for name in text_columns:
            column = out[name]
            values = rows[name].to_list()
            for k, texts in enumerate(scrubbed):
                if name in texts:
                    values[k] = texts[name]
            updates.append(column.scatter(indices, values))
        return out.with_columns(updates)

    def _id_name(self) -> str:
        return "Calldesk_Contact_Id__c" if self.layout == "salesforce" else "calldesk Contact ID"


# How much of a SQLite store a chunk's queries may read through a memory map (SQLite caps it
# at its compile-time limit, 2 GB by default).
_MAP_BYTES = 1 << 40


@contextmanager
def _mapped(session: Session) -> Iterator[None]:
    """SQLite reads the store through a memory map for one chunk, then unmaps it.

    A chunk reads tens of MB of pages the connection's cache does not hold; mapped, they are
    not copied by a system call each (a million-row export: a few tenths of a second less
    system CPU). Unmapping after the chunk bounds the mapped pages counted in the process's
    resident memory to one chunk's, and leaves the connection as the rest of calldesk has it.
    """
    db = session.connection()
    if db.dialect.name != "sqlite":
        yield
        return
    raw = db.connection.dbapi_connection
    assert raw is not None
    with sqlite_pragma(raw, "mmap_size", _MAP_BYTES):  # type: ignore[arg-type]
        yield


def _first_of_run() -> pl.Expr:
    """Rows that start a run of equal contact ids (the frame is sorted by id)."""
    return pl.col("id") != pl.col("id").shift(1).fill_null(-1)


def _last_of_run() -> pl.Expr:
    """Rows that end a run of equal contact ids (the frame is sorted by id)."""
    return pl.col("id") != pl.col("id").shift(-1).fill_null(-1)


def _run_position() -> pl.Expr:
    """Each row's place (0, 1, ...) within its run of equal contact ids, as column ``pos``."""
    row = pl.int_range(pl.len(), dtype=pl.Int64)
    start = pl.when(_first_of_run()).then(row).forward_fill()
    return (row - start).alias("pos")


def _joined(frame: pl.DataFrame, column: str, name: str) -> pl.DataFrame:
    """(id, ``column`` values of each run "; "-joined, as ``name``); lone rows skip grouping."""
    alone = _first_of_run() & _last_of_run()
    single = frame.filter(alone).select("id", pl.col(column).alias(name))
    several = frame.filter(~alone)
    if several.height == 0:
        return single
    grouped = several.group_by("id", maintain_order=True).agg(
        pl.col(column).str.join("; ").alias(name)
    )
    return pl.concat([single, grouped]).sort("id")


def _has_run(text: str) -> bool:
    return _digit_run(text) is not None


def _sql(db: Any, statement: Select[Any]) -> str:
    """``statement`` as SQL text for the driver, its (validated) values inline."""
    return str(statement.compile(dialect=db.dialect, compile_kwargs={"literal_binds": True}))


def _rows(raw: Any, sql: str, values: dict[str, int]) -> list[Any]:
    """Every row of ``sql`` run on the DBAPI connection ``raw`` with named ``values`` (within
    :meth:`LeadFrames.chunk`, which keeps the cycle collector out of a chunk's work)."""
    cursor = raw.cursor()
    try:
        cursor.execute(sql, values)
        return cursor.fetchall()
    finally:
        cursor.close()


def _json_columns(schema: dict[str, Any], texts: Sequence[str]) -> pl.DataFrame:
    """Columns from SQLite's ``json_group_array`` of each (JSON keeps every text exact,
    escapes and all, and NULL apart from ""); dtype None: a timestamp, its stored text."""
    names = list(schema)
    lists = pl.DataFrame(
        [pl.Series(name, [text], dtype=S) for name, text in zip(names, texts, strict=True)]
    )
    return lists.select(
        pl.col(name).str.json_decode(pl.List(dtype or S)) for name, dtype in schema.items()
    ).explode(names)


def _series(name: str, values: Sequence[Any], dtype: Any) -> pl.Series:
    """A column from driver values; ``dtype`` None keeps them as they come (timestamps)."""
    if dtype is None:
        try:
            return pl.Series(name, values, dtype=S)  # stored text (SQLite)
        except TypeError:  # a driver's datetime objects
            return pl.Series(name, [_iso_python(v) for v in values], dtype=S)
    return pl.Series(name, values, dtype=dtype, strict=False)
