"""Where the person types: Enter sends, Shift+Enter starts a new line, the box grows a little."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QFontMetrics, QKeyEvent
from PySide6.QtWidgets import QPlainTextEdit, QSizePolicy, QWidget

MIN_LINES = 1
MAX_LINES = 8


class MessageInput(QPlainTextEdit):
    """A plain-text editor that submits on Enter.

    `submitted` carries the text but the box is not cleared here: the window clears it only when
    the message was accepted, so a refused message stays for the user to send again.
    """

    submitted = Signal(str)
    edit_last_requested = Signal()  # Up in an empty box: bring back the last message
    escape_pressed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("messageInput")
        self.setAccessibleName("Message")
        self.setAccessibleDescription(
            "Enter sends the message; Shift+Enter starts a new line; "
            "Up in an empty box edits your last message."
        )
        self.setPlaceholderText("Ask about your E2B sandboxes…  (Shift+Enter for a new line)")
        self.setTabChangesFocus(True)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.document().setDocumentMargin(4)
        self.document().documentLayout().documentSizeChanged.connect(self._fit_height)
        self._fit_height()

    @property
    def text(self) -> str:
        return self.toPlainText()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if (
            event.key() == Qt.Key.Key_Up
            and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
            and not self.toPlainText()
        ):
            event.accept()
            self.edit_last_requested.emit()
            return
        if event.key() == Qt.Key.Key_Escape:
            self.escape_pressed.emit()
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            modifiers = event.modifiers()
            if modifiers & Qt.KeyboardModifier.ShiftModifier:
                # Qt would insert a soft line separator (U+2028); a real newline is wanted.
                self.textCursor().insertText("\n")
                event.accept()
                return
            if not modifiers & (
                Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
            ):
                event.accept()
                text = self.toPlainText()
                if text.strip():
                    self.submitted.emit(text)
                return
        super().keyPressEvent(event)

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
