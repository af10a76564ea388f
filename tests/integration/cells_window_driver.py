"""Drives the real app window through code cells (run as a script): each prompt is sent, every
action it asks about allowed once, then the window is shot as the X server shows it.

Usage: python -m tests.integration.cells_window_driver OUT_DIR PROMPT [PROMPT...]
Writes OUT_DIR/cell-<n>-top.png (the n-th prompt's cell scrolled into view) and
OUT_DIR/cell-<n>-end.png (the end of the reply), and prints what each cell shows.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QPushButton

from desktop.desktop_app import DesktopApp
from desktop.ui.chat.code_cell import CodeCellWidget
from tests.integration.driver_support import run_on_qt, start_ready_app, until


def _allow(shell: DesktopApp) -> bool:
    for button in shell.window.findChildren(QPushButton, "approveButton"):
        if button.isVisible() and button.isEnabled():
            QTest.mouseClick(button, Qt.MouseButton.LeftButton)
    return not shell.window.busy


def _shoot(shell: DesktopApp, out: Path) -> None:
    window = shell.window
    shot = window.screen().grabWindow(window.winId())  # what the X server shows
    print(f"saved {out.name}: {shot.save(str(out))}")


async def drive(out: Path, prompts: list[str]) -> int:
    shell = await start_ready_app()
    window = shell.window
    window.resize(1100, 900)
    window.activateWindow()
    view = window.chat_view
    for number, prompt in enumerate(prompts, start=1):
        window.message_input.setFocus()
        QTest.keyClicks(window.message_input, prompt)
        QTest.keyClick(window.message_input, Qt.Key.Key_Return)
        await until(lambda: window.busy)
        await until(lambda: _allow(shell), seconds=60)
        cells = [c for c in view.findChildren(CodeCellWidget) if c.isVisible()]
        cell = cells[-1]
        await until(lambda cell=cell: all(i.decoded is not None or i.problem for i in cell.images))
        await asyncio.sleep(0.4)  # the last repaints
        texts = " | ".join(f"{t.heading.text()}: {t.shown_text[:60]!r}" for t in cell.texts)
        print(f"cell {number}: {cell.title_label.text()} {cell.arguments_label.text()}")
        print(f"  {texts}")
        print(f"  images: {len(cell.images)}, files: {[c.file.name for c in cell.chips]}")
        _shoot(shell, out / f"cell-{number}-end.png")
        top = cell.mapTo(view.widget(), QPoint(0, 0)).y()
        view.verticalScrollBar().setValue(max(0, top - 12))
        await asyncio.sleep(0.4)
        _shoot(shell, out / f"cell-{number}-top.png")
    print(f"platform: {QApplication.platformName()}")
    sys.stdout.flush()
    await shell.shutdown()
    return 0


def main() -> int:
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    return run_on_qt(lambda: drive(out, sys.argv[2:]))


if __name__ == "__main__":
    sys.exit(main())
