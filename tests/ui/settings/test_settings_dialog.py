"""The settings dialog: fields, masking, validation, the saved payload, environment, testing."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

import qasync
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QToolButton, QWidget
from pytestqt.qtbot import QtBot

from desktop.core.agent.service_check import ConnectionReport, ServiceCheck
from desktop.core.config.credentials import (
    FOR_ROUTER,
    Credentials,
    KeyringUnreadable,
    require_credentials,
)
from desktop.core.config.secrets import SecretName
from desktop.core.config.settings import Settings, model_problem
from desktop.core.errors import ErrorKind, UserFacingError
from desktop.ui.settings.connection_tester import ConnectionTester
from desktop.ui.settings.keys_section import insecure_warning
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


def test_problems_show_only_once_the_person_acts(qtbot: QtBot, styled_app: object) -> None:
    dialog = make_dialog(qtbot, Settings(), keys={}, first_run=True)
    # Nothing is red before anything was typed, though three fields are still empty.
    assert dialog.problems() == [
        "Enter your OpenAI API key.",
        "Enter your Composio API key.",
        "Enter your Composio user id.",
    ]
    assert dialog.validation_label.isHidden()
    assert not any(field(dialog, n).property("invalid") for n in ("openaiKeyField", "userIdField"))
    # Editing a field judges that field only.
    key = field(dialog, "openaiKeyField")
    qtbot.keyClicks(key, "sk-1")
    key.clear()
    assert dialog.validation_label.text() == "Enter your OpenAI API key."
    assert key.property("invalid") is True
    assert field(dialog, "userIdField").property("invalid") is False
    # Save says everything that is missing, saves nothing and puts the cursor on the first.
    with qtbot.assertNotEmitted(dialog.settings_saved):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.validation_label.text() == (
        "Enter your OpenAI API key. Enter your Composio API key. Enter your Composio user id."
    )
    assert field(dialog, "userIdField").property("invalid") is True
    assert dialog.focusWidget() is key
    qtbot.keyClicks(key, "sk-1")
    qtbot.keyClicks(field(dialog, "composioKeyField"), "ak_1")
    qtbot.keyClicks(field(dialog, "userIdField"), "   ")
    assert dialog.problems() == ["Enter your Composio user id."]
    qtbot.keyClicks(field(dialog, "userIdField"), "bob")
    assert dialog.validation_label.isHidden()
    field(dialog, "toolkitsField").setText(" , ")
    assert dialog.problems() == ["Name at least one toolkit, e.g. e2b."]
    assert not dialog.validation_label.isHidden()


def test_test_connection_shows_the_problems_too(
    qtbot: QtBot, qasync_loop: qasync.QEventLoop
) -> None:
    async def probe(settings: Settings, keys: Mapping[SecretName, str]) -> ConnectionReport:
        return REPORT

    dialog = make_dialog(qtbot, Settings(user_id="alice"), keys={}, tester=ConnectionTester(probe))
    assert dialog.validation_label.isHidden()
    qtbot.mouseClick(dialog.connection.test_button, Qt.MouseButton.LeftButton)
    assert dialog.validation_label.text() == (
        "Enter your OpenAI API key. Enter your Composio API key."
    )


def test_a_model_without_provider_is_rejected(qtbot: QtBot, styled_app: object) -> None:
    dialog = make_dialog(qtbot)
    dialog.agent.model_field.setCurrentText("gpt-5")
    assert dialog.agent.model_field.property("invalid") is True
    assert dialog.problems() == ["The model must look like openai:gpt-5 (provider:name)."]


def test_an_unknown_provider_is_rejected_with_the_settings_check(
    qtbot: QtBot, styled_app: object
) -> None:
    dialog = make_dialog(qtbot)
    dialog.agent.model_field.setCurrentText("mistral:large")
    assert dialog.problems() == [model_problem("mistral:large")]
    assert "openai-chat" in dialog.validation_label.text()
    dialog.agent.model_field.setCurrentText("openai-responses:gpt-5")
    assert dialog.problems() == []
    assert dialog.validation_label.isHidden()


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
    assert dialog.keys.keyring_label.isHidden()  # said once, by the first run's notice
    later = make_dialog(qtbot, backend_name="macOS Keychain")
    assert later.keys.first_run_label.isHidden()
    assert not later.keys.keyring_label.isHidden()
    assert later.keys.keyring_label.text() == "Keys are stored in: macOS Keychain"


def visible_texts(dialog: SettingsDialog) -> str:
    labels = dialog.findChildren(QLabel)
    return " ".join(label.text() for label in labels if label.isVisibleTo(dialog))


def test_no_secure_keyring_is_said_once(qtbot: QtBot, styled_app: object) -> None:
    dialog = make_dialog(
        qtbot,
        Settings(),
        keys={},
        is_secure=False,
        first_run=True,
        backend_name="memory (this session only)",
        environment={"openai_api_key": ("sk-from-env", "environment")},
    )
    assert not dialog.keys.keyring_warning.isHidden()
    assert dialog.keys.keyring_warning.text() == (
        "No secure keyring is available on this system: the keys you enter are kept in memory "
        "until the app closes. Set COMPOSIO_API_KEY in the environment or a .env file to skip "
        "typing it at every start."
    )
    assert insecure_warning({}).endswith(
        "Set OPENAI_API_KEY and COMPOSIO_API_KEY in the environment or a .env file to skip "
        "typing them at every start."
    )
    assert dialog.keys.first_run_label.isHidden()
    assert dialog.keys.keyring_label.isHidden()
    texts = visible_texts(dialog)
    assert texts.count("memory") == 1, texts
    # Nothing to import into: memory would keep the key no longer than the environment does.
    assert dialog.keys.import_button.isHidden()
    assert dialog.keys.environment_label.isHidden()
    assert make_dialog(qtbot).keys.keyring_warning.isHidden()


def test_a_key_from_the_environment_shows_its_variable_never_its_value(
    qtbot: QtBot, styled_app: object
) -> None:
    environment = {
        "openai_api_key": ("sk-from-env-1234", "environment"),
        "user_id": ("env-user", ".env"),
    }
    # A stored key is not the one in use while the variable is set: it is not shown either.
    dialog = make_dialog(qtbot, Settings(user_id="saved-user"), keys=KEYS, environment=environment)
    key = field(dialog, "openaiKeyField")
    assert key.text() == ""
    assert key.placeholderText() == "from OPENAI_API_KEY"
    assert key.isReadOnly()
    assert "OPENAI_API_KEY" in key.toolTip() and "sk-from-env" not in key.toolTip()
    toggle = dialog.findChild(QToolButton, "openaiKeyToggle")
    assert toggle is not None and not toggle.isEnabled()
    user_id = field(dialog, "userIdField")
    assert user_id.text() == "" and user_id.placeholderText() == "from USER_ID in .env"
    assert user_id.isReadOnly()
    # The field that is not set from outside keeps its stored value, and typing starts there.
    assert field(dialog, "composioKeyField").text() == "ak_test"
    assert not field(dialog, "composioKeyField").isReadOnly()
    assert dialog.focusWidget() is field(dialog, "composioKeyField")
    assert "sk-from-env" not in visible_texts(dialog)
    assert dialog.problems() == []
    # Saving keeps what is stored: no key typed over it, the saved user id as it was.
    with qtbot.waitSignal(dialog.settings_saved) as blocker:
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    settings, keys, _revoked = blocker.args
    assert keys == {SecretName.COMPOSIO_API_KEY: "ak_test"}
    assert settings.user_id == "saved-user"


def test_keys_from_the_environment_can_be_imported(qtbot: QtBot, styled_app: object) -> None:
    environment = {
        "openai_api_key": ("sk-from-env", "environment"),
        "user_id": ("env-user", ".env"),
    }
    dialog = make_dialog(qtbot, Settings(), keys={}, environment=environment)
    assert not dialog.keys.import_button.isHidden()
    assert dialog.keys.environment_label.text() == (
        "OPENAI_API_KEY and USER_ID in .env are in use: import them to keep a copy in "
        "SecretService Keyring for later starts."
    )
    # Values found there make their fields optional; the Composio key is still missing.
    assert dialog.problems() == ["Enter your Composio API key."]
    qtbot.mouseClick(dialog.keys.import_button, Qt.MouseButton.LeftButton)
    assert field(dialog, "openaiKeyField").text() == "sk-from-env"
    assert field(dialog, "userIdField").text() == "env-user"
    assert not dialog.keys.import_button.isEnabled()
    assert dialog.typed_keys() == {SecretName.OPENAI_API_KEY: "sk-from-env"}
    assert make_dialog(qtbot).keys.import_button.isHidden()


REPORT = ConnectionReport(
    (
        ServiceCheck.failed("OpenAI", "the key was refused (401)"),
        ServiceCheck.ok("Composio", "connected"),
        ServiceCheck.ok(
            "Tool Router", "2 tools", ("COMPOSIO_SEARCH_TOOLS", "COMPOSIO_MULTI_EXECUTE_TOOL")
        ),
    )
)


def test_test_connection_shows_each_service_and_disables_the_button(
    qtbot: QtBot, qasync_loop: qasync.QEventLoop
) -> None:
    gate = asyncio.Event()
    seen: list[tuple[Settings, Mapping[SecretName, str]]] = []

    async def probe(settings: Settings, keys: Mapping[SecretName, str]) -> ConnectionReport:
        seen.append((settings, keys))
        await gate.wait()
        return REPORT

    dialog = make_dialog(qtbot, tester=ConnectionTester(probe))
    button = dialog.connection.test_button
    assert button.objectName() == "testConnectionButton" and not button.isHidden()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert not button.isEnabled()
    assert dialog.connection.test_result.text() == (
        "Checking the model provider, Composio and the Tool Router…"
    )
    qtbot.waitUntil(lambda: bool(seen))
    assert seen[0][0].user_id == "alice" and seen[0][1] == KEYS
    gate.set()
    qtbot.waitUntil(button.isEnabled)
    labels = dialog.connection.findChildren(QLabel, "serviceResultLabel")
    assert [label.text() for label in labels] == [
        "OpenAI: the key was refused (401).",
        "Composio: connected.",
        "Tool Router: 2 tools.",
    ]
    assert [label.property("result") for label in labels] == ["error", "ok", "ok"]
    assert labels[2].toolTip() == "COMPOSIO_SEARCH_TOOLS, COMPOSIO_MULTI_EXECUTE_TOOL"
    assert dialog.connection.test_result.isHidden()
    # A second test replaces the lines rather than adding to them.
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(button.isEnabled)
    qtbot.waitUntil(lambda: len(dialog.connection.findChildren(QLabel, "serviceResultLabel")) == 3)


def test_test_connection_shows_the_error_inline(
    qtbot: QtBot, qasync_loop: qasync.QEventLoop
) -> None:
    async def probe(settings: Settings, keys: Mapping[SecretName, str]) -> ConnectionReport:
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
    async def probe(settings: Settings, keys: Mapping[SecretName, str]) -> ConnectionReport:
        require_credentials(Credentials(None, "ak_test", None), FOR_ROUTER)
        return REPORT

    dialog = make_dialog(qtbot, tester=ConnectionTester(probe))
    qtbot.mouseClick(dialog.connection.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.connection.test_result.property("result") == "error")
    assert dialog.connection.test_result.text() == (
        "No Composio user id is set: enter it in Settings (Ctrl+,)."
    )


def test_without_a_tester_there_is_no_test_button(qtbot: QtBot, styled_app: object) -> None:
    assert make_dialog(qtbot).connection.test_button.isHidden()


def test_a_locked_keyring_offers_retry_and_fills_the_keys_once_read(
    qtbot: QtBot, styled_app: object
) -> None:
    locked = KeyringUnreadable(locked=True, reason="KeyringLocked")
    dialog = make_dialog(qtbot, keys={}, first_run=True, unreadable=locked)
    notice = dialog.keys.keyring_notice
    assert not notice.isHidden()
    assert dialog.focusWidget() is notice.retry_button
    assert dialog.keys.first_run_label.isHidden()  # one notice
    assert dialog.problems() == []  # the keys are unknown, not missing
    with qtbot.waitSignal(notice.retry_requested):
        qtbot.mouseClick(notice.retry_button, Qt.MouseButton.LeftButton)
    assert not notice.retry_button.isEnabled()
    dialog.keyring_read(locked, {})
    assert notice.label.text().startswith("The keyring is still locked")
    assert notice.retry_button.isEnabled()
    dialog.keyring_read(None, KEYS)
    assert notice.isHidden()
    assert field(dialog, "openaiKeyField").text() == "sk-test-openai"
    assert field(dialog, "openaiKeyField").placeholderText() == ""
    assert not dialog.edited  # filled from the keyring, not typed
    assert not dialog.keys.first_run_label.isHidden()


def test_a_keyring_that_does_not_answer_names_its_error(qtbot: QtBot, styled_app: object) -> None:
    dialog = make_dialog(qtbot, keys={}, unreadable=KeyringUnreadable(False, "InitError"))
    assert dialog.keys.keyring_notice.label.text() == (
        "The keyring could not be read (InitError): check that it is running and unlocked "
        "(GNOME Keyring, KWallet…), then press Retry."
    )
    assert dialog.keys.keyring_label.isHidden()
