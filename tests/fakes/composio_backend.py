"""The fake Composio backend: Tool Router session REST API, the MCP endpoint and Connect Links."""

from __future__ import annotations

import base64
import json
import secrets
import threading
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any, Self
from urllib.parse import quote, quote_plus

import mcp.types as mcp_types
from mcp.server.context import ServerRequestContext
from mcp.server.lowlevel import Server
from mcp.server.streamable_http_manager import StreamableHTTPASGIApp, StreamableHTTPSessionManager
from mcp.server.transport_security import TransportSecuritySettings
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route
from starlette.types import Message, Receive, Scope, Send

from tests.fakes.composio_meta import AUTH_CONFIG_ID, MetaTools, ToolRouterSession, mcp_tool
from tests.fakes.composio_rest import SessionApi, composio_error
from tests.fakes.e2b_emulator import E2BEmulator
from tests.fakes.files_mount import FilesMount
from tests.fakes.gate import Gate
from tests.fakes.openai_script import RecordedRequest
from tests.fakes.serving import ServedFake, ServerThread, hide_dropped_connections
from tests.fakes.workbench import Sandboxes, SandboxLimits

TEST_COMPOSIO_KEY = "test-composio-key"
HTML_PAYLOAD = (
    "<!DOCTYPE html><html><head><script>alert('tool output')</script></head>"
    "<body><h1>502 Bad Gateway</h1><img src=x onerror=alert(1)></body></html>"
)


@dataclass
class ToolCallRecord:
    """One MCP `tools/call` the fake received."""

    session_id: str
    name: str
    arguments: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class ComposioBehaviour:
    """Switches for failure tests; change them at any time (also while running)."""

    mcp_rejects_all_keys: bool = False
    """The MCP endpoint answers 401 to every key while the session REST API still works."""
    tool_delay: float = 0.0
    """Seconds every MCP tool call waits before answering."""
    hanging_tools: set[str] = field(default_factory=set)
    """Tool names (meta tools, or E2B slugs inside MULTI_EXECUTE) that never answer; `*` = all."""
    late_answers: dict[str, float] = field(default_factory=dict)
    """Tool name (or `*`) -> seconds its answer, worked out when the call came, waits before
    it is sent (an answer in flight while other calls change what it tells)."""
    raw_results: dict[str, str] = field(default_factory=dict)
    """Tool name (or `*`) -> raw text returned instead of JSON (e.g. `HTML_PAYLOAD`)."""
    tool_errors: dict[str, str] = field(default_factory=dict)
    """Tool name (or `*`) -> message returned as an MCP error result (`isError: true`)."""
    key_echoes: dict[str, bool] = field(default_factory=dict)
    """Tool name (or `*`) -> answer with a body that repeats the request's `x-api-key` (see
    `key_echo`): as an MCP error result (True) or as a successful result (False)."""
    session_status: int | None = None
    """The session REST endpoints answer every request with this error status (429 comes with
    `Retry-After: 7`)."""
    mcp_url: str | None = None
    """The MCP address the session answers name instead of the fake's own (a hostile backend)."""

    def matching(self, table: Collection[str], names: list[str]) -> str | None:
        return next((n for n in [*names, "*"] if n in table), None)


ECHO_PROXY_PASSWORD = "hunter2-proxy-pass"


def key_echo(key: str) -> str:
    """An error body a careless server might send: the request's key as it is, in base64
    (standard, URL-safe, and inside a Basic credential), percent- and form-encoded, and a URL
    with a user and password in it."""
    raw = key.encode()
    basic = base64.b64encode(b"agent:" + raw).decode()
    return json.dumps(
        {
            "successful": False,
            "error": f"403 Forbidden: x-api-key {key} may not run this tool",
            "request": {"headers": {"x-api-key": key, "authorization": f"Basic {basic}"}},
            "encoded": {
                "b64": base64.b64encode(raw).decode(),
                "urlsafe": base64.urlsafe_b64encode(raw).decode().rstrip("="),
            },
            "retry": f"https://api.example.test/v3/retry?api_key={quote(key, safe='')}"
            f"&form={quote_plus(key)}",
            "proxy": f"https://agent:{ECHO_PROXY_PASSWORD}@proxy.example.test:8443/route",
        }
    )


class _McpGate:
    """ASGI wrapper: checks `x-api-key` and the session id before the MCP transport sees it."""

    def __init__(self, backend: ComposioFake, inner: StreamableHTTPASGIApp) -> None:
        self._backend = backend
        self._inner = inner

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        backend = self._backend
        body = await request.body()
        try:
            message = json.loads(body) if body else {}
        except ValueError:
            message = {}
        # The JSON-RPC message (e.g. {"method": "initialize", ...}) is recorded for assertions.
        backend.record(request, message if isinstance(message, dict) else {"batch": message})
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        key = request.headers.get("x-api-key", "")
        if backend.behaviour.mcp_rejects_all_keys or not backend.key_ok(key):
            response: Response = composio_error(401, "Invalid API key", "Auth_InvalidApiKey")
        elif backend.session(scope["path_params"]["session_id"]) is None:
            response = composio_error(
                404, "Tool router session not found", "ToolRouter_SessionNotFound"
            )
        else:
            await self._inner(scope, replay, send)
            return
        await response(scope, receive, send)


class ComposioFake(ServedFake):
    """Composio's backend on one loopback origin, with an `E2BEmulator` behind the tools.

    `base_url` is `http://127.0.0.1:PORT` (what `COMPOSIO_BASE_URL` should be).
    Accepted keys: `api_keys` if given, else any key starting with `test-composio`.
    """

    def __init__(
        self,
        *,
        emulator: E2BEmulator | None = None,
        e2b_connected: bool = True,
        api_keys: Collection[str] | None = None,
        port: int = 0,
    ) -> None:
        self.emulator = emulator or E2BEmulator(connected=e2b_connected)
        self.api_keys: set[str] | None = set(api_keys) if api_keys is not None else None
        self.behaviour = ComposioBehaviour()
        self.gate = Gate()
        self.sandboxes = Sandboxes()
        """Each session's workbench: files mount, Python kernel, shell (`sandboxes.limits`)."""
        self.meta = MetaTools(self.emulator, self.connect_link, self.gate.wait, self.sandboxes)
        self.files = FilesMount(self)
        """The files mount's state (`files(sid)`, `presigned_requests`) and fault switches."""
        self._lock = threading.Lock()
        self._sessions: dict[str, ToolRouterSession] = {}
        self._link_tokens: dict[str, str] = {}
        self._requests: list[RecordedRequest] = []
        self._tool_calls: list[ToolCallRecord] = []
        self._server = ServerThread(
            self.build_app, port=port, name="fake-composio", on_stop=self._on_stop
        )

    def start(self) -> Self:
        hide_dropped_connections()  # the files mount cuts uploads on purpose
        return super().start()

    def _on_stop(self) -> None:
        self.gate.release_all()
        self.sandboxes.close_all()  # a cell that runs ends now, so its request can finish

    def join(self) -> None:
        super().join()
        self.sandboxes.close_all()  # what requests still in flight at the stop made

    def stop(self) -> None:
        super().stop()
        self.sandboxes.close_all()

    # ------------------------------------------------------------------ lifecycle
    def reset(self) -> None:
        """Fresh state: no sessions, records or sandboxes, default behaviour, emulator reset."""
        self.gate.release_all()
        self.sandboxes.close_all()
        self.sandboxes.limits = SandboxLimits()
        self.files.reset()
        with self._lock:
            self._sessions.clear()
            self._link_tokens.clear()
            self._requests.clear()
            self._tool_calls.clear()
        self.behaviour = ComposioBehaviour()
        self.emulator.reset()

    # ------------------------------------------------------------------ state
    def key_ok(self, key: str) -> bool:
        if self.api_keys is not None:
            return key in self.api_keys
        return key.startswith("test-composio")

    def session(self, session_id: str) -> ToolRouterSession | None:
        with self._lock:
            return self._sessions.get(session_id)

    @property
    def sessions(self) -> dict[str, ToolRouterSession]:
        with self._lock:
            return dict(self._sessions)

    def add_session(
        self, user_id: str, toolkits: list[str], request: dict[str, Any]
    ) -> ToolRouterSession:
        session = ToolRouterSession(f"trs_{secrets.token_hex(8)}", user_id, toolkits, request)
        with self._lock:
            self._sessions[session.session_id] = session
        return session

    def remove_session(self, session_id: str) -> None:
        with self._lock:
            self._sessions.pop(session_id, None)

    def mcp_url(self, session_id: str) -> str:
        return self.behaviour.mcp_url or f"{self.base_url}/tool_router/{session_id}/mcp"

    def connect_link(self, session: ToolRouterSession | None = None) -> str:
        """A new Connect Link on this origin; opening it (GET) connects E2B."""
        token = f"lt_{secrets.token_urlsafe(12)}"
        with self._lock:
            self._link_tokens[token] = session.session_id if session else ""
        return f"{self.base_url}/connect/e2b/{token}"

    def complete_connection(self) -> None:
        """Same as the user finishing the Connect Link."""
        self.emulator.complete_connection()

    @property
    def requests(self) -> list[RecordedRequest]:
        """HTTP requests received, with their JSON bodies (MCP: the JSON-RPC message)."""
        with self._lock:
            return list(self._requests)

    @property
    def tool_calls(self) -> list[ToolCallRecord]:
        """MCP tool calls received, oldest first."""
        with self._lock:
            return list(self._tool_calls)

    def record(self, request: Request, body: dict[str, Any]) -> None:
        entry = RecordedRequest(
            request.method,
            request.url.path,
            {k.lower(): v for k, v in request.headers.items()},
            body,
            request.url.query,
        )
        with self._lock:
            self._requests.append(entry)

    # ------------------------------------------------------------------ MCP
    def _mcp_server(self) -> Server[Any]:
        async def list_tools(
            ctx: ServerRequestContext[Any], params: mcp_types.PaginatedRequestParams | None
        ) -> mcp_types.ListToolsResult:
            session = self._session_of(ctx)
            names = session.tool_names() if session else []
            return mcp_types.ListToolsResult(tools=[mcp_tool(n) for n in names])

        async def call_tool(
            ctx: ServerRequestContext[Any], params: mcp_types.CallToolRequestParams
        ) -> mcp_types.CallToolResult:
            return await self._call_tool(ctx, params.name, dict(params.arguments or {}))

        return Server(
            "composio-tool-router",
            version="0.30.0-fake",
            on_list_tools=list_tools,
            on_call_tool=call_tool,
        )

    def _session_of(self, ctx: ServerRequestContext[Any]) -> ToolRouterSession | None:
        request = ctx.request
        if not isinstance(request, Request):
            return None
        return self.session(request.path_params.get("session_id", ""))

    @staticmethod
    def _text(text: str, is_error: bool = False) -> mcp_types.CallToolResult:
        return mcp_types.CallToolResult(
            content=[mcp_types.TextContent(type="text", text=text)], is_error=is_error
        )

    async def _call_tool(
        self, ctx: ServerRequestContext[Any], name: str, arguments: dict[str, Any]
    ) -> mcp_types.CallToolResult:
        session = self._session_of(ctx)
        headers = dict(ctx.request.headers) if isinstance(ctx.request, Request) else {}
        with self._lock:
            self._tool_calls.append(
                ToolCallRecord(session.session_id if session else "", name, arguments, headers)
            )
        if session is None:
            return self._text("Tool router session not found", is_error=True)
        behaviour = self.behaviour
        inner = [
            str(t.get("tool_slug", "")) for t in arguments.get("tools") or [] if isinstance(t, dict)
        ]
        if behaviour.tool_delay:
            await self.gate.wait(behaviour.tool_delay)
        if behaviour.matching(behaviour.hanging_tools, [name, *inner]):
            await self.gate.wait(None)
            return self._text("released", is_error=True)
        if (key := behaviour.matching(behaviour.tool_errors, [name, *inner])) is not None:
            return self._text(behaviour.tool_errors[key], is_error=True)
        if (key := behaviour.matching(behaviour.key_echoes, [name, *inner])) is not None:
            return self._text(key_echo(headers.get("x-api-key", "")), behaviour.key_echoes[key])
        if (key := behaviour.matching(behaviour.raw_results, [name, *inner])) is not None:
            return self._text(behaviour.raw_results[key])
        payload, is_error = await self.meta.call(session, name, arguments)
        if (key := behaviour.matching(behaviour.late_answers, [name, *inner])) is not None:
            await self.gate.wait(behaviour.late_answers[key])
        return self._text(json.dumps(payload), is_error)

    # ------------------------------------------------------------------ HTTP
    async def _open_link(self, request: Request) -> Response:
        token = request.path_params["token"]
        self.record(request, {})
        with self._lock:
            known = token in self._link_tokens
        if not known:
            return HTMLResponse("<h1>Link expired or unknown</h1>", status_code=404)
        self.emulator.complete_connection()
        return HTMLResponse(
            "<!DOCTYPE html><html><body><h1>E2B connected</h1>"
            "<p>Your E2B API key was saved. You can close this tab.</p>"
            "</body></html>"
        )

    def build_app(self) -> Starlette:
        manager = StreamableHTTPSessionManager(
            app=self._mcp_server(),
            security_settings=TransportSecuritySettings(
                enable_dns_rebinding_protection=True,
                allowed_hosts=["127.0.0.1:*", "localhost:*"],
                allowed_origins=["http://127.0.0.1:*", "http://localhost:*"],
            ),
            session_idle_timeout=300,
        )
        rest = SessionApi(self)
        return Starlette(
            routes=[
                *rest.routes(),
                *self.files.routes(),
                Route("/connect/e2b/{token}", self._open_link, methods=["GET"]),
                Route(
                    "/tool_router/{session_id}/mcp", _McpGate(self, StreamableHTTPASGIApp(manager))
                ),
            ],
            lifespan=lambda app: manager.run(),
        )


__all__ = [
    "AUTH_CONFIG_ID",
    "ECHO_PROXY_PASSWORD",
    "HTML_PAYLOAD",
    "TEST_COMPOSIO_KEY",
    "ComposioBehaviour",
    "ComposioFake",
    "ToolCallRecord",
    "ToolRouterSession",
    "key_echo",
]
