"""The data folder's lock: one holder at a time, a dead holder's lock taken over (issue 10)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from desktop.ui.window.single_instance import (
    LOCK_FILE_NAME,
    already_running_message,
    bring_forward,
    claim_data_folder,
    listen_for_second_launches,
    ping_first_launch,
)

REPO = Path(__file__).resolve().parents[3]

# A process that takes the lock and dies without releasing it, as a crash or SIGKILL does.
_CRASH_WHILE_HOLDING = """
import os, sys
from pathlib import Path
from PySide6.QtCore import QCoreApplication
app = QCoreApplication([])
from desktop.ui.window.single_instance import claim_data_folder
lock = claim_data_folder(Path(sys.argv[1]))
assert lock is not None and lock.isLocked()
os._exit(0)
"""


def test_a_second_claim_on_the_same_folder_is_refused_until_the_first_ends(
    qapp: QApplication, tmp_path: Path
) -> None:
    first = claim_data_folder(tmp_path)
    assert first is not None and first.isLocked()

    assert claim_data_folder(tmp_path) is None

    first.unlock()
    again = claim_data_folder(tmp_path)
    assert again is not None and again.isLocked()
    again.unlock()


def test_the_lock_of_a_process_that_died_is_taken_over(qapp: QApplication, tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-c", _CRASH_WHILE_HOLDING, str(tmp_path)],
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(REPO)},
        check=True,
        timeout=60,
    )
    assert (tmp_path / LOCK_FILE_NAME).is_file()  # left behind, as after a crash

    lock = claim_data_folder(tmp_path)

    assert lock is not None and lock.isLocked()
    lock.unlock()


def test_the_message_names_the_data_folder(tmp_path: Path) -> None:
    message = already_running_message(tmp_path)

    assert message.startswith("E2B Agent is already running")
    assert str(tmp_path) in message


# The offscreen platform cannot raise a window; X11 and Windows can, Wayland may flash it.
@pytest.mark.qt_log_ignore("This plugin does not support raise")
def test_a_second_launch_pings_the_first_which_comes_forward(qtbot: QtBot, tmp_path: Path) -> None:
    window = QWidget()
    qtbot.addWidget(window)
    window.showMinimized()
    server = listen_for_second_launches(tmp_path, lambda: bring_forward(window))
    assert server is not None
    try:
        assert ping_first_launch(tmp_path)
        qtbot.waitUntil(lambda: not window.isMinimized(), timeout=5000)
    finally:
        server.close()


def test_with_nobody_listening_the_ping_says_so(qapp: QApplication, tmp_path: Path) -> None:
    assert not ping_first_launch(tmp_path, timeout_ms=200)
