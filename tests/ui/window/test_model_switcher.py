"""The window's model switcher (`modelSwitcher`): Settings' model shown, another chosen for the
next turn (not during one), a model string the check refuses said at once, and the finished
reply saying on hover which model wrote it."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox
from pytestqt.qtbot import QtBot

from desktop.core.agent.events import TextDelta, TurnFinished, Usage
from desktop.ui.chat.controller import ChatController
from desktop.ui.chat.message_widget import AssistantMessageWidget
from desktop.ui.window.main_window import MainWindow
from tests.ui.fakes import FakeBackend
from tests.ui.window.test_main_window import send


def test_the_switcher_shows_settings_model_and_offers_each_provider(
    qtbot: QtBot, app_window: MainWindow
) -> None:
    switcher = app_window.findChild(QComboBox, "modelSwitcher")
    assert switcher is app_window.model_switcher and switcher.isVisible()
    assert switcher.accessibleName() == "Model"
    app_window.set_model_name("openai:gpt-5")
    assert switcher.currentText() == "openai:gpt-5"
    items = [switcher.itemText(i) for i in range(switcher.count())]
    for model in ("anthropic:claude-sonnet-4-5", "google:gemini-2.5-flash", "ollama:llama3.1"):
        assert model in items
    assert "Settings: openai:gpt-5" in switcher.toolTip()


def test_choosing_a_model_sends_the_next_turn_to_it(
    qtbot: QtBot, app_window: MainWindow, controller: ChatController, fake_backend: FakeBackend
) -> None:
    app_window.set_model_name("openai:gpt-5")
    switcher = app_window.model_switcher
    switcher.setCurrentIndex(switcher.findText("anthropic:claude-sonnet-4-5"))
    switcher.activated.emit(switcher.currentIndex())
    assert fake_backend.models == ["anthropic:claude-sonnet-4-5"]
    # Typed and Enter, too.
    switcher.lineEdit().selectAll()
    qtbot.keyClicks(switcher.lineEdit(), "ollama:qwen2.5")
    qtbot.keyClick(switcher.lineEdit(), Qt.Key.Key_Return)
    assert fake_backend.models == ["anthropic:claude-sonnet-4-5", "ollama:qwen2.5"]
    assert switcher.currentText() == "ollama:qwen2.5"


def test_a_model_string_the_check_refuses_is_said_and_not_used(
    qtbot: QtBot, app_window: MainWindow, fake_backend: FakeBackend
) -> None:
    app_window.set_model_name("openai:gpt-5")
    switcher = app_window.model_switcher
    assert not switcher.choose("mistral:large")
    assert switcher.property("invalid") is True
    assert "The model provider &#x27;mistral&#x27; is not supported" in switcher.toolTip()
    assert fake_backend.models == []
    assert switcher.choose("openai-chat:gpt-4.1")
    assert switcher.property("invalid") is False


def test_no_switch_while_a_reply_runs_and_the_reply_says_who_wrote_it(
    qtbot: QtBot, app_window: MainWindow, fake_backend: FakeBackend
) -> None:
    send(qtbot, app_window, "hello")
    qtbot.waitUntil(lambda: bool(fake_backend.streams))
    assert not app_window.model_switcher.isEnabled()
    stream = fake_backend.stream
    stream.push(TextDelta("Hi there."))
    usage = Usage(100, 20, 1, 0, Decimal("0.0009"))
    stream.push(TurnFinished("Hi there.", usage, model="anthropic:claude-sonnet-4-5"))
    qtbot.waitUntil(app_window.model_switcher.isEnabled)
    (reply,) = [e for e in app_window.chat_view.entries() if isinstance(e, AssistantMessageWidget)]
    assert "Answered by anthropic:claude-sonnet-4-5 · 120 tokens · $0.0009" in reply.toolTip()
