"""A conversation waiting for a decision: the window title and the sidebar say so, and leaving it
(another conversation, a new chat, closing) asks first: deny and leave, or stay."""

from __future__ import annotations

import asyncio

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QListView, QMessageBox, QPushButton
from pytestqt.qtbot import QtBot

from desktop.core.agent.events import ApprovalRequested, ApprovalResolved, TextDelta
from desktop.core.config.sandbox_rates import SandboxRates
from desktop.core.config.settings import Settings
from desktop.core.consent.approvals import Outcome, PendingCall
from desktop.core.consent.policy import actions_of
from desktop.core.store.sqlite import ConversationStore
from desktop.desktop_app import DesktopApp
from desktop.paths import AppPaths
from desktop.ui.sidebar.conversation_model import WAITING_ROLE
from desktop.ui.window.header import WAITING_MARK
from desktop.ui.window.main_window import MainWindow
from tests.fakes.harness import FakeServices
from tests.ui.app_support import WAIT_MS, AppHarness, seed, shown_prompts, sidebar_titles
from tests.ui.fakes import FakeBackend
from tests.ui.window.test_approval_window import card_of
from tests.ui.window.test_main_window import activate, send

RATES = SandboxRates.of(Settings())  # E2B's published prices, the settings' default

ARGUMENTS = {"templateID": "base", "timeout": 600}
CREATE = PendingCall(
    "c1", "E2B_CREATE_SANDBOX", ARGUMENTS, actions_of("E2B_CREATE_SANDBOX", ARGUMENTS), (True,)
)
SANDBOX_PROMPT = "Start a sandbox from the base template"


def leave_dialog(window: MainWindow) -> QMessageBox | None:
    for box in window.findChildren(QMessageBox, "leaveWhileWaitingDialog"):
        if box.isVisible():
            return box
    return None


def answer(qtbot: QtBot, window: MainWindow, button: str) -> None:
    """Wait for the question and click `button` (stayButton or denyAndLeaveButton)."""
    qtbot.waitUntil(lambda: leave_dialog(window) is not None)
    box = leave_dialog(window)
    assert box is not None
    assert box.defaultButton() is box.findChild(QPushButton, "stayButton")  # Enter stays
    qtbot.mouseClick(box.findChild(QPushButton, button), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: leave_dialog(window) is None)


def wait_for_card(qtbot: QtBot, window: MainWindow, fake_backend: FakeBackend) -> None:
    send(qtbot, window, "start a sandbox")
    qtbot.waitUntil(lambda: bool(fake_backend.streams))
    fake_backend.stream.push(TextDelta("Starting one."), ApprovalRequested((CREATE,), RATES))
    qtbot.waitUntil(lambda: card_of(window) is not None)


def test_the_title_says_a_decision_waits_until_it_is_made_or_stopped(
    qtbot: QtBot, app_window: MainWindow, fake_backend: FakeBackend
) -> None:
    window = app_window
    window.set_conversation_title("Sandbox audit")
    assert window.windowTitle() == "Sandbox audit — E2B Agent"
    wait_for_card(qtbot, window, fake_backend)
    assert window.windowTitle() == f"{WAITING_MARK} — Sandbox audit — E2B Agent"
    assert window.windowTitle().startswith("⏸ Waiting for your decision")
    window.set_conversation_title("Renamed")  # a rename keeps the mark
    assert window.windowTitle() == f"{WAITING_MARK} — Renamed — E2B Agent"
    card = card_of(window)
    assert card is not None
    qtbot.mouseClick(card.approve_button, Qt.MouseButton.LeftButton)
    assert window.windowTitle() == "Renamed — E2B Agent"
    stream = fake_backend.stream
    stream.push(ApprovalResolved((Outcome("c1", (0,), (), note="Approved by you"),)))
    stream.push(ApprovalRequested((CREATE,), RATES))
    qtbot.waitUntil(lambda: window.windowTitle().startswith(WAITING_MARK))
    qtbot.mouseClick(window.stop_button, Qt.MouseButton.LeftButton)
    assert window.windowTitle() == "Renamed — E2B Agent"
    qtbot.waitUntil(lambda: not window.busy)
    window.set_conversation_title(None)
    assert window.windowTitle() == "E2B Agent"


def test_a_new_chat_while_waiting_asks_and_stay_keeps_the_card(
    qtbot: QtBot, app_window: MainWindow, fake_backend: FakeBackend
) -> None:
    window = app_window
    wait_for_card(qtbot, window, fake_backend)
    stream = fake_backend.stream
    activate(qtbot, window)
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    answer(qtbot, window, "stayButton")
    card = card_of(window)
    assert card is not None and card.approve_button.isEnabled()  # still waiting, still there
    assert window.busy and window.windowTitle().startswith(WAITING_MARK)
    assert stream.decisions == [] and stream.cancel_calls == 0

    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    answer(qtbot, window, "denyAndLeaveButton")
    assert stream.cancel_calls == 1 and stream.decisions == []
    assert window.chat_view.entries() == []  # the new chat
    assert not window.windowTitle().startswith(WAITING_MARK)
    qtbot.waitUntil(lambda: not window.busy)
    assert fake_backend.new_conversations == 1


def test_a_new_chat_asks_only_while_a_decision_waits(
    qtbot: QtBot, app_window: MainWindow, fake_backend: FakeBackend
) -> None:
    window = app_window
    send(qtbot, window, "count slowly")
    qtbot.waitUntil(lambda: bool(fake_backend.streams))
    fake_backend.stream.push(TextDelta("one two"))
    qtbot.waitUntil(lambda: window.chat_view.entries() != [] and window.busy)
    window.new_chat_action.trigger()  # a reply streams, nothing waits: as before, no question
    assert leave_dialog(window) is None
    assert window.chat_view.entries() == []
    qtbot.waitUntil(lambda: not window.busy)


# -- the whole app: the sidebar and closing --------------------------------------------------
def _sandbox_card(qtbot: QtBot, app: DesktopApp) -> None:
    field = app.window.message_input
    field.setFocus()
    qtbot.keyClicks(field, SANDBOX_PROMPT)
    qtbot.keyClick(field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: card_of(app.window) is not None, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: app.controller.waiting_for_decision, timeout=WAIT_MS)


def test_switching_in_the_sidebar_while_waiting_asks_first(
    qtbot: QtBot, app_harness: AppHarness, app_paths: AppPaths, fake_services: FakeServices
) -> None:
    other, current = seed(
        app_paths.database_file,
        [("Other", [("other question", "other answer")]), ("Current", [("q", "a")])],
    )
    sandboxes = len(fake_services.e2b.sandboxes())
    app = app_harness.start()
    window = app.window
    qtbot.waitUntil(lambda: shown_prompts(app) == ["q"])
    _sandbox_card(qtbot, app)
    view = window.findChild(QListView, "conversationList")
    assert view is not None
    model = view.model()
    qtbot.waitUntil(lambda: sidebar_titles(app) == ["Current", "Other"], timeout=WAIT_MS)
    assert model.index(0, 0).data(WAITING_ROLE) is True  # the row says it waits
    assert model.index(1, 0).data(WAITING_ROLE) is False
    accessible = str(model.index(0, 0).data(Qt.ItemDataRole.AccessibleTextRole))
    assert accessible.startswith("Current, waiting for your decision, ")
    assert window.windowTitle() == f"{WAITING_MARK} — Current — E2B Agent"

    view.setCurrentIndex(model.index(1, 0))  # "Other", as a click selects it
    answer(qtbot, window, "stayButton")
    assert app.controller.conversation_id == current
    assert view.selectionModel().isSelected(model.index(0, 0))  # back on the one on screen
    assert not view.selectionModel().isSelected(model.index(1, 0))
    assert shown_prompts(app) == ["q", SANDBOX_PROMPT]
    card = card_of(window)
    assert card is not None and card.approve_button.isEnabled()
    assert app.controller.waiting_for_decision

    view.setCurrentIndex(model.index(1, 0))
    answer(qtbot, window, "denyAndLeaveButton")
    qtbot.waitUntil(lambda: shown_prompts(app) == ["other question"], timeout=WAIT_MS)
    qtbot.waitUntil(lambda: not app.controller.busy, timeout=WAIT_MS)
    assert app.controller.conversation_id == other
    assert window.windowTitle() == "Other — E2B Agent"
    qtbot.waitUntil(lambda: sidebar_titles(app) == ["Current", "Other"], timeout=WAIT_MS)
    assert not any(model.index(row, 0).data(WAITING_ROLE) for row in range(2))
    assert len(fake_services.e2b.sandboxes()) == sandboxes  # denied: nothing was started
    with ConversationStore(app_paths.database_file) as store:
        stopped = store.turns(current)[-1]
    assert stopped.prompt == SANDBOX_PROMPT and stopped.status == "cancelled"


def test_closing_while_waiting_asks_and_without_a_decision_does_not(
    qtbot: QtBot, app_harness: AppHarness, fake_services: FakeServices
) -> None:
    sandboxes = len(fake_services.e2b.sandboxes())
    app = app_harness.start(reopen_last=False)
    window = app.window
    _sandbox_card(qtbot, app)
    quit_asked = asyncio.ensure_future(app.wait_for_quit())

    window.close()
    answer(qtbot, window, "stayButton")
    qtbot.wait(50)
    assert not quit_asked.done() and window.isVisible()
    assert app.controller.waiting_for_decision

    window.quit_action.trigger()  # Ctrl+Q asks the same
    answer(qtbot, window, "denyAndLeaveButton")
    qtbot.waitUntil(quit_asked.done)
    assert not app.controller.waiting_for_decision
    app_harness.close(app)
    assert len(fake_services.e2b.sandboxes()) == sandboxes

    again = app_harness.start(reopen_last=False)
    quit_asked = asyncio.ensure_future(again.wait_for_quit())
    again.window.close()  # nothing waits: no question
    qtbot.waitUntil(quit_asked.done)
    assert leave_dialog(again.window) is None


def test_a_search_hit_in_another_conversation_asks_and_one_in_this_does_not(
    qtbot: QtBot, app_harness: AppHarness, app_paths: AppPaths
) -> None:
    other, current = seed(
        app_paths.database_file,
        [("Other", [("the zebra question", "striped")]), ("Current", [("zebra here too", "a")])],
    )
    app = app_harness.start()
    window = app.window
    qtbot.waitUntil(lambda: shown_prompts(app) == ["zebra here too"])
    _sandbox_card(qtbot, app)
    app.sidebar.search_field.setText("zebra")
    results = app.sidebar.results_model
    qtbot.waitUntil(lambda: results.rowCount() == 2, timeout=WAIT_MS)
    row_of = {results.conversation_id(row): row for row in range(2)}
    assert results.index(row_of[current]).data(WAITING_ROLE) is True
    view = app.sidebar.results_view

    view.setCurrentIndex(results.index(row_of[current]))  # its own match: it stays on screen
    qtbot.wait(50)
    assert leave_dialog(window) is None and app.controller.waiting_for_decision

    view.setCurrentIndex(results.index(row_of[other]))
    answer(qtbot, window, "stayButton")
    assert app.controller.conversation_id == current
    assert view.selectionModel().isSelected(results.index(row_of[current]))
    assert app.controller.waiting_for_decision
