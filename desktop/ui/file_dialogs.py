"""The app's file dialogs: where they start, and a save dialog opened with `open()`.

Each is opened with `open()` (never `exec()`, which would nest an event loop inside qasync's),
reports the chosen path through a callback and deletes itself when closed.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QStandardPaths
from PySide6.QtWidgets import QFileDialog, QWidget


def default_directory() -> str:
    """The user's Documents folder, else their home."""
    documents = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    if documents and Path(documents).is_dir():
        return documents
    return str(Path.home())


def ask_save_path(
    parent: QWidget,
    title: str,
    start: Path,
    on_chosen: Callable[[str], None],
    *,
    object_name: str,
    name_filter: str = "All files (*)",
    suffix: str = "",
) -> QFileDialog:
    """A save dialog starting at `start` (a folder and a suggested name)."""
    dialog = QFileDialog(parent, title, str(start))
    dialog.setObjectName(object_name)
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    dialog.setFileMode(QFileDialog.FileMode.AnyFile)
    dialog.setNameFilter(name_filter)
    if suffix:
        dialog.setDefaultSuffix(suffix)
    dialog.fileSelected.connect(on_chosen)
    dialog.finished.connect(dialog.deleteLater)
    dialog.open()
    return dialog
