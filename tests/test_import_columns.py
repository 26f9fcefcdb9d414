"""The rows the importer builds in columns (no value another row or a known contact holds,
nothing refused) are stored exactly as the row loop stores them: every table, contact ids and
the order each contact gained its numbers and addresses in included, with small batches so
that repeats fall in the same and in later batches."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from calldesk import dnc
from calldesk.importing.pipeline import ImportOptions, _Importer, import_file
from calldesk.store import open_store
from tests.test_import_golden import TABLES, generate


def _tables(url: str) -> dict[str, Any]:
    store = open_store(url)
    try:
        with store.session() as session:
            out: dict[str, Any] = {}
            for table, columns in TABLES.items():
                out[table] = [
                    tuple(row)
                    for row in session.execute(text(f"SELECT {columns} FROM {table} ORDER BY 1, 2"))
                ]
            # the order each contact gained its numbers and addresses in (their ids, which
            # readers order a contact's by)
            for table, columns in (
                ("phones", "contact_id, e164, raw"),
                ("emails", "contact_id, address"),
            ):
                out[f"{table} by id"] = [
                    tuple(row)
                    for row in session.execute(
                        text(f"SELECT {columns} FROM {table} ORDER BY contact_id, id")
                    )
                ]
            return out
    finally:
        store.close()


def _run(tmp_path: Path, name: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    first_path, event_path, dnc_numbers = generate(tmp_path)
    url = f"sqlite:///{tmp_path / name}.sqlite3"
    store = open_store(url)
    results = []
    try:
        with store.write() as session:
            for number in dnc_numbers:
                dnc.add_number(session, number, reason="columns")
        for path, options in (
            (first_path, ImportOptions(list_name="List", country="US", batch_size=37)),
            (
                event_path,
                ImportOptions(
                    list_name="Webinar",
                    source="webinar",
                    event="Webinar",
                    event_date=dt.date(2026, 11, 2),
                    follow_up_days=14,
                    batch_size=29,
                ),
            ),
            (first_path, ImportOptions(list_name="List again", country="US", batch_size=300)),
        ):
            result = import_file(store, path, options).to_json()
            result.pop("seconds")
            results.append(result)
    finally:
        store.close()
    return results, _tables(url)


def test_rows_built_in_columns_store_what_the_row_loop_stores(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[int] = []
    plain_columns = _Importer._plain_columns

    def counting(self: _Importer, *args: Any, **kwargs: Any) -> Any:
        plain = plain_columns(self, *args, **kwargs)
        if plain is not None:
            built.append(len(plain.rows))
        return plain

    monkeypatch.setattr(_Importer, "_plain_columns", counting)
    (tmp_path / "a").mkdir()
    in_columns = _run(tmp_path / "a", "columns")
    assert sum(built) > 1000  # most rows of the first list take the columns
    monkeypatch.setattr(_Importer, "_plain_columns", lambda self, *args, **kwargs: None)
    (tmp_path / "b").mkdir()
    row_by_row = _run(tmp_path / "b", "rows")
    assert in_columns[0] == row_by_row[0]
    for table in in_columns[1]:
        assert in_columns[1][table] == row_by_row[1][table], table
