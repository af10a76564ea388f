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
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

from annotated_types import Ge
from pydantic import TypeAdapter

from desktop.core.agent.code_runs import WHERE_CODE_RUNS
from desktop.core.errors import quoted
from desktop.core.router.mount_names import size_text, unique_file_names
from desktop.core.router.transfer_errors import MAX_MOUNT_FILE_BYTES, Transfer, too_big

if TYPE_CHECKING:
    from desktop.core.router.files_mount import FilesMount, UploadedFile

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
    files = "file" if len(attachments) == 1 else "files"
    header = (
        f"[Attached {files}: uploaded to the {WHERE_CODE_RUNS} (its files mount); read them "
        "there at these paths with COMPOSIO_REMOTE_WORKBENCH or COMPOSIO_REMOTE_BASH_TOOL. "
        "They are not in any E2B sandbox.]"
    )
    return "\n".join([prompt.rstrip(), "", header, *lines])


def _sizes(paths: Sequence[Path], names: Sequence[str]) -> list[int]:
    """Each file's size; the first one over the limit refuses them all, before any upload."""
    sizes = []
    for path, name in zip(paths, names, strict=True):
        try:
            size = path.stat().st_size
        except OSError:
            size = 0  # the upload says why it cannot read it
        if size > MAX_MOUNT_FILE_BYTES:
            raise too_big(Transfer("upload", path.name or name), size)
        sizes.append(size)
    return sizes


async def attach_files(
    mount: FilesMount,
    paths: Sequence[Path],
    *,
    taken: Collection[str] = (),
    progress: AttachProgress | None = None,
) -> tuple[Attachment, ...]:
    """Upload `paths` to the mount, one after the other, under plain unique names (`taken`:
    names already there, or attached earlier in the conversation). A file over the limit
    refuses the whole set before anything is sent; any other failure raises the upload's
    `FileTransferError` (files sent before it stay in the mount). Cancel by cancelling the
    task."""
    names = unique_file_names([path.name for path in paths], taken)
    await asyncio.to_thread(_sizes, paths, names)
    attached: list[Attachment] = []
    for index, (path, name) in enumerate(zip(paths, names, strict=True)):
        report = functools.partial(progress, index) if progress is not None else None
        uploaded = await mount.upload(path, name, progress=report)
        attached.append(attachment_of(uploaded, name))
    return tuple(attached)


@functools.cache
def attachments_adapter() -> TypeAdapter[tuple[Attachment, ...]]:
    """The records' JSON for the store and the export."""
    return TypeAdapter(tuple[Attachment, ...])
