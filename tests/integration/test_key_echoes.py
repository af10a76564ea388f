"""A key a tool repeats back reaches no model request, stored row, export, screen or log line
(issue 10, item 2).

The fake Tool Router answers the listing with a body that repeats the request's `x-api-key` as
it is, in base64 (also inside a Basic credential), percent- and form-encoded, next to a URL with
a password (`key_echo`), once as an MCP error and once as a result. The Composio key has
characters that each encoding writes differently.
"""

from __future__ import annotations

import base64
import io
import json
import logging
import sqlite3
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest
import qasync
from pytestqt.qtbot import QtBot

from desktop.cli import run_cli
from desktop.core.agent.events import ToolCallFinished, TurnEvent
from desktop.core.config.sandbox_rates import SandboxRates
from desktop.core.config.secrets import MemorySecretStore
from desktop.core.config.settings import Settings
from desktop.core.redaction import MARK, Redactor
from desktop.core.sandboxes.service import SandboxService
from desktop.log_setup import configure_logging
from desktop.paths import AppPaths
from desktop.ui.chat.message_widget import AssistantMessageWidget
from desktop.ui.chat.tool_card import ToolCardWidget
from tests.fakes.composio_backend import ECHO_PROXY_PASSWORD
from tests.fakes.harness import FakeServices
from tests.fakes.pytest_plugin import FakeServicesFactory
from tests.integration.chat_helpers import collect, run, session_for
from tests.ui.app_support import AppHarness, send, wait_for

# The fake accepts any key that starts with "test-composio".
KEY = "test-composio-Kx9/Qz+r=8 w&T"
PROMPTS = ("list my sandboxes", "what did I ask before?")


def leaked(text: str) -> list[str]:
    """The forms of `KEY` (and the URL's password) that `text` holds, by name."""
    raw = KEY.encode()
    # "agent:" is 6 bytes: the key's own characters of the Basic credential start at the 8th.
    basic = base64.b64encode(b"agent:" + raw).decode()
    forms = {
        "as it is": KEY,
        "base64": base64.b64encode(raw).decode().rstrip("="),
        "URL-safe base64": base64.urlsafe_b64encode(raw).decode().rstrip("="),
        "in a Basic credential": basic[8:36],
        "percent-encoded": quote(KEY, safe=""),
        "form-encoded": quote_plus(KEY),
        "the URL's password": ECHO_PROXY_PASSWORD,
    }
    return [name for name, form in forms.items() if form in text]


def leaks(texts: dict[str, str]) -> dict[str, list[str]]:
    """Where a form of the key was found, and which: {} when nowhere."""
    return {where: found for where, text in texts.items() if (found := leaked(text))}


def model_requests_of(services: FakeServices) -> dict[str, str]:
    return {
        f"model request {n}": json.dumps(r.json) for n, r in enumerate(services.openai.requests, 1)
    }


def model_requests(services: FakeServices) -> dict[str, str]:
    requests = model_requests_of(services)
    assert len(requests) >= 3  # the call, the answer to its result, the second prompt
    return requests


@pytest.fixture(params=[True, False], ids=["as an error", "as a result"])
def echoing(
    request: pytest.FixtureRequest, fake_services_factory: FakeServicesFactory
) -> FakeServices:
    services = fake_services_factory(composio_api_key=KEY)
    services.composio.behaviour.key_echoes["E2B_LIST_ALL_SANDBOXES"] = request.param
    return services


@pytest.fixture
def logged(tmp_path: Path, restore_root_logger: None) -> tuple[Path, Redactor]:
    """The app's logging (at debug level) into a file, with the redactor it is given."""
    path, redactor = tmp_path / "logs" / "e2b-agent.log", Redactor()
    configure_logging(path, redactor, level=logging.DEBUG)
    return path, redactor


def test_the_model_and_the_turns_events_never_hold_an_echoed_key(echoing: FakeServices) -> None:
    async def scenario() -> list[TurnEvent]:
        session = session_for(echoing)
        try:
            return [event for prompt in PROMPTS for event in await collect(session, prompt)]
        finally:
            await session.aclose()

    events = run(scenario())
    texts = model_requests(echoing)
    texts |= {f"event {n}": repr(event) for n, event in enumerate(events, 1)}
    assert leaks(texts) == {}
    [finished] = [e for e in events if isinstance(e, ToolCallFinished)]
    assert MARK in finished.result_text  # the echo arrived, redacted


def test_the_sandbox_list_without_the_model_never_holds_an_echoed_key(
    echoing: FakeServices,
) -> None:
    async def scenario() -> tuple[str, str]:
        session = session_for(echoing)
        try:
            service = SandboxService(lambda: session, SandboxRates.of(Settings()))
            view = await service.refresh()
            return repr(view), view.error.message if view.error else ""
        finally:
            await session.aclose()

    shown, error = run(scenario())
    assert leaks({"view": shown, "error": error}) == {}
    assert MARK in shown
    assert echoing.openai.requests == []  # listed through the router alone


def test_the_terminal_and_the_log_never_show_an_echoed_key(
    echoing: FakeServices, logged: tuple[Path, Redactor], tmp_path: Path
) -> None:
    log_file, redactor = logged
    out, err = io.StringIO(), io.StringIO()
    code = run_cli(
        Settings(),
        MemorySecretStore(),
        environ=echoing.env(),
        cwd=tmp_path,
        stdin=io.StringIO("".join(f"{prompt}\n" for prompt in PROMPTS) + "exit\n"),
        stdout=out,
        stderr=err,
        known_secrets=redactor.add,
    )
    assert code == 0
    logging.shutdown()
    texts = {"stdout": out.getvalue(), "stderr": err.getvalue(), "log": log_file.read_text()}
    assert leaks(texts | model_requests(echoing)) == {}
    assert "-> List all sandboxes (E2B_LIST_ALL_SANDBOXES)" in out.getvalue()
    assert MARK in out.getvalue()  # the echoed error is quoted, redacted


def test_the_window_the_database_and_the_exports_never_hold_an_echoed_key(
    qtbot: QtBot,
    qasync_loop: qasync.QEventLoop,
    echoing: FakeServices,
    logged: tuple[Path, Redactor],
    tmp_path: Path,
) -> None:
    log_file, redactor = logged
    paths = AppPaths(tmp_path / "config", tmp_path / "data", tmp_path / "logs")
    paths.ensure()
    harness = AppHarness(qtbot, paths, echoing)
    try:
        app = harness.start(redactor)
        for prompt in PROMPTS:
            send(qtbot, app, prompt)
        [card] = app.window.chat_view.findChildren(ToolCardWidget)
        card.set_expanded(True)
        replies = [
            entry.plain_text()
            for entry in app.window.chat_view.entries()
            if isinstance(entry, AssistantMessageWidget)
        ]
        texts = {
            "the card's errors": card.errors_label.text(),
            "the card's result": card.result_text_shown,
            "the replies": "\n".join(replies),
        }
        store, conversation_id = app.conversation_store, app.controller.conversation_id
        assert store is not None and conversation_id is not None
        texts["JSON export"] = wait_for(qtbot, store.export_json(conversation_id))
        texts["Markdown export"] = wait_for(qtbot, store.export_markdown(conversation_id))
    finally:
        harness.close_all()
    with sqlite3.connect(paths.database_file) as database:
        texts["database rows"] = "\n".join(database.iterdump())
    logging.shutdown()
    texts["log"] = log_file.read_text()
    assert leaks(texts | model_requests(echoing)) == {}
    assert MARK in texts["the card's result"]  # the echo arrived, redacted
    assert MARK in texts["database rows"]


def test_a_key_pasted_into_a_prompt_is_neither_sent_nor_stored(
    qtbot: QtBot,
    qasync_loop: qasync.QEventLoop,
    fake_services_factory: FakeServicesFactory,
    tmp_path: Path,
) -> None:
    """The person's own bubble keeps what they typed; the model, the conversation's title and
    its rows get the prompt without the key."""
    services = fake_services_factory(composio_api_key=KEY)
    paths = AppPaths(tmp_path / "config", tmp_path / "data", tmp_path / "logs")
    paths.ensure()
    harness = AppHarness(qtbot, paths, services)
    try:
        app = harness.start()
        send(qtbot, app, f"{KEY} is my key, what did I ask before?")
        store, conversation_id = app.conversation_store, app.controller.conversation_id
        assert store is not None and conversation_id is not None
        exported = wait_for(qtbot, store.export_json(conversation_id))
    finally:
        harness.close_all()
    with sqlite3.connect(paths.database_file) as database:
        rows = "\n".join(database.iterdump())
    texts = model_requests_of(services) | {"database rows": rows, "JSON export": exported}
    assert leaks(texts) == {}
    assert f"{MARK} is my key" in rows
