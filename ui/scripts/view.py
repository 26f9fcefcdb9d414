"""The script editor: the library of scripts and versions, a readable outline, the YAML with
validation as you type (problems at their line), saving as a new version, and a try-it runner.

Validation and saving are :mod:`calldesk.scripts`' own (``check_text``, ``save_script``); the
screen never decides on its own whether a script is valid.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QHBoxLayout,
    QPushButton,
    QSplitter,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from calldesk import settings as preferences
from calldesk.scripts import library
from calldesk.scripts.loader import ScriptError, ScriptProblem, check_text, load_text
from calldesk.scripts.model import ScriptDef
from ui.context import AppContext
from ui.desk.plain import plain_label, set_plain
from ui.scripts.editor import ProblemList, YamlEditor
from ui.scripts.outline import ScriptOutline
from ui.scripts.preview import ScriptPreview

VALIDATE_AFTER_MS = 400
KEY_ROLE = Qt.ItemDataRole.UserRole + 1
VERSION_ROLE = Qt.ItemDataRole.UserRole + 2
ERROR_STYLE = "color: #b00020;"
OK_STYLE = "color: #2e7d32;"


class ScriptEditor(QWidget):
    """For the marketing manager: the lead definition, versioned, one file per script."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("scriptEditor")
        self.ctx = ctx
        self.loaded: tuple[str, int] | None = None  # key and version in the editor
        self.loaded_text = ""
        self.problems: list[ScriptProblem] = []
        self.valid_script: ScriptDef | None = None
        self._generation = 0

        self.library = QTreeWidget()
        self.library.setObjectName("scriptLibrary")
        self.library.setHeaderLabels(["Script", "Saved"])
        self.library.setColumnWidth(0, 220)
        self.library.currentItemChanged.connect(lambda item, _old: self._chosen(item))

        self.outline = ScriptOutline()
        self.editor = YamlEditor()
        self.problem_list = ProblemList()
        self.problem_list.setMaximumHeight(110)
        self.problem_list.line_chosen.connect(self.editor.go_to_line)
        self.status = plain_label()
        self.status.setObjectName("scriptStatus")
        self.save_button = QPushButton("&Save as new version")
        self.save_button.setObjectName("saveScript")
        self.save_button.clicked.connect(self.save)
        self.revert_button = QPushButton("Re&vert")
        self.revert_button.clicked.connect(self.revert)
        edit_bar = QHBoxLayout()
        edit_bar.addWidget(self.status, 1)
        edit_bar.addWidget(self.revert_button)
        edit_bar.addWidget(self.save_button)
        edit_page = QWidget()
        edit_layout = QVBoxLayout(edit_page)
        edit_layout.setContentsMargins(0, 4, 0, 0)
        edit_layout.addWidget(self.editor, 1)
        edit_layout.addWidget(self.problem_list)
        edit_layout.addLayout(edit_bar)
        self.preview = ScriptPreview()

        self.tabs = QTabWidget()
        self.tabs.addTab(self.outline, "&Outline")
        self.tabs.addTab(edit_page, "&Edit YAML")
        self.tabs.addTab(self.preview, "&Try it")
        self.tabs.currentChanged.connect(self._tab_changed)

        self.message = plain_label()
        self.message.setObjectName("scriptMessage")
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.library)
        splitter.addWidget(self.tabs)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([330, 930])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.message)
        layout.addWidget(splitter, 1)

        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(VALIDATE_AFTER_MS)
        self.timer.timeout.connect(self.validate_now)
        self.editor.textChanged.connect(self._edited)
        ctx.data_changed.connect(self._data_changed)
        self._show_validity()
        self.load_library()

    # --- library ------------------------------------------------------------------------------

    def load_library(self, select: tuple[str, int] | None = None) -> None:
        store = self.ctx.store

        def read(_task: Any) -> list[tuple[Any, list[tuple[int, str, str]]]]:
            with store.session() as session:
                return [
                    (
                        info,
                        [
                            (v.version, v.created_at.strftime("%Y-%m-%d"), v.created_by or "")
                            for v in library.versions(session, info.key)
                        ],
                    )
                    for info in library.list_scripts(session)
                ]

        self.ctx.background.run(
            read, on_done=lambda rows: self._library(rows, select), on_error=self._failed
        )

    def _library(self, rows: list[Any], select: tuple[str, int] | None) -> None:
        select = select or self.loaded
        self.library.blockSignals(True)
        self.library.clear()
        chosen: QTreeWidgetItem | None = None
        for info, versions in rows:
            top = QTreeWidgetItem([info.name, f"v{info.version}"])
            top.setData(0, KEY_ROLE, info.key)
            top.setData(0, VERSION_ROLE, info.version)
            top.setToolTip(0, info.key)
            for version, day, by in reversed(versions):  # newest first
                child = QTreeWidgetItem([f"Version {version}", f"{day} {by}".strip()])
                child.setData(0, KEY_ROLE, info.key)
                child.setData(0, VERSION_ROLE, version)
                child.setToolTip(1, by)
                top.addChild(child)
                if select == (info.key, version):
                    chosen = child
            self.library.addTopLevelItem(top)
            if chosen is None and select is None:
                chosen = top
        self.library.blockSignals(False)
        if chosen is not None:
            if chosen.parent() is not None:
                chosen.parent().setExpanded(True)
            self.library.setCurrentItem(chosen)
        elif not rows:
            self.say("No scripts in this store yet.")

    def version_count(self, key: str) -> int:
        for i in range(self.library.topLevelItemCount()):
            top = self.library.topLevelItem(i)
            if top.data(0, KEY_ROLE) == key:
                return top.childCount()
        return 0

    def _chosen(self, item: QTreeWidgetItem | None) -> None:
        if item is None:
            return
        key, version = item.data(0, KEY_ROLE), int(item.data(0, VERSION_ROLE))
        if self.loaded == (key, version):
            return
        if self.dirty:
            self.say("Save or revert your changes before opening another version.", error=True)
            self._reselect()
            return
        self.open_version(key, version)

    def _reselect(self) -> None:
        if self.loaded is None:
            return
        for item in self.library.findItems(
            "*", Qt.MatchFlag.MatchWildcard | Qt.MatchFlag.MatchRecursive
        ):
            if (
                item.data(0, KEY_ROLE),
                item.data(0, VERSION_ROLE),
            ) == self.loaded and item.parent():
                self.library.blockSignals(True)
                self.library.setCurrentItem(item)
                self.library.blockSignals(False)

    def open_version(self, key: str, version: int) -> None:
        store = self.ctx.store

        def read(_task: Any) -> str:
            with store.session() as session:
                return library.script_text(session, key, version)

        def done(text: str) -> None:
            self.loaded = (key, version)
            self.loaded_text = text
            self.editor.blockSignals(True)
            self.editor.setPlainText(text)
            self.editor.blockSignals(False)
            self.say(None)
            self.validate_now()

        self.ctx.background.run(read, on_done=done, on_error=self._failed)

    @property
    def dirty(self) -> bool:
        return self.loaded is not None and self.editor.toPlainText() != self.loaded_text

    # --- validation ---------------------------------------------------------------------------

    def _edited(self) -> None:
        set_plain(self.status, "Checking…")
        self.save_button.setEnabled(False)
        self.timer.start()  # debounced: validate when typing pauses

    def validate_now(self) -> None:
        """Check the editor's text (in the background; only the newest check is shown)."""
        self.timer.stop()
        self._generation += 1
        generation, text = self._generation, self.editor.toPlainText()
        source = f"{self.loaded[0]}.yaml" if self.loaded else "script.yaml"

        def check(_task: Any) -> tuple[list[ScriptProblem], ScriptDef | None]:
            problems = check_text(text, source)
            return problems, (None if problems else load_text(text, source))

        def done(result: tuple[list[ScriptProblem], ScriptDef | None]) -> None:
            if generation != self._generation:
                return  # the text changed again meanwhile
            self.problems, script = result
            if script is not None and self.loaded and not self.dirty:
                script = script.with_version(self.loaded[1])
            self.valid_script = script
            self.editor.show_problems(self.problems)
            self.problem_list.show_problems(self.problems)
            self._show_validity()
            note = "(unsaved changes)" if self.dirty else ""
            if script is not None:
                self.outline.show_script(script, note)
                self.preview.set_script(script)
            elif not self.outline.toPlainText():
                self.outline.show_script(None, "This version does not validate.")

        self.ctx.background.run(check, on_done=done, on_error=self._failed)

    def _show_validity(self) -> None:
        self.problem_list.setVisible(bool(self.problems))
        if self.loaded is None:
            set_plain(self.status, "Choose a script on the left.")
            self.status.setStyleSheet("")
        elif self.problems:
            n = len(self.problems)
            first = self.problems[0].line
            set_plain(
                self.status,
                f"{n} problem{'s' if n != 1 else ''} (first at line {first}): "
                "it cannot be saved until fixed.",
            )
            self.status.setStyleSheet(ERROR_STYLE)
        else:
            set_plain(self.status, "Valid." + (" Unsaved changes." if self.dirty else ""))
            self.status.setStyleSheet(OK_STYLE)
        self.save_button.setEnabled(self.dirty and not self.problems)
        self.revert_button.setEnabled(self.dirty)

    def _tab_changed(self, _index: int) -> None:
        if self.timer.isActive():
            self.validate_now()

    # --- saving -------------------------------------------------------------------------------

    def save(self) -> None:
        """Store the editor's text as the next version (refused while it has problems)."""
        if self.timer.isActive():
            self.validate_now()
        if self.problems or not self.dirty:
            self._show_validity()
            return
        store, text = self.ctx.store, self.editor.toPlainText()
        who = preferences.get("rep_name") or None

        def write(_task: Any) -> library.ImportResult:
            with store.write() as session:
                return library.save_script(session, text, source="<editor>", created_by=who)

        def done(result: library.ImportResult) -> None:
            self.loaded = (result.key, result.version)
            self.loaded_text = text
            if result.created:
                self.say(f"Saved {result.name} as version {result.version}.")
            else:
                self.say(f"This text is already stored as version {result.version}.")
            self._show_validity()
            self.validate_now()
            self.ctx.data_changed.emit("scripts")  # this screen reloads its library too

        def failed(exc: BaseException) -> None:
            if isinstance(exc, ScriptError):
                self.problems = exc.problems
                self.editor.show_problems(exc.problems)
                self.problem_list.show_problems(exc.problems)
                self._show_validity()
            else:
                self._failed(exc)

        self.ctx.background.run(write, on_done=done, on_error=failed)

    def revert(self) -> None:
        if self.loaded is None:
            return
        self.editor.setPlainText(self.loaded_text)
        self.validate_now()

    # --- messages -----------------------------------------------------------------------------

    def say(self, text: str | None, error: bool = False) -> None:
        self.message.setStyleSheet(ERROR_STYLE if error else "")
        set_plain(self.message, text)

    def _failed(self, exc: BaseException) -> None:
        self.say(str(exc) if isinstance(exc, ValueError | LookupError) else repr(exc), error=True)

    def _data_changed(self, what: str) -> None:
        if what == "scripts" and not self.dirty:
            self.load_library()

    def shutdown(self) -> None:
        self.timer.stop()
