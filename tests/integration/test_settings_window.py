"""The whole app, offscreen: Settings' Test connection and a locked keyring, in the real window."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from desktop.core.config.secrets import KEYRING_SERVICE, KeyringSecretStore, MemorySecretStore
from desktop.core.config.settings import Settings, save_settings
from desktop.desktop_app import DesktopApp
from desktop.ui.chat.message_widget import AssistantMessageWidget
from tests.fakes.e2b_emulator import SEED_RUNNING_ID
from tests.fakes.harness import FakeServices
from tests.fakes.keyring_backend import InMemoryKeyring
from tests.ui.app_support import WAIT_MS, AppHarness, send


def endpoints_only(services: FakeServices) -> dict[str, str]:
    """The fakes' addresses, without their keys: those come from Settings or the keyring."""
    return {k: v for k, v in services.env().items() if k.endswith("_BASE_URL")}


def wait_for_dialog(qtbot: QtBot, app: DesktopApp) -> None:
    qtbot.waitUntil(lambda: app.dialog is not None and app.dialog.isVisible(), timeout=WAIT_MS)


def status_text(app: DesktopApp) -> str:
    label = app.window.findChild(QLabel, "statusConnectionLabel")
    assert label is not None
    return label.toolTip()


def state_is(app: DesktopApp, state: str) -> bool:
    return app.controller.connection_status.state.value == state


def test_test_connection_names_the_refused_openai_key_without_spending_tokens(
    qtbot: QtBot, app_harness: AppHarness, fake_services: FakeServices
) -> None:
    app = app_harness.start(environ=endpoints_only(fake_services), secret_store=MemorySecretStore())
    wait_for_dialog(qtbot, app)
    dialog = app.dialog
    assert dialog is not None
    qtbot.keyClicks(dialog.keys.openai_key.edit, "sk-wrong-key-0000")
    qtbot.keyClicks(dialog.keys.composio_key.edit, fake_services.composio_api_key)
    qtbot.keyClicks(dialog.keys.user_id_field, fake_services.user_id)
    qtbot.mouseClick(dialog.connection.test_button, Qt.MouseButton.LeftButton)

    def lines() -> list[str]:
        return [
            label.text() for label in dialog.connection.findChildren(QLabel, "serviceResultLabel")
        ]

    qtbot.waitUntil(lambda: len(lines()) == 3, timeout=WAIT_MS)
    host = fake_services.openai_base_url.split("/")[2]
    shown = lines()
    assert shown[:2] == [
        f"Model server ({host}): the key was refused (401).",
        "Composio: connected.",
    ]
    assert shown[2].startswith("Tool Router: ") and shown[2].endswith(" tools.")
    assert "Connected" not in " ".join(shown)
    # The model list was asked with the key typed (not saved); no chat, no response, no token.
    (listed,) = fake_services.openai.model_lists
    assert listed.headers["authorization"] == "Bearer sk-wrong-key-0000"
    assert fake_services.openai.requests == []
    assert dialog.isVisible()  # testing never closes the dialog


def test_a_locked_keyring_is_said_and_retry_reads_it_without_a_restart(
    qtbot: QtBot,
    app_harness: AppHarness,
    fake_services: FakeServices,
    memory_keyring: InMemoryKeyring,
) -> None:
    stored = {"openai_api_key": "sk-test-kept-in-keyring", "composio_api_key": "test-composio-kept"}
    for name, value in stored.items():
        memory_keyring.passwords[(KEYRING_SERVICE, name)] = value
    save_settings(app_harness.paths.settings_file, Settings(user_id=fake_services.user_id))
    memory_keyring.lock()

    app = app_harness.start(
        environ=endpoints_only(fake_services), secret_store=KeyringSecretStore()
    )
    wait_for_dialog(qtbot, app)
    dialog = app.dialog
    assert dialog is not None
    notice = dialog.keys.keyring_notice
    assert notice.isVisible()
    assert notice.label.text() == (
        "The keyring is locked: unlock it (GNOME Keyring, KWallet…) and press Retry."
    )
    # One notice, no "enter your keys", no red: the keys are not missing, only unknown.
    assert not dialog.keys.first_run_label.isVisible()
    assert dialog.problems() == []
    assert dialog.keys.openai_key.edit.placeholderText() == "unknown while the keyring is locked"
    qtbot.waitUntil(
        lambda: app.controller.connection_status.state.value == "error", timeout=WAIT_MS
    )
    assert "The keyring is locked" in status_text(app)
    assert "Retry in Settings" in status_text(app)
    assert "No Composio API key" not in status_text(app)

    # Retry while it is still locked: said again, nothing else changes.
    reads = memory_keyring.reads
    qtbot.mouseClick(notice.retry_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "still locked" in notice.label.text(), timeout=WAIT_MS)
    assert memory_keyring.reads > reads
    assert notice.retry_button.isEnabled() and app.dialog is dialog

    # Unlocked: Retry reads the keys, the dialog has nothing left to ask and closes, and a
    # turn runs with the key from the keyring.
    memory_keyring.unlock()
    qtbot.mouseClick(notice.retry_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: app.dialog is None, timeout=WAIT_MS)
    qtbot.waitUntil(
        lambda: app.controller.connection_status.state.value == "ready", timeout=WAIT_MS
    )
    assert memory_keyring.passwords[(KEYRING_SERVICE, "openai_api_key")] == stored["openai_api_key"]
    send(qtbot, app, "list my sandboxes")
    replies = [e for e in app.window.chat_view.entries() if isinstance(e, AssistantMessageWidget)]
    assert SEED_RUNNING_ID in replies[-1].plain_text()
    auth = fake_services.openai.last_request.headers["authorization"]
    assert auth == f"Bearer {stored['openai_api_key']}"
