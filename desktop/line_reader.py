"""Lines of the terminal's input, read off the event loop (the terminal face's one reader)."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from typing import TextIO


class LineReader:
    """Lines of the user's input, read off the event loop: prompts and answers to approval
    questions come from the same input, in order. A read cut short (Ctrl-C) is not lost: the
    line it gets is the next one handed out."""

    def __init__(self, stdin: TextIO) -> None:
        self._stdin = stdin
        self._pending: asyncio.Future[str] | None = None

    async def readline(self) -> str:
        """The next line with its newline; "" at the end of input."""
        if self._pending is None or self._pending.get_loop() is not asyncio.get_running_loop():
            loop = asyncio.get_running_loop()
            future: asyncio.Future[str] = loop.create_future()
            self._pending = future

            def _read() -> None:
                try:
                    line = self._stdin.readline()
                except Exception:  # a closed or broken input: the end of it
                    line = ""
                with contextlib.suppress(RuntimeError):  # the loop has gone
                    loop.call_soon_threadsafe(_deliver, line)

            def _deliver(line: str) -> None:
                if not future.done():
                    future.set_result(line)

            # A daemon thread: a read nobody waits for any more never holds up the exit.
            threading.Thread(target=_read, name="stdin", daemon=True).start()
        line = await asyncio.shield(self._pending)
        self._pending = None
        return line
