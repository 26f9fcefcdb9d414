"""The script editor as a marketing manager uses it: read a script's outline, edit the YAML,
see a mistake flagged at its line, fix it, save a new version, try it in the preview."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QTextDocument
from sqlalchemy import func, select

from calldesk.models import Script
from calldesk.scripts.library import install_defaults, save_script, script_text
from calldesk.store import Store
from ui.context import AppContext
from ui.scripts.view import ScriptEditor
from ui.worker import Background

NEW_PROMPT = "What brought you to our booth at the show?"


def editor_screen(qtbot, store: Store) -> ScriptEditor:
    with store.write() as s:
        install_defaults(s)
    view = ScriptEditor(AppContext(store, Background(synchronous=True)))
    qtbot.addWidget(view)
    view.resize(1280, 800)
    view.show()
    return view


def open_script(view: ScriptEditor, name: str) -> None:
    items = view.library.findItems(name, Qt.MatchFlag.MatchExactly)
    assert items, name
    view.library.setCurrentItem(items[0])


def versions(store: Store, key: str) -> int:
    with store.session() as s:
        return s.scalar(select(func.count()).select_from(Script).where(Script.key == key))


def replace(qtbot, view: ScriptEditor, old: str, new: str) -> None:
    """Select ``old`` in the editor and type ``new`` over it, as the manager would."""
    editor = view.editor
    editor.moveCursor(editor.textCursor().MoveOperation.Start)
    assert editor.find(old, QTextDocument.FindFlag.FindCaseSensitively), old
    qtbot.keyClicks(editor, new)


def line_of(text: str, fragment: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), start=1) if fragment in line)


def test_edit_flag_fix_save_and_try(qtbot, sqlite_store: Store) -> None:
    view = editor_screen(qtbot, sqlite_store)
    assert view.library.topLevelItemCount() == 6
    open_script(view, "Trade-show follow-up")
    assert view.loaded == ("trade_show", 1)
    outline = view.outline.toPlainText()
    assert "Trade-show follow-up" in outline
    assert "1. Booth visit (one choice, required)" in outline
    assert "The call ends here when visit_reason is giveaway" in outline
    assert "Grading: the first rule that matches gives the grade" in outline
    before = versions(sqlite_store, "trade_show")

    view.tabs.setCurrentIndex(1)
    text = view.editor.toPlainText()
    bad_line = line_of(text, "show_if: {question: role, in: [wrong_person]}")
    replace(qtbot, view, "in: [wrong_person]}", "in: [wrong_persn]}")
    assert view.status.text() == "Checking…" and not view.save_button.isEnabled()
    qtbot.waitUntil(lambda: bool(view.problems), timeout=3000)  # after typing pauses
    assert view.editor.highlighted_lines() == [bad_line]
    assert view.problem_list.count() == 1
    first = view.problem_list.item(0).text()
    assert first.startswith(f"Line {bad_line}: ") and "wrong_persn" in first
    assert f"first at line {bad_line}" in view.status.text()
    assert not view.save_button.isEnabled()
    view.save()  # refused while invalid
    assert versions(sqlite_store, "trade_show") == before

    # The problem list jumps to the line.
    view.editor.moveCursor(view.editor.textCursor().MoveOperation.Start)
    item = view.problem_list.item(0)
    qtbot.mouseClick(
        view.problem_list.viewport(),
        Qt.MouseButton.LeftButton,
        pos=view.problem_list.visualItemRect(item).center(),
    )
    assert view.editor.current_line() == bad_line

    # Fix it, change the first question's wording, save as a new version.
    replace(qtbot, view, "wrong_persn", "wrong_person")
    replace(qtbot, view, "What brought you to our booth?", NEW_PROMPT)
    view.validate_now()
    assert view.problems == [] and view.editor.highlighted_lines() == []
    assert view.status.text() == "Valid. Unsaved changes."
    qtbot.mouseClick(view.save_button, Qt.MouseButton.LeftButton)
    assert versions(sqlite_store, "trade_show") == before + 1
    assert view.loaded == ("trade_show", before + 1)
    assert view.message.text() == f"Saved Trade-show follow-up as version {before + 1}."
    assert view.version_count("trade_show") == before + 1
    assert view.library.currentItem().text(0) == f"Version {before + 1}"
    with sqlite_store.session() as s:
        assert NEW_PROMPT in script_text(s, "trade_show")
        assert NEW_PROMPT not in script_text(s, "trade_show", 1)
    assert not view.save_button.isEnabled()  # nothing more to save

    # Try it: the new wording is asked, a giveaway visitor is graded D with the reason.
    view.tabs.setCurrentIndex(2)
    panel = view.preview.panel
    assert panel.prompt.text() == NEW_PROMPT
    assert "Jordan" in panel.opener.text()  # merge fields filled with sample values
    panel.pick("2")
    panel.go_on()
    assert view.preview.verdict.text().startswith("Grade D (not qualified)")
    assert "Booth visit" in view.preview.deciding.text()
    assert panel.prompt.text() == "Script done: grade D (not qualified)."


def test_yaml_syntax_error_and_unsaved_changes_guard(qtbot, sqlite_store: Store) -> None:
    view = editor_screen(qtbot, sqlite_store)
    open_script(view, "General qualification (BANT)")
    key = view.loaded[0]
    view.tabs.setCurrentIndex(1)
    view.editor.moveCursor(view.editor.textCursor().MoveOperation.End)
    qtbot.keyClick(view.editor, Qt.Key.Key_Return)
    qtbot.keyClicks(view.editor, "questions: [unclosed")
    view.validate_now()
    assert view.problems
    assert view.editor.highlighted_lines()[0] == view.problems[0].line
    assert view.problems[0].line >= view.editor.blockCount() - 1

    # Another script cannot be opened over unsaved edits.
    open_script(view, "Trade-show follow-up")
    assert view.loaded[0] == key
    assert "Save or revert" in view.message.text()
    view.revert()
    assert not view.dirty and view.problems == []
    open_script(view, "Trade-show follow-up")
    assert view.loaded[0] == "trade_show"


def test_outline_shows_script_text_as_text(qtbot, sqlite_store: Store) -> None:
    view = editor_screen(qtbot, sqlite_store)
    with sqlite_store.write() as s:
        body = script_text(s, "trade_show").replace(
            "name: Trade-show follow-up", "name: <b>Booth</b> follow-up"
        )
        save_script(s, body, created_by="test")
    view.ctx.data_changed.emit("scripts")
    open_script(view, "<b>Booth</b> follow-up")
    assert view.outline.toPlainText().startswith("<b>Booth</b> follow-up\n")
    assert view.loaded == ("trade_show", 2)
