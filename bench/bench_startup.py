"""Start-up benchmark of the ``calldesk`` command: CPU and wall time of whole processes.

    python bench/bench_startup.py                 # the calldesk beside this Python, 7 runs
    python bench/bench_startup.py --runs 15 --calldesk dist/calldesk/calldesk   # the bundle

Budgets (issue 17): ``calldesk --version`` <= 0.15 s CPU, ``calldesk queue next`` on a small
store <= 0.6 s CPU. The commands run with Python's bytecode cache (``__pycache__``) written by
the warm-up run and then read, as an installed calldesk (or the bundle) has it:
``PYTHONDONTWRITEBYTECODE`` is dropped from their environment unless ``--no-bytecode-cache``
(then every run compiles calldesk's sources again, ~0.1 s more). CPU is user+sys of the child
process (getrusage RUSAGE_CHILDREN, or psutil where there is no ``resource`` module); wall
includes waiting for a busy machine, so read CPU on a shared box. The small store is the demo
(``calldesk demo``), built once before timing. Prints figures and the load average, never
pass/fail.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

try:
    import resource
except ImportError:  # Windows
    resource = None  # type: ignore[assignment]

BUDGETS = {"--version": 0.15, "queue next": 0.6}


def default_calldesk() -> str:
    beside = Path(sys.executable).parent / ("calldesk.exe" if os.name == "nt" else "calldesk")
    return str(beside) if beside.exists() else (shutil.which("calldesk") or "calldesk")


def timed(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of one run of ``command``; it must succeed."""
    if resource is not None:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        return cpu, wall
    import psutil

    start = time.perf_counter()
    process = psutil.Popen(command, env=env, stdout=subprocess.DEVNULL)
    cpu = 0.0
    while process.poll() is None:
        try:
            times = process.cpu_times()
            cpu = times.user + times.system
        except psutil.NoSuchProcess:
            break
        time.sleep(0.005)
    wall = time.perf_counter() - start
    if process.returncode != 0:
        raise SystemExit(f"{command} failed with exit code {process.returncode}")
    return cpu, wall


def load() -> str:
    if hasattr(os, "getloadavg"):
        one, five, fifteen = os.getloadavg()
        return f"load average {one:.2f} {five:.2f} {fifteen:.2f}"
    return "load average: not available here"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="runs of each command")
    parser.add_argument("--calldesk", default=default_calldesk(), help="the program to time")
    parser.add_argument(
        "--no-bytecode-cache",
        action="store_true",
        help="keep PYTHONDONTWRITEBYTECODE if set (every run compiles the sources)",
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="calldesk-bench-startup-") as tmp:
        env = {
            **os.environ,
            "CALLDESK_DATA_DIR": str(Path(tmp, "data")),
            "CALLDESK_CONFIG_DIR": str(Path(tmp, "config")),
        }
        env.pop("CALLDESK_DB", None)
        if not args.no_bytecode_cache:
            env.pop("PYTHONDONTWRITEBYTECODE", None)
        cache = "off (compiled each run)" if env.get("PYTHONDONTWRITEBYTECODE") else "on"
        db = str(Path(tmp, "small.sqlite3"))
        print(f"program: {args.calldesk}")
        print(f"bytecode cache: {cache}")
        print("building the small store (demo)...", flush=True)
        subprocess.run(
            [args.calldesk, "--db", db, "demo", "--json"],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        commands = {
            "--version": [args.calldesk, "--version"],
            "--help": [args.calldesk, "--help"],
            "queue next": [args.calldesk, "--db", db, "queue", "next", "--rep", "Ada Moreno"],
            "queue stats": [args.calldesk, "--db", db, "queue", "stats"],
        }
        print(f"before: {load()}")
        print(
            f"{'command':<12} {'runs':>4} {'CPU min':>8} {'CPU med':>8} {'CPU max':>8} "
            f"{'wall med':>8}  budget (CPU)"
        )
        for name, command in commands.items():
            timed(command, env)  # warm the file cache and .pyc files
            samples = [timed(command, env) for _ in range(args.runs)]
            cpu = [sample[0] for sample in samples]
            wall = [sample[1] for sample in samples]
            budget = BUDGETS.get(name)
            print(
                f"{name:<12} {args.runs:>4} {min(cpu):>8.3f} {statistics.median(cpu):>8.3f} "
                f"{max(cpu):>8.3f} {statistics.median(wall):>8.3f}  "
                + (f"<= {budget:.2f} s" if budget else "-"),
                flush=True,
            )
        print(f"after:  {load()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
