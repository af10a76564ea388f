"""The app's own Tool Router calls (REST session, light MCP check) against the fakes, checked
against what the real Composio SDK and MCP client do."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from desktop.core.errors import ErrorKind, UserFacingError
from desktop.core.router.connection import RouterConnection
from desktop.core.router.http import new_http_client
from desktop.core.router.probe import list_router_tools
from desktop.core.router.rest import open_router_session
from desktop.core.router.types import RouterSession, SessionExpiredError
from tests.fakes.harness import FakeServices
from tests.integration.chat_helpers import FAST_TIMEOUTS, run, session_for
from tests.integration.mount_helpers import composio_sdk

REPO = Path(__file__).resolve().parents[2]
SESSION_PATH = "/api/v3.1/tool_router/session"
T = TypeVar("T")


def _with_http(call: Callable[[httpx.AsyncClient], Awaitable[T]]) -> T:
    """`call(client)` with the app's HTTP client, made and closed on this test's event loop."""

    async def scenario() -> T:
        async with new_http_client(FAST_TIMEOUTS) as http:
            return await call(http)

    return run(scenario())


def _open(fs: FakeServices, *, resume_id: str | None = None, key: str | None = None) -> Any:
    return _with_http(
        lambda http: open_router_session(
            http,
            api_key=key or fs.composio_api_key,
            user_id=fs.user_id,
            toolkits=["e2b"],
            base_url=fs.composio_base_url,
            timeouts=FAST_TIMEOUTS,
            resume_id=resume_id,
        )
    )


def _rest_requests(fs: FakeServices) -> list[Any]:
    return [r for r in fs.composio.requests if r.path.startswith(SESSION_PATH)]


def test_creating_a_session_sends_what_the_sdk_sends(fake_services: FakeServices) -> None:
    with composio_sdk(fake_services) as composio:
        composio.create(user_id=fake_services.user_id, toolkits=["e2b"], mcp=True)
    ours = _open(fake_services)

    sdk_request, our_request = _rest_requests(fake_services)
    assert (our_request.method, our_request.path) == (sdk_request.method, sdk_request.path)
    assert our_request.json == sdk_request.json
    assert our_request.headers["x-api-key"] == sdk_request.headers["x-api-key"]
    assert ours.session_id in fake_services.composio.sessions
    assert ours.mcp_url == fake_services.composio.mcp_url(ours.session_id)
    assert ours.headers == {"x-api-key": fake_services.composio_api_key}


def test_resuming_a_session_asks_what_the_sdk_asks(fake_services: FakeServices) -> None:
    first = _open(fake_services)
    with composio_sdk(fake_services) as composio:
        composio.use(first.session_id, mcp=True)
    resumed = _open(fake_services, resume_id=first.session_id)

    sdk_request, our_request = _rest_requests(fake_services)[1:]
    assert (our_request.method, our_request.path) == (sdk_request.method, sdk_request.path)
    assert resumed == first
    assert len(fake_services.composio.sessions) == 1  # resumed, nothing new created


def test_a_forgotten_session_is_replaced_by_a_new_one(fake_services: FakeServices) -> None:
    resumed = _open(fake_services, resume_id="trs_forgotten")
    assert resumed.session_id != "trs_forgotten"
    assert [(r.method, r.path) for r in _rest_requests(fake_services)] == [
        ("GET", f"{SESSION_PATH}/trs_forgotten"),
        ("POST", SESSION_PATH),
    ]


@pytest.mark.parametrize(
    ("status", "kind", "words"),
    [
        (401, ErrorKind.COMPOSIO_KEY_REJECTED, "Composio rejected the API key"),
        (403, ErrorKind.COMPOSIO_KEY_REJECTED, "Composio rejected the API key"),
        (429, ErrorKind.RATE_LIMITED, "wait 7 s"),
        (500, ErrorKind.SERVER_ERROR, "server error (500)"),
        (400, ErrorKind.SERVER_ERROR, "Scripted failure 400"),
    ],
)
def test_composio_errors_are_one_sentence_each(
    fake_services: FakeServices, status: int, kind: ErrorKind, words: str
) -> None:
    fake_services.composio.behaviour.session_status = status
    with pytest.raises(UserFacingError) as caught:
        _open(fake_services)
    assert caught.value.kind is kind
    assert words in caught.value.message
    assert fake_services.composio_api_key not in caught.value.message


def test_the_key_never_goes_over_plain_http_to_another_machine() -> None:
    with pytest.raises(UserFacingError) as caught:
        _with_http(
            lambda http: open_router_session(
                http,
                api_key="test-composio-key",
                user_id="u",
                toolkits=["e2b"],
                base_url="http://composio.example.com",
                timeouts=FAST_TIMEOUTS,
            )
        )
    assert caught.value.kind is ErrorKind.BAD_INPUT
    assert "https://" in caught.value.message


def test_the_light_check_lists_what_the_mcp_client_lists(fake_services: FakeServices) -> None:
    router = _open(fake_services)

    async def both(http: httpx.AsyncClient) -> tuple[tuple[str, ...], tuple[str, ...]]:
        light = await list_router_tools(http, router, FAST_TIMEOUTS.mcp_init)
        connection = RouterConnection(router, FAST_TIMEOUTS, http=http)
        try:
            full = await connection.open()
        finally:
            await connection.aclose()
        return light.tool_names, full.tool_names

    light, full = _with_http(both)
    assert light == full
    assert "COMPOSIO_MULTI_EXECUTE_TOOL" in light
    mcp_path = f"/tool_router/{router.session_id}/mcp"
    probe = [r for r in fake_services.composio.requests if r.path == mcp_path][:4]
    # A handshake, the listing, and the session ended: nothing left open on the server.
    assert [(r.method, r.json.get("method")) for r in probe] == [
        ("POST", "initialize"),
        ("POST", "notifications/initialized"),
        ("POST", "tools/list"),
        ("DELETE", None),
    ]


def test_the_light_check_tells_a_refused_key_from_an_expired_session(
    fake_services: FakeServices,
) -> None:
    router = _open(fake_services)
    fake_services.composio.behaviour.mcp_rejects_all_keys = True
    with pytest.raises(UserFacingError) as refused:
        _with_http(lambda http: list_router_tools(http, router, FAST_TIMEOUTS.mcp_init))
    assert refused.value.kind is ErrorKind.MCP_KEY_REJECTED

    fake_services.composio.behaviour.mcp_rejects_all_keys = False
    fake_services.composio.remove_session(router.session_id)
    with pytest.raises(SessionExpiredError):
        _with_http(lambda http: list_router_tools(http, router, FAST_TIMEOUTS.mcp_init))


def test_the_light_check_of_a_dead_endpoint_is_unreachable(unreachable_url: str) -> None:
    router = RouterSession("trs_x", f"{unreachable_url}/mcp", {"x-api-key": "test-composio"})
    with pytest.raises(UserFacingError) as caught:
        _with_http(lambda http: list_router_tools(http, router, FAST_TIMEOUTS.mcp_init))
    assert caught.value.kind is ErrorKind.UNREACHABLE


def test_check_replaces_a_session_the_backend_forgot(fake_services: FakeServices) -> None:
    first = _open(fake_services)
    fake_services.composio.remove_session(first.session_id)
    session = session_for(fake_services)
    session._resume_id = first.session_id  # as a stored conversation would resume it

    async def scenario() -> str | None:
        try:
            info = await session.check()
            assert "COMPOSIO_SEARCH_TOOLS" in info.tool_names
            return session.router_session_id
        finally:
            await session.aclose()

    replaced = run(scenario())
    assert replaced is not None and replaced != first.session_id
    assert replaced in fake_services.composio.sessions


def test_a_session_uses_the_client_it_is_given_and_closes_only_its_own(
    fake_services: FakeServices, monkeypatch: pytest.MonkeyPatch
) -> None:
    made: list[httpx.AsyncClient] = []

    async def recording(timeouts: Any) -> httpx.AsyncClient:
        made.append(new_http_client(timeouts))
        return made[-1]

    monkeypatch.setattr("desktop.core.agent.session.open_http_client", recording)

    async def scenario() -> tuple[list[str], bool]:
        sent: list[str] = []

        async def record(request: httpx.Request) -> None:
            sent.append(request.method)

        async with httpx.AsyncClient(event_hooks={"request": [record]}) as shared:
            given = session_for(fake_services, http=shared)
            await given.check()
            await given.aclose()
            own = session_for(fake_services)
            await own.check()
            await own.aclose()
            return sent, shared.is_closed

    sent, shared_closed = run(scenario())
    assert sent[:2] == ["POST", "POST"]  # the session, then the MCP handshake
    assert not shared_closed  # the app's client outlives the conversation
    assert len(made) == 1 and made[0].is_closed  # the session's own, closed by aclose()


CHECK_WITHOUT_THE_AGENT = """
import asyncio, json, sys
from desktop.core.agent.build import Endpoints
from desktop.core.agent.session import ChatSession
from desktop.core.config.credentials import Credentials
from desktop.core.config.settings import Settings

env = json.loads(sys.argv[1])
session = ChatSession(
    Settings(user_id=env["USER_ID"]),
    Credentials(env["OPENAI_API_KEY"], env["COMPOSIO_API_KEY"], env["USER_ID"]),
    Endpoints(env["OPENAI_BASE_URL"], env["COMPOSIO_BASE_URL"]),
)
info = asyncio.run(session.check())
heavy = ("pydantic_ai", "openai", "mcp", "composio")
print(json.dumps({"tools": len(info.tool_names), "loaded": [m for m in heavy if m in sys.modules]}))
"""


def test_the_check_loads_none_of_the_agent_stack(fake_services: FakeServices) -> None:
    """What keeps an idle window light: ready to send without pydantic-ai, openai, mcp (httpx,
    the app's own HTTP client, is allowed: the idle window stays under 130 MB with it)."""
    result = subprocess.run(
        [sys.executable, "-c", CHECK_WITHOUT_THE_AGENT, json.dumps(fake_services.env())],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout.splitlines()[-1])
    assert figures["tools"] >= 5
    assert figures["loaded"] == []
