"""Saving a file a code run left in the mount: the request a chip makes, and who carries it out.

A chip asks where (a save dialog) and makes a `FileSave`; the chat view passes it on
(`CellRequests.file_save_requested`) to the `FileSaver`, which downloads it through the
backend on the agent's loop (`ChatBackend.download_file`: the file as its cell shows it, found
again in the mount by the core, `shown_files.find_shown`; a presigned URL checked as the SDK
checks it, at most 100 MB, written atomically to exactly the chosen path) and reports progress
and the outcome, in a sentence, on the request. Cancel stops the download; nothing is written.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from desktop.core.agent.code_runs import OutputFile
from desktop.core.conversations.backend import user_error
from desktop.core.inert import inert
from desktop.core.router.mount_names import size_text
from desktop.ui.messages import error_text

if TYPE_CHECKING:
    from desktop.core.conversations.backend import ChatBackend

log = logging.getLogger(__name__)

NO_BACKEND = "The file was not saved: the app is not connected yet. Try again in a moment."
CANCELLED = "Not saved: the download was cancelled."


class FileSave(QObject):
    """One "Save as…" of an output file: where to, how far, how it ended."""

    progressed = Signal(object, object)  # bytes so far, the size when known
    finished = Signal(bool, str)  # saved?, the sentence to show
    cancel_requested = Signal()

    def __init__(self, file: OutputFile, destination: Path) -> None:
        super().__init__()  # no parent: the chip and the saver hold it while they need it
        self.file = file
        self.destination = destination
        self.running = False

    def cancel(self) -> None:
        self.cancel_requested.emit()


class FileSaver(QObject):
    """Carries out `FileSave`s through the backend the controller holds now."""

    def __init__(
        self, backend: Callable[[], ChatBackend | None], parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._backend = backend
        self._tasks: dict[asyncio.Task[None], FileSave] = {}

    def save(self, request: object) -> None:
        if not isinstance(request, FileSave) or request.running:
            return
        request.running = True
        task = asyncio.ensure_future(self._download(request))
        self._tasks[task] = request
        task.add_done_callback(self._forget)
        request.cancel_requested.connect(task.cancel)

    def _forget(self, task: asyncio.Task[None]) -> None:
        self._tasks.pop(task, None)

    async def _download(self, request: FileSave) -> None:
        backend = self._backend()
        ok, sentence = False, NO_BACKEND
        try:
            if backend is not None:
                size = await backend.download_file(
                    request.file.mount_relative_path, request.destination, request.progressed.emit
                )
                name = inert(request.file.name)
                ok, sentence = True, f"Saved {name} ({size_text(size)}) to {request.destination}."
        except asyncio.CancelledError:
            sentence = CANCELLED
            raise
        except Exception as exc:  # FileTransferError, the session's errors: their sentence
            sentence = f"Not saved: {error_text(user_error(exc))}"
        finally:
            request.running = False
            request.finished.emit(ok, sentence)

    async def aclose(self) -> None:
        """Cancel the downloads still running (at shutdown): nothing half-written stays."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
