"""The session's files mount over Composio's REST API: upload, download, list and delete files
that the remote workbench sees under `/mnt/files`.

The wire format is composio-client 2.0's (`session.experimental.files` in the SDK), sent by the
app itself as `rest.py` sends the session calls, with the key in `x-api-key`, under
`{base}/api/v3.1/tool_router/session/{sid}/mounts/files/`:
- `POST upload_url` `{"mount_relative_path", "mimetype"}` and `POST download_url`
  `{"mount_relative_path"}` answer a presigned URL (`upload_url` / `download_url`) and the
  path as the mount knows it; the bytes then travel through `router.presigned`, without the key;
- `GET items?mount_relative_prefix=&cursor=&limit=` answers a page of `items` and a
  `next_cursor` (followed here until it is null);
- `POST delete` `{"mount_relative_path"}`.

Each REST call is bounded by `Timeouts.composio_request`, each transfer step by
`Timeouts.file_transfer`; every failure is one user-facing sentence (`FileTransferError` for
the transfers, the session calls' sentences for the REST API). Cancel a transfer by cancelling
its task: an upload cut short leaves nothing in the mount, a download nothing on the disk.
"""

from __future__ import annotations

import asyncio
import logging
import mimetypes
import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, BinaryIO, TypeVar
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from desktop.core.errors import (
    ErrorKind,
    Remote,
    Service,
    UserFacingError,
    host_of,
    quoted,
    unexpected,
)
from desktop.core.router.http import request_failure
from desktop.core.router.presigned import (
    PresignedTarget,
    Progress,
    check_presigned_url,
    get_file,
    put_file,
)
from desktop.core.router.rest import SESSION_PATH, checked_base_url, status_error
from desktop.core.router.transfer_errors import (
    MAX_MOUNT_FILE_BYTES,
    FileTransferError,
    Transfer,
    too_big,
    transport_failure,
)
from desktop.core.router.types import SessionExpiredError, Timeouts

if TYPE_CHECKING:
    from collections.abc import Awaitable, Iterable

    import httpx

log = logging.getLogger(__name__)

MOUNT_ID = "files"
DEFAULT_SANDBOX_PREFIX = "/mnt/files"
PAGE_SIZE = 500  # the API's largest page
MAX_LISTED = 10_000
"""Files listed at most: a mount holding more is listed this far."""

_M = TypeVar("_M", bound=BaseModel)
_U = TypeVar("_U", "_UploadUrl", "_DownloadUrl")


class _Answer(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class _UploadUrl(_Answer):
    upload_url: str = Field(min_length=1)
    mount_relative_path: str = Field(min_length=1)
    sandbox_mount_prefix: str = DEFAULT_SANDBOX_PREFIX

    @property
    def url(self) -> str:
        return self.upload_url


class _DownloadUrl(_Answer):
    download_url: str = Field(min_length=1)
    mount_relative_path: str = Field(min_length=1)

    @property
    def url(self) -> str:
        return self.download_url


class MountItem(_Answer):
    """A file in the mount, as `items` lists it."""

    mount_relative_path: str = Field(min_length=1)
    sandbox_mount_prefix: str = DEFAULT_SANDBOX_PREFIX
    size: int = Field(ge=0)
    last_modified: str = ""

    @property
    def sandbox_path(self) -> str:
        """Where code in the workbench finds it: `/mnt/files/<path>`."""
        return sandbox_path(self.sandbox_mount_prefix, self.mount_relative_path)

    @property
    def name(self) -> str:
        return PurePosixPath(self.mount_relative_path).name or self.mount_relative_path


class _Items(_Answer):
    items: list[MountItem]
    next_cursor: str | None = None


@dataclass(frozen=True)
class UploadedFile:
    """A file now in the mount: where, how big, its type and the sha256 of what was sent."""

    mount_relative_path: str
    sandbox_path: str
    size: int
    mimetype: str
    sha256: str


def files_left(before: Iterable[MountItem], after: Iterable[MountItem]) -> tuple[MountItem, ...]:
    """The files of `after` that `before` did not have, or had with another size or time: what
    a code run left in the mount, listed before and after it."""
    known = {(i.mount_relative_path, i.size, i.last_modified) for i in before}
    return tuple(i for i in after if (i.mount_relative_path, i.size, i.last_modified) not in known)


def sandbox_path(prefix: str, mount_relative_path: str) -> str:
    return f"{prefix.rstrip('/') or ''}/{mount_relative_path.lstrip('/')}"


def guess_mimetype(name: str) -> str:
    """The type a name suggests (`text/csv`), else `application/octet-stream`."""
    return mimetypes.guess_type(name, strict=False)[0] or "application/octet-stream"


def _open_for_upload(source: Path, transfer: Transfer) -> tuple[BinaryIO, int]:
    """The file opened for reading and its size; refused before any request when it is not a
    readable regular file or is over the limit."""
    try:
        if not source.is_file():
            raise FileTransferError("local_file", f"{transfer.label} is not a file.")
        handle = source.open("rb")
    except OSError as exc:
        raise FileTransferError(
            "local_file", f"Could not read {transfer.label}: {quoted(exc.strerror or str(exc))}."
        ) from exc
    size = os.fstat(handle.fileno()).st_size
    if size > MAX_MOUNT_FILE_BYTES:
        handle.close()
        raise too_big(transfer, size)
    return handle, size


class FilesMount:
    """One session's files mount. `api` is the app's shared client (the REST calls), `transfers`
    one from `presigned.new_transfer_client` (the bytes); their owner closes them. Use it on
    the loop that made the clients (the agent's loop)."""

    def __init__(
        self,
        api: httpx.AsyncClient,
        transfers: httpx.AsyncClient,
        *,
        session_id: str,
        api_key: str,
        base_url: str | None,
        timeouts: Timeouts,
    ) -> None:
        self._api = api
        self._transfers = transfers
        self._session_id = session_id
        self._api_key = api_key
        self._base = checked_base_url(base_url)
        self._timeouts = timeouts

    @property
    def session_id(self) -> str:
        """The Tool Router session whose mount this is."""
        return self._session_id

    # ------------------------------------------------------------------ REST
    async def _request(self, method: str, action: str, what: str, **kwargs: Any) -> httpx.Response:
        url = (
            f"{self._base}{SESSION_PATH}/{quote(self._session_id, safe='')}"
            f"/mounts/{MOUNT_ID}/{action}"
        )
        seconds = self._timeouts.composio_request
        headers = {"x-api-key": self._api_key, "accept": "application/json"}
        try:
            async with asyncio.timeout(seconds + 1):
                response = await self._api.request(
                    method, url, headers=headers, timeout=seconds, **kwargs
                )
        except Exception as exc:
            log.warning("files mount %s failed: %s", action, quoted(repr(exc), [self._api_key]))
            where = host_of(self._base, "backend.composio.dev")
            remote = Remote(Service.COMPOSIO, where)
            if (failure := request_failure(exc, remote, seconds)) is not None:
                raise failure from exc
            raise unexpected(exc, [self._api_key]) from exc
        if response.status_code == 404 and action != "delete":
            raise SessionExpiredError()
        if not 200 <= response.status_code < 300 and not (
            action == "delete" and response.status_code == 404
        ):
            raise status_error(response, self._api_key, what)
        return response

    def _parsed(self, response: httpx.Response, model: type[_M]) -> _M:
        try:
            return model.model_validate_json(response.content)
        except ValidationError as exc:
            log.warning("files mount answer: %s", quoted(str(exc), [self._api_key], limit=500))
            raise UserFacingError(
                ErrorKind.SERVER_ERROR,
                "Composio answered a request about the workbench's files in an unexpected "
                "form: try again in a moment.",
                service=Service.COMPOSIO,
            ) from exc

    async def _presigned(
        self, model: type[_U], transfer: Transfer, body: dict[str, str]
    ) -> tuple[_U, PresignedTarget]:
        """Ask for the presigned URL of a transfer, and check it."""
        response = await self._request(
            "POST",
            f"{transfer.direction}_url",
            f"prepare the {transfer.direction} of {transfer.label}",
            json=body,
        )
        answer = self._parsed(response, model)
        return answer, await check_presigned_url(answer.url, self._base, transfer)

    async def _moved(self, transfer: Transfer, url: str, moving: Awaitable[Any]) -> Any:
        seconds = self._timeouts.file_transfer
        try:
            return await moving
        except UserFacingError:
            raise
        except Exception as exc:
            log.warning("file %s failed: %s", transfer.direction, quoted(repr(exc), limit=500))
            if (failure := transport_failure(exc, transfer, url, seconds)) is not None:
                raise failure from exc
            raise unexpected(exc) from exc

    # ------------------------------------------------------------------ the files
    async def upload(
        self,
        source: Path,
        mount_relative_path: str,
        *,
        mimetype: str | None = None,
        progress: Progress | None = None,
    ) -> UploadedFile:
        """Send `source` to the mount as `mount_relative_path` (a name from
        `mount_names.unique_file_names`), streamed from disk. Refused before any request when
        it is not a readable file or is over MAX_MOUNT_FILE_BYTES."""
        transfer = Transfer("upload", mount_relative_path)
        handle, size = await asyncio.to_thread(_open_for_upload, source, transfer)
        try:
            kind = mimetype or guess_mimetype(mount_relative_path)
            body = {"mount_relative_path": mount_relative_path, "mimetype": kind}
            answer, target = await self._presigned(_UploadUrl, transfer, body)
            seconds = self._timeouts.file_transfer
            sent = put_file(
                self._transfers, target, handle, size, kind,
                transfer=transfer, seconds=seconds, progress=progress,
            )  # fmt: skip
            digest: str = await self._moved(transfer, answer.upload_url, sent)
        finally:
            await asyncio.to_thread(handle.close)
        return UploadedFile(
            mount_relative_path=answer.mount_relative_path,
            sandbox_path=sandbox_path(answer.sandbox_mount_prefix, answer.mount_relative_path),
            size=size,
            mimetype=kind,
            sha256=digest,
        )

    async def download(
        self,
        mount_relative_path: str,
        destination: Path,
        *,
        progress: Progress | None = None,
        max_bytes: int = MAX_MOUNT_FILE_BYTES,
        shown_name: str | None = None,
    ) -> int:
        """Save the mount's file to exactly `destination` (choose it with
        `mount_names.save_target`), atomically; returns its size. Nothing is written when it
        fails, is cancelled or is over `max_bytes`. Its sentences name it `shown_name` (as a
        face shows it: `shown_files`), else by its own name."""
        transfer = Transfer("download", shown_name or PurePosixPath(mount_relative_path).name)
        body = {"mount_relative_path": mount_relative_path}
        answer, target = await self._presigned(_DownloadUrl, transfer, body)
        seconds = self._timeouts.file_transfer
        receiving = get_file(
            self._transfers, target, destination,
            transfer=transfer, seconds=seconds, max_bytes=max_bytes, progress=progress,
        )  # fmt: skip
        written: int = await self._moved(transfer, answer.download_url, receiving)
        return written

    async def list(self, prefix: str = "", *, page_size: int = PAGE_SIZE) -> tuple[MountItem, ...]:
        """The mount's files (under `prefix`), every page, at most MAX_LISTED of them."""
        items: list[MountItem] = []
        cursor: str | None = None
        seen: set[str] = set()
        while len(items) < MAX_LISTED:
            params: dict[str, str | int] = {"limit": page_size}
            params |= {"mount_relative_prefix": prefix} if prefix else {}
            params |= {"cursor": cursor} if cursor else {}
            response = await self._request(
                "GET", "items", "list the workbench's files", params=params
            )
            page = self._parsed(response, _Items)
            items.extend(page.items)
            cursor = page.next_cursor
            if not cursor or cursor in seen:  # the last page (or a server going round)
                break
            seen.add(cursor)
        return tuple(items[:MAX_LISTED])

    async def delete(self, mount_relative_path: str) -> None:
        """Remove the file (a file already gone is no error)."""
        await self._request(
            "POST",
            "delete",
            f"delete '{quoted(mount_relative_path, limit=80)}'",
            json={"mount_relative_path": mount_relative_path},
        )
