"""The whole window on a real conversation database and the loopback fakes, for sidebar tests."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from pydantic_ai.messages import (
    ModelMessagesTypeAdapter,
    ModelRequest,
    ModelResponse,
    TextPart,
    UserPromptPart,
)
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton
from pytestqt.qtbot import QtBot

from desktop.core.config.secrets import MemorySecretStore, SecretStore
from desktop.core.redaction import Redactor
from desktop.core.store.sqlite import ConversationStore
from desktop.desktop_app import DesktopApp
from desktop.paths import AppPaths
from desktop.ui.chat.message_widget import AssistantMessageWidget, UserMessageWidget
from tests.fakes.composio_backend import ToolCallRecord
from tests.fakes.harness import FakeServices
from tests.integration.chat_helpers import FAST_TIMEOUTS

T = TypeVar("T")
WAIT_MS = 20_000
MODEL = "openai:gpt-5"


def wait_for(qtbot: QtBot, coroutine: Coroutine[Any, Any, T], timeout: int = WAIT_MS) -> T:
    """Run a coroutine on the qasync loop while Qt spins; its result."""
    task = asyncio.ensure_future(coroutine)
    qtbot.waitUntil(task.done, timeout=timeout)
    return task.result()


class AppHarness:
    """Starts DesktopApps on the fakes and one database; shuts each down at the end."""

    def __init__(self, qtbot: QtBot, paths: AppPaths, services: FakeServices) -> None:
        self.qtbot = qtbot
        self.paths = paths
        self.services = services
        self.apps: list[DesktopApp] = []

    def start(
        self,
        redactor: Redactor | None = None,
        *,
        environ: dict[str, str] | None = None,
        secret_store: SecretStore | None = None,
        **kwargs: Any,
    ) -> DesktopApp:
        """A started app; by default with the fakes' keys in its environment and a store in
        memory."""
        app = DesktopApp(
            self.paths,
            redactor or Redactor(),
            environ=self.services.env() if environ is None else environ,
            cwd=self.paths.config_dir.parent,
            secret_store=secret_store or MemorySecretStore(),
            timeouts=FAST_TIMEOUTS,
            **kwargs,
        )
        self.apps.append(app)
        app.window.show()
        self.qtbot.waitExposed(app.window)
        wait_for(self.qtbot, app.start())
        return app

    def close(self, app: DesktopApp) -> None:
        wait_for(self.qtbot, app.shutdown())
        self.apps.remove(app)
        app.window.deleteLater()

    def close_all(self) -> None:
        for app in list(self.apps):
            self.close(app)


def agent_tool_calls(services: FakeServices) -> list[ToolCallRecord]:
    """The router calls the agent made: without the sandbox panel's own listings (read without
    the model after a call that may change sandboxes)."""
    return [call for call in services.composio.tool_calls if not _panel_listing(call)]


def _panel_listing(call: ToolCallRecord) -> bool:
    tools = call.arguments.get("tools") or []
    return bool(tools) and all(
        isinstance(t, dict) and t.get("tool_slug") == "E2B_LIST_ALL_SANDBOXES" for t in tools
    )


def seed(
    db: Path, conversations: Sequence[tuple[str, Sequence[tuple[str, str]]]], *, start: float = 0
) -> list[str]:
    """Store conversations (oldest first) of (prompt, reply) turns, a minute apart; their ids."""
    clock = [start or datetime(2025, 1, 6, 9, 0, tzinfo=UTC).timestamp()]

    def tick() -> float:
        clock[0] += 60
        return clock[0]

    ids = []
    with ConversationStore(db, clock=tick) as store:
        for title, turns in conversations:
            cid = store.create_conversation(MODEL, title)
            for prompt, reply in turns:
                turn = store.begin_turn(cid, prompt)
                messages = ModelMessagesTypeAdapter.dump_json(
                    [
                        ModelRequest(parts=[UserPromptPart(prompt)]),
                        ModelResponse(parts=[TextPart(reply)]),
                    ]
                )
                store.complete_turn(turn, messages, reply)
            ids.append(cid)
    return ids


def send(qtbot: QtBot, app: DesktopApp, text: str, *, approve: bool = False) -> None:
    """Type a message and press Enter; waits until the reply has finished. `approve`: the
    reply waits for a person's consent, given by clicking "Allow once" on its card."""
    field = app.window.message_input
    field.setFocus()
    qtbot.keyClicks(field, text)
    with qtbot.waitSignal(app.controller.busy_changed, timeout=WAIT_MS):
        qtbot.keyClick(field, Qt.Key.Key_Return)
    if approve:
        click_approve(qtbot, app)
    wait_idle(qtbot, app)


def click_approve(qtbot: QtBot, app: DesktopApp) -> None:
    """Click "Allow once" on the approval card that is waiting."""

    def waiting() -> QPushButton | None:
        for button in app.window.findChildren(QPushButton, "approveButton"):
            if button.isVisible() and button.isEnabled():
                return button
        return None

    qtbot.waitUntil(lambda: waiting() is not None, timeout=WAIT_MS)
    button = waiting()
    assert button is not None
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def wait_idle(qtbot: QtBot, app: DesktopApp) -> None:
    qtbot.waitUntil(lambda: not app.controller.busy, timeout=WAIT_MS)


def shown_prompts(app: DesktopApp) -> list[str]:
    return [e.text for e in app.window.chat_view.entries() if isinstance(e, UserMessageWidget)]


def shown_replies(app: DesktopApp) -> list[str]:
    return [
        e.plain_text()
        for e in app.window.chat_view.entries()
        if isinstance(e, AssistantMessageWidget)
    ]


def sidebar_titles(app: DesktopApp) -> list[str]:
    return [s.title for s in app.sidebar.model.summaries()]
