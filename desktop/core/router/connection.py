"""The agent's one MCP connection to a Tool Router session, kept across turns.

The session itself is made by `desktop.core.router.rest`; `desktop.core.router.probe` checks
its MCP endpoint without loading the agent's MCP client.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from desktop.core.errors import (
    Remote,
    Service,
    UserFacingError,
    host_of,
    timed_out,
    unreachable,
)
from desktop.core.redaction import redact
from desktop.core.router.probe import list_router_tools, mcp_key_rejected
from desktop.core.router.transport import new_mcp_http_client
from desktop.core.router.types import ConnectionInfo, RouterSession, Timeouts

if TYPE_CHECKING:
    import httpx
    import httpx2
    from pydantic_ai.mcp import MCPToolset

log = logging.getLogger(__name__)


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """The exception, its causes and contexts, and the members of exception groups, once each."""
    seen: set[int] = set()
    pending: list[BaseException] = [exc]
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        if isinstance(current, BaseExceptionGroup):
            pending.extend(current.exceptions)
        pending.extend(e for e in (current.__cause__, current.__context__) if e is not None)


def _mentions_unauthorized(exc: BaseException) -> bool:
    for current in _causes(exc):
        text = f"{type(current).__name__} {current}".lower()
        if any(word in text for word in ("401", "unauthorized", "403", "forbidden")):
            return True
        if getattr(getattr(current, "response", None), "status_code", None) in (401, 403):
            return True
    return False


def _mentions_timeout(exc: BaseException) -> bool:
    return any(
        isinstance(current, TimeoutError)
        or "timeout" in type(current).__name__.lower()
        or "timed out" in str(current).lower()
        for current in _causes(exc)
    )


class ToolAnsweredError(Exception):
    """A tool called without the model answered with an error; `str()` is its text."""


class RouterConnection:
    """One MCP connection to the Tool Router, kept across turns, reopened after a failure.

    `http` is the app's shared client, for the light check that explains a failure (the MCP
    client has its own).
    """

    def __init__(
        self, session: RouterSession, timeouts: Timeouts, *, http: httpx.AsyncClient
    ) -> None:
        self.session = session
        self._timeouts = timeouts
        self._http = http
        self._toolset: MCPToolset[None] | None = None
        self._mcp_http: httpx2.AsyncClient | None = None  # the toolset's HTTP client
        self._entered = False
        self._info: ConnectionInfo | None = None  # set once connected; cleared by reset()

    @property
    def toolset(self) -> MCPToolset[None]:
        if self._toolset is None:
            from pydantic_ai.mcp import MCPToolset

            # The client is the app's (loopback past any proxy, no redirects: see
            # `router.transport`); the toolset never closes it, `reset()` does.
            self._mcp_http = new_mcp_http_client(self.session.headers, self._timeouts.mcp_read)
            self._toolset = MCPToolset(
                self.session.mcp_url,
                id="composio",
                http_client=self._mcp_http,
                init_timeout=self._timeouts.mcp_init,
                read_timeout=self._timeouts.mcp_read,
            )
        return self._toolset

    @property
    def info(self) -> ConnectionInfo | None:
        """What the open connection listed; None until `open()` succeeded."""
        return self._info

    async def open(self) -> ConnectionInfo:
        """Connect and list the tools, once per connection; errors are user-facing."""
        if self._info is not None:
            return self._info
        remote = Remote(Service.TOOL_ROUTER, host_of(self.session.mcp_url, ""))
        toolset = self.toolset
        try:
            async with asyncio.timeout(self._timeouts.mcp_init + 5):
                if not self._entered:
                    await toolset.__aenter__()
                    self._entered = True
                # The toolset caches this list: the agent reuses it instead of asking again.
                tools = await toolset.list_tools()
        except TimeoutError as exc:
            await self.reset()
            raise timed_out(remote, self._timeouts.mcp_init) from exc
        except Exception as exc:
            await self.reset()
            log.warning("MCP connection failed: %s", redact(repr(exc), self._secrets))
            # The MCP client reports a 401 and a 404 alike: the light check tells them apart
            # (an expired session, a refused key, a dead endpoint) and says so.
            try:
                await list_router_tools(self._http, self.session, self._timeouts.mcp_init)
            except UserFacingError as verdict:
                raise verdict from exc
            # The endpoint answers a plain handshake, yet the client failed.
            if _mentions_unauthorized(exc):
                raise mcp_key_rejected() from exc
            if _mentions_timeout(exc):
                raise timed_out(remote, self._timeouts.mcp_init) from exc
            raise unreachable(remote) from exc
        self._info = ConnectionInfo(self.session.session_id, tuple(t.name for t in tools))
        return self._info

    async def call_tool(self, name: str, arguments: dict[str, Any], seconds: float) -> Any:
        """Call one of the router's tools on this connection without the model (no tokens):
        its result as the MCP client maps it (JSON as dicts and lists). A tool that answers
        with an error raises `ToolAnsweredError` with its text; a call that does not answer
        within `seconds`, or a connection that fails, raises a user-facing error."""
        from fastmcp.exceptions import McpError
        from pydantic_ai.exceptions import ModelRetry

        await self.open()
        remote = Remote(Service.TOOL_ROUTER, host_of(self.session.mcp_url, ""))
        try:
            async with asyncio.timeout(seconds):
                return await self.toolset.direct_call_tool(name, arguments)
        except TimeoutError as exc:
            raise timed_out(remote, seconds) from exc
        except ModelRetry as exc:
            if not isinstance(exc.__cause__, McpError):
                raise ToolAnsweredError(exc.message) from exc
            if "timed out" in str(exc.__cause__).lower():
                raise timed_out(remote, seconds) from exc
            await self.diagnose()  # a refused key, an expired session: raised in those words
            await self.reset()
            raise unreachable(remote) from exc
        except UserFacingError:
            raise
        except Exception as exc:
            log.warning("a direct tool call failed: %s", redact(repr(exc), self._secrets))
            await self.reset()
            raise unreachable(remote) from exc

    @property
    def _secrets(self) -> list[str]:
        return list(self.session.headers.values())

    async def diagnose(self) -> None:
        """After a tool call the MCP client could only call "an error": the light check says
        why in the user's terms (a refused key, an expired session, a dead endpoint) by raising
        it; it returns when the Tool Router still answers."""
        await list_router_tools(self._http, self.session, self._timeouts.mcp_init)

    async def reset(self) -> None:
        """Drop a broken connection; the next `open()` makes a fresh one."""
        toolset, self._toolset = self._toolset, None
        client, self._mcp_http = self._mcp_http, None
        was_entered, self._entered = self._entered, False
        self._info = None
        if toolset is not None and was_entered:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(toolset.__aexit__(None, None, None), timeout=5)
        if client is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(client.aclose(), timeout=5)

    async def aclose(self) -> None:
        await self.reset()
