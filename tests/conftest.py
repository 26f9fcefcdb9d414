"""Shared fixtures: real SQLite files and a real PostgreSQL server, Qt offscreen.

PostgreSQL comes from ``CALLDESK_TEST_PG`` (a server URL whose role may create databases);
``scripts/dev.sh test`` starts one when none is reachable. Each test that asks for a PostgreSQL
store gets a database of its own, dropped afterwards, so parallel runs never collide.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from calldesk.rules.context import set_registry_gate  # noqa: E402
from calldesk.store import Store, open_store  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("CALLDESK_SHARED") or REPO.parent / "shared")
REALWORLD = SHARED / "realworld"


@pytest.fixture(autouse=True)
def _isolated_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """No test touches the real user data or config directories."""
    base = tmp_path_factory.mktemp("userdirs")
    monkeypatch.setenv("CALLDESK_DATA_DIR", str(base / "data"))
    monkeypatch.setenv("CALLDESK_CONFIG_DIR", str(base / "config"))
    monkeypatch.delenv("CALLDESK_DB", raising=False)


def pg_server_url() -> str | None:
    return os.environ.get("CALLDESK_TEST_PG")


def _need_pg() -> str:
    url = pg_server_url()
    if not url:
        if os.environ.get("CI"):
            pytest.fail("CALLDESK_TEST_PG is not set in CI: PostgreSQL tests must run")
        pytest.skip("CALLDESK_TEST_PG not set (scripts/dev.sh test starts PostgreSQL)")
    return url


def create_pg_database(template: str | None = None) -> tuple[str, str]:
    """A fresh database on the test server (empty, or a copy of ``template``): (url, name)."""
    server = _need_pg()
    name = f"cdtest_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        # FILE_COPY clones a small template several times faster than the default WAL_LOG.
        suffix = f' TEMPLATE "{template}" STRATEGY FILE_COPY' if template else ""
        conn.execute(text(f'CREATE DATABASE "{name}"{suffix}'))
    admin.dispose()
    url = make_url(server).set(database=name).render_as_string(hide_password=False)
    return url, name


def drop_pg_database(name: str) -> None:
    admin = create_engine(_need_pg(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def pg_url() -> Iterator[str]:
    """URL of an empty PostgreSQL database that lives for one test."""
    url, name = create_pg_database()
    try:
        yield url
    finally:
        drop_pg_database(name)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'store.sqlite3'}"


@pytest.fixture
def sqlite_store(sqlite_url: str) -> Iterator[Store]:
    store = open_store(sqlite_url)
    yield store
    store.close()


@pytest.fixture(scope="session")
def _pg_template() -> Iterator[str]:
    """A database migrated and seeded once per test session, cloned for each test.

    Creating a database from a template takes a fraction of a second; running every
    migration for each test took seconds.
    """
    url, name = create_pg_database()
    open_store(url).close()
    try:
        yield name
    finally:
        drop_pg_database(name)


@pytest.fixture
def pg_store(_pg_template: str) -> Iterator[Store]:
    """A store on its own PostgreSQL database, at the current schema, for one test."""
    url, name = create_pg_database(template=_pg_template)
    store = open_store(url)
    try:
        yield store
    finally:
        store.close()
        drop_pg_database(name)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest) -> Store:
    """The same test on a SQLite file and on a PostgreSQL database."""
    name = "sqlite_store" if request.param == "sqlite" else "pg_store"
    return request.getfixturevalue(name)


@pytest.fixture(autouse=True)
def _registry_gate_off() -> Iterator[None]:
    """Stores built by tests hold no do-not-call registry copy, which refuses every consumer
    call (fail closed); tests of that gate turn it back on with ``registry_gate``. This is
    in-process only: a child process (the CLI run as a user would) enforces the gate, so
    those tests give their stores a registry copy (``give_registry_copy``)."""
    set_registry_gate(False)
    yield
    set_registry_gate(True)


@pytest.fixture
def registry_gate(_registry_gate_off: None) -> None:
    """The registry gate as shipped: no fresh registry copy, no consumer calls."""
    set_registry_gate(True)


def give_registry_copy(store: Store, day: dt.date) -> None:
    """US and Canadian registry copies (empty, named as test stand-ins) taken on ``day``: for a
    store that a child process decides on, since the child enforces the registry gate as
    shipped (only this process turned it off)."""
    from calldesk.models import DncSnapshot

    with store.write() as session:
        for source, country in (("us_national", "US"), ("ca_dncl", "CA")):
            session.add(
                DncSnapshot(
                    source=source,
                    country=country,
                    file_name=f"test stand-in {source}",
                    file_date=day,
                    numbers=0,
                )
            )


def shot_path(name: str) -> Path:
    """Where a test's screenshot goes: docs/shots with ``CALLDESK_SHOTS=1``, else the temp dir."""
    folder = (
        REPO / "docs" / "shots"
        if os.environ.get("CALLDESK_SHOTS")
        else Path(tempfile.gettempdir()) / "calldesk-shots"
    )
    folder.mkdir(parents=True, exist_ok=True)
    return folder / name


def run_in_fresh_interpreter(argv: list[str]) -> dict:
    """Run ``calldesk`` with ``argv`` in a fresh interpreter: its exit code, what it printed,
    and the modules it imported."""
    code = (
        "import json, sys\n"
        "from calldesk.cli.main import main\n"
        "try:\n"
        f"    code = main({argv!r})\n"
        "except SystemExit as exc:\n"
        "    code = exc.code\n"
        "sys.stdout.flush()\n"
        "print('\\n' + json.dumps({'code': code, 'modules': sorted(sys.modules)}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=os.environ, timeout=120
    )
    assert "Traceback" not in result.stderr, result.stderr
    *printed, last = result.stdout.strip().splitlines()
    return {**json.loads(last), "printed": "\n".join(printed).strip()}
