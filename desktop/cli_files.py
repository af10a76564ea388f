"""The terminal's file commands, on the session's files mount (no model, no tokens):

- `/files` lists the files in the Composio workbench for this chat (`/mnt/files`): those
  attached and those code runs left;
- `/save NAME [DEST]` downloads one (NAME as `/files` shows it, or just its file name) to DEST:
  a file, or into a folder; without DEST, into the current folder under its own (plain) name.
  An existing file is not overwritten.
"""

from __future__ import annotations

import asyncio
import shlex
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from desktop.core.errors import UserFacingError
from desktop.core.router.mount_names import save_target, size_text

if TYPE_CHECKING:
    from desktop.core.router.files_mount import MountItem
    from desktop.core.router.presigned import Progress

FILES = "/files"
SAVE = "/save"
SAVE_USAGE = "Usage: /save NAME [DEST] (NAME as /files lists it)."


class FilesSession(Protocol):
    """What the commands need of the chat session (`ChatSession`)."""

    async def list_files(self) -> tuple[MountItem, ...]: ...

    async def download_file(
        self, mount_relative_path: str, destination: Path, progress: Progress | None = None
    ) -> int: ...


class Lines(Protocol):
    def line(self, text: str = "") -> None: ...

    def dim(self, text: str) -> None: ...


class FileCommands:
    """Runs `/files` and `/save`; `report` words a failure (the terminal's error line)."""

    def __init__(
        self,
        session: FilesSession,
        term: Lines,
        cwd: Path,
        report: Callable[[str | UserFacingError], None],
    ) -> None:
        self.session = session
        self.term = term
        self.cwd = cwd
        self._report = report

    @staticmethod
    def handles(line: str) -> bool:
        """Whether `line` is one of these commands (anything else is a prompt)."""
        word = line.strip().split(maxsplit=1)[0] if line.strip() else ""
        return word in (FILES, SAVE)

    async def run(self, line: str) -> None:
        try:
            words = shlex.split(line)
        except ValueError as exc:  # an unclosed quote
            self._fail(f"The command could not be read ({exc}). {SAVE_USAGE}")
            return
        try:
            if words[0] == FILES:
                await self._list()
            elif len(words) in (2, 3):
                await self._save(words[1], words[2] if len(words) == 3 else None)
            else:
                self._fail(SAVE_USAGE)
        except UserFacingError as exc:
            self._fail(exc)

    def _fail(self, problem: str | UserFacingError) -> None:
        self._report(problem)

    async def _list(self) -> None:
        items = await self.session.list_files()
        self.term.dim("Files in the Composio workbench for this chat (/mnt/files):")
        if not items:
            self.term.line("  (none yet)")
        for item in items:
            when = f", {item.last_modified}" if item.last_modified else ""
            self.term.line(f"  {item.mount_relative_path} ({size_text(item.size)}{when})")

    async def _save(self, name: str, destination: str | None) -> None:
        items = await self.session.list_files()
        exact = [i for i in items if i.mount_relative_path == name]
        found = exact or [i for i in items if i.name == name]
        if not found:
            self._fail(f"No file {name!r} in the workbench: /files lists what there is.")
            return
        if len(found) > 1:
            paths = ", ".join(i.mount_relative_path for i in found)
            self._fail(f"Several files are called {name!r} ({paths}): name one by its path.")
            return
        (item,) = found
        target, taken = await asyncio.to_thread(_target, item, destination, self.cwd)
        if taken:
            self._fail(f"{target} exists already: name another DEST (it is not overwritten).")
            return
        self.term.dim(f"Saving {item.mount_relative_path} ({size_text(item.size)})…")
        size = await self.session.download_file(item.mount_relative_path, target)
        self.term.line(f"Saved {item.name} ({size_text(size)}) to {target}.")


def _target(item: MountItem, destination: str | None, cwd: Path) -> tuple[Path, bool]:
    """Where `/save` writes (`mount_names.save_target`, relative to `cwd`) and whether a file
    is there already. Touches the disk: run it in a thread."""
    chosen = Path(destination).expanduser() if destination else None
    if chosen is not None and not chosen.is_absolute():
        chosen = cwd / chosen
    target = save_target(item.mount_relative_path, chosen, cwd)
    return target, target.exists()
