"""The composer under the conversation: the message box, Attach, Send and Stop, the files
attached to the message, and the hints by it."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QRegularExpression, Qt
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from desktop.ui.chat.chat_view import COLUMN_MAX_WIDTH
from desktop.ui.chat.message_input import MessageInput
from desktop.ui.window.attachment_tray import AttachmentTray
from desktop.ui.window.file_drops import FileDrops
from desktop.ui.window.header import make_button

EDIT_HINT = "Editing your last message: Enter sends it in place of the old one, Esc cancels."


class Composer(QWidget):
    """The message box with Attach, Send and Stop beside it, the chips of the files attached to
    the message above it, the edit hint above and the refusal hint under it. Files come from
    Attach, a drop onto the box (or the chat: `files.watch_drops`) or a paste. The window
    connects the controls; this widget lays them out and shows states.

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
        self.attach_button = make_button(
            "Attach", "attachButton", "Attach files", "Attach files (or drop or paste them here)"
        )
        self.attach_button.clicked.connect(self._on_attach_button_clicked)
        self.file_dialog: QFileDialog | None = None
        self.attachments = AttachmentTray(frame)
        self.attachments.refused.connect(self.show_hint)
        self.files = FileDrops(self)
        self.files.watch_drops(self.message_input)
        self.files.watch_paste(self.message_input)
        self.files.files_given.connect(self._on_files_given)
        buttons = QHBoxLayout()
        buttons.setSpacing(6)
        buttons.addWidget(self.stop_button)
        buttons.addWidget(self.send_button)
        row = QHBoxLayout()
        row.setSpacing(8)
        row.addWidget(self.attach_button, 0, Qt.AlignmentFlag.AlignBottom)
        row.addWidget(self.message_input, 1)
        row.addLayout(buttons)
        row.setAlignment(buttons, Qt.AlignmentFlag.AlignBottom)
        inside = QVBoxLayout(frame)
        inside.setContentsMargins(8, 8, 8, 8)
        inside.setSpacing(6)
        inside.addWidget(self.attachments)
        inside.addLayout(row)
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

    def set_uploading(self, uploading: bool) -> None:
        """The attached files are on their way: they stay as they are until it ends."""
        self.attachments.set_uploading(uploading)
        self.attach_button.setEnabled(not uploading)

    def show_hint(self, text: str) -> None:
        self.hint.setText(text)
        self.hint.show()

    def _on_files_given(self, paths: list[Path]) -> None:
        self.attachments.add_paths(paths)
        self.message_input.setFocus()

    def _on_attach_button_clicked(self) -> None:
        """Choose files to attach (opened, never exec'd: the window goes on meanwhile)."""
        if self.file_dialog is None:
            dialog = self.file_dialog = QFileDialog(self, "Attach files")
            dialog.setObjectName("attachDialog")
            dialog.setFileMode(QFileDialog.FileMode.ExistingFiles)
            dialog.filesSelected.connect(self._on_file_dialog_files_selected)
        self.file_dialog.open()

    def _on_file_dialog_files_selected(self, files: list[str]) -> None:
        self._on_files_given([Path(name) for name in files])


# Unicode's blanks too (an ideographic space is blank, as `str.strip` and the controller see it).
_NOT_BLANK = QRegularExpression(r"\S", QRegularExpression.PatternOption.UseUnicodePropertiesOption)


def has_text(box: QPlainTextEdit) -> bool:
    """Something other than blanks is in the box (found without copying a long text out)."""
    document = box.document()
    return document.characterCount() > 1 and not document.find(_NOT_BLANK).isNull()
