"""What SQLite alone spends storing a 1M import: calldesk's layout against the reference's.

    python bench/bench_store_floor.py --db DIR/against-reference.sqlite3 [--rounds 3]

DIR is the folder ``bench_import.py --against-reference --keep DIR`` kept: its
``against-reference.sqlite3`` is the store calldesk's import filled, and
``reference-data/import_*_best_sqlite3.sqlite`` the one the reference pipeline filled from the
same file (``--reference-db`` names another). For each, in a process of its own and a fresh
file, SQLite is given the same rows again with no Python in between: the tables the import
writes get their rows by ``INSERT ... SELECT`` from the kept store (a row at a time, as bound
rows arrive; never SQLite's page-copy shortcut), then the indexes each builds after its load,
the commit and a checkpoint, each with its importer's settings. Prints the CPU (user+sys) of
each step beside wall time, the store's size and the load average: the floor under each
import's storing, with no row work, no binding and no reading of the file.

Figures, not pass/fail: record them in bench/README.md.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import resource
import sqlite3
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_import import shared_dir  # noqa: E402
from bench_index_builds import index_statements  # noqa: E402

from calldesk.importing.pipeline import INDEX_BUILD_CACHE_KIB  # noqa: E402
from calldesk.store import open_store  # noqa: E402

# The tables calldesk's import writes a row of per contact, number, address or list entry, in
# the order it writes them, and the reference's.
CALLDESK_TABLES = ("companies", "contacts", "phones", "emails", "list_members")
REFERENCE_TABLES = ("companies", "contacts", "phones", "list_members")
# Rows a statement copies, as a batch of bound rows would arrive.
CHUNK = 20_000


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class _Steps:
    """CPU and wall seconds of named steps, in order."""

    def __init__(self) -> None:
        self.steps: list[tuple[str, float, float]] = []

    def run(self, name: str, work: Callable[[], object]) -> None:
        cpu, wall = _cpu(), time.perf_counter()
        work()
        self.steps.append((name, _cpu() - cpu, time.perf_counter() - wall))


def _copy_rows(conn: sqlite3.Connection, tables: tuple[str, ...]) -> None:
    """Every row of ``tables`` from the attached ``src`` into main, in rowid order, CHUNK rows
    a statement (a WHERE keeps SQLite from copying records whole)."""
    for table in tables:
        columns = ", ".join(
            f'"{row[1]}"' for row in conn.execute(f'PRAGMA main.table_info("{table}")')
        )
        sql = conn.execute(
            "SELECT sql FROM src.sqlite_master WHERE type = 'table' AND name = ?", (table,)
        ).fetchone()[0]
        if "WITHOUT ROWID" in sql.upper():  # no rowid to take chunks by: one statement
            conn.execute(f'INSERT INTO main."{table}" SELECT * FROM src."{table}" WHERE 1')
            continue
        top = conn.execute(f'SELECT max(rowid) FROM src."{table}"').fetchone()[0] or 0
        for low in range(0, top + 1, CHUNK):
            conn.execute(
                f'INSERT INTO main."{table}" ({columns}) SELECT {columns} FROM src."{table}" '
                "WHERE rowid > ? AND rowid <= ?",
                (low, low + CHUNK),
            )


def calldesk_floor(source: Path, work: Path) -> tuple[_Steps, Path]:
    """calldesk's layout: a store made by its migrations, the indexes a big load drops dropped
    (the partial ones no imported contact enters stay up), rows copied, the dropped indexes
    built with the import's 8 MB cache and on-disk sorter."""
    path = work / "calldesk.sqlite3"
    open_store(f"sqlite:///{path}").engine.dispose()  # the schema, as a new store has it
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=OFF")  # as the import has them
    conn.execute("PRAGMA cache_size=-65536")
    indexes = index_statements(conn)
    for name, _sql in indexes:
        conn.execute(f'DROP INDEX "{name}"')
    conn.execute("ATTACH DATABASE ? AS src", (str(source),))
    steps = _Steps()
    conn.execute("BEGIN IMMEDIATE")
    steps.run("rows", lambda: _copy_rows(conn, CALLDESK_TABLES))

    def build() -> None:
        conn.execute("PRAGMA temp_store=FILE")
        conn.execute(f"PRAGMA cache_size=-{INDEX_BUILD_CACHE_KIB}")
        for _name, sql in indexes:
            conn.execute(sql)

    steps.run(f"index builds ({len(indexes)})", build)
    steps.run("commit", lambda: conn.execute("COMMIT"))
    conn.execute("DETACH DATABASE src")
    steps.run("checkpoint", lambda: conn.execute("PRAGMA wal_checkpoint(TRUNCATE)"))
    conn.close()
    return steps, path


def reference_pipeline() -> Any:
    """The reference pipeline's module (its SCHEMA, INDEXES and open_db), loaded from shared/:
    it is a script, not a package. It makes its data folder ($REFERENCE_DATA) on loading."""
    spec = importlib.util.spec_from_file_location(
        "reference_pipeline", shared_dir() / "reference" / "import-limit" / "pipeline.py"
    )
    assert spec is not None and spec.loader is not None
    reference = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(reference)
    return reference


def reference_floor(source: Path, work: Path) -> tuple[_Steps, Path]:
    """The reference's layout, made by its own pipeline's schema and settings: rows copied, its
    indexes built after the load."""
    os.environ.setdefault("REFERENCE_DATA", str(work))
    reference = reference_pipeline()
    path = work / "reference.sqlite"
    conn = reference.open_db(str(path), False)  # its schema and PRAGMAs, indexes after
    conn.execute("ATTACH DATABASE ? AS src", (str(source),))
    steps = _Steps()
    conn.execute("BEGIN")
    steps.run("rows", lambda: _copy_rows(conn, REFERENCE_TABLES))
    steps.run("commit", lambda: conn.execute("COMMIT"))
    conn.execute("DETACH DATABASE src")
    indexes = reference.INDEXES.count("CREATE")
    steps.run(f"index builds ({indexes})", lambda: conn.executescript(reference.INDEXES))
    steps.run("checkpoint", lambda: conn.execute("PRAGMA wal_checkpoint(TRUNCATE)"))
    conn.close()
    return steps, path


def measure(label: str, floor: Callable[[Path, Path], tuple[_Steps, Path]], source: Path) -> float:
    """One floor in a forked process (its own CPU and peak RSS), printed there; its CPU
    seconds."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        status = 1
        try:
            os.close(read_end)
            with tempfile.TemporaryDirectory(prefix="calldesk-floor-") as work:
                steps, path = floor(source, Path(work))
                size = path.stat().st_size / 1e6
                total_cpu = sum(cpu for _n, cpu, _w in steps.steps)
                total_wall = sum(wall for _n, _c, wall in steps.steps)
                parts = ", ".join(f"{name} {cpu:.2f}" for name, cpu, _w in steps.steps)
                print(
                    f"{label:<9} cpu {total_cpu:6.2f} s  wall {total_wall:6.2f} s  "
                    f"file {size:5.0f} MB  ({parts}; load {os.getloadavg()[0]:.2f})",
                    flush=True,
                )
                os.write(write_end, repr(total_cpu).encode())
            status = 0
        except BaseException:
            traceback.print_exc()
        finally:
            sys.stdout.flush()
            os._exit(status)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as answer:
        told = answer.read()
    _pid, status = os.waitpid(pid, 0)
    if status or not told:
        sys.exit(f"the {label} floor failed")
    return float(told)


def reference_store(calldesk_store: Path) -> Path:
    """The store the reference pipeline filled beside ``calldesk_store`` (bench_import.py
    --against-reference --keep DIR keeps both)."""
    found = sorted(calldesk_store.parent.glob("reference-data/import_*_best_sqlite3.sqlite"))
    if not found:
        sys.exit(f"no reference store in {calldesk_store.parent / 'reference-data'}")
    return found[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True, help="the store calldesk's import filled")
    parser.add_argument("--reference-db", help="the store the reference pipeline filled")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    source = Path(args.db).resolve()
    reference_db = (
        Path(args.reference_db) if args.reference_db else reference_store(source)
    ).resolve()
    counts = []
    for path, tables in ((source, ("contacts", "phones")), (reference_db, ("contacts", "phones"))):
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        counts.append([conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables])
        conn.close()
    print(
        f"calldesk's store {source.name}: {counts[0][0]:,} contacts, {counts[0][1]:,} numbers; "
        f"the reference's {reference_db.name}: {counts[1][0]:,} contacts, {counts[1][1]:,} numbers; "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    for _round in range(args.rounds):
        measure("calldesk", calldesk_floor, source)
        measure("reference", reference_floor, reference_db)


if __name__ == "__main__":
    main()
