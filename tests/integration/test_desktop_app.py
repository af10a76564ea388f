"""The whole app, offscreen: keys, settings, connection and turns typed into the real window."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from threading import current_thread
from typing import Any

import httpx
import httpx2
import pytest
import qasync
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from desktop.core import lazy_imports
from desktop.core.agent.session import ChatSession
from desktop.core.config.secrets import (
    KeyringSecretStore,
    MemorySecretStore,
    SecretName,
    SecretStore,
)
from desktop.core.conversations.persistent import PersistentChat
from desktop.core.conversations.threaded import ThreadedBackend
from desktop.core.errors import ErrorKind
from desktop.core.redaction import Redactor
from desktop.desktop_app import DesktopApp
from desktop.paths import AppPaths
from desktop.ui.chat.message_widget import (
    AssistantMessageWidget,
    ErrorWidget,
    prepare_rendering,
)
from desktop.ui.chat.tool_card import ToolCardWidget
from tests.fakes.e2b_emulator import SEED_RUNNING_ID
from tests.fakes.harness import FakeServices
from tests.fakes.keyring_backend import InMemoryKeyring
from tests.fakes.openai_conversation import parse_conversation
from tests.fakes.openai_script import Reply
from tests.integration.chat_helpers import FAST_TIMEOUTS
from tests.ui.app_support import wait_for

WAIT_MS = 20_000


@pytest.fixture
def paths(tmp_path: Path) -> AppPaths:
    app_paths = AppPaths(tmp_path / "config", tmp_path / "data", tmp_path / "logs")
    app_paths.ensure()
    return app_paths


class Harness:
    """Builds DesktopApps on the fakes and shuts each one down at the end of the test."""

    def __init__(self, qtbot: QtBot, paths: AppPaths, tmp_path: Path) -> None:
        self.qtbot = qtbot
        self.paths = paths
        self.cwd = tmp_path
        self.apps: list[DesktopApp] = []

    def start(self, environ: dict[str, str], store: SecretStore | None = None) -> DesktopApp:
        app = DesktopApp(
            self.paths,
            Redactor(),
            environ=environ,
            cwd=self.cwd,
            secret_store=store or MemorySecretStore(),
            timeouts=FAST_TIMEOUTS,
        )
        # Not qtbot.addWidget: pytest-qt would close the window before this harness shuts the
        # app down, leaving its tasks to touch deleted widgets.
        self.apps.append(app)
        app.window.show()
        self.qtbot.waitExposed(app.window)
        started = asyncio.ensure_future(app.start())
        self.qtbot.waitUntil(started.done, timeout=WAIT_MS)
        started.result()
        assert app.ready.is_set()
        return app

    def close(self, app: DesktopApp) -> None:
        task = asyncio.ensure_future(app.shutdown())
        self.qtbot.waitUntil(task.done, timeout=WAIT_MS)
        task.result()
        self.apps.remove(app)
        app.window.deleteLater()

    def close_all(self) -> None:
        for app in list(self.apps):
            self.close(app)


@pytest.fixture
def harness(
    qtbot: QtBot, qasync_loop: qasync.QEventLoop, paths: AppPaths, tmp_path: Path
) -> Iterator[Harness]:
    made = Harness(qtbot, paths, tmp_path)
    yield made
    made.close_all()


def endpoints_only(services: FakeServices) -> dict[str, str]:
    env = services.env()
    return {k: env[k] for k in ("OPENAI_BASE_URL", "COMPOSIO_BASE_URL")}


def wait_ready(qtbot: QtBot, app: DesktopApp) -> None:
    qtbot.waitUntil(
        lambda: app.controller.connection_status.state.value in ("ready", "error"),
        timeout=WAIT_MS,
    )


def send(qtbot: QtBot, app: DesktopApp, text: str) -> None:
    field = app.window.message_input
    field.setFocus()
    qtbot.keyClicks(field, text)
    qtbot.keyClick(field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: app.window.busy, timeout=WAIT_MS)


def wait_idle(qtbot: QtBot, app: DesktopApp) -> None:
    qtbot.waitUntil(lambda: not app.window.busy, timeout=WAIT_MS)


def replies(app: DesktopApp) -> list[str]:
    return [
        e.plain_text()
        for e in app.window.chat_view.entries()
        if isinstance(e, AssistantMessageWidget)
    ]


def test_a_turn_typed_into_the_window_streams_text_and_shows_the_e2b_action(
    qtbot: QtBot, harness: Harness, fake_services: FakeServices
) -> None:
    app = harness.start(fake_services.env())
    wait_ready(qtbot, app)
    assert app.controller.connection_status.state.value == "ready"
    status = app.window.connection_status.text
    pattern = r"Model server: not checked · Composio: ready · Tool Router: \d+ tools"
    assert re.fullmatch(pattern, status), status

    send(qtbot, app, "list my sandboxes")
    qtbot.waitUntil(lambda: app.window.chat_view.findChild(ToolCardWidget) is not None)
    wait_idle(qtbot, app)
    card = app.window.chat_view.findChild(ToolCardWidget)
    assert card is not None and card.outcome == "success"
    # The card is titled by the E2B action inside the router call, not the router tool.
    assert card.title_label.text() == "E2B_LIST_ALL_SANDBOXES"
    assert SEED_RUNNING_ID in replies(app)[-1]

    # A second turn remembers the first: the history reached the fake model.
    send(qtbot, app, "what did I just ask?")
    wait_idle(qtbot, app)
    assert "list my sandboxes" in replies(app)[-1]
    users = [t.text for t in parse_conversation(fake_services.openai.requests[-1].json)]
    assert "list my sandboxes" in users


def test_the_agent_runs_on_its_own_thread_not_the_windows(
    qtbot: QtBot,
    harness: Harness,
    fake_services: FakeServices,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Every HTTP request of the process, whichever library sends it (the app's own requests go
    # through httpx; openai and the MCP client through httpx2), and the thread that sent it.
    sent: list[tuple[str, threading.Thread]] = []
    for client_class in (httpx.AsyncClient, httpx2.AsyncClient):
        original = client_class.send

        async def recording_send(
            self: Any, request: Any, *args: Any, _original: Any = original, **kwargs: Any
        ) -> Any:
            sent.append((request.url.path, current_thread()))
            return await _original(self, request, *args, **kwargs)

        monkeypatch.setattr(client_class, "send", recording_send)

    app = harness.start(fake_services.env())
    wait_ready(qtbot, app)
    backend = app.controller.backend
    assert isinstance(backend, ThreadedBackend)
    inner = backend.inner
    assert isinstance(inner, PersistentChat)
    stored_on: list[threading.Thread] = []
    app.agent_loop.call_soon(inner.watch, lambda _change: stored_on.append(current_thread()))
    send(qtbot, app, "list my sandboxes")
    wait_idle(qtbot, app)
    assert SEED_RUNNING_ID in replies(app)[-1]
    env = fake_services.env()
    keys = {
        SecretName.OPENAI_API_KEY: env["OPENAI_API_KEY"],
        SecretName.COMPOSIO_API_KEY: env["COMPOSIO_API_KEY"],
    }
    settings = app.settings.model_copy(update={"user_id": env["USER_ID"]})
    assert wait_for(qtbot, app._probe(settings, keys))  # Settings' Test connection

    agent_thread = app.agent_loop.thread
    assert agent_thread is not threading.main_thread()
    paths = [path for path, _thread in sent]
    # The session, the light MCP check, the agent's MCP link and the model requests all went out.
    assert any("/v1/responses" in path for path in paths), paths
    assert any("/mcp" in path for path in paths), paths
    assert len(sent) >= 5
    assert {thread for _path, thread in sent} == {agent_thread}
    # The persistent chat stored the turn from the agent's thread too.
    assert stored_on and set(stored_on) == {agent_thread}
    assert isinstance(inner.session, ChatSession)


def test_stop_mid_stream_keeps_what_arrived(
    qtbot: QtBot, harness: Harness, fake_services: FakeServices
) -> None:
    fake_services.openai.script.push(
        Reply.slow_text("first second third fourth fifth sixth seventh", delay_per_chunk=0.3)
    )
    app = harness.start(fake_services.env())
    wait_ready(qtbot, app)
    send(qtbot, app, "talk slowly")
    qtbot.waitUntil(lambda: bool(replies(app) and replies(app)[-1]), timeout=WAIT_MS)
    qtbot.mouseClick(app.window.stop_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, app)
    kept = replies(app)[-1]
    assert kept.startswith("firs")
    assert "seventh" not in kept
    # The window is usable again and the partial reply is part of the conversation.
    send(qtbot, app, "what did I just ask?")
    wait_idle(qtbot, app)
    assert "talk slowly" in replies(app)[-1]


def test_first_run_asks_for_keys_which_survive_a_restart(
    qtbot: QtBot,
    harness: Harness,
    fake_services: FakeServices,
    memory_keyring: InMemoryKeyring,
    paths: AppPaths,
) -> None:
    env = fake_services.env()
    app = harness.start(endpoints_only(fake_services), KeyringSecretStore())
    qtbot.waitUntil(lambda: app.dialog is not None and app.dialog.isVisible(), timeout=WAIT_MS)
    dialog = app.dialog
    assert dialog is not None and dialog.objectName() == "settingsDialog"
    assert dialog.keys.first_run_label.isVisible()
    assert app.controller.connection_status.state.value == "not_configured"

    qtbot.keyClicks(dialog.keys.openai_key.edit, env["OPENAI_API_KEY"])
    qtbot.keyClicks(dialog.keys.composio_key.edit, env["COMPOSIO_API_KEY"])
    qtbot.keyClicks(dialog.keys.user_id_field, env["USER_ID"])
    qtbot.waitUntil(dialog.save_button.isEnabled)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    wait_ready(qtbot, app)
    assert app.controller.connection_status.state.value == "ready"

    # Keys went to the keyring, only the rest to the settings file.
    stored = memory_keyring.passwords
    assert stored[("e2b-agent", SecretName.OPENAI_API_KEY.value)] == env["OPENAI_API_KEY"]
    assert stored[("e2b-agent", SecretName.COMPOSIO_API_KEY.value)] == env["COMPOSIO_API_KEY"]
    settings_text = paths.settings_file.read_text()
    assert json.loads(settings_text)["user_id"] == env["USER_ID"]
    assert env["OPENAI_API_KEY"] not in settings_text
    assert env["COMPOSIO_API_KEY"] not in settings_text
    harness.close(app)

    # A new start finds everything: no dialog, straight to ready, and chatting works.
    again = harness.start(endpoints_only(fake_services), KeyringSecretStore())
    wait_ready(qtbot, again)
    assert again.dialog is None
    assert again.controller.connection_status.state.value == "ready"
    send(qtbot, again, "hello")
    wait_idle(qtbot, again)
    assert replies(again)


def test_settings_opened_before_the_keyring_is_open_wait_for_it(
    qtbot: QtBot,
    qasync_loop: qasync.QEventLoop,
    memory_keyring: InMemoryKeyring,
    paths: AppPaths,
    tmp_path: Path,
) -> None:
    """Settings (Ctrl+,) works from the first paint: it shows and saves to the keyring, not
    to a stand-in in memory, even while the keyring is still opening."""
    app = DesktopApp(paths, Redactor(), environ={}, cwd=tmp_path, timeouts=FAST_TIMEOUTS)
    try:
        app.open_settings()  # before start(): the keyring is not open yet
        qtbot.waitUntil(lambda: app.dialog is not None, timeout=WAIT_MS)
        assert app.dialog is not None
        assert "InMemoryKeyring" in app.dialog.keys.keyring_label.text()
        assert app.store is not None and app.store.is_secure
    finally:
        if app.dialog is not None:
            app.dialog.reject()
        app.window.close_for_good()


def test_no_secure_keyring_is_said_plainly(
    qtbot: QtBot, harness: Harness, fake_services: FakeServices
) -> None:
    app = harness.start(endpoints_only(fake_services), MemorySecretStore())
    qtbot.waitUntil(lambda: app.dialog is not None and app.dialog.isVisible(), timeout=WAIT_MS)
    texts = " ".join(label.text() for label in app.dialog.findChildren(QLabel))  # type: ignore[union-attr]
    assert "No secure keyring" in texts
    assert "memory" in texts


@pytest.mark.parametrize(
    ("arrange", "kind"),
    [
        (lambda s: setattr(s.openai, "api_keys", {"sk-test-other"}), "openai"),
        (lambda s: s.openai.script.push(Reply.error(429, retry_after=7), times=2), "rate"),
        (lambda s: s.openai.script.push(Reply.error(500), times=2), "server"),
        (lambda s: s.openai.script.push(Reply.hang()), "timeout"),
    ],
)
def test_turn_errors_appear_inline(
    qtbot: QtBot, harness: Harness, fake_services: FakeServices, arrange: object, kind: str
) -> None:
    app = harness.start(fake_services.env())
    wait_ready(qtbot, app)
    arrange(fake_services)  # type: ignore[operator]
    send(qtbot, app, "hello")
    wait_idle(qtbot, app)
    errors = [e for e in app.window.chat_view.entries() if isinstance(e, ErrorWidget)]
    assert len(errors) == 1
    text = errors[0].label.text()
    expected = {
        "openai": "The model server rejected the API key (401)",
        "rate": "wait 7 s",
        "server": "server error",
        "timeout": "did not answer",
    }[kind]
    assert expected in text
    assert "Traceback" not in text


@pytest.mark.parametrize(
    ("arrange", "kind"),
    [
        (
            lambda s: setattr(s.composio.behaviour, "mcp_rejects_all_keys", True),
            ErrorKind.MCP_KEY_REJECTED,
        ),
        (
            lambda s: setattr(s.composio, "api_keys", {"test-composio-other"}),
            ErrorKind.COMPOSIO_KEY_REJECTED,
        ),
    ],
)
def test_connection_errors_show_in_the_status_bar_and_inline(
    qtbot: QtBot, harness: Harness, fake_services: FakeServices, arrange: object, kind: ErrorKind
) -> None:
    arrange(fake_services)  # type: ignore[operator]
    app = harness.start(fake_services.env())
    wait_ready(qtbot, app)
    status = app.controller.connection_status
    assert status.state.value == "error"
    expected = {
        ErrorKind.MCP_KEY_REJECTED: "The Tool Router refused the Composio key",
        ErrorKind.COMPOSIO_KEY_REJECTED: "Composio rejected the API key",
    }[kind]
    label = app.window.findChild(QLabel, "statusConnectionLabel").text()
    assert expected in label
    # Each service shows its own state: the one that refused, and what it left unreached.
    shown = app.window.connection_status.text
    assert {
        ErrorKind.MCP_KEY_REJECTED: "Composio: ready · Tool Router: error",
        ErrorKind.COMPOSIO_KEY_REJECTED: "Composio: error · Tool Router: not checked",
    }[kind] in shown, shown
    send(qtbot, app, "hello")
    wait_idle(qtbot, app)
    errors = [e for e in app.window.chat_view.entries() if isinstance(e, ErrorWidget)]
    assert len(errors) == 1
    assert expected in errors[0].label.text()


def test_an_unreachable_model_server_is_named_and_shown_apart_from_composio(
    qtbot: QtBot, harness: Harness, fake_services: FakeServices, unreachable_url: str
) -> None:
    """Issue 10, item 16: "Could not reach The model server (127.0.0.1:38017) at
    127.0.0.1:38017", and the status bar said "Composio: error"."""
    app = harness.start({**fake_services.env(), "OPENAI_BASE_URL": f"{unreachable_url}/v1"})
    wait_ready(qtbot, app)
    send(qtbot, app, "hello")
    wait_idle(qtbot, app)
    errors = [e for e in app.window.chat_view.entries() if isinstance(e, ErrorWidget)]
    host = unreachable_url.removeprefix("http://")
    assert [e.label.text() for e in errors] == [
        f"Could not reach the model server at {host}: check your internet connection, proxy "
        "or OPENAI_BASE_URL, then try again."
    ]
    shown = app.window.connection_status.text
    assert shown.startswith("Model server: error · Composio: ready · Tool Router: "), shown
    assert shown.count(host) == 1, shown


def test_the_window_imports_the_agent_with_the_collector_paused(
    harness: Harness, fake_services: FakeServices, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The core leaves gc alone; the window's start-up chooses to pause it while the agent's
    libraries import (tests/unit/test_lazy_imports.py holds the rest)."""
    name = "window_gc_probe"
    (tmp_path / f"{name}.py").write_text("import gc\nENABLED = gc.isenabled()\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, name, raising=False)
    monkeypatch.setattr(lazy_imports, "_guard", contextlib.nullcontext)
    harness.start(fake_services.env())
    lazy_imports.start_import((name,)).result(timeout=30)
    assert sys.modules[name].ENABLED is False
    monkeypatch.delitem(sys.modules, name)


def test_the_window_imports_what_replies_render_with_once_it_starts(
    harness: Harness, fake_services: FakeServices, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[tuple[tuple[str, ...], object]] = []
    # The window imports it when it starts (after the first paint), from lazy_imports.
    monkeypatch.setattr(
        lazy_imports,
        "start_import",
        lambda modules, then=None: started.append((tuple(modules), then)),
    )
    harness.start(fake_services.env())
    assert (lazy_imports.RENDERING, prepare_rendering) in started
