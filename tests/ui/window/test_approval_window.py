"""The approval path through the real window: controller -> window -> card -> the turn's decide."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton
from pytestqt.qtbot import QtBot

from desktop.core.agent.events import (
    ApprovalRequested,
    ApprovalResolved,
    ToolAction,
    ToolCallStarted,
)
from desktop.core.config.sandbox_rates import SandboxRates
from desktop.core.config.settings import Settings
from desktop.core.consent.approvals import Decision, Outcome, PendingCall, Scope
from desktop.core.consent.policy import actions_of
from desktop.core.conversations.transcript import ToolCallItem, UserItem
from desktop.core.store.records import ToolCardRecord
from desktop.ui.chat.approval_card import ApprovalCardWidget
from desktop.ui.chat.tool_card import ToolCardWidget
from desktop.ui.window.main_window import MainWindow
from tests.ui.fakes import FakeBackend
from tests.ui.window.test_main_window import send

RATES = SandboxRates.of(Settings())  # E2B's published prices, the settings' default

ARGUMENTS = {"templateID": "base", "timeout": 600}
CREATE = PendingCall(
    "c1",
    "E2B_CREATE_SANDBOX",
    ARGUMENTS,
    actions_of("E2B_CREATE_SANDBOX", ARGUMENTS),
    (True,),
)


def card_of(window: MainWindow) -> ApprovalCardWidget | None:
    cards = window.chat_view.findChildren(ApprovalCardWidget, "approvalCard")
    return cards[-1] if cards else None


def test_approve_in_the_window_answers_the_turn(
    qtbot: QtBot, app_window: MainWindow, fake_backend: FakeBackend
) -> None:
    window = app_window
    send(qtbot, window, "start a sandbox")
    qtbot.waitUntil(lambda: bool(fake_backend.streams))
    stream = fake_backend.stream
    stream.push(ToolCallStarted("c1", "E2B_CREATE_SANDBOX", ARGUMENTS, ()))
    stream.push(ApprovalRequested((CREATE,), RATES))
    qtbot.waitUntil(lambda: card_of(window) is not None)
    card = card_of(window)
    assert card is not None
    [tool_card] = window.chat_view.findChildren(ToolCardWidget, "toolCard")
    assert tool_card.outcome_label.text() == "Waiting for you"  # not "Running": nothing runs
    button = card.findChild(QPushButton, "approveButton")
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(stream.decisions))
    assert stream.decisions == [(Decision("c1", {0: Scope.ONCE}),)]
    stream.push(ApprovalResolved((Outcome("c1", (0,), (), note="Approved by you"),)))
    qtbot.waitUntil(lambda: tool_card.outcome_label.text() == "Running")
    assert tool_card.consent_label.text() == "Approved by you"  # the tool card says who
    stream.finish("Started.")
    qtbot.waitUntil(lambda: not window.busy)
    assert card.status_text == "Approved by you"


def test_a_reopened_card_says_who_decided(qtbot: QtBot, app_window: MainWindow) -> None:
    record = ToolCardRecord(
        call_id="c1",
        tool_name="COMPOSIO_MULTI_EXECUTE_TOOL",
        actions=(ToolAction("E2B_DELETE_SANDBOXES", {"sandbox_id": "sbx_a"}),),
        outcome="denied",
        result_text="The user did not allow this.",
        consent="Denied by you: keep it",
    )
    app_window.show_history([UserItem("kill it"), ToolCallItem(record)])
    [tool_card] = app_window.chat_view.findChildren(ToolCardWidget, "toolCard")
    assert tool_card.consent_label.text() == "Denied by you: keep it"
    assert not tool_card.consent_label.isHidden()


def test_stop_while_the_card_waits(
    qtbot: QtBot, app_window: MainWindow, fake_backend: FakeBackend
) -> None:
    window = app_window
    send(qtbot, window, "start a sandbox")
    qtbot.waitUntil(lambda: bool(fake_backend.streams))
    fake_backend.stream.push(ToolCallStarted("c1", "E2B_CREATE_SANDBOX", ARGUMENTS, ()))
    fake_backend.stream.push(ApprovalRequested((CREATE,), RATES))
    qtbot.waitUntil(lambda: card_of(window) is not None)
    qtbot.mouseClick(window.stop_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.busy)
    card = card_of(window)
    assert card is not None and card.status_text == "Not run: stopped"
    [tool_card] = window.chat_view.findChildren(ToolCardWidget, "toolCard")
    assert tool_card.consent_label.text() == "Not run: stopped"  # the tool card says so too
    assert not card.approve_button.isEnabled()
    assert fake_backend.stream.decisions == []
