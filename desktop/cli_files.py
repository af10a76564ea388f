"""The terminal's file commands, on the session's files mount (no model, no tokens):

- `/files` lists the files in the Composio workbench for this chat (`/mnt/files`): those
  attached and those code runs left, each as the window shows it (`shown_files`: without
  keys, cut, and inert);
- `/save NAME [DEST]` downloads one (NAME as `/files` or its cell shows it, or just its file
  name: `ShownFiles.find`) to DEST: a file, or into a folder; without DEST, into the current
  folder under its own (plain, shown) name. An existing file is not overwritten.
"""

from __future__ import annotations

import asyncio
import shlex
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from desktop.cli_words import command_word
from desktop.core.errors import UserFacingError
from desktop.core.router.mount_names import save_target, size_text
from desktop.core.router.transfer_errors import FileTransferError
from desktop.terminal import Terminal

if TYPE_CHECKING:
    from desktop.core.agent.shown_files import ShownFile, ShownFiles

FILES = "/files"
SAVE = "/save"
SAVE_USAGE = "Usage: /save NAME [DEST] (NAME as /files lists it)."


class FileCommands:
    """Runs `/files` and `/save`; `report` words a failure (the terminal's error line)."""

    def __init__(
        self,
        files: ShownFiles,
        term: Terminal,
        cwd: Path,
        report: Callable[[str | UserFacingError], None],
    ) -> None:
        self.files = files
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
        files = await self.files.listed()
        self.term.dim("Files in the Composio workbench for this chat (/mnt/files):")
        if not files:
            self.term.line("  (none yet)")
        for file in (f.shown for f in files):
            when = f", {file.last_modified}" if file.last_modified else ""
            name = command_word(file.mount_relative_path)
            self.term.line(f"  {name} ({size_text(file.size)}{when})")

    async def _save(self, name: str, destination: str | None) -> None:
        try:
            found = await self.files.find(name, by_name=True)
        except FileTransferError as exc:
            if exc.problem != "not_found":
                raise
            self._fail(f"{exc.message} {FILES} lists what there is.")
            return
        target, taken = await asyncio.to_thread(_target, found, destination, self.cwd)
        if taken:
            self._fail(f"{target} exists already: name another DEST (it is not overwritten).")
            return
        shown = found.shown
        self.term.dim(f"Saving {shown.mount_relative_path} ({size_text(shown.size)})…")
        size = await self.files.download(found, target)
        self.term.line(f"Saved {shown.name} ({size_text(size)}) to {target}.")


def _target(file: ShownFile, destination: str | None, cwd: Path) -> tuple[Path, bool]:
    """Where `/save` writes (`mount_names.save_target`, relative to `cwd`; the name as shown,
    never a key) and whether a file is there already. Touches the disk: run it in a thread."""
    chosen = Path(destination).expanduser() if destination else None
    if chosen is not None and not chosen.is_absolute():
        chosen = cwd / chosen
    target = save_target(file.shown.name, chosen, cwd)
    return target, target.exists()
