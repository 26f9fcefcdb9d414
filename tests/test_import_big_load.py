"""A big first load into a (nearly) empty SQLite store drops the secondary indexes of contacts,
numbers, addresses and list entries and builds them after the last row, with a small page cache
(SQLite's sorter sizes its runs by it). The store ends with every index the schema names, the
connection with its own cache again, and the rows are those an import with its indexes up
stores."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Index, text

from calldesk.importing import pipeline, run_ends
from calldesk.importing.pipeline import ImportOptions, import_file
from calldesk.store import open_store, sqlite_pragma
from tests.test_import_golden import TABLES, generate


def _indexes(path: Path) -> dict[str, str]:
    with sqlite3.connect(path) as conn:
        return dict(
            conn.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
            ).fetchall()
        )


def _load(tmp_path: Path, name: str) -> tuple[list[dict[str, Any]], dict[str, Any], int]:
    """Two imports of the golden list into a new store: what they said, every table's rows,
    and the connection's page cache afterwards."""
    first_path, _event_path, _dnc = generate(tmp_path)
    path = tmp_path / f"{name}.sqlite3"
    store = open_store(f"sqlite:///{path}")
    try:
        results = []
        for options in (
            ImportOptions(list_name="List", country="US", batch_size=61),
            ImportOptions(list_name="List again", country="US"),
        ):
            result = import_file(store, first_path, options).to_json()
            result.pop("seconds")
            result.pop("phases", None)
            results.append(result)
        tables = {}
        with store.session() as session:
            for table, columns in TABLES.items():
                tables[table] = [
                    tuple(row)
                    for row in session.execute(text(f"SELECT {columns} FROM {table} ORDER BY 1, 2"))
                ]
            tables["phones by id"] = session.execute(
                text("SELECT contact_id, e164, raw FROM phones ORDER BY id")
            ).all()
        with store.engine.connect() as conn:
            cache = int(conn.exec_driver_sql("PRAGMA cache_size").scalar_one())
    finally:
        store.close()
    return results, tables, cache


def test_a_big_first_load_builds_every_index_again_and_stores_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kept_results, kept_tables, kept_cache = _load(tmp_path, "kept")

    built: list[tuple[str, int]] = []
    create = Index.create

    def recorded(index: Index, bind: Any, checkfirst: bool = False) -> None:
        cache = bind.exec_driver_sql("PRAGMA cache_size").scalar_one()
        built.append((str(index.name), int(cache)))
        create(index, bind, checkfirst=checkfirst)

    monkeypatch.setattr(run_ends, "DROP_INDEXES_FROM_BYTES", 0)
    monkeypatch.setattr(Index, "create", recorded)
    dropped_results, dropped_tables, dropped_cache = _load(tmp_path, "dropped")

    # The first import dropped and built them (the second found contacts and kept them up).
    assert {name for name, _ in built} >= {
        "ix_contacts_queue",
        "ix_contacts_locale",
        "ix_phones_e164",
        "ix_emails_address_key",
        "ix_list_members_contact",
    }
    assert {cache for _, cache in built} == {-pipeline.INDEX_BUILD_CACHE_KIB}
    assert dropped_cache == kept_cache == -65536
    assert _indexes(tmp_path / "dropped.sqlite3") == _indexes(tmp_path / "kept.sqlite3")
    assert dropped_results == kept_results
    assert dropped_tables == kept_tables


def test_the_connection_gets_its_cache_back_when_a_build_fails(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "cache.sqlite3")
    conn.execute("PRAGMA cache_size=-2000")
    small = -pipeline.INDEX_BUILD_CACHE_KIB
    with pytest.raises(sqlite3.OperationalError), sqlite_pragma(conn, "cache_size", small):
        assert conn.execute("PRAGMA cache_size").fetchone() == (small,)
        conn.execute("CREATE INDEX ix_nowhere ON no_such_table (x)")
    assert conn.execute("PRAGMA cache_size").fetchone() == (-2000,)
