"""The light MCP check against a scripted loopback endpoint: JSON or event-stream answers, events
whose data spans lines, the negotiated protocol version, one connection for the whole check."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from desktop.core.errors import ErrorKind, UserFacingError
from desktop.core.router import probe
from desktop.core.router.http import new_http_client
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


def _check(mcp: Handler) -> tuple[ConnectionInfo | UserFacingError, LoopbackServer]:
    async def scenario() -> tuple[ConnectionInfo | UserFacingError, LoopbackServer]:
        async with LoopbackServer(mcp) as server, new_http_client() as http:
            router = RouterSession("trs_1", f"{server.base_url}/mcp", {"x-api-key": "k"})
            try:
                return await list_router_tools(http, router, 3), server
            except UserFacingError as exc:
                return exc, server

    return asyncio.run(scenario())


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
