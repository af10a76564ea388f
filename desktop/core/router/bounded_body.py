"""The shared client's bound on an answer's body (`http.MAX_RESPONSE_BYTES`): a response hook.

A module of its own because it needs httpx at import: `desktop.core.router.http` imports it
when it makes a client.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import httpx

from desktop.core.router.types import ResponseTooLargeError


class _BoundedStream(httpx.AsyncByteStream):
    """The body as it arrives (before decoding), cut off past the limit."""

    def __init__(self, inner: httpx.AsyncByteStream, limit: int) -> None:
        self._inner = inner
        self._limit = limit

    async def __aiter__(self) -> AsyncIterator[bytes]:
        received = 0
        async for chunk in self._inner:
            received += len(chunk)
            if received > self._limit:
                raise ResponseTooLargeError(f"the answer's body went past {self._limit:,} bytes")
            yield chunk

    async def aclose(self) -> None:
        await self._inner.aclose()


def body_bound(limit: int) -> Callable[[httpx.Response], Awaitable[None]]:
    """A response hook that wraps each body's stream, before anybody reads it."""

    async def bound(response: httpx.Response) -> None:
        assert isinstance(response.stream, httpx.AsyncByteStream)
        response.stream = _BoundedStream(response.stream, limit)

    return bound
