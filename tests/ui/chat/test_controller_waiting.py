"""The controller knows when its running turn waits for a person's decision, and says so."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from desktop.core.agent.events import (
    ApprovalRequested,
    ApprovalResolved,
    TurnCancelled,
    TurnFailed,
)
from desktop.core.config.sandbox_rates import SandboxRates
from desktop.core.config.settings import Settings
from desktop.core.consent.approvals import Decision, Outcome, PendingCall, Scope
from desktop.core.consent.policy import actions_of
from desktop.core.errors import ErrorKind
from desktop.ui.chat.controller import ChatController
from tests.ui.fakes import FakeBackend, wait_for_event

RATES = SandboxRates.of(Settings())  # E2B's published prices, the settings' default

ARGUMENTS = {"templateID": "base"}
CREATE = PendingCall(
    "c1", "E2B_CREATE_SANDBOX", ARGUMENTS, actions_of("E2B_CREATE_SANDBOX", ARGUMENTS), (True,)
)


def ask(qtbot: QtBot, controller: ChatController, fake_backend: FakeBackend) -> list[bool]:
    """Send a prompt whose turn asks for consent; every waiting_changed after that."""
    changes: list[bool] = []
    controller.waiting_changed.connect(changes.append)
    controller.send("start a sandbox")
    qtbot.waitUntil(lambda: bool(fake_backend.streams))
    assert not controller.waiting_for_decision
    fake_backend.stream.push(ApprovalRequested((CREATE,), RATES))
    qtbot.waitUntil(lambda: controller.waiting_for_decision)
    return changes


def test_waiting_from_the_request_until_the_decision_and_again_for_the_next(
    qtbot: QtBot, controller: ChatController, fake_backend: FakeBackend
) -> None:
    changes = ask(qtbot, controller, fake_backend)
    assert changes == [True]
    assert controller.leaves_decision(None)  # a new chat, or closing
    assert controller.leaves_decision("another")
    controller.decide((Decision("c1", {0: Scope.ONCE}),))
    assert not controller.waiting_for_decision and changes == [True, False]
    stream = fake_backend.stream
    stream.push(ApprovalResolved((Outcome("c1", (0,), (), note="Approved by you"),)))
    stream.push(ApprovalRequested((CREATE,), RATES))  # the agent asks again within the same turn
    qtbot.waitUntil(lambda: controller.waiting_for_decision)
    stream.finish("Done.")
    qtbot.waitUntil(lambda: not controller.busy)
    assert changes == [True, False, True, False]
    assert not controller.leaves_decision(None)


def test_stop_ends_the_wait_at_once(
    qtbot: QtBot, controller: ChatController, fake_backend: FakeBackend
) -> None:
    changes = ask(qtbot, controller, fake_backend)
    with wait_for_event(qtbot, controller, TurnCancelled):
        controller.stop()
        assert not controller.waiting_for_decision  # before the stream has answered
    assert changes == [True, False]
    assert fake_backend.stream.decisions == []


def test_a_turn_that_fails_while_waiting_is_no_longer_waiting(
    qtbot: QtBot, controller: ChatController, fake_backend: FakeBackend
) -> None:
    changes = ask(qtbot, controller, fake_backend)
    fake_backend.stream.push(TurnFailed(ErrorKind.UNEXPECTED, "broke"))
    qtbot.waitUntil(lambda: not controller.busy)
    assert changes == [True, False]


def test_leaving_the_conversation_ends_the_wait(
    qtbot: QtBot, controller: ChatController, fake_backend: FakeBackend
) -> None:
    changes = ask(qtbot, controller, fake_backend)
    controller.new_conversation()
    assert not controller.waiting_for_decision and changes == [True, False]
    qtbot.waitUntil(lambda: not controller.busy)
    assert fake_backend.stream.cancel_calls == 1
