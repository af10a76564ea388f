"""How a transfer to or from the session's files mount failed, in one sentence per way: the
file's size limit, the storage's answers (expired link, refusal, missing file, server error)
and the connection's failures (timeout, drop)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from desktop.core.errors import ErrorKind, UserFacingError, host_of, quoted
from desktop.core.router.http import is_timeout
from desktop.core.router.mount_names import size_text
from desktop.core.router.types import ResponseTooLargeError

if TYPE_CHECKING:
    import httpx

MAX_MOUNT_FILE_BYTES = 100 * 1024 * 1024
"""The largest file sent to or taken from the mount (the SDK's download cap, 100 MB)."""

TransferProblem = Literal[
    "too_big",
    "expired",
    "refused",
    "timed_out",
    "dropped",
    "unsafe_address",
    "not_found",
    "server_error",
    "local_file",
]


@dataclass(frozen=True)
class Transfer:
    """What moves, for the sentences: an upload or a download of the file called `name`."""

    direction: Literal["upload", "download"]
    name: str

    @property
    def doing(self) -> str:
        return f"{'uploading' if self.direction == 'upload' else 'downloading'} {self.label}"

    @property
    def label(self) -> str:
        return f"'{quoted(self.name, limit=80)}'"


class FileTransferError(UserFacingError):
    """An upload or download to the files mount failed; `problem` says how, for the faces."""

    def __init__(
        self,
        problem: TransferProblem,
        message: str,
    ) -> None:
        kind = {
            "too_big": ErrorKind.BAD_INPUT,
            "local_file": ErrorKind.BAD_INPUT,
            "timed_out": ErrorKind.TIMEOUT,
            "dropped": ErrorKind.UNREACHABLE,
        }.get(problem, ErrorKind.SERVER_ERROR)
        super().__init__(kind, message)
        self.problem = problem


def too_big(transfer: Transfer, size: int | None) -> FileTransferError:
    """The one sentence for a file over MAX_MOUNT_FILE_BYTES, either way."""
    limit = MAX_MOUNT_FILE_BYTES // (1024 * 1024)
    if transfer.direction == "upload":
        shown = size_text(size or 0)
        if shown == size_text(MAX_MOUNT_FILE_BYTES):  # just over: the bytes say by how much
            shown = f"{size:,} bytes"
        return FileTransferError(
            "too_big",
            f"{transfer.label} ({shown}) is over the {limit} MB limit for an attached file: "
            "attach a smaller file, or split it.",
        )
    return FileTransferError(
        "too_big", f"{transfer.label} is over the {limit} MB download limit, so it was not saved."
    )


def not_in_mount(transfer: Transfer) -> FileTransferError:
    """The one sentence for a file the mount does not have (any more)."""
    return FileTransferError(
        "not_found",
        f"{transfer.label} is not in the workbench's files: it may have been renamed or deleted.",
    )


async def head_of_body(response: httpx.Response, limit: int = 4096) -> str:
    """The start of an error answer's body (S3 says "Request has expired" there)."""
    kept = b""
    async for chunk in response.aiter_bytes():
        kept += chunk
        if len(kept) >= limit:
            break
    return kept[:limit].decode("utf-8", errors="replace")


async def status_failure(response: httpx.Response, transfer: Transfer) -> FileTransferError:
    status = response.status_code
    body = (await head_of_body(response)).lower()
    noun = transfer.direction
    if 300 <= status < 400:
        return FileTransferError(
            "server_error",
            f"The file storage answered {transfer.doing} with a redirect ({status}), which the "
            "app does not follow: try again later.",
        )
    if status in (400, 403) and "expired" in body:
        return FileTransferError(
            "expired", f"The {noun} link for {transfer.label} had expired: try again."
        )
    if status == 404:
        return not_in_mount(transfer)
    if status >= 500:
        return FileTransferError(
            "server_error",
            f"The file storage had a server error ({status}) while {transfer.doing}: "
            "try again in a moment.",
        )
    return FileTransferError(
        "refused",
        f"The file storage refused the {noun} of {transfer.label} ({status}): try again; if it "
        "keeps happening, start a new conversation.",
    )


def transport_failure(
    exc: BaseException, transfer: Transfer, url: str, seconds: float
) -> FileTransferError | None:
    """The sentence for a transfer that timed out, was cut off or grew too big; None for
    other failures."""
    import httpx

    where = host_of(url, "the file storage")
    if is_timeout(exc):
        return FileTransferError(
            "timed_out",
            f"The file storage ({where}) stopped answering for {seconds:g} s while "
            f"{transfer.doing}: try again in a moment.",
        )
    if isinstance(exc, ResponseTooLargeError):
        return too_big(transfer, None)
    if isinstance(exc, httpx.ConnectError):
        return FileTransferError(
            "dropped",
            f"Could not reach the file storage ({where}) for {transfer.doing}: check your "
            "internet connection or proxy, then try again.",
        )
    if isinstance(exc, httpx.TransportError):
        return FileTransferError(
            "dropped", f"The connection dropped while {transfer.doing}: try again."
        )
    return None
