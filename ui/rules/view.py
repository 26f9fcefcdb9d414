"""The manager's Rules screen: packs in use per campaign, the "needs review" list, registry
snapshot ages, a "try a number" box and the extra closed days a manager enters.

One background call gathers what the pages show (:func:`calldesk.rules.rules_overview`, the
packs each campaign's contacts bring, the needs-review list); it runs again when contacts,
campaigns or the DNC list change. Stale registry snapshots are warned about above every page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from calldesk import rules
from calldesk.rules.marks import closed_days_list
from calldesk.rules_usage import packs_per_campaign
from ui.context import AppContext
from ui.rules.closed_page import ClosedDaysPage
from ui.rules.packs_page import PacksPage
from ui.rules.review_page import ReviewPage
from ui.rules.tables import ERROR_STYLE, WARNING_STYLE, plain_label
from ui.rules.try_page import TryNumberPage

RELOAD_ON = ("contacts", "campaigns", "dnc", "lists", "import", "rules", "all")


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class RulesView(QWidget):
    """Packs and campaigns, needs review, try a number; DNC snapshot warnings on top."""

    def __init__(
        self,
        ctx: AppContext,
        parent: QWidget | None = None,
        *,
        clock: Callable[[], dt.datetime] = _utcnow,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.clock = clock
        self.overview: dict[str, Any] | None = None
        self._generation = 0
        self.warnings = plain_label("", self)
        self.warnings.setStyleSheet(WARNING_STYLE)
        self.warnings.hide()
        self.status = plain_label("Loading the rules…", self)
        self.tabs = QTabWidget(self)
        self.packs = PacksPage(self.tabs)
        self.review = ReviewPage(ctx, self.tabs)
        self.try_number = TryNumberPage(ctx, self.tabs)
        self.closed = ClosedDaysPage(ctx, self.tabs)
        self.closed.set_today(clock().date())
        self.closed.changed.connect(lambda: ctx.data_changed.emit("rules"))
        self.tabs.addTab(self.packs, "Packs && campaigns")
        self.tabs.addTab(self.review, "Needs review")
        self.tabs.addTab(self.try_number, "Try a number")
        self.tabs.addTab(self.closed, "Closed days")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.warnings)
        layout.addWidget(self.status)
        layout.addWidget(self.tabs, 1)
        # Loaded when first shown (and again when shown after a change): the window opens at
        # once and the desk is not kept waiting by screens nobody is looking at.
        self._stale = True
        ctx.data_changed.connect(self._data_changed)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt API)
        super().showEvent(event)
        if self._stale:
            self.reload()

    def reload(self) -> None:
        self._stale = False
        self._generation += 1
        generation = self._generation
        store, at = self.ctx.store, self.clock()

        def load(_task: Any) -> tuple[dict[str, Any], list[Any], list[Any], list[Any]]:
            with store.session() as session:
                return (
                    rules.rules_overview(session, at),
                    packs_per_campaign(session),
                    rules.needs_review(session, limit=500),
                    closed_days_list(session),
                )

        def done(result: tuple[dict[str, Any], list[Any], list[Any], list[Any]]) -> None:
            if generation == self._generation:
                self.show_data(*result)

        def failed(exc: BaseException) -> None:
            self.status.setStyleSheet(ERROR_STYLE)
            self.status.setText(f"The rules could not be loaded: {exc}")
            self.status.show()

        self.ctx.background.run(load, on_done=done, on_error=failed)

    def show_data(
        self,
        overview: dict[str, Any],
        usage: list[dict[str, Any]],
        review: list[dict[str, Any]],
        closed: list[dict[str, Any]],
    ) -> None:
        self.overview = overview
        problems = [f"Rule pack problem: {p}" for p in overview["pack_problems"]]
        problems += [f"Warning: {w}" for w in overview["warnings"]]
        self.warnings.setText("\n".join(problems))
        self.warnings.setVisible(bool(problems))
        self.status.hide()
        self.packs.show_data(overview, usage)
        self.review.show_rows(review, overview["needs_review"])
        self.try_number.set_campaigns(overview["campaigns"])
        self.closed.show_rows(list(closed))
        count = overview["needs_review"]
        self.tabs.setTabText(1, f"Needs review ({count:,})" if count else "Needs review")

    def _data_changed(self, what: str) -> None:
        if what in RELOAD_ON:
            if self.isVisible():
                self.reload()
            else:
                self._stale = True
