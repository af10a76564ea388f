"""Tells when a window has really been painted for the first time (start-up timing)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QTimer, Signal


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
