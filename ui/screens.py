"""The screens of the main window, in tab order: (key, title, module, class).

A screen is a QWidget class taking ``(ctx: AppContext, parent=None)``. Screens whose module is
not part of this build yet are left out; an import error in one that exists is a real error.
"""

from __future__ import annotations

import importlib
import importlib.util

from PySide6.QtWidgets import QWidget

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


def available() -> list[tuple[str, str, type[QWidget]]]:
    """(key, title, class) of every screen present in this build."""
    found = []
    for key, title, module_name, class_name in SCREENS:
        if importlib.util.find_spec(module_name.rsplit(".", 1)[0]) is None:
            continue
        if importlib.util.find_spec(module_name) is None:
            continue
        module = importlib.import_module(module_name)
        found.append((key, title, getattr(module, class_name)))
    return found


def build(ctx: AppContext, key: str, cls: type[QWidget], parent: QWidget) -> QWidget:
    return cls(ctx, parent)
