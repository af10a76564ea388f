"""The floor for the first paint: a bare PySide6 window, started and detected as the app does it.

    python tests/benchmarks/bare_window.py      # prints "first paint: X s" and exits

A QMainWindow of the app's size (1180 x 780) with a central widget is shown; the first Paint
event it receives (an event filter, as `ui.window.first_paint.FirstPaintWatcher`) schedules the
print on a 0 ms timer, so the paint has finished when it is printed. The time is from this
script's first line, like the app's `--smoke-test` figure from `desktop.app`'s first line; the
benchmark itself times both from process spawn. Only PySide6 is imported: no qasync, no theme,
no app module.
"""

import time

START = time.perf_counter()

import os  # noqa: E402 - the clock starts first, as in desktop/app.py
import sys  # noqa: E402

from PySide6.QtCore import QEvent, QObject, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow  # noqa: E402


class PaintWatcher(QObject):
    """Prints once, after the watched window's first paint has finished, then quits."""

    def __init__(self, target: QObject) -> None:
        super().__init__(target)
        self._done = False
        target.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if not self._done and event.type() == QEvent.Type.Paint:
            self._done = True
            watched.removeEventFilter(self)
            QTimer.singleShot(0, self._report)
        return False

    def _report(self) -> None:
        print(f"first paint: {time.perf_counter() - START:.3f} s", flush=True)
        QApplication.quit()


def main() -> None:
    app = QApplication(sys.argv[:1])
    window = QMainWindow()
    window.setWindowTitle("bare")
    window.setCentralWidget(QLabel("bare PySide6 window"))
    window.resize(1180, 780)
    PaintWatcher(window)
    window.show()
    app.exec()
    sys.stdout.flush()
    os._exit(0)  # as the app does: no interpreter teardown after the window is gone


if __name__ == "__main__":
    main()
