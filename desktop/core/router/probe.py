"""A light check of the Tool Router's MCP endpoint: handshake, list the tools, hang up.

It tells the app (and Settings' "Test connection") that the endpoint accepts the key and which
tools it offers, without loading the agent's MCP client (pydantic-ai, mcp: ~100 MB and a second
of import), so the app is ready to send while it sits idle at a fraction of that memory. The
agent's own connection opens when a prompt is first typed.

It speaks MCP's Streamable HTTP transport (protocol 2025-06-18): JSON-RPC in a POST, the answer
as JSON or as a server-sent event, the session in the `mcp-session-id` header, DELETE to end it.
It also tells apart what the MCP client reports as one generic error: 401 and 404.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Mapping
from typing import Any

from desktop.core.config.credentials import COMPOSIO_API_KEY
from desktop.core.errors import (
    ErrorKind,
    Fix,
    Remedy,
    UserFacingError,
    host_of,
    redact,
    server_error,
    timed_out,
)
from desktop.core.errors import unreachable as unreachable_error
from desktop.core.router.http import RequestTimeoutError, Response, TransportError, request
from desktop.core.router.types import ConnectionInfo, RouterSession, SessionExpiredError

log = logging.getLogger(__name__)

PROTOCOL_VERSION = "2025-06-18"
CLIENT_INFO = {"name": "e2b-agent", "version": "1"}
MAX_PAGES = 20  # tools/list pages; the Tool Router has one


class ProbeError(Exception):
    """The endpoint answered with an HTTP error status."""

    def __init__(self, status: int) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status


def mcp_key_rejected() -> UserFacingError:
    return UserFacingError.fixable(
        ErrorKind.MCP_KEY_REJECTED,
        Fix(
            Remedy.CHECK_CREDENTIAL,
            "The Tool Router refused the Composio key",
            (COMPOSIO_API_KEY,),
        ),
    )


def _rpc_result(response: Response, request_id: int) -> dict[str, Any]:
    """The JSON-RPC result for `request_id`, from a JSON body or an event stream."""
    if response.status >= 400:
        raise ProbeError(response.status)
    content_type = response.headers.get("content-type", "")
    if "text/event-stream" in content_type:
        messages = [
            json.loads(line[5:].strip())
            for line in response.text.splitlines()
            if line.startswith("data:") and line[5:].strip()
        ]
    else:
        messages = [response.json()]
    for message in messages:
        if isinstance(message, dict) and message.get("id") == request_id:
            if "error" in message:
                error = message["error"]
                text = error.get("message") if isinstance(error, dict) else error
                raise RuntimeError(f"MCP error: {text}")
            result = message.get("result")
            if isinstance(result, dict):
                return result
    raise RuntimeError("the MCP endpoint sent no answer to the request")


class _Probe:
    def __init__(self, url: str, headers: Mapping[str, str], seconds: float) -> None:
        self._seconds = seconds
        self._url = url
        self._headers = {
            **headers,
            "accept": "application/json, text/event-stream",
            "content-type": "application/json",
        }
        self._next_id = 0

    async def _post(self, method: str, params: dict[str, Any] | None, notify: bool = False) -> Any:
        body: dict[str, Any] = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            body["params"] = params
        if not notify:
            self._next_id += 1
            body["id"] = self._next_id
        response = await request(
            "POST",
            self._url,
            headers=self._headers,
            body=json.dumps(body).encode(),
            seconds=self._seconds,
        )
        if notify:
            if response.status >= 400:
                raise ProbeError(response.status)
            return None
        result = _rpc_result(response, self._next_id)
        if method == "initialize":
            session_id = response.headers.get("mcp-session-id")
            if session_id:
                self._headers["mcp-session-id"] = session_id
            version = result.get("protocolVersion")
            self._headers["mcp-protocol-version"] = str(version or PROTOCOL_VERSION)
        return result

    async def tool_names(self) -> tuple[str, ...]:
        await self._post(
            "initialize",
            {"protocolVersion": PROTOCOL_VERSION, "capabilities": {}, "clientInfo": CLIENT_INFO},
        )
        await self._post("notifications/initialized", None, notify=True)
        names: list[str] = []
        cursor: str | None = None
        for _page in range(MAX_PAGES):
            result = await self._post("tools/list", {"cursor": cursor} if cursor else {})
            names += [str(t["name"]) for t in result.get("tools", []) if isinstance(t, dict)]
            cursor = result.get("nextCursor")
            if not cursor:
                break
        return tuple(names)

    async def hang_up(self) -> None:
        """End the MCP session on the server (a server may not support it: 405 is fine)."""
        if "mcp-session-id" in self._headers:
            try:
                await request("DELETE", self._url, headers=self._headers, seconds=self._seconds)
            except TransportError:
                log.debug("ending the probe's MCP session failed", exc_info=True)


async def list_router_tools(session: RouterSession, seconds: float) -> ConnectionInfo:
    """Handshake with the session's MCP endpoint and list its tools; user-facing errors."""
    where = host_of(session.mcp_url, "the Tool Router")
    try:
        # Each request has its own timeout; this bounds the handshake as a whole.
        async with asyncio.timeout(4 * seconds + 1):
            probe = _Probe(session.mcp_url, session.headers, seconds)
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
            raise server_error("The Tool Router", exc.status) from exc
        raise UserFacingError(
            ErrorKind.SERVER_ERROR,
            f"The Tool Router refused the MCP handshake ({exc.status}): try again in a moment.",
        ) from exc
    except (TimeoutError, RequestTimeoutError) as exc:
        raise timed_out(f"The Tool Router ({where})", seconds) from exc
    except TransportError as exc:
        raise unreachable_error("the Tool Router", where) from exc
    except (RuntimeError, ValueError, KeyError, TypeError) as exc:
        secrets = list(session.headers.values())
        log.warning("the MCP endpoint answered oddly: %s", redact(repr(exc), secrets))
        raise UserFacingError(
            ErrorKind.SERVER_ERROR,
            "The Tool Router's MCP endpoint gave an answer the app does not understand: "
            "try again in a moment.",
        ) from exc
    return ConnectionInfo(session.session_id, names)
