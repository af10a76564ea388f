"""The files of a message, sent before its turn: the upload's progress as Qt signals, its end
as the records for the turn or the sentence that says why nothing was sent."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from desktop.core.conversations.backend import ChatBackend, user_error
from desktop.ui.chat.turn_runner import TurnRunner
from desktop.ui.messages import UPLOAD_CANCELLED, error_text, upload_refused

if TYPE_CHECKING:
    from desktop.core.agent.attachments import Attachment


class Uploads(QObject):
    """Uploads a message's files through the backend (on the agent's loop); Stop cancels."""

    progress = Signal(int, int, object)  # file index, bytes sent, its size (None: unknown)
    uploading_changed = Signal(bool)
    sent = Signal()  # every file is in the mount: the message goes with them

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._uploading = False

    @property
    def uploading(self) -> bool:
        return self._uploading

    def _set_uploading(self, uploading: bool) -> None:
        self._uploading = uploading
        self.uploading_changed.emit(uploading)

    async def send(
        self,
        backend: Callable[[], Awaitable[ChatBackend]],
        files: Sequence[Path],
        turn: TurnRunner,
    ) -> tuple[Attachment, ...] | str:
        """The records of the files once they are all in the mount, or why not (a failure or
        Stop): then nothing reached the model, and the message is still the person's."""
        self._set_uploading(True)
        try:
            with turn.stoppable_at_once():  # Stop cancels the upload at once
                chat = await backend()
                records = await chat.attach(tuple(files), self.progress.emit)
        except asyncio.CancelledError:
            if not turn.stop_requested:
                raise  # shutdown
            return UPLOAD_CANCELLED
        except Exception as exc:
            return upload_refused(error_text(user_error(exc)))
        finally:
            self._set_uploading(False)
        self.sent.emit()
        return records
