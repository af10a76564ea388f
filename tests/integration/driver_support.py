"""What the window drivers (scripts run in a subprocess by the tests) share: start, wait, run."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import qasync
from PySide6.QtWidgets import QApplication

from desktop.core.config.secrets import MemorySecretStore
from desktop.core.redaction import Redactor
from desktop.desktop_app import DesktopApp
from desktop.paths import default_paths
from desktop.ui.theme import apply_theme

T = TypeVar("T")


async def until(predicate: Callable[[], object], seconds: float = 30) -> None:
    for _ in range(int(seconds / 0.05)):
        if predicate():
            return
        await asyncio.sleep(0.05)
    raise TimeoutError("condition never became true")


async def start_ready_app() -> DesktopApp:
    """The app's window, shown and started, its connection ready (keys from the environment)."""
    paths = default_paths()
    paths.ensure()
    shell = DesktopApp(paths, Redactor(), secret_store=MemorySecretStore())
    shell.window.show()
    await shell.start()
    await until(lambda: shell.controller.connection_status.state.value == "ready")
    return shell


def run_on_qt(scenario: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run `scenario` on a qasync loop over a themed QApplication, as the app does."""
    app = QApplication(sys.argv[:1])
    app.setQuitOnLastWindowClosed(False)
    apply_theme(app)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        return loop.run_until_complete(scenario())
