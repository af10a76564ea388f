"""The session's files mount as both faces show it, and the real file a shown name stands for.

A file's path and name are shown (a cell's chip, the terminal's lines), stored and exported in
one form (`shown_file`): lone surrogates replaced, cut at MAX_SHOWN_CHARS, every key the
redactor knows or sees taken out. That form is not always the real path (a key in a name, a
path over the cut), so a download never asks the mount for it: the mount is listed again and
the name resolved to the one file it stands for (`find_shown`): the file whose real path is
the name exactly, else the one whose shown path is (or, as the terminal writes it, the shown
path written inert). None, or several, is a sentence and nothing is written.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from desktop.core.agent.code_runs import OutputFile
from desktop.core.agent.lone_surrogates import clean_text
from desktop.core.errors import ErrorKind, UserFacingError, quoted
from desktop.core.inert import inert
from desktop.core.redaction import Redactor
from desktop.core.router.transfer_errors import Transfer, not_in_mount

if TYPE_CHECKING:
    from pathlib import Path

    from desktop.core.router.files_mount import FilesMount, MountItem
    from desktop.core.router.presigned import Progress

MAX_SHOWN_CHARS = 1000
"""The longest path or name shown and kept of a file in the mount."""

MountSource = Callable[[], Awaitable["FilesMount"]]
"""The session's mount, made (or resumed) when first asked for (`ChatSession.files_mount`)."""


def shown_file(item: MountItem, redactor: Redactor) -> OutputFile:
    """The mount's listing of a file as faces show it and the store keeps it."""

    def shown(text: str, limit: int = MAX_SHOWN_CHARS) -> str:
        return redactor.text(clean_text(text))[:limit]  # whole: a cut leaves no part of a key

    return OutputFile(
        name=shown(item.name),
        mount_relative_path=shown(item.mount_relative_path),
        sandbox_path=shown(item.sandbox_path),
        size=item.size,
        last_modified=shown(item.last_modified, 100),
    )


@dataclass(frozen=True)
class ShownFile:
    """A file in the mount: the real one (what is downloaded, never shown) and as shown."""

    item: MountItem
    shown: OutputFile


def find_shown(files: Iterable[ShownFile], name: str, *, by_name: bool = False) -> ShownFile:
    """The one file `name` stands for: the file at exactly that path, else the one shown at it
    (or at what the terminal writes of it, `inert`); `by_name`, then the one whose file name
    it is, as it is or shown. None, or several: a `UserFacingError` with the sentence."""
    files = tuple(files)
    rules: list[tuple[Callable[[ShownFile], bool], bool]] = [
        (lambda f: f.item.mount_relative_path == name, True),
        (lambda f: name in (f.shown.mount_relative_path, inert(f.shown.mount_relative_path)), True),
    ]
    if by_name:
        rules.append((lambda f: name in (f.item.name, f.shown.name, inert(f.shown.name)), False))
    for rule, by_path in rules:
        found = [f for f in files if rule(f)]
        if len(found) == 1:
            return found[0]
        if found:
            raise _several(name, found, by_path=by_path)
    raise not_in_mount(Transfer("download", name))


def _several(name: str, found: list[ShownFile], *, by_path: bool) -> UserFacingError:
    label = f"'{quoted(name, limit=80)}'"
    if by_path:
        return UserFacingError(
            ErrorKind.BAD_INPUT,
            f"Several of the workbench's files are shown as {label}, so which one is meant is "
            "not known: ask the agent to rename them, then try again.",
        )
    paths = ", ".join(quoted(f.shown.mount_relative_path, limit=80) for f in found[:5])
    return UserFacingError(
        ErrorKind.BAD_INPUT, f"Several files are called {label} ({paths}): name one by its path."
    )


class ShownFiles:
    """One session's mount as the faces use it: listed as shown, a shown name downloaded."""

    def __init__(self, mount: MountSource, redactor: Redactor | None = None) -> None:
        self._mount = mount
        self._redactor = redactor or Redactor()

    def shown(self, item: MountItem) -> OutputFile:
        return shown_file(item, self._redactor)

    async def listed(self) -> tuple[ShownFile, ...]:
        """The files in the mount now (what code runs can read and left)."""
        items = await (await self._mount()).list()
        return tuple(ShownFile(item, self.shown(item)) for item in items)

    async def find(self, name: str, *, by_name: bool = False) -> ShownFile:
        """The one file in the mount now that `name` stands for (`find_shown`)."""
        return find_shown(await self.listed(), name, by_name=by_name)

    async def download(
        self, file: ShownFile, destination: Path, progress: Progress | None = None
    ) -> int:
        """Save the real file to exactly `destination`, atomically (`FilesMount.download`);
        its size. Its sentences name it as it is shown."""
        mount = await self._mount()
        real = file.item.mount_relative_path
        return await mount.download(
            real, destination, progress=progress, shown_name=file.shown.name
        )

    async def save(
        self, shown_path: str, destination: Path, progress: Progress | None = None
    ) -> int:
        """Save the file shown at `shown_path` (a cell's file) to `destination`: found in the
        mount as it is now, then downloaded; its size."""
        return await self.download(await self.find(shown_path), destination, progress)
