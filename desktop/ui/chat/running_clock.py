"""One timer for every running tool card: their spinners turn and their seconds count on it."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol

from PySide6.QtCore import QObject, QTimer

TICK_MS = 80  # the spinner's step; the seconds shown change on the tick after they do


class Ticking(Protocol):
    def tick(self, now: float) -> None: ...


class RunningClock(QObject):
    """Ticks every running card while any runs, and not at all once none does (an idle window
    wakes for nothing). `now` is the time source, in seconds (a test advances its own)."""

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        now: Callable[[], float] = time.monotonic,
        interval_ms: int = TICK_MS,
    ) -> None:
        super().__init__(parent)
        self.now = now
        self._running: list[Ticking] = []
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.tick)

    @property
    def active(self) -> bool:
        """The timer runs (some card is running)."""
        return self._timer.isActive()

    @property
    def running(self) -> int:
        return len(self._running)

    def add(self, card: Ticking) -> float:
        """`card` runs from now on: it is ticked until removed. Returns the time it started."""
        if card not in self._running:
            self._running.append(card)
        if not self._timer.isActive():
            self._timer.start()
        return self.now()

    def remove(self, card: Ticking) -> float:
        """`card` no longer runs (finished, interrupted, waiting for a person). Returns now."""
        if card in self._running:
            self._running.remove(card)
        if not self._running:
            self._timer.stop()
        return self.now()

    def tick(self) -> None:
        now = self.now()
        for card in list(self._running):
            card.tick(now)
