"""The whole app, offscreen: Settings' Test connection and a locked keyring, in the real window."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
import qasync
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from desktop.core.config.secrets import KEYRING_SERVICE, KeyringSecretStore, MemorySecretStore
from desktop.core.config.settings import Settings, save_settings
from desktop.gui import DesktopApp
from desktop.paths import AppPaths
from tests.fakes.e2b_emulator import SEED_RUNNING_ID
from tests.fakes.harness import FakeServices
from tests.integration.test_desktop_app import (
    WAIT_MS,
    Harness,
    endpoints_only,
    replies,
    send,
    wait_idle,
)
from tests.unit.config.test_secrets import InMemoryKeyring


@pytest.fixture
def paths(tmp_path: Path) -> AppPaths:
    app_paths = AppPaths(tmp_path / "config", tmp_path / "data", tmp_path / "logs")
    app_paths.ensure()
    return app_paths


@pytest.fixture
def harness(
    qtbot: QtBot, qasync_loop: qasync.QEventLoop, paths: AppPaths, tmp_path: Path
) -> Iterator[Harness]:
    made = Harness(qtbot, paths, tmp_path)
    yield made
    made.close_all()


def test_test_connection_names_the_refused_openai_key_without_spending_tokens(
    qtbot: QtBot, harness: Harness, fake_services: FakeServices
) -> None:
    app = harness.start(endpoints_only(fake_services), MemorySecretStore())
    qtbot.waitUntil(lambda: app.dialog is not None and app.dialog.isVisible(), timeout=WAIT_MS)
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


@pytest.fixture
def memory_keyring() -> Iterator[InMemoryKeyring]:
    previous = keyring.get_keyring()
    backend = InMemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


def status_text(app: DesktopApp) -> str:
    label = app.window.findChild(QLabel, "statusConnectionLabel")
    assert label is not None
    return label.toolTip()


def test_a_locked_keyring_is_said_and_retry_reads_it_without_a_restart(
    qtbot: QtBot,
    harness: Harness,
    fake_services: FakeServices,
    memory_keyring: InMemoryKeyring,
    paths: AppPaths,
) -> None:
    stored = {"openai_api_key": "sk-test-kept-in-keyring", "composio_api_key": "test-composio-kept"}
    for name, value in stored.items():
        memory_keyring.passwords[(KEYRING_SERVICE, name)] = value
    save_settings(paths.settings_file, Settings(user_id=fake_services.user_id))
    memory_keyring.lock()

    app = harness.start(endpoints_only(fake_services), KeyringSecretStore())
    qtbot.waitUntil(lambda: app.dialog is not None and app.dialog.isVisible(), timeout=WAIT_MS)
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
    wait_idle(qtbot, app)
    assert SEED_RUNNING_ID in replies(app)[-1]
    auth = fake_services.openai.last_request.headers["authorization"]
    assert auth == f"Bearer {stored['openai_api_key']}"
