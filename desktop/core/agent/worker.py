"""The agent's own asyncio loop on a worker thread, so its CPU never lands on the UI's loop.

"Async" SDK code still burns CPU on whichever loop runs it: the openai SDK's recursive request
transform took 0.54 s of the UI thread per request at turn 81 of a conversation. Everything the
agent does (the Pydantic AI run, its MCP connection, the SDK clients, the app's own Tool Router
requests) runs here; the faces reach it through `desktop.core.conversations.threaded`.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import itertools
import logging
import sys
import threading
import time
import types
import weakref
from collections.abc import AsyncGenerator, Callable, Coroutine
from typing import Any, TypeVar

log = logging.getLogger(__name__)

_T = TypeVar("_T")

STOP_SECONDS = 2.0  # tasks still running at shutdown get this long to end after a cancel


class AgentLoop:
    """An event loop running forever on its own daemon thread until `aclose()`."""

    def __init__(self, name: str = "agent-loop") -> None:
        self._loop = asyncio.new_event_loop()
        self._started = threading.Event()
        # Every async generator first iterated on this loop, in that order (see
        # `_close_leftover_generators`).
        self._generators: weakref.WeakKeyDictionary[types.AsyncGeneratorType[Any, Any], int] = (
            weakref.WeakKeyDictionary()
        )
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()
        self._started.wait()
        self._closed = False

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.call_soon(self._track_generators)
        self._loop.call_soon(self._started.set)
        try:
            self._loop.run_forever()
        finally:
            with contextlib.suppress(Exception):
                self._abort_leftover_transports()
                self._loop.run_until_complete(self._close_leftover_generators())
                self._loop.run_until_complete(self._loop.shutdown_asyncgens())
            self._loop.close()

    def _track_generators(self) -> None:
        """Note each async generator as it starts, on top of the hook the running loop set."""
        hooks = sys.get_asyncgen_hooks()
        first_iteration = hooks.firstiter
        order = itertools.count()
        generators = self._generators

        def note(agen: AsyncGenerator[Any, Any]) -> None:
            if isinstance(agen, types.AsyncGeneratorType):
                generators[agen] = next(order)
            if first_iteration is not None:
                first_iteration(agen)

        sys.set_asyncgen_hooks(firstiter=note, finalizer=hooks.finalizer)

    async def _close_leftover_generators(self) -> None:
        """Close the streams a cut-off library left suspended, one at a time, oldest first.

        A model's reply is async generators nested in each other (the stitched events iterate a
        segment's body inside the segment's `async with`). When a cancelled run leaves them
        open, asyncio's own `shutdown_asyncgens` closes them all at once: the outer one's close
        awaits the inner one's while the inner one is being closed too, and both fail ("aclose():
        asynchronous generator is already running", "generator didn't stop after athrow()").
        An outer generator started before the ones it opened, so closing in starting order lets
        each owner close what it holds, and the ones after it are already closed.
        """
        leftover = [
            (number, agen)
            for agen, number in list(self._generators.items())
            if agen.ag_frame is not None and not agen.ag_running
        ]
        leftover.sort(key=lambda item: item[0])
        if leftover:
            log.info("closing %d stream(s) left open at shutdown", len(leftover))
        deadline = time.monotonic() + STOP_SECONDS
        for _, agen in leftover:
            if agen.ag_frame is None or agen.ag_running:
                continue  # closed by its owner just now
            try:
                await asyncio.wait_for(agen.aclose(), max(deadline - time.monotonic(), 0.01))
            except Exception as exc:  # a library's stream that will not end
                log.warning("could not close %s left open at shutdown: %r", agen.__qualname__, exc)

    def _abort_leftover_transports(self) -> None:
        """Connections a client left open when its task was cut off at shutdown are closed
        here, on their own loop, rather than by the garbage collector later (which warns)."""
        # The selector loop's own registry of its transports (CPython 3.8-3.13).
        transports = getattr(self._loop, "_transports", None)
        leftover = (
            [t for t in list(transports.values()) if not t.is_closing()] if transports else []
        )
        if leftover:
            log.info("closing %d connection(s) left open at shutdown", len(leftover))
            for transport in leftover:
                transport.abort()
            self._loop.run_until_complete(asyncio.sleep(0))

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        return self._loop

    @property
    def thread(self) -> threading.Thread:
        return self._thread

    def in_thread(self) -> bool:
        return threading.current_thread() is self._thread

    def submit(self, coroutine: Coroutine[Any, Any, _T]) -> concurrent.futures.Future[_T]:
        """Start `coroutine` on the agent's loop; cancelling the future cancels its task."""
        if self._closed:
            coroutine.close()
            raise RuntimeError("the agent loop is closed")
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop)

    async def run(self, coroutine: Coroutine[Any, Any, _T]) -> _T:
        """Await `coroutine` from another loop; cancelling the caller cancels it here too."""
        return await asyncio.wrap_future(self.submit(coroutine))

    def call_soon(self, callback: Callable[..., object], *args: object) -> None:
        """Run a plain callable on the agent's thread, after everything submitted before it."""
        if not self._closed:
            self._loop.call_soon_threadsafe(callback, *args)

    async def aclose(self) -> None:
        """Cancel what still runs, stop the loop and wait for its thread (bounded)."""
        if self._closed:
            return
        with contextlib.suppress(Exception):
            await self.run(_cancel_others())
        self._closed = True
        self._loop.call_soon_threadsafe(self._loop.stop)
        await asyncio.to_thread(self._thread.join, STOP_SECONDS)
        if self._thread.is_alive():
            log.warning("the agent's thread did not stop within %.1f s", STOP_SECONDS)


async def _cancel_others() -> None:
    current = asyncio.current_task()
    others = [task for task in asyncio.all_tasks() if task is not current]
    for task in others:
        task.cancel()
    if others:
        await asyncio.wait(others, timeout=STOP_SECONDS)
