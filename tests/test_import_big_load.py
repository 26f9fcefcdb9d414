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
from calldesk.importing.batch_writes import CONTACT_COLUMNS, CONTACT_FIXED
from calldesk.importing.pipeline import ImportOptions, import_file
from calldesk.models import Contact, Rep
from calldesk.store import open_store, sqlite_pragma
from tests.test_import_golden import TABLES, generate

KEPT_UP = {"ix_contacts_grade_stage", "ix_contacts_cooling", "ix_contacts_claims"}


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
    # Partial indexes no new contact enters stayed up (nothing to build).
    assert {name for name, _ in built}.isdisjoint(KEPT_UP)
    assert {cache for _, cache in built} == {-pipeline.INDEX_BUILD_CACHE_KIB}
    assert dropped_cache == kept_cache == -65536
    assert _indexes(tmp_path / "dropped.sqlite3") == _indexes(tmp_path / "kept.sqlite3")
    assert dropped_results == kept_results
    assert dropped_tables == kept_tables


def test_partial_indexes_no_new_contact_enters_stay_up_and_keep_their_entries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Claims, cooling-down times and grades come from work on the desk, never from a list: a
    big load leaves those indexes up, and the contacts already in them stay found."""
    assert {
        str(index.name)
        for index in Contact.__table__.indexes  # type: ignore[attr-defined]
        if run_ends.enters_no_new_contact(index)
    } == KEPT_UP
    # (the import writes none of the columns they ask for)
    assert {"grade", "claimed_by_id", "next_eligible_at"}.isdisjoint(
        {*CONTACT_COLUMNS, *CONTACT_FIXED}
    )
    first_path, _event_path, _dnc = generate(tmp_path)
    path = tmp_path / "worked.sqlite3"
    store = open_store(f"sqlite:///{path}")
    try:
        import_file(store, first_path, ImportOptions(list_name="Worked", country="US"))
        with store.session() as session:
            ids = session.scalars(text("SELECT id FROM contacts ORDER BY id LIMIT 3")).all()
            rep = Rep(name="Dana Whitfield")
            session.add(rep)
            session.flush()
            session.execute(text("UPDATE contacts SET grade = 'B' WHERE id = :i"), {"i": ids[0]})
            session.execute(
                text("UPDATE contacts SET next_eligible_at = '2026-01-05 09:00' WHERE id = :i"),
                {"i": ids[1]},
            )
            session.execute(
                text(
                    "UPDATE contacts SET claimed_by_id = :u, "
                    "claim_expires_at = '2026-01-05 09:10' WHERE id = :i"
                ),
                {"u": rep.id, "i": ids[2]},
            )
            session.commit()
        monkeypatch.setattr(run_ends, "DROP_INDEXES_FROM_BYTES", 0)
        import_file(store, first_path, ImportOptions(list_name="Again", country="US"))
        with store.session() as session:
            assert session.scalar(text("PRAGMA integrity_check")) == "ok"
            found = [
                session.scalars(
                    text(f"SELECT id FROM contacts INDEXED BY {index} WHERE {where}")
                ).all()
                for index, where in (
                    ("ix_contacts_grade_stage", "grade IN ('A', 'B')"),
                    ("ix_contacts_cooling", "next_eligible_at IS NOT NULL"),
                    ("ix_contacts_claims", "claimed_by_id IS NOT NULL"),
                )
            ]
        assert found == [[ids[0]], [ids[1]], [ids[2]]]
    finally:
        store.close()


def test_the_connection_gets_its_cache_back_when_a_build_fails(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "cache.sqlite3")
    conn.execute("PRAGMA cache_size=-2000")
    small = -pipeline.INDEX_BUILD_CACHE_KIB
    with pytest.raises(sqlite3.OperationalError), sqlite_pragma(conn, "cache_size", small):
        assert conn.execute("PRAGMA cache_size").fetchone() == (small,)
        conn.execute("CREATE INDEX ix_nowhere ON no_such_table (x)")
    assert conn.execute("PRAGMA cache_size").fetchone() == (-2000,)
