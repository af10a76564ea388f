"""The whole app on the fakes: a model that tries to kill sandboxes for a harmless prompt leaves
the E2B emulator untouched unless a person allowed it, and only what they ticked runs."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QLineEdit,
    QListWidget,
    QPushButton,
    QToolButton,
    QWidget,
)
from pytestqt.qtbot import QtBot

from desktop.core.config.settings import Settings, save_settings
from desktop.core.store.sqlite import ConversationStore
from desktop.paths import AppPaths
from desktop.ui.chat.approval_card import ApprovalCardWidget
from desktop.ui.chat.tool_card import ToolCardWidget
from tests.fakes.e2b_state import SEED_PAUSED_ID, SEED_RUNNING_ID
from tests.fakes.harness import FakeServices
from tests.fakes.openai_conversation import parse_conversation
from tests.fakes.openai_script import Reply
from tests.integration.test_consent import LIST_AND_KILL_BOTH
from tests.ui.app_support import (
    WAIT_MS,
    AppHarness,
    agent_tool_calls,
    send,
    shown_replies,
    wait_idle,
)


def _alive(services: FakeServices) -> set[str]:
    return {box["sandboxID"] for box in services.e2b.sandboxes()}


def _ask(qtbot: QtBot, app_harness: AppHarness, services: FakeServices) -> ApprovalCardWidget:
    services.openai.script.push(
        Reply.tool_call("COMPOSIO_MULTI_EXECUTE_TOOL", LIST_AND_KILL_BOTH), Reply.text("Done.")
    )
    app = app_harness.start()
    qtbot.waitUntil(
        lambda: app.controller.connection_status.state.value == "ready", timeout=WAIT_MS
    )
    field = app.window.message_input
    field.setFocus()
    qtbot.keyClicks(field, "list my sandboxes")
    qtbot.keyClick(field, Qt.Key.Key_Return)

    def card() -> ApprovalCardWidget | None:
        cards = app.window.chat_view.findChildren(ApprovalCardWidget, "approvalCard")
        return cards[-1] if cards and cards[-1].waiting else None

    qtbot.waitUntil(lambda: card() is not None, timeout=WAIT_MS)
    found = card()
    assert found is not None
    # Nothing ran while the card waits; the two kills are offered, neither ticked.
    assert _alive(services) == {SEED_RUNNING_ID, SEED_PAUSED_ID}
    assert services.composio.tool_calls == []
    boxes = found.findChildren(QCheckBox, "approvalItem")
    assert len(boxes) == 2 and not any(box.isChecked() for box in boxes)
    return found


def test_deny_in_the_window_keeps_every_sandbox_and_the_model_hears_why(
    qtbot: QtBot, app_harness: AppHarness, fake_services: FakeServices, app_paths: AppPaths
) -> None:
    card = _ask(qtbot, app_harness, fake_services)
    app = app_harness.apps[-1]
    qtbot.keyClicks(card.findChild(QLineEdit, "denyReason"), "they hold my work")
    qtbot.mouseClick(card.findChild(QPushButton, "denyButton"), Qt.MouseButton.LeftButton)
    wait_idle(qtbot, app)
    assert _alive(fake_services) == {SEED_RUNNING_ID, SEED_PAUSED_ID}
    assert fake_services.composio.tool_calls == []
    turns = parse_conversation(fake_services.openai.requests[-1].json)
    results = [t.text or "" for t in turns if t.role == "tool_result"]
    assert results and "they hold my work" in results[-1]
    assert shown_replies(app) == ["Done."]
    with ConversationStore(app_paths.database_file) as store:
        [summary] = store.list_conversations()
        [turn] = store.turns(summary.id)
    assert [card.consent for card in turn.tool_cards] == ["Denied by you: they hold my work"]


def test_ticking_one_kill_kills_only_that_sandbox(
    qtbot: QtBot, app_harness: AppHarness, fake_services: FakeServices
) -> None:
    card = _ask(qtbot, app_harness, fake_services)
    app = app_harness.apps[-1]
    first, _second = card.findChildren(QCheckBox, "approvalItem")
    qtbot.mouseClick(first, Qt.MouseButton.LeftButton)
    assert first.isChecked()
    qtbot.mouseClick(card.findChild(QPushButton, "approveButton"), Qt.MouseButton.LeftButton)
    wait_idle(qtbot, app)
    assert _alive(fake_services) == {SEED_PAUSED_ID}
    [router_call] = agent_tool_calls(fake_services)
    assert [t["tool_slug"] for t in router_call.arguments["tools"]] == [
        "E2B_LIST_ALL_SANDBOXES",
        "E2B_DELETE_SANDBOXES",
    ]


def test_a_call_a_rule_let_run_says_so_and_links_to_the_rules(
    qtbot: QtBot, app_harness: AppHarness, fake_services: FakeServices, app_paths: AppPaths
) -> None:
    save_settings(
        app_paths.settings_file, Settings(user_id="test-user").with_rule("E2B_CREATE_SANDBOX")
    )
    before = len(_alive(fake_services))
    app = app_harness.start()
    send(qtbot, app, "Start a sandbox from the base template")  # no question: the rule allows
    assert len(_alive(fake_services)) == before + 1
    assert app.window.chat_view.findChildren(ApprovalCardWidget, "approvalCard") == []
    [card] = app.window.chat_view.findChildren(ToolCardWidget, "toolCard")
    assert card.consent_label.text() == "Allowed by your rule: always E2B_CREATE_SANDBOX"
    button = card.findChild(QToolButton, "manageRulesButton")
    assert button is not None and button.isVisible()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)

    def dialog() -> QWidget | None:
        shown = [w for w in QApplication.topLevelWidgets() if w.objectName() == "settingsDialog"]
        return shown[0] if shown and shown[0].isVisible() else None

    qtbot.waitUntil(lambda: dialog() is not None, timeout=WAIT_MS)
    rules = dialog().findChild(QListWidget, "approvalRulesList")  # type: ignore[union-attr]
    assert rules is not None and rules.count() == 1
    dialog().close()  # type: ignore[union-attr]
