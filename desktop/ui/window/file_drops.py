"""Files dropped onto the message box or the chat, or pasted into the box, become attachments.

An event filter, so the message box and the chat view stay as they are: a drag that carries
local files (file URLs in its mime data) is accepted and its files announced; a paste (the
Paste shortcut in the box) whose clipboard holds local files does the same instead of pasting
their paths as text. Anything else (text, web links) goes on as before.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, QMimeData, QObject, Signal
from PySide6.QtGui import (
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QGuiApplication,
    QKeyEvent,
    QKeySequence,
)
from PySide6.QtWidgets import QAbstractScrollArea


def local_files(mime: QMimeData | None) -> list[Path]:
    """The local files a drag or the clipboard carries (none: it carries something else)."""
    if mime is None or not mime.hasUrls():
        return []
    return [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()]


class FileDrops(QObject):
    """Watches widgets for dropped and pasted files; `files_given` carries them."""

    files_given = Signal(list)  # list[Path]

    def watch_drops(self, area: QAbstractScrollArea) -> None:
        """Files dropped anywhere on `area` (its viewport receives the drops)."""
        area.setAcceptDrops(True)
        area.viewport().setAcceptDrops(True)
        area.viewport().installEventFilter(self)

    def watch_paste(self, box: QObject) -> None:
        """Files pasted into `box` with the Paste shortcut."""
        box.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind in (QEvent.Type.DragEnter, QEvent.Type.DragMove):
            assert isinstance(event, QDragEnterEvent | QDragMoveEvent)
            if local_files(event.mimeData()):
                event.acceptProposedAction()
                return True
        elif kind == QEvent.Type.Drop:
            assert isinstance(event, QDropEvent)
            files = local_files(event.mimeData())
            if files:
                event.acceptProposedAction()
                self.files_given.emit(files)
                return True
        elif kind == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            if event.matches(QKeySequence.StandardKey.Paste):
                files = local_files(QGuiApplication.clipboard().mimeData())
                if files:
                    event.accept()
                    self.files_given.emit(files)
                    return True
        return super().eventFilter(watched, event)
