"""The files a code run left in the mount, as chips under its cell: name, size, Save as….

"Save as…" asks where (a save dialog, the file's own name made plain as the suggestion),
then hands a `FileSave` to whoever saves files (`file_save_requested`); the chip shows its
progress, a Cancel while it runs, and the sentence it ended with.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.core.agent.code_runs import OutputFile
from desktop.core.inert import inert
from desktop.core.router.mount_names import safe_file_name, size_text
from desktop.ui.chat.file_saves import FileSave
from desktop.ui.chat.labels import keeps_focus, plain_label
from desktop.ui.file_dialogs import ask_save_path, default_directory
from desktop.ui.tooltips import plain_tooltip


class OutputFileChip(QFrame):
    """One file: what it is, and saving a copy of it."""

    file_save_requested = Signal(object)  # FileSave

    def __init__(self, file: OutputFile, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("outputFileChip")
        self.file = file
        self.request: FileSave | None = None
        self.dialog: QFileDialog | None = None
        name = inert(file.name)
        self.setToolTip(plain_tooltip(inert(file.sandbox_path)))  # the run named it
        self.setAccessibleName(f"File {name}, {size_text(file.size)}")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.setSpacing(2)
        row = QHBoxLayout()
        row.setSpacing(8)
        self.name_label = plain_label(name, "fileName", self)
        row.addWidget(self.name_label)
        row.addWidget(plain_label(size_text(file.size), "fileSize", self))
        row.addStretch(1)
        self.save_button = QPushButton("Save as…", self)
        self.save_button.setObjectName("saveFileButton")
        self.save_button.setAccessibleName(f"Save {name} as")
        self.save_button.clicked.connect(self._on_save_button_clicked)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setObjectName("cancelSaveButton")
        self.cancel_button.setAccessibleName(f"Cancel saving {name}")
        self.cancel_button.clicked.connect(self._on_cancel_button_clicked)
        self.cancel_button.hide()
        keeps_focus(self.save_button, self.cancel_button)
        row.addWidget(self.save_button)
        row.addWidget(self.cancel_button)
        layout.addLayout(row)
        self.progress = QProgressBar(self)
        self.progress.setObjectName("fileProgress")
        self.progress.setTextVisible(False)
        self.progress.setFixedHeight(4)
        self.progress.hide()
        layout.addWidget(self.progress)
        self.status = plain_label("", "fileStatus", self)
        self.status.setWordWrap(True)
        self.status.hide()
        layout.addWidget(self.status)

    def _on_save_button_clicked(self) -> None:
        if self.dialog is not None or self.request is not None:
            return
        suggested = Path(default_directory()) / safe_file_name(self.file.name)
        title = f"Save {inert(self.file.name)}"
        self.dialog = ask_save_path(
            self, title, suggested, self.save_to, object_name="saveFileDialog"
        )
        self.dialog.finished.connect(self._on_dialog_finished)

    def _on_dialog_finished(self, _result: int) -> None:
        self.dialog = None  # it deletes itself

    def save_to(self, path: str) -> None:
        """Save a copy at `path` (what the dialog chose)."""
        if self.request is not None:
            return
        request = self.request = FileSave(self.file, Path(path))
        request.progressed.connect(self._on_request_progressed)
        request.finished.connect(self._on_request_finished)
        self.save_button.setEnabled(False)
        self.cancel_button.show()
        self.progress.setRange(0, 0)  # busy until the size is known
        self.progress.show()
        self._say("Saving…", "running")
        self.file_save_requested.emit(request)

    def _on_cancel_button_clicked(self) -> None:
        if self.request is not None:
            self.request.cancel()

    @Slot(object, object)
    def _on_request_progressed(self, done: object, total: object) -> None:
        size = total if isinstance(total, int) and total > 0 else self.file.size
        if isinstance(done, int) and size > 0:
            self.progress.setRange(0, 1000)
            self.progress.setValue(min(1000, done * 1000 // size))

    @Slot(bool, str)
    def _on_request_finished(self, ok: bool, sentence: str) -> None:
        self.request = None
        self.progress.hide()
        self.cancel_button.hide()
        self.save_button.setEnabled(True)
        self._say(sentence, "saved" if ok else "failed")

    def _say(self, text: str, state: str) -> None:
        self.status.setText(text)
        self.status.setProperty("state", state)
        self.status.style().unpolish(self.status)
        self.status.style().polish(self.status)
        self.status.show()
