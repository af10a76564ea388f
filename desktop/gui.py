"""The window's Qt lifetime: QApplication, the first paint, then qasync, the wiring
(`desktop_app.DesktopApp`, imported once the window is on screen), signals, shutdown order."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from desktop.ui.theme import STYLE_ARGUMENTS, app_icon, apply_theme
from desktop.ui.window.first_paint import show_until_painted
from desktop.ui.window.shell import WindowShell, first_paint_window
from desktop.ui.window.single_instance import (
    bring_forward,
    claim_data_folder,
    listen_for_second_launches,
    say_already_running,
)

if TYPE_CHECKING:
    from desktop.core.redaction import Redactor
    from desktop.desktop_app import DesktopApp
    from desktop.paths import AppPaths

log = logging.getLogger(__name__)

FIRST_PAINT_TIMEOUT_MS = 30_000
ALREADY_RUNNING = 3  # the exit status of a second launch on the same data folder


async def _main(shell: DesktopApp) -> int:
    await shell.start()
    await shell.wait_for_quit()
    await shell.shutdown()
    return 0


def _quit_on_signals(app: QApplication, shell: DesktopApp) -> None:
    """SIGTERM (logout, `kill`) and Ctrl-C in the starting terminal shut down like Ctrl+Q."""
    import signal

    def _on_signal(_signum: int, _frame: object) -> None:
        shell.request_quit()

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, _on_signal)
    # Python runs signal handlers only between bytecodes; while Qt's loop waits in C nothing
    # runs, so a slow no-op timer hands control back to Python a few times a second.
    ticker = QTimer(app)
    ticker.setInterval(250)
    ticker.timeout.connect(lambda: None)
    ticker.start()


def run_gui(
    paths: AppPaths,
    redactor: Redactor,
    *,
    smoke_test: bool,
    process_start: float,
    start_logging: Callable[[], None] = lambda: None,
) -> int:
    """Paint the window first, with only what it paints imported; then open the log file
    (`start_logging`) and build the rest."""
    existing = QApplication.instance()
    app = existing or QApplication([sys.argv[0], *STYLE_ARGUMENTS])
    assert isinstance(app, QApplication)
    app.setApplicationName("E2B Agent")
    app.setDesktopFileName("e2b-agent")
    # qasync: the loop ends from our shutdown, not when Qt sees the last window close.
    app.setQuitOnLastWindowClosed(False)
    # One window per data folder: two would write into the same conversations (issue 10).
    lock = claim_data_folder(paths.data_dir)
    if lock is None:
        start_logging()
        say_already_running(app, paths.data_dir, smoke_test=smoke_test)
        return ALREADY_RUNNING
    try:
        return _run_locked(
            app, paths, redactor, smoke_test, process_start, start_logging, existing is None
        )
    finally:
        lock.unlock()


def _run_locked(
    app: QApplication,
    paths: AppPaths,
    redactor: Redactor,
    smoke_test: bool,
    process_start: float,
    start_logging: Callable[[], None],
    style_set: bool,
) -> int:
    apply_theme(app, style_set=style_set, icon=False)
    window = first_paint_window(paths.window_state_file)
    painted_at = show_until_painted(window, FIRST_PAINT_TIMEOUT_MS)
    elapsed = None if painted_at is None else painted_at - process_start
    if smoke_test and elapsed is not None:
        print(f"first paint: {elapsed:.3f} s", flush=True)  # before the log file opens
    start_logging()
    if elapsed is None:
        print("the window was never painted", file=sys.stderr)
        return 1
    log.info("first paint %.3f s after start", elapsed)
    app.setWindowIcon(app_icon())  # the window manager's copy, once the window is on screen
    if smoke_test:
        window.close_for_good()
        return 0
    shell = WindowShell.around(window)
    # Kept for the process's life: a second launch's ping brings this window forward.
    launches = listen_for_second_launches(paths.data_dir, lambda: bring_forward(shell.window))
    import asyncio

    import qasync

    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    from desktop.desktop_app import DesktopApp

    with loop:
        desktop_app = DesktopApp(paths, redactor, shell=shell)
        _quit_on_signals(app, desktop_app)
        status = loop.run_until_complete(_main(desktop_app))
    if launches is not None:
        launches.close()
    return int(status)
