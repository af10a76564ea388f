"""Where the person types: Enter sends, Shift+Enter starts a new line, the box grows a little."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from PySide6 import QtCore
from PySide6.QtCore import QMimeData, QSize, Signal
from PySide6.QtGui import QFontMetrics, QKeyEvent, QTextOption
from PySide6.QtWidgets import QPlainTextEdit, QSizePolicy, QWidget

from desktop.core.agent.prompt import fit_paste

if TYPE_CHECKING:
    from PySide6.QtGui import QResizeEvent

MIN_LINES = 1
MAX_LINES = 8
# Qt lays out a line without break opportunities in quadratic time (100,000 characters: half a
# second per keystroke): while the box holds one this long, lines wrap anywhere instead.
_LONG_RUN = re.compile(r"\S{1000}")
PLACEHOLDER = "Ask about your E2B sandboxes…  (Shift+Enter for a new line)"
SHORT_PLACEHOLDER = "Ask about your E2B sandboxes…"


class MessageInput(QPlainTextEdit):
    """A plain-text editor that submits on Enter.

    `submitted` carries the text but the box is not cleared here: the window clears it only when
    the message was accepted, so a refused message stays for the user to send again.
    """

    submitted = Signal(str)
    edit_last_requested = Signal()  # Up in an empty box: bring back the last message
    escape_pressed = Signal()
    paste_cut = Signal(str)  # a paste did not fit in a message: the sentence that says so

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("messageInput")
        self.setAccessibleName("Message")
        self.setAccessibleDescription(
            "Enter sends the message; Shift+Enter starts a new line; "
            "Up in an empty box edits your last message."
        )
        self.setPlaceholderText(PLACEHOLDER)
        self.setTabChangesFocus(True)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.document().setDocumentMargin(4)
        self.document().documentLayout().documentSizeChanged.connect(self._fit_height)
        self.textChanged.connect(self._on_text_changed)
        self._fit_height()

    @property
    def text(self) -> str:
        return self.toPlainText()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if (
            event.key() == QtCore.Qt.Key.Key_Up
            and not event.modifiers() & ~QtCore.Qt.KeyboardModifier.KeypadModifier
            and not self.toPlainText()
        ):
            event.accept()
            self.edit_last_requested.emit()
            return
        if event.key() == QtCore.Qt.Key.Key_Escape:
            self.escape_pressed.emit()
        if event.key() in (QtCore.Qt.Key.Key_Return, QtCore.Qt.Key.Key_Enter):
            modifiers = event.modifiers()
            if modifiers & QtCore.Qt.KeyboardModifier.ShiftModifier:
                # Qt would insert a soft line separator (U+2028); a real newline is wanted.
                self.textCursor().insertText("\n")
                event.accept()
                return
            if not modifiers & (
                QtCore.Qt.KeyboardModifier.ControlModifier | QtCore.Qt.KeyboardModifier.AltModifier
            ):
                event.accept()
                text = self.toPlainText()
                if text.strip():
                    self.submitted.emit(text)
                return
        super().keyPressEvent(event)

    def insertFromMimeData(self, source: QMimeData) -> None:
        """Paste (or drop) as plain text, only as much as a message may hold (the core's
        limit); what did not fit is said, and the clipboard still holds all of it."""
        if not source.hasText():
            return
        selected = len(self.textCursor().selectedText())
        kept = self.document().characterCount() - 1 - selected
        text, notice = fit_paste(source.text(), kept=kept)
        if _LONG_RUN.search(text):
            self._wrap_anywhere(True)  # before it is laid out
        if text:
            self.textCursor().insertText(text)
            self.ensureCursorVisible()
        if notice:
            self.paste_cut.emit(notice)

    def _on_text_changed(self) -> None:
        self._wrap_anywhere(bool(_LONG_RUN.search(self.toPlainText())))

    def _wrap_anywhere(self, anywhere: bool) -> None:
        wrap = QTextOption.WrapMode
        mode = wrap.WrapAnywhere if anywhere else wrap.WrapAtWordBoundaryOrAnywhere
        if self.wordWrapMode() != mode:
            self.setWordWrapMode(mode)

    def _line_height(self) -> int:
        return QFontMetrics(self.font()).lineSpacing()

    def _fit_height(self) -> None:
        lines = self.document().size().height()  # in lines for a plain text layout
        shown = max(MIN_LINES, min(MAX_LINES, int(lines)))
        margins = self.contentsMargins()
        doc_margin = int(self.document().documentMargin() * 2)
        height = shown * self._line_height() + doc_margin + margins.top() + margins.bottom() + 4
        if height != self.height():
            self.setFixedHeight(height)

    def sizeHint(self) -> QSize:
        return QSize(super().sizeHint().width(), self.height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_placeholder()

    def _fit_placeholder(self) -> None:
        """The hint without its Shift+Enter part when the whole would wrap onto a second line
        the box does not show (a narrow chat beside the sandbox panel)."""
        # contentsRect, not viewport(): that call builds ~70 Python enums before the first paint.
        room = self.contentsRect().width() - int(self.document().documentMargin() * 2) - 4
        whole = self.fontMetrics().horizontalAdvance(PLACEHOLDER) <= room
        wanted = PLACEHOLDER if whole else SHORT_PLACEHOLDER
        if self.placeholderText() != wanted:
            self.setPlaceholderText(wanted)
