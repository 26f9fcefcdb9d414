"""Store faults from outside calldesk give a plain message, exit code 1 and no traceback, and the
data stored before is intact: a store locked by another program, a read-only store, a full disk.

Each case uses the real thing: another process holding SQLite's exclusive lock, a read-only
mount (or, for a user who cannot mount, a read-only file and folder), a file-size limit that
makes the disk "full" for the calldesk process.
"""

from __future__ import annotations

import os
import resource
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

CALLDESK = [sys.executable, "-m", "calldesk"]


def _calldesk(*args: str, **kw: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CALLDESK, *args], capture_output=True, text=True, timeout=120, check=False, **kw
    )


def _seeded(path: Path) -> None:
    done = _calldesk("rep", "add", "Ann Archer", "--db", str(path))
    assert done.returncode == 0, done.stderr


def _intact(path: Path) -> list[str]:
    """The rep names stored, after checking the file's integrity."""
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        names = [row[0] for row in db.execute("SELECT name FROM reps ORDER BY id")]
    db.close()
    return names


def _assert_clean_failure(done: subprocess.CompletedProcess[str], words: str) -> None:
    assert done.returncode == 1, (done.returncode, done.stderr)
    assert "Traceback" not in done.stderr + done.stdout
    last = done.stderr.strip().splitlines()[-1]  # progress lines may come first
    assert last.startswith("calldesk: ") and words in last, done.stderr
    assert "sqlalche.me" not in done.stderr  # no library noise


def test_a_store_locked_by_another_program(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite3"
    _seeded(path)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                f"""
                import sqlite3, sys, time
                db = sqlite3.connect({str(path)!r}, isolation_level=None)
                db.execute("BEGIN EXCLUSIVE")
                print("locked", flush=True)
                sys.stdin.read()
                """
            ),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        done = _calldesk("rep", "add", "Bob Baker", "--db", str(path))
        _assert_clean_failure(done, "locked by another program")
    finally:
        assert holder.stdin is not None and holder.stdout is not None
        holder.stdin.close()
        holder.wait(timeout=30)
        holder.stdout.close()
    assert _intact(path) == ["Ann Archer"]
    assert _calldesk("rep", "add", "Bob Baker", "--db", str(path)).returncode == 0  # lock gone


@pytest.fixture
def read_only_folder(tmp_path: Path) -> Iterator[tuple[Path, Callable[[], None]]]:
    """A folder that can be made read-only: a tmpfs remounted ro as root, else permissions."""
    folder = tmp_path / "disk"
    folder.mkdir()
    mounted = False
    if os.geteuid() == 0:  # root ignores permissions: use a real read-only file system
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(folder)], check=True)
        mounted = True

    def make_read_only() -> None:
        if mounted:
            subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)
        else:
            for child in folder.iterdir():
                child.chmod(0o444)
            folder.chmod(0o555)

    try:
        yield folder, make_read_only
    finally:
        if mounted:
            subprocess.run(["umount", str(folder)], check=True)
        else:
            folder.chmod(0o755)


def test_a_read_only_store(read_only_folder: tuple[Path, Callable[[], None]]) -> None:
    folder, make_read_only = read_only_folder
    path = folder / "store.sqlite3"
    _seeded(path)
    make_read_only()
    done = _calldesk("rep", "add", "Bob Baker", "--db", str(path))
    _assert_clean_failure(done, "read-only")
    assert _intact_read_only(path) == ["Ann Archer"]


def _intact_read_only(path: Path) -> list[str]:
    with sqlite3.connect(f"file:{path}?immutable=1", uri=True) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        names = [row[0] for row in db.execute("SELECT name FROM reps ORDER BY id")]
    db.close()
    return names


def test_a_full_disk(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite3"
    _seeded(path)
    numbers = tmp_path / "dnc.txt"
    numbers.write_text("".join(f"+1212{2_000_000 + i:07d}\n" for i in range(60_000)))
    room = path.stat().st_size + 100_000

    def small_disk() -> None:  # runs in the child: no file may grow past `room` bytes
        resource.setrlimit(resource.RLIMIT_FSIZE, (room, room))

    done = _calldesk("dnc", "import", str(numbers), "--db", str(path), preexec_fn=small_disk)
    _assert_clean_failure(done, "what was stored before is intact")
    assert _intact(path) == ["Ann Archer"]
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT count(*) FROM dnc_entries").fetchone() == (0,)  # all or none
    db.close()


def test_an_export_to_a_full_disk(sqlite_store, tmp_path: Path) -> None:
    from test_sync_support import make_lead

    with sqlite_store.write() as session:
        for n in range(400):
            make_lead(session, first=f"Lead{n}", why="x" * 300)
    path = Path(sqlite_store.url.removeprefix("sqlite:///"))
    out = tmp_path / "leads.csv"
    room = path.stat().st_size + 60_000

    def small_disk() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (room, room))

    args = ("export", "--grade", "A", "--out", str(out), "--db", sqlite_store.url)
    done = _calldesk(*args, preexec_fn=small_disk)
    _assert_clean_failure(done, f"cannot write {out}")
    assert list(tmp_path.glob("*leads.csv*")) == []  # neither the file nor a .part is left
    assert _calldesk(*args).returncode == 0 and out.exists()
