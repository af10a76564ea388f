"""Fixtures for widget tests: offscreen Qt, a qasync loop qtbot can spin, typed fakes."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Iterator
from pathlib import Path

# Before any QApplication exists: no display is needed or used.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
import qasync
from PySide6.QtCore import QUrl
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop.paths import AppPaths
from desktop.ui.chat.controller import ChatController
from desktop.ui.theme import apply_theme
from desktop.ui.window.main_window import MainWindow
from desktop.ui.window.wiring import connect_window
from tests.fakes.harness import FakeServices
from tests.ui.app_support import AppHarness
from tests.ui.fakes import FakeBackend


@pytest.fixture(scope="session")
def styled_app(qapp: QApplication) -> QApplication:
    """The application with the real theme: a broken style sheet fails tests (Qt warns)."""
    apply_theme(qapp)
    return qapp


_CLOSED_LOOPS: list[qasync.QEventLoop] = []


@pytest.fixture
def qasync_loop(styled_app: QApplication) -> Iterator[qasync.QEventLoop]:
    """A qasync loop made current while Qt's loop is driven by qtbot (waitSignal/waitUntil).

    It is closed without `stop()`, which would call `app.exit()` and break later tests.
    """
    loop = qasync.QEventLoop(styled_app, already_running=True)
    asyncio.set_event_loop(loop)
    try:
        yield loop
    finally:
        pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
        for task in pending:
            task.cancel()
        deadline = time.monotonic() + 5
        while any(not task.done() for task in pending) and time.monotonic() < deadline:
            styled_app.processEvents()
        styled_app.aboutToQuit.disconnect(loop._after_run_forever)
        loop._QEventLoop__is_running = False  # type: ignore[attr-defined]
        asyncio.events._set_running_loop(None)
        loop.close()
        asyncio.set_event_loop(None)
        # A closed loop must not be garbage collected: Qt may still deliver a timer event to
        # qasync's timer object, and a deleted receiver crashes the process (segfault).
        _CLOSED_LOOPS.append(loop)


class RecordingOpener:
    """Stands in for QDesktopServices.openUrl: records what would open in the browser."""

    def __init__(self) -> None:
        self.urls: list[str] = []

    def __call__(self, url: QUrl) -> bool:
        self.urls.append(url.toString())
        return True


@pytest.fixture
def url_opener() -> RecordingOpener:
    return RecordingOpener()


@pytest.fixture
def fake_backend() -> FakeBackend:
    return FakeBackend()


@pytest.fixture
def controller(
    qasync_loop: qasync.QEventLoop, fake_backend: FakeBackend
) -> Iterator[ChatController]:
    ctrl = ChatController(lambda: fake_backend)
    yield ctrl
    ctrl.deleteLater()


@pytest.fixture
def window(
    qtbot: QtBot, styled_app: QApplication, url_opener: RecordingOpener
) -> Iterator[MainWindow]:
    win = MainWindow(url_opener=url_opener)
    win.set_ready()  # as the app's start-up ends; tests/ui/window/test_first_moments.py before
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.close_for_good()


@pytest.fixture
def app_window(
    qtbot: QtBot, window: MainWindow, controller: ChatController
) -> Iterator[MainWindow]:
    """A window wired to a controller over the fake backend, connected and ready."""
    connect_window(window, controller)
    controller.connect_backend()
    qtbot.waitUntil(lambda: controller.connection_status.state.value == "ready")
    yield window


@pytest.fixture
def app_paths(tmp_path: Path) -> AppPaths:
    paths = AppPaths(tmp_path / "config", tmp_path / "data", tmp_path / "logs")
    paths.ensure()
    return paths


@pytest.fixture
def app_harness(
    qtbot: QtBot, qasync_loop: qasync.QEventLoop, app_paths: AppPaths, fake_services: FakeServices
) -> Iterator[AppHarness]:
    """Whole DesktopApps on the fakes and a database in tmp_path, shut down after the test."""
    made = AppHarness(qtbot, app_paths, fake_services)
    yield made
    made.close_all()
