"""The issue's "done when", as a new user goes through it in the real window (offscreen), against
the fakes: pick Anthropic in Settings and enter its key, test the connection, list the
sandboxes, switch the conversation to a local Ollama-compatible server with the switcher and
ask what was asked before."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit
from pytestqt.qtbot import QtBot

from desktop.core.config.secrets import MemorySecretStore, SecretName
from desktop.ui.chat.message_widget import AssistantMessageWidget
from tests.fakes.anthropic_server import TEST_ANTHROPIC_KEY, AnthropicFake
from tests.fakes.e2b_emulator import SEED_RUNNING_ID
from tests.fakes.harness import FakeServices
from tests.fakes.openai_server import OpenAIFake
from tests.integration.test_settings_window import endpoints_only, wait_for_dialog
from tests.ui.app_support import WAIT_MS, AppHarness, send, wait_for

CLAUDE = "anthropic:claude-sonnet-4-5"
OLLAMA = "ollama:llama3.1"


def replies(app: object) -> list[AssistantMessageWidget]:
    view = app.window.chat_view  # type: ignore[attr-defined]
    return [e for e in view.entries() if isinstance(e, AssistantMessageWidget)]


def test_anthropic_then_a_local_ollama_in_one_conversation(
    qtbot: QtBot,
    app_harness: AppHarness,
    fake_services: FakeServices,
    anthropic_fake: AnthropicFake,
    local_model_fake: OpenAIFake,
) -> None:
    environ = {
        **endpoints_only(fake_services),
        "ANTHROPIC_BASE_URL": anthropic_fake.base_url,
        "OLLAMA_BASE_URL": local_model_fake.base_url,
    }
    store = MemorySecretStore()
    app = app_harness.start(environ=environ, secret_store=store)
    wait_for_dialog(qtbot, app)
    dialog = app.dialog
    assert dialog is not None
    picker = dialog.findChild(QComboBox, "providerField")
    assert picker is not None
    picker.setCurrentIndex(picker.findText("Anthropic"))
    key = dialog.findChild(QLineEdit, "anthropicKeyField")
    assert key is not None and key.isVisible()
    qtbot.keyClicks(key, TEST_ANTHROPIC_KEY)
    qtbot.keyClicks(dialog.keys.composio_key.edit, fake_services.composio_api_key)
    qtbot.keyClicks(dialog.keys.user_id_field, fake_services.user_id)
    qtbot.mouseClick(dialog.connection.test_button, Qt.MouseButton.LeftButton)

    def lines() -> list[str]:
        labels = dialog.connection.findChildren(QLabel, "serviceResultLabel")
        return [label.text() for label in labels]

    qtbot.waitUntil(lambda: len(lines()) == 3, timeout=WAIT_MS)
    host = anthropic_fake.base_url.removeprefix("http://")
    assert lines()[0] == f"Anthropic ({host}): connected (claude-sonnet-4-5 is available)."
    assert anthropic_fake.requests == []  # the models endpoint only: no token spent
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: app.dialog is None, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: store.get(SecretName.ANTHROPIC_API_KEY) is not None, timeout=WAIT_MS)
    assert store.get(SecretName.ANTHROPIC_API_KEY) == TEST_ANTHROPIC_KEY
    switcher = app.window.model_switcher
    qtbot.waitUntil(lambda: switcher.currentText() == CLAUDE, timeout=WAIT_MS)

    send(qtbot, app, "list my sandboxes")
    assert SEED_RUNNING_ID in replies(app)[-1].plain_text()
    assert len(anthropic_fake.requests) == 2 and fake_services.openai.requests == []
    qtbot.waitUntil(lambda: "Answered by" in replies(app)[-1].toolTip(), timeout=WAIT_MS)
    assert f"Answered by {CLAUDE}" in replies(app)[-1].toolTip()

    assert switcher.choose(OLLAMA)
    send(qtbot, app, "what did I ask before?")
    assert replies(app)[-1].plain_text() == 'You previously asked: "list my sandboxes"'
    assert len(local_model_fake.requests) == 1 and len(anthropic_fake.requests) == 2
    sent = json.dumps(local_model_fake.requests[0].json)
    assert "list my sandboxes" in sent and SEED_RUNNING_ID in sent  # Claude's turn went along
    qtbot.waitUntil(lambda: "· local" in replies(app)[-1].toolTip(), timeout=WAIT_MS)

    # The store keeps which model answered each turn; reopened, the replies still say so.
    conversation_id = app.controller.conversation_id
    assert conversation_id is not None
    store_turns = wait_for(qtbot, app.conversation_store.turns(conversation_id))  # type: ignore[union-attr]
    assert [turn.model for turn in store_turns] == [CLAUDE, OLLAMA]
    app.controller.open_conversation(conversation_id)
    qtbot.waitUntil(lambda: len(replies(app)) >= 2, timeout=WAIT_MS)
    tips = [reply.toolTip() for reply in replies(app)]
    assert any(CLAUDE in tip for tip in tips) and any(OLLAMA in tip for tip in tips)
