"""A plain-text YAML editor with line numbers, lines with problems highlighted, and a problem
list that jumps to its line."""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFontDatabase,
    QPainter,
    QPaintEvent,
    QResizeEvent,
    QTextCursor,
    QTextFormat,
)
from PySide6.QtWidgets import (
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

from calldesk.scripts.loader import ScriptProblem

PROBLEM_BACKGROUND = QColor("#ffd7d7")
LINE_ROLE = Qt.ItemDataRole.UserRole + 1


class _Gutter(QWidget):
    def __init__(self, editor: YamlEditor) -> None:
        super().__init__(editor)
        self.editor = editor

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt API)
        return QSize(self.editor.gutter_width(), 0)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt API)
        self.editor.paint_gutter(event)


class YamlEditor(QPlainTextEdit):
    """Plain text only (no rich text is ever pasted in); ``problems`` lines shown in red."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("scriptYaml")
        self.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.setTabChangesFocus(False)
        self.setTabStopDistance(self.fontMetrics().horizontalAdvance(" ") * 2)
        self.problem_lines: list[int] = []
        self.gutter = _Gutter(self)
        self.blockCountChanged.connect(lambda _n: self._fit_gutter())
        self.updateRequest.connect(self._scroll_gutter)
        self._fit_gutter()

    # --- line numbers -------------------------------------------------------------------------

    def gutter_width(self) -> int:
        digits = len(str(max(1, self.blockCount())))
        return 10 + self.fontMetrics().horizontalAdvance("9") * max(digits, 3)

    def _fit_gutter(self) -> None:
        self.setViewportMargins(self.gutter_width(), 0, 0, 0)

    def _scroll_gutter(self, rect: QRect, dy: int) -> None:
        if dy:
            self.gutter.scroll(0, dy)
        else:
            self.gutter.update(0, rect.y(), self.gutter.width(), rect.height())

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt API)
        super().resizeEvent(event)
        area = self.contentsRect()
        self.gutter.setGeometry(QRect(area.left(), area.top(), self.gutter_width(), area.height()))

    def paint_gutter(self, event: QPaintEvent) -> None:
        painter = QPainter(self.gutter)
        painter.fillRect(event.rect(), self.palette().alternateBase())
        block = self.firstVisibleBlock()
        number = block.blockNumber() + 1
        top = round(self.blockBoundingGeometry(block).translated(self.contentOffset()).top())
        bottom = top + round(self.blockBoundingRect(block).height())
        height = self.fontMetrics().height()
        bad = set(self.problem_lines)
        while block.isValid() and top <= event.rect().bottom():
            if block.isVisible() and bottom >= event.rect().top():
                painter.setPen(QColor("#b00020") if number in bad else QColor("#808080"))
                painter.drawText(
                    0,
                    top,
                    self.gutter.width() - 5,
                    height,
                    Qt.AlignmentFlag.AlignRight,
                    str(number),
                )
            block = block.next()
            top = bottom
            bottom = top + round(self.blockBoundingRect(block).height())
            number += 1
        painter.end()

    # --- problems -----------------------------------------------------------------------------

    def show_problems(self, problems: list[ScriptProblem]) -> None:
        """Highlight every line that has a problem (the whole width of the line)."""
        self.problem_lines = sorted({p.line for p in problems})
        selections = []
        for line in self.problem_lines:
            block = self.document().findBlockByNumber(line - 1)
            if not block.isValid():
                block = self.document().lastBlock()
            selection = QTextEdit.ExtraSelection()
            selection.format.setBackground(PROBLEM_BACKGROUND)
            selection.format.setProperty(QTextFormat.Property.FullWidthSelection, True)
            selection.cursor = QTextCursor(block)
            selections.append(selection)
        self.setExtraSelections(selections)
        self.gutter.update()

    def highlighted_lines(self) -> list[int]:
        return [s.cursor.blockNumber() + 1 for s in self.extraSelections()]

    def go_to_line(self, line: int) -> None:
        block = self.document().findBlockByNumber(max(line - 1, 0))
        if not block.isValid():
            block = self.document().lastBlock()
        cursor = QTextCursor(block)
        self.setTextCursor(cursor)
        self.centerCursor()
        self.setFocus()

    def current_line(self) -> int:
        return self.textCursor().blockNumber() + 1

    def insertFromMimeData(self, source) -> None:  # noqa: N802 (Qt API)
        # Pasted HTML arrives as text only: the script is a plain YAML file.
        self.insertPlainText(source.text())


class ProblemList(QListWidget):
    """``Line 12: message`` rows; choosing one emits ``line_chosen(12)``."""

    line_chosen = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("scriptProblems")
        # Messages are long ("did you mean ...; choices: ..."): wrap them, never scroll sideways.
        self.setWordWrap(True)
        self.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.itemActivated.connect(self._chosen)
        self.itemClicked.connect(self._chosen)

    def show_problems(self, problems: list[ScriptProblem]) -> None:
        self.clear()
        for problem in problems:
            item = QListWidgetItem(f"Line {problem.line}: {problem.message}")
            item.setData(LINE_ROLE, problem.line)
            self.addItem(item)

    def _chosen(self, item: QListWidgetItem) -> None:
        self.line_chosen.emit(int(item.data(LINE_ROLE)))
