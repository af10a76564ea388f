"""The composer under the conversation: the message box, Attach, Send and Stop, the files
attached to the message, and the hints by it."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLayout,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from desktop.ui.chat.chat_view import COLUMN_MAX_WIDTH
from desktop.ui.chat.message_input import MessageInput
from desktop.ui.qt_values import show_as_plain_text
from desktop.ui.window.header import make_button

if TYPE_CHECKING:  # built by `complete()`, after the first paint
    from PySide6.QtCore import QRegularExpression
    from PySide6.QtWidgets import QFileDialog

    from desktop.ui.window.attachment_tray import AttachmentTray
    from desktop.ui.window.file_drops import FileDrops

EDIT_HINT = "Editing your last message: Enter sends it in place of the old one, Esc cancels."


class Composer(QWidget):
    """The message box with Attach, Send and Stop beside it, the chips of the files attached to
    the message above it, the edit hint above and the refusal hint under it. Files come from
    Attach, a drop onto the box (or the chat: `files.watch_drops`) or a paste. The window
    connects the controls; this widget lays them out and shows states.

    Send is enabled only when there is something to send: text that is not all blank, no reply
    running, no prompt already held for the app to send once it is ready.

    The attached files' tray and the drop and paste watching are built by `complete()`: the
    first paint shows the box and its buttons without them (they show nothing until a file
    comes)."""

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
        self._frame = frame
        self.attachments: AttachmentTray  # by `complete()`
        self.files: FileDrops
        buttons = QHBoxLayout()
        buttons.setSpacing(6)
        buttons.addWidget(self.stop_button)
        buttons.addWidget(self.send_button)
        row = QHBoxLayout()
        row.setSpacing(8)
        row.addLayout(at_bottom(self.attach_button))
        row.addWidget(self.message_input, 1)
        row.addLayout(at_bottom(buttons))
        inside = QVBoxLayout(frame)
        inside.setContentsMargins(8, 8, 8, 8)
        inside.setSpacing(6)
        inside.addLayout(row)
        self._inside = inside
        self.hint = QLabel(self)
        self.hint.setObjectName("composerHint")
        show_as_plain_text(self.hint)
        self.hint.setWordWrap(True)
        self.hint.hide()
        self.edit_hint = QLabel(self)
        self.edit_hint.setObjectName("editHint")
        show_as_plain_text(self.edit_hint)
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

    def complete(self, *, drops_also_on: QAbstractScrollArea | None = None) -> None:
        """Build what the first paint goes without: the tray of attached files above the box
        (empty, so hidden) and the watching for files dropped or pasted onto the box, and
        dropped onto `drops_also_on` (the chat)."""
        from desktop.ui.window.attachment_tray import AttachmentTray
        from desktop.ui.window.file_drops import FileDrops

        self.attachments = AttachmentTray(self._frame)
        self.attachments.refused.connect(self.show_hint)
        self._inside.insertWidget(0, self.attachments)
        self.files = FileDrops(self)
        self.files.watch_drops(self.message_input)
        if drops_also_on is not None:
            self.files.watch_drops(drops_also_on)
        self.files.watch_paste(self.message_input)
        self.files.files_given.connect(self._on_files_given)

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
            from PySide6.QtWidgets import QFileDialog

            dialog = self.file_dialog = QFileDialog(self, "Attach files")
            dialog.setObjectName("attachDialog")
            dialog.setFileMode(QFileDialog.FileMode.ExistingFiles)
            dialog.filesSelected.connect(self._on_file_dialog_files_selected)
        self.file_dialog.open()

    def _on_file_dialog_files_selected(self, files: list[str]) -> None:
        self._on_files_given([Path(name) for name in files])


def at_bottom(item: QWidget | QLayout) -> QVBoxLayout:
    """`item` at the bottom of a column as tall as the row (as AlignBottom would put it: the
    buttons stay by the last line of a message box that grows)."""
    column = QVBoxLayout()
    column.addStretch(1)
    if isinstance(item, QLayout):
        column.addLayout(item)
    else:
        column.addWidget(item)
    return column


def has_text(box: QPlainTextEdit) -> bool:
    """Something other than blanks is in the box (found without copying a long text out)."""
    document = box.document()
    return document.characterCount() > 1 and not document.find(_not_blank()).isNull()


@functools.cache
def _not_blank() -> QRegularExpression:
    """Unicode's blanks too (an ideographic space is blank, as `str.strip` and the controller
    see it). Made at the first text typed: not a type the first paint needs."""
    from PySide6.QtCore import QRegularExpression

    return QRegularExpression(r"\S", QRegularExpression.PatternOption.UseUnicodePropertiesOption)
