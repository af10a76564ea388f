"""The window keeps what its sandbox meter saw in its database: after a restart a sandbox paused
at quit is listed with the running time it had, its conversation's cost with it (checked in the
emulator's state and the database, not only on screen)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QPushButton
from pytestqt.qtbot import QtBot

from desktop.core.agent.sandbox_tag import CONVERSATION_KEY
from desktop.core.money import money_text
from desktop.ui.sandboxes.columns import COST_COLUMN
from tests.fakes.harness import FakeServices
from tests.fakes.pytest_plugin import FakeServicesFactory
from tests.ui.app_support import WAIT_MS, AppHarness

MINE = "imine000000000000001"


@pytest.fixture
def services(fake_services_factory: FakeServicesFactory) -> Iterator[FakeServices]:
    yield fake_services_factory(
        seed=[{"sandboxID": MINE, "age": 120, "ttl": 600, "metadata": {CONVERSATION_KEY: "c1"}}]
    )


def _state(services: FakeServices) -> object:
    return next((b["state"] for b in services.e2b.sandboxes() if b["sandboxID"] == MINE), None)


def test_a_sandbox_paused_at_quit_keeps_its_running_cost_after_a_restart(
    qtbot: QtBot, app_harness: AppHarness, services: FakeServices
) -> None:
    app_harness.services = services
    app = app_harness.start()
    app.window.quit_action.trigger()
    qtbot.waitUntil(
        lambda: app.window.findChild(QMessageBox, "sandboxQuitQuestion") is not None,
        timeout=WAIT_MS,
    )
    question = app.window.findChild(QMessageBox, "sandboxQuitQuestion")
    assert question is not None
    pause_all = question.findChild(QPushButton, "pauseAllSandboxesButton")
    assert pause_all is not None
    qtbot.mouseClick(pause_all, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(app._quit.is_set, timeout=WAIT_MS)
    assert _state(services) == "paused"
    counted = app.sandboxes.service.conversation_cost("c1")  # paused: it no longer grows
    assert counted > 0
    app_harness.close(app)
    with sqlite3.connect(app_harness.paths.database_file) as conn:
        (kept,) = conn.execute("SELECT sandbox_id FROM sandbox_clocks").fetchall()
    assert kept == (MINE,)

    again = app_harness.start()
    again.sandboxes.toggle_action.trigger()
    panel = again.sandboxes.panel
    qtbot.waitUntil(lambda: panel.item(MINE) is not None, timeout=WAIT_MS)
    item = panel.item(MINE)
    assert item is not None
    assert again.sandboxes.service.conversation_cost("c1") == counted  # not $0, not more
    assert item.text(COST_COLUMN) == money_text(counted)
    assert services.openai.requests == []
