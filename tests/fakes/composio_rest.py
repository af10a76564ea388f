"""The `/api/v3.1/tool_router/session` REST endpoints, shaped as composio-client expects."""

from __future__ import annotations

import functools
import json
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.fakes.composio_meta import AUTH_CONFIG_ID, ToolRouterSession
from tests.fakes.e2b_state import iso

if TYPE_CHECKING:
    from tests.fakes.composio_backend import ComposioFake

PREFIX = "/api/v3.1/tool_router/session"


def composio_error(status: int, message: str, slug: str) -> JSONResponse:
    """An error in Composio's envelope (`composio_client` maps 401 to AuthenticationError)."""
    request_id = str(uuid.uuid4())
    body = {
        "error": {
            "message": message,
            "code": status * 10 + 1,
            "slug": slug,
            "status": status,
            "request_id": request_id,
        }
    }
    return JSONResponse(body, status_code=status, headers={"x-request-id": request_id})


def _toolkit_lists(body: dict[str, Any]) -> tuple[list[str], list[str]]:
    raw = body.get("toolkits")
    if isinstance(raw, list):
        return [str(t).lower() for t in raw], []
    if isinstance(raw, dict):
        enable = raw.get("enable") or raw.get("enabled") or []
        disable = raw.get("disable") or raw.get("disabled") or []
        return [str(t).lower() for t in enable], [str(t).lower() for t in disable]
    return [], []


def _executed(data: Any, error: Any, successful: bool) -> JSONResponse:
    """The answer of an `execute` / `execute_meta` call."""
    return JSONResponse(
        {
            "data": data,
            "error": error,
            "log_id": f"log_{uuid.uuid4().hex[:12]}",
            "result_type": "completed" if successful else "failed",
        }
    )


_SessionHandler = Callable[["SessionApi", dict[str, Any], ToolRouterSession], Awaitable[Response]]


def _session_route(
    handler: _SessionHandler,
) -> Callable[[SessionApi, Request], Awaitable[Response]]:
    """An endpoint that checks the key, parses the body and finds the session before `handler`."""

    @functools.wraps(handler)
    async def endpoint(self: SessionApi, request: Request) -> Response:
        checked = await self.checked(request)
        if isinstance(checked, Response):
            return checked
        return await handler(self, *checked)

    return endpoint


class SessionApi:
    """Route handlers bound to one `ComposioFake`."""

    def __init__(self, backend: ComposioFake) -> None:
        self.backend = backend

    def routes(self) -> list[Route]:
        return [
            Route(PREFIX, self.create, methods=["POST"]),
            Route(PREFIX + "/{session_id}", self.retrieve, methods=["GET"]),
            Route(PREFIX + "/{session_id}", self.delete, methods=["DELETE"]),
            Route(PREFIX + "/{session_id}/link", self.link, methods=["POST"]),
            Route(PREFIX + "/{session_id}/toolkits", self.toolkits, methods=["GET"]),
            Route(PREFIX + "/{session_id}/execute", self.execute, methods=["POST"]),
            Route(PREFIX + "/{session_id}/execute_meta", self.execute_meta, methods=["POST"]),
        ]

    async def _begin(self, request: Request) -> tuple[dict[str, Any], Response | None]:
        raw = await request.body()
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            body = None
        self.backend.record(request, body if isinstance(body, dict) else {})
        forced = self.backend.behaviour.session_status
        if forced is not None:
            response = composio_error(forced, f"Scripted failure {forced}", "Test_Scripted")
            if forced == 429:
                response.headers["retry-after"] = "7"
            return {}, response
        if not self.backend.key_ok(request.headers.get("x-api-key", "")):
            return {}, composio_error(401, "Invalid API key", "Auth_InvalidApiKey")
        if not isinstance(body, dict):
            return {}, composio_error(
                400, "Request body must be a JSON object", "Common_BadRequest"
            )
        return body, None

    async def checked(
        self, request: Request
    ) -> tuple[dict[str, Any], ToolRouterSession] | Response:
        """The request's body and session, or the error answer (key, body, unknown session)."""
        body, error = await self._begin(request)
        if error is not None:
            return error
        found = self._find(request)
        if isinstance(found, Response):
            return found
        return body, found

    def _find(self, request: Request) -> ToolRouterSession | Response:
        session_id = request.path_params["session_id"]
        session = self.backend.session(session_id)
        if session is None:
            return composio_error(
                404, f"Tool router session '{session_id}' not found", "ToolRouter_SessionNotFound"
            )
        return session

    def _config(self, session: ToolRouterSession) -> dict[str, Any]:
        body = session.request
        enable, disable = _toolkit_lists(body)
        manage = body.get("manage_connections") or {}
        workbench = body.get("workbench") or {}
        return {
            "user_id": session.user_id,
            "toolkits": {"disabled": disable}
            if disable and not enable
            else ({"enabled": enable} if enable else None),
            "tools": body.get("tools"),
            "tags": body.get("tags"),
            "auth_configs": body.get("auth_configs"),
            "connected_accounts": body.get("connected_accounts"),
            "execute": {"enable_multi_execute": not session.direct},
            "search": {"enable": not session.direct},
            "preload": {"tools": session.preload or []},
            "manage_connections": {
                "enabled": manage.get("enable", True),
                "callback_url": manage.get("callback_url"),
                "enable_wait_for_connections": bool(manage.get("enable_wait_for_connections")),
                "enable_connection_removal": True,
            },
            "workbench": {
                "enable": workbench.get("enable", True),
                "proxy_execution_enabled": True,
                "auto_offload_threshold": 20000,
                "sandbox_size": "standard",
                "tool_execution_enabled": True,
            },
            "multi_account": body.get("multi_account"),
            "instant": False,
        }

    def _session_body(self, session: ToolRouterSession, created: bool) -> dict[str, Any]:
        body: dict[str, Any] = {
            "session_id": session.session_id,
            "mcp": {"type": "http", "url": self.backend.mcp_url(session.session_id)},
            "tool_router_tools": session.tool_names(),
            "config": self._config(session),
            "config_version": 1,
        }
        if created:
            body["experimental"] = {
                "assistive_prompt": (
                    "You can use Composio meta tools. Search for tools with COMPOSIO_SEARCH_TOOLS, "
                    "connect apps with COMPOSIO_MANAGE_CONNECTIONS and run tools with "
                    "COMPOSIO_MULTI_EXECUTE_TOOL."
                )
            }
        return body

    async def create(self, request: Request) -> Response:
        body, error = await self._begin(request)
        if error is not None:
            return error
        user_id = body.get("user_id")
        if not isinstance(user_id, str) or not user_id:
            return composio_error(400, "user_id is required", "Common_ValidationError")
        enable, _ = _toolkit_lists(body)
        session = self.backend.add_session(user_id, enable, body)
        return JSONResponse(self._session_body(session, created=True), status_code=201)

    @_session_route
    async def retrieve(self, body: dict[str, Any], found: ToolRouterSession) -> Response:
        return JSONResponse(self._session_body(found, created=False))

    @_session_route
    async def delete(self, body: dict[str, Any], found: ToolRouterSession) -> Response:
        self.backend.remove_session(found.session_id)
        return JSONResponse({"session_id": found.session_id, "deleted": True})

    @_session_route
    async def link(self, body: dict[str, Any], found: ToolRouterSession) -> Response:
        toolkit = str(body.get("toolkit", "")).lower()
        if toolkit != "e2b" or not found.e2b_enabled():
            return composio_error(
                400,
                f"Toolkit '{toolkit}' is not enabled in this session",
                "ToolRouter_ToolkitNotEnabled",
            )
        url = self.backend.connect_link(found)
        return JSONResponse(
            {
                "connected_account_id": f"ca_{uuid.uuid4().hex[:12]}",
                "link_token": url.rsplit("/", 1)[1],
                "redirect_url": url,
            },
            status_code=201,
        )

    @_session_route
    async def toolkits(self, body: dict[str, Any], found: ToolRouterSession) -> Response:
        emulator = self.backend.emulator
        account = (
            {
                "id": emulator.connected_account_id,
                "status": "ACTIVE",
                "user_id": found.user_id,
                "created_at": iso(time.time()),
                "auth_config": {
                    "id": AUTH_CONFIG_ID,
                    "auth_scheme": "API_KEY",
                    "is_composio_managed": False,
                },
            }
            if emulator.connected
            else None
        )
        items = (
            [
                {
                    "slug": "e2b",
                    "name": "E2B",
                    "enabled": True,
                    "is_no_auth": False,
                    "composio_managed_auth_schemes": [],
                    "connected_account": account,
                    "meta": {
                        "description": "Secure cloud sandboxes for AI agents",
                        "logo": "https://logos.composio.dev/api/e2b",
                    },
                }
            ]
            if found.e2b_enabled()
            else []
        )
        return JSONResponse(
            {
                "items": items,
                "current_page": 1,
                "total_items": len(items),
                "total_pages": 1,
                "next_cursor": None,
            }
        )

    @_session_route
    async def execute(self, body: dict[str, Any], found: ToolRouterSession) -> Response:
        slug = str(body.get("tool_slug", ""))
        raw_args = body.get("arguments")
        arguments: dict[str, Any] = raw_args if isinstance(raw_args, dict) else {}
        if not slug.startswith("E2B_") or not found.e2b_enabled():
            return composio_error(404, f"Tool {slug} not found", "Tool_ToolNotFound")
        outcome = self.backend.emulator.execute(slug, arguments)
        return _executed(outcome.data or {}, outcome.error, outcome.successful)

    @_session_route
    async def execute_meta(self, body: dict[str, Any], found: ToolRouterSession) -> Response:
        raw_args = body.get("arguments")
        arguments: dict[str, Any] = raw_args if isinstance(raw_args, dict) else {}
        payload, _ = await self.backend.meta.call(found, str(body.get("slug", "")), arguments)
        return _executed(payload["data"], payload["error"], payload["successful"])
