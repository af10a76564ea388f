"""The whole window on the fakes and a real database: a chat's budget reached stops the agent
before its next model request, the message offers "Raise budget…" (a dialog pre-filled with a
higher amount, kept with the chat), and the next prompt then runs; the ⋯ menu sets it too, and
each reply says on hover which model wrote it, its tokens and its money."""

from __future__ import annotations

import sqlite3
from decimal import Decimal

import pytest
from PySide6.QtCore import QLocale, Qt
from PySide6.QtWidgets import QApplication, QMenu, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from desktop.core.agent.budget import BudgetStatus
from desktop.core.errors import Service
from desktop.core.money import money_text
from desktop.desktop_app import DesktopApp
from desktop.paths import AppPaths
from desktop.ui.chat.message_widget import AssistantMessageWidget, ErrorWidget
from desktop.ui.window.budget_dialog import BudgetDialog
from tests.fakes.harness import FakeServices
from tests.ui.app_support import WAIT_MS, AppHarness, send, wait_for

MODEL = "openai:gpt-5"


def _ready(qtbot: QtBot, app: DesktopApp) -> None:
    qtbot.waitUntil(
        lambda: app.controller.connection_status.state.value == "ready", timeout=WAIT_MS
    )


def _stored_budget(paths: AppPaths) -> str | None:
    with sqlite3.connect(paths.database_file) as conn:
        (budget,) = conn.execute("SELECT budget FROM conversations").fetchone()
    return budget  # type: ignore[no-any-return]


def _dialog(qtbot: QtBot) -> BudgetDialog:
    def shown() -> BudgetDialog | None:
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, BudgetDialog) and widget.isVisible():
                return widget
        return None

    qtbot.waitUntil(lambda: shown() is not None, timeout=WAIT_MS)
    dialog = shown()
    assert dialog is not None
    return dialog


def _raise_buttons(app: DesktopApp) -> list[QPushButton]:
    return [
        button
        for entry in app.window.chat_view.entries()
        if isinstance(entry, ErrorWidget)
        for button in entry.findChildren(QPushButton, "raiseBudgetButton")
    ]


def test_a_reached_budget_is_raised_from_its_message_and_the_next_prompt_runs(
    qtbot: QtBot, app_harness: AppHarness, fake_services: FakeServices, app_paths: AppPaths
) -> None:
    app = app_harness.start()
    _ready(qtbot, app)
    send(qtbot, app, "hello")
    (reply,) = [e for e in app.window.chat_view.entries() if isinstance(e, AssistantMessageWidget)]
    tip = reply.toolTip()  # per turn on hover: the model, its tokens and money
    assert f"Answered by {MODEL} · " in tip and " tokens · $0.000" in tip
    conversation_id = app.controller.conversation_id
    store = app.conversation_store
    assert conversation_id is not None and store is not None
    wait_for(qtbot, store.set_budget(conversation_id, Decimal("0.0001")))

    send(qtbot, app, "hello again")
    assert len(fake_services.openai.requests) == 1  # stopped before asking the model
    (error,) = [e for e in app.window.chat_view.entries() if isinstance(e, ErrorWidget)]
    assert "of its $0.0001 budget" in error.message and "Raise budget…" in error.message
    (button,) = _raise_buttons(app)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    dialog = _dialog(qtbot)
    assert "$0.0003 of its $0.0001 budget spent" in dialog.status_label.text()
    assert dialog.chosen_amount() == Decimal("0.02")  # higher than spent, pre-filled
    qtbot.mouseClick(dialog.set_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: _stored_budget(app_paths) == "0.02", timeout=WAIT_MS)

    send(qtbot, app, "and now?")
    assert len(fake_services.openai.requests) == 2
    assert "and now?" in str(fake_services.openai.requests[-1].json)

    # Opened again, the stored message still offers its button.
    app.controller.new_conversation()
    assert _raise_buttons(app) == []
    shown = app.controller.open_conversation(conversation_id)
    assert shown is not None
    wait_for(qtbot, shown)
    qtbot.waitUntil(lambda: len(_raise_buttons(app)) == 1, timeout=WAIT_MS)


def test_the_menu_sets_and_removes_the_chats_budget(
    qtbot: QtBot, app_harness: AppHarness, fake_services: FakeServices, app_paths: AppPaths
) -> None:
    app = app_harness.start()
    _ready(qtbot, app)
    menu = app.window.findChild(QMenu, "mainMenu")
    assert menu is not None
    (action,) = [a for a in menu.actions() if a.objectName() == "budgetAction"]
    action.trigger()  # no chat stored yet: says so, asks nothing
    assert "send its first message" in app.window.status_bar.message_label.text()
    send(qtbot, app, "hello")
    action.trigger()
    dialog = _dialog(qtbot)
    assert dialog.status_label.text().startswith("No budget: $0.0003 spent")
    assert dialog.chosen_amount() == Decimal("1.00")
    dialog.amount.setValue(2.5)
    qtbot.mouseClick(dialog.set_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: _stored_budget(app_paths) == "2.50", timeout=WAIT_MS)
    qtbot.waitUntil(
        lambda: "a budget of $2.50" in app.window.status_bar.message_label.text(), timeout=WAIT_MS
    )
    action.trigger()
    dialog = _dialog(qtbot)
    assert dialog.chosen_amount() == Decimal("2.50")
    qtbot.mouseClick(dialog.none_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: _stored_budget(app_paths) == "off", timeout=WAIT_MS)
    send(qtbot, app, "hello again")
    assert len(fake_services.openai.requests) == 2


def test_a_turn_stopped_by_the_budget_counts_in_today_s_cost(
    qtbot: QtBot, app_harness: AppHarness, fake_services: FakeServices
) -> None:
    """The budget stops a turn after its first, paid request: that request's cost is in the
    status bar's costLabel ("Today: $… model"), as a finished turn's is."""
    app = app_harness.start()
    _ready(qtbot, app)
    send(qtbot, app, "hello")
    label = app.sandboxes.cost_label
    qtbot.waitUntil(lambda: (app.sandboxes.model_cost or 0) > 0, timeout=WAIT_MS)
    after_hello = app.sandboxes.model_cost
    assert after_hello is not None
    conversation_id = app.controller.conversation_id
    store = app.conversation_store
    assert conversation_id is not None and store is not None
    wait_for(qtbot, store.set_budget(conversation_id, after_hello + Decimal("0.00001")))

    send(qtbot, app, "create a sandbox", approve=True)  # one request, the call, then stopped
    assert len(fake_services.openai.requests) == 2
    assert [e for e in app.window.chat_view.entries() if isinstance(e, ErrorWidget)]
    qtbot.waitUntil(lambda: (app.sandboxes.model_cost or 0) > after_hello, timeout=WAIT_MS)
    assert label.text().startswith(f"Today: {money_text(app.sandboxes.model_cost)} model")


def test_a_first_turn_stopped_by_the_budget_still_shows_the_model_answered(
    qtbot: QtBot, app_harness: AppHarness, fake_services: FakeServices, app_paths: AppPaths
) -> None:
    """The setting's budget stops the very first turn after its first request: the status bar
    says the model server is ready (it said "not checked")."""
    app_paths.settings_file.write_text('{"conversation_budget": "0.0001"}', encoding="utf-8")
    app = app_harness.start()
    _ready(qtbot, app)
    model = app.window.connection_status.services[Service.MODEL]
    assert model.text == "Model server: not checked"
    send(qtbot, app, "create a sandbox", approve=True)
    assert len(fake_services.openai.requests) == 1
    assert [e for e in app.window.chat_view.entries() if isinstance(e, ErrorWidget)]
    assert model.text == "Model server: ready"


@pytest.mark.parametrize("language", [QLocale.Language.German, QLocale.Language.English])
def test_the_dialog_reads_its_amount_in_any_locale(
    qtbot: QtBot, language: QLocale.Language
) -> None:
    """In a locale that writes cents after a comma ("12,50"), the amount was read as 1250."""
    before = QLocale()
    QLocale.setDefault(QLocale(language))
    try:
        host = QWidget()
        qtbot.addWidget(host)
        dialog = BudgetDialog(host, BudgetStatus(limit=None), Decimal("12.50"), lambda _own: None)
        qtbot.addWidget(dialog)
        assert dialog.chosen_amount() == Decimal("12.50")
        dialog.amount.setValue(1234.5)
        assert dialog.chosen_amount() == Decimal("1234.50")
    finally:
        QLocale.setDefault(before)
