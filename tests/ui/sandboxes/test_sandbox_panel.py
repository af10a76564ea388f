"""The sandbox panel in the whole window, against the fakes: the list read without the model,
the countdown, Pause and Kill with their confirmations (checked in the emulator's state), the
status bar's costLabel and the quit question."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import QCheckBox, QLabel, QMessageBox, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from desktop.core.agent.sandbox_tag import CONVERSATION_KEY
from desktop.core.config.settings import load_settings
from desktop.core.sandboxes.service import QUIT_READ_SECONDS
from desktop.core.sandboxes.words import NOT_MADE_HERE, countdown_text, running_from_chat
from desktop.desktop_app import DesktopApp
from desktop.ui.sandboxes.columns import CHAT_COLUMN, COLUMNS, LEFT_COLUMN
from tests.fakes.e2b_emulator import SEED_PAUSED_ID, SEED_RUNNING_ID
from tests.fakes.harness import FakeServices
from tests.fakes.pytest_plugin import FakeServicesFactory
from tests.ui.app_support import WAIT_MS, AppHarness, send
from tests.ui.conftest import RecordingOpener

TAGGED_ID = "itag0000000000000001"


def _box(services: FakeServices, sandbox_id: str) -> dict[str, object] | None:
    return next((b for b in services.e2b.sandboxes() if b["sandboxID"] == sandbox_id), None)


def _open_panel(qtbot: QtBot, app: DesktopApp, rows: int) -> None:
    app.sandboxes.toggle_action.trigger()
    panel = app.sandboxes.panel
    qtbot.waitUntil(lambda: panel.list.topLevelItemCount() == rows, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: not app.sandboxes.service.schedule.running, timeout=WAIT_MS)


def _select(app: DesktopApp, *ids: str) -> None:
    panel = app.sandboxes.panel
    panel.list.clearSelection()
    for sandbox_id in ids:
        item = panel.item(sandbox_id)
        assert item is not None
        item.setSelected(True)


def _dialog(qtbot: QtBot, app: DesktopApp, name: str) -> QMessageBox:
    qtbot.waitUntil(lambda: app.window.findChild(QMessageBox, name) is not None, timeout=WAIT_MS)
    box = app.window.findChild(QMessageBox, name)
    assert box is not None
    return box


def _click(qtbot: QtBot, parent: QWidget, name: str) -> None:
    button = parent.findChild(QPushButton, name)
    assert button is not None, name
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_the_panel_lists_the_team_sandboxes_without_a_model_request(
    qtbot: QtBot, app_harness: AppHarness, fake_services: FakeServices
) -> None:
    app = app_harness.start()
    assert app.sandboxes.panel.isHidden()
    # Not listed yet: no made-up $0.00/hour for what runs.
    assert app.sandboxes.cost_label.text().endswith("sandboxes not listed yet")
    _open_panel(qtbot, app, 2)
    panel = app.sandboxes.panel
    assert panel.objectName() == "sandboxPanel" and panel.list.objectName() == "sandboxList"
    running = panel.item(SEED_RUNNING_ID)
    paused = panel.item(SEED_PAUSED_ID)
    assert running is not None and paused is not None
    texts = {COLUMNS[c]: running.text(c) for c in range(len(COLUMNS))}
    assert texts["State"] == "running" and texts["RAM"] == "512 MiB"
    assert "purpose=demo" in texts["Metadata"]
    assert texts["Chat"] == NOT_MADE_HERE  # the seeds were not created by this app
    assert re.fullmatch(r"3[45]:\d\d", running.text(LEFT_COLUMN)), running.text(LEFT_COLUMN)
    assert paused.text(LEFT_COLUMN) == "paused"
    assert "2 sandboxes, 1 running: $0.11/hour." in panel.summary_label.text()
    assert app.sandboxes.cost_label.objectName() == "costLabel"
    qtbot.waitUntil(lambda: "$0.00 model" in app.sandboxes.cost_label.text(), timeout=WAIT_MS)
    assert app.sandboxes.cost_label.text() == "Today: $0.00 model · $0.11/hour running now"
    # The id is copyable (Ctrl+C, or the row's menu).
    _select(app, SEED_RUNNING_ID)
    copy = panel.list.findChild(QAction, "copySandboxIdsAction")
    assert copy is not None
    copy.trigger()
    assert QGuiApplication.clipboard().text() == SEED_RUNNING_ID
    # The refresh button reads the list again, still without the model.
    calls = app.sandboxes.service.list_calls
    _click(qtbot, panel, "refreshSandboxesButton")
    qtbot.waitUntil(lambda: app.sandboxes.service.list_calls > calls, timeout=WAIT_MS)
    assert fake_services.openai.requests == []


def test_hiding_the_panel_stops_its_refreshes(
    qtbot: QtBot, app_harness: AppHarness, fake_services: FakeServices
) -> None:
    app = app_harness.start()
    _open_panel(qtbot, app, 2)
    assert app.sandboxes.timer.isActive()  # the next refresh, in 30 s
    app.sandboxes.toggle_action.trigger()
    assert app.sandboxes.panel.isHidden()
    assert not app.sandboxes.timer.isActive() and not app.sandboxes.ticker.isActive()


def test_kill_declined_leaves_the_sandbox_and_accepted_kills_it(
    qtbot: QtBot, app_harness: AppHarness, fake_services: FakeServices
) -> None:
    app = app_harness.start()
    _open_panel(qtbot, app, 2)
    _select(app, SEED_RUNNING_ID)
    _click(qtbot, app.sandboxes.panel, "killSandboxButton")
    box = _dialog(qtbot, app, "killSandboxConfirm")
    assert SEED_RUNNING_ID in box.text()
    assert "files and memory are lost" in box.informativeText()
    _click(qtbot, box, "cancelSandboxButton")
    qtbot.waitUntil(lambda: app.window.findChild(QMessageBox, "killSandboxConfirm") is None)
    assert _box(fake_services, SEED_RUNNING_ID) is not None

    _click(qtbot, app.sandboxes.panel, "killSandboxButton")
    _click(qtbot, _dialog(qtbot, app, "killSandboxConfirm"), "confirmKillButton")
    qtbot.waitUntil(lambda: _box(fake_services, SEED_RUNNING_ID) is None, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: app.sandboxes.panel.list.topLevelItemCount() == 1, timeout=WAIT_MS)
    assert fake_services.openai.requests == []


def test_pause_and_kill_all_ask_once_for_several(
    qtbot: QtBot, app_harness: AppHarness, fake_services: FakeServices
) -> None:
    app = app_harness.start()
    _open_panel(qtbot, app, 2)
    _select(app, SEED_RUNNING_ID)
    _click(qtbot, app.sandboxes.panel, "pauseSandboxButton")  # one: no question, reversible
    qtbot.waitUntil(
        lambda: (_box(fake_services, SEED_RUNNING_ID) or {}).get("state") == "paused",
        timeout=WAIT_MS,
    )
    qtbot.waitUntil(lambda: not app.sandboxes.service.schedule.running, timeout=WAIT_MS)
    _select(app, SEED_RUNNING_ID, SEED_PAUSED_ID)
    assert app.sandboxes.panel.kill_button.text() == "Kill all"
    _click(qtbot, app.sandboxes.panel, "killSandboxButton")
    box = _dialog(qtbot, app, "killSandboxConfirm")
    assert "Kill 2 sandboxes?" in box.text()
    _click(qtbot, box, "cancelSandboxButton")
    qtbot.waitUntil(lambda: app.window.findChild(QMessageBox, "killSandboxConfirm") is None)
    assert len(fake_services.e2b.sandboxes()) == 2
    _click(qtbot, app.sandboxes.panel, "killSandboxButton")
    _click(qtbot, _dialog(qtbot, app, "killSandboxConfirm"), "confirmKillButton")
    qtbot.waitUntil(lambda: fake_services.e2b.sandboxes() == [], timeout=WAIT_MS)


def test_kill_all_says_which_failed_and_the_others_go(
    qtbot: QtBot, app_harness: AppHarness, fake_services: FakeServices
) -> None:
    """One of the selected is gone already (killed elsewhere): Kill all said nothing of it."""
    app = app_harness.start()
    _open_panel(qtbot, app, 2)
    _select(app, SEED_RUNNING_ID, SEED_PAUSED_ID)
    fake_services.e2b.execute("E2B_DELETE_SANDBOXES", {"sandbox_id": SEED_PAUSED_ID})
    _click(qtbot, app.sandboxes.panel, "killSandboxButton")
    _click(qtbot, _dialog(qtbot, app, "killSandboxConfirm"), "confirmKillButton")
    qtbot.waitUntil(lambda: fake_services.e2b.sandboxes() == [], timeout=WAIT_MS)
    error = app.sandboxes.panel.error_label
    qtbot.waitUntil(lambda: not error.isHidden(), timeout=WAIT_MS)
    assert error.text().startswith("Killed 1 sandbox.")
    assert SEED_PAUSED_ID in error.text() and "no longer exists" in error.text()


def test_a_hostile_name_is_cut_and_inert_in_the_kill_question(
    qtbot: QtBot, app_harness: AppHarness, fake_services: FakeServices
) -> None:
    """The question asking for consent names the sandbox as E2B sent it: a direction mark in
    its id reordered the question, a megabyte of it filled the box."""
    hostile = "i\u202ekill-me" + "x" * 1_000_000
    fake_services.e2b.add_sandbox(sandboxID=hostile)
    app = app_harness.start()
    _open_panel(qtbot, app, 3)
    _select(app, hostile)
    _click(qtbot, app.sandboxes.panel, "killSandboxButton")
    box = _dialog(qtbot, app, "killSandboxConfirm")
    assert "\u202e" not in box.text() and len(box.text()) < 1_000
    _click(qtbot, box, "cancelSandboxButton")
    assert _box(fake_services, hostile) is not None


def test_countdown_text() -> None:
    assert countdown_text(34 * 60 + 59.7) == "34:59"
    assert countdown_text(3723) == "1:02:03"
    assert countdown_text(None) == "paused"
    assert countdown_text(-3) == "ending"
    assert running_from_chat(2) == "2 sandboxes running from this chat"
    assert running_from_chat(1) == "1 sandbox running from this chat"


@pytest.fixture
def tagged_services(fake_services_factory: FakeServicesFactory) -> Iterator[FakeServices]:
    """Fakes whose first running sandbox was created by this app (it carries the tag)."""
    yield fake_services_factory(
        seed=[
            {
                "sandboxID": TAGGED_ID,
                "age": 120,
                "ttl": 600,
                "metadata": {CONVERSATION_KEY: "conv-1"},
            },
            {"sandboxID": SEED_RUNNING_ID, "age": 60, "ttl": 600},
        ]
    )


def test_quitting_asks_about_the_app_sandboxes_and_kill_all_is_remembered(
    qtbot: QtBot, app_harness: AppHarness, tagged_services: FakeServices
) -> None:
    app_harness.services = tagged_services
    app = app_harness.start()
    _open_panel(qtbot, app, 2)
    tagged = app.sandboxes.panel.item(TAGGED_ID)
    assert tagged is not None and tagged.text(CHAT_COLUMN) == "another chat"
    quit_called: list[bool] = []
    app.sandboxes.before_quit(lambda: quit_called.append(True))
    box = _dialog(qtbot, app, "sandboxQuitQuestion")
    assert box.text().startswith("1 sandbox this app created is still running ($")
    assert "/hour while it runs" in box.text()
    remember = box.findChild(QCheckBox, "rememberQuitChoice")
    assert remember is not None
    remember.setChecked(True)
    assert not quit_called
    _click(qtbot, box, "killAllSandboxesButton")
    qtbot.waitUntil(lambda: quit_called == [True], timeout=WAIT_MS)
    assert _box(tagged_services, TAGGED_ID) is None
    assert _box(tagged_services, SEED_RUNNING_ID) is not None  # not the app's: left alone
    assert load_settings(app.configuration.settings_file).sandboxes_at_quit == "kill"
    assert tagged_services.openai.requests == []


def test_quitting_keep_running_leaves_them(
    qtbot: QtBot, app_harness: AppHarness, tagged_services: FakeServices
) -> None:
    app_harness.services = tagged_services
    app = app_harness.start()
    quit_called: list[bool] = []
    app.sandboxes.before_quit(lambda: quit_called.append(True))
    _click(qtbot, _dialog(qtbot, app, "sandboxQuitQuestion"), "keepSandboxesButton")
    qtbot.waitUntil(lambda: quit_called == [True], timeout=WAIT_MS)
    assert _box(tagged_services, TAGGED_ID) is not None
    assert load_settings(app.configuration.settings_file).sandboxes_at_quit == "ask"


def test_e2b_not_connected_says_so_and_offers_connect(
    qtbot: QtBot, app_harness: AppHarness, fake_services: FakeServices
) -> None:
    fake_services.e2b.disconnect()
    app = app_harness.start()
    opener = RecordingOpener()
    app.window.chat_view.links.opener = opener
    app.sandboxes.toggle_action.trigger()
    panel = app.sandboxes.panel
    qtbot.waitUntil(lambda: panel.connect_button.isVisibleTo(panel), timeout=WAIT_MS)
    message = panel.error_label.text()
    assert "E2B" in message and message.endswith(".") and "{" not in message
    assert panel.list.topLevelItemCount() == 0
    qtbot.mouseClick(panel.connect_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(opener.urls) == 1, timeout=WAIT_MS)
    assert opener.urls[0].startswith(fake_services.composio_base_url)
    assert fake_services.openai.requests == []


def test_the_panel_is_reopened_after_a_restart_and_sleeps_while_minimised(
    qtbot: QtBot, app_harness: AppHarness, fake_services: FakeServices
) -> None:
    app = app_harness.start()
    _open_panel(qtbot, app, 2)
    app_harness.close(app)
    again = app_harness.start()
    panel = again.sandboxes.panel
    assert panel.isVisible()
    qtbot.waitUntil(lambda: panel.list.topLevelItemCount() == 2, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: not again.sandboxes.service.schedule.running, timeout=WAIT_MS)
    assert again.sandboxes.service.schedule.visible
    again.window.showMinimized()
    qtbot.waitUntil(lambda: not again.sandboxes.service.schedule.visible, timeout=WAIT_MS)
    assert not again.sandboxes.timer.isActive()
    again.window.showNormal()
    qtbot.waitUntil(lambda: again.sandboxes.service.schedule.visible, timeout=WAIT_MS)
    assert again.sandboxes.timer.isActive()
    again.sandboxes.toggle_action.trigger()
    app_harness.close(again)
    assert not app_harness.start().sandboxes.panel.isVisible()


def test_a_sandbox_the_agent_creates_is_counted_under_its_chat_and_opens_it(
    qtbot: QtBot, app_harness: AppHarness, fake_services: FakeServices
) -> None:
    app = app_harness.start()
    service = app.sandboxes.service
    send(qtbot, app, "create a sandbox", approve=True)
    conversation_id = app.controller.conversation_id
    assert conversation_id is not None
    # The create call changed sandboxes: the list is read at once, the panel closed.
    qtbot.waitUntil(lambda: len(service.view().rows) == 3, timeout=WAIT_MS)
    subtitle = app.window.findChild(QLabel, "chatSubtitle")
    assert subtitle is not None
    qtbot.waitUntil(lambda: "1 sandbox running from this chat" in subtitle.text())
    requests = len(fake_services.openai.requests)
    (made,) = [row for row in service.view().rows if row.sandbox.made_here]
    _open_panel(qtbot, app, 3)
    item = app.sandboxes.panel.item(made.sandbox_id)
    assert item is not None and item.text(CHAT_COLUMN) == "this chat"
    app.window.new_chat_action.trigger()
    qtbot.waitUntil(lambda: app.controller.conversation_id is None, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: subtitle.text() == "Your E2B sandboxes, by conversation")
    app.sandboxes.panel.list.itemClicked.emit(item, CHAT_COLUMN)
    qtbot.waitUntil(lambda: app.controller.conversation_id == conversation_id, timeout=WAIT_MS)
    assert len(fake_services.openai.requests) == requests  # the panel asked the model nothing
    qtbot.waitUntil(lambda: "1 sandbox running from this chat" in subtitle.text())


def test_quit_from_the_window_asks_and_pause_all_pauses_the_app_sandboxes(
    qtbot: QtBot, app_harness: AppHarness, tagged_services: FakeServices
) -> None:
    app_harness.services = tagged_services
    app = app_harness.start()
    app.window.quit_action.trigger()
    box = _dialog(qtbot, app, "sandboxQuitQuestion")
    assert not app._quit.is_set()
    _click(qtbot, box, "pauseAllSandboxesButton")
    qtbot.waitUntil(app._quit.is_set, timeout=WAIT_MS)
    assert (_box(tagged_services, TAGGED_ID) or {}).get("state") == "paused"
    assert (_box(tagged_services, SEED_RUNNING_ID) or {}).get("state") == "running"


def test_a_remembered_answer_quits_without_asking(
    qtbot: QtBot, app_harness: AppHarness, tagged_services: FakeServices
) -> None:
    app_harness.services = tagged_services
    app = app_harness.start()
    app.configuration.settings = app.settings.model_copy(update={"sandboxes_at_quit": "kill"})
    app.window.quit_action.trigger()
    qtbot.waitUntil(app._quit.is_set, timeout=WAIT_MS)
    assert app.window.findChild(QMessageBox, "sandboxQuitQuestion") is None
    assert _box(tagged_services, TAGGED_ID) is None


def test_extend_and_resume_from_the_panel(
    qtbot: QtBot, app_harness: AppHarness, fake_services: FakeServices
) -> None:
    app = app_harness.start()
    _open_panel(qtbot, app, 2)
    panel = app.sandboxes.panel
    _select(app, SEED_RUNNING_ID)
    extend = panel.extend_button.findChild(QAction, "extend60Action")
    assert extend is not None
    extend.trigger()
    running = panel.item(SEED_RUNNING_ID)
    assert running is not None
    # 35 minutes left, an hour later: about 1 h 35 min.
    qtbot.waitUntil(lambda: running.text(LEFT_COLUMN).startswith("1:3"), timeout=WAIT_MS)
    slugs = [slug for slug, _ in fake_services.e2b.calls]
    assert "E2B_SET_SANDBOX_TIMEOUT" in slugs
    _select(app, SEED_PAUSED_ID)
    _click(qtbot, panel, "resumeSandboxButton")
    qtbot.waitUntil(
        lambda: (_box(fake_services, SEED_PAUSED_ID) or {}).get("state") == "running",
        timeout=WAIT_MS,
    )
    paused = panel.item(SEED_PAUSED_ID)
    assert paused is not None
    qtbot.waitUntil(lambda: paused.text(LEFT_COLUMN) != "paused", timeout=WAIT_MS)
    assert fake_services.openai.requests == []


def test_an_action_that_fails_is_said_in_a_sentence(
    qtbot: QtBot, app_harness: AppHarness, fake_services: FakeServices
) -> None:
    app = app_harness.start()
    _open_panel(qtbot, app, 2)
    panel = app.sandboxes.panel
    _select(app, SEED_PAUSED_ID)
    extend = panel.extend_button.findChild(QAction, "extend15Action")
    assert extend is not None
    extend.trigger()
    qtbot.waitUntil(lambda: panel.error_label.isVisibleTo(panel), timeout=WAIT_MS)
    assert panel.error_label.text().startswith(f"Sandbox {SEED_PAUSED_ID} is paused: resume it")
    assert not panel.connect_button.isVisibleTo(panel)
    assert panel.list.topLevelItemCount() == 2  # the list stays as it was


def test_quitting_while_e2b_is_slow_asks_from_the_last_list(
    qtbot: QtBot, app_harness: AppHarness, tagged_services: FakeServices
) -> None:
    app_harness.services = tagged_services
    app = app_harness.start()
    _open_panel(qtbot, app, 2)
    tagged_services.composio.behaviour.tool_delay = QUIT_READ_SECONDS + 5
    app.window.quit_action.trigger()
    box = _dialog(qtbot, app, "sandboxQuitQuestion")
    assert box.text().startswith("1 sandbox this app created is still running")
    assert box.text().endswith("This is from the last list read: E2B did not answer within 5 s.")
    tagged_services.composio.behaviour.tool_delay = 0
    _click(qtbot, box, "keepSandboxesButton")
    qtbot.waitUntil(app._quit.is_set, timeout=WAIT_MS)


def test_a_list_cell_from_outside_is_cut_and_inert() -> None:
    from desktop.core.sandboxes.shown import CELL_CHARS, cell

    hostile = "owner=\x1b]52;c;ZXZpbA==\x07\x1b[2J\u202eevil " + "x" * 1_000_000
    shown = cell(hostile)
    assert len(shown) <= CELL_CHARS + 40  # written-out escapes add a few characters
    assert "\x1b" not in shown and "\u202e" not in shown and "\x07" not in shown
    assert shown.startswith("owner=")
