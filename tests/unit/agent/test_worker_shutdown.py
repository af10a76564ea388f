"""The agent loop's shutdown closes what a cut-off library left open, quietly and in order."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

import pytest

from desktop.core.agent.worker import AgentLoop


class Streams:
    """Three async generators nested the way a model's streamed reply nests them: the events
    iterate a segment's body inside the segment's `async with`, and closing the body awaits
    (as closing a connection does)."""

    def __init__(self) -> None:
        self.closed: list[str] = []
        self.kept: AsyncIterator[bytes] | None = None

    async def body(self) -> AsyncIterator[bytes]:
        try:
            while True:
                yield b"word "
        finally:
            await asyncio.sleep(0.01)
            self.closed.append("body")

    @contextlib.asynccontextmanager
    async def segment(self) -> AsyncIterator[AsyncIterator[bytes]]:
        stream = self.body()
        try:
            yield stream
        finally:
            await stream.aclose()  # type: ignore[attr-defined]
            self.closed.append("segment")

    async def events(self) -> AsyncIterator[bytes]:
        try:
            async with self.segment() as sub:
                async for chunk in sub:
                    yield chunk
        finally:
            self.closed.append("events")

    async def start_and_leave_open(self) -> None:
        """Iterate once, then leave the stream suspended and still referenced, as a cancelled
        run can leave one behind in the objects that outlive it."""
        self.kept = self.events()
        await anext(self.kept)


def test_nested_streams_left_open_are_closed_outermost_first_without_errors(
    caplog: pytest.LogCaptureFixture,
) -> None:
    streams = Streams()

    async def main() -> None:
        agent_loop = AgentLoop()
        await agent_loop.run(streams.start_and_leave_open())
        await agent_loop.aclose()

    with caplog.at_level(logging.INFO):
        asyncio.run(main())
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == [], [r.getMessage() for r in errors]
    # Each closed once, the innermost's cleanup finished before its owner's.
    assert streams.closed == ["body", "segment", "events"]


def test_a_stream_that_refuses_to_close_is_logged_once_and_shutdown_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    class Stubborn:
        kept: AsyncIterator[int] | None = None

        @staticmethod
        async def gen() -> AsyncIterator[int]:
            while True:
                try:
                    yield 1
                except GeneratorExit:
                    yield 2  # ignores the close

        async def start(self) -> None:
            self.kept = self.gen()
            await anext(self.kept)

    stubborn = Stubborn()

    async def main() -> bool:
        agent_loop = AgentLoop()
        await agent_loop.run(stubborn.start())
        await agent_loop.aclose()
        return agent_loop.thread.is_alive()

    with caplog.at_level(logging.INFO):
        alive = asyncio.run(main())
    assert not alive
    warnings = [r.getMessage() for r in caplog.records if r.name == "desktop.core.agent.worker"]
    assert any("could not close" in message for message in warnings), warnings
