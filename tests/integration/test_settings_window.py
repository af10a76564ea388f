"""The whole app, offscreen: Settings' Test connection and a locked keyring, in the real window."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import qasync
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from desktop.core.config.secrets import MemorySecretStore
from desktop.paths import AppPaths
from tests.fakes.harness import FakeServices
from tests.integration.test_desktop_app import WAIT_MS, Harness, endpoints_only


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
