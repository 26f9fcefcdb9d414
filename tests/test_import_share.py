"""An import shares the store: a rep in another process saves outcomes throughout, nothing
is lost, contacts of an unfinished import are never offered, and a cancel leaves nothing."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from calldesk.importing.pipeline import (
    ImportCancelled,
    ImportOptions,
    ImportProgress,
    discard_stale_runs,
    import_file,
)
from calldesk.models import (
    Attempt,
    CallList,
    Company,
    Contact,
    Email,
    ImportRun,
    ListMember,
    Phone,
    Rep,
    utcnow,
)
from calldesk.store import Store
from tests.conftest import give_registry_copy

SAVER = Path(__file__).with_name("rep_saver.py")
REPO = Path(__file__).resolve().parent.parent


def write_list(path: Path, rows: int, first_line: int) -> Path:
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("First Name,Last Name,Company,Email,Phone,State\n")
        for i in range(rows):
            n = first_line + i
            handle.write(
                f"P{n},Q{n},Co {n % 997},p{n}@example.com,"
                f"(212) {200 + n // 10000 % 800:03d}-{n % 10000:04d},NY\n"
            )
    return path


def seeded(store: Store, tmp_path: Path) -> None:
    with store.write() as session:
        session.add(Rep(name="Rita Rep"))
    give_registry_copy(store, dt.date(2026, 11, 2))  # the saver decides on 2026-11-10
    seed = write_list(tmp_path / "seed.csv", 400, 0)
    import_file(store, seed, ImportOptions(list_name="Seed", share_store=False))


def counts(store: Store) -> dict[str, int]:
    with store.session() as session:
        return {
            model.__tablename__: int(session.scalar(select(func.count()).select_from(model)))
            for model in (Contact, Phone, Email, ListMember, Company, CallList)
        }


class Saver:
    """The rep's process: started, stopped, and what it acknowledged."""

    def __init__(self, store: Store, tmp_path: Path) -> None:
        self.stop = tmp_path / "stop"
        self.proc = subprocess.Popen(
            [sys.executable, str(SAVER), store.url, str(self.stop)],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        assert self.proc.stdout.readline().strip() == "ready"

    def finish(self) -> tuple[list[int], list[str], list[str]]:
        self.stop.touch()
        out, err = self.proc.communicate(timeout=60)
        lines = out.splitlines()
        saved = [int(line.split()[1]) for line in lines if line.startswith("saved ")]
        self.times = [float(line.split()[3]) for line in lines if line.startswith("saved ")]
        errors = [line for line in lines if line.startswith("error ")]
        held = [line for line in lines if line.startswith("held ")]
        assert "stopped" in lines, err[-2000:]
        return saved, errors, held


def test_a_rep_saves_throughout_a_large_import(sqlite_store: Store, tmp_path: Path) -> None:
    seeded(sqlite_store, tmp_path)
    big = write_list(tmp_path / "big.csv", 30_000, 10_000)
    saver = Saver(sqlite_store, tmp_path)
    seen_running: list[int] = []
    storing: list[float] = []

    def progress(state: ImportProgress) -> None:
        if state.phase == "storing":
            storing.append(time.time())
            with sqlite_store.session() as session:
                # Between two batches the run's contacts are in the store, held back.
                held = session.scalar(
                    select(func.count())
                    .select_from(Contact)
                    .where(Contact.import_run_id.is_not(None), Contact.callable.is_(True))
                    .join(ImportRun, ImportRun.id == Contact.import_run_id)
                    .where(ImportRun.state == "running")
                )
                seen_running.append(int(held or 0))
        time.sleep(0.01)  # a loaded machine: give the rep's process its turn

    result = import_file(
        sqlite_store, big, ImportOptions(list_name="Big", batch_size=1_000), progress=progress
    )
    saved, errors, held = saver.finish()
    assert errors == [] and held == []
    assert result.imported == 30_000 and result.accounted
    assert seen_running and max(seen_running) == 0  # none callable before the run was done
    # The rep saved while the import was storing (one long transaction let no save through
    # until the import ended: 0 here).
    during = [t for t in saver.times if storing[0] < t < storing[-1]]
    assert len(during) >= 3, (len(during), len(saved))
    with sqlite_store.session() as session:
        stored = set(session.scalars(select(Attempt.id)))
        assert set(saved) <= stored  # every acknowledged save is there
        callable_now = session.scalar(
            select(func.count()).select_from(Contact).where(Contact.callable.is_(True))
        )
        assert callable_now >= 30_000  # released when the run was done
        assert session.scalar(select(ImportRun.state).where(ImportRun.id == result.run_id)) == (
            "done"
        )


def test_cancel_during_a_shared_import_leaves_nothing(sqlite_store: Store, tmp_path: Path) -> None:
    seeded(sqlite_store, tmp_path)
    before = counts(sqlite_store)
    big = write_list(tmp_path / "big.csv", 20_000, 50_000)
    saver = Saver(sqlite_store, tmp_path)
    cancel = threading.Event()
    batches = [0]

    def progress(state: ImportProgress) -> None:
        if state.phase == "storing":
            batches[0] += 1
            if batches[0] == 6:
                cancel.set()

    with pytest.raises(ImportCancelled):
        import_file(
            sqlite_store,
            big,
            ImportOptions(list_name="Cancelled", event="Cancelled expo", batch_size=1_000),
            progress=progress,
            cancel=cancel,
        )
    saved, errors, held = saver.finish()
    assert errors == [] and held == [] and batches[0] >= 6
    after = counts(sqlite_store)
    assert after == before
    with sqlite_store.session() as session:
        assert set(saved) <= set(session.scalars(select(Attempt.id)))
        run = session.scalar(select(ImportRun).order_by(ImportRun.id.desc()))
        assert run.state == "cancelled"
        assert not session.scalar(select(CallList.id).where(CallList.name == "Cancelled"))


def test_a_killed_import_is_cleaned_up_by_the_next(sqlite_store: Store, tmp_path: Path) -> None:
    seeded(sqlite_store, tmp_path)
    before = counts(sqlite_store)
    big = write_list(tmp_path / "big.csv", 20_000, 80_000)
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys\n"
            "from calldesk.store import open_store\n"
            "from calldesk.importing.pipeline import ImportOptions, import_file\n"
            "def progress(state):\n"
            "    if state.phase == 'storing':\n"
            "        print('stored', state.rows_stored, flush=True)\n"
            f"import_file(open_store({sqlite_store.url!r}), {str(big)!r}, "
            "ImportOptions(list_name='Killed', batch_size=1000), progress=progress)\n",
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    while True:
        line = child.stdout.readline()
        assert line, "the import ended before it could be killed"
        if line.startswith("stored") and int(line.split()[1]) >= 4_000:
            break
    child.kill()
    child.wait()
    child.stdout.close()
    assert counts(sqlite_store)["contacts"] > before["contacts"]  # rows of the dead run
    with sqlite_store.session() as session:
        assert not session.scalar(
            select(func.count())
            .select_from(Contact)
            .where(Contact.import_run_id.is_not(None), Contact.callable.is_(True), Contact.id > 400)
        )
    # Not yet stale: a live run is never touched.
    assert discard_stale_runs(sqlite_store, utcnow()) == []
    later = utcnow() + dt.timedelta(minutes=5)
    cleaned = discard_stale_runs(sqlite_store, later)
    assert len(cleaned) == 1
    assert counts(sqlite_store) == before
