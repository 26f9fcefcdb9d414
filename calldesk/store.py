"""Opening a calldesk store: SQLite file by default, any SQLAlchemy URL for a team.

Opening runs the Alembic migrations shipped inside the package. A SQLite file is copied to the
backups folder before any migration touches it, and a store whose schema is newer than this
calldesk knows is refused instead of being damaged.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import sqlite3
import threading
import time
import weakref
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, exc, select, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.orm import Session, sessionmaker

from calldesk import paths

if TYPE_CHECKING:
    from alembic.config import Config

# Alembic is imported only when a store is not at this calldesk's head: opening a store that is
# up to date (every start of the desk) reads the revision with one query.
_REVISION_FILE = re.compile(r"^(\d{4})_\w+\.py$")
_REVISION_ID = re.compile(r'^revision(?:: str)? = "([^"]+)"', re.MULTILINE)


class StoreError(Exception):
    """A store cannot be opened or used; the message says why in plain words."""


class NewerStoreError(StoreError):
    """The store was written by a newer calldesk than this one."""


class StoreFault(StoreError, exc.OperationalError):
    """The database refused work for a reason outside calldesk: the store is locked by another
    program, read-only, or the disk is full. Its message says so in plain words.

    Still an ``OperationalError`` (code that retries a locked store keeps working) and a
    :class:`StoreError` (the command line prints the message, never a traceback).
    """

    def __init__(self, message: str, statement: str | None, params: Any, orig: BaseException):
        exc.OperationalError.__init__(self, statement, params, orig)
        self.message = message

    def __str__(self) -> str:
        return self.message

    def __reduce__(self) -> Any:  # pickling (worker threads, multiprocessing)
        return (type(self), (self.message, self.statement, self.params, self.orig))


# What the database says -> what the user reads; the database's own words stay in the message
# (code that looks for "database is locked" still finds it).
_FAULTS = (
    (
        ("database is locked", "database table is locked"),
        "the store is locked by another program ({orig}); nothing was changed: "
        "close the other program (or wait for it) and try again",
    ),
    (
        ("readonly database", "read-only transaction", "read-only file system"),
        "the store is read-only ({orig}); nothing was changed: check the file's permissions "
        "and that its disk is mounted writable",
    ),
    (
        ("database or disk is full", "no space left on device", "could not extend file"),
        "the disk holding the store is full ({orig}); nothing was changed and what was stored "
        "before is intact: free some space and try again",
    ),
    (
        ("disk i/o error",),
        "the store could not be written ({orig}): the disk may be full or failing; nothing "
        "was changed and what was stored before is intact",
    ),
    (
        ("unable to open database file",),
        "the store file cannot be opened ({orig}): check that its folder exists and that you "
        "may write to it",
    ),
)


def explain_fault(error: BaseException) -> str | None:
    """A plain message for a database error the user can act on, or None for other errors."""
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    low = text.lower()
    for needles, message in _FAULTS:
        if any(needle in low for needle in needles):
            return message.format(orig=text)
    return None


def _on_error(context: Any) -> None:
    """Replace a locked / read-only / full-disk database error by a :class:`StoreFault`."""
    original = context.original_exception
    if isinstance(original, StoreFault):
        return
    message = explain_fault(original)
    if message is not None:
        raise StoreFault(message, context.statement, context.parameters, original) from original


def resolve_url(url: str | None = None) -> str:
    """The store URL: ``url`` if given, else ``CALLDESK_DB``, else the data location chosen in
    Settings (remembered in the preferences), else the default SQLite file."""
    url = url or os.environ.get("CALLDESK_DB") or _chosen_url()
    if not url:
        return f"sqlite:///{paths.default_db_path()}"
    if "://" not in url:  # a bare path to a SQLite file
        return f"sqlite:///{Path(url).expanduser().resolve()}"
    return url


def _chosen_url() -> str:
    from calldesk import settings  # the preferences file, read only when no store was named

    return settings.get("db_url")


def _sqlite_on_connect(dbapi_connection: sqlite3.Connection, _record: object) -> None:
    # Let SQLAlchemy's "begin" event issue BEGIN so we can choose IMMEDIATE for writers.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    # NORMAL in WAL mode: a committed transaction survives the process being killed;
    # only a power cut can lose the last commits.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA temp_store=MEMORY")
    cursor.execute("PRAGMA cache_size=-65536")
    # The WAL is copied back into the database file by the store's checkpointer thread, off
    # the rep's path (see _Checkpointer). The writer's own checkpoint, which landed on one
    # save in ~140 (a save writes ~29 pages), is the backstop: for a process without that
    # thread, and to start a WAL that saves back to back never let go of again from its
    # beginning (it then finds all but the last few saves copied back already).
    cursor.execute(f"PRAGMA wal_autocheckpoint={_BACKSTOP_PAGES}")
    cursor.close()


_BACKSTOP_PAGES = 16_000
_checkpointers: weakref.WeakKeyDictionary[Engine, _Checkpointer] = weakref.WeakKeyDictionary()
_CHECKPOINT_COMMITS = 256  # commits between two checkpoints (~7,500 pages of saves)
_CHECKPOINT_COMMITS_NEAR_BACKSTOP = 8


@contextlib.contextmanager
def sqlite_pragma(raw: sqlite3.Connection, name: str, value: int) -> Iterator[None]:
    """PRAGMA ``name`` at ``value`` on a SQLite DB-API connection for a while, and the
    connection's own value again afterwards (it goes back to the pool)."""
    (before,) = raw.execute(f"PRAGMA {name}").fetchone()
    raw.execute(f"PRAGMA {name}={int(value)}")
    try:
        yield
    finally:
        raw.execute(f"PRAGMA {name}={int(before)}")


class _Checkpointer:
    """Copies a SQLite store's WAL back into its file on a thread of its own, never inside a
    rep's save: woken after every ``_CHECKPOINT_COMMITS`` commits, it runs while the rep
    reads the card that save showed. Fewer, larger checkpoints copy less in all: a page
    changed by many saves is copied once.

    The checkpoint is PASSIVE: it takes no lock a writer or reader waits for, it copies what
    no reader still needs and the next one copies the rest. It is the work the writer's
    automatic checkpoint did inside one save in ~140 (``cpu_seconds`` counts it), done on the
    other core. The thread starts with the first commit and ends with the store.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self.cpu_seconds = 0.0
        self.runs = 0
        self._commits = 0
        self._every = _CHECKPOINT_COMMITS
        self._wake = threading.Event()
        self._stopped = False
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def committed(self, _conn: Any = None) -> None:
        """A transaction was committed (the engine's ``commit`` event)."""
        self._commits += 1
        if self._commits < self._every:
            return
        self._commits = 0
        if self._thread is None:
            with self._lock:
                if self._thread is None and not self._stopped:
                    self._thread = threading.Thread(
                        target=self._run, name="calldesk-checkpoint", daemon=True
                    )
                    self._thread.start()
        self._wake.set()

    def _run(self) -> None:
        while True:
            self._wake.wait()
            self._wake.clear()
            if self._stopped:
                return
            self.checkpoint()

    def checkpoint(self) -> None:
        """PASSIVE checkpoints on a connection of its own (errors are left to the backstop);
        saves committed while one ran are copied by a short second pass. The WAL starts again
        from its beginning when a save finds every frame copied back: between a rep's saves,
        or for saves back to back (a bench) at the backstop, which then copies next to
        nothing."""
        started = time.thread_time()
        try:
            conn = sqlite3.connect(self.path, timeout=0, isolation_level=None)
            try:
                for _ in range(4):
                    busy, logged, copied = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                    if busy or copied >= logged:
                        break
                # A WAL that saves back to back keep from starting again nears the backstop:
                # copy often, so the save that runs the backstop finds next to nothing left.
                near = logged > _BACKSTOP_PAGES // 2
                self._every = _CHECKPOINT_COMMITS_NEAR_BACKSTOP if near else _CHECKPOINT_COMMITS
            finally:
                conn.close()
        except sqlite3.Error:
            pass
        self.cpu_seconds += time.thread_time() - started
        self.runs += 1

    def stop(self) -> None:
        self._stopped = True
        self._wake.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=10)


# How long a writer waits for SQLite's write lock before "database is locked" (the same as
# the connection's busy_timeout), and how often it asks while it waits.
_WRITE_WAIT_SECONDS = 10.0
_WRITE_POLL_SECONDS = 0.001


def _sqlite_on_begin(conn: Connection) -> None:
    immediate = conn.get_execution_options().get("sqlite_immediate", False)
    if not immediate:
        conn.exec_driver_sql("BEGIN")
        return
    raw = conn.connection.dbapi_connection
    # SQLite's own busy handler sleeps up to 100 ms between tries, so a rep's save could wait
    # through a whole import while the import commits batch after batch and takes the lock
    # back within microseconds. Asking every millisecond gets the save in between two batches.
    raw.execute("PRAGMA busy_timeout=0")  # type: ignore[union-attr]
    try:
        deadline = time.monotonic() + _WRITE_WAIT_SECONDS
        while time.monotonic() < deadline:
            try:
                raw.execute("BEGIN IMMEDIATE")  # type: ignore[union-attr]
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    break  # said below, through SQLAlchemy, like any other error
                time.sleep(_WRITE_POLL_SECONDS)
        conn.exec_driver_sql("BEGIN IMMEDIATE")  # the last try raises as SQLAlchemy does
    finally:
        raw.execute("PRAGMA busy_timeout=10000")  # type: ignore[union-attr]


def create_private_file(path: Path) -> None:
    """Create ``path`` empty and readable by this user only (0600), unless it exists.

    A new SQLite store holds contacts' personal data: it must not be created world-readable.
    SQLite gives its ``-wal`` and ``-shm`` files the database file's mode, so they follow.
    """
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    os.close(fd)


def make_engine(url: str) -> Engine:
    """An engine for ``url`` with calldesk's connection settings (WAL and foreign keys on SQLite).

    A SQLite file that does not exist yet is created 0600 (see :func:`create_private_file`).
    """
    sa_url = make_url(url)
    if sa_url.get_backend_name() == "sqlite":
        database = sa_url.database
        if database and database != ":memory:" and not database.startswith("file:"):
            path = Path(database).expanduser()
            path.parent.mkdir(parents=True, exist_ok=True)
            create_private_file(path)
        engine = create_engine(sa_url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_on_connect)
        if database and database != ":memory:" and not database.startswith("file:"):
            checkpointer = _Checkpointer(str(Path(database).expanduser()))
            _checkpointers[engine] = checkpointer
            event.listen(engine, "commit", checkpointer.committed)
            weakref.finalize(engine, checkpointer.stop)
        event.listen(engine, "begin", _sqlite_on_begin)
        event.listen(engine, "handle_error", _on_error)
        return engine
    from calldesk.models import postgresql_predicates

    postgresql_predicates()  # the partial indexes' predicates (see calldesk.models)
    # Statements calldesk runs over and over (the queue's, a save's) are prepared by psycopg
    # after a few runs; left to itself the server still plans most of them again on every
    # run (their parameters make the generic plan look dearer), which was half the server's
    # CPU per claim. Statements run once (reports) are not prepared and planned as before.
    connect_args: dict[str, Any] = {}
    if (
        sa_url.get_backend_name() == "postgresql"
        and sa_url.get_driver_name() == "psycopg"
        and "options" not in sa_url.query  # the URL's own server options win
    ):
        connect_args["options"] = "-c plan_cache_mode=force_generic_plan"
    engine = create_engine(sa_url, connect_args=connect_args)
    _ping_when_idle(engine)
    event.listen(engine, "handle_error", _on_error)
    return engine


# A server connection the pool kept idle may have been closed (a server restart, a network
# timeout): one that waited longer than this is tried with "SELECT 1" before it is handed out,
# and replaced if that fails. One taken back at once (a rep's save-and-next, claims back to
# back) is not: the ping was a round trip, about a tenth of a claim's CPU on both sides.
PING_AFTER_IDLE_SECONDS = 5.0


def _ping_when_idle(engine: Engine) -> None:
    def checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    def checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.pop("idle_since", None)
        if since is None or time.monotonic() - since < PING_AFTER_IDLE_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as error:  # the pool drops this connection and opens another
            raise exc.DisconnectionError(f"idle connection lost: {error}") from error

    event.listen(engine, "checkin", checkin)
    event.listen(engine, "checkout", checkout)


def _alembic_config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(paths.migrations_dir()))
    return config


def known_revisions() -> list[str]:
    """The schema revisions this calldesk ships, oldest first (one linear history)."""
    files = sorted(
        p for p in (paths.migrations_dir() / "versions").iterdir() if _REVISION_FILE.match(p.name)
    )
    # A file's own ``revision = "..."`` names it ("0003_rules"), else its four digits.
    revisions = []
    for path in files:
        found = _REVISION_ID.search(path.read_text(encoding="utf-8"))
        revisions.append(found.group(1) if found else _REVISION_FILE.match(path.name).group(1))
    return revisions


def head_revision() -> str:
    """The newest schema revision this calldesk knows."""
    return known_revisions()[-1]


def current_revision(engine: Engine) -> str | None:
    """The store's schema revision in one query (None: a new, empty store)."""
    with engine.connect() as conn:
        try:
            return conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
        except StoreFault:
            raise  # locked or unreadable: not a new store
        except (exc.OperationalError, exc.ProgrammingError):
            return None


@dataclass
class Store:
    """An open store: an engine and a session factory, schema at this calldesk's head."""

    url: str
    engine: Engine
    sessions: sessionmaker[Session]

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    def session(self) -> Session:
        """A new short-lived session; use as ``with store.session() as s, s.begin(): ...``."""
        return self.sessions()

    @contextlib.contextmanager
    def write(self) -> Iterator[Session]:
        """A session in one write transaction, committed on success, rolled back on error.

        On SQLite the transaction starts with ``BEGIN IMMEDIATE`` so that a writer never fails
        half-way with "database is locked" after reading.
        """
        with self.sessions() as session, session.begin():
            if self.is_sqlite:
                session.connection(execution_options={"sqlite_immediate": True})
            yield session

    def revision(self) -> str | None:
        return current_revision(self.engine)

    @property
    def checkpointer(self) -> _Checkpointer | None:
        """The thread that checkpoints a SQLite file store's WAL (None on other stores)."""
        return _checkpointers.get(self.engine)

    def close(self) -> None:
        checkpointer = self.checkpointer
        if checkpointer is not None:
            checkpointer.stop()
        self.engine.dispose()


@contextlib.contextmanager
def _migration_lock(engine: Engine) -> Iterator[None]:
    """Only one process migrates a store at a time."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(7244501)"))
            conn.commit()
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(7244501)"))
                conn.commit()
        return
    database = engine.url.database
    if not database or database == ":memory:":
        yield
        return
    lock_path = Path(database).with_suffix(Path(database).suffix + ".migrate-lock")
    # filelock: an OS lock on Windows, macOS and Linux alike (fcntl exists only on POSIX);
    # imported here because only a migration needs it (start-up of every command stays lean).
    from filelock import FileLock

    with FileLock(lock_path):
        yield


def backup_sqlite(engine: Engine, revision: str | None) -> Path | None:
    """Copy a SQLite store to the backups folder (consistent even while others read it)."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        return None
    source_path = Path(database)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")
    target = paths.backups_dir() / f"{source_path.stem}-{revision or 'empty'}-{stamp}.sqlite3"
    target.parent.mkdir(parents=True, exist_ok=True)
    create_private_file(target)  # a copy of personal data: this user only
    source = sqlite3.connect(str(source_path))
    try:
        dest = sqlite3.connect(str(target))
        with dest:
            source.backup(dest)
        dest.close()
    finally:
        source.close()
    return target


def check_revision(revision: str | None) -> None:
    """Refuse a store whose schema revision this calldesk does not know."""
    if revision is None:
        return
    if revision not in known_revisions():
        raise NewerStoreError(
            f"This store was written by a newer calldesk (schema revision {revision}); "
            f"this calldesk knows schemas up to {head_revision()}. "
            "Install the newer calldesk to open it; the store was left untouched."
        )


def migrate(engine: Engine, target: str = "head") -> Path | None:
    """Bring the schema to ``target``; returns the backup made first, if any."""
    backup: Path | None = None
    with _migration_lock(engine):
        revision = current_revision(engine)
        check_revision(revision)
        wanted = head_revision() if target == "head" else target
        if revision == wanted:
            return None
        if revision is not None:
            backup = backup_sqlite(engine, revision)
        from alembic import command

        config = _alembic_config()
        with engine.connect() as conn:
            sqlite = engine.dialect.name == "sqlite"
            if sqlite:
                # SQLite migrations rebuild tables (copy, drop, rename); with foreign keys on,
                # dropping the old table would cascade-delete every child row. The pragma only
                # takes effect outside a transaction, so set it on the raw connection first.
                raw = conn.connection.dbapi_connection
                raw.execute("PRAGMA foreign_keys=OFF")
            try:
                with conn.begin():
                    config.attributes["connection"] = conn
                    command.upgrade(config, target)
                    if sqlite:
                        broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                        if broken:
                            raise StoreError(
                                f"migration left {len(broken)} broken references; "
                                "the store was not changed"
                            )
            finally:
                if sqlite:
                    raw.execute("PRAGMA foreign_keys=ON")
    return backup


def open_store(url: str | None = None, *, upgrade: bool = True) -> Store:
    """Open (and if needed create and migrate) the store at ``url``.

    Raises :class:`NewerStoreError` for a store from a newer calldesk and :class:`StoreError`
    when the database cannot be reached.
    """
    resolved = resolve_url(url)
    try:
        engine = make_engine(resolved)
    except OSError as exc:  # the folder cannot be created, the file is on a read-only disk...
        reason = _read_only(resolved) or str(exc)
        raise StoreError(f"cannot open store {_safe_url(resolved)}: {reason}") from exc
    # Two processes creating one SQLite file at once: turning a new file to WAL needs it
    # alone, and SQLite answers "locked" at once (no waiting) to the second. The first look
    # at a new file is taken under the migration lock, as its migration is.
    first_look = _migration_lock(engine) if _new_sqlite_file(resolved) else contextlib.nullcontext()
    try:
        with first_look:
            revision = current_revision(engine)
    except Exception as exc:  # connection refused, bad path, wrong password...
        engine.dispose()
        reason = _read_only(resolved) or _plain(exc)
        raise StoreError(f"cannot open store {_safe_url(resolved)}: {reason}") from exc
    try:
        check_revision(revision)
        if upgrade and revision != head_revision():
            migrate(engine)
    except Exception:
        engine.dispose()
        raise
    store = Store(resolved, engine, sessionmaker(engine, expire_on_commit=False))
    ensure_defaults(store)
    return store


def _new_sqlite_file(url: str) -> bool:
    """Whether ``url`` is a SQLite file not created yet (or still empty)."""
    sa_url = make_url(url)
    database = sa_url.database
    if sa_url.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return False
    path = Path(database).expanduser()
    return not path.exists() or path.stat().st_size == 0


def _read_only(url: str) -> str | None:
    """Why a SQLite store cannot be written (file or folder read-only), or None."""
    sa_url = make_url(url)
    database = sa_url.database
    if sa_url.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return None
    path = Path(database).expanduser()
    if not path.exists():
        return None
    for place in (path, path.parent):
        if not os.access(place, os.W_OK):
            return (
                f"the store is read-only ({place} cannot be written; calldesk writes the store "
                "and its -wal and -shm files beside it); nothing was changed: check the "
                "permissions and that the disk is mounted writable"
            )
    return None


def _plain(error: BaseException) -> str:
    """An error's message without SQLAlchemy's technical tail ("Background on this error...")."""
    if isinstance(error, StoreFault):
        return error.message
    if isinstance(error, exc.DBAPIError) and error.orig is not None:
        return str(error.orig).strip() or type(error.orig).__name__
    return str(error)


def _safe_url(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def ensure_defaults(store: Store) -> None:
    """Seed what every store needs before the first call (dispositions, default campaign)."""
    from calldesk import defaults  # late import: defaults reads resources

    defaults.seed(store)


def table_counts(store: Store) -> dict[str, int]:
    """Rows per table, for ``calldesk init --json`` and the demo summary."""
    from calldesk.models import Base

    counts: dict[str, int] = {}
    with store.session() as session:
        for table in Base.metadata.sorted_tables:
            counts[table.name] = session.scalar(select(text("count(*)")).select_from(table)) or 0
    return counts
