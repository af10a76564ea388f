"""A mistyped `E2B_AGENT_MODEL`: the window says so and which model it uses instead."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QMessageBox
from pytestqt.qtbot import QtBot

from desktop.paths import AppPaths
from tests.ui.app_support import AppHarness, send

BAD = "claude-sonnet-4-5\u202e"  # no provider prefix, and a direction mark


def test_a_model_variable_the_app_cannot_use_is_named_and_the_settings_model_answers(
    qtbot: QtBot, app_harness: AppHarness, app_paths: AppPaths
) -> None:
    services = app_harness.services
    app = app_harness.start(environ={**services.env(), "E2B_AGENT_MODEL": BAD})

    box = app.window.findChild(QMessageBox, "warningBox")
    assert box is not None and box.windowTitle() == "E2B_AGENT_MODEL is not used"
    text = box.text()
    assert (
        "E2B_AGENT_MODEL (claude-sonnet-4-5\\u202e) names a model this version cannot use." in text
    )
    assert "The model chosen in Settings (openai:gpt-5) is used instead" in text
    assert "\u202e" not in text  # shown inert
    box.accept()

    send(qtbot, app, "Hello there")
    assert [r.json["model"] for r in services.openai.requests] == ["gpt-5"]

    app.open_settings()
    qtbot.waitUntil(lambda: app.dialog is not None)
    assert app.dialog is not None
    note = app.dialog.findChild(QLabel, "modelOverrideLabel")
    assert note is not None and note.isVisibleTo(app.dialog)
    assert note.text() == text
