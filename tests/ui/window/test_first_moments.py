"""A new user's first moments (issue 10, items 13, 15 and 18): a prompt sent before the window
is wired is held and sent, the chat says what it waits for, Send only with something to send,
and the chat's buttons leave the focus in the message box."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop.core.agent.events import (
    TextDelta,
    ToolAction,
    ToolCallFinished,
    ToolCallStarted,
    TurnFinished,
)
from desktop.ui.chat.activity import ACTIVITY_TEXT, Activity
from desktop.ui.chat.controller import ChatController
from desktop.ui.chat.message_widget import UserMessageWidget
from desktop.ui.messages import CONFIGURE_FIRST
from desktop.ui.window.main_window import MainWindow
from desktop.ui.window.wiring import connect_window
from tests.ui.fakes import FakeBackend

LOADING, THINKING = ACTIVITY_TEXT[Activity.LOADING], ACTIVITY_TEXT[Activity.THINKING]


@pytest.fixture
def fresh_window(qtbot: QtBot, styled_app: QApplication) -> Iterator[MainWindow]:
    """The window as the first paint shows it: not wired, the app not started."""
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    yield window
    window.close_for_good()


def type_and_send(qtbot: QtBot, window: MainWindow, text: str) -> None:
    window.message_input.setFocus()
    qtbot.keyClicks(window.message_input, text)
    qtbot.keyClick(window.message_input, Qt.Key.Key_Return)


def user_texts(window: MainWindow) -> list[str]:
    return [e.text for e in window.chat_view.entries() if isinstance(e, UserMessageWidget)]


def test_a_prompt_sent_before_the_window_is_wired_is_held_then_sent(
    qtbot: QtBot, fresh_window: MainWindow, controller: ChatController, fake_backend: FakeBackend
) -> None:
    window = fresh_window
    type_and_send(qtbot, window, "list my sandboxes")
    # Accepted and shown waiting, not dropped: the bubble, "Loading the agent…", an empty box.
    assert window.held_prompt == "list my sandboxes"
    held = window.chat_view.activity.held
    assert held is not None and held.text == "list my sandboxes" and held.isVisible()
    assert window.chat_view.activity.text == LOADING
    assert window.message_input.toPlainText() == ""
    assert not window.send_button.isEnabled()
    type_and_send(qtbot, window, "second")  # one waits already: this one stays in the box
    assert window.held_prompt == "list my sandboxes"
    assert window.message_input.toPlainText() == "second"

    connect_window(window, controller)  # what DesktopApp does once qasync is up
    controller.connect_backend()
    window.set_ready()  # the end of DesktopApp.start()
    qtbot.waitUntil(lambda: bool(fake_backend.streams))
    assert fake_backend.stream.prompt == "list my sandboxes"
    assert user_texts(window) == ["list my sandboxes"]
    assert window.chat_view.activity.held is None
    assert window.message_input.toPlainText() == "second"  # what was typed meanwhile stays
    fake_backend.stream.push(TextDelta("None running."))
    fake_backend.stream.finish()
    qtbot.waitUntil(lambda: not window.busy)


def test_a_held_prompt_the_app_cannot_send_goes_back_to_the_box(
    qtbot: QtBot, fresh_window: MainWindow, qasync_loop: object
) -> None:
    window = fresh_window
    type_and_send(qtbot, window, "hello")
    unconfigured = ChatController(None, window)
    connect_window(window, unconfigured)
    unconfigured.connect_backend()
    window.set_ready()
    assert window.message_input.toPlainText() == "hello"  # nothing lost
    assert window.composer_hint.text() == CONFIGURE_FIRST and window.composer_hint.isVisible()
    assert window.chat_view.activity.held is None and user_texts(window) == []
    assert window.send_button.isEnabled()


def test_the_chat_says_loading_then_thinking_then_shows_the_reply(
    qtbot: QtBot, app_window: MainWindow, fake_backend: FakeBackend
) -> None:
    window = app_window
    activity = window.chat_view.activity
    gate = fake_backend.connect_gate = asyncio.Event()  # the agent takes its time to load
    type_and_send(qtbot, window, "create a sandbox")
    assert activity.text == LOADING  # at once, before anything came back
    assert activity.isVisible()
    gate.set()
    qtbot.waitUntil(lambda: bool(fake_backend.streams))
    assert activity.text == THINKING
    stream = fake_backend.stream
    call = ToolCallStarted("c1", "COMPOSIO_MULTI_EXECUTE_TOOL", {}, (ToolAction("E2B_X", {}),))
    stream.push(call)
    qtbot.waitUntil(lambda: window.chat_view.tool_card("c1") is not None)
    assert activity.text == "" and not activity.isVisible()  # the card shows progress
    stream.push(ToolCallFinished("c1", "COMPOSIO_MULTI_EXECUTE_TOOL", "success", "{}"))
    qtbot.waitUntil(lambda: activity.text == THINKING)  # the model reads the result
    stream.push(TextDelta("Created."))
    qtbot.waitUntil(lambda: window.chat_view.streaming_message is not None)
    assert not activity.isVisible()
    stream.finish()
    qtbot.waitUntil(lambda: not window.busy)
    assert not activity.isVisible()


def test_a_loaded_agent_thinks_at_once(
    qtbot: QtBot, app_window: MainWindow, controller: ChatController, fake_backend: FakeBackend
) -> None:
    controller.prepare_agent()
    qtbot.waitUntil(lambda: controller.agent_ready)
    fake_backend.scripts.append([TurnFinished("Hi.", _usage())])
    type_and_send(qtbot, app_window, "hi")
    assert app_window.chat_view.activity.text == THINKING
    qtbot.waitUntil(lambda: not app_window.busy)
    assert not app_window.chat_view.activity.isVisible()


def _usage() -> object:
    from pydantic_ai.usage import RunUsage

    return RunUsage()


@pytest.mark.parametrize("text", ["", " ", "  \n\t ", "\u3000"])
def test_send_is_disabled_while_the_box_is_empty_or_blank(
    qtbot: QtBot, window: MainWindow, text: str
) -> None:
    window.message_input.setPlainText(text)
    assert not window.send_button.isEnabled()
    sent: list[str] = []
    window.send_requested.connect(sent.append)
    qtbot.mouseClick(window.send_button, Qt.MouseButton.LeftButton)
    qtbot.keyClick(window.message_input, Qt.Key.Key_Return)
    assert sent == []
    qtbot.keyClicks(window.message_input, "x")
    assert window.send_button.isEnabled()
    window.set_busy(True)
    assert not window.send_button.isEnabled()


def test_clicking_the_chats_buttons_leaves_the_typing_in_the_box(
    qtbot: QtBot, app_window: MainWindow, fake_backend: FakeBackend
) -> None:
    """Issue 10, item 18: "Show result" took the focus, and what was typed next was lost."""
    window = app_window
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    type_and_send(qtbot, window, "list")
    qtbot.waitUntil(lambda: bool(fake_backend.streams))
    started = ToolCallStarted("c1", "COMPOSIO_MULTI_EXECUTE_TOOL", {}, (ToolAction("E2B_X", {}),))
    fake_backend.stream.push(started)
    fake_backend.stream.push(ToolCallFinished("c1", "COMPOSIO_MULTI_EXECUTE_TOOL", "success", "x"))
    fake_backend.stream.push(TextDelta("Done."))
    fake_backend.stream.finish()
    qtbot.waitUntil(lambda: not window.busy)
    card = window.chat_view.tool_card("c1")
    assert card is not None
    window.message_input.setFocus()
    qtbot.keyClicks(window.message_input, "next ")
    buttons = [card.toggle_button, window.chat_view.regenerate_button]
    reply = window.chat_view.entries()[-1]
    buttons.append(reply.copy_button)  # type: ignore[union-attr]
    for button in buttons:
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        focused = QApplication.focusWidget()
        assert window.message_input.hasFocus(), (button.objectName(), focused)
    qtbot.keyClicks(window.message_input, "question")
    assert window.message_input.toPlainText() == "next question"
    assert card.is_expanded  # the click did what it says
    assert card.toggle_button.focusPolicy() & Qt.FocusPolicy.TabFocus  # Tab still reaches it


@pytest.mark.qt_log_ignore("This plugin does not support")  # a popup on the offscreen platform
def test_the_more_menu_opens_inside_the_window(qtbot: QtBot, window: MainWindow) -> None:
    """Issue 10, item 18: the "⋯" menu at the window's right edge opened past it."""
    window.setGeometry(20, 20, 720, 520)  # inside the offscreen screen (800 x 600)
    qtbot.waitUntil(lambda: window.width() == 720)
    button, menu = window.menu_button, window.menu_button.menu()
    assert menu is not None
    # Where QToolButton opens its menu: under the button's left edge.
    menu.popup(button.mapToGlobal(QPoint(0, button.height())))
    qtbot.waitUntil(menu.isVisible)
    window_rect = window.geometry()
    placed = menu.geometry()
    assert placed.right() <= window_rect.right(), (placed, window_rect)
    assert placed.left() >= window_rect.left()
    button_right = button.mapToGlobal(QPoint(button.width(), 0)).x()
    assert placed.right() == button_right - 1
    menu.close()


def test_stop_while_the_agent_loads_ends_the_turn_without_waiting_for_it(
    qtbot: QtBot, window: MainWindow, qasync_loop: object, fake_backend: FakeBackend
) -> None:
    """Nothing has run while the agent loads: Stop ends the turn then, not after the agent
    (or a grace period, made endless here) is done."""
    controller = ChatController(lambda: fake_backend, window, stop_grace_ms=3_600_000)
    connect_window(window, controller)
    controller.connect_backend()
    qtbot.waitUntil(lambda: controller.connection_status.state.value == "ready")
    fake_backend.connect_gate = asyncio.Event()  # the agent never finishes loading
    type_and_send(qtbot, window, "hello")
    assert window.chat_view.activity.text == LOADING
    qtbot.keyClick(window.message_input, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not window.busy)
    assert not window.chat_view.activity.isVisible()
    assert fake_backend.streams == []  # the model was never asked
    assert user_texts(window) == ["hello"]
