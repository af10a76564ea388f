"""The composer under the conversation: the message box, Send and Stop, and the hints by it."""

from __future__ import annotations

from PySide6.QtCore import QRegularExpression, Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPlainTextEdit, QVBoxLayout, QWidget

from desktop.ui.chat.chat_view import COLUMN_MAX_WIDTH
from desktop.ui.chat.message_input import MessageInput
from desktop.ui.window.header import make_button

EDIT_HINT = "Editing your last message: Enter sends it in place of the old one, Esc cancels."


class Composer(QWidget):
    """The message box with Send and Stop beside it, the edit hint above and the refusal hint
    under it. The window connects the controls; this widget lays them out and shows states.

    Send is enabled only when there is something to send: text that is not all blank, no reply
    running, no prompt already held for the app to send once it is ready."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("composerArea")
        self._busy = False
        self._holding = False
        self.message_input = MessageInput()
        self.message_input.textChanged.connect(self.update_send)
        frame = QFrame(self)
        frame.setObjectName("composer")
        frame.setMaximumWidth(COLUMN_MAX_WIDTH - 32)
        self.send_button = make_button("Send", "sendButton", "Send message", "Send (Enter)")
        self.send_button.setDefault(False)
        self.stop_button = make_button(
            "Stop", "stopButton", "Stop the reply", "Stop the reply (Esc)"
        )
        buttons = QHBoxLayout()
        buttons.setSpacing(6)
        buttons.addWidget(self.stop_button)
        buttons.addWidget(self.send_button)
        row = QHBoxLayout(frame)
        row.setContentsMargins(12, 8, 8, 8)
        row.setSpacing(8)
        row.addWidget(self.message_input, 1)
        row.addLayout(buttons)
        row.setAlignment(buttons, Qt.AlignmentFlag.AlignBottom)
        self.hint = QLabel(self)
        self.hint.setObjectName("composerHint")
        self.hint.setTextFormat(Qt.TextFormat.PlainText)
        self.hint.setWordWrap(True)
        self.hint.hide()
        self.edit_hint = QLabel(self)
        self.edit_hint.setObjectName("editHint")
        self.edit_hint.setTextFormat(Qt.TextFormat.PlainText)
        self.edit_hint.setText(EDIT_HINT)
        self.edit_hint.setWordWrap(True)
        self.edit_hint.hide()
        column = QVBoxLayout()
        column.setSpacing(4)
        column.addWidget(self.edit_hint)
        column.addWidget(frame)
        column.addWidget(self.hint)
        outer = QHBoxLayout(self)
        outer.setContentsMargins(16, 6, 16, 12)
        outer.addStretch(0)
        outer.addLayout(column, 1)
        outer.addStretch(0)

    def set_busy(self, busy: bool) -> None:
        """While a reply runs Stop takes Send's place."""
        self._busy = busy
        self.stop_button.setEnabled(busy)
        self.send_button.setVisible(not busy)
        self.stop_button.setVisible(busy)
        self.update_send()

    def set_holding(self, holding: bool) -> None:
        """A prompt waits for the app to be ready: nothing more is sent meanwhile."""
        self._holding = holding
        self.update_send()

    def update_send(self) -> None:
        sendable = not self._busy and not self._holding and has_text(self.message_input)
        self.send_button.setEnabled(sendable)


# Unicode's blanks too (an ideographic space is blank, as `str.strip` and the controller see it).
_NOT_BLANK = QRegularExpression(r"\S", QRegularExpression.PatternOption.UseUnicodePropertiesOption)


def has_text(box: QPlainTextEdit) -> bool:
    """Something other than blanks is in the box (found without copying a long text out)."""
    document = box.document()
    return document.characterCount() > 1 and not document.find(_NOT_BLANK).isNull()
