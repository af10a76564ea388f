"""The terminal's `/attach PATH [PATH...]`: files uploaded to the session's files mount at once,
each upload printed (a big file's progress too, a failure as its sentence), and named to the
agent with the next prompt; `/attach` alone lists them.

The checks, the upload and the prompt lines are the core's (`core.agent.attachments`); this
module reads the command and prints.
"""

from __future__ import annotations

import asyncio
import shlex
import signal
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

from desktop.core.agent.attachments import Attachment, AttachProgress, LocalFile, local_file
from desktop.core.errors import Fix, UserFacingError, unexpected
from desktop.core.router.mount_names import size_text
from desktop.terminal import Terminal

COMMAND = "/attach"
USAGE = f"Usage: {COMMAND} PATH [PATH...] (quote a path with spaces), then type your message."
PROGRESS_STEP = 25  # a big file's upload is printed every this many percent


class Uploader(Protocol):
    """What the command needs of the chat session (`core.agent.session.ChatSession`)."""

    async def attach(
        self, paths: Sequence[Path], progress: AttachProgress | None = None
    ) -> tuple[Attachment, ...]: ...


def is_attach_command(line: str) -> bool:
    words = line.strip().split(maxsplit=1)
    return bool(words) and words[0].lower() == COMMAND


class AttachCommand:
    """Files attached in the terminal, waiting for the next prompt (`take`)."""

    def __init__(
        self,
        session: Uploader,
        term: Terminal,
        error: Callable[[str, Fix | None], None],
        cwd: Path,
    ) -> None:
        self._session = session
        self._term = term
        self._error = error
        self._cwd = cwd
        self._pending: list[Attachment] = []

    @property
    def pending(self) -> tuple[Attachment, ...]:
        return tuple(self._pending)

    def take(self) -> tuple[Attachment, ...]:
        """The files for the prompt about to be sent (and none for the one after)."""
        taken, self._pending = tuple(self._pending), []
        return taken

    async def run(self, line: str) -> None:
        """Carry out one `/attach` line: upload its files (Ctrl-C cancels), or list them."""
        try:
            words = shlex.split(line.strip())[1:]
        except ValueError as exc:
            self._term.error(f"{exc}: {USAGE}")
            return
        if not words:
            self._list()
            return
        paths = [self._resolved(word) for word in words]
        try:
            files = [local_file(path) for path in paths]  # refused at once, before any request
        except UserFacingError as exc:
            self._error(exc.message, exc.fix)
            self._term.dim("Nothing was attached.")
            return
        await self._upload(paths, files)

    def _resolved(self, word: str) -> Path:
        path = Path(word).expanduser()
        return path if path.is_absolute() else self._cwd / path

    def _list(self) -> None:
        if not self._pending:
            self._term.dim(f"No files attached. {USAGE}")
            return
        self._term.dim("Attached, for your next message:")
        for attachment in self._pending:
            self._term.dim(f"  {attachment.name} ({size_text(attachment.size)})")

    async def _upload(self, paths: list[Path], files: list[LocalFile]) -> None:
        shown: dict[int, int] = {}  # per file, the last step printed

        def progress(index: int, sent: int, size: int | None) -> None:
            file = files[index]
            if index not in shown:
                shown[index] = 0
                self._term.dim(f"  uploading {file.name} ({file.shown_size})…")
            if not file.needs_progress or not size:
                return
            step = sent * 100 // size // PROGRESS_STEP * PROGRESS_STEP
            if step > shown[index]:
                shown[index] = step
                self._term.dim(f"    {step}% ({size_text(sent)} of {size_text(size)})")

        task = asyncio.ensure_future(self._session.attach(paths, progress))
        loop = asyncio.get_running_loop()
        try:
            loop.add_signal_handler(signal.SIGINT, task.cancel)
            handler = True
        except (NotImplementedError, RuntimeError):  # Windows: Ctrl-C ends the process instead
            handler = False
        try:
            attached = await task
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if current is not None and current.cancelling():
                raise
            self._term.dim("Upload cancelled: nothing was attached.")
            return
        except Exception as exc:
            problem = exc if isinstance(exc, UserFacingError) else unexpected(exc)
            self._error(problem.message, problem.fix)
            self._term.dim("Nothing was attached.")
            return
        finally:
            if handler:
                loop.remove_signal_handler(signal.SIGINT)
        self._pending.extend(attached)
        for attachment in attached:
            self._term.dim(
                f"Attached {attachment.name} ({size_text(attachment.size)}, "
                f"{attachment.mimetype}): the agent reads it at {attachment.sandbox_path}."
            )
        self._term.dim("Now type your message; the files go with it.")
