"""Tells when a window has really been painted for the first time, and waits for it (start-up)."""

from __future__ import annotations

import time

from PySide6.QtCore import QEvent, QEventLoop, QObject, QTimer, Signal
from PySide6.QtWidgets import QWidget


class FirstPaintWatcher(QObject):
    """Emits `painted` once, when the window has really been painted."""

    painted = Signal()

    def __init__(self, target: QObject) -> None:
        super().__init__(target)
        self._done = False
        target.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if not self._done and event.type() == QEvent.Type.Paint:
            self._done = True
            watched.removeEventFilter(self)
            # Emitted after this paint has finished, not in the middle of it.
            QTimer.singleShot(0, self.painted.emit)
        return False


def show_until_painted(window: QWidget, timeout_ms: int) -> float | None:
    """Show `window` and run Qt's event loop until its first paint has finished: the
    `time.perf_counter()` it finished at, or None if it was not painted within `timeout_ms`.

    Nothing else runs meanwhile (no asyncio loop yet): the window paints as early as Qt can.
    """
    loop = QEventLoop()
    painted: list[float] = []

    def _on_watcher_painted() -> None:
        painted.append(time.perf_counter())
        loop.quit()

    watcher = FirstPaintWatcher(window)
    watcher.painted.connect(_on_watcher_painted)
    QTimer.singleShot(timeout_ms, loop, loop.quit)
    window.show()
    loop.exec()
    return painted[0] if painted else None
