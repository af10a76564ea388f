"""Runs the real app (`desktop.app.main`) and closes its window in the middle of a reply.

The test harness hooks in after start-up only to act as the user: type a prompt, wait for the
first words of the reply, then close the window. Prints `closing at <time>` as it closes it.
"""

from __future__ import annotations

import asyncio
import sys
import time

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from desktop import desktop_app
from desktop.app import main
from desktop.ui.chat.message_widget import AssistantMessageWidget

_original_start = desktop_app.DesktopApp.start


async def _until(predicate: object, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise TimeoutError
        await asyncio.sleep(0.02)


async def _start_then_close_mid_reply(self: desktop_app.DesktopApp) -> None:
    await _original_start(self)
    await _until(lambda: self.controller.connection_status.state.value == "ready")
    window = self.window
    QTest.keyClicks(window.message_input, "tell me a long story")
    QTest.keyClick(window.message_input, Qt.Key.Key_Return)

    def streaming() -> bool:
        entries = window.chat_view.entries()
        return any(isinstance(e, AssistantMessageWidget) and e.plain_text() for e in entries)

    await _until(streaming)
    print(f"closing at {time.perf_counter()}", flush=True)
    window.close()  # as the user clicking the window's close button


desktop_app.DesktopApp.start = _start_then_close_mid_reply  # type: ignore[method-assign]

if __name__ == "__main__":
    sys.exit(main([]))
