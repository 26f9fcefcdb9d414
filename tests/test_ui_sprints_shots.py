"""Screenshots of the sprint board, the field rep's appointments and the script editor at
1280x800 on the demo store (built through the real core).

They are always taken and checked; with ``CALLDESK_SHOTS=1`` they are also written to
``docs/shots/`` for the README.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QWidget

from calldesk import demo
from calldesk.store import Store
from tests.conftest import REPO
from ui.appointments.view import AppointmentsView
from ui.context import AppContext
from ui.scripts.view import ScriptEditor
from ui.sprints.view import SprintBoard
from ui.worker import Background

NOW = dt.datetime(2026, 11, 24, 16, 0, tzinfo=dt.UTC)  # Tuesday, 11:00 in New York


def _show(qtbot, view: QWidget) -> QWidget:
    qtbot.addWidget(view)
    view.resize(1280, 800)
    view.show()
    qtbot.waitExposed(view)
    return view


def _shot(view: QWidget, qtbot, tmp_path: Path, name: str) -> None:
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


def test_screenshots_on_the_demo_store(sqlite_store: Store, qtbot, tmp_path: Path) -> None:
    demo.build(sqlite_store, seed=7, now=NOW)
    ctx = AppContext(sqlite_store, Background(synchronous=True))

    board = _show(qtbot, SprintBoard(ctx, today=lambda: NOW.date()))
    assert len(board.cards) == 2
    for card in board.cards:
        assert card.work_button.isEnabled()
        # every figure is shown whole
        for label in card.values.values():
            assert label.width() >= label.sizeHint().width(), label.text()
    _shot(board, qtbot, tmp_path, "sprints")

    view = _show(qtbot, AppointmentsView(ctx, clock=lambda: NOW))
    best = max(range(view.rep.count()), key=lambda i: _count(view, i))
    view.rep.setCurrentIndex(best)
    assert view.model.rows
    with_answers = next(r for r in view.model.rows if r.answers and r.status == "booked")
    view.select(with_answers.id)
    assert view.detail.answer_labels and view.accept_button.isEnabled()
    _shot(view, qtbot, tmp_path, "appointments")
    view.reject_form.open_form()
    view.reject_form.pick("not_decision_maker")
    _shot(view, qtbot, tmp_path, "appointments-reject")

    editor = _show(qtbot, ScriptEditor(ctx))
    items = editor.library.findItems("Trade-show follow-up", Qt.MatchFlag.MatchExactly)
    editor.library.setCurrentItem(items[0])
    _shot(editor, qtbot, tmp_path, "scripts-outline")
    editor.tabs.setCurrentIndex(1)
    text = editor.editor
    assert text.find("in: [wrong_person]}", QTextDocument.FindFlag.FindCaseSensitively)
    qtbot.keyClicks(text, "in: [wrong_persn]}")
    editor.validate_now()
    assert editor.problems
    editor.editor.go_to_line(editor.problems[0].line)
    _shot(editor, qtbot, tmp_path, "scripts")
    editor.revert()
    editor.tabs.setCurrentIndex(2)
    panel = editor.preview.panel
    for answer in ("interested", "decides", "project", 12, True):
        panel.runner.answer(answer)
    panel.refresh()
    assert editor.preview.verdict.text().startswith("Heading to A (meet now)")
    _shot(editor, qtbot, tmp_path, "scripts-preview")


def _count(view: AppointmentsView, index: int) -> int:
    view.rep.setCurrentIndex(index)
    return len(view.model.rows)
