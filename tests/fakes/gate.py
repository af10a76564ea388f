"""A thread-safe gate that lets fake handlers wait (or hang) until released by reset or shutdown."""

from __future__ import annotations

import asyncio
import contextlib
import threading

_Waiter = tuple[asyncio.AbstractEventLoop, asyncio.Event]


class Gate:
    """Handlers `await gate.wait(seconds)`; `release_all()` wakes every current waiter early.

    Works across threads and event loops (the test thread releases, the server loop waits): each
    waiter is an `asyncio.Event` on its own loop, set through `call_soon_threadsafe`.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiters: set[_Waiter] = set()

    def release_all(self) -> None:
        with self._lock:
            waiters, self._waiters = self._waiters, set()
        for loop, event in waiters:
            with contextlib.suppress(RuntimeError):  # that loop has closed: nothing waits there
                loop.call_soon_threadsafe(event.set)

    async def wait(self, seconds: float | None = None) -> bool:
        """Sleep `seconds` (None = forever). True if the full time passed, False if released."""
        waiter = (asyncio.get_running_loop(), asyncio.Event())
        with self._lock:
            self._waiters.add(waiter)
        try:
            await asyncio.wait_for(waiter[1].wait(), seconds)
        except TimeoutError:
            return True
        finally:
            with self._lock:
                self._waiters.discard(waiter)
        return False
