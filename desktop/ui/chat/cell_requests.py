"""What the chat view's code cells ask of the app (so far: saving a file a run left)."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal


class CellRequests(QObject):
    """One per chat view: every cell's requests pass through it, to whoever serves them."""

    file_save_requested = Signal(object)  # desktop.ui.chat.file_saves.FileSave
