"""Screenshots of the Rules screen at 1280x800 on the demo store, after what a manager does:
a campaign narrowing that tries to widen, and a registry snapshot left too long.

They are always taken and checked; with ``CALLDESK_SHOTS=1`` they are also written to
``docs/shots/`` for the README.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

from PySide6.QtWidgets import QWidget
from sqlalchemy import delete

from calldesk import campaigns, demo, dnc
from calldesk.models import DncSnapshot
from calldesk.store import Store
from tests.conftest import REALWORLD, REPO
from ui.context import AppContext
from ui.rules.view import RulesView
from ui.worker import Background

NOW = dt.datetime(2026, 11, 24, 16, 0, tzinfo=dt.UTC)  # Tuesday, 11:00 in New York


def save_shot(view: QWidget, qtbot, tmp_path: Path, name: str) -> None:
    qtbot.wait(50)  # let queued layout requests settle
    image = view.grab().toImage()
    ratio = image.devicePixelRatio()
    # nothing forced the screen wider or taller than the window
    assert (image.width() / ratio, image.height() / ratio) == (1280, 800)
    path = tmp_path / f"{name}.png"
    assert image.save(str(path))
    if os.environ.get("CALLDESK_SHOTS"):
        target = REPO / "docs" / "shots"
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, target / path.name)


def test_rules_screenshots_on_the_demo_store(sqlite_store: Store, qtbot, tmp_path: Path) -> None:
    demo.build(sqlite_store, seed=7, now=NOW)
    with sqlite_store.write() as s:
        # The team's newest real registry copy is the FTC file below, not the demo's stand-in.
        s.execute(delete(DncSnapshot).where(DncSnapshot.country == "US"))
        expo = next(c for c in campaigns.list_campaigns(s) if "Expo" in c.name)
        campaigns.update_campaign(
            s, expo.id, rules={"hours": ["07:30", "21:30"], "days": ["mon", "tue", "wed", "thu"]}
        )
        webinar = next(c for c in campaigns.list_campaigns(s) if "Webinar" in c.name)
        campaigns.update_campaign(s, webinar.id, rules={"hours": ["10:00", "16:00"]})
    dnc.import_dnc_file(
        sqlite_store,
        REALWORLD / "dnc" / "ftc_dnc_fulllist_flatfile_first10rows.txt",
        file_date=dt.date(2026, 10, 12),
    )
    view = RulesView(AppContext(sqlite_store, Background(synchronous=True)), clock=lambda: NOW)
    qtbot.addWidget(view)
    view.resize(1280, 800)
    view.show()
    qtbot.waitExposed(view)

    assert "43 days old" in view.warnings.text()
    page = view.packs
    warned = [page.campaigns.item(r, 4).text() for r in range(page.campaigns.rowCount())]
    assert any("wider than the legal hours" in w for w in warned)
    page.campaigns.selectRow(1)
    save_shot(view, qtbot, tmp_path, "rules")

    view.tabs.setCurrentWidget(view.review)
    assert view.review.table.rowCount() >= 1
    view.review.table.selectRow(0)
    view.review.zone.setEditText("America/New_York")
    save_shot(view, qtbot, tmp_path, "rules-review")

    page = view.try_number
    view.tabs.setCurrentWidget(page)
    page.phone.setText("(305) 555-0123")
    page.campaign.setCurrentIndex(page.campaign.findData(webinar.id))
    page.set_moment(dt.datetime(2026, 11, 24, 16, 30), "America/New_York")
    page.explain()
    assert page.verdict.text().startswith("Not allowed")
    assert "Next allowed: Wed 25 Nov 2026 10:00 EST" in page.summary.text()
    save_shot(view, qtbot, tmp_path, "rules-try")
