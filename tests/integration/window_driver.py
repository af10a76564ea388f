"""Drives the real app window in this process (run as a script): type a prompt, wait, screenshot.

Usage: python -m tests.integration.window_driver OUT.png PROMPT
The fakes' endpoints and keys come from the environment, as a user would set them.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import qasync
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLabel

from desktop.core.secrets import MemorySecretStore
from desktop.gui import DesktopApp
from desktop.log_setup import KnownSecrets
from desktop.paths import default_paths
from desktop.ui.theme import apply_theme
from desktop.ui.tool_card import ToolCardWidget


async def _until(predicate: object, seconds: float = 30) -> None:
    for _ in range(int(seconds / 0.05)):
        if predicate():  # type: ignore[operator]
            return
        await asyncio.sleep(0.05)
    raise TimeoutError("condition never became true")


async def drive(out: Path, prompt: str) -> int:
    paths = default_paths()
    paths.ensure()
    shell = DesktopApp(paths, KnownSecrets(), secret_store=MemorySecretStore())
    window = shell.window
    window.show()
    await shell.start()
    await _until(lambda: shell.controller.connection_status.state.value == "ready")
    window.activateWindow()
    window.message_input.setFocus()
    QTest.keyClicks(window.message_input, prompt)
    QTest.keyClick(window.message_input, Qt.Key.Key_Return)
    await _until(lambda: window.busy)
    await _until(lambda: not window.busy)
    await asyncio.sleep(0.3)  # let the last repaint land before the screenshot
    card = window.chat_view.findChild(ToolCardWidget)
    slugs = " ".join(label.text() for label in card.findChildren(QLabel)) if card else ""
    print(f"platform: {QApplication.platformName()}")
    print(f"tool card: {slugs}")
    print(f"saved: {window.grab().save(str(out))}")
    sys.stdout.flush()
    await shell.shutdown()
    return 0


def main() -> int:
    out, prompt = Path(sys.argv[1]), sys.argv[2]
    app = QApplication(sys.argv[:1])
    app.setQuitOnLastWindowClosed(False)
    apply_theme(app)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        return loop.run_until_complete(drive(out, prompt))


if __name__ == "__main__":
    sys.exit(main())
