"""Resuming several sandboxes from the panel, against the fakes: one that fails stops none of
the others, and the panel says which failed and why (as Pause all and Kill all do)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot

from tests.fakes.harness import FakeServices
from tests.fakes.pytest_plugin import FakeServicesFactory
from tests.ui.app_support import WAIT_MS, AppHarness
from tests.ui.sandboxes.test_sandbox_panel import _open_panel

GONE, KEPT = "iagone00000000000001", "ibpaused000000000002"


@pytest.fixture
def two_paused(fake_services_factory: FakeServicesFactory) -> Iterator[FakeServices]:
    yield fake_services_factory(
        seed=[{"sandboxID": GONE, "state": "paused"}, {"sandboxID": KEPT, "state": "paused"}]
    )


def _state(services: FakeServices, sandbox_id: str) -> object:
    box = next((b for b in services.e2b.sandboxes() if b["sandboxID"] == sandbox_id), None)
    return None if box is None else box["state"]


def test_resuming_several_goes_on_past_one_that_fails_and_says_why(
    qtbot: QtBot, app_harness: AppHarness, two_paused: FakeServices
) -> None:
    app_harness.services = two_paused
    app = app_harness.start()
    _open_panel(qtbot, app, 2)
    panel = app.sandboxes.panel
    two_paused.e2b.execute("E2B_DELETE_SANDBOXES", {"sandbox_id": GONE})  # gone meanwhile
    assert _state(two_paused, GONE) is None
    panel.resume_requested.emit([GONE, KEPT])  # both selected, Resume clicked
    qtbot.waitUntil(lambda: _state(two_paused, KEPT) == "running", timeout=WAIT_MS)
    qtbot.waitUntil(lambda: panel.error_label.isVisibleTo(panel), timeout=WAIT_MS)
    said = panel.error_label.text()
    assert said.startswith(f"Resumed 1 sandbox. Sandbox {GONE} no longer exists"), said
    assert two_paused.openai.requests == []
