"""A thread-safe gate that lets fake handlers wait (or hang) until released by reset or shutdown."""

from __future__ import annotations

import asyncio
import threading
import time

_POLL_SECONDS = 0.02


class Gate:
    """Handlers `await gate.wait(seconds)`; `release_all()` wakes every current waiter early.

    Works across threads and event loops (the test thread releases, the server loop waits),
    which is why it polls instead of using an `asyncio.Event`.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._generation = 0

    def release_all(self) -> None:
        with self._lock:
            self._generation += 1

    def _current(self) -> int:
        with self._lock:
            return self._generation

    async def wait(self, seconds: float | None = None) -> bool:
        """Sleep `seconds` (None = forever). True if the full time passed, False if released."""
        generation = self._current()
        deadline = None if seconds is None else time.monotonic() + seconds
        while True:
            if self._current() != generation:
                return False
            if deadline is not None:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return True
                await asyncio.sleep(min(_POLL_SECONDS, remaining))
            else:
                await asyncio.sleep(_POLL_SECONDS)
