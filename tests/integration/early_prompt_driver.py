"""Starts the real app (`desktop.app.main`, run as a script) and types a prompt the moment its
window has first painted: before qasync, the controllers and the wiring are loaded.

Usage: python -m tests.integration.early_prompt_driver PROMPT
Prints one JSON line, as it closes the window: what was loaded when the prompt was sent, and
the reply shown; the app's own exit status is the process's. The fakes' endpoints and keys come
from the environment.
"""

from __future__ import annotations

import json
import sys

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

from desktop.app import main

NOT_YET_LOADED = ("qasync", "desktop.ui.window.wiring", "desktop.ui.chat.controller")
GIVE_UP_MS = 45_000  # no reply by then: the prompt was lost; report that rather than hang


class EarlyTypist(QObject):
    """On the main window's first paint: type the prompt and press Enter; then wait for the
    reply, report and close the window (which quits the app, as a person closing it does)."""

    def __init__(self, prompt: str) -> None:
        super().__init__()
        self.prompt = prompt
        self.window: QWidget | None = None
        self.report: dict[str, object] = {}
        self._poll = QTimer(self)
        self._poll.setInterval(50)
        self._poll.timeout.connect(self._check_reply)
        self._deadline = QTimer(self)
        self._deadline.setSingleShot(True)
        self._deadline.setInterval(GIVE_UP_MS)
        self._deadline.timeout.connect(self._give_up)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            self.window is None
            and event.type() == QEvent.Type.Paint
            and isinstance(watched, QWidget)
            and watched.objectName() == "mainWindow"
        ):
            self.window = watched
            QTimer.singleShot(0, self._type)  # after this paint, still inside the first one's loop
        return False

    def _type(self) -> None:
        assert self.window is not None
        box = self.window.findChild(QWidget, "messageInput")
        assert box is not None
        self.report["loaded_when_sent"] = [m for m in NOT_YET_LOADED if m in sys.modules]
        QTest.keyClicks(box, self.prompt)
        QTest.keyClick(box, Qt.Key.Key_Return)
        self.report["box_after_enter"] = box.toPlainText()  # type: ignore[attr-defined]
        self._poll.start()
        self._deadline.start()

    def _give_up(self) -> None:
        self._poll.stop()
        self.report["reply"] = None
        print(json.dumps(self.report), flush=True)
        if self.window is not None:
            self.window.close()

    def _check_reply(self) -> None:
        from desktop.ui.chat.message_widget import AssistantMessageWidget

        window = self.window
        if window is None or getattr(window, "busy", True):
            return
        replies = [
            w.plain_text() for w in window.findChildren(AssistantMessageWidget) if w.plain_text()
        ]
        if not replies:
            return
        self._poll.stop()
        self._deadline.stop()
        self.report["reply"] = replies[-1]
        print(json.dumps(self.report), flush=True)  # the app ends the process with os._exit
        window.close()


def run(prompt: str) -> int:
    app = QApplication(sys.argv[:1])  # the one the app uses (it takes an existing instance)
    typist = EarlyTypist(prompt)
    app.installEventFilter(typist)
    return main([])


if __name__ == "__main__":
    sys.exit(run(sys.argv[1]))
