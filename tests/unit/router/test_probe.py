"""The light MCP check against a scripted loopback endpoint: JSON or event-stream answers, events
whose data spans lines, the negotiated protocol version, one connection for the whole check."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from desktop.core.errors import ErrorKind, UserFacingError
from desktop.core.router import probe
from desktop.core.router.http import MAX_RESPONSE_BYTES, new_http_client
from desktop.core.router.probe import PROTOCOL_VERSIONS, list_router_tools
from desktop.core.router.types import ConnectionInfo, RouterSession, SessionExpiredError
from tests.unit.router.loopback import Handler, LoopbackServer, Reply, Seen

TOOLS = [{"name": "COMPOSIO_SEARCH_TOOLS"}, {"name": "COMPOSIO_MULTI_EXECUTE_TOOL"}]
EVENT_STREAM = {"content-type": "text/event-stream", "cache-control": "no-cache"}


class ScriptedMcp:
    """An MCP endpoint: answers in JSON or as events, in the protocol version it is given."""

    def __init__(
        self,
        *,
        events: bool = True,
        version: str | None = None,
        split_data: bool = False,
        status: int = 200,
        goes_on: bool = False,
    ) -> None:
        self.events = events
        self.version = version
        self.split_data = split_data
        self.status = status
        self.goes_on = goes_on

    def _answer(self, message: dict[str, Any]) -> Reply:
        if not self.events:
            return Reply(200, json.dumps(message).encode(), {"content-type": "application/json"})
        text = json.dumps(message)
        if self.split_data:
            # One event whose data spans two lines: they join with a newline, still valid JSON.
            cut = text.index('"result"') if '"result"' in text else len(text) // 2
            data = f"data: {text[:cut]}\ndata: {text[cut:]}\n"
        else:
            data = f"data: {text}\n"
        # A log notification of the server's own comes first, as a server may send one.
        note = json.dumps({"jsonrpc": "2.0", "method": "notifications/message", "params": {}})
        body = f"event: message\ndata: {note}\n\nevent: message\n{data}\n".encode()
        # A stream that goes on after the answer: more bytes are announced than ever come.
        return Reply(200, body, EVENT_STREAM, len(body) + 100 if self.goes_on else None)

    async def __call__(self, seen: Seen) -> Reply:
        if self.status != 200:
            return Reply(self.status, b'{"error": "scripted"}')
        if seen.method == "DELETE":
            return Reply(200)
        message = json.loads(seen.body)
        if "id" not in message:
            return Reply(202)
        if message["method"] == "initialize":
            version = self.version or message["params"]["protocolVersion"]
            reply = self._answer(
                {
                    "jsonrpc": "2.0",
                    "id": message["id"],
                    "result": {"protocolVersion": version, "capabilities": {}, "serverInfo": {}},
                }
            )
            headers = {**reply.headers, "mcp-session-id": "mcp-1"}
            return Reply(reply.status, reply.body, headers, reply.length)
        return self._answer({"jsonrpc": "2.0", "id": message["id"], "result": {"tools": TOOLS}})


def _check(
    mcp: Handler, seconds: float = 3
) -> tuple[ConnectionInfo | UserFacingError, LoopbackServer]:
    async def scenario() -> tuple[ConnectionInfo | UserFacingError, LoopbackServer]:
        async with LoopbackServer(mcp) as server, new_http_client() as http:
            router = RouterSession("trs_1", f"{server.base_url}/mcp", {"x-api-key": "k"})
            try:
                # A check that outlives its own bounds fails here rather than hang the suite.
                async with asyncio.timeout(30):
                    return await list_router_tools(http, router, seconds), server
            except UserFacingError as exc:
                return exc, server

    return asyncio.run(scenario())


def _timed_check(
    mcp: Handler, seconds: float
) -> tuple[ConnectionInfo | UserFacingError, LoopbackServer, float]:
    started = time.monotonic()
    verdict, server = _check(mcp, seconds)
    return verdict, server, time.monotonic() - started


def _tools_list_answered_with(reply: Reply) -> Handler:
    """The scripted endpoint, but tools/list gets `reply`."""
    scripted = ScriptedMcp()

    async def handler(seen: Seen) -> Reply:
        if seen.body and json.loads(seen.body).get("method") == "tools/list":
            return reply
        return await scripted(seen)

    return handler


async def _pings() -> AsyncIterator[bytes]:
    while True:  # until the client hangs up
        await asyncio.sleep(0.05)
        yield b": ping\n\n"


def _methods(server: LoopbackServer) -> list[str]:
    return [json.loads(s.body)["method"] if s.body else s.method for s in server.seen]


@pytest.mark.parametrize("events", [True, False], ids=["event-stream", "json"])
def test_the_check_lists_the_tools_over_one_connection(events: bool) -> None:
    info, server = _check(ScriptedMcp(events=events))
    assert info == ConnectionInfo("trs_1", ("COMPOSIO_SEARCH_TOOLS", "COMPOSIO_MULTI_EXECUTE_TOOL"))
    assert _methods(server) == ["initialize", "notifications/initialized", "tools/list", "DELETE"]
    assert server.connections == 1
    assert all(s.headers["x-api-key"] == "k" for s in server.seen)
    assert [s.headers.get("mcp-session-id") for s in server.seen] == [None, *["mcp-1"] * 3]


def test_an_event_whose_data_spans_two_lines_is_one_message() -> None:
    info, _ = _check(ScriptedMcp(split_data=True))
    assert isinstance(info, ConnectionInfo), info
    assert info.tool_names == ("COMPOSIO_SEARCH_TOOLS", "COMPOSIO_MULTI_EXECUTE_TOOL")


def test_the_check_goes_on_in_the_version_the_server_answers_with() -> None:
    info, server = _check(ScriptedMcp(version="2025-03-26"))
    assert isinstance(info, ConnectionInfo), info
    offer = json.loads(server.seen[0].body)["params"]["protocolVersion"]
    assert offer == PROTOCOL_VERSIONS[0]
    assert [s.headers.get("mcp-protocol-version") for s in server.seen[1:]] == ["2025-03-26"] * 3


def test_a_version_the_probe_does_not_speak_is_an_odd_answer_and_the_session_is_ended() -> None:
    verdict, server = _check(ScriptedMcp(version="1999-01-01"))
    assert isinstance(verdict, UserFacingError)
    assert verdict.kind is ErrorKind.SERVER_ERROR
    assert "does not understand" in verdict.message
    assert _methods(server) == ["initialize", "DELETE"]


@pytest.mark.parametrize(
    ("status", "kind"),
    [(401, ErrorKind.MCP_KEY_REJECTED), (403, ErrorKind.MCP_KEY_REJECTED), (502, None)],
)
def test_error_statuses_say_what_went_wrong(status: int, kind: ErrorKind | None) -> None:
    verdict, _ = _check(ScriptedMcp(status=status))
    assert isinstance(verdict, UserFacingError)
    if kind is None:
        assert verdict.message.startswith("The Tool Router had a server error (502)")
    else:
        assert verdict.kind is kind


def test_an_unknown_session_has_expired() -> None:
    verdict, _ = _check(ScriptedMcp(status=404))
    assert isinstance(verdict, SessionExpiredError)


def test_a_json_rpc_error_is_an_odd_answer() -> None:
    async def failing(seen: Seen) -> Reply:
        message = json.loads(seen.body)
        body = {"jsonrpc": "2.0", "id": message["id"], "error": {"code": -1, "message": "no"}}
        return Reply(200, json.dumps(body).encode(), {"content-type": "application/json"})

    verdict, _ = _check(failing)
    assert isinstance(verdict, UserFacingError)
    assert "does not understand" in verdict.message


def test_a_stream_that_goes_on_after_the_answer_costs_its_connection_not_the_check(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(probe, "STREAM_END_WAIT", 0.05)
    info, server = _check(ScriptedMcp(goes_on=True))
    assert isinstance(info, ConnectionInfo), info
    assert _methods(server) == ["initialize", "notifications/initialized", "tools/list", "DELETE"]
    assert server.connections == 3  # after each of the two streams, a fresh connection


def test_pings_alone_are_no_answer_within_the_requests_bound() -> None:
    endless = Reply(200, b"", EVENT_STREAM, length=10**9, more=_pings)
    verdict, _, elapsed = _timed_check(_tools_list_answered_with(endless), 0.5)
    assert isinstance(verdict, UserFacingError)
    assert verdict.kind is ErrorKind.TIMEOUT
    assert "did not answer within 0.5 s" in verdict.message
    assert elapsed < 1.5  # the request's 0.5 s and some: not the whole check's 3 s


def test_an_endless_data_line_is_cut_off_at_the_bound_on_an_answer() -> None:
    chunk = b"x" * 65536

    async def more() -> AsyncIterator[bytes]:
        while True:
            yield chunk

    endless = Reply(200, b"event: message\ndata: ", EVENT_STREAM, length=10**12, more=more)
    verdict, server = _check(_tools_list_answered_with(endless))
    assert isinstance(verdict, UserFacingError)
    assert verdict.kind is ErrorKind.SERVER_ERROR
    assert verdict.message.startswith(
        f"The Tool Router at {server.base_url.removeprefix('http://')} answered with more data "
        "than expected"
    )
    assert MAX_RESPONSE_BYTES <= 8 * 1024 * 1024  # a few MiB, not what the machine can hold
    assert _methods(server)[-1] == "DELETE"  # the session is still ended


def test_hanging_up_is_bounded_though_the_check_ran_out_and_the_reply_streams_forever(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def mcp(seen: Seen) -> Reply:
        if seen.method == "DELETE":
            return Reply(200, b"", EVENT_STREAM, length=10**9, more=_pings)
        return await ScriptedMcp()(seen)

    async def stuck(self: probe._Probe) -> tuple[str, ...]:
        await self._initialize()  # the session is open: the check will end it
        await asyncio.sleep(60)  # tools/list that never answers, until the check's own bound
        return ()

    monkeypatch.setattr(probe._Probe, "tool_names", stuck)
    seconds = 0.2
    verdict, server, elapsed = _timed_check(mcp, seconds)
    assert isinstance(verdict, UserFacingError)
    assert verdict.kind is ErrorKind.TIMEOUT
    assert _methods(server) == ["initialize", "DELETE"]
    assert elapsed < (4 * seconds + 1) + seconds + 1  # the check's bound, then the hang-up's


def test_parameters_of_the_content_type_do_not_make_json_an_event_stream() -> None:
    async def mcp(seen: Seen) -> Reply:
        reply = await ScriptedMcp(events=False)(seen)
        content_type = 'application/json; profile="text/event-stream"'
        return Reply(reply.status, reply.body, {**reply.headers, "content-type": content_type})

    info, _ = _check(mcp)
    assert isinstance(info, ConnectionInfo), info
