"""A sandbox's last log lines: plain text, each line already cut and made inert by the core."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtGui import QFontDatabase, QTextOption
from PySide6.QtWidgets import QPlainTextEdit, QWidget


class LogLinesView(QPlainTextEdit):
    """Read-only, monospace; a line without spaces wraps anywhere rather than widen it."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setAccessibleName("Log lines")
        self.setReadOnly(True)
        self.setTabChangesFocus(True)
        self.document().setUndoRedoEnabled(False)
        self.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.setWordWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        self.lines: tuple[str, ...] = ()

    def fit(self, most: int) -> None:
        """As tall as its lines, up to `most` of them (then it scrolls)."""
        rows = max(1, min(most, len(self.lines)))
        margins = 2 * self.frameWidth() + 8  # the frame, and the style's padding
        spacing = self.fontMetrics().lineSpacing()
        self.setFixedHeight(rows * spacing + int(2 * self.document().documentMargin()) + margins)

    def set_lines(self, lines: Sequence[str]) -> None:
        self.lines = tuple(lines)
        self.setPlainText("\n".join(self.lines))
        bar = self.verticalScrollBar()
        bar.setValue(bar.maximum())  # the newest line in sight
