"""Settings' provider picker: each provider's models offered, its key (only its own) asked for,
its base URL where it has one, and the model field and the picker kept in step."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import qasync
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLineEdit
from pytestqt.qtbot import QtBot

from desktop.core.agent.service_check import ConnectionReport, ServiceCheck
from desktop.core.config.configuration import Configuration
from desktop.core.config.secrets import SecretName
from desktop.core.config.settings import Settings
from desktop.ui.settings.connection_tester import ConnectionTester
from desktop.ui.settings.settings_dialog import SettingsDialog
from tests.ui.settings.test_settings_dialog import make_dialog


def pick(dialog: SettingsDialog, label: str) -> None:
    picker = dialog.findChild(QComboBox, "providerField")
    assert picker is not None
    index = picker.findText(label)
    assert index >= 0, label
    picker.setCurrentIndex(index)


def offered(dialog: SettingsDialog) -> list[str]:
    model = dialog.agent.model_field
    return [model.itemText(i) for i in range(model.count())]


def key_shown(dialog: SettingsDialog, name: str) -> bool:
    edit = dialog.findChild(QLineEdit, name)
    assert edit is not None, name
    return edit.isVisibleTo(dialog)


def test_the_picker_offers_every_provider(qtbot: QtBot, styled_app: object) -> None:
    dialog = make_dialog(qtbot)
    picker = dialog.findChild(QComboBox, "providerField")
    assert picker is not None and picker.accessibleName() == "Model provider"
    assert [picker.itemText(i) for i in range(picker.count())] == [
        "OpenAI",
        "OpenAI (Chat Completions)",
        "Anthropic",
        "Google Gemini",
        "OpenRouter",
        "Ollama (local)",
        "LM Studio (local)",
        "Other OpenAI-compatible server",
    ]
    assert picker.currentText() == "OpenAI"


def test_picking_anthropic_asks_for_its_key_and_saves_it(qtbot: QtBot, styled_app: object) -> None:
    dialog = make_dialog(qtbot, first_run=True)
    assert key_shown(dialog, "openaiKeyField") and not key_shown(dialog, "anthropicKeyField")
    pick(dialog, "Anthropic")
    assert dialog.agent.model_field.currentText() == "anthropic:claude-sonnet-4-5"
    assert offered(dialog) == [
        "anthropic:claude-sonnet-4-5",
        "anthropic:claude-opus-4-5",
        "anthropic:claude-haiku-4-5",
    ]
    assert key_shown(dialog, "anthropicKeyField") and not key_shown(dialog, "openaiKeyField")
    assert dialog.keys.first_run_label.text().startswith("Enter your Anthropic and Composio keys")
    assert dialog.problems() == ["Enter your Anthropic API key."]  # not OpenAI's any more
    assert dialog.agent.base_url_field.placeholderText() == "https://api.anthropic.com"
    key = dialog.findChild(QLineEdit, "anthropicKeyField")
    assert key is not None
    qtbot.keyClicks(key, "sk-ant-typed")
    with qtbot.waitSignal(dialog.settings_saved) as saved:
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    settings, keys, _ = saved.args
    assert settings.model == "anthropic:claude-sonnet-4-5"
    assert keys[SecretName.ANTHROPIC_API_KEY] == "sk-ant-typed"
    assert keys[SecretName.OPENAI_API_KEY] == "sk-test-openai"  # the other key is kept


def test_a_local_server_needs_no_key_and_shows_its_address(
    qtbot: QtBot, styled_app: object
) -> None:
    dialog = make_dialog(qtbot, first_run=True)
    pick(dialog, "Ollama (local)")
    assert dialog.agent.model_field.currentText() == "ollama:llama3.1"
    assert not any(
        key_shown(dialog, name)
        for name in ("openaiKeyField", "anthropicKeyField", "googleKeyField", "openrouterKeyField")
    )
    assert key_shown(dialog, "composioKeyField")
    assert dialog.keys.first_run_label.text().startswith("Enter your Composio key once")
    base_url = dialog.agent.base_url_field
    assert (
        base_url.isVisibleTo(dialog) and base_url.placeholderText() == "http://localhost:11434/v1"
    )
    assert dialog.problems() == []
    qtbot.keyClicks(base_url, "http://127.0.0.1:11500/v1")
    pick(dialog, "LM Studio (local)")
    assert base_url.placeholderText() == "http://localhost:1234/v1" and base_url.text() == ""
    settings = dialog.build_settings()
    assert settings.model == "lmstudio:qwen2.5-7b-instruct"
    assert settings.base_urls == {"ollama": "http://127.0.0.1:11500/v1"}


def test_another_server_needs_its_base_url(qtbot: QtBot, styled_app: object) -> None:
    dialog = make_dialog(qtbot)
    pick(dialog, "Other OpenAI-compatible server")
    dialog.agent.model_field.setCurrentText("openai-compatible:my-model")
    assert dialog.problems() == ["Enter the server's base URL, e.g. http://localhost:8000/v1."]
    qtbot.keyClicks(dialog.agent.base_url_field, "localhost:8000")
    assert dialog.problems() == [
        "The base URL is not a usable address (it must start with https:// or http://)."
    ]
    dialog.agent.base_url_field.clear()
    qtbot.keyClicks(dialog.agent.base_url_field, "http://localhost:8000/v1")
    assert dialog.problems() == []
    assert dialog.build_settings().base_urls == {"openai-compatible": "http://localhost:8000/v1"}


def test_typing_another_providers_model_moves_the_picker(qtbot: QtBot, styled_app: object) -> None:
    dialog = make_dialog(qtbot)
    dialog.agent.model_field.setCurrentText("google:gemini-2.5-pro")
    picker = dialog.findChild(QComboBox, "providerField")
    assert picker is not None and picker.currentText() == "Google Gemini"
    assert key_shown(dialog, "googleKeyField")
    assert not dialog.agent.base_url_field.isVisibleTo(dialog)  # Gemini's is its variable's
    assert dialog.agent.model_field.currentText() == "google:gemini-2.5-pro"


def test_a_base_url_from_the_environment_is_named_not_typed_over(
    qtbot: QtBot, styled_app: object, tmp_path: Path
) -> None:
    environ = {"E2B_AGENT_MODEL": "anthropic:claude-haiku-4-5"}
    configuration = Configuration(tmp_path / "settings.json", environ, tmp_path)
    dialog = make_dialog(
        qtbot,
        Settings(user_id="alice", model="ollama:qwen2.5"),
        base_url_variables={"ollama": "OLLAMA_BASE_URL"},
        model_note=configuration.model_override_note(),
    )
    base_url = dialog.agent.base_url_field
    assert base_url.isReadOnly() and base_url.placeholderText() == "from OLLAMA_BASE_URL"
    assert dialog.agent.override_label.text().startswith(
        "E2B_AGENT_MODEL sets the model in use (anthropic:claude-haiku-4-5)"
    )


def test_test_connection_offers_the_providers_own_models(
    qtbot: QtBot, qasync_loop: qasync.QEventLoop
) -> None:
    listed = ("claude-sonnet-4-5", "claude-3-7-sonnet-latest")

    async def probe(settings: Settings, keys: Mapping[SecretName, str]) -> ConnectionReport:
        check = ServiceCheck.ok("Anthropic", "connected", models=listed)
        return ConnectionReport((check,))

    dialog = make_dialog(
        qtbot,
        Settings(user_id="alice", model="anthropic:claude-sonnet-4-5"),
        keys={SecretName.ANTHROPIC_API_KEY: "sk-ant-x", SecretName.COMPOSIO_API_KEY: "ak"},
        tester=ConnectionTester(probe),
    )
    qtbot.mouseClick(dialog.connection.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: offered(dialog) == [f"anthropic:{m}" for m in listed], timeout=5000)
    assert dialog.agent.model_field.currentText() == "anthropic:claude-sonnet-4-5"
