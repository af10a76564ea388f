"""The shared client's bound on an answer's body (`http.MAX_RESPONSE_BYTES`): a response hook.

The bound holds twice: on the bytes that arrive and on the bytes httpx hands to the app once it
has undone the answer's `content-encoding`, so that a small compressed body that inflates to
gigabytes (a "gzip bomb") fails as early as a large plain one.

httpx decodes each raw chunk whole, in one call, and nothing between it and the app sees the
decoded bytes. So the hook counts them ahead of it: a copy of each chunk goes through decoders
of the same kind, a step of `_STEP` bytes at a time (zlib's `max_length`), and the chunk reaches
httpx only once its decoded size is known to keep the body within the bound. Memory stays at a
step's size, whatever the ratio; the cost is a second decoding of at most the bound's size.

The client asks only for the codings counted here (`ACCEPT_ENCODING`); an answer in another
coding that httpx would decode (br or zstd, when their packages are installed) is refused,
because its decoded size could not be bounded.

A module of its own because it needs httpx at import: `desktop.core.router.http` imports it
when it makes a client.
"""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx

from desktop.core.router.types import ResponseTooLargeError

ACCEPT_ENCODING = "gzip, deflate"  # the codings whose decoded size `_Decoded` counts
# Codings that httpx decodes when an optional package is installed; not counted here.
_UNCOUNTED = frozenset({"br", "zstd"})
_STEP = 64 * 1024  # decoded bytes produced at a time while counting


def _too_large(limit: int, what: str) -> ResponseTooLargeError:
    return ResponseTooLargeError(f"the answer's {what} went past {limit:,} bytes")


class _Decoder:
    """One coding undone as httpx's decoder of that name undoes it, in bounded steps."""

    def __init__(self, coding: str) -> None:
        self._first = coding == "deflate"  # httpx falls back to raw deflate on a first error
        wbits = zlib.MAX_WBITS | 16 if coding == "gzip" else zlib.MAX_WBITS
        self._zlib = zlib.decompressobj(wbits)

    def steps(self, data: bytes) -> _Steps:
        return _Steps(self, data)

    def decompress(self, data: bytes) -> bytes:
        first, self._first = self._first and bool(data), self._first and not data
        try:
            return self._zlib.decompress(data, _STEP)
        except zlib.error as exc:
            if not first:
                raise httpx.DecodingError(str(exc)) from exc
            self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)
            return self.decompress(data)

    @property
    def tail(self) -> bytes:
        return self._zlib.unconsumed_tail

    def flush(self) -> bytes:
        try:
            return self._zlib.flush()
        except zlib.error as exc:
            raise httpx.DecodingError(str(exc)) from exc


class _Steps:
    """The decoded form of `data`, one step at a time (each at most `_STEP` bytes)."""

    def __init__(self, decoder: _Decoder, data: bytes) -> None:
        self._decoder = decoder
        self._data = data

    def __iter__(self) -> _Steps:
        return self

    def __next__(self) -> bytes:
        if not self._data:
            raise StopIteration
        piece = self._decoder.decompress(self._data)
        self._data = self._decoder.tail
        return piece


class _DecodedCount:
    """How many bytes httpx's decoders will hand to the app, counted ahead of them."""

    def __init__(self, codings: list[str], limit: int) -> None:
        # Undone last-applied first, as httpx's MultiDecoder does.
        self._decoders = [_Decoder(coding) for coding in reversed(codings)]
        self._limit = limit
        self.decoded = 0

    def add(self, data: bytes, stage: int = 0) -> None:
        if stage == len(self._decoders):
            self.decoded += len(data)
            if self.decoded > self._limit:
                raise _too_large(self._limit, "decoded body")
            return
        for piece in self._decoders[stage].steps(data):
            self.add(piece, stage + 1)

    def finish(self) -> None:
        for stage, decoder in enumerate(self._decoders):
            self.add(decoder.flush(), stage + 1)


class _BoundedStream(httpx.AsyncByteStream):
    """The body as it arrives, cut off past the limit: raw, and once decoded (`codings`)."""

    def __init__(self, inner: httpx.AsyncByteStream, limit: int, codings: list[str]) -> None:
        self._inner = inner
        self._limit = limit
        self._count = _DecodedCount(codings, limit) if codings else None
        self.received = 0  # raw bytes let through

    @property
    def decoded(self) -> int:
        """Decoded bytes counted so far (the raw ones for a plain body)."""
        return self.received if self._count is None else self._count.decoded

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._inner:
            if self.received + len(chunk) > self._limit:
                raise _too_large(self._limit, "body")
            if self._count is not None:
                self._count.add(chunk)
            self.received += len(chunk)
            yield chunk
        if self._count is not None:
            self._count.finish()

    async def aclose(self) -> None:
        await self._inner.aclose()


def _codings(response: httpx.Response) -> list[str]:
    """The codings httpx will undo, in the order they were applied; refuses uncounted ones."""
    named = [
        value.strip().lower()
        for value in response.headers.get_list("content-encoding", split_commas=True)
    ]
    uncounted = [coding for coding in named if coding in _UNCOUNTED]
    if uncounted:
        raise httpx.DecodingError(
            f"the answer came in a coding the app did not ask for: {', '.join(uncounted)}",
            request=response.request,
        )
    # Other unknown names httpx skips: the body reaches the app as it came, bounded raw.
    return [coding for coding in named if coding in ("gzip", "deflate")]


def body_bound(limit: int) -> Callable[[httpx.Response], Awaitable[None]]:
    """A response hook that wraps each body's stream, before anybody reads it."""

    async def bound(response: httpx.Response) -> None:
        assert isinstance(response.stream, httpx.AsyncByteStream)
        response.stream = _BoundedStream(response.stream, limit, _codings(response))

    return bound
