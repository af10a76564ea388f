"""Starts the real app (run as a script) and reports which heavy libraries are loaded when.

Usage: python -m tests.integration.lazy_driver PROMPT
Prints one JSON line: the heavy modules loaded once ready, after typing the prompt, and the
reply. The fakes' endpoints and keys come from the environment.
"""

from __future__ import annotations

import asyncio
import json
import sys

import qasync
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from desktop.core.secrets import MemorySecretStore
from desktop.gui import DesktopApp
from desktop.log_setup import KnownSecrets
from desktop.paths import default_paths
from desktop.ui.message_widget import AssistantMessageWidget
from desktop.ui.theme import apply_theme

HEAVY = ("pydantic_ai", "openai", "mcp", "httpx", "composio")


def _loaded() -> list[str]:
    return [name for name in HEAVY if name in sys.modules]


async def _until(predicate: object, seconds: float = 30) -> None:
    for _ in range(int(seconds / 0.05)):
        if predicate():  # type: ignore[operator]
            return
        await asyncio.sleep(0.05)
    raise TimeoutError("condition never became true")


async def drive(prompt: str) -> dict[str, object]:
    paths = default_paths()
    paths.ensure()
    shell = DesktopApp(paths, KnownSecrets(), secret_store=MemorySecretStore())
    window = shell.window
    window.show()
    await shell.start()
    await _until(lambda: shell.controller.connection_status.state.value == "ready")
    await asyncio.sleep(0.5)  # idle a moment: nothing more may load by itself
    report: dict[str, object] = {"ready_loaded": _loaded()}
    QTest.keyClicks(window.message_input, prompt)
    await _until(lambda: shell.controller.agent_ready)
    report["typed_loaded"] = _loaded()
    window.send_button.click()
    await _until(lambda: window.busy)
    await _until(lambda: not window.busy)
    replies = [e for e in window.chat_view.entries() if isinstance(e, AssistantMessageWidget)]
    report["reply"] = replies[-1].plain_text() if replies else ""
    await shell.shutdown()
    return report


def main() -> int:
    app = QApplication(sys.argv[:1])
    app.setQuitOnLastWindowClosed(False)
    apply_theme(app)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        report = loop.run_until_complete(drive(sys.argv[1]))
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
