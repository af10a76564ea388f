"""Drives the real window on a small X screen (run as a script under xvfb-run): where it opens,
what a first turn shows, where the menu opens; a screenshot of the whole screen at each step.

Usage: python -m tests.integration.small_screen_driver OUT_DIR PROMPT
Prints one JSON line: the screen, the window's and its parts' places, the texts seen. The
fakes' endpoints and keys come from the environment.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QWidget

from desktop.desktop_app import DesktopApp
from desktop.ui.chat.tool_card import ToolCardWidget
from tests.integration.driver_support import run_on_qt, start_ready_app, until


def _rect(rect: QRect) -> list[int]:
    return [rect.x(), rect.y(), rect.width(), rect.height()]


def _global(widget: QWidget) -> list[int]:
    return _rect(QRect(widget.mapToGlobal(QPoint(0, 0)), widget.size()))


async def _shot(shell: DesktopApp, out: Path, name: str) -> None:
    await asyncio.sleep(0.25)  # let the last repaint land
    screen = shell.window.screen()
    screen.grabWindow(0).save(str(out / f"{name}.png"))  # the whole screen, as a person sees it


async def drive(out: Path, prompt: str) -> dict[str, object]:
    shell = await start_ready_app()
    window = shell.window
    window.activateWindow()
    await until(window.isActiveWindow)
    await asyncio.sleep(0.3)
    screen = window.screen()
    report: dict[str, object] = {
        "screen": _rect(screen.geometry()),
        "available": _rect(screen.availableGeometry()),
        "ratio": screen.devicePixelRatio(),
        "window": _rect(window.frameGeometry()),
        "status_bar": _global(window.status_bar),
        "input": _global(window.message_input),
        "send": _global(window.send_button),
        "status_text": window.connection_status.text,
    }
    await _shot(shell, out, "start")

    window.message_input.setFocus()
    QTest.keyClicks(window.message_input, prompt)
    QTest.keyClick(window.message_input, Qt.Key.Key_Return)
    report["activity_at_once"] = window.chat_view.activity.text
    await _shot(shell, out, "after-enter")
    await until(lambda: window.chat_view.findChild(ToolCardWidget) is not None)
    card = window.chat_view.findChild(ToolCardWidget)
    assert card is not None
    await until(lambda: not card.is_running or card.elapsed_label.text() not in ("0 s", ""))
    report["running_card_elapsed"] = card.elapsed_label.text() if card.is_running else "ended"
    await _shot(shell, out, "running-card")
    await until(lambda: not window.busy)
    report["status_after_reply"] = window.connection_status.text
    await _shot(shell, out, "reply")

    button = window.menu_button
    menu = button.menu()
    assert menu is not None
    menu.popup(button.mapToGlobal(QPoint(0, button.height())))  # where QToolButton opens it
    await until(menu.isVisible)
    await _shot(shell, out, "menu")
    report["menu"] = _rect(menu.geometry())
    report["window_now"] = _rect(window.frameGeometry())
    menu.close()

    window.show_message("Exported to /tmp/sandboxes.md")
    report["status_with_message"] = window.connection_status.text
    report["status_visible_with_message"] = window.connection_status.isVisible()
    await _shot(shell, out, "exported")
    await shell.shutdown()
    report["kept"] = shell.window_state_file.is_file()
    return report


def main() -> int:
    out, prompt = Path(sys.argv[1]), sys.argv[2]
    report = run_on_qt(lambda: drive(out, prompt))
    print(json.dumps(report), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
