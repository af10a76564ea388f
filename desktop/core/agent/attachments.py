"""Files a person attaches to a message: uploaded to the session's files mount, named to the
agent in the prompt it receives, and kept by the conversation as records without their content.

The agent reads an attached file in Composio's workbench for this chat, at `/mnt/files/<name>`
(COMPOSIO_REMOTE_WORKBENCH or COMPOSIO_REMOTE_BASH_TOOL); it is not in any E2B sandbox, and the
prompt says so. Names are made plain and unique first (`router.mount_names`), so a hostile or
clashing name never reaches the mount, the prompt or a path.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import stat
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

from annotated_types import Ge
from pydantic import TypeAdapter

from desktop.core.errors import quoted
from desktop.core.router.mount_names import size_text, unique_file_names
from desktop.core.router.transfer_errors import (
    MAX_MOUNT_FILE_BYTES,
    FileTransferError,
    Transfer,
    too_big,
)
from desktop.core.router.types import WHERE_CODE_RUNS

if TYPE_CHECKING:
    from desktop.core.router.files_mount import FilesMount, UploadedFile

log = logging.getLogger(__name__)

AttachProgress = Callable[[int, int, int | None], None]
"""Called with (which file, counted from 0; bytes sent of it; its size) during `attach_files`."""


@dataclass(frozen=True, kw_only=True)
class Attachment:
    """An attached file as the conversation keeps it: never its content."""

    name: str  # its name in the mount (made plain and unique)
    size: Annotated[int, Ge(0)]
    mimetype: str
    sha256: str
    remote_path: str  # its `mount_relative_path`
    sandbox_path: str  # where code in the workbench reads it: /mnt/files/<name>


def attachment_of(uploaded: UploadedFile, name: str) -> Attachment:
    return Attachment(
        name=name,
        size=uploaded.size,
        mimetype=uploaded.mimetype,
        sha256=uploaded.sha256,
        remote_path=uploaded.mount_relative_path,
        sandbox_path=uploaded.sandbox_path,
    )


def prompt_with_attachments(prompt: str, attachments: Sequence[Attachment]) -> str:
    """The prompt the model receives: the person's text, then each attached file's workbench
    path, name, size and type (every field on one line of its own, whatever a record holds)."""
    if not attachments:
        return prompt
    lines = [
        f"- {quoted(a.sandbox_path, limit=300)} ({quoted(a.name, limit=150)}, "
        f"{size_text(a.size)}, {quoted(a.mimetype, limit=100)})"
        for a in attachments
    ]
    one = len(attachments) == 1
    files, them, paths, they = (
        ("file", "it", "this path", "It is")
        if one
        else ("files", "them", "these paths", "They are")
    )
    header = (
        f"[Attached {files}: uploaded to the {WHERE_CODE_RUNS} (its files mount); read {them} "
        f"there at {paths} with COMPOSIO_REMOTE_WORKBENCH or COMPOSIO_REMOTE_BASH_TOOL. "
        f"{they} not in any E2B sandbox.]"
    )
    return "\n".join([prompt.rstrip(), "", header, *lines])


@dataclass(frozen=True)
class LocalFile:
    """A file a person chose to attach, before it is sent: where it is, its name and size."""

    path: Path
    name: str
    size: int

    @property
    def shown_size(self) -> str:
        return size_text(self.size)

    @property
    def needs_progress(self) -> bool:
        """Big enough that its upload shows a progress bar."""
        return self.size > PROGRESS_OVER_BYTES


PROGRESS_OVER_BYTES = 1024 * 1024
"""Files over 1 MB show their upload's progress."""


def local_file(path: Path) -> LocalFile:
    """`path` as a file that can be attached: refused at once (FileTransferError, before any
    request) when it is not a readable regular file or is over MAX_MOUNT_FILE_BYTES. Cheap
    (one `stat`): the faces ask it as a file is chosen, dropped or pasted."""
    transfer = Transfer("upload", path.name or str(path))
    try:
        info = path.stat()
    except OSError as exc:
        raise FileTransferError(
            "local_file", f"Could not read {transfer.label}: {quoted(exc.strerror or str(exc))}."
        ) from exc
    if not stat.S_ISREG(info.st_mode):
        raise FileTransferError("local_file", f"{transfer.label} is not a file.")
    if info.st_size > MAX_MOUNT_FILE_BYTES:
        raise too_big(transfer, info.st_size)
    return LocalFile(path, path.name, info.st_size)


def _check_all(paths: Sequence[Path]) -> list[LocalFile]:
    """Every file checked; the first one that cannot go refuses them all, before any upload."""
    return [local_file(path) for path in paths]


async def attach_files(
    mount: FilesMount,
    paths: Sequence[Path],
    *,
    taken: Collection[str] | None = None,
    progress: AttachProgress | None = None,
) -> tuple[Attachment, ...]:
    """Upload `paths` to the mount, one after the other, under plain unique names. `taken`:
    names already there (None: the mount is listed for them, after the files are checked). A
    file that cannot go (not a file, over the limit) refuses the whole set before any request;
    any other failure raises the upload's `FileTransferError`. Cancel by cancelling the task.
    Either way the files this call had sent are deleted again, so that nothing half-sent stays
    and a second try gets the same names."""
    await asyncio.to_thread(_check_all, paths)
    if taken is None:
        taken = [item.mount_relative_path for item in await mount.list()]
    names = unique_file_names([path.name for path in paths], taken)
    attached: list[Attachment] = []
    try:
        for index, (path, name) in enumerate(zip(paths, names, strict=True)):
            report = functools.partial(progress, index) if progress is not None else None
            uploaded = await mount.upload(path, name, progress=report)
            attached.append(attachment_of(uploaded, name))
    except BaseException:
        if attached:
            await asyncio.shield(_take_back(mount, attached))
        raise
    return tuple(attached)


async def _take_back(mount: FilesMount, attached: Sequence[Attachment]) -> None:
    """Delete what a failed or cancelled set had sent (best effort: the mount is the
    session's scratch space, a file left there harms nothing)."""
    for attachment in attached:
        try:
            await mount.delete(attachment.remote_path)
        except Exception:
            log.warning("could not delete %s after a failed upload", attachment.name)


@functools.cache
def attachments_adapter() -> TypeAdapter[tuple[Attachment, ...]]:
    """The records' JSON for the store and the export."""
    return TypeAdapter(tuple[Attachment, ...])
