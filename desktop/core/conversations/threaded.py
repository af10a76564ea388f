"""The chat backend across threads: the agent runs on its own loop, the face awaits on its own.

`on_agent_loop(loop, backend)` wraps a backend (`PersistentChat` or `MemoryChat`) built for the
`AgentLoop`. Every call the face makes is carried out on the agent's thread, in the order made;
what comes back (turn events, stored-turn notifications) crosses one ordered bridge to the
face's loop, in batches, so a fast stream wakes the UI thread a few times per frame rather than
per token. Cancellation and shutdown cross the same way.
"""

from __future__ import annotations

import asyncio
import collections
import concurrent.futures
import contextlib
import math
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from desktop.core.agent.events import TERMINAL_EVENTS, TurnEvent
from desktop.core.agent.worker import STOP_SECONDS, AgentLoop
from desktop.core.consent.approvals import Decision
from desktop.core.conversations.backend import (
    ChatBackend,
    ConnectionDetails,
    ConversationBackend,
    StoredChange,
    TurnEvents,
)

if TYPE_CHECKING:
    from desktop.core.agent.attachments import Attachment, AttachProgress
    from desktop.core.router.presigned import Progress

_T = TypeVar("_T")


class _Stream(Protocol):
    def __aiter__(self) -> AsyncIterator[TurnEvent]: ...

    def cancel(self) -> None: ...

    def decide(self, decisions: tuple[Decision, ...]) -> None: ...


# How often a thread that posts to the face gives the GIL up (see `give_the_gil_up`).
GIL_YIELD_SECONDS = 0.001


def give_the_gil_up() -> None:
    """Let another thread take the GIL now. A thread that posts as fast as it can would keep it
    for a whole switch interval (5 ms) each time the face's thread asks for it, and the UI
    thread asks for it for every timer, paint and slot: a 20,000-token stream stalled the
    window 170-420 ms (the convoy effect, python/cpython#90204); yielding keeps it under 50 ms.
    """
    time.sleep(0)


class Bridge:
    """Runs callables on one loop, posted from any thread, in the order they were posted."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._lock = threading.Lock()
        self._pending: collections.deque[tuple[Callable[..., object], tuple[Any, ...]]] = (
            collections.deque()
        )
        self._scheduled = False
        self._yielded = -math.inf  # when the posting thread last gave the GIL up

    def post(self, callback: Callable[..., object], *args: Any) -> None:
        with self._lock:
            self._pending.append((callback, args))
            scheduled, self._scheduled = self._scheduled, True
        if not scheduled:
            # RuntimeError: the face's loop is closed, nobody is listening any more.
            with contextlib.suppress(RuntimeError):
                self._loop.call_soon_threadsafe(self._drain)
        now = time.monotonic()
        if now - self._yielded >= GIL_YIELD_SECONDS:  # a millisecond's wait for it at most
            self._yielded = now
            give_the_gil_up()

    def _drain(self) -> None:
        with self._lock:
            batch, self._pending = self._pending, collections.deque()
            self._scheduled = False
        for callback, args in batch:
            callback(*args)


class ThreadedTurn:
    """One turn running on the agent's loop, iterated on the face's loop."""

    def __init__(self, agent_loop: AgentLoop, start: Callable[[], _Stream], bridge: Bridge) -> None:
        self._agent_loop = agent_loop
        self._start = start
        self._bridge = bridge
        self._queue: asyncio.Queue[TurnEvent | BaseException | None] = asyncio.Queue()
        self._wound_down = asyncio.Event()  # the agent side has finished, however it ended
        self._future: concurrent.futures.Future[None] | None = None
        self._stream: _Stream | None = None  # set on the agent's thread
        self._cancel_requested = False
        self._done = False

    def __aiter__(self) -> ThreadedTurn:
        return self

    async def __anext__(self) -> TurnEvent:
        if self._done:
            raise StopAsyncIteration
        if self._future is None:
            self._future = self._agent_loop.submit(self._pump())
        try:
            item = await self._queue.get()
        except asyncio.CancelledError:
            await self._abandon()
            raise
        if item is None:
            self._done = True
            raise StopAsyncIteration
        if isinstance(item, BaseException):
            self._done = True
            raise item
        if isinstance(item, TERMINAL_EVENTS):
            self._done = True
        return item

    async def _pump(self) -> None:
        """On the agent's loop: run the inner stream, post each event to the face."""
        put = self._queue.put_nowait
        end: BaseException | None = None
        try:
            stream = self._stream = self._start()
            if self._cancel_requested:
                stream.cancel()
            async for event in stream:
                self._bridge.post(put, event)
        except Exception as exc:  # the face maps it to a sentence
            end = exc
        finally:
            # Also when cancelled from the face: by now the inner stream has stored its turn.
            self._bridge.post(put, end)
            self._bridge.post(self._wound_down.set)

    def cancel(self) -> None:
        """Ask the turn to stop; it ends with TurnCancelled as before."""
        if self._cancel_requested:
            return
        self._cancel_requested = True
        self._agent_loop.call_soon(self._cancel_on_agent_loop)

    def _cancel_on_agent_loop(self) -> None:
        if self._stream is not None:
            self._stream.cancel()

    def decide(self, decisions: tuple[Decision, ...]) -> None:
        """A person's answer to the turn's `ApprovalRequested`, carried to the agent's loop."""
        self._agent_loop.call_soon(self._decide_on_agent_loop, decisions)

    def _decide_on_agent_loop(self, decisions: tuple[Decision, ...]) -> None:
        if self._stream is not None:
            self._stream.decide(decisions)

    async def _abandon(self) -> None:
        """The face stopped listening (shutdown, or a stream that ignored cancel): cut the
        turn off on the agent's loop and let it store what arrived before returning."""
        self._done = True
        future = self._future
        if future is None or self._wound_down.is_set():
            return
        future.cancel()  # cancels the task on the agent's loop
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wound_down.wait(), STOP_SECONDS)

    async def aclose(self) -> None:
        await self._abandon()


class ThreadedBackend:
    """A `ChatBackend` whose work all happens on the agent's loop."""

    def __init__(self, agent_loop: AgentLoop, inner: ChatBackend) -> None:
        self._agent_loop = agent_loop
        self._inner = inner
        self._bridge = Bridge(asyncio.get_running_loop())

    @property
    def inner(self) -> ChatBackend:
        return self._inner

    async def check(self) -> ConnectionDetails:
        return await self._agent_loop.run(_call(self._inner.check))

    async def connect(self) -> ConnectionDetails:
        return await self._agent_loop.run(_call(self._inner.connect))

    def run_turn(self, prompt: str, attachments: Sequence[Attachment] = ()) -> TurnEvents:
        inner = self._inner
        records = tuple(attachments)
        start = (
            (lambda: inner.run_turn(prompt, records)) if records else lambda: inner.run_turn(prompt)
        )
        return ThreadedTurn(self._agent_loop, start, self._bridge)

    async def attach(
        self, paths: Sequence[Path], progress: AttachProgress | None = None
    ) -> tuple[Attachment, ...]:
        """The upload runs on the agent's loop; its progress crosses the bridge in order, and
        cancelling the caller cancels the upload there (nothing half-sent stays)."""
        posted: AttachProgress | None = None
        if progress is not None:
            report = progress

            def posted(index: int, sent: int, size: int | None) -> None:
                self._bridge.post(report, index, sent, size)

        return await self._agent_loop.run(self._inner.attach(tuple(paths), posted))

    def new_conversation(self) -> None:
        self._agent_loop.call_soon(self._inner.new_conversation)

    async def download_file(
        self, shown_path: str, destination: Path, progress: Progress | None = None
    ) -> int:
        """On the agent's loop; its progress reported on the face's (cancel: cancel the task)."""

        def report(done: int, total: int | None) -> None:
            assert progress is not None
            self._bridge.post(progress, done, total)

        download = self._inner.download_file(
            shown_path, destination, report if progress is not None else None
        )
        return await self._agent_loop.run(download)

    def use_model(self, model: str) -> None:
        self._agent_loop.call_soon(self._inner.use_model, model)

    async def aclose(self) -> None:
        await self._agent_loop.run(_call(self._inner.aclose))


class ThreadedConversation(ThreadedBackend):
    """A `ConversationBackend` on the agent's loop; its notifications reach the face's loop."""

    def __init__(
        self, agent_loop: AgentLoop, inner: ChatBackend, conversation: ConversationBackend
    ) -> None:
        super().__init__(agent_loop, inner)
        self._conversation = conversation  # the same object as `inner`, seen as a conversation

    def open_conversation(self, conversation_id: str | None) -> None:
        self._agent_loop.call_soon(self._conversation.open_conversation, conversation_id)

    def watch(self, listener: Callable[[StoredChange], None]) -> None:
        def _on_agent_loop_change(change: StoredChange) -> None:
            self._bridge.post(listener, change)

        self._agent_loop.call_soon(self._conversation.watch, _on_agent_loop_change)


async def _call(method: Callable[[], Awaitable[_T]]) -> _T:
    return await method()


def on_agent_loop(agent_loop: AgentLoop, backend: ChatBackend) -> ThreadedBackend:
    """`backend`, made for the agent's loop, as the face's loop uses it."""
    if isinstance(backend, ConversationBackend):
        return ThreadedConversation(agent_loop, backend, backend)
    return ThreadedBackend(agent_loop, backend)
