"""The import: a file in, contacts stored, phone-aware, deduplicated, DNC-marked, all or nothing.

:func:`import_file` streams a file in batches (bounded memory), maps columns, normalises every
phone number (the exact fast path of :mod:`calldesk.phones.normalizer`), deduplicates within the
file and against the store (:mod:`calldesk.importing.dedupe`), marks numbers on the DNC list,
records event engagement, and writes everything with ``executemany`` on the raw database
connection inside one transaction: the import lands whole or not at all (a crash or a cancel
leaves the store as it was). Progress goes to a plain callback; the interface adapts it to
signals and cancels with a :class:`threading.Event` or by returning False from the callback.

The run's parts, each in its module of :mod:`calldesk.importing`: ``run`` (options, progress,
result, refusals), ``values`` (cell values), ``writer`` (bulk SQL), ``indexes`` (dedupe keys),
``target`` (which column holds what), ``judgement`` (the row loop), ``column_rows`` (plain rows
in columns), ``row_places`` (where a contact is placed), ``batch_writes`` (what a batch
stores), ``run_ends`` (set-up and finish) and ``housekeeping`` (the memory check, removing
what a killed run wrote). This module holds the run itself and :func:`import_file`.
"""

from __future__ import annotations

import array
import contextlib
import dataclasses
import datetime as dt
import gc
import hashlib
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from calldesk import locale as locale_mod
from calldesk.importing.batch_writes import _BatchWrites
from calldesk.importing.column_rows import _ColumnRows
from calldesk.importing.housekeeping import (
    discard_run,
    discard_stale_runs,
    memory_problem,
)
from calldesk.importing.judgement import _RowJudgement
from calldesk.importing.mapping import (
    ColumnMapping,
    MappingError,
    matching_mapping,
    resolve_mapping,
    saved_mappings,
)
from calldesk.importing.readers import (
    FileLayout,
    ReaderError,
    RowBatch,
    iter_batches,
    sniff_file,
)
from calldesk.importing.row_places import _RowPlaces
from calldesk.importing.run import (
    EVENT_SOURCES,
    SOURCES,
    ImportCancelled,
    ImportOptions,
    ImportProgress,
    ImportRefused,
    ImportResult,
    ProgressCallback,
)
from calldesk.importing.run_ends import _RunEnds
from calldesk.importing.target import _Target
from calldesk.importing.values import (
    _parse_time,
    country_code,
    engagement_score,
)
from calldesk.importing.writer import (
    _db_time,
    _Writer,
)
from calldesk.models import (
    CallList,
    Campaign,
    Contact,
    Event,
    ImportRun,
    utcnow,
)
from calldesk.phones import PhoneNormalizer
from calldesk.phones.answer_book import answer_book
from calldesk.store import Store, sqlite_pragma

# What callers import from here (the run's types and housekeeping live in their own modules).
__all__ = [
    "EVENT_SOURCES",
    "SOURCES",
    "ImportCancelled",
    "ImportOptions",
    "ImportProgress",
    "ImportRefused",
    "ImportResult",
    "ProgressCallback",
    "country_code",
    "discard_run",
    "discard_stale_runs",
    "engagement_score",
    "event_date_in_file",
    "file_sha256",
    "import_file",
    "memory_problem",
]

SHARED_BATCH_ROWS = 2_000  # rows per write transaction when reps share the store


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


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


# The page cache while an import builds its indexes, in KiB. SQLite sizes the sorter's
# in-memory runs by it: runs of a few MB sort in the processor's caches, and 1M contacts'
# 14 indexes took 10-20% less CPU than with the store's 64 MB, with ~115 MB less memory
# (bench/bench_index_builds.py).
INDEX_BUILD_CACHE_KIB = 8192


class _Importer(_RowJudgement, _ColumnRows, _RowPlaces, _BatchWrites, _RunEnds):
    """One import run: its state (the dedupe indexes, caches, counts) and its course; the row
    loop, the column path, placing, a batch's writes and the run's set-up and finish are in
    the mixins (:mod:`calldesk.importing.judgement`, :mod:`calldesk.importing.column_rows`,
    :mod:`calldesk.importing.row_places`, :mod:`calldesk.importing.batch_writes`,
    :mod:`calldesk.importing.run_ends`)."""

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
        self.normalizer = PhoneNormalizer(self.country, book=answer_book())
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
        answer_book().save()  # the numbers' answers, for the next import (never raises)
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
                    with sqlite_pragma(raw, "cache_size", -INDEX_BUILD_CACHE_KIB):
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

    def _file_date(self, layout: FileLayout, target: _Target) -> dt.date | None:
        return _earliest_date(layout, target.engaged_at)


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
