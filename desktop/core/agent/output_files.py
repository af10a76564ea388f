"""The files each code run leaves in the session's files mount, found without the model.

Around every COMPOSIO_REMOTE_WORKBENCH and COMPOSIO_REMOTE_BASH_TOOL call that runs (after
consent: a call waiting for a person lists nothing), the mount is listed before and after it
(`FilesMount.list`: the app's own REST calls, no tokens), and what is new or changed
(`files_mount.files_left`) is kept for the call's cell, by call id, until its end is read
(`take`). A listing that fails costs the cell its files, never the call: the run goes on and
the failure is logged. Each file is kept as it is shown (`shown_files.shown_file`: cleaned,
cut, without keys); a download finds the real file again (`shown_files.find_shown`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

from desktop.core.agent.shown_files import MountSource, shown_file
from desktop.core.errors import quoted
from desktop.core.redaction import Redactor
from desktop.core.router.files_mount import files_left

if TYPE_CHECKING:
    from desktop.core.agent.code_runs import OutputFile
    from desktop.core.router.files_mount import MountItem

log = logging.getLogger(__name__)

_T = TypeVar("_T")

MAX_OUTPUT_FILES = 50
"""Files kept per run, by name; a run that leaves more says how many more (`/files` and the
mount list them all)."""


class OutputFiles:
    """The files each code run of one chat session left, by call id."""

    def __init__(self, mount: MountSource, redactor: Redactor | None = None) -> None:
        self._mount = mount
        self._redactor = redactor or Redactor()
        self._found: dict[str, tuple[tuple[OutputFile, ...], int]] = {}
        # One run at a time between its two listings: the model may call two at once, and each
        # would otherwise be credited with the other's files (the session has one kernel).
        self._one_run = asyncio.Lock()

    async def around(self, call_id: str | None, call: Callable[[], Awaitable[_T]]) -> _T:
        """Run `call` (the code run) between two listings of the mount; what it left is kept
        for `call_id`. A call that raises (the tool's error: the code may have run) is listed
        after as well; one cancelled is not. Runs of the session go one at a time."""
        if call_id is None:
            return await call()
        async with self._one_run:
            before = await self._listing()
            try:
                result = await call()
            except Exception:
                await self._after(call_id, before)
                raise
            await self._after(call_id, before)
            return result

    def take(self, call_id: str) -> tuple[tuple[OutputFile, ...], int]:
        """The files the call left (at most MAX_OUTPUT_FILES) and how many more it left;
        forgotten here once taken."""
        return self._found.pop(call_id, ((), 0))

    async def _listing(self) -> tuple[MountItem, ...] | None:
        try:
            mount = await self._mount()
            return await mount.list()
        except Exception as exc:  # a UserFacingError mostly: the run goes on without its files
            log.warning("listing the files mount failed: %s", quoted(str(exc), limit=300))
            return None

    async def _after(self, call_id: str | None, before: tuple[MountItem, ...] | None) -> None:
        if call_id is None or before is None:
            return
        after = await self._listing()
        if after is None:
            return
        left = sorted(files_left(before, after), key=lambda item: item.mount_relative_path)
        files = tuple(shown_file(item, self._redactor) for item in left[:MAX_OUTPUT_FILES])
        if files:
            self._found[call_id] = (files, max(0, len(left) - MAX_OUTPUT_FILES))
