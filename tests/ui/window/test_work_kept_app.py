"""The whole app on the fakes: a reply that created a sandbox is kept when the window quits mid-
reply or its process is killed, and asking it again asks first (a no creates nothing more)."""

from __future__ import annotations

import json
import sqlite3

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QPushButton
from pytestqt.qtbot import QtBot

from desktop.core.conversations.history import INTERRUPTED_NOTICE, STOPPED_NOTICE
from desktop.core.conversations.transcript import NoticeItem, ToolCallItem, UserItem
from desktop.core.store.sqlite import ConversationStore
from desktop.desktop_app import DesktopApp
from desktop.paths import AppPaths
from desktop.ui.window.main_window import MainWindow
from tests.fakes.harness import FakeServices
from tests.fakes.openai_script import Reply
from tests.integration.test_killed_after_a_tool_call import run_and_kill_after_the_tool_call
from tests.integration.work_kept_helpers import (
    CREATE_CALL_ID,
    CREATE_PROMPT,
    assert_messages_hold_the_create,
    assert_model_was_told,
    created_sandbox,
    sandbox_ids,
    script_create_then_talk,
)
from tests.ui.app_support import (
    WAIT_MS,
    AppHarness,
    click_approve,
    send,
    shown_replies,
    wait_idle,
)


def _ready(qtbot: QtBot, app: DesktopApp) -> None:
    qtbot.waitUntil(
        lambda: app.controller.connection_status.state.value == "ready", timeout=WAIT_MS
    )


def _card_ids(window: MainWindow) -> list[str]:
    return [i.card.call_id for i in window.chat_view.items() if isinstance(i, ToolCallItem)]


def test_quitting_mid_reply_keeps_the_sandbox_the_reply_created(
    qtbot: QtBot, app_harness: AppHarness, fake_services: FakeServices, app_paths: AppPaths
) -> None:
    before = sandbox_ids(fake_services)
    script_create_then_talk(fake_services)
    app = app_harness.start()
    _ready(qtbot, app)
    field = app.window.message_input
    field.setFocus()
    qtbot.keyClicks(field, CREATE_PROMPT)
    qtbot.keyClick(field, Qt.Key.Key_Return)
    click_approve(qtbot, app)
    # The create has run and the reply after it is streaming: the window is closed, as the
    # person closing it would (the composition root then shuts down).
    qtbot.waitUntil(lambda: any(shown_replies(app)), timeout=WAIT_MS)
    sandbox = created_sandbox(fake_services, before)
    app.window.close()
    app_harness.close(app)

    with sqlite3.connect(app_paths.database_file) as raw:
        [(status, messages)] = raw.execute("SELECT status, messages_json FROM turns").fetchall()
    assert status == "cancelled"
    assert_messages_hold_the_create(messages, sandbox)

    fake_services.openai.script.push(Reply.text("You made one sandbox."))
    again = app_harness.start()  # the conversation reopens, with its card
    _ready(qtbot, again)
    qtbot.waitUntil(lambda: _card_ids(again.window) == [CREATE_CALL_ID], timeout=WAIT_MS)
    assert NoticeItem(STOPPED_NOTICE) in again.window.chat_view.items()
    send(qtbot, again, "Which sandbox did you create?")
    assert_model_was_told(fake_services, sandbox)
    assert sandbox_ids(fake_services) == before | {sandbox}


def _question(window: MainWindow) -> QMessageBox | None:
    for box in window.findChildren(QMessageBox, "rewindWarningDialog"):
        if box.isVisible():
            return box
    return None


def _answer(qtbot: QtBot, window: MainWindow, button: str) -> str:
    """Wait for the question, click `button`; the question's text."""
    qtbot.waitUntil(lambda: _question(window) is not None, timeout=WAIT_MS)
    box = _question(window)
    assert box is not None
    keep = box.findChild(QPushButton, "keepReplyButton")
    assert box.defaultButton() is keep and box.escapeButton() is keep  # Enter and Esc keep it
    text = f"{box.text()}\n{box.informativeText()}"
    qtbot.mouseClick(box.findChild(QPushButton, button), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: _question(window) is None, timeout=WAIT_MS)
    return text


def test_asking_an_interrupted_turn_again_asks_first_and_a_no_creates_nothing(
    qtbot: QtBot, app_harness: AppHarness, fake_services: FakeServices, app_paths: AppPaths
) -> None:
    sandbox = run_and_kill_after_the_tool_call(fake_services, app_paths.database_file)
    count = len(fake_services.e2b.sandboxes())
    app = app_harness.start()
    _ready(qtbot, app)
    window = app.window
    # Reopened: the prompt, its card and "interrupted".
    qtbot.waitUntil(lambda: _card_ids(window) == [CREATE_CALL_ID], timeout=WAIT_MS)
    items = window.chat_view.items()
    assert items[0] == UserItem(CREATE_PROMPT) and items[-1] == NoticeItem(INTERRUPTED_NOTICE)
    qtbot.waitUntil(lambda: window.regenerate_action.isEnabled(), timeout=WAIT_MS)
    requests = len(fake_services.openai.requests)

    # Edit and resend: asked first; Cancel keeps the reply and the edited text in the box.
    assert window.start_editing_last()
    window.message_input.setPlainText("Create a sandbox called demo")
    qtbot.keyClick(window.message_input, Qt.Key.Key_Return)
    text = _answer(qtbot, window, "keepReplyButton")
    assert "E2B_CREATE_SANDBOX" in text and "edited message" in text
    assert window.message_input.toPlainText() == "Create a sandbox called demo"
    window.cancel_editing()

    # Regenerate: asked first, naming what ran; Cancel keeps everything as it was.
    window.regenerate_action.trigger()
    text = _answer(qtbot, window, "keepReplyButton")
    assert "E2B_CREATE_SANDBOX templateID=base" in text and "regenerate" in text
    wait_idle(qtbot, app)
    assert len(fake_services.e2b.sandboxes()) == count
    assert len(fake_services.openai.requests) == requests  # the model was not asked again
    with ConversationStore(app_paths.database_file) as store:
        [summary] = store.list_conversations()
        [turn] = store.turns(summary.id)
    assert (turn.prompt, turn.status) == (CREATE_PROMPT, "pending")
    assert _card_ids(window) == [CREATE_CALL_ID]

    # "Regenerate anyway" goes on: the turn is asked again in its place.
    fake_services.openai.script.push(Reply.text("Asked again."))
    window.regenerate_action.trigger()
    _answer(qtbot, window, "rewindAnywayButton")
    qtbot.waitUntil(lambda: shown_replies(app) == ["Asked again."], timeout=WAIT_MS)
    wait_idle(qtbot, app)
    assert len(fake_services.openai.requests) == requests + 1
    body = json.dumps(fake_services.openai.requests[-1].json)
    assert CREATE_PROMPT in body and sandbox not in body  # the old turn is gone, as warned
    with ConversationStore(app_paths.database_file) as store:
        [turn] = store.turns(summary.id)
    assert (turn.prompt, turn.status, turn.text) == (CREATE_PROMPT, "complete", "Asked again.")
