"""Import benchmark: a generated 1,000,000-row purchased list into a fresh SQLite store.

    python bench/bench_import.py                 # 1,000,000 rows, 200,000 DNC numbers
    python bench/bench_import.py --rows 100000   # quicker
    python bench/bench_import.py --db postgresql+psycopg://...   # another store
    python bench/bench_import.py --against-reference --rows 1000000 [--floor]
        # the reference pipeline (shared/reference/import-limit) and calldesk's command line on
        # the reference generator's file, one after the other: CPU (user+sys) of each process,
        # the ratio, wall times, peak RSS and the load average; --floor adds what SQLite alone
        # spends storing each one's rows in its own layout (bench_store_floor.py)

The list mixes the phone formats real lists have ("(212) 555-0147", "212.555.0147",
"+1 212 555 0147", "1-212-555-0147", bare digits, extensions, foreign numbers), ~5% duplicate
people (the same person again, written differently), ~2% invalid numbers, and a DNC registry
file of 200,000 numbers (half of them on the list). Prints rows/s and peak RSS for each phase.
Figures, not pass/fail: record them in bench/README.md.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from calldesk import dnc  # noqa: E402
from calldesk.importing.pipeline import ImportOptions, ImportProgress, import_file  # noqa: E402
from calldesk.store import open_store  # noqa: E402

FIRST = [
    "James",
    "Mary",
    "Robert",
    "Patricia",
    "John",
    "Jennifer",
    "Michael",
    "Linda",
    "David",
    "Elizabeth",
    "William",
    "Barbara",
    "Richard",
    "Susan",
    "Joseph",
    "Jessica",
    "Thomas",
    "Sarah",
    "Charles",
    "Karen",
    "Chris",
    "Nancy",
    "Daniel",
    "Lisa",
    "Matthew",
    "Betty",
    "Anthony",
    "Sandra",
    "Mark",
    "Ashley",
    "Steven",
    "Kimberly",
    "Paul",
    "Emily",
    "Andrew",
    "Donna",
    "Joshua",
    "Michelle",
]
LAST = [
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Gonzalez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Perez",
    "Thompson",
    "White",
    "Harris",
    "Sanchez",
    "Clark",
    "Ramirez",
    "Lewis",
    "Robinson",
    "Walker",
    "Young",
    "Allen",
    "King",
    "Wright",
    "Scott",
    "Torres",
    "Nguyen",
    "Hill",
    "Flores",
]
TITLES = ["CEO", "CFO", "VP Sales", "IT Manager", "Office Manager", "Director", "Owner", ""]
STATES = [
    "NY",
    "CA",
    "TX",
    "FL",
    "IL",
    "PA",
    "OH",
    "GA",
    "NC",
    "MI",
    "NJ",
    "VA",
    "WA",
    "AZ",
    "MA",
    "TN",
    "IN",
    "MO",
    "MD",
    "WI",
    "CO",
    "MN",
    "SC",
    "AL",
    "LA",
    "KY",
    "OR",
    "OK",
    "CT",
    "UT",
]


def _area_codes() -> list[str]:
    from calldesk import paths

    codes = []
    with paths.resource("nanp_area_codes.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(line for line in handle if not line.startswith("#")):
            if row["country"] == "US":
                codes.append(row["area_code"])
    return codes


def _written(national: str, rng: random.Random) -> str:
    a, b, c = national[:3], national[3:6], national[6:]
    shapes = (
        f"({a}) {b}-{c}",
        f"{a}-{b}-{c}",
        f"{a}.{b}.{c}",
        f"+1 {a} {b} {c}",
        f"1-{a}-{b}-{c}",
        f"{a}{b}{c}",
        f"+1{a}{b}{c}",
        f"({a}){b}-{c}",
    )
    return shapes[rng.randrange(len(shapes))]


def _odd(national: str, rng: random.Random) -> str:
    a, b, c = national[:3], national[3:6], national[6:]
    return rng.choice(
        (
            f"{a}-{b}-{c} x{rng.randint(10, 9999)}",
            f"({a}) {b}-{c} ext. {rng.randint(10, 999)}",
            f"+44 20 7946 {rng.randint(1000, 9999)}",
            f"+49 30 {rng.randint(1000000, 9999999)}",
            f"001 {a} {b} {c}",
            f"{a}/{b}/{c}",
            f"Tel: {a} {b} {c}",
        )
    )


def _invalid(rng: random.Random, area_codes: list[str]) -> str:
    return rng.choice(
        (
            f"({rng.choice(area_codes)}) {rng.randint(0, 199):03d}-{rng.randint(0, 9999):04d}",
            f"{rng.randint(100, 999)}-{rng.randint(1000, 9999)}",
            "n/a",
            f"555-{rng.randint(1000, 9999)}",
            f"{rng.randint(10000, 99999)}",
        )
    )


def generate(path: Path, rows: int, dnc_path: Path, dnc_numbers: int, seed: int = 7) -> None:
    """Write the list and the DNC registry file."""
    rng = random.Random(seed)
    area_codes = _area_codes()
    listed: list[str] = []
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "First Name",
                "Last Name",
                "Company",
                "Title",
                "Email",
                "Phone",
                "Mobile",
                "City",
                "State",
                "Zip",
                "Lead Source",
            ]
        )
        recent: list[list[str]] = []
        for i in range(rows):
            if recent and rng.random() < 0.05:
                again = list(rng.choice(recent))
                again[4] = again[4].upper()
                digits = "".join(ch for ch in again[5] if ch.isdigit())[-10:]
                if len(digits) == 10:
                    again[5] = _written(digits, rng)
                writer.writerow(again)
                continue
            first, last = rng.choice(FIRST), rng.choice(LAST)
            national = f"{rng.choice(area_codes)}{rng.randint(200, 999)}{rng.randint(0, 9999):04d}"
            roll = rng.random()
            if roll < 0.02:
                phone = _invalid(rng, area_codes)
            elif roll < 0.04:
                phone = _odd(national, rng)
            else:
                phone = _written(national, rng)
                if len(listed) < dnc_numbers // 2 and rng.random() < 0.12:
                    listed.append(national)
            mobile = ""
            if rng.random() < 0.3:
                mobile = _written(
                    f"{rng.choice(area_codes)}{rng.randint(200, 999)}{rng.randint(0, 9999):04d}",
                    rng,
                )
            row = [
                first,
                last,
                f"Company {rng.randint(1, rows // 20 + 1)}",
                rng.choice(TITLES),
                f"{first.lower()}.{last.lower()}{i}@example{rng.randint(1, 500)}.com",
                phone,
                mobile,
                "Springfield",
                rng.choice(STATES),
                f"{rng.randint(10000, 99999)}",
                rng.choice(("web", "referral", "purchased", "")),
            ]
            writer.writerow(row)
            recent.append(row)
            if len(recent) > 2000:
                recent.pop(0)
    with open(dnc_path, "w", encoding="utf-8") as handle:
        for national in listed:
            handle.write(f"{national[:3]},{national[3:]}\n")
        for _ in range(dnc_numbers - len(listed)):
            handle.write(f"{rng.choice(area_codes)},{rng.randint(2000000, 9999999)}\n")


def shared_dir() -> Path:
    """The product's shared/ folder: $CALLDESK_SHARED, else ../shared beside the checkout."""
    named = os.environ.get("CALLDESK_SHARED")
    if named:
        return Path(named)
    repo = Path(__file__).resolve().parent.parent
    for candidate in (repo.parent / "shared", repo.parent.parent / "shared"):
        if (candidate / "reference").is_dir():
            return candidate
    return repo.parent / "shared"


def _run(command: list[str], env: dict[str, str], cwd: Path | None = None) -> dict[str, Any]:
    """Run ``command`` as a child: its CPU (user+sys, with the children it waited for), wall
    time and peak RSS, from wait4 on that child alone, and its standard output."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        child = subprocess.Popen(command, env=env, cwd=cwd, stdout=out, stderr=err, text=True)
        _pid, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        done: dict[str, Any] = {"out": out.read(), "err": err.read()}
    if child.returncode != 0:
        sys.exit(f"{' '.join(command)} failed ({child.returncode}):\n{done['err'][-2000:]}")
    done.update(wall=wall, cpu=usage.ru_utime + usage.ru_stime, rss_mb=usage.ru_maxrss / 1024)
    return done


def against_reference(rows: int, workdir: Path, floor: bool = False) -> None:
    """The reference pipeline and calldesk on the same generated file, CPU side by side; with
    ``floor``, what SQLite alone spends storing each one's rows (bench_store_floor.py) and
    what that leaves of the target for everything else."""
    reference = shared_dir() / "reference" / "import-limit"
    if not (reference / "pipeline.py").exists():
        sys.exit(f"no reference pipeline in {reference} (set CALLDESK_SHARED to shared/)")
    data = workdir / "reference-data"
    data.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "REFERENCE_DATA": str(data), "CALLDESK_DATA_DIR": str(workdir / "data")}
    python = sys.executable
    contacts, dnc_file = data / f"contacts_{rows}.csv", data / f"dnc_{rows}.txt"
    if not contacts.exists() or not dnc_file.exists():
        made = _run([python, "gen.py", str(rows)], env, reference)
        print(f"generated {rows} rows with the reference generator in {made['wall']:.1f} s")
    # What each keeps between runs of its phone work: the reference its analysis of which
    # prefixes decide (undecided_*.pkl; its per-number answers only with --cold runs, which
    # the benchmark never makes), calldesk its per-prefix answers (its data folder).
    ref_warm = any(data.glob("undecided_*.pkl"))
    book_warm = any((workdir / "data" / "cache").glob("phone-answers-*.json"))
    load_before = os.getloadavg()
    ref = _run([python, "pipeline.py", "--rows", str(rows)], env, reference)
    ref_json = json.loads(ref["out"].strip().splitlines()[-1])
    db = workdir / "against-reference.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    repo = Path(__file__).resolve().parent.parent
    cli = [python, "-m", "calldesk", "--db", f"sqlite:///{db}"]
    dnc_run = _run([*cli, "dnc", "import", str(dnc_file), "--json"], env, repo)
    imp = _run(
        [*cli, "import", str(contacts), "--list", "Big", "--country", "US", "--json"], env, repo
    )
    summary = json.loads(imp["out"][imp["out"].index("{") :])
    load_after = os.getloadavg()
    both = dnc_run["cpu"] + imp["cpu"]
    print(f"rows {rows}; load average before {load_before[0]:.2f}, after {load_after[0]:.2f}")
    print(
        "phone work kept from earlier runs: "
        f"reference's prefix analysis {'yes' if ref_warm else 'no'}, "
        f"calldesk's per-prefix answers {'yes' if book_warm else 'no'} "
        "(calldesk's dnc import leaves its answers to the list import either way)"
    )
    print(
        f"reference pipeline  cpu {ref['cpu']:7.2f} s  wall {ref['wall']:7.2f} s  "
        f"peak rss {ref['rss_mb']:.0f} MB"
    )
    print(f"calldesk dnc import cpu {dnc_run['cpu']:7.2f} s  wall {dnc_run['wall']:7.2f} s")
    print(
        f"calldesk import     cpu {imp['cpu']:7.2f} s  wall {imp['wall']:7.2f} s  "
        f"peak rss {imp['rss_mb']:.0f} MB"
    )
    print(
        f"ratio (calldesk import / reference) {imp['cpu'] / ref['cpu']:.2f}x; "
        f"with the dnc import {both / ref['cpu']:.2f}x"
    )
    print(
        f"  calldesk: imported {summary.get('imported')}, duplicates {summary.get('duplicates')}, "
        f"invalid {summary.get('invalid')}, accounted {summary.get('accounted')}; "
        f"reference: contacts {ref_json.get('contacts')}, phones {ref_json.get('phones')}"
    )
    if floor:
        _floors(db, ref["cpu"], imp["cpu"])


# The import's target: its CPU at most this many times the reference pipeline's (issue 18).
TARGET_RATIO = 1.3


def _floors(db: Path, reference_cpu: float, calldesk_cpu: float) -> None:
    """What SQLite alone spends storing each one's rows, in each one's layout, and the rest."""
    import bench_store_floor as floors

    print("SQLite alone storing the same rows again (bench_store_floor.py):")
    mine = floors.measure("calldesk", floors.calldesk_floor, db)
    theirs = floors.measure("reference", floors.reference_floor, floors.reference_store(db))
    budget = TARGET_RATIO * reference_cpu
    print(
        f"  {TARGET_RATIO}x the reference is {budget:.2f} s; calldesk's storing floor takes "
        f"{mine / budget:.0%} of it, leaving {budget - mine:.2f} s for reading, numbers, row "
        f"work and binding, which take calldesk {calldesk_cpu - mine:.2f} s now and the "
        f"reference {reference_cpu - theirs:.2f} s (its floor {theirs:.2f} s)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--dnc", type=int, default=200_000)
    parser.add_argument("--db", help="store URL (default: a fresh SQLite file)")
    parser.add_argument("--keep", help="directory to keep the generated files in")
    parser.add_argument(
        "--against-reference",
        action="store_true",
        help="run the reference pipeline and calldesk on the reference generator's file",
    )
    parser.add_argument(
        "--floor",
        action="store_true",
        help="with --against-reference: also what SQLite alone spends storing each one's rows",
    )
    args = parser.parse_args()
    workdir = Path(args.keep or tempfile.mkdtemp(prefix="calldesk-bench-import-"))
    workdir.mkdir(parents=True, exist_ok=True)
    if args.against_reference:
        against_reference(args.rows, workdir, args.floor)
        return
    os.environ.setdefault("CALLDESK_DATA_DIR", str(workdir / "data"))
    list_path = workdir / f"list_{args.rows}.csv"
    dnc_path = workdir / f"dnc_{args.dnc}.txt"
    if not list_path.exists() or not dnc_path.exists():
        t = time.perf_counter()
        generate(list_path, args.rows, dnc_path, args.dnc)
        print(
            f"generated {args.rows} rows in {time.perf_counter() - t:.1f} s "
            f"({list_path.stat().st_size / 1e6:.0f} MB)",
            flush=True,
        )
    url = args.db or f"sqlite:///{workdir / 'bench.sqlite3'}"
    if not args.db:
        for suffix in ("", "-wal", "-shm"):
            Path(str(workdir / "bench.sqlite3") + suffix).unlink(missing_ok=True)
    process = psutil.Process()
    store = open_store(url)
    base_rss = process.memory_info().rss

    t = time.perf_counter()
    loaded = dnc.import_dnc_file(store, dnc_path, source="us_national")
    took = time.perf_counter() - t
    print(
        f"dnc import      {loaded.numbers:>9} numbers {took:6.2f} s "
        f"{loaded.numbers / took:>10,.0f} numbers/s  rss {process.memory_info().rss / 1e6:.0f} MB"
    )

    phases: dict[str, list[float]] = {}  # phase -> [first seen, last seen, peak rss, rows]
    started = time.perf_counter()

    def progress(state: ImportProgress) -> None:
        now = time.perf_counter()
        rss = process.memory_info().rss
        entry = phases.setdefault(state.phase, [now, now, rss, 0])
        entry[1] = now
        entry[2] = max(entry[2], rss)
        entry[3] = state.rows_read

    result = import_file(
        store, list_path, ImportOptions(list_name="Bench list", country="US"), progress=progress
    )
    total = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(
        f"import          {result.rows:>9} rows    {total:6.2f} s {result.rows / total:>10,.0f} rows/s  "
        f"peak rss {peak / 1e6:.0f} MB (store open: {base_rss / 1e6:.0f} MB)"
    )
    for phase, seconds in result.phases.items():
        print(f"  {phase:<13} {seconds:6.2f} s")
    for phase, (first, last, rss, _rows) in phases.items():
        print(
            f"  phase {phase:<9} seen {first - started:6.2f}..{last - started:6.2f} s  "
            f"peak rss {rss / 1e6:.0f} MB"
        )
    print(
        f"  imported {result.imported}, duplicates {result.duplicates}, merged {result.merged}, "
        f"invalid rows {result.invalid}, dnc {result.dnc_suppressed}, "
        f"possible duplicates {result.possible_duplicates}, shared numbers {result.shared_numbers}"
    )
    store.close()


if __name__ == "__main__":
    main()
