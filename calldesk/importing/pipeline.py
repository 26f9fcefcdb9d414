"""The import: a file in, contacts stored, phone-aware, deduplicated, DNC-marked, all or nothing.

:func:`import_file` streams a file in batches (bounded memory), maps columns, normalises every
phone number (the exact fast path of :mod:`calldesk.importing.phones`), deduplicates within the
file and against the store (:mod:`calldesk.importing.dedupe`), marks numbers on the DNC list,
records event engagement, and writes everything with ``executemany`` on the raw database
connection inside one transaction: the import lands whole or not at all (a crash or a cancel
leaves the store as it was). Progress goes to a plain callback; the interface adapts it to
signals and cancels with a :class:`threading.Event` or by returning False from the callback.
"""

from __future__ import annotations

import array
import bisect
import contextlib
import dataclasses
import datetime as dt
import gc
import hashlib
import itertools
import json
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Table, delete, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from calldesk import locale as locale_mod
from calldesk.importing import dedupe
from calldesk.importing.mapping import (
    PHONE_FIELDS,
    ColumnMapping,
    MappingError,
    matching_mapping,
    resolve_mapping,
    saved_mappings,
)
from calldesk.importing.placing import info_entry, nanp_locale, table_entry
from calldesk.importing.readers import (
    FileLayout,
    ReaderError,
    RowBatch,
    iter_batches,
    looks_like_header,
    sniff_file,
)
from calldesk.importing.readers import _known_names as _known_header_names
from calldesk.models import (
    CallList,
    Campaign,
    CampaignList,
    Company,
    Contact,
    Email,
    Event,
    EventEngagement,
    ImportError_,
    ImportRun,
    ListMember,
    Phone,
    PossibleDuplicate,
    utcnow,
)
from calldesk.phones import PhoneInfo, PhoneNormalizer
from calldesk.store import Store

SOURCES = ("purchased", "trade_show", "webinar", "seminar", "whitepaper", "dormant", "crm")
EVENT_SOURCES = ("trade_show", "webinar", "seminar", "whitepaper")
EVENT_SPRINT_PRIORITY = 10
SHARED_BATCH_ROWS = 2_000  # rows per write transaction when reps share the store
STALE_RUN_SECONDS = 120
# What the importer keeps per row, all in (dedupe indexes, batch, caches): 1M rows peaked at
# 547 MB RSS (bench/README.md).
MEMORY_PER_ROW = 600  # a batched run silent this long was killed: its rows are removed
MAX_ERRORS_STORED = 100_000
# Distinct (first, last, vendor id) name keys kept for the run's new contacts; past it (a file
# where every row has its own vendor id) repeats read the names back from the store.
NAME_CODES_MAX = 300_000
# json.dumps(value, ensure_ascii=False) without building an encoder per call.
_json = json.JSONEncoder(ensure_ascii=False).encode

_EMAIL = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]{2,}$")
_YES = {"yes", "y", "true", "1", "x", "attended", "checked in", "ja", "oui", "si"}
_NO = {"no", "n", "false", "0", "absent", "did not attend", "no show", "nein", "non"}

_COUNTRY_NAMES = {
    "usa": "US",
    "unitedstates": "US",
    "unitedstatesofamerica": "US",
    "america": "US",
    "canada": "CA",
    "unitedkingdom": "GB",
    "uk": "GB",
    "greatbritain": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northernireland": "GB",
    "germany": "DE",
    "deutschland": "DE",
    "france": "FR",
    "ireland": "IE",
    "australia": "AU",
    "newzealand": "NZ",
    "mexico": "MX",
    "spain": "ES",
    "italy": "IT",
    "netherlands": "NL",
    "belgium": "BE",
    "switzerland": "CH",
    "austria": "AT",
    "sweden": "SE",
    "norway": "NO",
    "denmark": "DK",
    "finland": "FI",
    "india": "IN",
    "japan": "JP",
    "brazil": "BR",
    "puertorico": "PR",
}


# The shipped script each kind of event sprint starts with (a manager can change it).
SPRINT_SCRIPTS = {
    "trade_show": "trade_show",
    "webinar": "webinar",
    "seminar": "webinar",
    "whitepaper": "whitepaper",
    "dormant": "dormant_client",
}


class ImportRefused(Exception):
    """The file cannot be imported as a list; the message says why and what to do."""


class ImportCancelled(Exception):
    """The user cancelled; nothing of the import was stored."""


@dataclass
class ImportProgress:
    """Where an import is: phase, rows read and stored, bytes read of the file."""

    phase: str  # sniffing|reading|storing|indexing|finishing|done
    rows_read: int = 0
    rows_stored: int = 0
    bytes_read: int = 0
    bytes_total: int = 0

    @property
    def fraction(self) -> float:
        """0..1 for a progress bar (by bytes read; 1.0 when done)."""
        if self.phase == "done":
            return 1.0
        if not self.bytes_total:
            return 0.0
        return min(1.0, self.bytes_read / self.bytes_total)


ProgressCallback = Callable[[ImportProgress], "bool | None"]


@dataclass
class ImportOptions:
    """What the user chose for one import (the command line's flags, the wizard's fields)."""

    list_name: str
    # None: the kind the mapping says the file is (badge scans: trade_show, a Zoom report:
    # webinar), else the event's kind when imported as an event, else "purchased"
    source: str | None = None
    country: str = "US"
    mapping: str | ColumnMapping | None = None  # None/"auto", preset, saved name, file path
    event: str | None = None
    event_date: dt.date | None = None
    follow_up_days: int | None = None
    cost: Decimal | None = None
    campaign: str | None = None
    sheet: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    has_header: bool | None = None
    skip_rows: int | None = None
    save_mapping_as: str | None = None
    batch_size: int = 20_000
    actor: str | None = None
    # SQLite: write in short transactions so reps can save meanwhile (rows tagged with the
    # run, held back from the queue until it is done, removed on cancel or failure). None:
    # whenever the store already holds contacts (an empty store has nobody working it, and
    # one transaction with indexes built at the end loads it fastest).
    share_store: bool | None = None


@dataclass
class ImportResult:
    """What an import did; :meth:`to_json` is the document ``calldesk import --json`` prints."""

    list_id: int | None
    rows: int = 0
    imported: int = 0
    merged: int = 0
    duplicates: int = 0
    invalid: int = 0
    dnc_suppressed: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0
    run_id: int | None = None
    already_imported: bool = False
    event_id: int | None = None
    campaign_ids: list[int] = field(default_factory=list)
    shared_numbers: int = 0
    possible_duplicates: int = 0
    phases: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    blank_rows: int = 0  # blank rows of the file, skipped (not data rows)
    rows_refused: int = 0  # data rows not stored, each with its reason in errors
    cells_refused: int = 0  # values (numbers, addresses) refused in rows that were stored
    refused_by_reason: dict[str, int] = field(default_factory=dict)  # rows and values
    numbers_read_as: dict[str, int] = field(default_factory=dict)  # e.g. 001- numbers read as +1
    # contacts whose number belongs to another country than their row's Country column says
    # (the number's own law applies, the row's country is added: calldesk.places)
    region_mismatches: int = 0
    business_lines: int = 0  # phones marked as business lines by a "Phone type" column

    @property
    def accounted(self) -> bool:
        """Every data row is stored, merged, a duplicate in the file, or refused."""
        return self.rows == self.imported + self.merged + self.duplicates + self.rows_refused

    def to_json(self) -> dict[str, Any]:
        return {
            "list_id": self.list_id,
            "rows": self.rows,
            "imported": self.imported,
            "merged": self.merged,
            "duplicates": self.duplicates,
            "invalid": self.invalid,
            "dnc_suppressed": self.dnc_suppressed,
            "errors": self.errors,
            "seconds": round(self.seconds, 3),
            "blank_rows": self.blank_rows,
            "rows_refused": self.rows_refused,
            "cells_refused": self.cells_refused,
            "refused_by_reason": dict(
                sorted(self.refused_by_reason.items(), key=lambda kv: (-kv[1], kv[0]))
            ),
            "region_mismatches": self.region_mismatches,
            "business_lines": self.business_lines,
            "numbers_read_as": dict(
                sorted(self.numbers_read_as.items(), key=lambda kv: (-kv[1], kv[0]))
            ),
            "accounted": self.accounted,
        }

    def summary_lines(self) -> list[str]:
        """What a manager reads: rows by outcome, then refusals grouped by reason."""
        lines = [
            f"{self.rows:,} rows: {self.imported:,} new contacts, {self.merged:,} merged into "
            f"existing contacts, {self.duplicates:,} repeats within the file, "
            f"{self.rows_refused:,} rows refused"
            + (f" ({self.blank_rows:,} blank rows skipped)" if self.blank_rows else "")
        ]
        if self.cells_refused:
            lines.append(
                f"{self.cells_refused:,} values refused in rows that were stored "
                "(the contact is kept; the value is listed)"
            )
        for reason, count in sorted(self.refused_by_reason.items(), key=lambda kv: -kv[1]):
            lines.append(f"  {count:,} refused: {reason}")
        for how, count in sorted(self.numbers_read_as.items(), key=lambda kv: -kv[1]):
            lines.append(f"  {count:,} numbers written with {how}: read as +{how.split()[-1]}")
        return lines


# --- small parsers ------------------------------------------------------------------------------


def country_code(text: str | None) -> str | None:
    """ISO 3166 alpha-2 from what lists write: "US", "usa", "United States", "Canada"."""
    if not text:
        return None
    key = re.sub(r"[^a-z]", "", text.casefold())
    if len(key) == 2:
        return key.upper()
    return _COUNTRY_NAMES.get(key)


def _yes_no(text: str) -> bool | None:
    key = text.strip().casefold()
    if key in _YES:
        return True
    if key in _NO:
        return False
    return None


def _minutes(text: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    match = re.match(r"^(\d+):(\d{2})(?::(\d{2}))?$", text)
    if match:  # h:mm[:ss] or mm:ss exports
        if match[3] is not None:
            return int(match[1]) * 60 + int(match[2])
        return int(match[1])
    try:
        return max(0, round(float(text.replace(",", "."))))
    except ValueError:
        return None


def _rating(text: str) -> str | None:
    key = text.strip().casefold()
    if not key:
        return None
    if key in ("hot", "a", "5", "4", "high", "very interested"):
        return "hot"
    if key in ("warm", "b", "3", "medium", "interested"):
        return "warm"
    if key in ("cold", "c", "d", "1", "2", "low", "not interested"):
        return "cold"
    return key[:20]


def engagement_score(
    rating: str | None,
    attended: bool | None,
    minutes: int | None,
    questions: str | None,
    booth_notes: str | None,
    download_title: str | None,
) -> int:
    """How hot an event contact is, for the queue (higher first)."""
    score = 10
    score += {"hot": 50, "warm": 25, "cold": 0}.get(rating or "", 10 if rating else 0)
    if attended is True:
        score += 20
    elif attended is False:
        score -= 5
    if minutes:
        score += min(minutes, 60) // 3
    if questions:
        score += 15
    if booth_notes:
        score += 5
    if download_title:
        score += 10
    return max(score, 0)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


# --- writing ------------------------------------------------------------------------------------


def _db_time(value: dt.datetime, sqlite: bool) -> Any:
    naive = value.astimezone(dt.UTC).replace(tzinfo=None)
    # SQLAlchemy's SQLite DateTime storage format, so ORM reads parse it back.
    return naive.strftime("%Y-%m-%d %H:%M:%S.%f") if sqlite else naive


class _Writer:
    """Bulk INSERTs on the raw DB-API connection (SQLAlchemy Core executemany is ~7x slower)."""

    def __init__(self, conn: Connection, sqlite: bool) -> None:
        self.conn = conn
        self.sqlite = sqlite
        self.cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        self._sql: dict[tuple[str, tuple[str, ...], str], tuple[str, tuple[Any, ...]]] = {}

    def insert(
        self,
        table: Table,
        columns: tuple[str, ...],
        rows: list[tuple[Any, ...]] | list[list[Any]],
        on_conflict: str = "",
        fixed: tuple[tuple[str, Any], ...] = (),
    ) -> None:
        """INSERT ``rows`` (values for ``columns``); ``fixed`` columns take one value for every
        row (written into the statement on SQLite: fewer values to bind per row); scalar
        defaults fill the other NOT NULL columns, so columns other parts add later never
        break the importer."""
        if not rows:
            return
        key = (table.name, columns, on_conflict, fixed)
        cached = self._sql.get(key)
        if cached is None:
            extra_names: list[str] = []
            extra_values: list[Any] = []
            literals: dict[str, str] = {}
            for name, value in fixed:
                if self.sqlite:
                    literals[name] = _sql_literal(value)
                else:
                    extra_names.append(name)
                    extra_values.append(value)
            for column in table.columns:
                if (
                    column.name in columns
                    or column.name in literals
                    or column.name in extra_names
                    or column.primary_key
                    or column.nullable
                ):
                    continue
                default = column.default
                if default is not None and getattr(default, "is_scalar", False):
                    value = default.arg  # type: ignore[attr-defined]
                    if self.sqlite and (value is None or isinstance(value, (bool, int, str))):
                        literals[column.name] = _sql_literal(value)  # one value fewer to bind
                    else:
                        extra_names.append(column.name)
                        extra_values.append(value)
                elif column.server_default is None:
                    raise RuntimeError(f"importer cannot fill {table.name}.{column.name}")
            names = list(columns) + extra_names
            mark = "?" if self.sqlite else "%s"
            marks = []
            for name in names:
                is_json = type(table.c[name].type).__name__ == "JSON"
                marks.append(f"CAST({mark} AS JSON)" if is_json and not self.sqlite else mark)
            names += literals.keys()
            marks += literals.values()
            conflict = ""
            if on_conflict:
                conflict = f" ON CONFLICT ({on_conflict}) DO NOTHING"
            sql = (
                f"INSERT INTO {table.name} ({', '.join(chr(34) + n + chr(34) for n in names)}) "
                f"VALUES ({', '.join(marks)}){conflict}"
            )
            cached = (sql, tuple(extra_values))
            self._sql[key] = cached
        sql, extra = cached
        if extra:
            rows = [(*row, *extra) for row in rows]
        self.cursor.executemany(sql, rows)

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        if not self.sqlite:
            sql = sql.replace("?", "%s")
        self.cursor.execute(sql, params)
        try:
            return list(self.cursor.fetchall())
        except Exception:  # statements without rows
            return []

    def executemany(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        if rows:
            if not self.sqlite:
                sql = sql.replace("?", "%s")
            self.cursor.executemany(sql, rows)

    def reserve_ids(self, table: str, count: int, next_id: list[int]) -> list[int]:
        """``count`` fresh primary keys: the sequence on PostgreSQL, max+1 under SQLite's
        write lock (no other writer can insert meanwhile)."""
        if count == 0:
            return []
        if self.sqlite:
            start = next_id[0]
            next_id[0] += count
            return list(range(start, start + count))
        self.cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            (table, count),
        )
        return [row[0] for row in self.cursor.fetchall()]


def _sql_literal(value: Any) -> str:
    """A constant as SQLite stores a bound parameter of it (bool as 0/1, text quoted)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    raise TypeError(f"no SQL literal for {type(value).__name__}")


# --- the import -----------------------------------------------------------------------------------


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


@dataclass
class _Plain:
    """A batch in columns (every row): names, keys, and which rows the row loop judges."""

    rows: list[int]  # the rows built in columns (ascending)
    judge: bytearray  # 1 for a row the row loop takes
    pioneer: bytearray  # 1 for a row holding a value a later (judged) row holds too
    numbers: list[int]
    firsts: list[str]
    lasts: list[str]
    fkeys: list[str]
    lkeys: list[str]
    companies: list[str]
    externals: list[str]
    phone_keys: list[list[Any]]  # per phone column, per row: its dedupe key or None
    email_values: list[list[str]]  # per e-mail column, per row
    email_keys: list[list[str | None]]  # casefolded address, None when none or refused
    email_hashes: list[list[int | None]]
    name_keys: list[str | None]  # rows without a number or an address


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """No cycle collection during a batch: it makes millions of short-lived objects (freed by
    reference counting, rows make next to no cycles) and the collections only rescanned what
    the batch still held (~10% of the row work)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _first(pair: tuple[int, Any]) -> int:
    return pair[0]


def _interleave(
    plain: list[Any],
    plain_js: list[int],
    judged: list[Any],
    judged_js: tuple[int, ...] | list[int],
    starts: tuple[int, ...] | list[int],
) -> list[Any]:
    """Rows of the plain rows (``plain_js``: the row index of each, ascending) and of the
    judged rows (the judged row ``judged_js[k]`` made ``judged[starts[k]:starts[k + 1]]``)
    in file order."""
    if not judged:
        return plain
    if not plain:
        return judged
    out: list[Any] = []
    at = 0
    ends = [*starts[1:], len(judged)]
    for j, start, end in zip(judged_js, starts, ends, strict=True):
        if start == end:
            continue
        cut = bisect.bisect_left(plain_js, j, at)
        out += plain[at:cut]
        out += judged[start:end]
        at = cut
    out += plain[at:]
    return out


def _by_row(
    parts: list[list[Any]], at: list[list[int]], rows: list[int]
) -> tuple[list[Any], list[int]]:
    """Rows made column by column (``at``: the plain row of each, as a position in ``rows``)
    in row order, a row's in column order; and the row index of each."""
    if len(parts) == 1:
        return parts[0], [rows[k] for k in at[0]]
    made = [r for part in parts for r in part]
    where = [k for part in at for k in part]
    order = sorted(range(len(where)), key=where.__getitem__)  # stable: column order kept
    return [made[i] for i in order], [rows[where[i]] for i in order]


class _Importer:
    def __init__(
        self,
        store: Store,
        path: Path,
        options: ImportOptions,
        progress: ProgressCallback | None,
        cancel: threading.Event | None,
    ) -> None:
        self.store = store
        self.path = path
        self.options = dataclasses.replace(options)  # the source is resolved on this copy
        self.progress_cb = progress
        self.cancel = cancel
        self.sqlite = store.is_sqlite
        self.result = ImportResult(list_id=None)
        self.state = ImportProgress("sniffing")
        self.country = (options.country or "US").upper()
        self.normalizer = PhoneNormalizer(self.country)
        self.now = utcnow()
        self.now_db = _db_time(self.now, self.sqlite)
        # dedupe state: key -> contact id, or a list of ids when people share the value
        self.phone_index: dict[int | str, Any] = {}
        self.email_index: dict[int, Any] = {}
        self.name_index: dict[str, Any] = {}  # contacts with neither number nor address
        self.names: dict[int, tuple[str, str, str]] = {}  # name keys, external id
        # The name keys of the contacts this run creates, for the whole run (a repeat may come
        # a million rows later; a database read each was ~1/4 of the row time at 1M): a code
        # per contact (its id minus the first new id) into the distinct (first, last, vendor
        # id) keys, -1 for one not kept (past NAME_CODES_MAX distinct keys: read back).
        self._name_codes: dict[tuple[str, str, str], int] = {}
        self._name_list: list[tuple[str, str, str]] = []
        self._new_names = array.array("i")
        self.header_cells: list[str] = []  # the file's header row, to spot it repeated
        self.header_check_row = -1  # first row of a file read without a header row
        self.shared_phone_keys: set[int | str] = set()
        self.shared_email_keys: set[str] = set()
        self.dnc: set[str] = set()
        self.first_new_id = 0
        self.companies: dict[str, int] = {}
        self.locales: dict[tuple[Any, ...], tuple[str | None, str | None]] = {}
        self.pairs: set[tuple[int, int]] = set()
        self.merged_updates: dict[int, list[Any]] = {}
        self.in_list: set[int] = set()
        self.stored_errors = 0
        self._possible: list[tuple[Any, ...]] = []
        self._parts: dict[tuple[Any, ...], tuple[tuple[str, ...], tuple[str, ...]]] = {}
        self._countries: dict[str, str | None] = {}
        self._ac_ok: dict[str, Any] = {}
        self._plain_places: dict[tuple[Any, ...], tuple[str | None, str | None]] = {}
        self._entry_owner: dict[str, str] = {}  # an area-code table entry's id -> its country
        self._entry_ids: dict[Any, str] = {}
        self._quick: dict[tuple[Any, ...], tuple[str | None, str | None]] = {}
        self._quick_one: dict[tuple[Any, ...], tuple[str | None, str | None]] = {}
        self._answers: dict[tuple[str | None, str | None], tuple[str | None, str | None]] = {}
        self._ranks: dict[int, int] = {}
        self._zone_texts: dict[tuple[str, ...], str | None] = {}
        self._own: dict[tuple[Any, ...], tuple[str, ...]] = {}
        self._name_keys: dict[str, str] = {}
        self._country_codes: dict[str, str | None] = {}
        parts = tuple(
            getattr(locale_mod, name, None)
            for name in ("nanp_zones", "number_zones", "number_country", "region_zones")
        )
        # The per-number assembly mirrors calldesk.locale.locate (a test keeps them equal);
        # without those helpers, locate itself is called per distinct set of numbers.
        self._locale_parts: tuple[Any, ...] | None = (
            parts if all(parts) and hasattr(locale_mod, "locate") else None
        )
        self.list_id = 0
        self.event: Event | None = None
        self.file_event_date: dt.date | None = None
        self.hold_back = False  # batched writes: new contacts wait for the run to finish
        self.created: dict[str, Any] = {}  # what _setup created (removed on cancel)
        self.column_names: list[str] = []

    # progress and cancel ------------------------------------------------------------------------

    def report(self, phase: str | None = None) -> None:
        if phase:
            self.state.phase = phase
        if self.cancel is not None and self.cancel.is_set():
            raise ImportCancelled("import cancelled; nothing was stored")
        if self.progress_cb is not None and self.progress_cb(self.state) is False:
            raise ImportCancelled("import cancelled; nothing was stored")

    # set-up -------------------------------------------------------------------------------------

    def prepare(self) -> tuple[FileLayout, ColumnMapping, list[str]]:
        options = self.options
        if options.source is not None and options.source not in SOURCES:
            raise ImportRefused(f"unknown source {options.source!r}; one of {', '.join(SOURCES)}")
        if not options.list_name or not options.list_name.strip():
            raise ImportRefused("an import needs a list name")
        mapping: ColumnMapping | None = None
        spec = options.mapping
        try:
            if isinstance(spec, ColumnMapping):
                mapping = spec
            elif spec not in (None, "auto"):
                with self.store.session() as session:
                    mapping = resolve_mapping(spec, [], None, session)
            layout = sniff_file(
                self.path,
                encoding=options.encoding,
                delimiter=options.delimiter or (mapping.delimiter if mapping else None),
                sheet=options.sheet,
                has_header=options.has_header
                if options.has_header is not None
                else (mapping.has_header if mapping else None),
                skip_rows=options.skip_rows,
            )
            if mapping is None:
                with self.store.session() as session:
                    mapping = matching_mapping(
                        saved_mappings(session), layout.headers, layout.has_header
                    )
                if mapping is not None:
                    self.result.notes.append(
                        f"the columns match the saved mapping {mapping.name!r}: used it"
                    )
                else:
                    mapping = resolve_mapping(None, layout.headers, layout.preview)
        except (ReaderError, MappingError) as exc:
            raise ImportRefused(str(exc)) from exc
        names = mapping.column_names(layout.headers, layout.has_header)
        self._check_memory(layout)
        if options.source is None:
            source = mapping.source if mapping.source in SOURCES else None
            if source is None and options.event:
                with self.store.session() as session:
                    source = session.scalar(select(Event.kind).where(Event.name == options.event))
            options.source = source or ("trade_show" if options.event else "purchased")
        return layout, mapping, names

    # main ---------------------------------------------------------------------------------------

    def run(self) -> ImportResult:
        started = time.perf_counter()
        self.report("sniffing")
        layout, mapping, names = self.prepare()
        self.result.notes.extend(layout.notes)
        self.column_names = names
        if layout.has_header:
            self.header_cells = list(layout.header_row)
        else:
            self.header_check_row = layout.first_data_row
        bound = mapping.bind(names)
        target = _Target.from_bound(bound, len(names), mapping.ignored(names))
        self.file_event_date = self._file_date(layout, target)
        if not target.has_contact_columns:
            raise ImportRefused(
                f"{self.path.name}: no column holds a name, phone number, e-mail or company "
                f"(columns: {', '.join(names[:12])}{'...' if len(names) > 12 else ''}). "
                "Choose a mapping (--mapping) that says which column is which."
            )
        self.state.bytes_total = layout.size
        sha = file_sha256(self.path)
        options = self.options
        with self.store.session() as session:
            earlier = session.scalar(
                select(ImportRun)
                .join(CallList, CallList.id == ImportRun.list_id)
                .where(
                    ImportRun.file_sha256 == sha,
                    ImportRun.state == "done",
                    CallList.name == options.list_name.strip(),
                )
                .order_by(ImportRun.id.desc())
            )
            if earlier is not None:
                stats = earlier.stats or {}
                self.result.list_id = earlier.list_id
                self.result.rows = int(stats.get("rows", 0))
                self.result.duplicates = self.result.rows
                self.result.already_imported = True
                self.result.run_id = earlier.id
                self.result.notes.append(
                    f"this file was already imported into {options.list_name!r} "
                    f"(run {earlier.id}); nothing added"
                )
                self.result.seconds = time.perf_counter() - started
                return self.result
        if self.sqlite:
            discard_stale_runs(self.store, utcnow())
        with self.store.write() as session:
            run = ImportRun(file_name=str(self.path.name), file_sha256=sha, state="running")
            session.add(run)
            session.flush()
            run_id = run.id
        self.result.run_id = run_id
        try:
            self._load(layout, mapping, names, target, run_id, sha)
        except BaseException as exc:
            if self.hold_back:
                discard_run(self.store, run_id)
            with self.store.write() as session:
                failed = session.get(ImportRun, run_id)
                if failed is not None:
                    failed.state = "cancelled" if isinstance(exc, ImportCancelled) else "failed"
                    failed.finished_at = utcnow()
                    failed.stats = {"error": str(exc)[:500]}
            raise
        if target.booth_notes is not None and self.event is None:
            self.result.notes.append(
                "booth notes are kept in the contacts' notes (imported without an event; "
                "with one they go to the event's notes the opener reads)"
            )
        self.result.seconds = time.perf_counter() - started
        self.state.phase = "done"
        if self.progress_cb is not None:
            self.progress_cb(self.state)
        return self.result

    def _load(
        self,
        layout: FileLayout,
        mapping: ColumnMapping,
        names: list[str],
        target: _Target,
        run_id: int,
        sha: str,
    ) -> None:
        options = self.options
        if self.sqlite and self._share_store():
            self._load_shared(layout, mapping, names, target, run_id, sha)
            return
        engine = self.store.engine
        conn = engine.connect()
        if self.sqlite:
            # Every id this import writes is one it created or read under the write lock, so
            # the per-row foreign-key checks only cost time; they are back on afterwards.
            raw = conn.connection.dbapi_connection
            raw.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
            # Index builds after a big load sort on disk: in memory they add ~100 MB at 1M.
            raw.execute("PRAGMA temp_store=FILE")  # type: ignore[union-attr]
            conn = conn.execution_options(sqlite_immediate=True)
        try:
            with conn.begin():
                session = Session(bind=conn, expire_on_commit=False)
                writer = _Writer(conn, self.sqlite)
                call_list, event, campaigns = self._setup(session, mapping)
                self.result.list_id = call_list.id
                self.result.event_id = event.id if event else None
                self.result.campaign_ids = [c.id for c in campaigns]
                session.flush()
                self.list_id = call_list.id
                self.event = event
                self._queue_place(campaigns, event)
                t = time.process_time()
                self._preload(writer)
                self.result.phases["preload"] = time.process_time() - t
                dropped = self._drop_indexes(conn, writer, layout)
                self.report("reading")
                next_contact = [self._max_id(writer, "contacts") + 1]
                next_company = [self._max_id(writer, "companies") + 1]
                self.first_new_id = next_contact[0]
                for batch in self._read_batches(layout, options.batch_size):
                    self._reader_refusals(batch, writer, run_id)
                    self.report("reading")
                    with _collector_paused():
                        self._batch(
                            batch, names, target, writer, run_id, next_contact, next_company
                        )
                        # What the import keeps (its dedupe indexes) is no garbage: kept out of
                        # the collector's scans, which otherwise grow with it (10% of the CPU
                        # at 300k rows), frozen before the collector runs again.
                        gc.freeze()
                    self.report("storing")
                if self.result.rows - self.result.rows_refused == 0 and not self.result.errors:
                    raise ImportRefused(f"{self.path.name} holds no data rows: nothing to import")
                # The dedupe indexes (millions of keys) are done with: free them before the
                # index builds, which would otherwise add their memory on top.
                self._forget_dedupe_state()
                if dropped:
                    # Before the finishing statements: those look numbers, lists and contacts
                    # up, a full scan of a million-row table each without the indexes.
                    self.report("indexing")
                    t = time.process_time()
                    for index in dropped:
                        index.create(conn)
                    self.result.phases["indexing"] = time.process_time() - t
                self.report("finishing")
                self._finish(session, writer, call_list, campaigns, mapping, run_id, sha)
                session.flush()
                session.close()
        finally:
            if self.sqlite:
                conn.rollback()
                raw.execute("PRAGMA foreign_keys=ON")  # type: ignore[union-attr]
                raw.execute("PRAGMA temp_store=MEMORY")  # type: ignore[union-attr]
            conn.close()

    def _check_memory(self, layout: FileLayout) -> None:
        from calldesk.importing.readers import _available_memory

        if layout.kind != "csv" or not layout.preview:
            return  # workbooks are checked by the reader
        sample = sum(len(",".join(row)) + 2 for row in layout.preview) / len(layout.preview)
        rows = int(layout.size / max(sample, 1.0))
        with self.store.session() as session:
            existing = session.scalar(select(Contact.id).order_by(Contact.id.desc()).limit(1))
        problem = memory_problem(rows, int(existing or 0), _available_memory())
        if problem:
            raise ImportRefused(f"{self.path.name}: {problem}")

    def _read_batches(self, layout: FileLayout, size: int) -> Iterator[RowBatch]:
        """The file's batches, counted in the progress and timed; a reader error found while
        reading on (an open quote, a huge cell) refuses the whole file."""
        phases = self.result.phases
        batches = iter_batches(layout, size)
        while True:
            t = time.process_time()
            try:
                batch = next(batches, None)
            except ReaderError as exc:
                raise ImportRefused(str(exc)) from exc
            phases["read"] = phases.get("read", 0.0) + time.process_time() - t
            if batch is None:
                return
            self.state.rows_read += len(batch.rows)
            self.state.bytes_read = batch.bytes_read
            yield batch

    def _share_store(self) -> bool:
        wanted = self.options.share_store
        if wanted is not None:
            return wanted
        with self.store.session() as session:
            return session.scalar(select(Contact.id).limit(1)) is not None

    def _load_shared(
        self,
        layout: FileLayout,
        mapping: ColumnMapping,
        names: list[str],
        target: _Target,
        run_id: int,
        sha: str,
    ) -> None:
        """The import in short write transactions (SQLite), so a rep's save gets the write lock
        between two of them. New contacts are written held back from the queue (not callable)
        and released in the last transaction; every row carries the run id, and a cancel or a
        failure removes them (:func:`discard_run`)."""
        self.hold_back = True
        options = self.options
        conn = self.store.engine.connect()
        raw = conn.connection.dbapi_connection
        raw.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
        write = conn.execution_options(sqlite_immediate=True)
        writer = _Writer(conn, True)
        phases = self.result.phases
        try:
            with write.begin():
                session = Session(bind=write, expire_on_commit=False)
                call_list, event, campaigns = self._setup(session, mapping)
                self.result.list_id = call_list.id
                self.result.event_id = event.id if event else None
                self.result.campaign_ids = [c.id for c in campaigns]
                self.list_id = call_list.id
                self.event = event
                run = session.get(ImportRun, run_id)
                assert run is not None
                # What the run created, for the clean-up after a cancel, failure or kill.
                run.list_id = call_list.id
                run.stats = {"created": dict(self.created)}
                run.heartbeat_at = utcnow()
                session.flush()
                session.close()
            self._queue_place(campaigns, event)
            with conn.begin():  # a read snapshot
                t = time.process_time()
                self._preload(writer)
                phases["preload"] = time.process_time() - t
            self.report("reading")
            next_contact = [0]
            next_company = [0]
            self.first_new_id = 0
            # Each write transaction holds the lock for a small batch only.
            size = max(1, min(options.batch_size, SHARED_BATCH_ROWS))
            first = True
            for batch in self._read_batches(layout, size):
                self.report("reading")
                with write.begin():
                    # Others may have added contacts since the last batch: ids go past theirs.
                    next_contact[0] = max(next_contact[0], self._max_id(writer, "contacts") + 1)
                    next_company[0] = max(next_company[0], self._max_id(writer, "companies") + 1)
                    if first:
                        self.first_new_id = next_contact[0]
                        first = False
                    self._reader_refusals(batch, writer, run_id)
                    with _collector_paused():
                        self._batch(
                            batch, names, target, writer, run_id, next_contact, next_company
                        )
                        # What the import keeps (its dedupe indexes) is no garbage: kept out of
                        # the collector's scans, which otherwise grow with it (10% of the CPU
                        # at 300k rows), frozen before the collector runs again.
                        gc.freeze()
                    writer.execute(
                        "UPDATE import_runs SET heartbeat_at = ? WHERE id = ?",
                        (_db_time(utcnow(), True), run_id),
                    )
                self.report("storing")
            if self.result.rows - self.result.rows_refused == 0 and not self.result.errors:
                raise ImportRefused(f"{self.path.name} holds no data rows: nothing to import")
            self._forget_dedupe_state()
            self.report("finishing")
            with write.begin():
                session = Session(bind=write, expire_on_commit=False)
                call_list = session.get(CallList, self.list_id)
                campaigns = [session.get(Campaign, c) for c in self.result.campaign_ids]
                self._finish(session, writer, call_list, campaigns, mapping, run_id, sha)  # type: ignore[arg-type]
                self._release(writer, run_id)
                session.flush()
                session.close()
        finally:
            conn.rollback()
            raw.execute("PRAGMA foreign_keys=ON")  # type: ignore[union-attr]
            conn.close()

    def _release(self, writer: _Writer, run_id: int) -> None:
        """The run's new contacts become callable (as the import decided: a valid number and
        not on the DNC list), in the transaction that marks the run done."""
        writer.execute(
            "UPDATE contacts SET callable = 1 WHERE import_run_id = ? AND NOT dnc "
            "AND stage = 'new' AND EXISTS (SELECT 1 FROM phones p "
            "WHERE p.contact_id = contacts.id AND p.e164 IS NOT NULL)",
            (run_id,),
        )

    def _forget_dedupe_state(self) -> None:
        for cache in (
            self.phone_index,
            self.email_index,
            self.name_index,
            self.names,
            self._name_codes,
            self._name_list,
            self.in_list,
            self.companies,
            self.pairs,
            self._name_keys,
            self._country_codes,
            self._quick,
            self._quick_one,
            self._answers,
            self._plain_places,
            self._parts,
        ):
            cache.clear()
        del self._new_names[:]

    @staticmethod
    def _notes(notes_c: Any, booth_c: Any, j: int) -> str | None:
        notes = notes_c[j].strip() if notes_c is not None else ""
        booth = booth_c[j].strip() if booth_c is not None else ""
        if booth:
            notes = f"{notes}\nBooth notes: {booth}".strip()
        return notes or None

    def _file_date(self, layout: FileLayout, target: _Target) -> dt.date | None:
        return _earliest_date(layout, target.engaged_at)

    def _max_id(self, writer: _Writer, table: str) -> int:
        rows = writer.execute(f"SELECT max(id) FROM {table}")
        return int(rows[0][0] or 0)

    def _setup(
        self, session: Session, mapping: ColumnMapping
    ) -> tuple[CallList, Event | None, list[Campaign]]:
        options = self.options
        event: Event | None = None
        if options.event:
            event = session.scalar(select(Event).where(Event.name == options.event))
            if event is None:
                kind = options.source if options.source in EVENT_SOURCES else "trade_show"
                event = Event(name=options.event, kind=kind)
                session.add(event)
                session.flush()
                self.created["event"] = event.id
            if options.event_date is not None:
                event.event_date = options.event_date
            elif event.event_date is None and self.file_event_date is not None:
                # Not today: the day the file's scans or joins happened.
                event.event_date = self.file_event_date
                self.result.notes.append(
                    f"event date {self.file_event_date.isoformat()} taken from the file's "
                    "scan/join times (give --event-date to set another)"
                )
            elif event.event_date is None:
                self.result.notes.append(
                    "no event date given and none in the file: the event has no date "
                    "(give --event-date)"
                    + (
                        "; the follow-up deadline counts from today"
                        if options.follow_up_days is not None
                        else ""
                    )
                )
            if options.cost is not None:
                event.cost = options.cost
            if options.follow_up_days is not None:
                base = options.event_date or event.event_date or self.now.date()
                event.follow_up_deadline = base + dt.timedelta(days=options.follow_up_days)
            session.flush()
        elif options.follow_up_days is not None or options.event_date is not None:
            raise ImportRefused("--event-date and --follow-up-days need --event NAME")
        name = options.list_name.strip()
        call_list = session.scalar(select(CallList).where(CallList.name == name))
        if call_list is None:
            call_list = CallList(
                name=name,
                source_kind=options.source,
                event_id=event.id if event else None,
                default_country=self.country,
                mapping_name=mapping.name,
                cost=options.cost if event is None else None,
            )
            session.add(call_list)
            session.flush()
            self.created["list"] = call_list.id
        elif event is not None and call_list.event_id is None:
            call_list.event_id = event.id
        session.flush()
        campaigns: list[Campaign] = []
        if options.campaign:
            named = session.scalar(select(Campaign).where(Campaign.name == options.campaign))
            if named is None:
                named = Campaign(name=options.campaign, kind="list")
                session.add(named)
                session.flush()
                self.created.setdefault("campaigns", []).append(named.id)
            campaigns.append(named)
        if event is not None and event.follow_up_deadline is not None:
            sprint = session.scalar(
                select(Campaign).where(
                    Campaign.event_id == event.id, Campaign.kind == "event_sprint"
                )
            )
            if sprint is None:
                sprint_name = f"{event.name} follow-up"
                if session.scalar(select(Campaign.id).where(Campaign.name == sprint_name)):
                    sprint_name = f"{event.name} follow-up ({event.id})"
                sprint = Campaign(
                    name=sprint_name,
                    kind="event_sprint",
                    event_id=event.id,
                    deadline=event.follow_up_deadline,
                    priority=EVENT_SPRINT_PRIORITY,
                    script_key=SPRINT_SCRIPTS.get(event.kind, "bant"),
                )
                session.add(sprint)
                session.flush()
                self.created.setdefault("campaigns", []).append(sprint.id)
            else:
                sprint.deadline = event.follow_up_deadline
            session.flush()
            campaigns.append(sprint)
        if not options.campaign and (event is None or event.follow_up_deadline is None):
            default = session.scalar(
                select(Campaign).where(Campaign.is_default).order_by(Campaign.id)
            )
            if default is not None:
                campaigns.append(default)
        for campaign in campaigns:
            if session.get(CampaignList, (campaign.id, call_list.id)) is None:
                session.add(CampaignList(campaign_id=campaign.id, list_id=call_list.id))
                self.created.setdefault("campaign_lists", []).append([campaign.id, call_list.id])
        session.flush()
        return call_list, event, campaigns

    def _queue_place(self, campaigns: list[Campaign], event: Event | None) -> None:
        """The campaign new contacts are worked under and their queue rank inputs."""
        try:
            from calldesk.campaigns import queue_rank
        except ImportError:  # pragma: no cover - campaigns module absent
            queue_rank = None
        best: tuple[Any, ...] | None = None
        for campaign in campaigns:
            tier = 1 if campaign.kind == "event_sprint" else 2
            rank = queue_rank(tier, campaign.priority, 0, campaign.deadline) if queue_rank else tier
            candidate = (0 if campaign.active else 1, rank, campaign.id, campaign, tier)
            if best is None or candidate[:3] < best[:3]:
                best = candidate
        self.queue_rank_fn = queue_rank
        if best is None:
            self.campaign_id, self.tier, self.priority, self.deadline = None, 2, 0, None
            return
        campaign = best[3]
        self.campaign_id = None if campaign.is_default else campaign.id
        self.tier = best[4]
        self.priority = campaign.priority
        self.deadline = campaign.deadline
        if event is not None and event.follow_up_deadline is not None:
            self.tier = 1

    def _rank(self, engagement: int) -> int:
        rank = self._ranks.get(engagement)
        if rank is None:
            rank = self._ranks[engagement] = self._compute_rank(engagement)
        return rank

    def _compute_rank(self, engagement: int) -> int:
        if self.queue_rank_fn is None:
            return self.tier * 10**15 - engagement
        return self.queue_rank_fn(self.tier, self.priority, engagement, self.deadline)

    def _preload(self, writer: _Writer) -> None:
        """What the store already holds: numbers and addresses (for dedupe) and the DNC list."""
        cursor = writer.cursor
        cursor.execute("SELECT e164, extension, contact_id FROM phones WHERE e164 IS NOT NULL")
        while rows := cursor.fetchmany(50_000):
            for e164, extension, contact_id in rows:
                _index_add(self.phone_index, _phone_key(e164, extension), contact_id)
        cursor.execute("SELECT address_key, contact_id FROM emails")
        while rows := cursor.fetchmany(50_000):
            for key, contact_id in rows:
                _index_add(self.email_index, _email_key(key), contact_id)
        cursor.execute(
            "SELECT c.first_name, c.last_name, co.name, c.id FROM contacts c "
            "LEFT JOIN companies co ON co.id = c.company_id "
            "WHERE NOT EXISTS (SELECT 1 FROM phones p WHERE p.contact_id = c.id AND p.e164 IS NOT NULL) "
            "AND NOT EXISTS (SELECT 1 FROM emails e WHERE e.contact_id = c.id)"
        )
        while rows := cursor.fetchmany(50_000):
            for first, last, company, contact_id in rows:
                key = (
                    f"{dedupe.name_key((first or '').split(' ')[0])}|{dedupe.name_key(last or '')}"
                    f"|{(company or '').casefold()}"
                )
                _index_add(self.name_index, key, contact_id)
        cursor.execute("SELECT DISTINCT e164 FROM dnc_entries")
        while rows := cursor.fetchmany(50_000):
            self.dnc.update(r[0] for r in rows)
        cursor.execute(
            "SELECT contact_id FROM list_members WHERE list_id = " + str(int(self.list_id))
        )
        while rows := cursor.fetchmany(50_000):
            self.in_list.update(r[0] for r in rows)
        cursor.execute("SELECT name_key, id FROM companies")
        while rows := cursor.fetchmany(50_000):
            for key, company_id in rows:
                self.companies.setdefault(key, company_id)

    def _drop_indexes(self, conn: Connection, writer: _Writer, layout: FileLayout) -> list[Any]:
        """On SQLite, a big load into a (nearly) empty store is faster with the secondary
        indexes built once at the end; the write lock keeps readers on the old snapshot."""
        if not self.sqlite or layout.size < 5_000_000:
            return []
        existing = self._max_id(writer, "contacts")
        if existing > 50_000:
            return []
        dropped = []
        for table in (Contact.__table__, Phone.__table__, Email.__table__, ListMember.__table__):
            for index in sorted(table.indexes, key=lambda i: i.name or ""):  # type: ignore[attr-defined]
                index.drop(conn)
                dropped.append(index)
        return dropped

    # one batch ------------------------------------------------------------------------------------

    def _batch(
        self,
        batch: Any,
        names: list[str],
        t: _Target,
        writer: _Writer,
        run_id: int,
        next_contact: list[int],
        next_company: list[int],
    ) -> None:
        rows = batch.rows
        n = len(rows)
        width = len(names)
        columns = list(itertools.zip_longest(*rows, fillvalue=""))
        if len(columns) < width:
            columns.extend([("",) * n] * (width - len(columns)))
        result = self.result
        result.rows += n
        numbers = batch.row_numbers

        def col(index: int | None) -> Any:
            return columns[index] if index is not None else None

        phases = self.result.phases
        started = time.process_time()
        # Phones, column by column, vectorised.
        phone_cols: list[tuple[str, str, Any, list[Any], list[Any]]] = []
        code_col = col(t.phone_code)
        for index, label in t.phones:
            raws = list(columns[index])
            if code_col is not None and label == "work":
                raws = [
                    f"+{code.strip().lstrip('+')} {raw}"
                    if code.strip() and raw.strip() and not raw.strip().startswith("+")
                    else raw
                    for code, raw in zip(code_col, raws, strict=True)
                ]
            e164s, infos = self.normalizer.normalize_column(raws)
            phone_cols.append((names[index], label, raws, e164s, infos))
        ext_col = col(t.extension)
        extra_col = col(t.extra_phones)
        email_cols = [(names[i], columns[i]) for i in t.emails]
        first_c, last_c, full_c = col(t.first), col(t.last), col(t.full)
        middle_c = col(t.middle)
        title_c, company_c = col(t.title), col(t.company)
        street_cs = [columns[i] for i in t.street]
        city_c, state_c, postal_c, country_c = (
            col(t.city),
            col(t.state),
            col(t.postal_code),
            col(t.country),
        )
        notes_c, website_c, industry_c = col(t.notes), col(t.website), col(t.industry)
        # Booth notes go to the event engagement (the opener reads them there); imported
        # without an event, they are kept in the contact's notes rather than dropped.
        booth_c = col(t.booth_notes) if self.event is None else None
        custom_cols = [(names[i] if i < width else f"Column {i + 1}", columns[i]) for i in t.custom]
        custom_cols += [(f"Column {i + 1}", columns[i]) for i in range(width, len(columns))]
        engagement_on = self.event is not None
        eng_cols = (
            col(t.rating),
            col(t.booth_notes),
            col(t.registered),
            col(t.attended),
            col(t.minutes),
            col(t.questions),
            col(t.download),
            col(t.engaged_at),
        )

        rows_started = time.process_time()
        phases["phones"] = phases.get("phones", 0.0) + rows_started - started
        new_contacts: list[list[Any]] = []
        new_phones: list[tuple[Any, ...]] = []
        new_emails: list[tuple[Any, ...]] = []
        members: list[tuple[Any, ...]] = []
        engagements: list[tuple[Any, ...]] = []
        errors: list[tuple[Any, ...]] = []
        pending: dict[int, list[Any]] = {}
        remember_name = self._remember_name
        # The names of this run's contacts (what _names_of reads first), for the candidates.
        new_names, name_list = self._new_names, self._name_list
        name_codes = self._name_codes
        new_companies: list[tuple[Any, ...]] = []
        phone_index, email_index = self.phone_index, self.email_index
        dnc = self.dnc
        errors_out = result.errors
        nanp_states = getattr(locale_mod, "nanp_states", None)
        first_new = self.first_new_id
        contact_ids = writer.reserve_ids("contacts", n, next_contact)
        key_of_name = dedupe.name_key
        # Names repeat a lot (first names, common last names): each text is keyed once.
        name_keys = self._name_keys
        if len(name_keys) > 200_000:
            name_keys.clear()
        country_codes = self._country_codes
        if len(country_codes) > 10_000:
            country_codes.clear()
        id_pos = 0
        reasons = result.refused_by_reason
        read_as = result.numbers_read_as
        ext_c = col(t.external_id)

        # Name, company, vendor id of the row (for the rejected-rows file); None once the row's
        # names are read: then made from them when a value is refused (rarely).
        who: tuple[str, str, str] | None = ("", "", "")
        first = last = company_name = external_id = ""

        def refuse(rownum: int, column: str | None, value: str | None, reason: str) -> None:
            """One refused value (a cell) or row, stored and reported with its reason."""
            row_who = who or (f"{first} {last}".strip(), company_name, external_id)
            errors.append((run_id, rownum, column, value, reason, *row_who))
            reasons[reason] = reasons.get(reason, 0) + 1
            if len(errors_out) < MAX_ERRORS_STORED:
                errors_out.append(
                    {"row": rownum, "column": column, "value": value, "reason": reason}
                )

        header_check = self.header_check_row
        header_head = self.header_cells[:1]
        ranks = self._ranks
        # Places through the plain rows' cache (_place); without _locale's helpers, _locale.
        places_on = self._locale_parts is not None
        have_notes = notes_c is not None or booth_c is not None

        # Rows that need no judgement (no value anyone else has, nothing refused) are done in
        # columns after the loop (_plain_contacts); the loop below takes the others, in file
        # order, with the ids they would have had (the plain rows before them count).
        plain = self._plain_columns(
            rows, numbers, columns, t, phone_cols, email_cols, first_c, last_c, full_c, middle_c
        )
        plain_rows = plain.rows if plain is not None else []
        judged = range(n) if plain is None else [j for j in range(n) if plain.judge[j]]
        # (row index, new contacts, phones, e-mails, members, engagements so far) per judged row
        marks: list[tuple[int, ...]] = []
        plain_at = counted = 0
        n_plain = len(plain_rows)

        pioneers: dict[int, list[Any]] = {}  # row -> its record's judged part, once known
        for j in judged:
            if n_plain:
                while plain_at < n_plain and plain_rows[plain_at] < j:
                    if plain.pioneer[plain_rows[plain_at]]:  # type: ignore[union-attr]
                        at = plain_rows[plain_at]
                        pioneers[at] = self._register_pioneer(
                            plain,  # type: ignore[arg-type]
                            at,
                            contact_ids[id_pos + plain_at - counted],
                            phone_cols,
                            pending,
                        )
                    plain_at += 1
                id_pos += plain_at - counted
                counted = plain_at
                marks.append(
                    (j, len(new_contacts), len(new_phones), len(new_emails), len(members))
                    + (len(engagements),)
                )
            rownum = numbers[j]
            row_invalid = False
            who = ("", "", "")
            if rownum == header_check or (header_head and rows[j][:1] == header_head):
                why = self._header_like(rows[j])
                header_head = self.header_cells[:1]  # a header found in the rows counts on
                if why:
                    refuse(rownum, None, None, why)
                    result.rows_refused += 1
                    continue
            # names
            first = first_c[j].strip() if first_c is not None else ""
            last = last_c[j].strip() if last_c is not None else ""
            if full_c is not None and not (first or last):
                full = " ".join(full_c[j].split())
                if "," in full:
                    last, _, first = (p.strip() for p in full.partition(","))
                elif full:
                    parts = full.split(" ")
                    first, last = (
                        (parts[0], " ".join(parts[1:])) if len(parts) > 1 else ("", parts[0])
                    )
            if middle_c is not None and middle_c[j].strip() and first:
                first = f"{first} {middle_c[j].strip()}"
            fword = first.split(" ")[0] if first else ""
            fkey = name_keys.get(fword)
            if fkey is None:
                fkey = name_keys[fword] = key_of_name(fword)
            lkey = name_keys.get(last)
            if lkey is None:
                lkey = name_keys[last] = key_of_name(last)
            company_name = " ".join(company_c[j].split()) if company_c is not None else ""
            external_id = ext_c[j].strip()[:200] if ext_c is not None else ""
            who = None
            # phones
            cells_before = len(errors)
            phones: list[tuple[str, str, str | None, PhoneInfo, str | None]] = []
            for column_name, label, raws, e164s, infos in phone_cols:
                info = infos[j]
                if info is None:
                    continue
                raw = raws[j].strip()
                e164 = e164s[j]
                extension = info.extension
                if ext_col is not None and label == "work" and not extension and ext_col[j].strip():
                    extension = re.sub(r"\D", "", ext_col[j]) or None
                if not info.valid:
                    row_invalid = True
                    refuse(rownum, column_name, raw, info.reason or "invalid")
                elif info.note:
                    read_as[info.note] = read_as.get(info.note, 0) + 1
                phones.append((label, raw, e164, info, extension))
            if extra_col is not None and extra_col[j].strip():
                for label, raw, info in self._extra_phones(extra_col[j]):
                    if info is None:
                        continue
                    if not info.valid:
                        row_invalid = True
                        refuse(rownum, "extra_phones", raw, info.reason or "invalid")
                    phones.append((label, raw, info.e164, info, info.extension))
            # emails
            emails: list[str] = []
            custom: dict[str, str] = {}
            for column_name, values in email_cols:
                value = values[j].strip()
                if not value:
                    continue
                if _EMAIL.match(value):
                    emails.append(value)
                else:
                    row_invalid = True
                    custom[column_name] = value
                    refuse(rownum, column_name, value, "not an e-mail address")
            for column_name, values in custom_cols:
                value = values[j]
                if value and value.strip():
                    custom[column_name] = value.strip()
            if not (first or last or company_name or phones or emails):
                # The values refused above are part of this refused row, not extra cells.
                for _ in range(len(errors) - cells_before):
                    reason = errors[cells_before][4]
                    reasons[reason] -= 1
                    if not reasons[reason]:
                        del reasons[reason]
                    errors.pop(cells_before)
                    if errors_out and errors_out[-1]["row"] == rownum:
                        errors_out.pop()
                refuse(rownum, None, None, "row holds no name, company, phone or e-mail")
                result.invalid += 1
                result.rows_refused += 1
                continue
            if row_invalid:
                result.invalid += 1
                result.cells_refused += len(errors) - cells_before
            phone_keys = [
                f"{e164}x{ext}" if ext else int(e164[1:]) for _, _, e164, _, ext in phones if e164
            ]
            email_keys = [e.casefold() for e in emails]
            # Without a number or an address, only name and company can tell a person again.
            name_key = None
            if not phone_keys and not email_keys and (fkey or lkey):
                name_key = f"{fkey}|{lkey}|{company_name.casefold()}"
            # engagement
            engagement = None
            if engagement_on:
                engagement = self._engagement(eng_cols, j)
            # dedupe: who already has one of these numbers or addresses?
            # (A line or address many people share has them all as candidates: gathered as a
            # set, and the values marked shared per value rather than per candidate.)
            candidates: set[int] = set()
            held_phones: list[int | str] = []
            held_emails: list[str] = []
            for key in phone_keys:
                have = phone_index.get(key)
                if have is not None:
                    held_phones.append(key)
                    if isinstance(have, list):
                        candidates.update(have)
                    else:
                        candidates.add(have)
            for key in email_keys:
                have = email_index.get(hash(key))  # _email_key
                if have is not None:
                    held_emails.append(key)
                    if isinstance(have, list):
                        candidates.update(have)
                    else:
                        candidates.add(have)
            if name_key is not None:
                candidates.update(_index_get(self.name_index, name_key))
            match_id = None
            if candidates:
                candidates_sorted = sorted(candidates)
                for cid in candidates_sorted:
                    at = cid - first_new
                    code = new_names[at] if 0 <= at < len(new_names) else -1
                    other = name_list[code] if code >= 0 else self._names_of(cid, pending, writer)
                    # Two records the vendor or CRM keeps apart (their own ids differ) are two
                    # people even when the names agree.
                    if dedupe.names_agree(fkey, lkey, other[0], other[1]) and (
                        not external_id or not other[2] or external_id == other[2]
                    ):
                        match_id = cid
                        break
            if match_id is None:
                contact_id = contact_ids[id_pos]
                id_pos += 1
                if candidates:
                    # Everyone else on these values is another person: the values are shared.
                    self.shared_phone_keys.update(held_phones)
                    self.shared_email_keys.update(held_emails)
                    for cid in candidates_sorted:
                        at = cid - first_new
                        code = new_names[at] if 0 <= at < len(new_names) else -1
                        other = (
                            name_list[code] if code >= 0 else self._names_of(cid, pending, writer)
                        )
                        why = dedupe.near_miss(fkey, lkey, other[0], other[1])
                        if why and (contact_id, cid) not in self.pairs:
                            self.pairs.add((contact_id, cid))
                            self._possible.append((contact_id, cid, why, self.now_db))
                address_country = None
                if country_c is not None:
                    country_text = country_c[j]
                    address_country = country_codes.get(country_text, "")
                    if address_country == "":
                        address_country = country_codes[country_text] = country_code(country_text)
                if country_c is not None and country_c[j].strip() and address_country is None:
                    custom.setdefault(names[t.country], country_c[j].strip())  # type: ignore[index]
                state = state_c[j].strip()[:10] if state_c is not None else ""
                valid = [p for p in phones if p[2]]
                contact_dnc = False
                for p in valid:
                    if p[2] in dnc:
                        contact_dnc = True
                        break
                callable_ = bool(valid) and not contact_dnc
                if places_on:
                    # _locale's answer, kept per (country, state, area-code entries): the
                    # plain rows' cache
                    locale_key, reason = self._place(address_country, state, valid, nanp_states)
                else:
                    locale_key, reason = self._locale(address_country, state, valid, nanp_states)
                if not valid:
                    reason = "no valid phone number" if phones else "no phone number"
                score = engagement[0] if engagement else 0
                rank = ranks.get(score)
                if rank is None:
                    rank = self._rank(score)
                record = [
                    contact_id,
                    company_name,  # its company's id once the batch's companies are known
                    first[:120] or None,
                    last[:120] or None,
                    title_c[j].strip()[:200] or None if title_c is not None else None,
                    (
                        ", ".join(s[j].strip() for s in street_cs if s[j].strip())[:300] or None
                        if street_cs
                        else None
                    ),
                    city_c[j].strip()[:120] or None if city_c is not None else None,
                    state or None,
                    postal_c[j].strip()[:20] or None if postal_c is not None else None,
                    address_country or (valid[0][3].region if valid else None),
                    self._notes(notes_c, booth_c, j) if have_notes else None,
                    custom,
                    contact_dnc,
                    callable_,
                    locale_key,
                    reason if locale_key is None else None,
                    score,
                    rank,
                    external_id or None,
                ]
                if website_c is not None and website_c[j].strip():
                    custom.setdefault("website", website_c[j].strip())
                if industry_c is not None and industry_c[j].strip():
                    custom.setdefault("industry", industry_c[j].strip())
                pending[contact_id] = record
                if name_key is not None:
                    _index_add(self.name_index, name_key, contact_id)
                name_code = name_codes.get((fkey, lkey, external_id))
                if name_code is not None and contact_id - first_new == len(new_names):
                    new_names.append(name_code)  # the usual case of _remember_name
                else:
                    remember_name(contact_id, (fkey, lkey, external_id))
                new_contacts.append(record)
                self._add_values(
                    contact_id, phones, emails, new_phones, new_emails, dnc, True, fresh=True
                )
                # A later merge may add this membership again: ON CONFLICT keeps one.
                members.append((contact_id, rownum))
                if engagement:
                    engagements.append((self.event.id, contact_id, *engagement[1:]))  # type: ignore[union-attr]
                result.imported += 1
                if contact_dnc:
                    result.dnc_suppressed += 1
            else:
                # The same person again: merge new numbers, addresses, list and event.
                if match_id >= first_new:
                    result.duplicates += 1
                else:
                    result.merged += 1
                existing = pending.get(match_id)
                added_valid = self._add_values(
                    match_id, phones, emails, new_phones, new_emails, dnc, existing is not None
                )
                if match_id not in self.in_list:
                    members.append((match_id, rownum))
                    self.in_list.add(match_id)
                score = engagement[0] if engagement else 0
                if engagement:
                    engagements.append((self.event.id, match_id, *engagement[1:]))  # type: ignore[union-attr]
                if existing is not None:
                    if score > existing[16]:
                        existing[16] = score
                        existing[17] = self._rank(score)
                    if added_valid is not None:
                        self._merge_pending(existing, added_valid, nanp_states)
                else:
                    upd = self.merged_updates.setdefault(
                        match_id, [0, False, False, match_id < first_new]
                    )
                    upd[0] = max(upd[0], score)
                    if added_valid:
                        upd[1] = upd[1] or any(dnc_ for dnc_ in added_valid)
                        upd[2] = upd[2] or not all(added_valid)

        # The judged rows' records are done with: custom fields as JSON text, and with batched
        # writes not offered by the queue before the run is done (see _release).
        hold_back = self.hold_back
        for r in new_contacts:
            if r[11]:
                r[11] = _json(r[11])
            else:
                r[11] = None
            if hold_back:
                r[13] = False
        # Companies get their ids in the order of the rows that first name them.
        company_names = [r[1] for r in new_contacts]
        plain_js = plain_rows if plain is not None else []
        starts = list(zip(*marks, strict=True)) if marks else [()] * 6
        if plain_js:
            company_names = _interleave(
                [plain.companies[j] for j in plain_js],  # type: ignore[union-attr]
                plain_js,
                company_names,
                starts[0],
                starts[1],
            )
        company_ids: dict[str, int | None] = dict.fromkeys(company_names)
        companies = self.companies
        for name in company_ids:
            if name:
                company_key = name.casefold()[:300]
                company_id = companies.get(company_key)
                if company_id is None:
                    company_id = writer.reserve_ids("companies", 1, next_company)[0]
                    companies[company_key] = company_id
                    new_companies.append((company_id, name[:300], company_key, self.now_db))
                company_ids[name] = company_id
        for r in new_contacts:
            r[1] = company_ids[r[1]]
        if plain_js:
            built = self._plain_contacts(
                plain,  # type: ignore[arg-type]
                contact_ids[: id_pos + n_plain - counted],
                {r[0] for r in new_contacts},
                pioneers,
                company_ids,
                columns,
                t,
                names,
                phone_cols,
                eng_cols if engagement_on else None,
            )
            js = starts[0]
            new_contacts = _interleave(built[0], plain_js, new_contacts, js, starts[1])
            new_phones = _interleave(built[1], built[2], new_phones, js, starts[2])
            new_emails = _interleave(built[3], built[4], new_emails, js, starts[3])
            members = _interleave(built[5], plain_js, members, js, starts[4])
            engagements = _interleave(built[6], plain_js, engagements, js, starts[5])
        # Write the batch.
        written = time.process_time()
        phases["rows"] = phases.get("rows", 0.0) + written - rows_started
        if new_companies:
            writer.insert(
                Company.__table__,  # type: ignore[arg-type]
                ("id", "name", "name_key", "created_at"),
                new_companies,
                fixed=(("import_run_id", run_id),),
            )
        contact_columns = (
            "id",
            "company_id",
            "first_name",
            "last_name",
            "title",
            "street",
            "city",
            "state",
            "postal_code",
            "country",
            "notes",
            "custom",
            "dnc",
            "callable",
            "locale_key",
            "needs_review_reason",
            "engagement",
            "queue_rank",
            "external_id",
        )
        fixed = (
            ("stage", "new"),
            ("attempts", 0),
            ("priority", self.priority),
            ("tier", self.tier),
            ("campaign_id", self.campaign_id),
            ("created_at", self.now_db),
            ("updated_at", self.now_db),
            ("import_run_id", run_id),
        )
        writer.insert(Contact.__table__, contact_columns, new_contacts, fixed=fixed)  # type: ignore[arg-type]
        writer.insert(
            Phone.__table__,  # type: ignore[arg-type]
            (
                "contact_id",
                "position",
                "label",
                "raw",
                "e164",
                "extension",
                "number_type",
                "region",
                "time_zones",
                "valid",
                "invalid_reason",
                "dnc",
            ),
            new_phones,
            fixed=(("shared", False), ("import_run_id", run_id)),
        )
        writer.insert(
            Email.__table__,  # type: ignore[arg-type]
            ("contact_id", "address", "address_key", "role_address"),
            new_emails,
            fixed=(("shared", False), ("import_run_id", run_id)),
        )
        writer.insert(
            ListMember.__table__,  # type: ignore[arg-type]
            ("contact_id", "source_row"),
            members,
            on_conflict="list_id, contact_id",
            fixed=(
                ("list_id", self.list_id),
                ("added_at", self.now_db),
                ("import_run_id", run_id),
            ),
        )
        if engagements:
            writer.insert(
                EventEngagement.__table__,  # type: ignore[arg-type]
                (
                    "event_id",
                    "contact_id",
                    "rating",
                    "booth_notes",
                    "registered",
                    "attended",
                    "minutes_attended",
                    "questions_asked",
                    "download_title",
                    "score",
                    "engaged_at",
                ),
                engagements,
                on_conflict="event_id, contact_id",
                fixed=(("import_run_id", run_id),),
            )
        room = MAX_ERRORS_STORED - self.stored_errors
        if errors and room > 0:
            writer.insert(
                ImportError_.__table__,  # type: ignore[arg-type]
                ("run_id", "row", "column", "value", "reason", "name", "company", "external_id"),
                [
                    (
                        a,
                        b,
                        c,
                        (d or "")[:2000] if d is not None else None,
                        e[:300],
                        name[:250] or None,
                        company[:300] or None,
                        external or None,
                    )
                    for a, b, c, d, e, name, company, external in errors[:room]
                ],
            )
            self.stored_errors += min(len(errors), room)
        if self._possible:
            writer.insert(
                PossibleDuplicate.__table__,  # type: ignore[arg-type]
                ("contact_id", "other_id", "reason", "created_at"),
                self._possible,
                on_conflict="contact_id, other_id",
            )
            self.result.possible_duplicates += len(self._possible)
            self._possible = []
        self.state.rows_stored += n
        phases["write"] = phases.get("write", 0.0) + time.process_time() - written
        # Names of this batch's contacts are in the database now.
        if len(self.names) > 50_000:
            self.names.clear()

    # rows that need no judgement, in columns ---------------------------------------------------

    def _plain_columns(
        self,
        rows: list[list[str]],
        numbers: list[int],
        columns: list[Any],
        t: _Target,
        phone_cols: list[tuple[str, str, Any, list[Any], list[Any]]],
        email_cols: list[tuple[str, Any]],
        first_c: Any,
        last_c: Any,
        full_c: Any,
        middle_c: Any,
    ) -> _Plain | None:
        """The batch's names and keys in columns, and which rows need judgement: a value
        another row of the batch or a known contact has (a number, an address, or for rows
        with neither, the name and company), a value refused, a header-like row, an empty one.
        Every other row is a new contact on its own (:meth:`_plain_contacts`). Keys are those
        the row loop uses; a row judged for a key it does not have only costs time."""
        n = len(rows)
        if n == 0 or self._locale_parts is None:
            return None
        if self.header_check_row >= 0 and self.header_check_row in numbers:
            return None  # a header-like first row can make later rows header copies
        judge = bytearray(n)
        header_head = self.header_cells[:1]
        if header_head and columns:
            head = header_head[0]
            for j in [j for j, value in enumerate(columns[0]) if value == head]:
                if rows[j][:1] == header_head:
                    judge[j] = 1
        # names, as the row loop reads them
        firsts = [v.strip() for v in first_c] if first_c is not None else [""] * n
        lasts = [v.strip() for v in last_c] if last_c is not None else [""] * n
        if full_c is not None:
            for j, text in enumerate(full_c):
                if firsts[j] or lasts[j]:
                    continue
                full = " ".join(text.split())
                if "," in full:
                    last, _, first = (p.strip() for p in full.partition(","))
                    firsts[j], lasts[j] = first, last
                elif full:
                    parts = full.split(" ")
                    firsts[j], lasts[j] = (
                        (parts[0], " ".join(parts[1:])) if len(parts) > 1 else ("", parts[0])
                    )
        if middle_c is not None:
            for j, text in enumerate(middle_c):
                middle = text.strip()
                if middle and firsts[j]:
                    firsts[j] = f"{firsts[j]} {middle}"
        fkeys = self._keys_of([f.split(" ")[0] if f else "" for f in firsts])
        lkeys = self._keys_of(lasts)
        company_c = columns[t.company] if t.company is not None else None
        companies = [" ".join(v.split()) for v in company_c] if company_c is not None else [""] * n
        ext_c = columns[t.external_id] if t.external_id is not None else None
        externals = [v.strip()[:200] for v in ext_c] if ext_c is not None else [""] * n
        # numbers
        ext_col = columns[t.extension] if t.extension is not None else None
        phone_keys: list[list[Any]] = []
        all_phone_keys: list[Any] = []
        for _name, label, _raws, e164s, infos in phone_cols:
            if ext_col is not None and label == "work":
                keys: list[Any] = [None] * n
                for j, info in enumerate(infos):
                    if info is None:
                        continue
                    extension = info.extension
                    if not extension and ext_col[j].strip():
                        extension = re.sub(r"\D", "", ext_col[j]) or None
                        judge[j] = 1
                    e164 = e164s[j]
                    if e164:
                        keys[j] = f"{e164}x{extension}" if extension else int(e164[1:])
            else:
                keys = [
                    (f"{e}x{i.extension}" if i.extension else int(e[1:])) if e else None
                    for e, i in zip(e164s, infos, strict=True)
                ]
            for j in [
                j
                for j, (e, i) in enumerate(zip(e164s, infos, strict=True))
                if i is not None and not (e and i.valid)
            ]:
                judge[j] = 1
            phone_keys.append(keys)
            all_phone_keys += keys
        extra_keys: set[Any] = set()  # numbers of extra phones (their rows are judged)
        if t.extra_phones is not None:
            for j, text in enumerate(columns[t.extra_phones]):
                if text.strip():
                    judge[j] = 1
                    for _label, _raw, info in self._extra_phones(text):
                        if info is not None and info.e164:
                            e164, extension = info.e164, info.extension
                            key = f"{e164}x{extension}" if extension else int(e164[1:])
                            all_phone_keys.append(key)
                            extra_keys.add(key)
        # addresses
        email_values: list[list[str]] = []
        email_keys: list[list[str | None]] = []
        email_hashes: list[list[int | None]] = []
        all_hashes: list[int | None] = []
        for _name, values in email_cols:
            stripped = [v.strip() for v in values]
            keys = [v.casefold() if v and _EMAIL.match(v) else None for v in stripped]
            for j in [
                j for j, (v, k) in enumerate(zip(stripped, keys, strict=True)) if v and not k
            ]:
                judge[j] = 1
            hashes = [None if k is None else hash(k) for k in keys]  # _email_key
            email_values.append(stripped)
            email_keys.append(keys)
            email_hashes.append(hashes)
            all_hashes += hashes
        # rows holding nothing are refused (judged); rows without a number or an address are
        # told apart by name and company
        name_keys: list[str | None] = [None] * n
        key_lists = (*phone_keys, *email_hashes)
        keyless = (
            [j for j, ks in enumerate(zip(*key_lists, strict=True)) if ks.count(None) == len(ks)]
            if key_lists
            else range(n)
        )
        for j in keyless:
            if fkeys[j] or lkeys[j]:
                name_keys[j] = f"{fkeys[j]}|{lkeys[j]}|{companies[j].casefold()}"
            # (a valid address would be a key: only a number, valid or not, is left to hold)
            if not (
                firsts[j]
                or lasts[j]
                or companies[j]
                or any(col[4][j] is not None for col in phone_cols)
            ):
                judge[j] = 1
        # A value a known contact holds: judged. A value two rows of the batch hold: the later
        # rows judged, the first one (a pioneer) built in columns but made known to the judged
        # rows before any of them needs it (_register_pioneer).
        pioneer = bytearray(n)
        pioneers_on = self.event is None  # (a merge into one would change its engagement)
        for index, found, all_keys, unplaced in (
            (self.phone_index, phone_keys, all_phone_keys, extra_keys),
            (self.email_index, email_hashes, all_hashes, ()),
            (self.name_index, [name_keys], name_keys, ()),
        ):
            counts = Counter(all_keys)
            # (set operations: the million-key index probed once per distinct key, in C)
            marked = index.keys() & counts.keys()
            marked.update(k for k, c in counts.items() if c > 1)
            marked.discard(None)
            hits: list[tuple[int, Any]] = []
            for keys in found:
                hits += [(j, k) for j, k in enumerate(keys) if k in marked]
            hits.sort(key=_first)  # by row (stable: a row's columns in order)
            first_row: dict[Any, int] = {}
            seen: set[tuple[int, Any]] = set()
            for j, k in hits:
                if (
                    not pioneers_on
                    or k in index
                    or k in unplaced
                    or first_row.setdefault(k, j) != j
                    or (j, k) in seen  # twice in one row
                ):
                    judge[j] = 1
                else:
                    seen.add((j, k))
                    pioneer[j] = 1
        return _Plain(
            rows=[j for j in range(n) if not judge[j]],
            judge=judge,
            pioneer=pioneer,
            numbers=numbers,
            firsts=firsts,
            lasts=lasts,
            fkeys=fkeys,
            lkeys=lkeys,
            companies=companies,
            externals=externals,
            phone_keys=phone_keys,
            email_values=email_values,
            email_keys=email_keys,
            email_hashes=email_hashes,
            name_keys=name_keys,
        )

    def _register_pioneer(
        self,
        plain: _Plain,
        j: int,
        contact_id: int,
        phone_cols: list[tuple[str, str, Any, list[Any], list[Any]]],
        pending: dict[int, list[Any]],
    ) -> list[Any]:
        """Make plain row ``j`` (a new contact, ``contact_id``) known to the judged rows after
        it: its values in the dedupe indexes, its names, and a pending record holding what a
        merge into it changes (DNC, callable, engagement, rank), read back by _plain_contacts."""
        for keys in plain.phone_keys:
            if keys[j] is not None:
                self.phone_index[keys[j]] = contact_id
        for hashes in plain.email_hashes:
            if hashes[j] is not None:
                self.email_index[hashes[j]] = contact_id
        if plain.name_keys[j] is not None:
            self.name_index[plain.name_keys[j]] = contact_id
        self.names[contact_id] = (plain.fkeys[j], plain.lkeys[j], plain.externals[j])
        numbers = [col[3][j] for col in phone_cols if col[3][j]]
        on_dnc = any(e in self.dnc for e in numbers)
        record: list[Any] = [None] * 19
        record[0] = contact_id
        record[12] = on_dnc
        record[13] = bool(numbers) and not on_dnc
        record[16] = 0
        record[17] = self._rank(0)
        pending[contact_id] = record
        return record

    def _keys_of(self, texts: list[str]) -> list[str]:
        """dedupe.name_key of each text, through the run's cache of them."""
        cache = self._name_keys
        keys = [cache.get(x) for x in texts]
        if None in keys:
            key_of_name = dedupe.name_key
            for i, key in enumerate(keys):
                if key is None:
                    text = texts[i]
                    key = cache.get(text)
                    if key is None:
                        key = cache[text] = key_of_name(text)
                    keys[i] = key
        return keys  # type: ignore[return-value]

    def _plain_contacts(
        self,
        plain: _Plain,
        ids_used: list[int],
        judged_ids: set[int],
        pioneers: dict[int, list[Any]],
        company_ids: dict[str, int | None],
        columns: list[Any],
        t: _Target,
        names: list[str],
        phone_cols: list[tuple[str, str, Any, list[Any], list[Any]]],
        eng_cols: tuple[Any, ...] | None,
    ) -> tuple[list[Any], ...]:
        """The plain rows' new contacts, built column by column as the row loop builds each
        one: (records, phone rows, their row indexes, e-mail rows, their row indexes, list
        members, engagements). The dedupe indexes, name codes and counts learn them."""
        rows = plain.rows
        count = len(rows)
        ids = [i for i in ids_used if i not in judged_ids] if judged_ids else list(ids_used)
        if len(ids) != count:  # pragma: no cover - a broken invariant, never a wrong id
            raise RuntimeError("import: plain rows and their ids disagree")
        result = self.result
        nones: list[Any] = [None] * count

        def col(index: int | None) -> Any:
            return columns[index] if index is not None else None

        def texts(column: Any, limit: int) -> list[str | None]:
            if column is None:
                return nones
            return [column[j].strip()[:limit] or None for j in rows]

        firsts = [plain.firsts[j][:120] or None for j in rows]
        lasts = [plain.lasts[j][:120] or None for j in rows]
        street_cs = [columns[i] for i in t.street]
        streets = (
            [", ".join(s[j].strip() for s in street_cs if s[j].strip())[:300] or None for j in rows]
            if street_cs
            else nones
        )
        state_c = col(t.state)
        states = [state_c[j].strip()[:10] for j in rows] if state_c is not None else [""] * count
        country_c = col(t.country)
        if country_c is not None:
            country_codes = self._country_codes
            country_texts = [country_c[j] for j in rows]
            for text in dict.fromkeys(country_texts):
                if text not in country_codes:
                    country_codes[text] = country_code(text)
            address_countries = [country_codes[x] for x in country_texts]
        else:
            country_texts = []
            address_countries = nones
        # numbers: every one a plain row holds is valid
        dnc = self.dnc
        e_cols = [[e164s[j] for j in rows] for _n, _l, _r, e164s, _i in phone_cols]
        i_cols = [[infos[j] for j in rows] for _n, _l, _r, _e, infos in phone_cols]
        d_cols = [[e in dnc for e in es] for es in e_cols]
        if len(d_cols) == 1:
            dncs = d_cols[0]
            has_valid = [e is not None for e in e_cols[0]]
            regions = [None if i is None else i.region for i in i_cols[0]]
        else:
            dncs = (
                [any(flags) for flags in zip(*d_cols, strict=True)] if d_cols else [False] * count
            )
            has_valid = (
                [any(e is not None for e in es) for es in zip(*e_cols, strict=True)]
                if e_cols
                else [False] * count
            )
            regions = list(nones)
            for infos in reversed(i_cols):
                regions = [
                    r if i is None else i.region for r, i in zip(regions, infos, strict=True)
                ]
        contact_countries = [a or r for a, r in zip(address_countries, regions, strict=True)]
        hold_back = self.hold_back
        callables = [v and not d and not hold_back for v, d in zip(has_valid, dncs, strict=True)]
        # places: one answer per (country, state, area codes) when the table decides the
        # numbers (their number otherwise), as _locale gives it for each row
        # (_locale's own cache key: the table entry's id for a number the area-code table
        # decides, both orders of two numbers of one country alike; the number's own entry
        # for another; the number itself when neither decides)
        owner_of = self._entry_owner
        parts = []
        for es, infos in zip(e_cols, i_cols, strict=True):
            heads: dict[str, str | None] = dict.fromkeys(
                e[:5] for e in es if e is not None and len(e) == 12 and e[:2] == "+1"
            )
            for head in heads:
                known = self._ac_known(head[2:])
                if known is not None:
                    heads[head] = known[0]
                    owner_of[known[0]] = known[1][0]
            part: list[Any] = [
                heads.get(e[:5]) if e is not None and len(e) == 12 else None for e in es
            ]
            for k in [k for k, (p, e) in enumerate(zip(part, es, strict=True)) if p is None and e]:
                info = infos[k]
                entry = info_entry(info) if info is not None else None
                part[k] = es[k] if entry is None else entry
            parts.append(part)
        if len(parts) == 2:
            first, second = parts
            for k in [k for k, b in enumerate(second) if b is not None and first[k] is not None]:
                a, b = first[k], second[k]
                if type(a) is str and type(b) is str and b < a:
                    owner = owner_of.get(a)
                    if owner is not None and owner == owner_of.get(b):
                        first[k], second[k] = b, a
        if len(parts) == 1:
            place_keys = [
                (c, s) if p is None else (c, s, p)
                for c, s, p in zip(address_countries, states, parts[0], strict=True)
            ]
        else:
            place_keys = (
                [
                    (c, s, a, b)
                    if a is not None and b is not None
                    else (c, s, a)
                    if a is not None
                    else (c, s, b)
                    if b is not None
                    else (c, s)
                    for c, s, a, b in zip(address_countries, states, *parts, strict=True)
                ]
                if len(parts) == 2
                else [
                    (c, s, *[p for p in ps if p is not None])
                    for c, s, *ps in zip(address_countries, states, *parts, strict=True)
                ]
            )
        places = self._plain_places
        if len(places) > 100_000:
            places.clear()
        answers = [places.get(key) for key in place_keys]
        if None in answers:
            nanp_states = getattr(locale_mod, "nanp_states", None)
            for k, answer in enumerate(answers):
                if answer is None:
                    key = place_keys[k]
                    answer = places.get(key)
                    if answer is None:
                        valid = [
                            (None, None, es[k], infos[k], None)
                            for es, infos in zip(e_cols, i_cols, strict=True)
                            if es[k]
                        ]
                        answer = places[key] = self._locale(key[0], key[1], valid, nanp_states)
                    answers[k] = answer
        locale_keys = [a[0] for a in answers]
        reasons = [
            None if a[0] is not None else (a[1] if v else "no phone number")
            for a, v in zip(answers, has_valid, strict=True)
        ]
        # notes, custom fields, engagement, rank
        notes_c, booth_c = col(t.notes), (col(t.booth_notes) if self.event is None else None)
        if notes_c is not None or booth_c is not None:
            notes = [self._notes(notes_c, booth_c, j) for j in rows]
        else:
            notes = nones
        customs = self._plain_custom(plain, columns, t, names, address_countries, country_texts)
        ranks = self._ranks
        engagements: list[tuple[Any, ...]] = []
        if eng_cols is not None:
            found = [self._engagement(eng_cols, j) for j in rows]
            scores = [e[0] for e in found]
            event_id = self.event.id  # type: ignore[union-attr]
            engagements = [(event_id, cid, *e[1:]) for cid, e in zip(ids, found, strict=True)]
            rank_list = [ranks.get(s) or self._rank(s) for s in scores]
        else:
            scores = [0] * count
            rank_list = [self._rank(0)] * count
        contact_dncs = dncs
        if pioneers:
            # what merges into them changed (their rows' own values otherwise)
            contact_dncs = list(dncs)
            for j, merged in pioneers.items():
                k = bisect.bisect_left(rows, j)
                contact_dncs[k] = merged[12]
                callables[k] = merged[13] and not hold_back
                scores[k] = merged[16]
                rank_list[k] = merged[17]
        records = list(
            zip(
                ids,
                [company_ids[plain.companies[j]] for j in rows],
                firsts,
                lasts,
                texts(col(t.title), 200),
                streets,
                texts(col(t.city), 120),
                [s or None for s in states],
                texts(col(t.postal_code), 20),
                contact_countries,
                notes,
                customs,
                contact_dncs,
                callables,
                locale_keys,
                reasons,
                scores,
                rank_list,
                [plain.externals[j] or None for j in rows],
                strict=True,
            )
        )
        # phone rows, in row order and, within a row, column order
        zones_text = self._zones_text
        phone_index = self.phone_index
        read_as = result.numbers_read_as
        positions = [0] * count
        phone_parts: list[list[tuple[Any, ...]]] = []
        phone_at: list[list[int]] = []
        for (_name, label, raws, _e, _i), es, infos, flags, keys in zip(
            phone_cols, e_cols, i_cols, d_cols, plain.phone_keys, strict=True
        ):
            at = [k for k, info in enumerate(infos) if info is not None]
            held = [infos[k] for k in at]
            phone_parts.append(
                list(
                    zip(
                        [ids[k] for k in at],
                        [positions[k] for k in at],
                        itertools.repeat(label),
                        [raws[rows[k]].strip()[:100] for k in at],
                        [es[k] for k in at],
                        [i.extension for i in held],
                        [i.number_type for i in held],
                        [i.region for i in held],
                        [zones_text(i.time_zones) for i in held],
                        itertools.repeat(True),
                        itertools.repeat(None),
                        [flags[k] for k in at],
                    )
                )
            )
            phone_at.append(at)
            positions = [p + (i is not None) for p, i in zip(positions, infos, strict=True)]
            phone_index.update(
                (keys[j], cid)
                for cid, j in zip(ids, rows, strict=True)
                if keys[j] is not None and j not in pioneers
            )
            for note in [i.note for i in infos if i is not None and i.note]:
                read_as[note] = read_as.get(note, 0) + 1
        phone_rows, phone_js = _by_row(phone_parts, phone_at, rows)
        # e-mail rows
        email_index = self.email_index
        role_parts = dedupe.ROLE_LOCAL_PARTS
        email_parts: list[list[tuple[Any, ...]]] = []
        email_at: list[list[int]] = []
        for values, keys, hashes in zip(
            plain.email_values, plain.email_keys, plain.email_hashes, strict=True
        ):
            mine = [keys[j] for j in rows]
            email_parts.append(
                [
                    (cid, values[j][:254], key[:254], key.partition("@")[0] in role_parts)
                    for cid, j, key in zip(ids, rows, mine, strict=True)
                    if key is not None
                ]
            )
            email_at.append([k for k, key in enumerate(mine) if key is not None])
            email_index.update(
                (hashes[j], cid)
                for cid, j in zip(ids, rows, strict=True)
                if hashes[j] is not None and j not in pioneers
            )
        email_rows, email_js = _by_row(email_parts, email_at, rows)
        # contacts without a number or an address: found again by name and company
        name_index = self.name_index
        name_index.update(
            (plain.name_keys[j], cid)
            for cid, j in zip(ids, rows, strict=True)
            if plain.name_keys[j] is not None and j not in pioneers
        )
        self._remember_names(
            ids,
            list(
                zip(
                    [plain.fkeys[j] for j in rows],
                    [plain.lkeys[j] for j in rows],
                    [plain.externals[j] for j in rows],
                    strict=True,
                )
            ),
        )
        numbers = plain.numbers
        members = [(cid, numbers[j]) for cid, j in zip(ids, rows, strict=True)]
        result.imported += count
        result.dnc_suppressed += sum(dncs)
        return (records, phone_rows, phone_js, email_rows, email_js, members, engagements)

    def _plain_custom(
        self,
        plain: _Plain,
        columns: list[Any],
        t: _Target,
        names: list[str],
        address_countries: list[str | None],
        country_texts: list[str],
    ) -> list[str | None]:
        """The custom fields of the plain rows as JSON text (None without any), as the row loop
        fills them: the unmapped columns, then a country it could not read, website, industry."""
        rows = plain.rows
        width = len(names)
        named = [(names[i] if i < width else f"Column {i + 1}", columns[i]) for i in t.custom] + [
            (f"Column {i + 1}", columns[i]) for i in range(width, len(columns))
        ]
        later: list[tuple[str, list[str]]] = []
        if t.country is not None:
            later.append(
                (
                    names[t.country],
                    [
                        text.strip() if code is None else ""
                        for text, code in zip(country_texts, address_countries, strict=True)
                    ],
                )
            )
        for label, index in (("website", t.website), ("industry", t.industry)):
            if index is not None:
                later.append((label, [columns[index][j].strip() for j in rows]))
        if not named and not later:
            return [None] * len(rows)
        first_names = [name for name, _ in named]
        first_values = [[(v.strip() if v else "") for v in (c[j] for j in rows)] for _, c in named]
        later_names = [name for name, _ in later]
        later_values = [values for _, values in later]
        out: list[str | None] = []
        for row_values, row_later in zip(
            zip(*first_values, strict=True) if first_values else [()] * len(rows),
            zip(*later_values, strict=True) if later_values else [()] * len(rows),
            strict=True,
        ):
            if not any(row_values) and not any(row_later):
                out.append(None)
                continue
            custom: dict[str, str] = {}
            for name, value in zip(first_names, row_values, strict=True):
                if value:
                    custom[name] = value
            for name, value in zip(later_names, row_later, strict=True):
                if value:
                    custom.setdefault(name, value)
            out.append(_json(custom))
        return out

    def _remember_names(self, ids: list[int], keys: list[tuple[str, str, str]]) -> None:
        """:meth:`_remember_name` for many new contacts (ids ascending)."""
        codes_of, name_list = self._name_codes, self._name_list
        codes = [codes_of.get(k) for k in keys]
        if None in codes:
            for i, code in enumerate(codes):
                if code is None:
                    key = keys[i]
                    code = codes_of.get(key)
                    if code is None:
                        if len(name_list) < NAME_CODES_MAX:
                            code = codes_of[key] = len(name_list)
                            name_list.append(key)
                        else:
                            code = -1
                    codes[i] = code
        if not ids:
            return
        first_new = self.first_new_id
        known = self._new_names
        top = ids[-1] - first_new + 1
        if top > len(known):
            known.extend([-1] * (top - len(known)))
        for contact_id, code in zip(ids, codes, strict=True):
            at = contact_id - first_new
            if at >= 0:
                known[at] = code  # type: ignore[assignment]

    def _reader_refusals(self, batch: Any, writer: _Writer, run_id: int) -> None:
        """Blank rows and rows the reader could not read (a quote never closed at the end)."""
        result = self.result
        result.blank_rows += batch.blank_rows
        if not batch.refused:
            return
        rows = []
        for rownum, reason in batch.refused:
            result.rows += 1
            result.rows_refused += 1
            key = reason.split(": ", 1)[-1]
            result.refused_by_reason[key] = result.refused_by_reason.get(key, 0) + 1
            result.errors.append({"row": rownum, "column": None, "value": None, "reason": reason})
            rows.append((run_id, rownum, None, None, reason[:300]))
        writer.insert(
            ImportError_.__table__,  # type: ignore[arg-type]
            ("run_id", "row", "column", "value", "reason"),
            rows,
        )
        self.stored_errors += len(rows)

    def _header_like(self, row: list[str]) -> str | None:
        """Why ``row`` is a header row rather than a person, or None."""
        cells = [" ".join(c.split()) for c in row]
        filled = [c for c in cells if c]
        if self.header_cells and filled == [
            " ".join(c.split()) for c in self.header_cells if c.strip()
        ]:
            return "repeats the header row (column names, not a person)"
        if not self.header_cells and looks_like_header(row) and _known_header_names(row) >= 2:
            self.header_cells = list(row)  # a later copy of it is refused too
            return "looks like a header row (column names, not a person)"
        return None

    def _remember_name(self, contact_id: int, key: tuple[str, str, str]) -> None:
        """Keep the name keys of a contact this run creates (see ``_new_names``)."""
        code = self._name_codes.get(key)
        if code is None:
            if len(self._name_list) < NAME_CODES_MAX:
                code = self._name_codes[key] = len(self._name_list)
                self._name_list.append(key)
            else:
                code = -1
        at = contact_id - self.first_new_id
        codes = self._new_names
        if at > len(codes):  # ids others took between two batches (shared writes)
            codes.extend([-1] * (at - len(codes)))
        if at == len(codes):
            codes.append(code)
        elif at >= 0:
            codes[at] = code

    def _names_of(
        self, contact_id: int, pending: dict[int, list[Any]], writer: _Writer
    ) -> tuple[str, str, str]:
        known = self.names.get(contact_id)
        if known is not None:
            return known
        at = contact_id - self.first_new_id
        if 0 <= at < len(self._new_names):
            code = self._new_names[at]
            if code >= 0:
                return self._name_list[code]
        rows = writer.execute(
            "SELECT first_name, last_name, external_id FROM contacts WHERE id = ?", (contact_id,)
        )
        first, last, external = rows[0] if rows else ("", "", "")
        known = (
            dedupe.name_key((first or "").split(" ")[0]),
            dedupe.name_key(last or ""),
            external or "",
        )
        self.names[contact_id] = known
        return known

    def _zones_text(self, zones: tuple[str, ...]) -> str | None:
        text = self._zone_texts.get(zones)
        if text is None and zones not in self._zone_texts:
            text = self._zone_texts[zones] = "|".join(zones)[:300] or None
        return text

    def _add_values(
        self,
        contact_id: int,
        phones: list[tuple[str, str, str | None, PhoneInfo, str | None]],
        emails: list[str],
        new_phones: list[tuple[Any, ...]],
        new_emails: list[tuple[Any, ...]],
        dnc: set[str],
        keep_invalid: bool,
        fresh: bool = False,
    ) -> list[bool] | None:
        """Phones and e-mails for a contact, skipping values it already has. Returns the DNC
        flag of each new valid number (None when nothing new). ``fresh``: the contact was
        just created, so a value it has is one this call added, last in its owners (no scan
        of a long list of owners)."""
        added: list[bool] = []
        phone_index = self.phone_index
        zones_text = self._zones_text
        position = 0 if keep_invalid else 10
        for label, raw, e164, info, extension in phones:
            if e164:
                key = f"{e164}x{extension}" if extension else int(e164[1:])
                owners = phone_index.get(key)
                if owners is None:
                    phone_index[key] = contact_id
                elif fresh and isinstance(owners, list):
                    if owners[-1] == contact_id:
                        continue
                    owners.append(contact_id)
                elif owners == contact_id or (isinstance(owners, list) and contact_id in owners):
                    continue
                else:
                    _index_add(phone_index, key, contact_id)
                on_dnc = e164 in dnc
                added.append(on_dnc)
                new_phones.append(
                    (
                        contact_id,
                        position,
                        label,
                        raw[:100],
                        e164,
                        extension,
                        info.number_type,
                        info.region,
                        zones_text(info.time_zones),
                        True,
                        None,
                        on_dnc,
                    )
                )
            elif keep_invalid:
                new_phones.append(
                    (
                        contact_id,
                        position,
                        label,
                        raw[:100],
                        None,
                        extension,
                        None,
                        None,
                        None,
                        False,
                        (info.reason or "invalid")[:200],
                        False,
                    )
                )
            else:
                continue  # an invalid number of a known contact: reported, not added twice
            position += 1
        email_index = self.email_index
        role_parts = dedupe.ROLE_LOCAL_PARTS
        for address in emails:
            key = address.casefold()
            hashed = hash(key)  # _email_key
            owners = email_index.get(hashed)
            if owners is None:
                email_index[hashed] = contact_id
            elif fresh and isinstance(owners, list):
                if owners[-1] == contact_id:
                    continue
                owners.append(contact_id)
            elif owners == contact_id or (isinstance(owners, list) and contact_id in owners):
                continue
            else:
                _index_add(email_index, hashed, contact_id)
            # dedupe.is_role_address(address): casefold maps character by character and
            # never makes an "@", so the local part of the key is the casefolded local part.
            new_emails.append(
                (contact_id, address[:254], key[:254], key.partition("@")[0] in role_parts)
            )
        return added or None

    def _merge_pending(self, record: list[Any], added_dnc: list[bool], nanp_states: Any) -> None:
        if any(added_dnc):
            record[12] = True
            record[13] = False
        elif not record[12] and not all(added_dnc):
            record[13] = True

    def _locale(
        self,
        country: str | None,
        state: str,
        valid: list[tuple[str, str, str | None, PhoneInfo, str | None]],
        nanp_states: Any,
    ) -> tuple[str | None, str | None]:
        """The locale key of a contact (or None and why), as :func:`calldesk.locale.locate`
        computes it, assembled from per-number parts cached per (country, state, area code):
        a million contacts have only thousands of distinct parts."""
        if not valid:
            return None, None
        numbers = [p[2] for p in valid]
        if self._locale_parts is None:
            key = (country, state.upper(), tuple(sorted(numbers)))
            cached = self.locales.get(key)
            if cached is None:
                cached = self._locale_fallback(country, state, valid, nanp_states)
                if len(self.locales) < 100_000:
                    self.locales[key] = cached
            return cached
        ac_ok = self._ac_ok
        acs = []
        entries: list[Any] | None = []
        for number, valid_phone in zip(numbers, valid, strict=True):
            known = None
            if number.startswith("+1") and len(number) == 12:
                ac = number[2:5]
                known = ac_ok.get(ac, False)
                if known is False:
                    known = self._ac_known(ac)
            if known is None:
                # Elsewhere (or a number the table does not decide): from its own analysis.
                entry = info_entry(valid_phone[3])
                if entry is not None:
                    known = (entry, entry)
            if known is None:
                acs.append(number)
                entries = None
            else:
                acs.append(known[0])
                if entries is not None:
                    entries.append(known[1])
        if (
            entries is not None
            and len(entries) > 1
            and all(type(a) is str for a in acs)
            and all(e[0] == entries[0][0] for e in entries)
        ):
            # Numbers of one country place alike in any order (nanp_locale: the first number's
            # country is the only order it reads), so both orders of two numbers share a key.
            acs.sort()
        quick = (country, state, *acs)
        # Keys of one table-decided number are few (countries x states x entries) and most
        # rows have one number: kept apart from the many combinations of two or more, whose
        # cache is cleared when full.
        cache = self._quick_one if entries is not None and len(acs) == 1 else self._quick
        known = cache.get(quick)
        if known is not None:
            return known
        # ~100k distinct combinations of two or more numbers at 1M rows: a smaller cap
        # cleared it and placed ~80k of them again. Entries share their answers (few).
        if len(cache) > 250_000:
            cache.clear()
        # One home for a contact's places (calldesk.places.locate: the number's country always
        # applies, the row's adds); computed once per (country, state, area codes), from the
        # area-code table (or the number's own analysis) when every number is decided there.
        if entries is not None:
            answer = nanp_locale(country, state or None, entries)
        else:
            answer = self._locale_fallback(country, state, valid, nanp_states)
        answer = cache[quick] = self._answers.setdefault(answer, answer)
        return answer

    def _place(
        self,
        country: str | None,
        state: str,
        valid: list[tuple[str, str, str | None, PhoneInfo, str | None]],
        nanp_states: Any,
    ) -> tuple[str | None, str | None]:
        """:meth:`_locale`'s answer, kept per the key the plain rows use (_plain_contacts): a
        number the area-code table decides as its entry's id, another as its own entry (or
        itself), two numbers of one country in either order alike (as _locale's cache)."""
        parts: list[Any] = []
        for p in valid:
            e164 = p[2]
            part: Any = None
            if len(e164) == 12 and e164[:2] == "+1":  # type: ignore[arg-type]
                known = self._ac_known(e164[2:5])  # type: ignore[index]
                if known is not None:
                    part = known[0]
                    self._entry_owner[part] = known[1][0]
            if part is None:
                entry = info_entry(p[3])
                part = e164 if entry is None else entry
            parts.append(part)
        if len(parts) == 2:
            a, b = parts
            if type(a) is str and type(b) is str and b < a:
                owner = self._entry_owner.get(a)
                if owner is not None and owner == self._entry_owner.get(b):
                    parts = [b, a]
        key = (country, state, *parts)
        places = self._plain_places
        answer = places.get(key)
        if answer is None:
            if len(places) > 100_000:
                places.clear()
            answer = places[key] = self._locale(country, state, valid, nanp_states)
        return answer

    def _ac_known(self, ac: str) -> tuple[str, Any] | None:
        """The area code's table entry with its id (None when the table does not decide it)."""
        known = self._ac_ok.get(ac, False)
        if known is False:
            entry = table_entry(ac)
            # Area codes with one table entry place alike: one id per distinct entry.
            known = self._ac_ok[ac] = (
                None if entry is None else (self._entry_ids.setdefault(entry, ac), entry)
            )
        return known

    def _assemble(
        self,
        country: str | None,
        state: str,
        numbers: list[str],
        acs: list[str],
        nanp_states: Any,
        number_zones: Any,
        number_country: Any,
        region_zones: Any,
    ) -> tuple[str | None, str | None]:
        address_state = state.strip().upper() or None
        if not country:
            for number, ac in zip(numbers, acs, strict=True):
                if ac not in self._countries:
                    self._countries[ac] = number_country(number)
                country = self._countries[ac]
                if country:
                    break
        states: set[str] = {address_state} if address_state else set()
        zones: set[str] = set()
        for number, ac in zip(numbers, acs, strict=True):
            part_key = (country, address_state, ac)
            part = self._parts.get(part_key)
            if part is None:
                number_states = tuple(nanp_states(number)) if nanp_states else ()
                found = number_zones(number)
                plausible = {
                    z for s in (*number_states, address_state) for z in region_zones(country, s)
                }
                narrowed = (
                    [z for z in found if z in plausible] if plausible and address_state else []
                )
                part = (number_states, tuple(narrowed or found))
                self._parts[part_key] = part
            states.update(part[0])
            zones.update(part[1])
        if address_state:
            own = self._own.get((country, address_state))
            if own is None:
                own = self._own[(country, address_state)] = tuple(
                    region_zones(country, address_state)
                )
            if own and not any(z in zones for z in own):
                zones.update(own)
        key = (country, frozenset(states), frozenset(zones))
        cached = self.locales.get(key)
        if cached is None:
            found_locale, reason = locale_mod.derive_locale(
                country, None, [tuple(zones)], tuple(states)
            )
            cached = (found_locale.key if found_locale else None, reason)
            self.locales[key] = cached
        return cached

    def _locale_fallback(
        self,
        country: str | None,
        state: str,
        valid: list[tuple[str, str, str | None, PhoneInfo, str | None]],
        nanp_states: Any,
    ) -> tuple[str | None, str | None]:
        numbers = [p[2] for p in valid]
        locate = getattr(locale_mod, "locate", None)
        if locate is not None:
            placement = locate(country, state or None, numbers)
            return (placement.locale.key if placement.locale else None, placement.reason)
        states = tuple(s for n in numbers for s in (nanp_states(n) if nanp_states else ()))
        found, reason = locale_mod.derive_locale(
            country or valid[0][3].region,
            state or None,
            [p[3].time_zones for p in valid],
            states,
        )
        return (found.key if found else None, reason)

    def _engagement(self, cols: tuple[Any, ...], j: int) -> tuple[Any, ...]:
        rating_c, notes_c, registered_c, attended_c, minutes_c, questions_c, download_c, at_c = cols
        rating = _rating(rating_c[j]) if rating_c is not None else None
        notes = notes_c[j].strip() or None if notes_c is not None else None
        registered = _yes_no(registered_c[j]) if registered_c is not None else None
        attended = _yes_no(attended_c[j]) if attended_c is not None else None
        minutes = _minutes(minutes_c[j]) if minutes_c is not None else None
        if attended is None and minutes:
            attended = True
        questions = questions_c[j].strip() or None if questions_c is not None else None
        download = download_c[j].strip()[:300] or None if download_c is not None else None
        engaged_at = _parse_time(at_c[j]) if at_c is not None else None
        score = engagement_score(rating, attended, minutes, questions, notes, download)
        return (
            score,
            rating,
            notes,
            True if registered is None else registered,
            attended,
            minutes,
            questions,
            download,
            score,
            _db_time(engaged_at, self.sqlite) if engaged_at else None,
        )

    def _extra_phones(self, text: str) -> list[tuple[str, str, PhoneInfo | None]]:
        """VICIdial extra phones: ``NUMBER_COUNTRYCODE_NOTE!NUMBER_COUNTRYCODE_NOTE``."""
        found = []
        for item in text.split("!"):
            parts = item.strip().split("_")
            if not parts or not parts[0].strip():
                continue
            number = parts[0].strip()
            code = parts[1].strip() if len(parts) > 1 else ""
            note = "_".join(parts[2:]).strip()[:40] if len(parts) > 2 else "other"
            raw = f"+{code} {number}" if code and not number.startswith("+") else number
            found.append((note or "other", raw, self.normalizer.normalize(raw)))
        return found

    # the end ----------------------------------------------------------------------------------------

    def _finish(
        self,
        session: Session,
        writer: _Writer,
        call_list: CallList,
        campaigns: list[Campaign],
        mapping: ColumnMapping,
        run_id: int,
        sha: str,
    ) -> None:
        t = time.process_time()
        true = 1 if self.sqlite else True
        shared_phones = sorted({_key_e164(k) for k in self.shared_phone_keys})
        for start in range(0, len(shared_phones), 500):
            e164s = shared_phones[start : start + 500]
            marks = ",".join("?" * len(e164s))
            writer.execute(f"UPDATE phones SET shared = ? WHERE e164 IN ({marks})", (true, *e164s))
        shared_emails = sorted(self.shared_email_keys)
        for start in range(0, len(shared_emails), 500):
            chunk = shared_emails[start : start + 500]
            marks = ",".join("?" * len(chunk))
            writer.execute(
                f"UPDATE emails SET shared = ? WHERE address_key IN ({marks})", (true, *chunk)
            )
        self.result.shared_numbers = len(shared_phones)
        # Contacts that existed before: new numbers may put them on the DNC list or make them
        # callable again; event heat only ever rises.
        false = 0 if self.sqlite else False
        updates = list(self.merged_updates.items())
        writer.executemany(
            "UPDATE contacts SET engagement = ?, queue_rank = ? WHERE id = ? AND engagement < ?",
            [(u[0], self._rank(u[0]), cid, u[0]) for cid, u in updates if u[0] and not u[3]],
        )
        writer.executemany(
            "UPDATE contacts SET dnc = ?, callable = ? WHERE id = ?",
            [(true, false, cid) for cid, u in updates if u[1]],
        )
        writer.executemany(
            "UPDATE contacts SET callable = ? WHERE id = ? AND NOT dnc AND stage = 'new'",
            [(true, cid) for cid, u in updates if u[2] and not u[1]],
        )
        preexisting = [cid for cid, u in updates if u[3]]
        count = writer.execute(
            "SELECT count(*) FROM list_members WHERE list_id = ?", (call_list.id,)
        )
        call_list.row_count = int(count[0][0])
        if mapping.name and mapping.name != "auto":
            call_list.mapping_name = mapping.name
        if self.options.save_mapping_as:
            from calldesk.importing.mapping import save_mapping

            if not mapping.source_headers:
                mapping.source_headers = list(self.column_names)
            save_mapping(session, self.options.save_mapping_as, mapping)
            call_list.mapping_name = self.options.save_mapping_as
        if preexisting:
            try:
                from calldesk.campaigns import assign_contacts

                assign_contacts(session, [c.id for c in campaigns])
            except ImportError:  # pragma: no cover
                pass
        self._mark_business_lines(session, writer, call_list, mapping)
        if "country" in mapping.columns.values():
            self.result.region_mismatches = self._region_mismatches(writer, call_list)
        run = session.get(ImportRun, run_id)
        assert run is not None
        run.list_id = call_list.id
        run.state = "done"
        run.finished_at = utcnow()
        stats = self.result.to_json()
        stats.pop("errors")
        stats["error_count"] = self.stored_errors
        stats["possible_duplicates"] = self.result.possible_duplicates
        stats["shared_numbers"] = self.result.shared_numbers
        run.stats = stats
        session.flush()
        self.result.phases["finishing"] = time.process_time() - t

    def _mark_business_lines(
        self, session: Session, writer: _Writer, call_list: CallList, mapping: ColumnMapping
    ) -> None:
        """A "Phone type"/"Line type" column (kept as a custom field) marks the row's numbers as
        business lines, which the calling rules exempt where a statute does (calldesk.rules)."""
        from calldesk.rules.marks import phone_type, refresh_business_keys

        mapped = set(mapping.columns)
        headers = [
            h
            for h in self.column_names
            if h not in mapped and re.sub(r"[^a-z0-9]", "", h.casefold()) in PHONE_TYPE_HEADERS
        ]
        if not headers:
            return
        business: list[int] = []
        rows = writer.execute(
            "SELECT c.id, c.custom FROM contacts c JOIN list_members m ON m.contact_id = c.id "
            "WHERE m.list_id = ? AND c.custom IS NOT NULL",
            (call_list.id,),
        )
        for contact_id, custom in rows:
            values = json.loads(custom) if isinstance(custom, str) else (custom or {})
            if any(phone_type(str(values.get(h) or "")) for h in headers):
                business.append(contact_id)
        true = 1 if self.sqlite else True
        for start in range(0, len(business), 500):
            chunk = business[start : start + 500]
            marks = ",".join("?" * len(chunk))
            writer.execute(
                f"UPDATE phones SET business = ? WHERE contact_id IN ({marks}) AND e164 IS NOT NULL",
                (true, *chunk),
            )
            counted = writer.execute(
                f"SELECT count(*) FROM phones WHERE business AND contact_id IN ({marks})",
                tuple(chunk),
            )
            self.result.business_lines += int(counted[0][0])
        session.expire_all()
        refresh_business_keys(session, business)

    def _region_mismatches(self, writer: _Writer, call_list: CallList) -> int:
        """Contacts with a valid number of another country than their row's Country column."""
        true = 1 if self.sqlite else True
        found = writer.execute(
            "SELECT count(DISTINCT c.id) FROM contacts c "
            "JOIN list_members m ON m.contact_id = c.id JOIN phones p ON p.contact_id = c.id "
            "WHERE m.list_id = ? AND c.country IS NOT NULL AND p.region IS NOT NULL "
            "AND p.valid = ? AND p.region <> c.country",
            (call_list.id, true),
        )
        return int(found[0][0])


# Headers of a column that says whether a row's numbers are business lines.
PHONE_TYPE_HEADERS = frozenset(
    {"phonetype", "linetype", "numbertype", "phonelinetype", "businessline", "b2bline"}
)


# The dedupe indexes hold a million keys: numbers as integers and addresses as 64-bit hashes
# take half the memory of strings. Two different addresses sharing a hash (odds ~1e-7 for a
# million-row import) would only make a candidate, merged only if the names also agree.
def _phone_key(e164: str, extension: str | None) -> int | str:
    return f"{e164}x{extension}" if extension else int(e164[1:])


def _key_e164(key: int | str) -> str:
    return f"+{key}" if isinstance(key, int) else key.split("x", 1)[0]


def _email_key(address_key: str) -> int:
    return hash(address_key)  # 64-bit SipHash, cached on the string; the index lives one run


def _index_add(index: dict[Any, Any], key: Any, contact_id: int) -> None:
    have = index.get(key)
    if have is None:
        index[key] = contact_id
    elif isinstance(have, list):
        if contact_id not in have:
            have.append(contact_id)
    elif have != contact_id:
        index[key] = [have, contact_id]


def _index_get(index: dict[Any, Any], key: Any) -> list[int]:
    have = index.get(key)
    if have is None:
        return []
    if isinstance(have, list):
        return have
    return [have]


def _parse_time(text: str) -> dt.datetime | None:
    text = text.strip()
    if not text:
        return None
    for fmt in (
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%m/%d/%Y %H:%M:%S",
        "%m/%d/%Y %H:%M",
        "%m/%d/%Y %I:%M %p",
        "%b %d, %Y %H:%M:%S",
        "%b %d, %Y %I:%M %p",
        "%Y-%m-%d",
        "%m/%d/%Y",
    ):
        try:
            return dt.datetime.strptime(text, fmt).replace(tzinfo=dt.UTC)
        except ValueError:
            continue
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def memory_problem(rows: int, existing: int, available: int | None) -> str | None:
    """Why importing ``rows`` rows into a store of ``existing`` contacts would exhaust the
    ``available`` memory (bytes), or None. The importer keeps about :data:`MEMORY_PER_ROW`
    bytes per row and per contact already known."""
    if available is None:
        return None
    needed = (rows + existing) * MEMORY_PER_ROW
    if needed <= available * 0.8:
        return None
    return (
        f"this list has about {rows:,} rows; importing it beside {existing:,} contacts would "
        f"take about {needed / 1e9:,.1f} GB of memory and {available / 1e9:,.1f} GB is free. "
        "Split the file into parts and import them one after another."
    )


def discard_run(store: Store, run_id: int, *, chunk: int = 5_000) -> int:
    """Remove everything import run ``run_id`` added (a cancelled, failed or killed run that
    wrote in batches), in short transactions so reps keep working. Returns the contacts
    removed. Rows it added to contacts that existed before (numbers, addresses, list and
    event entries) go too; what the rep did meanwhile stays."""
    with store.session() as session:
        run = session.get(ImportRun, run_id)
        created = dict((run.stats or {}).get("created") or {}) if run is not None else {}
        ids = list(session.scalars(select(Contact.id).where(Contact.import_run_id == run_id)))
    removed = 0
    for start in range(0, len(ids), chunk):
        part = ids[start : start + chunk]
        with store.write() as session:
            for model, column in (
                (PossibleDuplicate, PossibleDuplicate.contact_id),
                (PossibleDuplicate, PossibleDuplicate.other_id),
                (EventEngagement, EventEngagement.contact_id),
                (ListMember, ListMember.contact_id),
                (Email, Email.contact_id),
                (Phone, Phone.contact_id),
                (Contact, Contact.id),
            ):
                session.execute(delete(model).where(column.in_(part)))
        removed += len(part)
    with store.write() as session:
        for model in (EventEngagement, ListMember, Email, Phone):
            session.execute(delete(model).where(model.import_run_id == run_id))
        session.execute(
            delete(Company).where(
                Company.import_run_id == run_id,
                ~select(Contact.id).where(Contact.company_id == Company.id).exists(),
            )
        )
        session.execute(delete(ImportError_).where(ImportError_.run_id == run_id))
        for campaign_id, list_id in created.get("campaign_lists", []):
            session.execute(
                delete(CampaignList).where(
                    CampaignList.campaign_id == campaign_id, CampaignList.list_id == list_id
                )
            )
        list_id = created.get("list")
        if list_id is not None and not session.scalar(
            select(ListMember.contact_id).where(ListMember.list_id == list_id).limit(1)
        ):
            session.execute(delete(CampaignList).where(CampaignList.list_id == list_id))
            session.execute(
                update(ImportRun).where(ImportRun.list_id == list_id).values(list_id=None)
            )
            session.execute(delete(CallList).where(CallList.id == list_id))
        for campaign_id in created.get("campaigns", []):
            if not session.scalar(
                select(CampaignList.list_id).where(CampaignList.campaign_id == campaign_id)
            ) and not session.scalar(
                select(Contact.id).where(Contact.campaign_id == campaign_id).limit(1)
            ):
                session.execute(delete(Campaign).where(Campaign.id == campaign_id))
        event_id = created.get("event")
        if (
            event_id is not None
            and not session.scalar(
                select(EventEngagement.id).where(EventEngagement.event_id == event_id).limit(1)
            )
            and not session.scalar(select(Campaign.id).where(Campaign.event_id == event_id))
        ):
            session.execute(
                update(CallList).where(CallList.event_id == event_id).values(event_id=None)
            )
            session.execute(delete(Event).where(Event.id == event_id))
    return removed


def discard_stale_runs(store: Store, now: dt.datetime) -> list[int]:
    """Clean up batched runs whose process died (no heartbeat for :data:`STALE_RUN_SECONDS`):
    their rows are removed and the run is marked failed. Returns the runs cleaned."""
    cutoff = now - dt.timedelta(seconds=STALE_RUN_SECONDS)
    with store.session() as session:
        stale = list(
            session.scalars(
                select(ImportRun.id).where(
                    ImportRun.state == "running",
                    ImportRun.heartbeat_at.is_not(None),
                    ImportRun.heartbeat_at < cutoff,
                )
            )
        )
    for run_id in stale:
        discard_run(store, run_id)
        with store.write() as session:
            run = session.get(ImportRun, run_id)
            if run is not None:
                run.state = "failed"
                run.finished_at = now
                run.stats = {"error": "the import stopped (its process ended); removed"}
    return stale


def _earliest_date(layout: FileLayout, column: int | None) -> dt.date | None:
    if column is None:
        return None
    found = [_parse_time(row[column]) for row in layout.preview if column < len(row)]
    dates = [moment.date() for moment in found if moment is not None]
    return min(dates) if dates else None


def event_date_in_file(layout: FileLayout, mapping: ColumnMapping) -> dt.date | None:
    """The event's day as the file tells it: the earliest scan, join or download date in its
    first rows (None when the file has no such column). The import and the wizard use it
    instead of today."""
    names = mapping.column_names(layout.headers, layout.has_header)
    column = next((i for i, f in mapping.bind(names).items() if f == "engaged_at"), None)
    return _earliest_date(layout, column)


def import_file(
    store: Store,
    path: str | Path,
    options: ImportOptions,
    *,
    progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
) -> ImportResult:
    """Import a list file into ``store``: all of it or, on error or cancel, nothing.

    ``progress`` is called with an :class:`ImportProgress` after every batch (return False to
    cancel); ``cancel`` is checked as often. Raises :class:`ImportRefused` for files that are
    not lists (with the reason) and :class:`ImportCancelled` when cancelled.
    """
    thresholds = gc.get_threshold()
    # Rows make many short-lived objects (freed by reference counting): fewer, larger young
    # collections for the run, the usual ones after it.
    gc.set_threshold(max(thresholds[0], 20_000), *thresholds[1:])
    try:
        return _Importer(store, Path(path), options, progress, cancel).run()
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()  # the frozen objects are collected as usual again
