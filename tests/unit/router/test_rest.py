"""Composio's answers, parsed and worded: error bodies, malformed answers, redirects, dead ends."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest

from desktop.core.errors import ErrorKind, UserFacingError
from desktop.core.router.http import new_http_client
from desktop.core.router.rest import SESSION_PATH, checked_base_url, open_router_session
from desktop.core.router.types import RouterSession, Timeouts
from tests.fakes.serving import closed_url
from tests.unit.router.loopback import Handler, LoopbackServer, Reply, Seen, json_reply

KEY = "test-composio-key"
SHORT = Timeouts(2, 2)
SESSION = {"session_id": "trs_1", "mcp": {"type": "http", "url": "http://127.0.0.1:9/mcp"}}


def _open(
    handler: Handler, timeouts: Timeouts = SHORT, resume_id: str = "trs_old"
) -> tuple[object, list[Seen]]:
    async def scenario() -> tuple[object, list[Seen]]:
        async with LoopbackServer(handler) as server, new_http_client(timeouts) as http:
            try:
                outcome: object = await open_router_session(
                    http,
                    api_key=KEY,
                    user_id="u",
                    toolkits=["e2b"],
                    base_url=server.base_url,
                    timeouts=timeouts,
                    resume_id=resume_id,
                )
            except UserFacingError as exc:
                outcome = exc
            return outcome, server.seen

    return asyncio.run(scenario())


def _answering(*replies: Reply) -> Handler:
    pending = list(replies)

    async def handler(seen: Seen) -> Reply:
        return pending.pop(0)

    return handler


def test_a_forgotten_session_is_created_anew_with_the_sdks_body() -> None:
    gone = json_reply(b'{"error": {"message": "not found"}}', status=404)
    created = json_reply(json.dumps({**SESSION, "extra": [1, 2]}).encode(), status=201)
    session, seen = _open(_answering(gone, created))
    assert session == RouterSession("trs_1", "http://127.0.0.1:9/mcp", {"x-api-key": KEY})
    assert [(s.method, s.target) for s in seen] == [
        ("GET", f"{SESSION_PATH}/trs_old"),
        ("POST", SESSION_PATH),
    ]
    assert json.loads(seen[1].body) == {
        "user_id": "u",
        "toolkits": {"enable": ["e2b"]},
        "manage_connections": {"enable": True},
    }
    assert seen[1].headers["content-type"] == "application/json"
    assert all(s.headers["x-api-key"] == KEY for s in seen)


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b'{"error": {"message": "toolkit unknown", "code": 4001}}', "(400): toolkit unknown"),
        (b'{"error": "plain words"}', "(400): plain words"),
        (b"<html>Bad request</html>", "(400): <html>Bad request</html>"),
    ],
)
def test_an_error_body_is_quoted_without_the_key(body: bytes, words: str) -> None:
    refused = json_reply(body + f" {KEY}".encode() if body.startswith(b"<") else body, 400)
    verdict, _ = _open(_answering(refused))
    assert isinstance(verdict, UserFacingError)
    assert verdict.kind is ErrorKind.SERVER_ERROR
    assert words in verdict.message
    assert KEY not in verdict.message


@pytest.mark.parametrize(
    "body",
    [
        b'{"session_id": "trs_1"}',
        b'{"session_id": "", "mcp": {"url": "http://x"}}',
        b'{"session_id": "trs_1", "mcp": {"url": 7}}',
        b"[]",
        b"not json",
    ],
)
def test_a_malformed_answer_is_one_clear_sentence(body: bytes) -> None:
    verdict, _ = _open(_answering(json_reply(body)))
    assert isinstance(verdict, UserFacingError)
    assert verdict.kind is ErrorKind.SERVER_ERROR
    assert verdict.message.startswith("Composio answered without a session or MCP address")


def test_a_redirect_is_not_followed_so_the_key_stays_here() -> None:
    moved = Reply(307, headers={"location": "http://127.0.0.1:9/elsewhere"})
    verdict, seen = _open(_answering(moved))
    assert isinstance(verdict, UserFacingError)
    assert "(307)" in verdict.message
    assert len(seen) == 1


def test_a_silent_backend_times_out() -> None:
    async def silent(seen: Seen) -> Reply:
        await asyncio.sleep(30)  # cancelled when the server stops
        return Reply()

    verdict, _ = _open(silent, Timeouts(0.3, 0.3))
    assert isinstance(verdict, UserFacingError)
    assert verdict.kind is ErrorKind.TIMEOUT
    assert "did not answer within 0.3 s" in verdict.message


def test_a_closed_port_is_unreachable() -> None:
    async def scenario() -> UserFacingError:
        async with new_http_client() as http:
            with pytest.raises(UserFacingError) as caught:
                await open_router_session(
                    http,
                    api_key=KEY,
                    user_id="u",
                    toolkits=["e2b"],
                    base_url=closed_url(),
                    timeouts=SHORT,
                )
            return caught.value

    verdict = asyncio.run(scenario())
    assert verdict.kind is ErrorKind.UNREACHABLE
    assert verdict.message.startswith("Could not reach Composio at 127.0.0.1")


@pytest.mark.parametrize(
    "url",
    [
        "http://composio.example",
        "ftp://127.0.0.1",
        "http://localhost.example.com",
        "http://127.0.0.1.evil.example",
        "http://127.0.0.1@evil.example",  # the host is after the userinfo
        "http://10.255.255.1",
    ],
)
def test_plain_http_is_refused_but_to_this_machine(url: str) -> None:
    with pytest.raises(UserFacingError) as caught:
        checked_base_url(url)
    assert caught.value.kind is ErrorKind.BAD_INPUT
    allowed = (
        "https://x.example",
        "http://localhost:1",
        "http://127.0.0.1",
        "http://127.0.0.2:8000",  # all of 127.0.0.0/8, past any proxy (test_http)
        "http://[::1]",
        "http://evil.example:80@127.0.0.1",  # the host is after the userinfo
    )
    for url_allowed in allowed:
        assert checked_base_url(url_allowed) == url_allowed


@pytest.mark.parametrize(
    "mcp_url",
    ["http://composio.example/mcp", "http://10.255.255.1/mcp", "file:///mcp", "mcp"],
)
def test_an_mcp_address_the_key_may_not_travel_to_is_refused(mcp_url: str) -> None:
    answer = json_reply(json.dumps({**SESSION, "mcp": {"url": mcp_url}}).encode())
    verdict, seen = _open(_answering(answer))
    assert isinstance(verdict, UserFacingError)
    assert verdict.kind is ErrorKind.SERVER_ERROR
    assert verdict.message.startswith("Composio named an MCP address that is not https://")
    assert mcp_url in verdict.message
    assert len(seen) == 1


def test_the_resumed_session_id_is_one_path_segment() -> None:
    gone = json_reply(b'{"error": {"message": "not found"}}', status=404)
    created = json_reply(json.dumps(SESSION).encode(), status=201)
    _, seen = _open(_answering(gone, created), resume_id="../x?y#z")
    assert seen[0].target == f"{SESSION_PATH}/..%2Fx%3Fy%23z"


def test_a_refused_resume_says_resume() -> None:
    refused = json_reply(b'{"error": {"message": "bad id"}}', status=400)
    verdict, _ = _open(_answering(refused))
    assert isinstance(verdict, UserFacingError)
    assert verdict.message == "Composio refused to resume the session (400): bad id."


def test_a_long_error_body_is_redacted_whole_then_cut_to_one_line() -> None:
    words = "a\nb\x1b[31m " + "x" * (195 - 12)
    body = json.dumps({"error": {"message": words + KEY + "y" * 1_000_000}}).encode()
    verdict, _ = _open(_answering(json_reply(body, 400)))
    assert isinstance(verdict, UserFacingError)
    assert verdict.message.startswith("Composio refused to resume the session (400): a b [31m x")
    quote = verdict.message.partition("(400): ")[2]
    assert len(quote) <= 200
    assert KEY[:4] not in verdict.message  # not even the start of the key, left by a cut
    assert "\n" not in verdict.message and "\x1b" not in verdict.message


def test_an_answer_past_the_bound_is_refused_before_it_fills_the_memory() -> None:
    async def more() -> AsyncIterator[bytes]:
        while True:
            yield b" " * 65536

    endless = Reply(200, b'{"session_id": "', {"content-type": "application/json"}, 10**12, more)
    verdict, _ = _open(_answering(endless))
    assert isinstance(verdict, UserFacingError)
    assert verdict.kind is ErrorKind.SERVER_ERROR
    assert "answered with more data than expected" in verdict.message
    assert verdict.message.startswith("Composio at 127.0.0.1:")
