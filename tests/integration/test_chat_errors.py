"""Every failure a user can meet becomes one actionable sentence, quickly, with no key in it."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest

from desktop.cli import terminal_text
from desktop.core.agent.events import TurnEvent, TurnFailed, TurnFinished
from desktop.core.agent.session import ChatSession, check_connection
from desktop.core.config.settings import Settings
from desktop.core.errors import ErrorKind, Remedy, UserFacingError
from desktop.ui.messages import window_text
from tests.fakes.harness import FakeServices
from tests.fakes.openai_script import Reply
from tests.fakes.serving import DeadServer
from tests.integration.chat_helpers import (
    FAST_TIMEOUTS,
    collect,
    credentials_for,
    run,
    session_for,
)

# The bound a test waits out when the server under test never answers (the rest stay FAST).
DEAD_SERVER_TIMEOUT = 0.5


def _one_turn(session: ChatSession, prompt: str = "list my sandboxes") -> list[TurnEvent]:
    async def scenario() -> list[TurnEvent]:
        try:
            return await collect(session, prompt)
        finally:
            await session.aclose()

    return run(scenario())


def _failure(events: list[TurnEvent]) -> TurnFailed:
    assert len(events) >= 1
    last = events[-1]
    assert isinstance(last, TurnFailed), events
    assert "Traceback" not in last.message
    assert "\n" not in last.message
    # The core names no control of either face: each face words the remedy.
    for control in ("Settings", "Ctrl+"):
        assert control not in last.message
    return last


def _in_the_window(failure: TurnFailed) -> str:
    return window_text(failure.message, failure.fix)


def _in_the_terminal(failure: TurnFailed) -> str:
    return terminal_text(failure.message, failure.fix, keyring=True)


@pytest.mark.parametrize(
    ("missing", "words"),
    [
        ("openai_api_key", ["OpenAI API key", "OPENAI_API_KEY"]),
        ("composio_api_key", ["Composio API key", "COMPOSIO_API_KEY"]),
        ("user_id", ["user id", "USER_ID"]),
    ],
)
def test_missing_key_says_which_and_where(
    fake_services: FakeServices, missing: str, words: list[str]
) -> None:
    creds = credentials_for(fake_services, **{missing: None})
    failure = _failure(_one_turn(session_for(fake_services, credentials=creds)))
    assert failure.kind is ErrorKind.MISSING_KEY
    for word in words:
        assert word in failure.message
    assert failure.fix is not None and failure.fix.remedy is Remedy.PROVIDE
    assert [item.name for item in failure.fix.items] == [missing]
    label, env_var = words
    assert _in_the_window(failure).endswith(": enter it in Settings (Ctrl+,).")
    assert label in _in_the_window(failure)
    terminal = _in_the_terminal(failure)
    assert f"set {env_var} in the environment or .env" in terminal
    assert "Settings" not in terminal
    if missing != "user_id":  # the user id is a setting, not a keyring entry
        assert f"`keyring set e2b-agent {missing}`" in terminal
    assert fake_services.openai.requests == []


def test_composio_key_rejected(fake_services: FakeServices) -> None:
    creds = credentials_for(fake_services, composio_api_key="test-wrong-composio-key-123")
    failure = _failure(_one_turn(session_for(fake_services, credentials=creds)))
    assert failure.kind is ErrorKind.COMPOSIO_KEY_REJECTED
    assert "Composio" in failure.message and "COMPOSIO_API_KEY" in failure.message
    assert "check the Composio API key in Settings" in _in_the_window(failure)
    assert "check COMPOSIO_API_KEY" in _in_the_terminal(failure)
    assert "test-wrong-composio-key-123" not in failure.message


def test_openai_key_rejected(fake_services: FakeServices) -> None:
    creds = credentials_for(fake_services, openai_api_key="sk-wrong-key-0000000000000000")
    failure = _failure(_one_turn(session_for(fake_services, credentials=creds)))
    assert failure.kind is ErrorKind.OPENAI_KEY_REJECTED
    assert "OpenAI" in failure.message and "OPENAI_API_KEY" in failure.message
    assert "check the OpenAI API key in Settings" in _in_the_window(failure)
    assert "check OPENAI_API_KEY" in _in_the_terminal(failure)
    assert "sk-wrong" not in failure.message


def test_mcp_endpoint_refusing_the_key(fake_services: FakeServices) -> None:
    fake_services.composio.behaviour.mcp_rejects_all_keys = True
    failure = _failure(_one_turn(session_for(fake_services)))
    assert failure.kind is ErrorKind.MCP_KEY_REJECTED
    assert "Tool Router" in failure.message
    assert "Settings" in _in_the_window(failure)


def test_rate_limit_is_reported_at_once_without_silent_retries(
    fake_services: FakeServices,
) -> None:
    fake_services.openai.script.push(Reply.error(429, retry_after=20), times=3)
    failure = _failure(_one_turn(session_for(fake_services), "hello"))
    assert failure.kind is ErrorKind.RATE_LIMITED
    assert "20 s" in failure.message
    # One request: the SDK's retries (which would honour Retry-After and stall) are off.
    assert len(fake_services.openai.requests) == 1


def test_model_server_error(fake_services: FakeServices) -> None:
    fake_services.openai.script.push(Reply.error(500), times=3)
    failure = _failure(_one_turn(session_for(fake_services), "hello"))
    assert failure.kind is ErrorKind.SERVER_ERROR


def test_openai_unreachable(fake_services: FakeServices, unreachable_url: str) -> None:
    session = session_for(fake_services, openai_base_url=unreachable_url + "/v1")
    failure = _failure(_one_turn(session, "hello"))
    assert failure.kind is ErrorKind.UNREACHABLE
    assert "127.0.0.1" in failure.message


def test_a_model_endpoint_that_does_not_parse_is_refused_naming_its_variable(
    fake_services: FakeServices,
) -> None:
    session = session_for(fake_services, openai_base_url="http://[::1/v1")
    failure = _failure(_one_turn(session, "hello"))
    assert failure.kind is ErrorKind.BAD_INPUT
    assert failure.message.startswith("OPENAI_BASE_URL is not a usable address")
    assert "OPENAI_BASE_URL" in _in_the_window(failure)


def test_a_failure_that_cannot_be_worded_still_fails_the_turn(
    fake_services: FakeServices, unreachable_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def trip(*args: object, **kwargs: object) -> UserFacingError:
        raise ValueError("tripped")

    monkeypatch.setattr("desktop.core.agent.turn_stream.describe_model_error", trip)
    session = session_for(fake_services, openai_base_url=unreachable_url + "/v1")
    failure = _failure(_one_turn(session, "hello"))
    assert failure.kind is ErrorKind.UNEXPECTED


def test_composio_unreachable(fake_services: FakeServices, unreachable_url: str) -> None:
    session = session_for(fake_services, composio_base_url=unreachable_url)
    failure = _failure(_one_turn(session))
    assert failure.kind is ErrorKind.UNREACHABLE
    assert "Composio" in failure.message


def test_composio_that_never_answers_times_out(
    fake_services: FakeServices, dead_server: DeadServer
) -> None:
    session = session_for(
        fake_services,
        composio_base_url=dead_server.base_url,
        timeouts=replace(FAST_TIMEOUTS, composio_request=DEAD_SERVER_TIMEOUT),
    )
    started = time.monotonic()
    failure = _failure(_one_turn(session))
    assert failure.kind is ErrorKind.TIMEOUT
    # Bounded by the configured timeout, not forever (generous margin: not a timing test).
    assert time.monotonic() - started < FAST_TIMEOUTS.composio_request + 30


def test_model_that_never_answers_times_out(fake_services: FakeServices) -> None:
    fake_services.openai.script.push(Reply.hang())
    session = session_for(
        fake_services, timeouts=replace(FAST_TIMEOUTS, model_read=DEAD_SERVER_TIMEOUT)
    )
    failure = _failure(_one_turn(session, "hello"))
    assert failure.kind is ErrorKind.TIMEOUT
    assert "did not answer" in failure.message


def test_session_recovers_after_a_failed_turn(fake_services: FakeServices) -> None:
    fake_services.openai.script.push(Reply.error(500))

    async def scenario() -> list[TurnEvent]:
        session = session_for(fake_services)
        try:
            return await collect(session, "hello") + await collect(session, "hello again")
        finally:
            await session.aclose()

    events = run(scenario())
    assert any(isinstance(e, TurnFailed) for e in events)
    assert isinstance(events[-1], TurnFinished)


def test_connection_recovers_after_the_mcp_endpoint_failed(fake_services: FakeServices) -> None:
    async def scenario() -> list[TurnEvent]:
        session = session_for(fake_services)
        try:
            fake_services.composio.behaviour.mcp_rejects_all_keys = True
            failed = await collect(session, "list my sandboxes")
            fake_services.composio.behaviour.mcp_rejects_all_keys = False
            return failed + await collect(session, "list my sandboxes")
        finally:
            await session.aclose()

    events = run(scenario())
    assert isinstance(events[0], TurnFailed)
    assert isinstance(events[-1], TurnFinished)


@pytest.mark.parametrize("openai_key", ["default", None], ids=["with-openai-key", "without"])
def test_test_connection_lists_tools_without_the_model(
    fake_services: FakeServices, openai_key: str | None
) -> None:
    info = run(
        check_connection(
            Settings(user_id="test-user"),
            credentials_for(fake_services, openai_api_key=openai_key),
            session_for(fake_services).endpoints,
            FAST_TIMEOUTS,
        )
    )
    assert "COMPOSIO_MULTI_EXECUTE_TOOL" in info.tool_names
    assert info.session_id.startswith("trs_")
    assert fake_services.openai.requests == []  # a key there or not, the model is not asked


def test_test_connection_reports_a_bad_key(fake_services: FakeServices) -> None:
    with pytest.raises(UserFacingError) as caught:
        run(
            check_connection(
                Settings(user_id="test-user"),
                credentials_for(fake_services, composio_api_key="test-nope"),
                session_for(fake_services).endpoints,
                FAST_TIMEOUTS,
            )
        )
    assert caught.value.kind is ErrorKind.COMPOSIO_KEY_REJECTED


def test_after_recovering_one_new_connection_serves_the_next_turns(
    fake_services: FakeServices,
) -> None:
    """The agent moves to the reopened connection instead of reconnecting on every turn."""

    def handshakes() -> int:
        methods = [
            (r.json or {}).get("method")
            for r in fake_services.composio.requests
            if r.path.endswith("/mcp") and r.method == "POST"
        ]
        return methods.count("server/discover") + methods.count("initialize")

    async def scenario() -> tuple[int, int]:
        session = session_for(fake_services)
        try:
            await collect(session, "list my sandboxes")
            # What a transport failure during a run leads to: the connection is dropped.
            await session.after_failure(RuntimeError("the MCP stream dropped"))
            await collect(session, "list my sandboxes")
            recovered = handshakes()
            await collect(session, "list my sandboxes")
            await collect(session, "list my sandboxes")
            return recovered, handshakes()
        finally:
            await session.aclose()

    recovered, later = run(scenario())
    assert later == recovered  # two more turns, no new handshake


def test_test_connection_without_a_user_id_says_so_before_asking(
    fake_services: FakeServices,
) -> None:
    with pytest.raises(UserFacingError) as caught:
        run(
            check_connection(
                Settings(),
                credentials_for(fake_services, user_id=None, openai_api_key=None),
                session_for(fake_services).endpoints,
                FAST_TIMEOUTS,
            )
        )
    assert caught.value.kind is ErrorKind.MISSING_KEY
    assert caught.value.fix is not None
    assert [item.env_var for item in caught.value.fix.items] == ["USER_ID"]  # not the model key
    assert fake_services.composio.requests == []  # said before asking Composio anything
