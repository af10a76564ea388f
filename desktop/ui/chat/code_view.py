"""Code shown as the message view shows a code block: read-only plain text, coloured by the
app's highlighter (it lexes in slices, so long code never holds the window). The approval card
shows the code a person is asked about with it, and the code cell the same code once it runs.
"""

from __future__ import annotations

from PySide6.QtGui import (
    QFontDatabase,
    QResizeEvent,
    QTextBlockFormat,
    QTextCursor,
    QTextFormat,
    QTextOption,
)
from PySide6.QtWidgets import QPlainTextEdit, QWidget

from desktop.core.consent.words import shown_code
from desktop.ui.chat.highlighter import CodeHighlighter

CODE_LINES_SHOWN = 14  # the box's height, in lines; longer code scrolls inside it


class CodeView(QPlainTextEdit):
    """`code` in `language` ("python", "bash"; None: not coloured), at most `lines` high."""

    def __init__(
        self,
        code: str,
        language: str | None,
        parent: QWidget | None = None,
        *,
        object_name: str = "codeView",
        lines: int = CODE_LINES_SHOWN,
    ) -> None:
        super().__init__(parent)
        self.setObjectName(object_name)
        self.setReadOnly(True)
        self.setTabChangesFocus(True)
        self.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.setWordWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        self.code = code
        text = shown_code(code)  # lines kept, control characters written out, capped
        self.setPlainText(text)
        self.highlighter: CodeHighlighter | None = None
        if language is not None:
            cursor = QTextCursor(self.document())
            cursor.select(QTextCursor.SelectionType.Document)
            fence = QTextBlockFormat()
            fence.setProperty(QTextFormat.Property.BlockCodeFence, "`")
            fence.setProperty(QTextFormat.Property.BlockCodeLanguage, language)
            cursor.mergeBlockFormat(fence)
            self.highlighter = CodeHighlighter(self.document())
        self._lines = lines
        self._text_lines = text.split("\n")
        self._fit_height()

    def _fit_height(self) -> None:
        """As high as the code's lines once wrapped at this width (a one-line command longer
        than the box is shown whole), at most `lines`; more scrolls inside."""
        advance = max(1, self.fontMetrics().horizontalAdvance("M"))
        columns = max(1, (self.viewport().width() - 8) // advance)
        wrapped = sum(max(1, -(-len(line) // columns)) for line in self._text_lines)
        shown = min(self._lines, wrapped)
        margins = self.contentsMargins()
        frame = 2 * self.document().documentMargin() + margins.top() + margins.bottom()
        self.setFixedHeight(int(shown * self.fontMetrics().lineSpacing() + frame + 4))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if event.oldSize().width() != event.size().width():
            self._fit_height()

    @property
    def language(self) -> str | None:
        """The language it is coloured as (what the highlighter reads off the block)."""
        if self.highlighter is None:
            return None
        value = (
            self.document()
            .firstBlock()
            .blockFormat()
            .property(QTextFormat.Property.BlockCodeLanguage)
        )
        return str(value) if value else None
