"""The sandbox panel in the whole window, against the fakes: a failing refresh keeps the list,
says why and waits longer each time (30 s, 60 s, 120 s...), a success brings the 30 s back; a
hostile value from E2B shows cut and inert in the panel's own cell."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QPushButton
from pytestqt.qtbot import QtBot

from desktop.core.sandboxes.shown import CELL_CHARS
from desktop.desktop_app import DesktopApp
from desktop.ui.sandboxes.columns import COLUMNS
from desktop.ui.sidebar.conversation_model import ID_ROLE, TIME_ROLE
from tests.fakes.e2b_emulator import SEED_RUNNING_ID
from tests.fakes.harness import FakeServices
from tests.ui.app_support import WAIT_MS, AppHarness
from tests.ui.sandboxes.test_sandbox_panel import _open_panel


def _refresh(qtbot: QtBot, app: DesktopApp, fake_services: FakeServices) -> None:
    """Click Refresh and wait until its listing has been asked for and answered."""
    asked = len(fake_services.composio.tool_calls)
    button = app.sandboxes.panel.findChild(QPushButton, "refreshSandboxesButton")
    assert button is not None
    button.click()
    qtbot.waitUntil(lambda: len(fake_services.composio.tool_calls) > asked, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: not app.sandboxes.service.schedule.running, timeout=WAIT_MS)


def _next_refresh_in(app: DesktopApp) -> float:
    """Seconds the panel's timer was set to wait, as it was armed after the last refresh."""
    assert app.sandboxes.timer.isActive()
    return app.sandboxes.timer.interval() / 1000


def test_a_failing_refresh_keeps_the_rows_says_why_and_backs_off_until_one_succeeds(
    qtbot: QtBot, app_harness: AppHarness, fake_services: FakeServices
) -> None:
    app = app_harness.start()
    _open_panel(qtbot, app, 2)
    panel = app.sandboxes.panel
    assert 25 < _next_refresh_in(app) <= 30
    assert panel.error_label.isHidden()

    fake_services.composio.behaviour.tool_errors["*"] = "Internal error"
    _refresh(qtbot, app, fake_services)
    assert panel.list.topLevelItemCount() == 2  # the last list stays
    assert panel.item(SEED_RUNNING_ID) is not None
    assert panel.error_label.isVisibleTo(panel) and "Internal error" in panel.error_label.text()
    assert 55 < _next_refresh_in(app) <= 60
    _refresh(qtbot, app, fake_services)
    assert 115 < _next_refresh_in(app) <= 120

    del fake_services.composio.behaviour.tool_errors["*"]
    _refresh(qtbot, app, fake_services)
    assert panel.error_label.isHidden()
    assert 25 < _next_refresh_in(app) <= 30
    assert fake_services.openai.requests == []  # none of it asked the model


def test_a_hostile_value_from_e2b_is_cut_and_inert_in_the_panel(
    qtbot: QtBot, app_harness: AppHarness, fake_services: FakeServices
) -> None:
    hostile = "owner=\x1b]52;c;ZXZpbA==\x07\x1b[2J\u202eevil<b>bold</b> " + "x" * 1_000_000
    box = fake_services.e2b.add_sandbox(sandboxID="ihostile000000000001", metadata={"h": hostile})
    app = app_harness.start()
    _open_panel(qtbot, app, 3)
    item = app.sandboxes.panel.item(str(box["sandboxID"]))
    assert item is not None
    shown = item.text(COLUMNS.index("Metadata"))
    assert shown.startswith("h=owner=")
    assert len(shown) <= CELL_CHARS + 40  # written-out escapes add a few characters
    for control in ("\x1b", "\x07", "\u202e"):
        assert control not in shown and control not in item.toolTip(COLUMNS.index("Metadata"))


def test_the_sidebar_s_clock_does_not_redraw_the_panel_but_a_new_title_does(
    qtbot: QtBot, app_harness: AppHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = app_harness.start()
    _open_panel(qtbot, app, 2)
    drawn: list[object] = []
    monkeypatch.setattr(app.sandboxes, "render", lambda *_: drawn.append(1))
    model = app.sidebar.model
    row = model.index(0, 0)
    model.dataChanged.emit(row, row, [TIME_ROLE, ID_ROLE])  # "5 min ago", every minute
    assert drawn == []
    model.dataChanged.emit(row, row)  # a row changed as a whole (its title)
    assert drawn == [1]
