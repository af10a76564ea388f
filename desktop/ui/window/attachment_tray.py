"""The files attached to the message being composed: their chips (removable before sending) and,
while they upload, the progress of a big one with a Cancel button.

Whether a file can go at all (a readable file, not over the 100 MB limit) and whether its
upload shows progress are the core's (`core.agent.attachments.local_file`); this widget asks,
shows the chips, and shows the sentence of a file it refused.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QVBoxLayout, QWidget

from desktop.core.inert import inert
from desktop.core.router.mount_names import size_text
from desktop.ui.chat.attachment_chips import AttachmentChip, ChipRow
from desktop.ui.window.header import make_button

if TYPE_CHECKING:  # the composer paints first; the core's attachments load with the first file
    from desktop.core.agent.attachments import LocalFile

PROGRESS_STEPS = 1000


class AttachmentTray(QWidget):
    """The chips of the files that go with the next message, and their upload's progress."""

    changed = Signal()  # a file was added or removed
    cancel_requested = Signal()  # Cancel under the progress bar: stop the upload
    refused = Signal(str)  # a file that cannot be attached, and why

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("attachmentTray")
        self._files: list[LocalFile] = []
        self._uploading = False
        self.chips = ChipRow(self)
        self.progress_bar = QProgressBar(self)
        self.progress_bar.setObjectName("attachProgress")
        self.progress_bar.setRange(0, PROGRESS_STEPS)
        self.progress_bar.setTextVisible(False)
        self.progress_bar.setAccessibleName("Upload progress")
        self.progress_label = QLabel(self)
        self.progress_label.setObjectName("attachProgressLabel")
        self.progress_label.setTextFormat(Qt.TextFormat.PlainText)
        self.cancel_button = make_button(
            "Cancel", "cancelUploadButton", "Cancel the upload", "Cancel the upload (Esc)"
        )
        self.cancel_button.clicked.connect(self.cancel_requested)
        progress = self._progress_row = QWidget(self)
        row = QHBoxLayout(progress)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(8)
        row.addWidget(self.progress_label)
        row.addWidget(self.progress_bar, 1)
        row.addWidget(self.cancel_button)
        progress.hide()
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(4)
        column.addWidget(self.chips)
        column.addWidget(progress)
        self._render()

    # -- what is attached --------------------------------------------------------------------
    def files(self) -> tuple[LocalFile, ...]:
        return tuple(self._files)

    def paths(self) -> tuple[Path, ...]:
        return tuple(file.path for file in self._files)

    @property
    def uploading(self) -> bool:
        return self._uploading

    def add_paths(self, paths: Iterable[Path]) -> list[str]:
        """Attach each file the core accepts (a file already attached is not added twice); the
        sentence of each one refused, also announced by `refused`."""
        from desktop.core.agent.attachments import local_file
        from desktop.core.router.transfer_errors import FileTransferError

        problems: list[str] = []
        if self._uploading:
            return problems
        known = {file.path for file in self._files}
        added = False
        for path in paths:
            if path in known:
                continue
            try:
                chosen = local_file(path)
            except FileTransferError as exc:
                problems.append(exc.message)
                self.refused.emit(exc.message)
                continue
            self._files.append(chosen)
            known.add(path)
            added = True
        if added:
            self._render()
            self.changed.emit()
        return problems

    def remove(self, index: int) -> None:
        if self._uploading or not 0 <= index < len(self._files):
            return
        del self._files[index]
        self._render()
        self.changed.emit()

    def clear(self) -> None:
        """The files went with a message that was sent."""
        self.set_uploading(False)
        if self._files:
            self._files.clear()
            self._render()
            self.changed.emit()

    # -- their upload ------------------------------------------------------------------------
    def set_uploading(self, uploading: bool) -> None:
        """While the files upload they cannot be changed; a big one shows its progress."""
        self._uploading = uploading
        for chip in self.chips.chips():
            if chip.remove_button is not None:
                chip.remove_button.setEnabled(not uploading)
        if not uploading:
            self._progress_row.hide()

    def show_progress(self, index: int, sent: int, size: int | None) -> None:
        """`sent` bytes of file `index` are on their way (from the upload's progress)."""
        if not self._uploading or not 0 <= index < len(self._files):
            return
        file = self._files[index]
        if not file.needs_progress:
            return
        total = size or file.size or 1
        self.progress_bar.setValue(min(PROGRESS_STEPS, sent * PROGRESS_STEPS // total))
        name = inert(file.name)
        self.progress_label.setText(f"Uploading {name}: {size_text(sent)} of {size_text(total)}")
        self._progress_row.show()

    def _render(self) -> None:
        self.chips.set_chips(
            AttachmentChip(
                inert(file.name),
                file.shown_size,
                on_remove=functools.partial(self.remove, index),
            )
            for index, file in enumerate(self._files)
        )
        self.setVisible(bool(self._files))
