"""A rep's save-and-next while a big list is imported into the same SQLite store.

    python bench/bench_import_share.py                  # 500,000 rows
    python bench/bench_import_share.py --rows 50000     # quicker
    python bench/bench_import_share.py --one-transaction  # the old way, for comparison

A store with 2,000 contacts and a rep; a rep process (tests/rep_saver.py) records outcomes
and takes the next card in a loop (save-and-next, one write transaction each) while this
process imports the list. Prints the import time and the rep's save-and-next latency while
the import was storing: count, p50, p99, max, and failed saves ("database is locked").
Figures, not pass/fail: record them in bench/README.md (target: p99 under 200 ms).
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from calldesk.importing.pipeline import ImportOptions, ImportProgress, import_file  # noqa: E402
from calldesk.models import DncSnapshot, Rep  # noqa: E402
from calldesk.store import open_store  # noqa: E402

SAVER = ROOT / "tests" / "rep_saver.py"


def write_list(path: Path, rows: int, first: int) -> Path:
    """A purchased list of New York numbers (the rep's calling window is open for them)."""
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("First Name,Last Name,Company,Email,Phone,State\n")
        for i in range(rows):
            n = first + i
            handle.write(
                f"P{n},Q{n},Co {n % 997},p{n}@example.com,"
                f"(212) {200 + n // 10000 % 800:03d}-{n % 10000:04d},NY\n"
            )
    return path


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=500_000)
    parser.add_argument("--one-transaction", action="store_true", help="share_store=False")
    parser.add_argument("--keep", help="directory for the store and the list")
    args = parser.parse_args()
    where = Path(args.keep or tempfile.mkdtemp(prefix="bench-import-share-"))
    where.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{where / 'share.sqlite3'}"
    store = open_store(url)
    with store.write() as session:
        session.add(Rep(name="Bench Rep"))
        # A US registry copy a few days old at the rep's clock: without one every consumer call
        # is refused (fail closed, issue 14) and the rep would have nothing to save.
        session.add(
            DncSnapshot(
                source="us_national",
                country="US",
                file_name="bench-us_national",
                file_date=dt.date(2026, 11, 6),
            )
        )
    import_file(
        store,
        write_list(where / "seed.csv", 2_000, 0),
        ImportOptions(list_name="Seed", share_store=False),
    )
    big = write_list(where / "big.csv", args.rows, 10_000_000)
    stop = where / "stop"
    stop.unlink(missing_ok=True)
    rep = subprocess.Popen(
        [sys.executable, str(SAVER), url, str(stop)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert rep.stdout is not None and rep.stdout.readline().strip() == "ready"
    storing: list[float] = []

    def progress(state: ImportProgress) -> None:
        if state.phase in ("storing", "finishing"):
            storing.append(time.time())

    started = time.perf_counter()
    result = import_file(
        store,
        big,
        ImportOptions(list_name="Big", share_store=not args.one_transaction),
        progress=progress,
    )
    took = time.perf_counter() - started
    stop.touch()
    out, _ = rep.communicate(timeout=120)
    lines = out.splitlines()
    saves = [
        (float(line.split()[2]), float(line.split()[3]))
        for line in lines
        if line.startswith("saved ")
    ]
    during = [ms for ms, at in saves if storing and storing[0] <= at <= storing[-1] + 1]
    errors = [line for line in lines if line.startswith("error ")]
    mode = "one transaction" if args.one_transaction else "shared (batched)"
    print(f"import of {args.rows:,} rows, {mode}: {took:.1f} s, {result.imported:,} imported")
    if during:
        print(
            f"rep save-and-next during the import: {len(during)} saves, "
            f"p50 {statistics.median(during):.1f} ms, p99 {percentile(during, 0.99):.1f} ms, "
            f"max {max(during):.1f} ms"
        )
    else:
        print("rep save-and-next during the import: no save got through")
    print(f"failed saves: {len(errors)}" + (f" (first: {errors[0]})" if errors else ""))


if __name__ == "__main__":
    main()
