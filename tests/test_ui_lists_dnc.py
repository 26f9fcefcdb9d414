"""DNC management as the manager does it: add a number, remove one (who and why, audited),
import a registry file, search in any format."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox
from sqlalchemy import select

from calldesk import settings
from calldesk.models import AuditEntry, Contact, DncEntry, Phone
from calldesk.store import Store
from tests.conftest import REALWORLD, REPO
from ui.context import AppContext
from ui.lists.dnc import DncPage
from ui.worker import Background

# Screenshots are always taken; with CALLDESK_SHOTS=1 they replace the ones in docs/shots.
SHOTS = (
    REPO / "docs" / "shots"
    if os.environ.get("CALLDESK_SHOTS")
    else Path(tempfile.gettempdir()) / "calldesk-shots"
)
FTC_FILE = REALWORLD / "dnc" / "ftc_dnc_fulllist_flatfile_first10rows.txt"


def _seed(store: Store) -> int:
    with store.write() as s:
        ada = Contact(first_name="Ada", last_name="Lovelace", locale_key="US|NY|America/New_York")
        ada.phones = [Phone(raw="(212) 555-0147", e164="+12125550147", region="US")]
        s.add(ada)
        s.flush()
        return ada.id


def _page(qtbot, store: Store) -> DncPage:
    page = DncPage(AppContext(store, Background(synchronous=True)))
    qtbot.addWidget(page)
    page.resize(1280, 760)
    page.show()
    return page


def _ok(qtbot, dialog) -> None:
    qtbot.mouseClick(
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton
    )


def _contact(store: Store, contact_id: int) -> Contact:
    with store.session() as s:
        return s.get(Contact, contact_id)


def test_add_then_remove_a_number_is_audited(qtbot, store: Store) -> None:
    ada = _seed(store)
    settings.save(rep_name="Maria Lopez")
    page = _page(qtbot, store)
    assert page.count_label.text() == "no numbers"

    qtbot.mouseClick(page.add_button, Qt.MouseButton.LeftButton)
    dialog = page.dialog
    assert dialog.who.text() == "Maria Lopez"
    qtbot.keyClicks(dialog.number, "not a number")
    _ok(qtbot, dialog)
    assert "is not a phone number" in dialog.error.text() and dialog.isVisible()
    dialog.number.clear()
    qtbot.keyClicks(dialog.number, "212.555.0147")
    qtbot.keyClicks(dialog.why, "asked never to be called again")
    _ok(qtbot, dialog)
    assert not dialog.isVisible()
    assert page.count_label.text() == "1 number"
    assert "1 contacts taken out of the queue" in page.status.text()
    assert page.model.data(page.model.index(0, 0)) == "+1 212-555-0147"
    contact = _contact(store, ada)
    assert contact.dnc and not contact.callable

    # remove: who and why are required, and both are audited
    page.table.selectRow(0)
    qtbot.mouseClick(page.remove_button, Qt.MouseButton.LeftButton)
    dialog = page.dialog
    assert dialog.number.text() == "+12125550147"  # the selected entry
    dialog.who.clear()
    _ok(qtbot, dialog)
    assert "who is removing" in dialog.error.text()
    qtbot.keyClicks(dialog.who, "Sam Chen")
    _ok(qtbot, dialog)
    assert "why this number may be called again" in dialog.error.text()
    with store.session() as s:
        assert s.scalar(select(DncEntry.id)) is not None  # nothing removed yet
    SHOTS.mkdir(parents=True, exist_ok=True)
    assert dialog.grab().save(str(SHOTS / "lists-dnc-remove.png"))
    qtbot.keyClicks(dialog.why, "registry mix-up, consent on file")
    _ok(qtbot, dialog)
    assert not dialog.isVisible()
    assert page.count_label.text() == "no numbers"
    contact = _contact(store, ada)
    assert not contact.dnc and contact.callable
    with store.session() as s:
        removal = s.scalar(select(AuditEntry).where(AuditEntry.action == "dnc.remove"))
    assert removal.actor == "Sam Chen" and removal.entity_id == "+12125550147"
    assert removal.detail["reason"] == "registry mix-up, consent on file"
    audit = [
        [page.audit.item(r, c).text() for c in range(page.audit.columnCount())]
        for r in range(page.audit.rowCount())
    ]
    assert audit[0][1:] == [
        "Sam Chen",
        "remove",
        "+12125550147",
        "registry mix-up, consent on file",
    ]
    assert audit[1][1:3] == ["Maria Lopez", "add"]


def test_import_registry_file_and_search(qtbot, store: Store) -> None:
    _seed(store)
    page = _page(qtbot, store)
    page.import_file(str(FTC_FILE))
    assert "10 numbers (10 new) from US National DNC Registry" in page.status.text()
    assert page.count_label.text() == "10 numbers"
    qtbot.keyClicks(page.search, "(814) 965-2494")
    qtbot.waitUntil(lambda: page.count_label.text() == "1 number", timeout=3000)
    assert page.model.data(page.model.index(0, 0)) == "+1 814-965-2494"
    assert page.model.data(page.model.index(0, 1)) == "us national"
    page.search.clear()
    qtbot.keyClicks(page.search, "96525")
    page.search.returnPressed.emit()
    assert page.count_label.text() == "3 numbers"  # 965-2503, 965-2505, 965-2506
    page.search.clear()
    page.reload()
    page.table.selectRow(1)
    SHOTS.mkdir(parents=True, exist_ok=True)
    assert page.grab().save(str(SHOTS / "lists-dnc.png"))


def test_import_of_a_file_that_is_not_a_dnc_list(qtbot, store: Store, tmp_path) -> None:
    page = _page(qtbot, store)
    page.import_file(str(tmp_path / "missing.txt"))
    assert page.status.text().startswith("Not imported:")
    assert page.import_button.isEnabled()
