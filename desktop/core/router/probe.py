"""A light check of the Tool Router's MCP endpoint: handshake, list the tools, hang up.

It tells the app (and Settings' "Test connection") that the endpoint accepts the key and which
tools it offers, without loading the agent's MCP client (pydantic-ai, mcp: ~100 MB and a second
of import), so the app is ready to send while it sits idle at a fraction of that memory. The
agent's own connection opens when a prompt is first typed.

It speaks MCP's Streamable HTTP transport: JSON-RPC in a POST, the answer as JSON or as
server-sent events (parsed by httpx-sse, so an event's data may span several lines), the session
in the `mcp-session-id` header, DELETE to end it; all of it over the app's shared httpx client,
on one kept-alive connection. The protocol version is negotiated: the probe offers the newest it
knows and goes on in whichever of the versions it speaks the server answers with (the few
messages it sends are the same in all of them). It also tells apart what the MCP client reports
as one generic error: 401 and 404.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from desktop.core.config.credentials import COMPOSIO_API_KEY
from desktop.core.errors import (
    ErrorKind,
    Fix,
    Remedy,
    Remote,
    Service,
    UserFacingError,
    host_of,
    quoted,
    server_error,
)
from desktop.core.router.http import is_timeout, no_answer, request_failure
from desktop.core.router.types import (
    ConnectionInfo,
    ResponseTooLargeError,
    RouterSession,
    SessionExpiredError,
)

if TYPE_CHECKING:
    import httpx

log = logging.getLogger(__name__)

# Revisions reached through the initialize handshake, newest first; the first is offered.
PROTOCOL_VERSIONS: tuple[str, ...] = ("2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05")
CLIENT_INFO = {"name": "e2b-agent", "version": "1"}
MAX_PAGES = 20  # tools/list pages; the Tool Router has one
STREAM_END_WAIT = 0.5  # seconds an event stream may go on after the answer before it is cut


class ProbeError(Exception):
    """The endpoint answered with an HTTP error status."""

    def __init__(self, status: int) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status


class ProtocolError(RuntimeError):
    """The endpoint's answer is not the MCP the probe speaks."""


class _RpcError(BaseModel):
    message: str = ""


class _RpcMessage(BaseModel):
    """One JSON-RPC message from the server (a response, or a request/notification of its own)."""

    id: int | str | None = None
    result: dict[str, Any] | None = None
    error: _RpcError | None = None


class _Initialized(BaseModel):
    protocol_version: str = Field(alias="protocolVersion")


class _Tool(BaseModel):
    name: str


class _ToolPage(BaseModel):
    tools: list[_Tool] = []
    next_cursor: str | None = Field(default=None, alias="nextCursor")


def _odd_answer(exc: BaseException) -> bool:
    """The endpoint answered, but not in MCP: bad JSON-RPC, bad JSON, a body it cannot decode."""
    import httpx

    # A pydantic ValidationError (bad JSON, a missing field) is a ValueError.
    return isinstance(exc, ProtocolError | ValueError | httpx.DecodingError)


def mcp_key_rejected() -> UserFacingError:
    return UserFacingError.fixable(
        ErrorKind.MCP_KEY_REJECTED,
        Fix(
            Remedy.CHECK_CREDENTIAL,
            "The Tool Router refused the Composio key",
            (COMPOSIO_API_KEY,),
        ),
    )


def rpc_result(message: _RpcMessage) -> dict[str, Any]:
    """The result of a JSON-RPC response; its error as a `ProtocolError`."""
    if message.error is not None:
        raise ProtocolError(f"MCP error: {quoted(message.error.message)}")
    if message.result is None:
        raise ProtocolError("the MCP endpoint answered without a result")
    return message.result


def is_event_stream(response: httpx.Response) -> bool:
    """The answer is an event stream, by the very test httpx-sse makes before it parses one
    (the media type: the content type before its parameters)."""
    return "text/event-stream" in response.headers.get("content-type", "").partition(";")[0]


async def read_answer(response: httpx.Response, request_id: int, seconds: float) -> dict[str, Any]:
    """The JSON-RPC result for `request_id`, from a JSON body or an event stream, within
    `seconds` (a stream of pings alone does not keep the wait going)."""
    from httpx_sse import EventSource

    answer: _RpcMessage | None = None
    try:
        async with asyncio.timeout(seconds) as deadline:
            if not is_event_stream(response):
                message = _RpcMessage.model_validate_json(await response.aread())
                if message.id == request_id:
                    return rpc_result(message)
                raise ProtocolError("the MCP endpoint answered another request")
            # The stream may carry the server's own requests and notifications before the
            # answer. After it the server ends the stream: read to the end so that the
            # connection serves the next request; a server that goes on costs the connection.
            async for event in EventSource(response).aiter_sse():
                if answer is None and event.event == "message" and event.data:
                    message = _RpcMessage.model_validate_json(event.data)
                    if message.id == request_id:
                        answer = message
                        deadline.reschedule(asyncio.get_running_loop().time() + STREAM_END_WAIT)
    except Exception as exc:
        # Once the answer is in, a stream cut short (by the wait above, a read timeout, a reset,
        # the bound on its size) costs the connection only.
        cut_short = is_timeout(exc) or no_answer(exc) or isinstance(exc, ResponseTooLargeError)
        if answer is None or not cut_short:
            raise
    if answer is None:
        raise ProtocolError("the MCP endpoint sent no answer to the request")
    return rpc_result(answer)


class _Probe:
    def __init__(
        self, http: httpx.AsyncClient, url: str, headers: Mapping[str, str], seconds: float
    ) -> None:
        self._http = http
        self._seconds = seconds
        self._url = url
        self._headers = {
            **headers,
            "accept": "application/json, text/event-stream",
            "content-type": "application/json",
        }
        self._next_id = 0
        self.session_id: str | None = None

    async def _call(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        self._next_id += 1
        body = {"jsonrpc": "2.0", "id": self._next_id, "method": method, "params": params}
        async with self._http.stream(
            "POST", self._url, json=body, headers=self._headers, timeout=self._seconds
        ) as response:
            if response.status_code >= 400:
                raise ProbeError(response.status_code)
            if method == "initialize" and (session_id := response.headers.get("mcp-session-id")):
                self.session_id = self._headers["mcp-session-id"] = session_id
            return await read_answer(response, self._next_id, self._seconds)

    async def _notify(self, method: str) -> None:
        body = {"jsonrpc": "2.0", "method": method}
        async with asyncio.timeout(self._seconds):
            response = await self._http.post(
                self._url, json=body, headers=self._headers, timeout=self._seconds
            )
        if response.status_code >= 400:
            raise ProbeError(response.status_code)

    async def _initialize(self) -> None:
        offer = {"protocolVersion": PROTOCOL_VERSIONS[0], "capabilities": {}}
        result = await self._call("initialize", {**offer, "clientInfo": CLIENT_INFO})
        version = _Initialized.model_validate(result).protocol_version
        if version not in PROTOCOL_VERSIONS:
            raise ProtocolError(f"the MCP endpoint speaks protocol {version[:40]!r} only")
        self._headers["mcp-protocol-version"] = version

    async def tool_names(self) -> tuple[str, ...]:
        await self._initialize()
        await self._notify("notifications/initialized")
        names: list[str] = []
        cursor: str | None = None
        for _page in range(MAX_PAGES):
            result = await self._call("tools/list", {"cursor": cursor} if cursor else {})
            page = _ToolPage.model_validate(result)
            names += [tool.name for tool in page.tools]
            cursor = page.next_cursor
            if not cursor:
                break
        return tuple(names)

    async def hang_up(self) -> None:
        """End the MCP session on the server (a server may not support it: 405 is fine)."""
        if self.session_id is None:
            return
        try:
            # Bounded as a whole: it runs after the check's own bound ran out, too. Its body is
            # never read (a server could stream one forever).
            async with (
                asyncio.timeout(self._seconds),
                self._http.stream(
                    "DELETE", self._url, headers=self._headers, timeout=self._seconds
                ),
            ):
                pass
        except Exception:  # best effort: the server drops idle sessions anyway
            log.debug("ending the probe's MCP session failed", exc_info=True)


async def list_router_tools(
    http: httpx.AsyncClient, session: RouterSession, seconds: float
) -> ConnectionInfo:
    """Handshake with the session's MCP endpoint and list its tools; user-facing errors."""
    remote = Remote(Service.TOOL_ROUTER, host_of(session.mcp_url, ""))
    try:
        # Each request has its own timeout; this bounds the handshake as a whole.
        async with asyncio.timeout(4 * seconds + 1):
            probe = _Probe(http, session.mcp_url, session.headers, seconds)
            try:
                names = await probe.tool_names()
            finally:
                await probe.hang_up()
    except ProbeError as exc:
        if exc.status == 404:
            raise SessionExpiredError() from exc
        if exc.status in (401, 403):
            raise mcp_key_rejected() from exc
        if exc.status >= 500:
            raise server_error(remote, exc.status) from exc
        raise UserFacingError(
            ErrorKind.SERVER_ERROR,
            f"The Tool Router refused the MCP handshake ({exc.status}): try again in a moment.",
            service=Service.TOOL_ROUTER,
        ) from exc
    except Exception as exc:
        if (failure := request_failure(exc, remote, seconds)) is not None:
            raise failure from exc
        if not _odd_answer(exc):
            raise
        secrets = list(session.headers.values())
        log.warning("the MCP endpoint answered oddly: %s", quoted(repr(exc), secrets, 500))
        raise UserFacingError(
            ErrorKind.SERVER_ERROR,
            "The Tool Router's MCP endpoint gave an answer the app does not understand: "
            "try again in a moment.",
            service=Service.TOOL_ROUTER,
        ) from exc
    return ConnectionInfo(session.session_id, names)
