"""What Python's sqlite3 costs per bound value, by type: why the importer's SQLite writer
(calldesk.importing.writer) writes constant columns into its statements, binds bools as ints
and mostly-None columns through ``nullif(?, 0)``.

    python bench/bench_binding.py [--rows 300000]

Prints CPU microseconds per value (19 values a row into an in-memory table) beside the load
average.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=300_000)
    n = parser.parse_args().rows
    width = 19
    db = sqlite3.connect(":memory:", isolation_level=None)
    db.execute(
        f"CREATE TABLE t (id INTEGER PRIMARY KEY, {', '.join(f'c{i}' for i in range(width))})"
    )
    marks = ", ".join("?" * width)
    shapes = [
        ("int", [(i, *(1,) * width) for i in range(n)], f"?, {marks}"),
        ("str", [(i, *("abcdefgh",) * width) for i in range(n)], f"?, {marks}"),
        ("None", [(i, *(None,) * width) for i in range(n)], f"?, {marks}"),
        ("bool", [(i, *(True,) * width) for i in range(n)], f"?, {marks}"),
        ("literal NULL (not bound)", [(i,) for i in range(n)], "?" + ", NULL" * width),
        (
            "0 through nullif(?, 0)",
            [(i, *(0,) * width) for i in range(n)],
            "?" + ", nullif(?, 0)" * width,
        ),
    ]
    print(f"{n} rows of {width} values; load average {os.getloadavg()[0]:.2f}")
    for label, rows, values in shapes:
        db.execute("DELETE FROM t")
        db.execute("BEGIN")
        started = time.process_time()
        db.executemany(f"INSERT INTO t VALUES ({values})", rows)
        cpu = time.process_time() - started
        db.execute("COMMIT")
        print(f"  {label:26s} {cpu / n / width * 1e6:6.3f} µs a value ({cpu:5.2f} s CPU)")


if __name__ == "__main__":
    main()
