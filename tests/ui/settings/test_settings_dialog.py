"""The settings dialog: fields, masking, validation, the saved payload, environment, testing."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence

import qasync
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLineEdit, QToolButton, QWidget
from pytestqt.qtbot import QtBot

from desktop.core.config.credentials import FOR_ROUTER, Credentials, require_credentials
from desktop.core.config.secrets import SecretName
from desktop.core.config.settings import Settings, model_problem
from desktop.core.errors import ErrorKind, UserFacingError
from desktop.ui.settings.connection_tester import ConnectionTester
from desktop.ui.settings.keys_section import INSECURE_WARNING
from desktop.ui.settings.settings_dialog import SettingsDialog

KEYS = {SecretName.OPENAI_API_KEY: "sk-test-openai", SecretName.COMPOSIO_API_KEY: "ak_test"}


def make_dialog(
    qtbot: QtBot,
    settings: Settings | None = None,
    keys: Mapping[SecretName, str] = KEYS,
    **kwargs: object,
) -> SettingsDialog:
    options: dict[str, object] = {"backend_name": "SecretService Keyring", "is_secure": True}
    options.update(kwargs)
    dialog = SettingsDialog(settings or Settings(user_id="alice"), keys, **options)  # type: ignore[arg-type]
    qtbot.addWidget(dialog)
    dialog.open()
    qtbot.waitExposed(dialog)
    return dialog


def field(dialog: SettingsDialog, name: str) -> QLineEdit:
    widget = dialog.findChild(QLineEdit, name)
    assert widget is not None, name
    return widget


def test_fields_are_named_filled_and_described(qtbot: QtBot, styled_app: object) -> None:
    dialog = make_dialog(qtbot, Settings(user_id="alice", model="openai:gpt-5-mini"))
    assert dialog.objectName() == "settingsDialog"
    assert field(dialog, "openaiKeyField").text() == "sk-test-openai"
    assert field(dialog, "composioKeyField").text() == "ak_test"
    assert field(dialog, "userIdField").text() == "alice"
    model = dialog.findChild(QComboBox, "modelField")
    assert model is not None and model.isEditable() and model.currentText() == "openai:gpt-5-mini"
    assert "openai-chat:gpt-4.1" in [model.itemText(i) for i in range(model.count())]
    assert field(dialog, "toolkitsField").text() == "e2b"
    assert dialog.agent.instructions_field.toPlainText() == Settings().instructions
    assert field(dialog, "userIdField").toolTip() == Settings.model_fields["user_id"].description
    assert model.toolTip() == Settings.model_fields["model"].description
    instructions = dialog.agent.instructions_field
    assert instructions.toolTip() == Settings.model_fields["instructions"].description
    for widget in dialog.findChildren(QWidget):
        if widget.focusPolicy() & Qt.FocusPolicy.TabFocus and widget.isVisibleTo(dialog):
            if widget.objectName().startswith("qt_"):
                continue
            assert widget.accessibleName(), widget.objectName() or type(widget).__name__


def test_keys_are_masked_until_shown(qtbot: QtBot, styled_app: object) -> None:
    dialog = make_dialog(qtbot)
    key = field(dialog, "openaiKeyField")
    toggle = dialog.findChild(QToolButton, "openaiKeyToggle")
    assert toggle is not None
    assert key.echoMode() == QLineEdit.EchoMode.Password
    assert field(dialog, "composioKeyField").echoMode() == QLineEdit.EchoMode.Password
    qtbot.mouseClick(toggle, Qt.MouseButton.LeftButton)
    assert key.echoMode() == QLineEdit.EchoMode.Normal
    assert toggle.text() == "Hide" and toggle.accessibleName() == "Hide OpenAI API key"
    qtbot.mouseClick(toggle, Qt.MouseButton.LeftButton)
    assert key.echoMode() == QLineEdit.EchoMode.Password


def test_blank_keys_or_user_id_keep_save_disabled(qtbot: QtBot, styled_app: object) -> None:
    dialog = make_dialog(qtbot, Settings(), keys={})
    assert not dialog.save_button.isEnabled()
    assert dialog.problems() == [
        "Enter your OpenAI API key.",
        "Enter your Composio API key.",
        "Enter your Composio user id.",
    ]
    assert "Enter your Composio user id." in dialog.validation_label.text()
    assert field(dialog, "userIdField").property("invalid") is True
    qtbot.keyClicks(field(dialog, "openaiKeyField"), "sk-1")
    qtbot.keyClicks(field(dialog, "composioKeyField"), "ak_1")
    assert not dialog.save_button.isEnabled()
    qtbot.keyClicks(field(dialog, "userIdField"), "   ")
    assert not dialog.save_button.isEnabled()
    qtbot.keyClicks(field(dialog, "userIdField"), "bob")
    assert dialog.save_button.isEnabled()
    assert dialog.validation_label.isHidden()
    field(dialog, "toolkitsField").setText(" , ")
    assert not dialog.save_button.isEnabled()
    assert dialog.problems() == ["Name at least one toolkit, e.g. e2b."]


def test_a_model_without_provider_is_rejected(qtbot: QtBot, styled_app: object) -> None:
    dialog = make_dialog(qtbot)
    dialog.agent.model_field.setCurrentText("gpt-5")
    assert not dialog.save_button.isEnabled()
    assert dialog.problems() == ["The model must look like openai:gpt-5 (provider:name)."]


def test_an_unknown_provider_is_rejected_with_the_settings_check(
    qtbot: QtBot, styled_app: object
) -> None:
    dialog = make_dialog(qtbot)
    dialog.agent.model_field.setCurrentText("anthropic:claude-sonnet")
    assert not dialog.save_button.isEnabled()
    assert dialog.problems() == [model_problem("anthropic:claude-sonnet")]
    assert "openai-chat" in dialog.validation_label.text()
    dialog.agent.model_field.setCurrentText("openai-responses:gpt-5")
    assert dialog.save_button.isEnabled()


def test_save_emits_settings_and_typed_keys(qtbot: QtBot, styled_app: object) -> None:
    dialog = make_dialog(qtbot)
    user_id = field(dialog, "userIdField")
    user_id.clear()
    qtbot.keyClicks(user_id, " carol ")
    dialog.agent.model_field.setCurrentText("openai-chat:gpt-4.1")
    field(dialog, "toolkitsField").setText("E2B, github")
    dialog.agent.instructions_field.setPlainText("Be brief.")
    key = field(dialog, "openaiKeyField")
    key.clear()
    qtbot.keyClicks(key, " sk-new ")
    with qtbot.waitSignal(dialog.settings_saved) as blocker:
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    settings, keys, revoked = blocker.args
    assert isinstance(settings, Settings)
    assert settings.user_id == "carol"
    assert settings.model == "openai-chat:gpt-4.1"
    assert settings.toolkits == ("e2b", "github")
    assert settings.instructions == "Be brief."
    assert keys == {SecretName.OPENAI_API_KEY: "sk-new", SecretName.COMPOSIO_API_KEY: "ak_test"}
    assert revoked == frozenset()
    assert dialog.result() == dialog.DialogCode.Accepted


def test_cancel_emits_nothing(qtbot: QtBot, styled_app: object) -> None:
    dialog = make_dialog(qtbot)
    with qtbot.assertNotEmitted(dialog.settings_saved):
        qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == dialog.DialogCode.Rejected


def test_first_run_explains_where_keys_go(qtbot: QtBot, styled_app: object) -> None:
    dialog = make_dialog(qtbot, first_run=True, backend_name="macOS Keychain")
    assert not dialog.keys.first_run_label.isHidden()
    assert dialog.keys.first_run_label.text() == (
        "Enter your OpenAI and Composio keys once; they are stored in macOS Keychain."
    )
    assert "macOS Keychain" in dialog.keys.keyring_label.text()
    assert make_dialog(qtbot).keys.first_run_label.isHidden()


def test_insecure_keyring_warning(qtbot: QtBot, styled_app: object) -> None:
    dialog = make_dialog(qtbot, is_secure=False, backend_name="memory (this session only)")
    assert not dialog.keys.keyring_warning.isHidden()
    assert dialog.keys.keyring_warning.text() == INSECURE_WARNING
    assert INSECURE_WARNING == (
        "No secure keyring is available on this system: keys will be kept in memory for this "
        "session only"
    )
    assert make_dialog(qtbot).keys.keyring_warning.isHidden()


def test_keys_from_the_environment_can_be_imported(qtbot: QtBot, styled_app: object) -> None:
    environment = {
        "openai_api_key": ("sk-from-env", "environment"),
        "user_id": ("env-user", ".env"),
    }
    dialog = make_dialog(qtbot, Settings(), keys={}, environment=environment)
    assert not dialog.keys.import_button.isHidden()
    assert "OPENAI_API_KEY (environment)" in dialog.keys.environment_label.text()
    assert "USER_ID (.env)" in dialog.keys.environment_label.text()
    # Values found there make their fields optional; the Composio key is still missing.
    assert dialog.problems() == ["Enter your Composio API key."]
    qtbot.mouseClick(dialog.keys.import_button, Qt.MouseButton.LeftButton)
    assert field(dialog, "openaiKeyField").text() == "sk-from-env"
    assert field(dialog, "userIdField").text() == "env-user"
    assert not dialog.keys.import_button.isEnabled()
    assert make_dialog(qtbot).keys.import_button.isHidden()


def test_test_connection_shows_tools_and_disables_the_button(
    qtbot: QtBot, qasync_loop: qasync.QEventLoop
) -> None:
    gate = asyncio.Event()
    seen: list[tuple[Settings, Mapping[SecretName, str]]] = []

    async def probe(settings: Settings, keys: Mapping[SecretName, str]) -> Sequence[str]:
        seen.append((settings, keys))
        await gate.wait()
        return ["COMPOSIO_SEARCH_TOOLS", "COMPOSIO_MULTI_EXECUTE_TOOL"]

    dialog = make_dialog(qtbot, tester=ConnectionTester(probe))
    button = dialog.connection.test_button
    assert button.objectName() == "testConnectionButton" and not button.isHidden()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert not button.isEnabled()
    qtbot.waitUntil(lambda: bool(seen))
    assert seen[0][0].user_id == "alice" and seen[0][1] == KEYS
    gate.set()
    qtbot.waitUntil(button.isEnabled)
    assert dialog.connection.test_result.text() == (
        "Connected: 2 tools available (COMPOSIO_SEARCH_TOOLS, COMPOSIO_MULTI_EXECUTE_TOOL)."
    )
    assert dialog.connection.test_result.property("result") == "ok"


def test_test_connection_shows_the_error_inline(
    qtbot: QtBot, qasync_loop: qasync.QEventLoop
) -> None:
    async def probe(settings: Settings, keys: Mapping[SecretName, str]) -> Sequence[str]:
        raise UserFacingError(ErrorKind.COMPOSIO_KEY_REJECTED, "Composio rejected the API key.")

    dialog = make_dialog(qtbot, tester=ConnectionTester(probe))
    qtbot.mouseClick(dialog.connection.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.connection.test_result.property("result") == "error")
    assert dialog.connection.test_result.text() == "Composio rejected the API key."
    assert dialog.connection.test_button.isEnabled()
    assert dialog.isVisible()  # testing never closes the dialog


def test_test_connection_words_a_missing_user_id_for_the_window(
    qtbot: QtBot, qasync_loop: qasync.QEventLoop
) -> None:
    async def probe(settings: Settings, keys: Mapping[SecretName, str]) -> Sequence[str]:
        require_credentials(Credentials(None, "ak_test", None), FOR_ROUTER)
        return []

    dialog = make_dialog(qtbot, tester=ConnectionTester(probe))
    qtbot.mouseClick(dialog.connection.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.connection.test_result.property("result") == "error")
    assert dialog.connection.test_result.text() == (
        "No Composio user id is set: enter it in Settings (Ctrl+,)."
    )


def test_without_a_tester_there_is_no_test_button(qtbot: QtBot, styled_app: object) -> None:
    assert make_dialog(qtbot).connection.test_button.isHidden()
