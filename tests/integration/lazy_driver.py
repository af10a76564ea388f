"""Starts the real app (run as a script) and reports which heavy libraries are loaded when.

Usage: python -m tests.integration.lazy_driver PROMPT
Prints one JSON line: the heavy modules loaded once ready, after typing the prompt, and the
reply. The fakes' endpoints and keys come from the environment.
"""

from __future__ import annotations

import asyncio
import json
import sys

from PySide6.QtTest import QTest

from desktop.ui.chat.message_widget import AssistantMessageWidget
from tests.integration.driver_support import run_on_qt, start_ready_app, until

HEAVY = ("pydantic_ai", "openai", "mcp", "httpx", "composio")


def _loaded() -> list[str]:
    return [name for name in HEAVY if name in sys.modules]


async def drive(prompt: str) -> dict[str, object]:
    shell = await start_ready_app()
    window = shell.window
    await asyncio.sleep(0.5)  # idle a moment: nothing more may load by itself
    report: dict[str, object] = {"ready_loaded": _loaded()}
    QTest.keyClicks(window.message_input, prompt)
    await until(lambda: shell.controller.agent_ready)
    report["typed_loaded"] = _loaded()
    window.send_button.click()
    await until(lambda: window.busy)
    await until(lambda: not window.busy)
    replies = [e for e in window.chat_view.entries() if isinstance(e, AssistantMessageWidget)]
    report["reply"] = replies[-1].plain_text() if replies else ""
    await shell.shutdown()
    return report


def main() -> int:
    report = run_on_qt(lambda: drive(sys.argv[1]))
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
