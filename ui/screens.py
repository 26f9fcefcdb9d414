"""The screens of the main window, in tab order: (key, title, module, class).

A screen is a QWidget class taking ``(ctx: AppContext, parent=None)``. Screens whose module is
not part of this build are left out; an import error in one that exists is a real error.

Screens other than the desk are built the first time they are shown (:class:`ScreenHost`), so
the rep's desk is ready without importing charting, spreadsheet and sync libraries first.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Iterator, Mapping

from PySide6.QtWidgets import QVBoxLayout, QWidget

from ui.context import AppContext

SCREENS: tuple[tuple[str, str, str, str], ...] = (
    ("desk", "Desk", "ui.desk.view", "DeskView"),
    ("lists", "Lists && campaigns", "ui.lists.view", "ListsView"),
    ("sprints", "Event sprints", "ui.sprints.view", "SprintBoard"),
    ("appointments", "Appointments", "ui.appointments.view", "AppointmentsView"),
    ("scripts", "Scripts", "ui.scripts.view", "ScriptEditor"),
    ("reports", "Reports", "ui.reports.view", "ReportsView"),
    ("sync", "Sync", "ui.sync.view", "SyncView"),
    ("rules", "Rules", "ui.rules.view", "RulesView"),
)

#: built with the window: the desk listens for "work this campaign" and "open this contact"
EAGER = frozenset({"desk"})


def _present(module_name: str) -> bool:
    package = module_name.rsplit(".", 1)[0]
    return (
        importlib.util.find_spec(package) is not None
        and importlib.util.find_spec(module_name) is not None
    )


def present() -> list[tuple[str, str, str, str]]:
    """(key, title, module, class name) of every screen in this build, without importing it."""
    return [entry for entry in SCREENS if _present(entry[2])]


class ScreenHost(QWidget):
    """A tab's page that builds its screen on first use."""

    def __init__(
        self, ctx: AppContext, key: str, module_name: str, class_name: str, parent: QWidget
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.key = key
        self._module_name = module_name
        self._class_name = class_name
        self.screen: QWidget | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)

    def ensure(self) -> QWidget:
        """The screen, built now if it was not yet."""
        if self.screen is None:
            cls = getattr(importlib.import_module(self._module_name), self._class_name)
            self.screen = cls(self.ctx, self)
            self.layout().addWidget(self.screen)
        return self.screen


class Screens(Mapping[str, QWidget]):
    """The window's screens by key; looking one up builds it."""

    def __init__(self, hosts: dict[str, ScreenHost]) -> None:
        self.hosts = hosts

    def __getitem__(self, key: str) -> QWidget:
        return self.hosts[key].ensure()

    def __iter__(self) -> Iterator[str]:
        return iter(self.hosts)

    def __len__(self) -> int:
        return len(self.hosts)

    def built(self) -> list[QWidget]:
        return [host.screen for host in self.hosts.values() if host.screen is not None]
