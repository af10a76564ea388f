"""The sandbox panel's room in the window: opening it keeps the conversation list's width (the
chat column gives up space), its list reads without sideways scrolling, and its Chat column
names the conversation that created each sandbox (a click opens it)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from pytestqt.qtbot import QtBot

from desktop.core.agent.sandbox_tag import CONVERSATION_KEY
from desktop.desktop_app import DesktopApp
from desktop.ui.sandboxes.columns import CHAT_COLUMN, COLUMNS, METADATA_COLUMN
from tests.fakes.e2b_emulator import SEED_RUNNING_ID
from tests.fakes.harness import FakeServices
from tests.ui.app_support import WAIT_MS, AppHarness, send, wait_for

USABLE_CHAT = 480  # the chat column's least useful width: a message and its Send button
SHOTS = os.environ.get("E2B_AGENT_SHOTS")  # a folder: each test leaves its screenshot there


def _open(qtbot: QtBot, app: DesktopApp, width: int, height: int = 768) -> None:
    app.window.resize(width, height)
    qtbot.waitUntil(lambda: app.window.width() == width, timeout=WAIT_MS)
    app.sandboxes.toggle_action.trigger()
    panel = app.sandboxes.panel
    qtbot.waitUntil(lambda: panel.list.topLevelItemCount() >= 2, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: not app.sandboxes.service.schedule.running, timeout=WAIT_MS)


def _shot(app: DesktopApp, name: str) -> None:
    if SHOTS:
        app.window.grab().save(str(Path(SHOTS) / f"{name}.png"))


@pytest.mark.parametrize("width", [1366, 1280])
def test_opening_the_panel_keeps_the_sidebar_width(
    qtbot: QtBot, app_harness: AppHarness, fake_services: FakeServices, width: int
) -> None:
    app = app_harness.start()
    app.window.resize(width, 768)
    qtbot.waitUntil(lambda: app.window.width() == width, timeout=WAIT_MS)
    sidebar = app.window.splitter.widget(0)
    before = sidebar.width()
    _open(qtbot, app, width)
    panel = app.sandboxes.panel
    qtbot.waitUntil(lambda: panel.width() > 0 and app.window.splitter.width() < width - 300)
    _shot(app, f"sandbox-panel-{width}")
    assert sidebar.width() == before
    chat = app.window.splitter.widget(1)
    assert chat.width() >= USABLE_CHAT, chat.width()
    assert panel.width() >= panel.minimumSizeHint().width()
    assert app.window.width() == width  # room was found inside the window
    assert fake_services.openai.requests == []


def test_the_header_s_sandbox_line_gives_way_rather_than_the_sidebar(
    qtbot: QtBot, app_harness: AppHarness, fake_services: FakeServices
) -> None:
    """A chat with a sandbox running says so in the header ("1 sandbox running from this chat
    · $… so far"); that long line is cut (whole in its tooltip) rather than widen the chat's
    least width, which made the conversation list give way when the dock opened at 1280."""
    app = app_harness.start()
    send(qtbot, app, "create a sandbox", approve=True)
    app.window.resize(1280, 768)
    qtbot.waitUntil(lambda: app.window.width() == 1280, timeout=WAIT_MS)
    sidebar = app.window.splitter.widget(0)
    before = sidebar.width()
    _open(qtbot, app, 1280)
    subtitle = app.sandboxes.subtitle
    assert subtitle is not None
    qtbot.waitUntil(
        lambda: subtitle.text().startswith("1 sandbox running from this chat"), timeout=WAIT_MS
    )
    assert subtitle.toolTip() == subtitle.text() and "so far" in subtitle.text()
    panel = app.sandboxes.panel
    qtbot.waitUntil(lambda: panel.width() > 0 and app.window.splitter.width() < 1280 - 300)
    assert sidebar.width() == before
    assert app.window.width() == 1280


def test_the_list_reads_without_sideways_scrolling_at_1500(
    qtbot: QtBot, app_harness: AppHarness, fake_services: FakeServices
) -> None:
    fake_services.e2b.add_sandbox(
        sandboxID="iwide000000000000001",
        metadata={"owner": "data-team-with-a-long-name", "purpose": "nightly", "run": "42"},
    )
    app = app_harness.start()
    _open(qtbot, app, 1500, 900)
    tree = app.sandboxes.panel.list
    qtbot.waitUntil(lambda: tree.topLevelItemCount() == 3, timeout=WAIT_MS)
    _shot(app, "sandbox-panel-1500")
    header = tree.header()
    qtbot.waitUntil(lambda: not tree.horizontalScrollBar().isVisible(), timeout=WAIT_MS)
    assert header.length() <= tree.viewport().width()
    for column in (CHAT_COLUMN, METADATA_COLUMN):
        assert header.sectionSize(column) >= 70, (COLUMNS[column], header.sectionSize(column))
    wide = app.sandboxes.panel.item("iwide000000000000001")
    assert wide is not None
    assert wide.text(METADATA_COLUMN) == "owner=data-team-with-a-long-name +2"  # in short
    tip = wide.toolTip(METADATA_COLUMN)
    assert "purpose = nightly" in tip and "run = 42" in tip  # and whole in its tooltip
    assert CONVERSATION_KEY not in tip


def test_a_person_dragging_a_column_keeps_its_width(
    qtbot: QtBot, app_harness: AppHarness, fake_services: FakeServices
) -> None:
    app = app_harness.start()
    _open(qtbot, app, 1500, 900)
    panel = app.sandboxes.panel
    header = panel.list.header()
    header.resizeSection(CHAT_COLUMN, 300)  # as a drag of its edge does
    app.window.resize(1600, 900)
    qtbot.waitUntil(lambda: app.window.width() == 1600, timeout=WAIT_MS)
    panel.refresh_button.click()
    qtbot.waitUntil(lambda: not app.sandboxes.service.schedule.running, timeout=WAIT_MS)
    assert header.sectionSize(CHAT_COLUMN) == 300


def test_the_chat_column_names_another_conversation_and_opens_it(
    qtbot: QtBot, app_harness: AppHarness, fake_services: FakeServices
) -> None:
    app = app_harness.start()
    send(qtbot, app, "create a sandbox", approve=True)
    first = app.controller.conversation_id
    assert first is not None
    store = app.conversation_store
    assert store is not None
    title = wait_for(qtbot, store.get_conversation(first)).title
    assert title
    app.window.new_chat_action.trigger()
    qtbot.waitUntil(lambda: app.controller.conversation_id is None, timeout=WAIT_MS)
    _open(qtbot, app, 1500, 900)
    panel = app.sandboxes.panel
    qtbot.waitUntil(lambda: panel.list.topLevelItemCount() == 3, timeout=WAIT_MS)
    (made,) = [
        b
        for b in fake_services.e2b.sandboxes()
        if b["sandboxID"] != SEED_RUNNING_ID
        and (b["metadata"] or {}).get(CONVERSATION_KEY) == first
    ]
    item = panel.item(str(made["sandboxID"]))
    assert item is not None
    qtbot.waitUntil(lambda: item.text(CHAT_COLUMN) == title, timeout=WAIT_MS)
    assert title in item.toolTip(CHAT_COLUMN)
    _shot(app, "sandbox-panel-chat-title")
    requests = len(fake_services.openai.requests)
    tree = panel.list

    def chat_cell() -> QPoint:
        return tree.visualRect(tree.indexFromItem(item, CHAT_COLUMN)).center()

    # The dock settles (its width, then the columns') before the click lands on the cell.
    qtbot.waitUntil(lambda: tree.itemAt(chat_cell()) is item, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: tree.columnAt(chat_cell().x()) == CHAT_COLUMN, timeout=WAIT_MS)
    # ... and the dock's own layout has placed the list inside the window (until then a click
    # there lands beyond the window's edge).
    qtbot.waitUntil(
        lambda: app.window.rect().contains(tree.viewport().mapTo(app.window, chat_cell())),
        timeout=WAIT_MS,
    )
    qtbot.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=chat_cell())
    qtbot.waitUntil(lambda: app.controller.conversation_id == first, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: item.text(CHAT_COLUMN) == "this chat")  # now the one open
    assert len(fake_services.openai.requests) == requests  # the panel asked the model nothing
