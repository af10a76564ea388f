"""The window wired to a controller over a scripted backend: what a person sees and presses."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractButton, QLineEdit, QPlainTextEdit, QWidget
from pytestqt.qtbot import QtBot

from desktop.core.agent.events import (
    TextDelta,
    ToolAction,
    ToolCallFinished,
    ToolCallStarted,
    TurnFailed,
)
from desktop.core.conversations.backend import ConnectionState, ConnectionStatus, ServiceStatus
from desktop.core.conversations.history import STOPPED_NOTICE
from desktop.core.errors import ErrorKind, Service
from desktop.ui.chat.chat_view import ChatView
from desktop.ui.chat.controller import ChatController
from desktop.ui.chat.message_widget import (
    AssistantMessageWidget,
    ErrorWidget,
    NoticeWidget,
    UserMessageWidget,
)
from desktop.ui.chat.tool_card import ToolCardWidget
from desktop.ui.window.main_window import MainWindow
from tests.ui.fakes import FakeBackend


def send(qtbot: QtBot, window: MainWindow, text: str) -> None:
    window.message_input.setFocus()
    qtbot.keyClicks(window.message_input, text)
    qtbot.keyClick(window.message_input, Qt.Key.Key_Return)


def activate(qtbot: QtBot, window: MainWindow) -> None:
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)


def test_object_names_and_accessible_names(window: MainWindow) -> None:
    for name, kind in [
        ("chatView", ChatView),
        ("messageInput", QPlainTextEdit),
        ("sendButton", QAbstractButton),
        ("stopButton", QAbstractButton),
        ("newChatButton", QAbstractButton),
        ("settingsButton", QAbstractButton),
        ("menuButton", QAbstractButton),
        ("mainSplitter", QWidget),
        ("modelSwitcher", QWidget),
        ("statusConnectionLabel", QWidget),
        ("statusModelServer", QWidget),
        ("statusComposio", QWidget),
        ("statusToolRouter", QWidget),
        ("statusMessage", QWidget),
    ]:
        widget = window.findChild(kind, name)
        assert widget is not None, name
    for control in [*window.findChildren(QAbstractButton), window.message_input]:
        assert control.accessibleName(), control.objectName()


def test_tab_order_runs_from_the_input_through_the_buttons(
    qtbot: QtBot, window: MainWindow
) -> None:
    def chain() -> list[str]:
        names = []
        widget: QWidget = window.message_input
        for _ in range(5):
            widget = widget.nextInFocusChain()
            while not (
                widget.focusPolicy() & Qt.FocusPolicy.TabFocus
                and widget.isEnabled()
                and widget.isVisible()
            ):
                widget = widget.nextInFocusChain()
            names.append(widget.objectName())
        return names

    assert chain()[0] == "newChatButton"  # nothing to send: Send is disabled
    qtbot.keyClicks(window.message_input, "list them")
    assert chain() == ["sendButton", "newChatButton", "settingsButton", "menuButton", "chatView"]
    window.set_busy(True)
    assert chain() == ["stopButton", "newChatButton", "settingsButton", "menuButton", "chatView"]


def test_a_whole_turn(qtbot: QtBot, app_window: MainWindow, fake_backend: FakeBackend) -> None:
    window = app_window
    send(qtbot, window, "list my sandboxes")
    qtbot.waitUntil(lambda: bool(fake_backend.streams))
    assert window.message_input.toPlainText() == ""  # accepted: moved into the chat
    assert window.stop_button.isEnabled() and not window.send_button.isEnabled()
    stream = fake_backend.stream
    stream.push(
        ToolCallStarted(
            "c1",
            "COMPOSIO_MULTI_EXECUTE_TOOL",
            {},
            (ToolAction("E2B_LIST_ALL_SANDBOXES", {"limit": 5}),),
        )
    )
    qtbot.waitUntil(lambda: window.chat_view.tool_card("c1") is not None)
    stream.push(ToolCallFinished("c1", "COMPOSIO_MULTI_EXECUTE_TOOL", "success", "[]"))
    stream.push(TextDelta("You have "), TextDelta("**no** sandboxes."))
    stream.finish()
    qtbot.waitUntil(lambda: not window.busy)
    entries = window.chat_view.entries()
    assert [type(e) for e in entries] == [UserMessageWidget, ToolCardWidget, AssistantMessageWidget]
    user, card, reply = entries
    assert isinstance(user, UserMessageWidget) and user.text == "list my sandboxes"
    assert isinstance(card, ToolCardWidget) and card.outcome == "success"
    assert isinstance(reply, AssistantMessageWidget)
    assert reply.plain_text() == "You have no sandboxes."
    assert not window.stop_button.isEnabled()
    assert window.send_button.isVisible() and not window.send_button.isEnabled()  # empty box
    qtbot.keyClicks(window.message_input, "and now?")
    assert window.send_button.isEnabled()


def test_typing_a_prompt_loads_the_agent_before_it_is_sent(
    qtbot: QtBot, app_window: MainWindow, fake_backend: FakeBackend
) -> None:
    window = app_window
    started: list[None] = []
    window.composing_started.connect(lambda: started.append(None))
    window.message_input.clear()
    assert started == []  # an empty box is not a prompt
    QTest.keyClicks(window.message_input, "li")
    assert len(started) == 2  # every keystroke says so; the controller loads once
    qtbot.waitUntil(lambda: fake_backend.connects == 1)
    assert fake_backend.streams == []  # nothing sent yet


def test_stop_mid_stream_keeps_the_partial_reply(
    qtbot: QtBot, app_window: MainWindow, fake_backend: FakeBackend
) -> None:
    window = app_window
    send(qtbot, window, "tell me a story")
    qtbot.waitUntil(lambda: bool(fake_backend.streams))
    fake_backend.stream.push(TextDelta("Once upon a time"))
    qtbot.waitUntil(lambda: window.chat_view.streaming_message is not None)
    qtbot.mouseClick(window.stop_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.busy)
    entries = window.chat_view.entries()
    reply = entries[1]
    assert isinstance(reply, AssistantMessageWidget)
    assert reply.plain_text() == "Once upon a time"
    assert isinstance(entries[-1], NoticeWidget) and entries[-1].text() == STOPPED_NOTICE
    assert window.message_input.isEnabled() and window.send_button.isVisible()
    send(qtbot, window, "again")  # input works again
    qtbot.waitUntil(lambda: len(fake_backend.streams) == 2)


def test_escape_stops_the_turn(
    qtbot: QtBot, app_window: MainWindow, fake_backend: FakeBackend
) -> None:
    window = app_window
    activate(qtbot, window)
    send(qtbot, window, "go")
    qtbot.waitUntil(lambda: bool(fake_backend.streams))
    with qtbot.waitSignal(window.stop_requested):
        qtbot.keyClick(window.message_input, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not window.busy)
    assert fake_backend.stream.cancel_calls == 1


def test_escape_does_nothing_when_idle(qtbot: QtBot, window: MainWindow) -> None:
    activate(qtbot, window)
    with qtbot.assertNotEmitted(window.stop_requested):
        qtbot.keyClick(window.message_input, Qt.Key.Key_Escape)
    assert not window.stop_button.isEnabled()


def test_errors_show_inline_under_the_partial_reply(
    qtbot: QtBot, app_window: MainWindow, fake_backend: FakeBackend
) -> None:
    window = app_window
    send(qtbot, window, "go")
    qtbot.waitUntil(lambda: bool(fake_backend.streams))
    fake_backend.stream.push(TextDelta("Working on it"))
    fake_backend.stream.push(TurnFailed(ErrorKind.SERVER_ERROR, "OpenAI had a server error (500)."))
    qtbot.waitUntil(lambda: not window.busy)
    entries = window.chat_view.entries()
    assert [type(e) for e in entries] == [UserMessageWidget, AssistantMessageWidget, ErrorWidget]
    reply, error = entries[1], entries[2]
    assert isinstance(reply, AssistantMessageWidget) and reply.plain_text() == "Working on it"
    assert isinstance(error, ErrorWidget)
    assert error.label.text() == "OpenAI had a server error (500)."


def test_refused_send_keeps_the_input(
    qtbot: QtBot, app_window: MainWindow, fake_backend: FakeBackend
) -> None:
    window = app_window
    send(qtbot, window, "first")
    qtbot.waitUntil(lambda: bool(fake_backend.streams))
    send(qtbot, window, "second")
    assert window.message_input.toPlainText() == "second"
    assert not window.composer_hint.isHidden()
    assert "Stop" in window.composer_hint.text()
    assert len(window.chat_view.entries()) == 1


def test_model_html_and_scripts_render_as_text(
    qtbot: QtBot, app_window: MainWindow, fake_backend: FakeBackend
) -> None:
    window = app_window
    send(qtbot, window, "go")
    qtbot.waitUntil(lambda: bool(fake_backend.streams))
    hostile = 'Look: <script>alert("x")</script> <img src="http://evil.example/t.png">'
    fake_backend.stream.push(TextDelta(hostile))
    fake_backend.stream.finish()
    qtbot.waitUntil(lambda: not window.busy)
    reply = window.chat_view.entries()[1]
    assert isinstance(reply, AssistantMessageWidget)
    reply.view.grab()  # paint it: any resource would be requested now
    assert reply.plain_text() == hostile
    assert reply.document.refused_resources == []


def test_ctrl_n_starts_a_new_chat(
    qtbot: QtBot, app_window: MainWindow, fake_backend: FakeBackend
) -> None:
    window = app_window
    activate(qtbot, window)
    send(qtbot, window, "hi")
    qtbot.waitUntil(lambda: bool(fake_backend.streams))
    fake_backend.stream.finish("hello")
    qtbot.waitUntil(lambda: not window.busy)
    with qtbot.waitSignal(window.new_chat_requested):
        qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.chat_view.entries() == [])
    assert fake_backend.new_conversations == 1


def test_shortcuts_for_settings_and_quit(qtbot: QtBot, window: MainWindow) -> None:
    activate(qtbot, window)
    with qtbot.waitSignal(window.settings_requested):
        qtbot.keyClick(window, Qt.Key.Key_Comma, Qt.KeyboardModifier.ControlModifier)
    with qtbot.waitSignal(window.quit_requested):
        qtbot.keyClick(window, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    with qtbot.waitSignal(window.settings_requested):
        qtbot.mouseClick(window.settings_button, Qt.MouseButton.LeftButton)


def test_closing_asks_the_composition_root(qtbot: QtBot, window: MainWindow) -> None:
    with qtbot.waitSignal(window.close_requested):
        window.close()
    assert window.isVisible()
    window.close_for_good()
    assert not window.isVisible()


def test_status_bar_shows_model_and_connection(
    qtbot: QtBot, window: MainWindow, controller: ChatController, fake_backend: FakeBackend
) -> None:
    bar = window.connection_status
    label = bar.label
    window.set_model_name("openai:gpt-5-mini")
    assert window.model_switcher.currentText() == "openai:gpt-5-mini"

    def shown() -> list[str]:
        return [bar.services[service].text for service in Service]

    window.set_connection_status(ConnectionStatus(ConnectionState.NOT_CONFIGURED))
    assert shown() == [
        "Model server: not set up",
        "Composio: not set up",
        "Tool Router: not set up",
    ]
    window.set_connection_status(ConnectionStatus(ConnectionState.CONNECTING))
    assert shown()[1:] == ["Composio: connecting…", "Tool Router: connecting…"]
    assert label.isHidden()
    rejected = ServiceStatus(Service.COMPOSIO, ConnectionState.ERROR, "Composio rejected <b>x</b>")
    window.set_connection_status(
        ConnectionStatus(
            ConnectionState.ERROR,
            rejected.detail,
            services=(
                ServiceStatus(Service.MODEL, ConnectionState.UNKNOWN),
                rejected,
                ServiceStatus(Service.TOOL_ROUTER, ConnectionState.UNKNOWN),
            ),
        )
    )
    assert shown() == [
        "Model server: not checked",
        "Composio: error",
        "Tool Router: not checked",
    ]
    assert label.text() == "Composio rejected <b>x</b>" and not label.isHidden()
    assert label.textFormat() == Qt.TextFormat.PlainText
    assert "&lt;b&gt;" in bar.services[Service.COMPOSIO].toolTip()
    ready = ConnectionStatus(
        ConnectionState.READY,
        "7 tools",
        services=(
            ServiceStatus(Service.MODEL, ConnectionState.READY),
            ServiceStatus(Service.COMPOSIO, ConnectionState.READY),
            ServiceStatus(Service.TOOL_ROUTER, ConnectionState.READY, "7 tools"),
        ),
    )
    window.set_connection_status(ready)
    assert shown() == ["Model server: ready", "Composio: ready", "Tool Router: 7 tools"]
    assert label.isHidden()


def test_a_passing_message_leaves_the_connection_state_in_view(
    qtbot: QtBot, window: MainWindow
) -> None:
    """Issue 10, item 18: "Exported to..." hid the connection state (QStatusBar.showMessage)."""
    window.show()
    qtbot.waitExposed(window)
    window.set_connection_status(ConnectionStatus(ConnectionState.CONNECTING))
    window.show_message("Exported to /tmp/chat.md")
    message = window.status_bar.message_label
    assert message.text() == "Exported to /tmp/chat.md" and message.isVisible()
    assert window.connection_status.isVisible()
    assert window.connection_status.services[Service.COMPOSIO].isVisible()
    assert window.status_bar.currentMessage() == ""
    window.status_bar.message_timer.timeout.emit()  # its few seconds are up
    assert message.text() == ""
    assert window.connection_status.isVisible()


def test_sidebar_goes_left_of_the_chat(window: MainWindow) -> None:
    sidebar = QLineEdit()
    sidebar.setObjectName("conversationList")
    window.set_sidebar(sidebar)
    assert window.splitter.widget(0) is sidebar
    assert window.splitter.widget(1).findChild(ChatView, "chatView") is window.chat_view
