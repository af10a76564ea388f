"""The shared client's bound on an answer's body holds on the decoded bytes too: a small
compressed body that inflates far past the bound (a "gzip bomb") fails early, in little memory."""

from __future__ import annotations

import asyncio
import gzip
import json
import tracemalloc
import zlib

import httpx
import pytest

from desktop.core.errors import Remote, Service
from desktop.core.router.bounded_body import _STEP, ACCEPT_ENCODING, _BoundedStream
from desktop.core.router.http import MAX_RESPONSE_BYTES, new_http_client, request_failure
from desktop.core.router.types import ResponseTooLargeError
from tests.unit.router.loopback import Handler, LoopbackServer, Reply, Seen

BOMB_SIZE = 64 * 1024 * 1024  # of zeros, once decoded: 16 times the bound


def _raw_deflate(data: bytes) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    return packer.compress(data) + packer.flush()


def _answering(body: bytes, coding: str) -> Handler:
    async def handler(seen: Seen) -> Reply:
        return Reply(200, body, {"content-type": "application/json", "content-encoding": coding})

    return handler


def _read(body: bytes, coding: str) -> tuple[BaseException | bytes, int, int, int, Seen]:
    """What reading the answer gives: the body or the error, the decoded bytes the app got,
    the bytes the bound counted as decoded, the peak of memory allocated while reading."""

    async def go() -> tuple[BaseException | bytes, int, int, int, Seen]:
        got = 0
        async with (
            LoopbackServer(_answering(body, coding)) as server,
            new_http_client() as client,
            client.stream("GET", f"{server.base_url}/") as response,
        ):
            stream = response.stream
            assert isinstance(stream, _BoundedStream)
            tracemalloc.start()
            outcome: BaseException | bytes
            try:
                parts = []
                async for chunk in response.aiter_bytes():
                    got += len(chunk)
                    parts.append(chunk)
                outcome = b"".join(parts)
            except ResponseTooLargeError as exc:
                outcome = exc
            finally:
                _, peak = tracemalloc.get_traced_memory()
                tracemalloc.stop()
            return outcome, got, stream.decoded, peak, server.seen[0]

    return asyncio.run(go())


BOMBS = {
    "gzip": lambda data: gzip.compress(data, 9),
    "deflate": lambda data: zlib.compress(data, 9),  # zlib-wrapped, as RFC 9110 means it
    "deflate ": _raw_deflate,  # raw deflate, which httpx also accepts as "deflate"
    "gzip, gzip": lambda data: gzip.compress(gzip.compress(data, 9), 9),
}


@pytest.mark.parametrize("coding", list(BOMBS))
def test_a_compressed_bomb_is_cut_off_at_the_bound_on_the_decoded_body(coding: str) -> None:
    body = BOMBS[coding](bytes(BOMB_SIZE))
    assert len(body) < MAX_RESPONSE_BYTES // 16  # well within the bound as it arrives
    outcome, got, decoded, peak, _ = _read(body, coding.strip())
    assert isinstance(outcome, ResponseTooLargeError)
    assert "decoded body went past 4,194,304 bytes" in str(outcome)
    assert got <= MAX_RESPONSE_BYTES  # the app never held more than the bound
    assert decoded <= MAX_RESPONSE_BYTES + _STEP  # counting stopped a step past it
    assert peak < 3 * MAX_RESPONSE_BYTES  # not the 64 MiB it would inflate to


def test_a_compressed_body_within_the_bound_reads_as_before() -> None:
    data = json.dumps({"items": ["x" * 100] * 20_000}).encode()  # 2 MiB, once decoded
    for coding, pack in BOMBS.items():
        outcome, got, decoded, _, _ = _read(pack(data), coding.strip())
        assert outcome == data, coding
        assert got == decoded == len(data)


def test_the_same_sentence_as_for_a_large_plain_body() -> None:
    error = ResponseTooLargeError("the answer's decoded body went past 4,194,304 bytes")
    verdict = request_failure(error, Remote(Service.COMPOSIO, "backend.composio.dev"), 5)
    assert verdict is not None
    assert verdict.message == (
        "Composio at backend.composio.dev answered with more data than expected: "
        "try again in a moment."
    )


def test_the_client_asks_only_for_the_codings_it_counts() -> None:
    _, _, _, _, seen = _read(gzip.compress(b"{}"), "gzip")
    assert seen.headers["accept-encoding"] == ACCEPT_ENCODING == "gzip, deflate"


@pytest.mark.parametrize("coding", ["br", "zstd", "gzip, br"])
def test_a_coding_it_cannot_count_is_refused(coding: str) -> None:
    # httpx decodes br and zstd when brotli or zstandard is installed: their size is unknown.
    with pytest.raises(httpx.DecodingError, match="did not ask for"):
        _read(b"\x00" * 10, coding)


def test_an_unknown_coding_reaches_the_app_as_it_came_bounded_raw() -> None:
    outcome, got, _, _, _ = _read(b"{}", "x-unknown")
    assert outcome == b"{}" and got == 2
