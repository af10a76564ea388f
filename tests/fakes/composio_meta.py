"""Tool Router sessions and the meta tools they expose (search, connect, multi-execute, ...)."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import mcp.types as mcp_types

from tests.fakes import e2b_catalog
from tests.fakes.composio_meta_specs import META_TOOLS
from tests.fakes.e2b_emulator import E2BEmulator
from tests.fakes.e2b_state import iso
from tests.fakes.workbench import Sandboxes

SEARCH = "COMPOSIO_SEARCH_TOOLS"
SCHEMAS = "COMPOSIO_GET_TOOL_SCHEMAS"
MANAGE = "COMPOSIO_MANAGE_CONNECTIONS"
WAIT = "COMPOSIO_WAIT_FOR_CONNECTIONS"
MULTI = "COMPOSIO_MULTI_EXECUTE_TOOL"
WORKBENCH = "COMPOSIO_REMOTE_WORKBENCH"
BASH = "COMPOSIO_REMOTE_BASH_TOOL"
AUTH_CONFIG_ID = "ac_fakee2bauth"

ToolResult = tuple[dict[str, Any], bool]
"""(the `{"data", "error", "successful"}` payload, whether the MCP result is an error)."""


@dataclass
class ToolRouterSession:
    """One `POST /api/v3.1/tool_router/session`, as the fake remembers it."""

    session_id: str
    user_id: str
    toolkits: list[str]
    request: dict[str, Any]
    created_at: float = field(default_factory=time.time)

    @property
    def direct(self) -> bool:
        """`session_preset="direct_tools"`: no search / multi-execute."""
        return (self.request.get("search") or {}).get("enable") is False

    @property
    def preload(self) -> list[str] | str:
        tools = (self.request.get("preload") or {}).get("tools")
        return tools if isinstance(tools, (list, str)) else []

    @property
    def wait_enabled(self) -> bool:
        return bool(
            (self.request.get("manage_connections") or {}).get("enable_wait_for_connections")
        )

    @property
    def workbench_enabled(self) -> bool:
        return (self.request.get("workbench") or {}).get("enable", True) is not False

    def meta_tool_names(self) -> list[str]:
        names = [] if self.direct else [SEARCH, SCHEMAS]
        if (self.request.get("manage_connections") or {}).get("enable", True) is not False:
            names.append(MANAGE)
            if self.wait_enabled:
                names.append(WAIT)
        if not self.direct:
            names.append(MULTI)
        if self.workbench_enabled:
            names += [WORKBENCH, BASH]
        return names

    def direct_tool_slugs(self) -> list[str]:
        preload = self.preload
        if preload == "all" or (self.direct and not preload):
            return [t.slug for t in e2b_catalog.TOOLS]
        return [s for s in preload if s in e2b_catalog.TOOLS_BY_SLUG]

    def tool_names(self) -> list[str]:
        return self.meta_tool_names() + self.direct_tool_slugs()

    def e2b_enabled(self) -> bool:
        raw = self.request.get("toolkits")
        disabled = raw.get("disable") or [] if isinstance(raw, dict) else []
        return (not self.toolkits or "e2b" in self.toolkits) and "e2b" not in disabled


def _annotations(hints: list[str], title: str) -> mcp_types.ToolAnnotations:
    return mcp_types.ToolAnnotations(
        title=title,
        read_only_hint="readOnlyHint" in hints,
        destructive_hint="destructiveHint" in hints,
        idempotent_hint="idempotentHint" in hints,
        open_world_hint="openWorldHint" in hints,
    )


def mcp_tool(name: str) -> mcp_types.Tool:
    """The MCP `Tool` for a meta tool or an E2B slug."""
    title = name.replace("_", " ").title()
    if name in META_TOOLS:
        spec = META_TOOLS[name]
        return mcp_types.Tool(
            name=name,
            description=spec["description"],
            input_schema=spec["inputSchema"],
            annotations=_annotations(spec["annotations"], title),
            meta={"important": "important" in spec["annotations"]},
        )
    tool = e2b_catalog.TOOLS_BY_SLUG[name]
    hints = {
        "reads": ["readOnlyHint"],
        "changes": ["openWorldHint"],
        "destructive": ["destructiveHint", "openWorldHint"],
    }[tool.kind]
    return mcp_types.Tool(
        name=name,
        description=tool.description,
        input_schema=tool.input_schema,
        annotations=_annotations(hints, title),
    )


def _ok(data: dict[str, Any]) -> ToolResult:
    return {"data": data, "error": None, "successful": True}, False


def _fail(error: str, data: dict[str, Any] | None = None) -> ToolResult:
    return {"data": data or {}, "error": error, "successful": False}, False


def _missing(field: str) -> ToolResult:
    return _fail(f"Invalid request data provided - Following fields are missing: {{'{field}'}}")


class MetaTools:
    """Runs meta tools (and direct E2B tools) for one fake backend."""

    def __init__(
        self,
        emulator: E2BEmulator,
        connect_link: Callable[[ToolRouterSession], str],
        wait_seconds: Callable[[float], Any],
        sandboxes: Sandboxes,
    ) -> None:
        self.emulator = emulator
        self.sandboxes = sandboxes
        self._connect_link = connect_link
        self._wait = wait_seconds
        self.wait_for_connections_timeout = 10.0

    async def call(self, session: ToolRouterSession, name: str, args: dict[str, Any]) -> ToolResult:
        if name not in session.tool_names():
            return _fail(f"Tool {name} not found in this session")
        handler = {
            SEARCH: self._search,
            SCHEMAS: self._schemas,
            MANAGE: self._manage,
            WAIT: self._wait_for,
            MULTI: self._multi,
            WORKBENCH: self._workbench,
            BASH: self._bash,
        }.get(name)
        if handler is not None:
            return await handler(session, args)
        outcome = self.emulator.execute(name, args)
        return {
            "data": outcome.data or {},
            "error": outcome.error,
            "successful": outcome.successful,
        }, False

    # ------------------------------------------------------------------ helpers
    def _connection_status(self, session: ToolRouterSession) -> dict[str, Any]:
        active = self.emulator.connected
        return {
            "toolkit": "e2b",
            "description": "E2B cloud sandboxes",
            "has_active_connection": active,
            "status_message": "Connection is active."
            if active
            else "No active connection. Call COMPOSIO_MANAGE_CONNECTIONS with toolkits ['e2b'].",
        }

    # ------------------------------------------------------------------ meta tools
    async def _search(self, session: ToolRouterSession, args: dict[str, Any]) -> ToolResult:
        queries = args.get("queries")
        if not isinstance(queries, list) or not queries:
            return _missing("queries")
        results: list[dict[str, Any]] = []
        schemas: dict[str, Any] = {}
        for index, query in enumerate(queries):
            use_case = str((query or {}).get("use_case", "")) if isinstance(query, dict) else ""
            found = e2b_catalog.search(use_case) if session.e2b_enabled() else []
            for tool in found:
                schemas[tool.slug] = tool.schema_entry()
            results.append(
                {
                    "index": index,
                    "use_case": use_case,
                    "toolkits": ["e2b"] if found else [],
                    "primary_tool_slugs": [t.slug for t in found[:3]],
                    "related_tool_slugs": [t.slug for t in found[3:]],
                    "recommended_plan_steps": [
                        "Check the e2b connection status; if not active call "
                        "COMPOSIO_MANAGE_CONNECTIONS.",
                        "Execute the primary tool with COMPOSIO_MULTI_EXECUTE_TOOL.",
                    ]
                    if found
                    else [],
                    "known_pitfalls": ["Sandbox IDs are case-sensitive."] if found else [],
                    "reference_workbench_snippets": [],
                }
            )
        workflow = args.get("session") or {}
        workflow_id = workflow.get("id") if isinstance(workflow, dict) else None
        now = time.time()
        return _ok(
            {
                "results": results,
                "tool_schemas": schemas,
                "toolkit_connection_statuses": [self._connection_status(session)]
                if session.e2b_enabled()
                else [],
                "time_info": {
                    "current_time": iso(now),
                    "current_time_epoch_in_seconds": int(now),
                    "timezone": "UTC",
                },
                "session": {
                    "id": workflow_id or uuid.uuid4().hex[:8],
                    "instructions": "Pass this session id to later meta tool calls.",
                },
                "next_steps_guidance": [
                    "Use COMPOSIO_MULTI_EXECUTE_TOOL with the primary tool slugs.",
                    "If a toolkit has no active connection, call COMPOSIO_MANAGE_CONNECTIONS.",
                ],
            }
        )

    async def _schemas(self, session: ToolRouterSession, args: dict[str, Any]) -> ToolResult:
        slugs = args.get("tool_slugs")
        if not isinstance(slugs, list) or not slugs:
            return _missing("tool_slugs")
        found = {
            s: e2b_catalog.TOOLS_BY_SLUG[s].schema_entry()
            for s in slugs
            if s in e2b_catalog.TOOLS_BY_SLUG
        }
        missing = [s for s in slugs if s not in found]
        data = {"success": not missing, "tool_schemas": found, "not_found": missing}
        return _ok(data) if found else _fail(f"Tools not found: {missing}", data)

    def _toolkit_result(
        self, session: ToolRouterSession, toolkit: str, reinitiate: bool
    ) -> dict[str, Any]:
        if toolkit != "e2b" or not session.e2b_enabled():
            return {
                "toolkit": toolkit,
                "status": "failed",
                "has_active_connection": False,
                "error_message": f"Toolkit '{toolkit}' is not enabled in this session.",
            }
        base = {
            "toolkit": "e2b",
            "auth_config_id": AUTH_CONFIG_ID,
            "account_type": "PRIVATE",
            "current_user_info": {},
            "was_reinitiated": reinitiate,
        }
        if self.emulator.connected and not reinitiate:
            return {
                **base,
                "status": "active",
                "has_active_connection": True,
                "connected_account_id": self.emulator.connected_account_id,
                "created_at": iso(time.time()),
                "instruction": "Connection is active.",
            }
        return {
            **base,
            "status": "initiated",
            "has_active_connection": self.emulator.connected,
            "connected_account_id": f"ca_{uuid.uuid4().hex[:12]}",
            "redirect_url": self._connect_link(session),
            "instruction": "Show the redirect_url to the user as a markdown link. They open "
            "it and enter their E2B API key; then retry the E2B tools.",
        }

    async def _manage(self, session: ToolRouterSession, args: dict[str, Any]) -> ToolResult:
        toolkits = args.get("toolkits")
        if not isinstance(toolkits, list) or not toolkits:
            return _missing("toolkits")
        reinitiate = bool(args.get("reinitiate_all"))
        results = {
            str(t).lower(): self._toolkit_result(session, str(t).lower(), reinitiate)
            for t in toolkits
        }
        statuses = [r["status"] for r in results.values()]
        message = ", ".join(f"{k}: {r['status']}" for k, r in results.items())
        data = {"message": message, "results": results}
        return _ok(data) if set(statuses) != {"failed"} else _fail(message, data)

    async def _wait_for(self, session: ToolRouterSession, args: dict[str, Any]) -> ToolResult:
        deadline = time.monotonic() + self.wait_for_connections_timeout
        while not self.emulator.connected and time.monotonic() < deadline:
            if not await self._wait(0.1):
                break
        toolkits = args.get("toolkits") or ["e2b"]
        status = "active" if self.emulator.connected else "initiated"
        results = {
            t: {"toolkit": t, "status": status if t == "e2b" else "failed"} for t in toolkits
        }
        return _ok({"message": f"e2b: {status}", "results": results})

    async def _multi(self, session: ToolRouterSession, args: dict[str, Any]) -> ToolResult:
        tools = args.get("tools")
        if not isinstance(tools, list) or not tools:
            return _missing("tools")
        if len(tools) > 50:
            return _fail("At most 50 tools can be executed at once.")
        results: list[dict[str, Any]] = []
        for index, item in enumerate(tools):
            item = item if isinstance(item, dict) else {}
            slug = str(item.get("tool_slug", ""))
            arguments = item.get("arguments")
            if not slug.startswith("E2B_") or not session.e2b_enabled():
                results.append(
                    {
                        "tool_slug": slug,
                        "index": index,
                        "response": None,
                        "error": f"Tool {slug or '(empty)'} not found",
                    }
                )
                continue
            outcome = self.emulator.execute(slug, arguments if isinstance(arguments, dict) else {})
            results.append(
                {
                    "tool_slug": slug,
                    "index": index,
                    "response": outcome.as_response() if outcome.successful else None,
                    "error": outcome.error,
                }
            )
        errors = sum(1 for r in results if r["error"])
        data = {
            "results": results,
            "total_count": len(results),
            "success_count": len(results) - errors,
            "error_count": errors,
        }
        if errors:
            return _fail(f"{errors} out of {len(results)} tools failed", data)
        return _ok(data)

    async def _workbench(self, session: ToolRouterSession, args: dict[str, Any]) -> ToolResult:
        code = args.get("code_to_execute")
        if not isinstance(code, str):
            return _missing("code_to_execute")
        sandbox = self.sandboxes.get(session.session_id)
        data = await asyncio.to_thread(sandbox.run_python, code)
        error = data.get("error")
        if isinstance(error, dict):
            return _fail(f"{error.get('name')}: {error.get('value')}", data)
        return _ok(data)

    async def _bash(self, session: ToolRouterSession, args: dict[str, Any]) -> ToolResult:
        command = args.get("command")
        if not isinstance(command, str):
            return _missing("command")
        sandbox = self.sandboxes.get(session.session_id)
        data, status = await asyncio.to_thread(sandbox.run_bash, command)
        if status is None:
            limit = self.sandboxes.limits.bash_timeout
            return _fail(f"Command timed out after {limit:g} seconds", data)
        if status != 0:
            return _fail(f"Command failed with exit code {status}", data)
        return _ok(data)
