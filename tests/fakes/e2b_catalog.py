"""The 27 E2B tool slugs as Composio describes them: purpose, kind and input schema."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Kind = Literal["reads", "changes", "destructive"]


@dataclass(frozen=True)
class E2BTool:
    slug: str
    kind: Kind
    description: str
    properties: dict[str, dict[str, Any]] = field(default_factory=dict)
    required: tuple[str, ...] = ()

    @property
    def input_schema(self) -> dict[str, Any]:
        return {
            "type": "object",
            "title": f"{self.slug.title().replace('_', '')}Request",
            "properties": self.properties,
            "required": list(self.required),
        }

    @property
    def keywords(self) -> set[str]:
        words = set(self.slug.lower().split("_")[1:]) | set(self.description.lower().split())
        return {w.strip(".,()/'") for w in words}

    def schema_entry(self) -> dict[str, Any]:
        return {
            "tool_slug": self.slug,
            "toolkit": "e2b",
            "description": self.description,
            "input_schema": self.input_schema,
        }


_SANDBOX_ID = {
    "sandbox_id": {
        "type": "string",
        "description": "Identifier of the sandbox",
        "examples": ["i1a2b3c4d5e6f7g8h9j0"],
    }
}
_TEMPLATE_ID = {"template_id": {"type": "string", "description": "Identifier of the template"}}
_WEBHOOK_ID = {"webhook_id": {"type": "string", "description": "Identifier of the webhook"}}
_TIMEOUT = {
    "timeout": {
        "type": "integer",
        "minimum": 0,
        "default": 300,
        "description": "Seconds from now after which the sandbox expires",
    }
}
_TIME_RANGE = {
    "start": {"type": "integer", "description": "Unix seconds, start of the interval"},
    "end": {"type": "integer", "description": "Unix seconds, end of the interval"},
}
_PAGING = {
    "limit": {"type": "integer", "minimum": 1, "maximum": 100, "default": 100},
    "offset": {"type": "integer", "minimum": 0, "default": 0},
}
_EVENTS = {
    "type": "array",
    "items": {
        "type": "string",
        "enum": [
            "sandbox.lifecycle.created",
            "sandbox.lifecycle.paused",
            "sandbox.lifecycle.resumed",
            "sandbox.lifecycle.updated",
            "sandbox.lifecycle.killed",
        ],
    },
}

TOOLS: tuple[E2BTool, ...] = (
    E2BTool("E2B_CHECK_API_HEALTH", "reads", "Check the E2B API health (GET /health)."),
    E2BTool(
        "E2B_LIST_ALL_SANDBOXES",
        "reads",
        "List running and paused sandboxes, paginated; filter by state or metadata.",
        {
            "state": {"type": "array", "items": {"type": "string", "enum": ["running", "paused"]}},
            "metadata": {"type": "string", "description": "Metadata query, e.g. 'user=abc'"},
            "limit": {"type": "integer", "minimum": 1, "maximum": 100, "default": 100},
            "next_token": {"type": "string", "description": "Cursor from a previous page"},
        },
    ),
    E2BTool("E2B_GET_SANDBOX", "reads", "Get one sandbox's details.", _SANDBOX_ID, ("sandbox_id",)),
    E2BTool(
        "E2B_GET_SANDBOX_LOGS",
        "reads",
        "Get a sandbox's console and system logs.",
        {**_SANDBOX_ID, "start": {"type": "integer"}, "limit": {"type": "integer"}},
        ("sandbox_id",),
    ),
    E2BTool(
        "E2B_GET_SANDBOX_METRICS",
        "reads",
        "Get CPU, memory and disk metric samples of a sandbox (every 5 s).",
        {**_SANDBOX_ID, **_TIME_RANGE},
        ("sandbox_id",),
    ),
    E2BTool(
        "E2B_LIST_SANDBOXES_METRICS",
        "reads",
        "Get the latest metrics of several sandboxes.",
        {"sandbox_ids": {"type": "array", "items": {"type": "string"}, "maxItems": 100}},
        ("sandbox_ids",),
    ),
    E2BTool(
        "E2B_GET_SANDBOX_LIFECYCLE_EVENTS",
        "reads",
        "Get the create/pause/resume/kill lifecycle events of one sandbox.",
        {**_SANDBOX_ID, **_PAGING, "orderAsc": {"type": "boolean", "default": False}},
        ("sandbox_id",),
    ),
    E2BTool(
        "E2B_LIST_TEAM_SANDBOX_LIFECYCLE_EVENTS",
        "reads",
        "List sandbox lifecycle events across the team.",
        {**_PAGING, "orderAsc": {"type": "boolean", "default": False}},
    ),
    E2BTool(
        "E2B_GET_TEAM_METRICS",
        "reads",
        "Get team metrics (concurrent sandboxes, start rate).",
        {"team_id": {"type": "string"}, **_TIME_RANGE},
    ),
    E2BTool(
        "E2B_GET_TEAM_MAXIMUM_METRICS",
        "reads",
        "Get the peak of a team metric such as concurrent sandboxes.",
        {
            "team_id": {"type": "string"},
            **_TIME_RANGE,
            "metric": {"type": "string", "enum": ["concurrent_sandboxes", "sandbox_start_rate"]},
        },
        ("metric",),
    ),
    E2BTool(
        "E2B_LIST_ALL_TEMPLATES",
        "reads",
        "List the team's sandbox templates.",
        {"team_id": {"type": "string"}},
    ),
    E2BTool(
        "E2B_GET_TEMPLATE_BUILD_STATUS",
        "reads",
        "Get the status of an async template build.",
        {**_TEMPLATE_ID, "build_id": {"type": "string"}},
        ("template_id", "build_id"),
    ),
    E2BTool(
        "E2B_GET_TEMPLATE_FILES",
        "reads",
        "Get an upload link for a template build layer tarball.",
        {**_TEMPLATE_ID, "hash": {"type": "string"}},
        ("template_id", "hash"),
    ),
    E2BTool("E2B_LIST_ALL_WEBHOOKS", "reads", "List the registered sandbox lifecycle webhooks."),
    E2BTool(
        "E2B_GET_WEBHOOK_CONFIGURATION",
        "reads",
        "Get one webhook's settings.",
        _WEBHOOK_ID,
        ("webhook_id",),
    ),
    E2BTool(
        "E2B_CREATE_SANDBOX",
        "changes",
        "Create (start) a new sandbox from a template; it costs money while it runs.",
        {
            "templateID": {
                "type": "string",
                "description": "Template ID or alias",
                "examples": ["base"],
            },
            **_TIMEOUT,
            "autoPause": {"type": "boolean", "default": False},
            "metadata": {"type": "object", "additionalProperties": {"type": "string"}},
            "envVars": {"type": "object", "additionalProperties": {"type": "string"}},
            "secure": {"type": "boolean"},
        },
        ("templateID",),
    ),
    E2BTool(
        "E2B_CONNECT_SANDBOX",
        "changes",
        "Connect to (and resume) a sandbox; extends its time to live.",
        {**_SANDBOX_ID, **_TIMEOUT},
        ("sandbox_id", "timeout"),
    ),
    E2BTool(
        "E2B_SET_SANDBOX_TIMEOUT",
        "changes",
        "Set the sandbox timeout from now, overwriting the previous one.",
        {**_SANDBOX_ID, **_TIMEOUT},
        ("sandbox_id", "timeout"),
    ),
    E2BTool(
        "E2B_REFRESH_SANDBOX",
        "changes",
        "Refresh (extend) the time to live of a sandbox.",
        {**_SANDBOX_ID, "duration": {"type": "integer", "minimum": 0, "maximum": 3600}},
        ("sandbox_id",),
    ),
    E2BTool(
        "E2B_PAUSE_SANDBOX",
        "changes",
        "Pause a sandbox, keeping its filesystem and memory.",
        _SANDBOX_ID,
        ("sandbox_id",),
    ),
    E2BTool(
        "E2B_DELETE_SANDBOXES",
        "destructive",
        "Kill (delete) a sandbox for good.",
        _SANDBOX_ID,
        ("sandbox_id",),
    ),
    E2BTool(
        "E2B_CREATE_TEMPLATE",
        "changes",
        "Create (define) a new sandbox template.",
        {
            "name": {"type": "string"},
            "cpuCount": {"type": "integer", "default": 2},
            "memoryMB": {"type": "integer", "default": 1024},
            "tags": {"type": "array", "items": {"type": "string"}},
        },
        ("name",),
    ),
    E2BTool(
        "E2B_UPDATE_TEMPLATE",
        "changes",
        "Update a template, e.g. make it public or private.",
        {**_TEMPLATE_ID, "public": {"type": "boolean"}},
        ("template_id",),
    ),
    E2BTool(
        "E2B_START_TEMPLATE_BUILD",
        "changes",
        "Start an async template build.",
        {
            **_TEMPLATE_ID,
            "build_id": {"type": "string"},
            "fromImage": {"type": "string", "examples": ["ubuntu:22.04"]},
        },
        ("template_id", "build_id"),
    ),
    E2BTool(
        "E2B_CREATE_WEBHOOK",
        "changes",
        "Create a webhook for sandbox lifecycle events.",
        {
            "name": {"type": "string"},
            "url": {"type": "string", "format": "uri"},
            "events": _EVENTS,
            "enabled": {"type": "boolean", "default": True},
            "signatureSecret": {"type": "string"},
        },
        ("url", "events"),
    ),
    E2BTool(
        "E2B_UPDATE_WEBHOOK_CONFIGURATION",
        "changes",
        "Update a webhook's URL, enabled flag or events.",
        {
            **_WEBHOOK_ID,
            "url": {"type": "string"},
            "enabled": {"type": "boolean"},
            "events": _EVENTS,
            "name": {"type": "string"},
        },
        ("webhook_id",),
    ),
    E2BTool(
        "E2B_DELETE_WEBHOOK",
        "destructive",
        "Delete (unregister) a webhook.",
        _WEBHOOK_ID,
        ("webhook_id",),
    ),
)

TOOLS_BY_SLUG: dict[str, E2BTool] = {t.slug: t for t in TOOLS}

_SYNONYMS = {
    "start": "create",
    "new": "create",
    "spin": "create",
    "launch": "create",
    "kill": "delete",
    "remove": "delete",
    "destroy": "delete",
    "stop": "pause",
    "resume": "connect",
    "show": "list",
    "all": "list",
    "extend": "refresh",
    "ttl": "timeout",
    "sandboxes": "sandbox",
    "templates": "template",
    "webhooks": "webhook",
    "usage": "metrics",
    "cpu": "metrics",
    "memory": "metrics",
    "events": "lifecycle",
    "history": "lifecycle",
    "status": "health",
}


def search(query: str, limit: int = 6) -> list[E2BTool]:
    """E2B tools whose slug/description share words with `query`, best first."""
    words = {w.strip(".,?!'\"") for w in query.lower().split()}
    words |= {_SYNONYMS[w] for w in words if w in _SYNONYMS}
    scored: list[tuple[int, int, E2BTool]] = []
    for order, tool in enumerate(TOOLS):
        slug_words = set(tool.slug.lower().split("_")[1:])
        score = 3 * len(words & slug_words) + len(words & tool.keywords)
        if score:
            scored.append((-score, order, tool))
    scored.sort(key=lambda item: (item[0], item[1]))
    return [tool for _, _, tool in scored[:limit]]
