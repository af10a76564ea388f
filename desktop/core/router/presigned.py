"""The presigned URLs of the session's files mount: which may be used, and the transfers.

Composio answers an upload or download request with a presigned URL (S3's, in practice). The
URL comes from a response, so it is trusted no more than one a stranger typed: before a byte is
sent the app checks it as the Composio SDK does (`composio.utils.url_safety`), and no less:
- https only; plain http, and loopback at all, only when the backend itself is on this machine
  (`COMPOSIO_BASE_URL` on loopback: the tests' fakes), the rule the API key follows
  (`router.http.key_may_travel_to`);
- the host must resolve to public addresses only (no loopback, private, link-local or
  multicast range); the request then connects to an address that was checked, not to a second
  lookup of the name (a DNS rebinding), unless a proxy from the environment makes the
  connection, which resolves the name itself (the SDK has the same gap behind a proxy);
- redirects are never followed (the client's rule), so no hop escapes the check;
- no API key, ever: these requests carry only the bytes and their type.

Transfers stream: an upload reads the file from disk a chunk at a time, a download writes each
chunk as it arrives through the one atomic writer (`desktop.core.files.AtomicWriter`), counted
against `MAX_MOUNT_FILE_BYTES`. Each step (connect, a write, a read) is bounded by
`Timeouts.file_transfer`; the caller cancels a transfer by cancelling its task.
"""

from __future__ import annotations

import asyncio
import hashlib
import ipaddress
import socket
import urllib.request
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO
from urllib.parse import urlsplit, urlunsplit

from desktop.core.errors import quoted
from desktop.core.files import AtomicWriter
from desktop.core.router.http import new_http_client
from desktop.core.router.transfer_errors import (
    MAX_MOUNT_FILE_BYTES,
    FileTransferError,
    Transfer,
    head_of_body,
    status_failure,
    too_big,
)
from desktop.core.router.transport import is_loopback
from desktop.core.router.types import Timeouts

if TYPE_CHECKING:
    import httpx

CHUNK_BYTES = 256 * 1024

Progress = Callable[[int, int | None], None]
"""Called with (bytes moved so far, the total when it is known) as a transfer goes on."""

# Not publicly routable, though `ipaddress.is_global` would let them through (as the SDK).
_ALSO_BLOCKED = tuple(
    ipaddress.ip_network(net) for net in ("224.0.0.0/4", "192.88.99.0/24", "ff00::/8", "fec0::/10")
)


def is_blocked_address(value: str) -> bool:
    """An address that is not publicly routable (the SDK's `is_blocked_ip`)."""
    try:
        address = ipaddress.ip_address(value.split("%", 1)[0])
    except ValueError:
        return True
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped
        if embedded is None and address.packed[:12] in (bytes(12), b"\x00d\xff\x9b" + bytes(8)):
            embedded = ipaddress.IPv4Address(address.packed[-4:])
        if embedded is not None:
            return is_blocked_address(str(embedded))
    return any(address in net for net in _ALSO_BLOCKED) or not address.is_global


@dataclass(frozen=True)
class PresignedTarget:
    """A presigned URL that passed the check, and the addresses to connect to (none: this
    machine, or a proxy that resolves the name itself)."""

    url: str
    addresses: tuple[str, ...] = ()


def _unsafe(transfer: Transfer, url: str, why: str) -> FileTransferError:
    return FileTransferError(
        "unsafe_address",
        f"Composio named an address for {transfer.doing} that the app does not send files to "
        f"('{quoted(url.split('?', 1)[0], limit=100)}': {why}), so nothing was sent.",
    )


def _proxy_named(scheme: str) -> bool:
    """Whether the environment names a proxy for `scheme` (`HTTPS_PROXY`, `ALL_PROXY`): the
    client may then connect through it, and the proxy resolves the name (whatever `NO_PROXY`
    says, the connection is then not pinned: the simpler rule errs on the side of working)."""
    proxies = urllib.request.getproxies_environment()
    return bool(proxies.get(scheme) or proxies.get("all"))


async def check_presigned_url(url: str, base_url: str, transfer: Transfer) -> PresignedTarget:
    """`url` if a file may go to (or come from) it, with its checked addresses; else
    FileTransferError("unsafe_address")."""
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port
    except ValueError:
        raise _unsafe(transfer, url, "it does not parse") from None
    if parts.scheme not in ("https", "http") or not host:
        raise _unsafe(transfer, url, "not an https:// address")
    if parts.username is not None or parts.password is not None:
        raise _unsafe(transfer, url, "it carries a user name")
    if is_loopback(host):
        if is_loopback(urlsplit(base_url).hostname):
            return PresignedTarget(url)
        raise _unsafe(transfer, url, "this machine, while Composio is not on it")
    if parts.scheme != "https":
        raise _unsafe(transfer, url, "plain http")
    loop = asyncio.get_running_loop()
    try:
        found = await loop.getaddrinfo(host, port or 443, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):  # no such name; a name IDNA cannot encode
        raise _unsafe(transfer, url, "its host name does not resolve") from None
    addresses = tuple(dict.fromkeys(str(entry[4][0]) for entry in found))
    if not addresses or any(is_blocked_address(a) for a in addresses):
        raise _unsafe(transfer, url, "it leads to a private or local address")
    return PresignedTarget(url, () if _proxy_named(parts.scheme) else addresses)


def _attempts(target: PresignedTarget) -> list[tuple[str, dict[str, str], dict[str, object]]]:
    """(url, headers, extensions) for each way to reach the target: the URL itself, or the URL
    pointed at each checked address with the name kept for `Host`, TLS's SNI and the
    certificate check. A pinned connection is not kept for reuse by another name."""
    if not target.addresses:
        return [(target.url, {}, {})]
    parts = urlsplit(target.url)
    host = parts.hostname or ""
    attempts: list[tuple[str, dict[str, str], dict[str, object]]] = []
    for address in target.addresses:
        literal = f"[{address}]" if ":" in address else address
        netloc = literal + (f":{parts.port}" if parts.port else "")
        attempts.append(
            (
                urlunsplit(parts._replace(netloc=netloc)),
                {"host": parts.netloc.rsplit("@", 1)[-1], "connection": "close"},
                {"sni_hostname": host},
            )
        )
    return attempts


def new_transfer_client(timeouts: Timeouts | None = None) -> httpx.AsyncClient:
    """The client for presigned transfers: the app's client (no redirects, proxies from the
    environment, never for loopback), with answers bounded at MAX_MOUNT_FILE_BYTES instead of
    the API's 4 MiB. Its owner closes it."""
    from desktop.core.router.bounded_body import body_bound

    client = new_http_client(timeouts)
    client.event_hooks = {"request": [], "response": [body_bound(MAX_MOUNT_FILE_BYTES)]}
    return client


async def _send(
    client: httpx.AsyncClient,
    method: str,
    target: PresignedTarget,
    seconds: float,
    body: Callable[[], AsyncIterator[bytes]] | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    """The answer's head (its body still to read: `aclose` it), from the first address that
    takes the connection."""
    import httpx

    attempts = _attempts(target)
    for index, (url, pinned_headers, extensions) in enumerate(attempts):
        request = client.build_request(
            method,
            url,
            content=body() if body is not None else None,
            headers={**(headers or {}), **pinned_headers},
            extensions=extensions,
            timeout=httpx.Timeout(seconds),
        )
        try:
            return await client.send(request, stream=True)
        except httpx.ConnectError:
            if index == len(attempts) - 1:
                raise
    raise AssertionError("no attempt was made")


async def put_file(
    client: httpx.AsyncClient,
    target: PresignedTarget,
    source: BinaryIO,
    size: int,
    mimetype: str,
    *,
    transfer: Transfer,
    seconds: float,
    progress: Progress | None = None,
) -> str:
    """PUT `size` bytes of `source` (from its start) to the URL, a chunk at a time; returns the
    sha256 of what was sent."""
    hasher = hashlib.sha256()

    async def chunks() -> AsyncIterator[bytes]:
        nonlocal hasher
        hasher = hashlib.sha256()
        await asyncio.to_thread(source.seek, 0)
        sent = 0
        while sent < size:
            count = min(CHUNK_BYTES, size - sent)
            chunk = await asyncio.to_thread(_read_hashed, source, count, hasher.update)
            if not chunk:
                raise FileTransferError(
                    "local_file", f"{transfer.label} got shorter while it was being uploaded."
                )
            sent += len(chunk)
            yield chunk
            if progress is not None:
                progress(sent, size)

    headers = {"content-type": mimetype, "content-length": str(size)}
    response = await _send(client, "PUT", target, seconds, chunks, headers)
    try:
        if not 200 <= response.status_code < 300:
            raise await status_failure(response, transfer)
        await head_of_body(response)
    finally:
        await response.aclose()
    return hasher.hexdigest()


def _read_hashed(source: BinaryIO, count: int, update: Callable[[bytes], None]) -> bytes:
    chunk = source.read(count)
    update(chunk)
    return chunk


async def get_file(
    client: httpx.AsyncClient,
    target: PresignedTarget,
    destination: Path,
    *,
    transfer: Transfer,
    seconds: float,
    max_bytes: int = MAX_MOUNT_FILE_BYTES,
    progress: Progress | None = None,
) -> int:
    """GET the URL into `destination`, atomically (a failed or cancelled download leaves
    whatever was there before); returns the bytes written. Over `max_bytes` (announced, or
    counted as they arrive) it stops and writes nothing."""
    response = await _send(client, "GET", target, seconds)
    try:
        if response.status_code != 200:
            raise await status_failure(response, transfer)
        announced = _content_length(response)
        if announced is not None and announced > max_bytes:
            raise too_big(transfer, announced)
        writer = await asyncio.to_thread(AtomicWriter, destination)
        try:
            async for chunk in response.aiter_bytes(CHUNK_BYTES):
                if writer.written + len(chunk) > max_bytes:
                    raise too_big(transfer, None)
                await asyncio.to_thread(writer.write, chunk)
                if progress is not None:
                    progress(writer.written, announced)
            await asyncio.to_thread(writer.commit)
        except BaseException:
            writer.discard()
            raise
        return writer.written
    finally:
        await response.aclose()


def _content_length(response: httpx.Response) -> int | None:
    """The announced size, when it is a plain number (a remote hint, never trusted alone)."""
    value = response.headers.get("content-length", "").strip()
    return int(value) if value.isdigit() else None
