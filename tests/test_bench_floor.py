"""bench/bench_store_floor.py gives SQLite the same rows and indexes again, on both sides.

The floor it prints stands for what SQLite alone spends storing an import; these tests hold it
to that: every row of the tables the import writes is copied, and the finished store has the
indexes the source has, for calldesk's layout and for the reference pipeline's.
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

import pytest

from calldesk.importing import ImportOptions, import_file
from calldesk.store import open_store
from tests.conftest import REPO, SHARED

sys.path.insert(0, str(REPO / "bench"))

import bench_import  # noqa: E402
import bench_store_floor as floors  # noqa: E402


def _counts(path: Path, tables: tuple[str, ...]) -> dict[str, int]:
    conn = sqlite3.connect(path)
    try:
        return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}
    finally:
        conn.close()


def _indexes(path: Path, tables: tuple[str, ...]) -> set[str]:
    conn = sqlite3.connect(path)
    try:
        marks = ", ".join("?" * len(tables))
        rows = conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
            f"AND tbl_name IN ({marks})",
            tables,
        ).fetchall()
        return {name for (name,) in rows}
    finally:
        conn.close()


def test_calldesk_floor_copies_every_row_and_builds_every_index(tmp_path: Path) -> None:
    listed, registry = tmp_path / "list.csv", tmp_path / "dnc.txt"
    bench_import.generate(listed, 3_000, registry, 300)
    source = tmp_path / "imported.sqlite3"
    store = open_store(f"sqlite:///{source}")
    result = import_file(store, listed, ImportOptions(list_name="Floor", country="US"))
    store.engine.dispose()
    assert result.imported > 2_000
    work = tmp_path / "floor"
    work.mkdir()

    steps, copy = floors.calldesk_floor(source, work)

    tables = floors.CALLDESK_TABLES
    assert _counts(copy, tables) == _counts(source, tables)
    assert _counts(copy, ("contacts",))["contacts"] == result.imported
    assert _indexes(copy, tables) == _indexes(source, tables)
    names = [name for name, _cpu, _wall in steps.steps]
    assert names[0] == "rows" and names[1].startswith("index builds (")
    assert all(cpu >= 0 for _name, cpu, _wall in steps.steps)


def test_reference_floor_copies_every_row_and_builds_its_indexes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pipeline = SHARED / "reference" / "import-limit" / "pipeline.py"
    if not pipeline.exists():
        pytest.fail(f"the reference pipeline is missing: {pipeline}")
    made = tmp_path / "made"
    made.mkdir()
    monkeypatch.setenv("REFERENCE_DATA", str(made))  # where the pipeline module makes its folder
    steps, built = floors.reference_floor(_reference_source(tmp_path), made)
    conn = sqlite3.connect(built)
    try:
        assert conn.execute("SELECT count(*) FROM contacts").fetchone()[0] == 10
        assert conn.execute("SELECT count(*) FROM phones").fetchone()[0] == 20
        assert conn.execute("SELECT count(*) FROM list_members").fetchone()[0] == 10
        assert conn.execute("SELECT count(*) FROM companies").fetchone()[0] == 3
    finally:
        conn.close()
    assert "phones_e164" in _indexes(built, ("phones",))
    assert "contacts_queue" in _indexes(built, ("contacts",))
    assert [name for name, _c, _w in steps.steps][0] == "rows"


def _reference_source(tmp_path: Path) -> Path:
    """A small store in the reference pipeline's layout, by its own open_db and INDEXES."""
    reference = floors.reference_pipeline()
    path = tmp_path / "reference-source.sqlite"
    conn = reference.open_db(str(path), False)
    conn.executemany(
        "INSERT INTO companies (id, name) VALUES (?, ?)", [(i, f"Co {i}") for i in (1, 2, 3)]
    )
    conn.executemany(
        "INSERT INTO contacts (id, company_id, first, last, email, dnc, next_eligible_at, "
        "attempts) VALUES (?, ?, ?, ?, ?, 0, 0, 0)",
        [(i, i % 3 + 1, f"F{i}", f"L{i}", f"p{i}@example.com") for i in range(1, 11)],
    )
    conn.executemany(
        "INSERT INTO phones (id, contact_id, kind, raw, e164) VALUES (?, ?, ?, ?, ?)",
        [
            (2 * i + k, i, kind, f"212555{i:04d}", f"+1212555{i:04d}")
            for i in range(1, 11)
            for k, kind in enumerate(("work", "mobile"))
        ],
    )
    conn.executemany(
        "INSERT INTO list_members (list_id, contact_id) VALUES (1, ?)", [(i,) for i in range(1, 11)]
    )
    conn.executescript(reference.INDEXES)
    conn.close()
    return path
