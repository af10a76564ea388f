"""The whole window without a conversation store (its database could not be opened): the chat
it keeps in memory stops at its budget as a stored one does, "Raise budget…" lets the next
prompt run, and new settings continue the chat with its history and what it spent."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from desktop.desktop_app import DesktopApp
from desktop.paths import AppPaths
from desktop.ui.chat.message_widget import ErrorWidget
from tests.fakes.harness import FakeServices
from tests.ui.app_support import WAIT_MS, AppHarness, send
from tests.ui.window.test_budget_app import _dialog, _raise_buttons, _ready
from tests.ui.window.test_budget_faces import _window_words


def _without_a_store(qtbot: QtBot, app_harness: AppHarness, tmp_path: Path) -> DesktopApp:
    """The window started on a "database" it cannot open (a folder): it chats in memory."""
    not_a_database = tmp_path / "folder.sqlite3"
    not_a_database.mkdir()
    app = app_harness.start(database_file=not_a_database)
    box = app.window.findChild(QMessageBox, "warningBox")
    assert box is not None and box.windowTitle() == "Conversations are not being saved"
    box.accept()
    assert app.conversation_store is None
    _ready(qtbot, app)
    return app


def test_a_chat_kept_in_memory_stops_at_the_setting_s_budget_and_is_raised(
    qtbot: QtBot,
    app_harness: AppHarness,
    fake_services: FakeServices,
    app_paths: AppPaths,
    tmp_path: Path,
) -> None:
    app_paths.settings_file.write_text('{"conversation_budget": "0.0001"}', encoding="utf-8")
    app = _without_a_store(qtbot, app_harness, tmp_path)
    model = fake_services.openai
    send(qtbot, app, "hello")  # about $0.0003: past the budget once it is spent
    assert len(model.requests) == 1

    send(qtbot, app, "hello again")
    assert len(model.requests) == 1  # stopped before asking the model again
    (error,) = [e for e in app.window.chat_view.entries() if isinstance(e, ErrorWidget)]
    assert "of its $0.0001 budget" in error.message and "Raise budget…" in error.message
    (button,) = _raise_buttons(app)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    dialog = _dialog(qtbot)
    said = dialog.status_label.text()
    assert "$0.0003 of its $0.0001 budget spent" in said and "from the settings" in said
    qtbot.mouseClick(dialog.set_button, Qt.MouseButton.LeftButton)
    message = app.window.status_bar.message_label
    qtbot.waitUntil(lambda: "a budget of $0.02" in message.text(), timeout=WAIT_MS)

    send(qtbot, app, "and now?")
    assert len(model.requests) == 2
    sent = json.dumps(model.requests[-1].json)
    assert "and now?" in sent and "hello" in sent  # the chat goes on, its history with it


def test_new_settings_continue_a_chat_kept_in_memory_with_its_history_and_spending(
    qtbot: QtBot,
    app_harness: AppHarness,
    fake_services: FakeServices,
    app_paths: AppPaths,
    tmp_path: Path,
) -> None:
    app = _without_a_store(qtbot, app_harness, tmp_path)
    send(qtbot, app, "hello")
    assert _window_words(qtbot, app).startswith("No budget: $0.0003 spent")

    app.open_settings()
    qtbot.waitUntil(lambda: app.dialog is not None, timeout=WAIT_MS)
    dialog = app.dialog
    assert dialog is not None
    dialog.agent.instructions_field.setPlainText("Answer in one word.")
    with qtbot.waitSignal(app.settings_flow.saved, timeout=WAIT_MS):  # written, then in use
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    _ready(qtbot, app)
    # What the chat spent before the new settings still counts against its budget.
    assert _window_words(qtbot, app).startswith("No budget: $0.0003 spent")

    send(qtbot, app, "what did I ask before?")
    sent = json.dumps(fake_services.openai.requests[-1].json)
    assert "Answer in one word." in sent  # the new settings' backend asked
    assert "hello" in sent  # with the earlier turn
