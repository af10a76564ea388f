"""The small dialogs around conversations: confirm a delete, pick export and import files.

Each is opened with `open()` (never `exec()`, which would nest an event loop inside qasync's) and
reports the answer through a callback; it deletes itself when closed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from desktop.ui.confirm import Choice, ask_to_confirm
from desktop.ui.file_dialogs import ask_save_path, default_directory

ExportFormat = Literal["markdown", "json"]
SUFFIXES: dict[ExportFormat, str] = {"markdown": "md", "json": "json"}
FILTERS: dict[ExportFormat, str] = {
    "markdown": "Markdown (*.md);;All files (*)",
    "json": "JSON (*.json);;All files (*)",
}
FORMAT_NAMES: dict[ExportFormat, str] = {"markdown": "Markdown", "json": "JSON"}
_UNSAFE = re.compile(r"[^\w\- ]+")


def file_name_for(title: str, fmt: ExportFormat) -> str:
    """A file name from a conversation title: no path separators or odd characters."""
    stem = " ".join(_UNSAFE.sub(" ", title).split())[:80].strip() or "conversation"
    return f"{stem}.{SUFFIXES[fmt]}"


def confirm_delete(parent: QWidget, title: str, on_confirmed: Callable[[], None]) -> QMessageBox:
    return ask_to_confirm(
        parent,
        name="deleteConversationBox",
        title="Delete conversation",
        text=f"Delete “{title}”?",
        detail="Its messages are removed from this computer. This cannot be undone.",
        act=Choice("Delete", "confirmDeleteButton", "Delete the conversation"),
        safe=Choice("Cancel", "cancelDeleteButton", "Keep the conversation"),
        on_answer=lambda yes: on_confirmed() if yes else None,
    )


def choose_export_path(
    parent: QWidget,
    title: str,
    fmt: ExportFormat,
    on_chosen: Callable[[str], None],
    *,
    directory: str | None = None,
) -> QFileDialog:
    return ask_save_path(
        parent,
        f"Export conversation as {FORMAT_NAMES[fmt]}",
        Path(directory or default_directory()) / file_name_for(title, fmt),
        on_chosen,
        object_name="exportDialog",
        name_filter=FILTERS[fmt],
        suffix=SUFFIXES[fmt],
    )


def choose_import_path(
    parent: QWidget, on_chosen: Callable[[str], None], *, directory: str | None = None
) -> QFileDialog:
    dialog = QFileDialog(parent, "Import a conversation", directory or default_directory())
    dialog.setObjectName("importDialog")
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptOpen)
    dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
    dialog.setNameFilter("Conversation exports (*.json);;All files (*)")
    dialog.fileSelected.connect(on_chosen)
    dialog.finished.connect(dialog.deleteLater)
    dialog.open()
    return dialog


def show_problem(
    parent: QWidget, title: str, text: str, *, object_name: str = "conversationProblemBox"
) -> QMessageBox:
    """A warning shown as plain text, deleted once closed."""
    box = QMessageBox(QMessageBox.Icon.Warning, title, text, parent=parent)
    box.setObjectName(object_name)
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.finished.connect(box.deleteLater)
    box.open()
    return box
