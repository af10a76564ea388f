"""One window per data folder: its lock file, and the socket a second launch pings (issue 10)."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QLockFile
from PySide6.QtWidgets import QApplication, QWidget

if TYPE_CHECKING:
    # QtNetwork is imported once the window is painted (or by a second launch that paints none).
    from PySide6.QtNetwork import QLocalServer

log = logging.getLogger(__name__)

LOCK_FILE_NAME = "e2b-agent.lock"


def already_running_message(data_dir: Path) -> str:
    """What a second launch on the same data folder says, in both the terminal and a box."""
    return (
        f"E2B Agent is already running (data folder {data_dir}). "
        "Use the window that is open, or quit it first."
    )


def claim_data_folder(data_dir: Path) -> QLockFile | None:
    """The data folder's lock, held until the returned object is unlocked or destroyed; None
    when another process holds it. A folder where no lock can be written gives an unlocked
    one (logged): the app still starts.

    A lock left by a process that died (a crash, SIGKILL, power loss) is taken over: QLockFile
    sees that its process no longer runs. Call it once a QCoreApplication exists, because the
    lock file records the application's path and a later check compares it with the holder's.
    """
    lock = QLockFile(str(data_dir / LOCK_FILE_NAME))
    # 0: never stale by age alone. The default (30 s) would let a second window take over the
    # lock of a first one that has simply been running for a while.
    lock.setStaleLockTime(0)
    if lock.tryLock(0) or lock.error() != QLockFile.LockError.LockFailedError:
        if lock.error() != QLockFile.LockError.NoError:
            # No permission, or an unknown error: the folder cannot hold a lock, which says
            # nothing about another window; the database reports its own problem if any.
            log.warning("no lock in %s (QLockFile error %s)", data_dir, lock.error())
        return lock
    return None


def _server_name(data_dir: Path) -> str:
    import hashlib  # after the first paint: ~2 ms

    digest = hashlib.sha256(str(data_dir.resolve()).encode()).hexdigest()[:16]
    return f"e2b-agent-{digest}"


def listen_for_second_launches(
    data_dir: Path, on_launch: Callable[[], None]
) -> QLocalServer | None:
    """While this process holds the lock: a later launch on `data_dir` pings it, and
    `on_launch` brings the window forward. Call after the first paint (QtNetwork). None
    without QtNetwork: the frozen build leaves it out (build.spec), a second launch then says
    so in a box instead."""
    try:
        from PySide6.QtNetwork import QLocalServer
    except ImportError:
        return None

    name = _server_name(data_dir)
    # A socket left by a process that died; ours to replace, since we hold the folder's lock.
    QLocalServer.removeServer(name)
    server = QLocalServer()
    server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)

    def _on_new_connection() -> None:
        while (socket := server.nextPendingConnection()) is not None:
            socket.disconnected.connect(socket.deleteLater)
            socket.disconnectFromServer()
            log.info("a second launch on this data folder: bringing the window forward")
            on_launch()

    server.newConnection.connect(_on_new_connection)
    if not server.listen(name):
        log.warning("cannot listen for second launches: %s", server.errorString())
    return server


def ping_first_launch(data_dir: Path, timeout_ms: int = 1000) -> bool:
    """From a second launch: ask the running one to come forward; whether it answered."""
    try:
        from PySide6.QtNetwork import QLocalSocket
    except ImportError:
        return False

    socket = QLocalSocket()
    socket.connectToServer(_server_name(data_dir))
    # Blocking is fine here: this process only says so and ends.
    answered = socket.waitForConnected(timeout_ms)
    socket.abort()
    return answered


def bring_forward(window: QWidget) -> None:
    """Show the window on top and focused, where the window system allows (Wayland may only
    flash it in the task bar)."""
    if window.isMinimized():
        window.showNormal()
    window.raise_()
    window.activateWindow()


def say_already_running(app: QApplication, data_dir: Path, *, smoke_test: bool) -> None:
    """Tell a second launch in the terminal and bring the first window forward; when it does
    not answer, say so in a box too (launched from a menu, no terminal shows)."""
    message = already_running_message(data_dir)
    print(message, file=sys.stderr)
    if ping_first_launch(data_dir) or smoke_test:
        return  # its window comes forward: that says enough
    from PySide6.QtWidgets import QMessageBox

    box = QMessageBox(QMessageBox.Icon.Information, "E2B Agent", message)
    box.setObjectName("alreadyRunningBox")
    box.finished.connect(app.quit)
    box.open()
    app.exec()  # the loop, only while the box shows: this process does nothing else
