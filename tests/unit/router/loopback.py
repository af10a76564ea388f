"""A tiny scripted HTTP/1.1 server on loopback, run on the test's own event loop.

It answers each request with whatever the test's handler returns (a body may go on as long as
the test likes), keeps connections alive, records what it saw and counts the connections it
accepted. It stops at once: no serving thread polls for a stop flag (`http.server`'s
`shutdown()` waits up to its 0.5 s poll interval).
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import Self

LOOPBACK = "127.0.0.1"


@dataclass(frozen=True)
class Seen:
    """One request as the server read it; `target` is the request line's (absolute via a proxy)."""

    method: str
    target: str
    headers: Mapping[str, str] = field(repr=False)  # names in lower case
    body: bytes = field(repr=False)


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    length: int | None = None  # the content-length sent, if not the body's (a body that goes on)
    more: Callable[[], AsyncIterator[bytes]] | None = None  # the body's rest, as it comes


Handler = Callable[[Seen], Awaitable[Reply]]


class LoopbackServer:
    """`async with LoopbackServer(handler) as server:` serves on `server.base_url`."""

    def __init__(
        self, handler: Handler, host: str = LOOPBACK, tls: ssl.SSLContext | None = None
    ) -> None:
        self._handler = handler
        self._host = host
        self._tls = tls
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.seen: list[Seen] = []
        self.connections = 0
        self.port = 0

    @property
    def base_url(self) -> str:
        host = f"[{self._host}]" if ":" in self._host else self._host
        return f"{'https' if self._tls else 'http'}://{host}:{self.port}"

    async def __aenter__(self) -> Self:
        self._server = await asyncio.start_server(self._serve, self._host, 0, ssl=self._tls)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._server is not None
        self._server.close()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self.connections += 1
        try:
            while True:
                seen = await self._read(reader)
                self.seen.append(seen)
                reply = await self._handler(seen)
                length = len(reply.body) if reply.length is None else reply.length
                head = [f"HTTP/1.1 {reply.status} Scripted", f"content-length: {length}"]
                head += [f"{name}: {value}" for name, value in reply.headers.items()]
                writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + reply.body)
                await writer.drain()
                if reply.more is not None:
                    async for chunk in reply.more():
                        writer.write(chunk)
                        await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass  # the client hung up
        except asyncio.CancelledError:
            pass  # the server stops: end quietly (asyncio logs a cancelled connection task)
        finally:
            self._tasks.discard(task)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    @staticmethod
    async def _read(reader: asyncio.StreamReader) -> Seen:
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
        request_line, *lines = head.split("\r\n")
        method, target, _version = request_line.split(" ", 2)
        headers = {
            name.strip().lower(): value.strip()
            for name, _, value in (line.partition(":") for line in lines if line)
        }
        body = await reader.readexactly(int(headers.get("content-length", "0")))
        return Seen(method, target, headers, body)


def json_reply(body: bytes, status: int = 200, headers: Mapping[str, str] | None = None) -> Reply:
    return Reply(status, body, {"content-type": "application/json", **(headers or {})})
