"""What the page cache costs the index builds after a big first load: why the importer builds
them with an 8 MB cache (calldesk.importing.pipeline.INDEX_BUILD_CACHE_KIB).

    python bench/bench_index_builds.py --db STORE [--caches 65536,8192] [--rounds 3]

STORE is a store a big import filled (``bench_import.py --against-reference --keep DIR`` keeps
``DIR/against-reference.sqlite3``). In one transaction, as the import has them, every page of
contacts and numbers is made dirty, the secondary indexes of contacts, numbers, addresses and
list entries the import drops (not the partial ones it leaves up) are dropped and built again;
then the transaction is rolled back (the store is left as it was). Each cache size (KiB) in
turn, the sizes alternated for ``--rounds``. Prints the builds' CPU (user+sys), wall time and
peak RSS of the process beside the load average.
"""

from __future__ import annotations

import argparse
import os
import resource
import sqlite3
import time

from calldesk.importing.run_ends import rebuilt_after_big_load

# The indexes a big load drops and builds at the end, by name.
REBUILT = [str(index.name) for index in rebuilt_after_big_load()]


def index_statements(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    """(name, CREATE INDEX statement) of each index a big load builds at the end, as the store
    on ``conn`` has it."""
    marks = ", ".join("?" * len(REBUILT))
    found = dict(
        conn.execute(
            f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND name IN ({marks})",
            REBUILT,
        ).fetchall()
    )
    missing = [name for name in REBUILT if name not in found]
    if missing:
        raise SystemExit(f"the store lacks the import's indexes {missing}: an older schema?")
    return [(name, found[name]) for name in REBUILT]


def build_once(path: str, cache_kib: int) -> tuple[float, float]:
    """CPU and wall seconds of dropping and building the import's indexes with this cache."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA temp_store=FILE")  # as the import has it
        conn.execute(f"PRAGMA cache_size=-{cache_kib}")
        indexes = index_statements(conn)
        conn.execute("BEGIN IMMEDIATE")
        for name, _sql in indexes:
            conn.execute(f'DROP INDEX "{name}"')
        conn.execute("UPDATE contacts SET updated_at = updated_at")
        conn.execute("UPDATE phones SET raw = raw")
        before = resource.getrusage(resource.RUSAGE_SELF)
        started = time.perf_counter()
        for _name, sql in indexes:
            conn.execute(sql)
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_SELF)
        conn.execute("ROLLBACK")
    finally:
        conn.close()
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True, help="a SQLite store a big import filled")
    parser.add_argument("--caches", default="65536,8192", help="cache sizes in KiB")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    caches = [int(c) for c in args.caches.split(",")]
    conn = sqlite3.connect(args.db)
    contacts = conn.execute("SELECT count(*) FROM contacts").fetchone()[0]
    conn.close()
    print(f"{contacts} contacts in {args.db}; load average {os.getloadavg()[0]:.2f}")
    for round_ in range(1, args.rounds + 1):
        for cache in caches:
            # Each size in a process of its own, so peak RSS is that size's.
            pid = os.fork()
            if pid == 0:
                cpu, wall = build_once(args.db, cache)
                rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
                print(
                    f"round {round_} cache {cache // 1024:>4} MB: index builds cpu {cpu:6.2f} s "
                    f"wall {wall:6.2f} s peak rss {rss:5.0f} MB "
                    f"(load {os.getloadavg()[0]:.2f})",
                    flush=True,
                )
                os._exit(0)
            os.waitpid(pid, 0)


if __name__ == "__main__":
    main()
