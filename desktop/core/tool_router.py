"""Composio Tool Router: create (or resume) a session and keep one MCP connection to it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from desktop.core.errors import (
    UserFacingError,
    host_of,
    rate_limited,
    redact,
    server_error,
    timed_out,
    unexpected,
    unreachable,
)
from desktop.core.events import ErrorKind

if TYPE_CHECKING:
    from pydantic_ai.mcp import MCPToolset

log = logging.getLogger(__name__)

COMPOSIO_DEFAULT_BASE_URL = "https://backend.composio.dev"
MULTI_EXECUTE_TOOL = "COMPOSIO_MULTI_EXECUTE_TOOL"


@dataclass(frozen=True)
class Timeouts:
    """Every network call has a bound. Tests shorten these to exercise dead servers quickly."""

    composio_request: float = 20.0
    mcp_init: float = 20.0
    mcp_read: float = 180.0  # one MCP request, which includes the E2B action it runs
    model_connect: float = 10.0
    model_read: float = 120.0  # between two bytes of a model's stream (reasoning can be slow)


@dataclass(frozen=True)
class RouterSession:
    """A Tool Router session: its id and how to reach its MCP endpoint. `headers` holds the key."""

    session_id: str
    mcp_url: str
    headers: Mapping[str, str] = field(repr=False)


@dataclass(frozen=True)
class ConnectionInfo:
    session_id: str
    tool_names: tuple[str, ...]


def _map_composio_error(
    exc: BaseException, base_url: str | None, timeout: float, api_key: str
) -> UserFacingError:
    import composio_client
    from composio.exceptions import ApiKeyNotProvidedError

    where = host_of(base_url, "backend.composio.dev")
    if isinstance(exc, ApiKeyNotProvidedError):
        return UserFacingError(
            ErrorKind.MISSING_KEY,
            "No Composio API key is set: enter it in Settings (or set COMPOSIO_API_KEY).",
        )
    if isinstance(exc, composio_client.AuthenticationError | composio_client.PermissionDeniedError):
        return UserFacingError(
            ErrorKind.COMPOSIO_KEY_REJECTED,
            "Composio rejected the API key: check the Composio key in Settings "
            "(or COMPOSIO_API_KEY).",
        )
    if isinstance(exc, composio_client.RateLimitError):
        return rate_limited("Composio", None)
    if isinstance(exc, composio_client.APITimeoutError):
        return timed_out(f"Composio ({where})", timeout)
    if isinstance(exc, composio_client.APIConnectionError):
        return unreachable("Composio", where)
    if isinstance(exc, composio_client.APIStatusError):
        if exc.status_code >= 500:
            return server_error("Composio", exc.status_code)
        return UserFacingError(
            ErrorKind.SERVER_ERROR,
            f"Composio refused to create a session ({exc.status_code}): "
            f"{redact(str(exc.message), [api_key])[:200]}",
        )
    return unexpected(exc, [api_key])


def _open_session_sync(
    api_key: str,
    user_id: str,
    toolkits: Sequence[str],
    base_url: str | None,
    timeout: float,
    resume_id: str | None,
) -> RouterSession:
    # Imported here: `import composio` costs seconds and must not delay the first paint.
    import httpx
    from composio import Composio
    from composio_client import NotFoundError

    # Our own HTTP client, closed when done: the SDK's would leak its connection pool.
    with httpx.Client(timeout=timeout) as http_client:
        # allow_tracking lives in a context variable of this thread: construct and call in the
        # same worker (asyncio.to_thread copies the context) so no telemetry leaves the machine.
        client = Composio(
            api_key=api_key,
            base_url=base_url or COMPOSIO_DEFAULT_BASE_URL,
            timeout=max(1, round(timeout)),
            max_retries=0,
            allow_tracking=False,
            http_client=http_client,
        )
        session: Any = None
        if resume_id:
            try:
                session = client.use(resume_id, mcp=True)
            except NotFoundError:
                log.info("tool router session %s is gone; creating a new one", resume_id)
        if session is None:
            session = client.create(user_id=user_id, toolkits=list(toolkits), mcp=True)
    mcp = session.mcp
    url = getattr(mcp, "url", None)
    if not url:
        raise UserFacingError(
            ErrorKind.SERVER_ERROR, "Composio created a session without an MCP URL: try again."
        )
    headers = dict(getattr(mcp, "headers", None) or {})
    if "x-api-key" not in {k.lower() for k in headers}:
        # The SDK only adds the key for an MCP URL on its own origin; the endpoint needs it anyway.
        headers["x-api-key"] = api_key
    return RouterSession(session_id=str(session.session_id), mcp_url=str(url), headers=headers)


async def open_router_session(
    *,
    api_key: str,
    user_id: str,
    toolkits: Sequence[str],
    base_url: str | None,
    timeouts: Timeouts,
    resume_id: str | None = None,
) -> RouterSession:
    """Create (or resume) a Tool Router session off the event loop, with a timeout."""
    try:
        return await asyncio.wait_for(
            asyncio.to_thread(
                _open_session_sync,
                api_key,
                user_id,
                toolkits,
                base_url,
                timeouts.composio_request,
                resume_id,
            ),
            # The SDK's own timeout covers each request; this bounds the whole call.
            timeout=timeouts.composio_request + 5,
        )
    except UserFacingError:
        raise
    except TimeoutError as exc:
        raise timed_out(
            f"Composio ({host_of(base_url, 'backend.composio.dev')})", timeouts.composio_request
        ) from exc
    except Exception as exc:
        log.warning("tool router session failed: %s", redact(repr(exc), [api_key]))
        raise _map_composio_error(exc, base_url, timeouts.composio_request, api_key) from exc


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


class SessionExpiredError(UserFacingError):
    """The Tool Router no longer knows the session (404): a new one must be created."""

    def __init__(self) -> None:
        super().__init__(
            ErrorKind.SERVER_ERROR,
            "The Tool Router session has expired: start a new chat to create a fresh one.",
        )


async def probe_mcp_status(url: str, headers: Mapping[str, str], seconds: float) -> int | None:
    """The HTTP status of an MCP `initialize`: the MCP client reports 401 and 404 alike."""
    import httpx

    body = {
        "jsonrpc": "2.0",
        "id": 0,
        "method": "initialize",
        "params": {
            "protocolVersion": "2025-06-18",
            "capabilities": {},
            "clientInfo": {"name": "e2b-agent-probe", "version": "0"},
        },
    }
    try:
        async with httpx.AsyncClient(timeout=seconds) as client:
            response = await client.post(
                url,
                json=body,
                headers={**headers, "accept": "application/json, text/event-stream"},
            )
            return response.status_code
    except httpx.HTTPError:
        return None


class RouterConnection:
    """One MCP connection to the Tool Router, kept across turns, reopened after a failure."""

    def __init__(self, session: RouterSession, timeouts: Timeouts) -> None:
        self.session = session
        self._timeouts = timeouts
        self._toolset: MCPToolset[None] | None = None
        self._entered = False
        self._info: ConnectionInfo | None = None  # set once connected; cleared by reset()

    @property
    def toolset(self) -> MCPToolset[None]:
        if self._toolset is None:
            from pydantic_ai.mcp import MCPToolset

            self._toolset = MCPToolset(
                self.session.mcp_url,
                id="composio",
                headers=dict(self.session.headers),
                init_timeout=self._timeouts.mcp_init,
                read_timeout=self._timeouts.mcp_read,
            )
        return self._toolset

    async def open(self) -> ConnectionInfo:
        """Connect and list the tools, once per connection; errors are user-facing."""
        if self._info is not None:
            return self._info
        where = host_of(self.session.mcp_url, "the Tool Router")
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
            raise timed_out(f"The Tool Router ({where})", self._timeouts.mcp_init) from exc
        except Exception as exc:
            await self.reset()
            secrets = list(self.session.headers.values())
            log.warning("MCP connection failed: %s", redact(repr(exc), secrets))
            status = await probe_mcp_status(
                self.session.mcp_url, self.session.headers, self._timeouts.mcp_init
            )
            if status == 404:
                raise SessionExpiredError() from exc
            if status in (401, 403) or _mentions_unauthorized(exc):
                raise UserFacingError(
                    ErrorKind.MCP_KEY_REJECTED,
                    "The Tool Router refused the Composio key: check the Composio key in "
                    "Settings, then reconnect.",
                ) from exc
            if _mentions_timeout(exc):
                raise timed_out(f"The Tool Router ({where})", self._timeouts.mcp_init) from exc
            raise unreachable("the Tool Router", where) from exc
        self._info = ConnectionInfo(self.session.session_id, tuple(t.name for t in tools))
        return self._info

    async def reset(self) -> None:
        """Drop a broken connection; the next `open()` makes a fresh one."""
        toolset, self._toolset = self._toolset, None
        was_entered, self._entered = self._entered, False
        self._info = None
        if toolset is not None and was_entered:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(toolset.__aexit__(None, None, None), timeout=5)

    async def aclose(self) -> None:
        await self.reset()
