"""The lazy table model, tested without any widget: ids only, pages fetched once, bounded cache."""

from __future__ import annotations

from array import array

from PySide6.QtCore import Qt
from sqlalchemy import insert

from calldesk import browse
from calldesk.models import Contact, Phone
from calldesk.store import Store
from ui.lists.model import ID_ROLE, ROW_ROLE, Column, LazyTableModel
from ui.worker import Background

COLUMNS = [Column("Name", lambda r: r.name), Column("Phone", lambda r: r.phone)]


def _fill(store: Store, n: int) -> None:
    with store.write() as s:
        s.execute(
            insert(Contact),
            [{"first_name": f"First{i}", "last_name": f"Last{i:05d}"} for i in range(n)],
        )
        s.execute(
            insert(Phone),
            [
                {"contact_id": i + 1, "raw": f"212555{i:04d}", "e164": f"+1212555{i:04d}"}
                for i in range(n)
            ],
        )


def _store_model(store: Store, **kwargs) -> LazyTableModel:
    def fetch(ids: list[int]) -> dict:
        with store.session() as s:
            return browse.contact_rows(s, ids)

    return LazyTableModel(COLUMNS, fetch, Background(synchronous=True), **kwargs)


def test_model_over_a_real_store(sqlite_store: Store, qtmodeltester) -> None:
    _fill(sqlite_store, 450)
    model = _store_model(sqlite_store, page_size=100)
    with sqlite_store.session() as s:
        model.set_ids(browse.contact_ids(s))
    assert model.rowCount() == 450 and model.columnCount() == 2
    assert model.headerData(1, Qt.Orientation.Horizontal) == "Phone"
    index = model.index(321, 0)
    assert model.data(index) == "First321 Last00321"
    assert model.data(model.index(321, 1)) == "+1 212-555-0321"
    assert model.data(index, ID_ROLE) == 322
    assert model.data(index, ROW_ROLE).name == "First321 Last00321"
    assert model.fetches == 1  # only the page holding row 321
    qtmodeltester.check(model)


def test_a_million_ids_fetch_only_what_is_shown(qtbot) -> None:
    asked: list[list[int]] = []

    def fetch(ids: list[int]) -> dict:
        asked.append(ids)
        return {i: type("Row", (), {"name": f"row {i}", "phone": None})() for i in ids}

    model = LazyTableModel(COLUMNS, fetch, Background(synchronous=True), max_pages=3)
    ids = array("q", range(1, 1_000_001))
    with qtbot.waitSignal(model.modelReset):
        model.set_ids(ids)
    assert model.rowCount() == 1_000_000
    assert model.data(model.index(999_999, 0)) == "row 1000000"
    assert model.data(model.index(999_998, 0)) == "row 999999"
    assert len(asked) == 1 and len(asked[0]) == 200  # one page, not a million rows
    for row in (0, 5_000, 500_000, 750_000):
        model.data(model.index(row, 0))
    assert model.cached_pages() == 3  # least recently used pages were dropped
    model.data(model.index(999_999, 0))
    assert len(asked) == 6  # the last page was evicted and fetched again


def test_pages_arrive_later_with_a_threaded_runner(qtbot) -> None:
    background = Background()
    model = LazyTableModel(
        COLUMNS,
        lambda ids: {i: type("Row", (), {"name": f"n{i}", "phone": "x"})() for i in ids},
        background,
    )
    model.set_ids(array("q", range(10)))
    assert model.data(model.index(3, 0)) == "…"  # on its way, the UI thread does not wait
    with qtbot.waitSignal(model.dataChanged, timeout=5000):
        pass
    assert model.data(model.index(3, 0)) == "n3"
    # a page that arrives after the ids changed is thrown away
    model.data(model.index(0, 0))
    model.set_ids(array("q", [42]))
    background.wait(5000)
    qtbot.wait(50)
    assert model.data(model.index(0, 0)) in ("…", "n42")
    qtbot.waitUntil(lambda: model.data(model.index(0, 0)) == "n42", timeout=5000)
