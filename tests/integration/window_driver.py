"""Drives the real app window in this process (run as a script): type a prompt, wait, screenshot.

Usage: python -m tests.integration.window_driver OUT.png PROMPT
The fakes' endpoints and keys come from the environment, as a user would set them.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from desktop.ui.chat.tool_card import ToolCardWidget
from tests.integration.driver_support import run_on_qt, start_ready_app, until


async def drive(out: Path, prompt: str) -> int:
    shell = await start_ready_app()
    window = shell.window
    window.activateWindow()
    window.message_input.setFocus()
    QTest.keyClicks(window.message_input, prompt)
    QTest.keyClick(window.message_input, Qt.Key.Key_Return)
    await until(lambda: window.busy)
    await until(lambda: not window.busy)
    await asyncio.sleep(0.3)  # let the last repaint land before the screenshot
    card = window.chat_view.findChild(ToolCardWidget)
    title = card.title_label.text() if card else ""
    print(f"platform: {QApplication.platformName()}")
    print(f"tool card: {title}")
    # What the X server shows (not Qt re-rendering the widget): a blank window would be caught.
    screen = window.screen()
    shot = screen.grabWindow(window.winId())
    print(f"saved: {shot.save(str(out))}")
    sys.stdout.flush()
    await shell.shutdown()
    return 0


def main() -> int:
    out, prompt = Path(sys.argv[1]), sys.argv[2]
    return run_on_qt(lambda: drive(out, prompt))


if __name__ == "__main__":
    sys.exit(main())
